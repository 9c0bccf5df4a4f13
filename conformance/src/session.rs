//! The state of a run in progress: client, target, what is known and created, what was
//! recorded. Every phase works through one.

use crate::checks::{response_checks, Check, Verdict};
use crate::cleanup::Ledger;
use crate::http::{Auth, Exchange, HttpClient, Outgoing};
use crate::options::Limits;
use crate::progress::Progress;
use crate::replay::{Facts, Filled};
use crate::report::Recorder;
use crate::target::Target;
use csbs_spec::Operation;

pub(crate) struct Session {
    pub client: HttpClient,
    pub target: Target,
    pub limits: Limits,
    pub mutations: bool,
    pub restores: bool,
    pub facts: Facts,
    pub ledger: Ledger,
    pub recorder: Recorder,
    pub progress: Progress,
}

impl Session {
    /// The run's credential: its token, or its AK/SK pair (each request signed).
    pub fn credential(&self) -> Auth {
        self.target.auth()
    }

    /// Sends a filled request for `op`.
    pub async fn send(&self, op: &Operation, filled: &Filled, auth: Auth, what: &str) -> Exchange {
        self.progress.step(&format!("{} {what}", op.id));
        let url = format!("{}{}", self.target.base(op.service), filled.target);
        self.client
            .send(Outgoing { method: op.method.clone(), url, body: filled.body.clone(), auth })
            .await
    }

    /// Records an exchange with the checks every exchange gets plus the scenario's own
    /// (`None`: the check does not apply, for example when no response came).
    pub fn record(
        &mut self,
        op: &'static Operation,
        case: &str,
        exchange: &Exchange,
        extra: impl IntoIterator<Item = (Check, Option<Verdict>)>,
    ) {
        let index = self.recorder.exchange(&op.id, case, exchange);
        for (check, verdict) in response_checks(op, exchange) {
            self.recorder.verdict(check, &op.id, case, verdict, Some(index));
        }
        for (check, verdict) in extra {
            if let Some(verdict) = verdict {
                self.recorder.verdict(check, &op.id, case, verdict, Some(index));
            }
        }
    }
}

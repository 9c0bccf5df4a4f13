//! The state of a run in progress: client, target, what is known and created, what was
//! recorded. Every phase works through one.

use crate::checks::{response_checks, Check, Verdict};
use crate::created::Ledger;
use crate::http::{Auth, Exchange, HttpClient, Outgoing};
use crate::options::Limits;
use crate::progress::Progress;
use crate::replay::Facts;
use crate::report::Recorder;
use crate::request::ApiRequest;
use crate::target::Target;
use serde_json::Value;

pub(crate) struct Session {
    pub client: HttpClient,
    pub target: Target,
    pub limits: Limits,
    pub mutations: bool,
    pub restores: bool,
    /// The run's credential is an administrator's (`--admin`): admin-only parameters are
    /// expected to work rather than to be refused.
    pub admin: bool,
    pub facts: Facts,
    pub ledger: Ledger,
    pub recorder: Recorder,
    pub progress: Progress,
}

/// A recorded exchange and what it answered.
#[derive(Clone, Debug)]
pub struct Answer {
    pub operation: &'static csbs_spec::Operation,
    /// Index of the exchange in the report, for the verdicts about it.
    pub index: usize,
    pub status: Option<u16>,
    /// The body, when it is JSON.
    pub json: Option<Value>,
}

/// A status for messages: `400`, or `no answer` (a timeout or a broken connection).
pub fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_owned(), |s| s.to_string())
}

impl Answer {
    /// True for a 2xx answer.
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The text at `pointer` of the body.
    pub fn text(&self, pointer: &str) -> Option<String> {
        self.json.as_ref()?.pointer(pointer)?.as_str().map(str::to_owned)
    }
}

impl Session {
    /// The run's credential: its token, or its AK/SK pair (each request signed).
    pub fn credential(&self) -> Auth {
        self.target.auth.clone()
    }

    /// A request of `operation_id` for the run's project.
    pub fn request(&self, operation_id: &str) -> ApiRequest {
        ApiRequest::of(operation_id, &self.target.project_id)
    }

    /// Sends `request` with `auth`, unrecorded.
    pub async fn send(&self, request: &ApiRequest, auth: Auth, what: &str) -> Exchange {
        let op = request.operation;
        self.progress.step(&format!("{} {what}", op.id));
        let url = format!("{}{}", self.target.base(op.service), request.target());
        let out = Outgoing { method: op.method.clone(), url, body: request.body.clone(), auth };
        self.client.send(out).await
    }

    /// Sends `request` with the run's credential and records it with the checks every
    /// exchange gets.
    pub async fn call(&mut self, request: &ApiRequest, case: &str) -> Answer {
        let exchange = self.send(request, self.credential(), case).await;
        let index = self.record(request.operation, case, &exchange, []);
        let status = exchange.status();
        let json = exchange.response().and_then(|r| r.json().ok());
        Answer { operation: request.operation, index, status, json }
    }

    /// Records an exchange with the checks every exchange gets plus the scenario's own
    /// (`None`: the check does not apply, for example when no response came); returns its
    /// index in the report.
    pub fn record(
        &mut self,
        op: &'static csbs_spec::Operation,
        case: &str,
        exchange: &Exchange,
        extra: impl IntoIterator<Item = (Check, Option<Verdict>)>,
    ) -> usize {
        let index = self.recorder.exchange(&op.id, case, exchange);
        for (check, verdict) in response_checks(op, exchange) {
            self.recorder.verdict(check, &op.id, case, verdict, Some(index));
        }
        for (check, verdict) in extra {
            if let Some(verdict) = verdict {
                self.recorder.verdict(check, &op.id, case, verdict, Some(index));
            }
        }
        index
    }

    /// Records a verdict about a recorded answer.
    pub fn judge(&mut self, check: Check, answer: &Answer, case: &str, verdict: Verdict) {
        self.recorder.verdict(check, &answer.operation.id, case, verdict, Some(answer.index));
    }
}

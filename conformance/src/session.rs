//! The state of a run in progress: the one sender (client and target), the one record of what
//! the run knows and made, what it may do, and what was recorded. Every part works through one.

use crate::checks::{response_checks, Check, Permission, Verdict};
use crate::created::Created;
use crate::http::{Auth, Exchange};
use crate::options::Limits;
use crate::poll::{Poll, Poller};
use crate::progress::Progress;
use crate::record::Record;
use crate::report::Recorder;
use crate::request::ApiRequest;
use crate::sender::Sender;
use serde_json::Value;

pub(crate) struct Session {
    /// The one way requests go out (its `target` says where).
    pub sender: Sender,
    pub limits: Limits,
    /// The most the run may do (`--allow-mutations`, `--allow-restore`; everything against the
    /// embedded mock): the one gate of checks ([`Check::needs`]) and requests
    /// ([`Permission::of`]).
    pub allowed: Permission,
    /// The run's credential is an administrator's (`--admin`): admin-only parameters are
    /// expected to work rather than to be refused.
    pub admin: bool,
    /// What the run knows and made: every part reads it, the cleanup deletes from it.
    pub record: Record,
    pub recorder: Recorder,
}

/// A recorded exchange and what it answered.
#[derive(Clone, Debug)]
pub struct Answer {
    pub operation: &'static csbs_spec::Operation,
    /// Index of the exchange in the report, for the verdicts about it (`None`: not recorded).
    pub index: Option<usize>,
    pub status: Option<u16>,
    /// The body, when it is JSON.
    pub json: Option<Value>,
}

/// A status for messages: `400`, or `no answer` (a timeout or a broken connection).
pub fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no answer".to_owned(), |s| s.to_string())
}

impl Answer {
    /// What `exchange` of `operation` answered, recorded at `index`.
    pub fn of(
        operation: &'static csbs_spec::Operation,
        exchange: &Exchange,
        index: Option<usize>,
    ) -> Answer {
        let json = exchange.response().and_then(|r| r.json().ok());
        Answer { operation, index, status: exchange.status(), json }
    }

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
        self.sender.target.auth.clone()
    }

    /// True when the run may do what `needed` says.
    pub fn allows(&self, needed: Permission) -> bool {
        needed <= self.allowed
    }

    /// Why `op` may not be sent in this run (with the flag that allows it); `None`: it may.
    pub fn refuses(&self, op: &csbs_spec::Operation) -> Option<&'static str> {
        let needed = Permission::of(op);
        (!self.allows(needed)).then(|| needed.refusal())
    }

    /// The run's progress line.
    pub fn progress(&self) -> &Progress {
        self.sender.progress()
    }

    /// The run's project.
    pub fn project_id(&self) -> &str {
        &self.sender.target.project_id
    }

    /// A request of `operation_id` for the run's project.
    pub fn request(&self, operation_id: &str) -> ApiRequest {
        ApiRequest::of(operation_id, self.project_id())
    }

    /// Sends `request` with the run's credential and records it with the checks every
    /// exchange gets.
    pub async fn call(&mut self, request: &ApiRequest, case: &str) -> Answer {
        self.call_as(request, self.credential(), case).await
    }

    /// [`Session::call`] with `auth` (the second project's credential, on its own path).
    pub async fn call_as(&mut self, request: &ApiRequest, auth: Auth, case: &str) -> Answer {
        let exchange = self.sender.send_with(request, auth, case).await;
        let index = self.record(request.operation, case, &exchange, []);
        Answer::of(request.operation, &exchange, Some(index))
    }

    /// What a successful `answer` to `request` created, now in the record's ledger.
    pub fn made(&mut self, request: &ApiRequest, answer: &Answer) -> Option<Created> {
        let body = answer.json.as_ref().filter(|_| answer.ok())?;
        self.record.made(request, body)
    }

    /// Waits (within `--wait`) until `ready` finds what it waits for in an answer to
    /// `request`: [`Sender::poll`], each attempt recorded under `case` when one is given.
    pub async fn poll<T>(
        &mut self,
        request: &ApiRequest,
        case: Option<&str>,
        ready: impl FnMut(&Answer) -> Poll<T>,
    ) -> Result<T, String> {
        let poller = Poller::new(&self.limits);
        self.poll_with(poller, request, case, ready).await
    }

    /// [`Session::poll`] with its own `poller` (one [`Poller::confirmed_by`] a read by ID).
    pub async fn poll_with<T>(
        &mut self,
        poller: Poller,
        request: &ApiRequest,
        case: Option<&str>,
        mut ready: impl FnMut(&Answer) -> Poll<T>,
    ) -> Result<T, String> {
        let Session { sender, recorder, .. } = self;
        let what = case.unwrap_or("(waiting)");
        let op = request.operation;
        sender
            .poll(poller, request, what, |exchange| {
                let index = case.map(|case| record(recorder, op, case, &exchange, []));
                ready(&Answer::of(op, &exchange, index))
            })
            .await
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
        record(&mut self.recorder, op, case, exchange, extra)
    }

    /// Records a verdict about a recorded answer.
    pub fn judge(&mut self, check: Check, answer: &Answer, case: &str, verdict: Verdict) {
        self.recorder.verdict(check, &answer.operation.id, case, verdict, answer.index);
    }
}

/// [`Session::record`], on the recorder alone (while the sender is busy polling).
fn record(
    recorder: &mut Recorder,
    op: &'static csbs_spec::Operation,
    case: &str,
    exchange: &Exchange,
    extra: impl IntoIterator<Item = (Check, Option<Verdict>)>,
) -> usize {
    let index = recorder.exchange(&op.id, case, exchange);
    for (check, verdict) in response_checks(op, exchange) {
        recorder.verdict(check, &op.id, case, verdict, Some(index));
    }
    for (check, verdict) in extra.into_iter().filter_map(|(c, v)| Some((c, v?))) {
        recorder.verdict(check, &op.id, case, verdict, Some(index));
    }
    index
}

//! The one way the runner sends a request: to the base URL of the operation's service, with a
//! credential, through the run's bounded and paced client ([`HttpClient`]), counted on the
//! progress line and, when it times out, against its operation. Every part sends through one
//! (the properties' runners share a clone), and every wait polls through [`Sender::poll`].

use crate::http::{Auth, Exchange, HttpClient, Outgoing, TransportError};
use crate::poll::{Poll, Poller};
use crate::progress::Progress;
use crate::request::ApiRequest;
use crate::target::Target;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Sends requests to the run's target; cheap to clone (the clones share the client, the
/// progress line and the timeout tally).
#[derive(Clone)]
pub(crate) struct Sender {
    pub client: HttpClient,
    pub target: Target,
    progress: Progress,
    /// Timeouts met per operation.
    timeouts: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl Sender {
    pub fn new(client: HttpClient, target: Target, progress: Progress) -> Sender {
        Sender { client, target, progress, timeouts: Arc::default() }
    }

    /// The same sender (client, target, timeout tally) counting on `progress` instead: the
    /// preflight sends before the run's progress line shows.
    pub fn with_progress(self, progress: Progress) -> Sender {
        Sender { progress, ..self }
    }

    /// The run's progress line.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Sends `request` with `auth` (`what` shows on the progress line); unrecorded.
    pub async fn send_with(&self, request: &ApiRequest, auth: Auth, what: &str) -> Exchange {
        let op = request.operation;
        let url = format!("{}{}", self.target.base(op.service), request.target());
        let label = format!("{} {what}", op.id);
        self.progress.step(&label);
        let out =
            Outgoing { method: op.method.clone(), url, body: request.body.clone(), auth, label };
        let exchange = self.client.send(out).await;
        if matches!(exchange.outcome, Err(TransportError::Timeout { .. })) {
            let mut timeouts = self.timeouts.lock().unwrap_or_else(|p| p.into_inner());
            *timeouts.entry(op.id.clone()).or_default() += 1;
        }
        exchange
    }

    /// Sends `request` with the run's credential; unrecorded.
    pub async fn send(&self, request: &ApiRequest, what: &str) -> Exchange {
        self.send_with(request, self.target.auth.clone(), what).await
    }

    /// How many times requests of `operation_id` timed out so far.
    pub fn timeouts(&self, operation_id: &str) -> u32 {
        self.timeouts_all().get(operation_id).copied().unwrap_or(0)
    }

    /// Timeouts so far, per operation.
    pub fn timeouts_all(&self) -> BTreeMap<String, u32> {
        self.timeouts.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The runner's one wait: sends `request` (with the run's credential) until `ready` finds
    /// what it waits for in the exchange, asking again every poll interval until `poller`'s
    /// deadline. `Err` with what the last attempt saw when the deadline passes first, or at
    /// once when an attempt finds the object unseen and the poller's read by ID answers 404.
    pub async fn poll<T>(
        &self,
        poller: Poller,
        request: &ApiRequest,
        what: &str,
        ready: impl FnMut(Exchange) -> Poll<T>,
    ) -> Result<T, String> {
        self.poll_as(poller, request, self.target.auth.clone(), what, ready).await
    }

    /// [`Sender::poll`] with `auth` (the second project's, for its own objects).
    pub async fn poll_as<T>(
        &self,
        mut poller: Poller,
        request: &ApiRequest,
        auth: Auth,
        what: &str,
        mut ready: impl FnMut(Exchange) -> Poll<T>,
    ) -> Result<T, String> {
        loop {
            match ready(self.send_with(request, auth.clone(), what).await) {
                Poll::Ready(found) => return Ok(found),
                Poll::Pending(seen) => poller.wait(seen).await?,
                Poll::Unseen(seen) => {
                    if let Some(read) = &poller.confirm {
                        if self.send(read, what).await.status() == Some(404) {
                            return Err(format!(
                                "gone: {seen}, and {} {} answers 404 (it can no longer come)",
                                read.operation.id,
                                read.target()
                            ));
                        }
                    }
                    poller.wait(seen).await?
                }
            }
        }
    }
}

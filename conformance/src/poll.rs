//! The deadline and pace of a wait. Every wait of the runner (a backup settling, a deletion
//! finishing, a list catching up, a busy object at cleanup) goes through
//! [`Sender::poll`](crate::sender::Sender::poll) or
//! [`Session::poll`](crate::session::Session::poll) with a [`Poller`]: its deadline is `--wait`
//! (or the cleanup's remaining bound), its interval the options' poll interval. A wait also
//! ends as soon as the endpoint's own answers show that what it waits for can no longer come:
//! an object the answer does not show at all ([`Poll::Unseen`]) is asked for by ID
//! ([`Poller::confirmed_by`]), and a 404 there ends the wait at once (a list that lags shows a
//! new object a moment later; one that was deleted never comes).

use crate::options::Limits;
use crate::request::ApiRequest;
use std::time::{Duration, Instant};

/// What one attempt of a wait found.
pub enum Poll<T> {
    /// What the wait was for.
    Ready(T),
    /// Not yet: what was seen instead (the error when the deadline passes).
    Pending(String),
    /// The answer does not show the awaited object at all: a lag, or gone. Pending, unless the
    /// poller's read by ID answers 404.
    Unseen(String),
}

/// The deadline and pace of one wait.
pub struct Poller {
    deadline: Instant,
    interval: Duration,
    /// The awaited object's read by ID, asked when an attempt finds it [`Poll::Unseen`].
    pub confirm: Option<ApiRequest>,
}

impl Poller {
    /// A wait of at most `--wait` (`limits.settle_timeout`), asking every poll interval.
    pub fn new(limits: &Limits) -> Poller {
        Poller::within(limits, limits.settle_timeout)
    }

    /// A wait of at most `bound`, asking every poll interval of `limits`.
    pub fn within(limits: &Limits, bound: Duration) -> Poller {
        Poller { deadline: Instant::now() + bound, interval: limits.poll_interval, confirm: None }
    }

    /// The same wait, ended at once when an attempt finds the object [`Poll::Unseen`] and
    /// `read` (its read by ID) answers 404.
    pub fn confirmed_by(self, read: ApiRequest) -> Poller {
        Poller { confirm: Some(read), ..self }
    }

    /// After an attempt that was not ready (`seen` says what it saw): waits one interval, or,
    /// when the next attempt would come after the bound, gives up with `seen`.
    pub async fn wait(&mut self, seen: String) -> Result<(), String> {
        if Instant::now() + self.interval > self.deadline {
            return Err(seen);
        }
        tokio::time::sleep(self.interval).await;
        Ok(())
    }
}

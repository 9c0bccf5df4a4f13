//! The deadline and pace of a wait. Every wait of the runner (a backup settling, a deletion
//! finishing, a list catching up, a busy object at cleanup) goes through
//! [`Sender::poll`](crate::sender::Sender::poll) or
//! [`Session::poll`](crate::session::Session::poll) with a [`Poller`]: its deadline is `--wait`
//! (or the cleanup's remaining bound), its interval the options' poll interval.

use crate::options::Limits;
use std::time::{Duration, Instant};

/// What one attempt of a wait found.
pub enum Poll<T> {
    /// What the wait was for.
    Ready(T),
    /// Not yet: what was seen instead (the error when the deadline passes).
    Pending(String),
}

/// The deadline and pace of one wait.
pub struct Poller {
    deadline: Instant,
    interval: Duration,
}

impl Poller {
    /// A wait of at most `--wait` (`limits.settle_timeout`), asking every poll interval.
    pub fn new(limits: &Limits) -> Poller {
        Poller::within(limits, limits.settle_timeout)
    }

    /// A wait of at most `bound`, asking every poll interval of `limits`.
    pub fn within(limits: &Limits, bound: Duration) -> Poller {
        Poller { deadline: Instant::now() + bound, interval: limits.poll_interval }
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

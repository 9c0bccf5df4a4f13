//! One way to wait for a state: ask, and if it is not there yet, wait a poll interval and ask
//! again, until a bound has passed.
//!
//! ```ignore
//! let mut poller = Poller::new(&session.limits, bound);
//! let items = loop {
//!     let answer = session.call(&request, case).await;
//!     if ready(&answer) { break Ok(answer) }
//!     if let Err(last) = poller.wait(format!("still {status}")).await { break Err(last) }
//! };
//! ```
//!
//! (A loop rather than a function taking an async closure: such closures borrowing the
//! session make the run's future lose `Send`.)

use crate::options::Limits;
use std::time::{Duration, Instant};

/// The deadline and pace of one wait.
pub struct Poller {
    deadline: Instant,
    interval: Duration,
}

impl Poller {
    /// A wait of at most `bound`, asking every poll interval of `limits`.
    pub fn new(limits: &Limits, bound: Duration) -> Poller {
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

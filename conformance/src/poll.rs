//! One way to wait for a state: ask again every poll interval until the answer is ready or
//! the bound has passed.

use crate::session::Session;
use std::time::{Duration, Instant};

/// One attempt's outcome.
pub enum Poll<T> {
    Ready(T),
    /// Not yet; what was seen, for the message when the bound passes.
    Pending(String),
}

/// Calls `attempt` until it is ready (`Ok`) or `bound` has passed (`Err` with the last thing
/// seen). The first attempt is made at once.
pub async fn until<T>(
    session: &mut Session,
    bound: Duration,
    mut attempt: impl AsyncFnMut(&mut Session) -> Poll<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + bound;
    loop {
        match attempt(session).await {
            Poll::Ready(value) => return Ok(value),
            Poll::Pending(last) if Instant::now() + session.limits.poll_interval > deadline => {
                return Err(last)
            }
            Poll::Pending(_) => tokio::time::sleep(session.limits.poll_interval).await,
        }
    }
}

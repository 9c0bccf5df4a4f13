//! Staying within an API gateway's budget: an optional pace (`--rate-limit`, requests per
//! second, shared by every request of the run), and waiting out `429` answers for the seconds
//! of their `Retry-After` (or a doubling back-off without one), a bounded number of times.
//! What was throttled is counted apart from conformance.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Attempts of one request while it is answered 429.
pub const MAX_ATTEMPTS: u32 = 5;
/// The longest single wait, whatever `Retry-After` asks.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// The first wait when a 429 has no `Retry-After`; doubled on each further 429.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// The run's pace and its throttling tally.
#[derive(Debug, Default)]
pub struct Throttle {
    /// Time between two requests; `None`: as fast as they come.
    interval: Option<Duration>,
    next: Mutex<Option<Instant>>,
    /// 429 answers met (each waited out, or the last of a request that gave up).
    pub answered_429: AtomicU64,
    /// Requests still answered 429 after [`MAX_ATTEMPTS`].
    pub gave_up: AtomicU64,
    /// Every request sent (each attempt counts).
    pub sent: AtomicU64,
    /// Requests that got no complete answer within the timeout.
    pub timed_out: AtomicU64,
}

impl Throttle {
    /// At most `per_second` requests a second (`None` or 0: no pace).
    pub fn new(per_second: Option<f64>) -> Throttle {
        let interval = per_second.filter(|r| *r > 0.0).map(|r| Duration::from_secs_f64(1.0 / r));
        Throttle { interval, ..Throttle::default() }
    }

    /// Waits for this request's turn.
    pub async fn pace(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let Some(interval) = self.interval else { return };
        let turn = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let turn = next.map_or(now, |n| n.max(now));
            *next = Some(turn + interval);
            turn
        };
        tokio::time::sleep_until(turn).await;
    }

    /// How long to wait after the `attempt`-th (1-based) 429, from its `Retry-After` header:
    /// seconds as the spec documents, or an HTTP date as RFC 9110 also allows (waited for, and
    /// judged by `response_headers_conformance`); garbage counts as absent.
    pub fn wait_after(&self, attempt: u32, retry_after: Option<&str>) -> Duration {
        self.answered_429.fetch_add(1, Ordering::Relaxed);
        let asked = retry_after.and_then(|v| {
            let v = v.trim();
            v.parse::<u64>().ok().map(Duration::from_secs).or_else(|| {
                let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
                (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
            })
        });
        let backoff = FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        asked.unwrap_or(backoff).min(MAX_WAIT)
    }

    pub fn give_up(&self) {
        self.gave_up.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Requests that timed out so far.
    pub fn timed_out(&self) -> u64 {
        self.timed_out.load(Ordering::Relaxed)
    }

    /// `(429 answers met, requests that gave up)`.
    pub fn tally(&self) -> (u64, u64) {
        (self.answered_429.load(Ordering::Relaxed), self.gave_up.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_follow_retry_after_within_bounds() {
        let t = Throttle::new(None);
        assert_eq!(t.wait_after(1, Some("2")), Duration::from_secs(2));
        assert_eq!(t.wait_after(1, Some("3600")), MAX_WAIT);
        assert_eq!(t.wait_after(1, None), FIRST_BACKOFF);
        // A date already past is no wait asked: the back-off.
        assert_eq!(t.wait_after(3, Some("Wed, 21 Oct 2015 07:28:00 GMT")), FIRST_BACKOFF * 4);
        // A date ahead (RFC 9110's other form; the spec documents seconds) is waited for.
        let ahead = (chrono::Utc::now() + chrono::Duration::seconds(10)).to_rfc2822();
        let wait = t.wait_after(1, Some(&ahead));
        assert!(wait > Duration::from_secs(5) && wait <= Duration::from_secs(10), "{wait:?}");
        assert_eq!(t.tally(), (5, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn the_pace_spaces_requests() {
        let t = Throttle::new(Some(10.0));
        let start = Instant::now();
        for _ in 0..5 {
            t.pace().await;
        }
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(400) && elapsed < Duration::from_millis(500),
            "{elapsed:?}"
        );
    }
}

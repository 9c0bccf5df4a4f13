//! A slow endpoint is judged the same as the mock (issue 20: "a flaky oracle is worse than
//! none"): the behaviour part, through a proxy that holds some answers back and throttles some
//! requests the way the gateway documents it (429 APIGW.0308 with `Retry-After: 1`, the retry
//! passes), fails nothing. Deletions take 400 ms, as against the live service.

use crate::support::{bounded, mock_configured, proxied_options, proxy_rewriting};
use csbs_conformance::{run_suite, Phase, RunOptions};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Every this many requests is answered 429 without reaching the mock.
const THROTTLE_EVERY: u64 = 97;
/// Every this many answers is held back before the client gets it (the state it shows is
/// then older than the time it arrives).
const HOLD_EVERY: u64 = 41;
const HOLD: Duration = Duration::from_millis(700);
/// The path a throttled request is sent to instead: the mock answers it 404 and changes nothing.
const THROTTLED: &str = "/throttled-by-the-test-gateway";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pauses_and_throttling_mid_run_fail_nothing() {
    let mock = mock_configured(|config| config.delete_delay = Duration::from_millis(400)).await;
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    let (sent, answered) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let held = Arc::new(AtomicU64::new(0));
    let (seen, held_tally) = (answered.clone(), held.clone());
    let proxy = proxy_rewriting(
        upstream,
        move |s| {
            if sent.fetch_add(1, Ordering::SeqCst) % THROTTLE_EVERY == THROTTLE_EVERY - 1 {
                s.path = THROTTLED.to_owned();
            }
        },
        move |a| {
            if a.path == THROTTLED {
                a.status = 429;
                a.set_header("Retry-After", "1");
                a.set_header("Content-Type", "application/json");
                let body = json!({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"});
                a.body = body.to_string().into_bytes();
            } else if seen.fetch_add(1, Ordering::SeqCst) % HOLD_EVERY == HOLD_EVERY - 1 {
                held_tally.fetch_add(1, Ordering::SeqCst);
                a.delay = HOLD;
            }
        },
    )
    .await;
    let options = RunOptions { only: vec![Phase::Behaviour], ..proxied_options(&proxy.url) };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    assert!(report.throttling.answered_429 > 0, "nothing was throttled: {:?}", report.throttling);
    assert!(held.load(Ordering::SeqCst) > 0, "no answer was held back");
    assert!(report.passed(), "a slow endpoint failed checks:\n{}", report.summary());
}

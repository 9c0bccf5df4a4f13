//! A proxy in front of the mock breaks one thing at a time; the examples part (which replays a
//! documented request of every operation, so it meets every broken answer) fails and names the
//! check (and only where the answer was broken).

use crate::support::{assert_failed, failed, run_tampered};
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undocumented_status_fails_status_code_conformance() {
    let report = run_tampered(|a| {
        if a.is("GET", "/quotas") {
            a.status = 201;
        }
    })
    .await;
    assert_failed(&report, "showQuotas", "status_code_conformance");
    assert_failed(&report, "showQuotas", "positive_data_acceptance");
    assert!(!failed(&report)
        .iter()
        .any(|(o, c)| o != "showQuotas" && c == "status_code_conformance"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_fails_response_schema_conformance() {
    let report = run_tampered(|a| {
        if a.is("GET", "/policies") {
            a.edit_json(|v| {
                for p in v["policies"].as_array_mut().into_iter().flatten() {
                    p["name"] = json!(42);
                }
            });
        }
    })
    .await;
    assert_failed(&report, "listPolicies", "response_schema_conformance");
    let failure =
        report.failures().find(|r| r.operation == "listPolicies").and_then(|r| r.failure.clone());
    assert_eq!(failure.map(|f| f.rule), Some("type".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_field_fails_the_schema_and_the_example_structure() {
    let report = run_tampered(|a| {
        if a.method == "GET" && a.path.contains("/checkpoint_items/") && !a.path.contains("/count")
        {
            a.edit_json(|v| {
                if let Some(item) = v.get_mut("checkpoint_item").and_then(Value::as_object_mut) {
                    item.remove("checkpoint_id");
                }
            });
        }
    })
    .await;
    assert_failed(&report, "showBackup", "response_schema_conformance");
    assert_failed(&report, "showBackup", "example_structure");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_fails_not_a_server_error() {
    let report = run_tampered(|a| {
        if a.is("GET", "/checkpoint_items/count") {
            a.status = 500;
            a.body = br#"{"error_code": "CSBS.9999", "error_msg": "boom"}"#.to_vec();
        }
    })
    .await;
    assert_failed(&report, "countBackups", "not_a_server_error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_is_not_json_fails_the_schema_check() {
    let report = run_tampered(|a| {
        if a.is("GET", "/quotas") {
            a.body = b"<html>quotas</html>".to_vec();
        }
    })
    .await;
    assert_failed(&report, "showQuotas", "response_schema_conformance");
    let failure =
        report.failures().find(|r| r.operation == "showQuotas").and_then(|r| r.failure.clone());
    assert_eq!(failure.map(|f| f.rule), Some("json".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_media_type_fails_content_type_conformance() {
    let report = run_tampered(|a| {
        if a.is("GET", "/backups") {
            a.set_header("content-type", "text/plain");
        }
    })
    .await;
    assert_failed(&report, "listCbrBackups", "content_type_conformance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_fails_max_response_time_and_the_run_goes_on() {
    let report = crate::support::bounded(async {
        let mock = crate::support::mock().await;
        let proxy = crate::support::proxy(mock.base_url().trim_end_matches('/').to_owned(), |a| {
            if a.is("GET", "/quotas") {
                a.delay = Duration::from_secs(3);
            }
        })
        .await;
        let mut options = crate::support::proxied_options(&proxy.url);
        options.only = vec![csbs_conformance::Phase::Examples];
        options.limits.request_timeout = Duration::from_millis(400);
        let report = csbs_conformance::run_suite(options).await.expect("reachable");
        mock.shutdown().await;
        report
    })
    .await;
    assert_failed(&report, "showQuotas", "max_response_time");
    // Everything after the slow answer was still checked.
    assert!(report
        .exchanges
        .iter()
        .any(|x| x.operation == "deletePolicy" && x.status == Some(200)));
}

/// A 429 whose `Retry-After` is an HTTP date instead of the documented seconds (breaker g30):
/// the request is still waited out and sent again, and the throttling answer, which no other
/// check sees, fails `response_headers_conformance`; one with seconds passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_date_fails_response_headers_conformance() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let (quotas, policies) = (AtomicBool::new(false), AtomicBool::new(false));
    let report = run_tampered(move |a| {
        let throttle = |a: &mut crate::support::Answer, retry_after: &str| {
            a.status = 429;
            a.set_header("Retry-After", retry_after);
            a.body = json!({"error_code": "APIGW.0308", "error_msg": "The throttling threshold has been reached"})
                .to_string()
                .into_bytes();
        };
        if a.is("GET", "/quotas") && !quotas.swap(true, Ordering::SeqCst) {
            let at = chrono::Utc::now() + chrono::Duration::milliseconds(500);
            throttle(a, &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        }
        if a.is("GET", "/policies") && !policies.swap(true, Ordering::SeqCst) {
            throttle(a, "0");
        }
    })
    .await;
    assert_failed(&report, "showQuotas", "response_headers_conformance");
    let found = failed(&report);
    assert!(
        !found.iter().any(|(o, c)| o == "listPolicies" || c == "status_code_conformance"),
        "the request sent again was judged as usual: {found:?}"
    );
    assert_eq!(report.throttling.answered_429, 2, "{:?}", report.throttling);
}

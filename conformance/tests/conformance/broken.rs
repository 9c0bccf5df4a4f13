//! Raw loopback servers that misbehave: each failure is reported under the right check, and
//! no run hangs or panics.

use crate::support::{assert_failed, bounded, raw_server, Reply};
use csbs_conformance::{run_suite, Phase, Report, RunError, RunOptions, Secret, EXIT_FAILED};
use serde_json::json;
use std::time::{Duration, Instant};

fn options(url: &str, only: &[Phase]) -> RunOptions {
    let mut options = RunOptions::against(url, "p1", Secret::new("raw-token"));
    options.only = only.to_vec();
    options.limits = crate::support::quick_limits();
    options.limits.request_timeout = Duration::from_millis(300);
    options
}

async fn run(url: &str, only: &[Phase]) -> Report {
    bounded(run_suite(options(url, only))).await.expect("the server is reachable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_ignores_auth_fails_ignored_auth() {
    let server = raw_server(|_| Reply::json(200, &json!({}))).await;
    let report = run(&server.url, &[Phase::Auth]).await;
    assert_failed(&report, "showQuotas", "ignored_auth");
    assert_failed(&report, "listCbrBackups", "ignored_auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_answers_fail_the_schema_and_the_example_structure() {
    let server = raw_server(|_| Reply::json(200, &json!({}))).await;
    let report = run(&server.url, &[Phase::Examples]).await;
    assert_failed(&report, "showQuotas", "response_schema_conformance");
    assert_failed(&report, "showQuotas", "example_structure");
    // Nothing to show was found, so the shows are skipped with a reason, not sent blindly.
    assert!(report
        .skipped
        .iter()
        .any(|s| s.operation == "showPolicy" && s.reason.contains("none was found")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_statuses_fail_status_code_conformance() {
    let server =
        raw_server(|_| Reply::json(418, &json!({"error_code": "X", "error_msg": "teapot"}))).await;
    let report = run(&server.url, &[Phase::Examples]).await;
    assert_failed(&report, "listPolicies", "status_code_conformance");
    assert_failed(&report, "listPolicies", "positive_data_acceptance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_fail_not_a_server_error() {
    let server =
        raw_server(|_| Reply::json(503, &json!({"error_code": "CSBS.9999", "error_msg": "down"})))
            .await;
    let report = run(&server.url, &[Phase::Auth, Phase::Examples]).await;
    assert_failed(&report, "showQuotas", "not_a_server_error");
    assert_failed(&report, "showQuotas", "ignored_auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_bodies_fail_the_schema_check_and_wrong_types_the_content_type() {
    let server = raw_server(|_| Reply::Respond {
        status: 200,
        content_type: Some("text/html"),
        headers: vec![],
        body: b"<html>hello</html>".to_vec(),
    })
    .await;
    let report = run(&server.url, &[Phase::Examples]).await;
    assert_failed(&report, "showQuotas", "response_schema_conformance");
    assert_failed(&report, "showQuotas", "content_type_conformance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_time_out_within_the_bound() {
    let server = raw_server(|_| {
        Reply::Slow(Duration::from_secs(30), Box::new(Reply::json(200, &json!({}))))
    })
    .await;
    let started = Instant::now();
    let report = run(&server.url, &[Phase::Examples]).await;
    assert_failed(&report, "showQuotas", "max_response_time");
    let sent = report.exchanges.len() as u32;
    assert!(
        started.elapsed() < Duration::from_millis(300) * sent + Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_and_garbage_fail_response_received() {
    let replies: [fn() -> Reply; 3] = [|| Reply::Close, || Reply::Garbage, || Reply::HalfBody];
    for reply in replies {
        let server = raw_server(move |_| reply()).await;
        let report = run(&server.url, &[Phase::Examples]).await;
        assert_failed(&report, "showQuotas", "response_received");
        let failure = report
            .failures()
            .next()
            .and_then(|r| report.exchange_of(r))
            .and_then(|x| x.error.clone());
        assert!(failure.is_some_and(|e| e.contains("connection failed")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_bodies_are_cut_at_the_cap() {
    let server = raw_server(|_| Reply::Huge(256 << 20)).await;
    let mut options = options(&server.url, &[Phase::Examples]);
    options.limits.max_body_bytes = 64 << 10;
    options.limits.request_timeout = Duration::from_secs(5);
    let started = Instant::now();
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert_failed(&report, "showQuotas", "max_response_size");
    assert!(report.exchanges.iter().all(|x| x.body.len() <= 70 << 10));
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_run_stops_at_its_time_bound() {
    let server = raw_server(|_| {
        Reply::Slow(Duration::from_millis(400), Box::new(Reply::json(200, &json!({}))))
    })
    .await;
    let mut options = options(&server.url, &[Phase::Auth, Phase::Examples]);
    options.limits.request_timeout = Duration::from_secs(5);
    options.limits.max_duration = Duration::from_millis(1500);
    let started = Instant::now();
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(
        report.interrupted.as_deref().is_some_and(|w| w.contains("--max-duration")),
        "{:?}",
        report.interrupted
    );
    assert!(!report.passed());
    assert_eq!(report.exit_code(), EXIT_FAILED);
    assert!(report.summary().contains("Interrupted"));
    // It names the checks the bound left unjudged (none of them has a verdict or a skip).
    let why = report.interrupted.as_deref().unwrap();
    let (_, names) = why.split_once("; not judged before it: ").expect("the unjudged checks");
    for name in names.split(", ") {
        let judged = report.results.iter().any(|r| r.check.name() == name)
            || report.skipped.iter().any(|s| s.check.name() == name);
        assert!(!judged, "{name} was judged: {why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_is_an_error_that_says_what_to_do() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let error = bounded(run_suite(options(&url, &[]))).await.expect_err("nothing listens there");
    assert!(matches!(error, RunError::Unreachable { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(&url) && text.contains("leave out --endpoint"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_options_are_refused_before_any_request() {
    let ftp = RunOptions::against("ftp://example", "p", Secret::new("t"));
    assert!(matches!(run_suite(ftp).await, Err(RunError::InvalidOptions { .. })));
    let no_token = RunOptions {
        endpoint: Some("http://127.0.0.1:9".into()),
        project_id: Some("p".into()),
        ..RunOptions::default()
    };
    let text = run_suite(no_token).await.expect_err("no token").to_string();
    assert!(text.contains("CSBS_TOKEN"), "{text}");
    let restore_only = RunOptions { allow_restore: true, ..RunOptions::default() };
    assert!(run_suite(restore_only).await.is_err());
}

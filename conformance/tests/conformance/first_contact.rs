//! First contact: the usual mistakes stop the run at once with one line naming the cause and
//! the fix, after one request (counted at the endpoint); options that cannot work together
//! are refused before any; the time bound ends a run cleanly; a one-character token damages
//! nothing; progress shows in a log before the run ends.

use crate::cli::{binary, run};
use crate::support::{bounded, mock, proxy, raw_server_from_first, Reply, PROXY_TOKEN};
use csbs_conformance::{run_suite, Phase, RunError, RunOptions, Secret, MOCK_SERVERS};
use serde_json::json;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const PROJECT: &str = csbs_mock::DEFAULT_PROJECT_ID;

/// The binary against `url` with `token`: its exit code and its stderr.
async fn cli_against(
    url: &str,
    project: &str,
    token: &str,
    extra: &[&str],
) -> (Option<i32>, String) {
    let mut command = binary();
    command.env("CSBS_TOKEN", token).args(["--endpoint", url, "--project-id", project]);
    command.args(extra);
    let output = run(command).await;
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A proxy to a fresh mock that counts the requests it passes.
async fn counted_mock() -> (csbs_mock::RunningMock, crate::support::Server, Arc<AtomicUsize>) {
    let mock = mock().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let proxy = proxy(mock.base_url().trim_end_matches('/').to_owned(), move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    })
    .await;
    (mock, proxy, seen)
}

/// Exit 2, one line on stderr holding every one of `words`, and nothing on stdout.
fn assert_one_line(code: Option<i32>, stderr: &str, words: &[&str]) {
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    for word in words {
        assert!(stderr.contains(word), "`{word}` missing from: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_a_refused_project_and_a_base_url_with_a_path_stop_after_one_request() {
    let (mock, proxy, seen) = counted_mock().await;
    // Each mistake is one request (the first read of CSBS), then one line and exit 2.
    let (code, stderr) = cli_against(&proxy.url, PROJECT, "not-the-token", &[]).await;
    assert_one_line(code, &stderr, &["credential was refused", "401", "--token (CSBS_TOKEN)"]);
    assert!(!stderr.contains("not-the-token"));
    assert_eq!(seen.swap(0, Ordering::SeqCst), 1);

    let (code, stderr) = cli_against(&proxy.url, "another-project", PROXY_TOKEN, &[]).await;
    assert_one_line(code, &stderr, &["project another-project was refused", "403", "--project-id"]);
    assert_eq!(seen.swap(0, Ordering::SeqCst), 1);

    let with_path = format!("{}/v1/{PROJECT}", proxy.url);
    let (code, stderr) = cli_against(&with_path, PROJECT, PROXY_TOKEN, &[]).await;
    let fix = format!("Pass the base URL alone: --endpoint {}", proxy.url);
    assert_one_line(code, &stderr, &["the base URL has a path", &fix]);
    assert_eq!(seen.swap(0, Ordering::SeqCst), 1);

    // The right ones pass the preflight (a spec-free, read-only part to keep it short).
    let mut options = RunOptions::against(&proxy.url, PROJECT, Secret::new(PROXY_TOKEN));
    options.only = vec![Phase::Auth];
    let report = bounded(run_suite(options)).await.expect("the preflight passes");
    assert!(report.passed(), "{}", report.summary());
    drop(proxy);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_is_not_this_api_stops_after_one_request() {
    // What `python3 -m http.server` answers to any path it does not have.
    let server = raw_server_from_first(|_| Reply::Respond {
        status: 404,
        content_type: Some("text/html;charset=utf-8"),
        headers: vec![],
        body: b"<!DOCTYPE HTML>\n<html><body><h1>Error response</h1>\n<p>Error code: 404</p></body></html>"
            .to_vec(),
    })
    .await;
    let (code, stderr) = cli_against(&server.url, "p", "t0ken", &[]).await;
    assert_one_line(code, &stderr, &["not the CSBS v1 API", "answered 404", "Check --endpoint"]);
    assert_eq!(server.seen.load(Ordering::SeqCst), 1);

    // A page served for every path (200, HTML) is not this API either.
    let spa = raw_server_from_first(|_| Reply::Respond {
        status: 200,
        content_type: Some("text/html"),
        headers: vec![],
        body: b"<html>app</html>".to_vec(),
    })
    .await;
    let options = RunOptions::against(&spa.url, "p", Secret::new("t0ken"));
    let error = bounded(run_suite(options)).await.expect_err("not this API");
    assert!(matches!(error, RunError::FirstContact { .. }), "{error}");
    assert!(error.to_string().contains("not JSON"), "{error}");
    assert_eq!(spa.seen.load(Ordering::SeqCst), 1);

    // A single sign-on gateway redirecting to its login page: one request, named as such.
    let sso = raw_server_from_first(|_| Reply::Respond {
        status: 302,
        content_type: Some("text/html"),
        headers: vec![("Location".into(), "/login?next=%2Fv1".into())],
        body: b"<html>login</html>".to_vec(),
    })
    .await;
    let (code, stderr) = cli_against(&sso.url, "p", "t0ken", &[]).await;
    assert_one_line(code, &stderr, &["was redirected", "302 to /login?next=%2Fv1", "--endpoint"]);
    assert_eq!(sso.seen.load(Ordering::SeqCst), 1);

    // A 401 from a gateway: the credential, one request.
    let gateway = raw_server_from_first(|_| {
        Reply::json(401, &json!({"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}))
    })
    .await;
    let options = RunOptions::against(&gateway.url, "p", Secret::new("t0ken"));
    let text = bounded(run_suite(options)).await.expect_err("refused").to_string();
    assert!(text.contains("APIGW.0301") && text.contains("CSBS_TOKEN"), "{text}");
    assert_eq!(gateway.seen.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_that_cannot_work_together_are_refused_before_any_request() {
    let server = raw_server_from_first(|_| Reply::json(200, &json!({}))).await;
    let (code, stderr) = cli_against(&server.url, "p", "t0ken", &["--allow-mutations"]).await;
    assert_one_line(code, &stderr, &["--allow-mutations without --server-id", "--server-id"]);
    let (code, stderr) =
        cli_against(&server.url, "p", "t0ken", &["--operation", "createPolcy"]).await;
    assert_one_line(code, &stderr, &["`createPolcy`", "Did you mean createPolicy?", "showQuotas"]);
    assert_eq!(server.seen.load(Ordering::SeqCst), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_bound_ends_the_run_cleanly_with_a_report_and_its_own_code() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let json = dir.join("bound.json");
    let mut command = binary();
    // The properties part is at work when the bound strikes: its runners must stop.
    command.args(["--only", "examples,properties", "--max-duration", "2s", "--no-progress"]);
    command.arg("--report").arg(format!("json={}", json.display()));
    let output = run(command).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the report is written"))
            .expect("JSON");
    assert!(report["interrupted"].as_str().is_some_and(|w| w.contains("--max-duration")));
    let failed = report["results"].as_array().into_iter().flatten().any(|r| r["passed"] == false);
    let expected =
        if failed { csbs_conformance::EXIT_FAILED } else { csbs_conformance::EXIT_INCOMPLETE };
    assert_eq!(output.status.code(), Some(i32::from(expected)), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Interrupted: the time bound"), "{stdout}");
    assert!(report["cleanup"]["left_behind"].as_array().is_some_and(|l| l.is_empty()), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_character_token_damages_nothing() {
    let options = RunOptions {
        token: Some(Secret::new("x")),
        only: vec![Phase::Examples],
        ..RunOptions::default()
    };
    let report = bounded(run_suite(options)).await.expect("runs");
    let summary = report.summary();
    assert!(summary.contains("example") && !summary.contains("$CSBS_TOKEN"), "{summary}");
    for exchange in &report.exchanges {
        let token = exchange.request.headers.iter().find(|(k, _)| k == "X-Auth-Token");
        assert_eq!(token.map(|(_, v)| v.as_str()), Some("$CSBS_TOKEN"));
        let body = exchange.request.body.as_ref().map(|b| b.to_string()).unwrap_or_default();
        assert!(!body.contains("$CSBS_TOKEN") && !exchange.body.contains("$CSBS_TOKEN"), "{body}");
        assert!(!exchange.request.url.contains("$CSBS_TOKEN"), "{}", exchange.request.url);
    }
    let curls = report.exchanges.iter().map(|x| x.curl.as_str()).collect::<String>();
    assert!(curls.contains("max_backups"), "bodies with x in them are shown as sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_progress_lines_come_before_the_end() {
    let mut command = binary();
    command.args(["--only", "spec,auth,examples"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let output = run(command).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    // A line as each part begins, with the counts so far, and a last one.
    for part in ["spec", "auth", "examples", "cleanup", "done"] {
        assert!(
            lines.iter().any(|l| l.contains(&format!("] {part}: ")) && l.contains(" requests, ")),
            "no line for {part}: {stderr}"
        );
    }
    let requests = |part: &str| -> u64 {
        let line = lines.iter().find(|l| l.contains(&format!("] {part}: "))).expect("a line");
        let after = line.split(": ").nth(1).expect("counts");
        after.split(' ').next().and_then(|n| n.parse().ok()).expect("a number")
    };
    assert!(requests("examples") < requests("done"), "the examples' line came before the end");
    assert!(!stderr.contains("panicked"));
    let _ = MOCK_SERVERS;
}

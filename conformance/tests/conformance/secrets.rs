//! The token never appears in output, reports or errors, even when the endpoint echoes it.

use crate::support::{bounded, raw_server, Reply};
use csbs_conformance::{run_suite, Phase, Report, RunOptions, Secret};
use std::time::Duration;

const SECRET: &str = "tok-SECRET-7f3e1d2c9b";

fn all_text(report: &Report) -> String {
    format!("{}\n{}\n{}\n{report:?}", report.summary(), report.to_json(), report.to_junit().expect("junit"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_stays_out_of_everything_against_the_mock() {
    let options = RunOptions { token: Some(Secret::new(SECRET)), ..RunOptions::default() };
    assert!(!format!("{options:?}").contains(SECRET));
    let report = bounded(run_suite(options)).await.expect("runs");
    assert!(report.exchanges.len() > 10);
    assert!(!all_text(&report).contains(SECRET));
    assert!(report.to_json().contains("$CSBS_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_echoes_the_token_does_not_leak_it() {
    let server = raw_server(|head| {
        let token = head.header("x-auth-token").unwrap_or_default().to_owned();
        Reply::Respond {
            status: 500,
            content_type: Some("application/json"),
            headers: vec![("X-Echo".into(), token.clone())],
            body: format!(r#"{{"error_code": "{token}", "error_msg": "your token is {token}"}}"#).into_bytes(),
        }
    })
    .await;
    let mut options = RunOptions::against(&server.url, "p", Secret::new(SECRET));
    options.only = vec![Phase::Examples];
    options.limits.request_timeout = Duration::from_secs(2);
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert!(!report.passed());
    let text = all_text(&report);
    assert!(text.contains("your token is $CSBS_TOKEN"), "the echo is shown, redacted");
    assert!(!text.contains(SECRET));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_do_not_carry_the_token() {
    let options = RunOptions::against("http://127.0.0.1:9", "p", Secret::new(SECRET));
    let error = bounded(run_suite(options)).await.expect_err("port 9 is closed");
    assert!(!format!("{error} {error:?}").contains(SECRET));
}

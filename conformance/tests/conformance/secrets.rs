//! The token and the secret key never appear in output, reports, errors or `Debug`, even when
//! the endpoint echoes them; nor do the signatures made with the secret key.

use crate::mock_suite::KNOWN_MOCK_DEFECTS;
use crate::support::{bounded, raw_server, Reply};
use csbs_conformance::{run_suite, Phase, Report, RunOptions, Secret};
use std::time::Duration;

const SECRET: &str = crate::support::WHOLE_RUN_TOKEN;

fn all_text(report: &Report) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{report:?}",
        report.summary(),
        report.to_json(None),
        report.to_junit().expect("junit"),
        report.to_html(None)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_stays_out_of_everything_against_the_mock() {
    // The whole suite with the token SECRET (its options' Debug is checked there too).
    let report = crate::support::whole_run().await;
    assert!(report.exchanges.len() > 10);
    assert!(!all_text(report).contains(SECRET));
    assert!(report.to_json(None).contains("$CSBS_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_echoes_the_token_does_not_leak_it() {
    let server = raw_server(|head| {
        let token = head.header("x-auth-token").unwrap_or_default().to_owned();
        Reply::Respond {
            status: 500,
            content_type: Some("application/json"),
            headers: vec![("X-Echo".into(), token.clone())],
            body: format!(r#"{{"error_code": "{token}", "error_msg": "your token is {token}"}}"#)
                .into_bytes(),
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

// AK/SK: the secret key, and the signatures made with it, stay out of everything too.

const AK: &str = "AKCONFORMANCETEST001";
const SK: &str = "sk-SECRET-KEY-4d9e2a7b1c";

/// A real SDK-HMAC-SHA256 signature: 64 hex digits after `Signature=`.
fn has_a_signature(text: &str) -> bool {
    regex::Regex::new(r"Signature=[0-9a-f]{64}").unwrap().is_match(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_key_stays_out_of_everything_against_the_mock() {
    let mut options = RunOptions {
        ak_sk: Some((AK.to_owned(), Secret::secret_key(SK))),
        ..RunOptions::default()
    };
    // 20 generated cases per operation and kind (not 100): odd paths, queries and bodies are
    // signed all the same.
    options.properties.cases = 20;
    assert!(!format!("{options:?}").contains(SK));
    let report = bounded(run_suite(options)).await.expect("runs");
    // The embedded mock verifies every signature: the suite passes (but for the mock's known
    // defects, which have nothing to do with auth) only if they are right.
    let known =
        |op: &str, check: &str| KNOWN_MOCK_DEFECTS.iter().any(|(o, c, _)| *o == op && *c == check);
    assert!(report.failures().all(|r| known(&r.operation, r.check.name())), "{}", report.summary());
    assert!(report.exchanges.iter().all(|x| x.status != Some(401)
        || x.case.ends_with("_token")
        || x.case == "invalid_signature"));
    assert!(report.exchanges.len() > 10);
    let text = all_text(&report);
    assert!(!text.contains(SK));
    assert!(!has_a_signature(&text), "signatures are shown as $CSBS_SIGNATURE");
    assert!(report.summary().contains("requests signed with AK/SK"));
    assert_eq!(report.target.credential, "ak_sk");

    let signed = report
        .exchanges
        .iter()
        .find(|x| x.case != "missing_token" && x.case != "invalid_token")
        .expect("a signed request");
    let header = |name: &str| {
        signed.request.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    };
    assert_eq!(header("X-Project-Id"), Some(report.target.project_id.as_str()));
    assert!(header("X-Sdk-Date").is_some_and(|d| d.len() == 16 && d.ends_with('Z')));
    let authorization = header("Authorization").expect("the signature's placeholder");
    assert!(
        authorization.starts_with("SDK-HMAC-SHA256 Access=$CSBS_AK, SignedHeaders=")
            && authorization.contains("x-sdk-date")
    );
    assert!(authorization.ends_with("Signature=$CSBS_SIGNATURE"), "{authorization}");
    assert!(
        signed.curl.contains("\"Authorization: SDK-HMAC-SHA256 Access=$CSBS_AK")
            && signed.curl.contains("sign it again"),
        "{}",
        signed.curl
    );
    assert!(header("X-Auth-Token").is_none());

    // A signature made with a wrong secret key is probed, and refused by the mock.
    let probes: Vec<_> = report.results.iter().filter(|r| r.case == "invalid_signature").collect();
    assert!(!probes.is_empty() && probes.iter().all(|r| r.passed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_echoes_the_signature_and_the_secret_key_does_not_leak_them() {
    let server = raw_server(|head| {
        let authorization = head.header("authorization").unwrap_or_default().to_owned();
        Reply::Respond {
            status: 500,
            content_type: Some("application/json"),
            headers: vec![("X-Echo".into(), authorization.clone()), ("X-Key".into(), SK.into())],
            body: format!(
                r#"{{"error_code": "{SK}", "error_msg": "you signed {authorization} with {SK}"}}"#
            )
            .into_bytes(),
        }
    })
    .await;
    let mut options = RunOptions::against_with_keys(&server.url, "p", AK, SK);
    options.only = vec![Phase::Auth, Phase::Examples];
    options.limits.request_timeout = Duration::from_secs(2);
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert!(!report.passed());
    let text = all_text(&report);
    assert!(
        text.contains("you signed SDK-HMAC-SHA256 Access=$CSBS_AK"),
        "the echo is shown, redacted"
    );
    assert!(text.contains("with $CSBS_SK"));
    assert!(!text.contains(SK));
    assert!(!has_a_signature(&text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_do_not_carry_the_secret_key() {
    let unreachable = RunOptions::against_with_keys("http://127.0.0.1:9", "p", AK, SK);
    let error = bounded(run_suite(unreachable)).await.expect_err("port 9 is closed");
    assert!(!format!("{error} {error:?}").contains(SK));

    let both = RunOptions {
        token: Some(Secret::new(SECRET)),
        ..RunOptions::against_with_keys("http://127.0.0.1:9", "p", AK, SK)
    };
    let error = bounded(run_suite(both)).await.expect_err("a token and a key pair");
    let text = format!("{error} {error:?}");
    assert!(
        text.contains("--token")
            && text.contains("--ak")
            && !text.contains(SK)
            && !text.contains(SECRET),
        "{text}"
    );

    let empty_ak = RunOptions::against_with_keys("http://127.0.0.1:9", "p", "", SK);
    let error = bounded(run_suite(empty_ak)).await.expect_err("an empty access key");
    assert!(!format!("{error} {error:?}").contains(SK));

    let none = RunOptions {
        endpoint: Some("http://127.0.0.1:9".into()),
        project_id: Some("p".into()),
        ..RunOptions::default()
    };
    let text = bounded(run_suite(none)).await.expect_err("no credentials").to_string();
    assert!(
        ["--token", "CSBS_TOKEN", "--ak", "--sk", "CSBS_AK", "CSBS_SK"]
            .iter()
            .all(|flag| text.contains(flag)),
        "{text}"
    );
}

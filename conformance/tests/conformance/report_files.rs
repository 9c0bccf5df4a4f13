//! The report files of a run against a broken endpoint: the JSON report and the HAR validate
//! against their schemas, the HAR holds every request sent, the HTML page shows the verdict
//! and the failures in a real browser, and a reported failure replays: failing again against
//! the broken endpoint, passing against the mock.

use crate::browser;
use crate::support::{bounded, mock, proxied_options, proxy, Answer, PROXY_TOKEN};
use csbs_conformance::report::{replay, Outcome, ReplayOptions};
use csbs_conformance::{run_suite, Report, RunOptions, Secret};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fixed seed and few cases: the runs are short and comparable.
pub const SEED: u64 = 22;

/// A broken endpoint that takes the run down the same paths: quotas answered as `text/plain`
/// (the body still JSON).
pub fn quotas_as_text(a: &mut Answer) {
    if a.is("GET", "/quotas") {
        a.set_header("content-type", "text/plain");
    }
}

/// Markup an endpoint sends back, which the page must show as text.
const MARKUP: &str = "<script>alert(1)</script>";

/// The broken endpoint of the report files: [`quotas_as_text`] with markup in a header, and
/// the policy list answered 203.
pub fn break_two_things(a: &mut Answer) {
    quotas_as_text(a);
    if a.is("GET", "/quotas") {
        a.set_header("x-note", MARKUP);
    }
    if a.is("GET", "/policies") {
        a.status = 203;
    }
}

/// The options of these runs: through the proxy, seeded, 20 cases per operation and kind,
/// and an oracle that shrinks a failing history at most 4 times (a broken list fails every
/// history, and shrinking them all as far as the default allows takes most of the run).
pub fn seeded(url: &str) -> RunOptions {
    let mut options = proxied_options(url);
    options.properties.seed = Some(SEED);
    options.properties.cases = 20;
    options.model.max_shrink_iters = 4;
    options
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

fn schema_json(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("the schema")).expect("JSON")
}

fn schema(name: &str) -> jsonschema::Validator {
    jsonschema::validator_for(&schema_json(name)).expect("a valid schema")
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against its schema:\n{}",
        errors.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_run_writes_valid_reports_and_its_failures_replay() {
    let mock = mock().await;
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    let proxy = proxy(upstream.clone(), break_two_things).await;
    let dir = temp_dir("report-files");
    let har_path = dir.join("run.har");
    let options = RunOptions { har: Some(har_path.clone()), ..seeded(&proxy.url) };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    let failing: Vec<&str> = report.failures().map(|r| r.check.name()).collect();
    assert!(
        failing.contains(&"content_type_conformance")
            && failing.contains(&"status_code_conformance"),
        "{}",
        report.summary()
    );

    // JSON: the schema, the totals, the failures as fields.
    let json_path = dir.join("report.json");
    csbs_conformance::report::ReportFile::write_all(
        &[
            format!("json={}", json_path.display()).parse().expect("a report file"),
            format!("html={}", dir.join("report.html").display()).parse().expect("a report file"),
        ],
        &report,
    )
    .expect("written");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read")).expect("JSON");
    assert_valid(&schema("report.schema.json"), &json, "the JSON report");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["seed"], SEED);
    assert_eq!(json["totals"]["failed"], report.failed_count());
    assert_eq!(json["totals"]["outcome"], "failed");
    let failures = json["failures"].as_array().expect("failures");
    assert_eq!(failures.len(), report.failed_count());
    let quotas = failures
        .iter()
        .find(|f| f["operation"] == "showQuotas" && f["check"] == "content_type_conformance")
        .expect("the quotas failure");
    let number = quotas["number"].as_u64().expect("numbered") as usize;
    assert!(quotas["curl"].as_str().is_some_and(|c| c.contains("/quotas")));
    assert_eq!(
        quotas["replay"],
        format!("csbs-conformance replay {} --failure {number}", json_path.display())
    );
    let schema_checks = &schema_json("report.schema.json")["$defs"]["check"]["enum"];
    let registry: Vec<&str> = csbs_conformance::Check::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        schema_checks,
        &serde_json::json!(registry),
        "the schema lists the registry's checks"
    );
    let schema_phases = &schema_json("report.schema.json")["$defs"]["phase"]["enum"];
    let phases: Vec<&str> = csbs_conformance::Phase::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(schema_phases, &serde_json::json!(phases), "the schema lists every part");

    // HAR: the schema, and one entry per request sent, none with the token.
    let har_text = std::fs::read_to_string(&har_path).expect("the HAR was written");
    assert!(!har_text.contains(PROXY_TOKEN), "the token is in the HAR");
    let har: Value = serde_json::from_str(&har_text).expect("the HAR is JSON");
    assert_valid(&schema("har-1.2.schema.json"), &har, "the HAR");
    let entries = har["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len() as u64, report.requests, "one HAR entry per request sent");
    assert!(entries.len() > report.exchanges.len(), "more than the recorded exchanges");
    assert!(entries.iter().any(|e| e["response"]["status"] == 203));
    // Each entry says what it was for: the operation of every recorded exchange is named.
    let comments: Vec<&str> = entries.iter().filter_map(|e| e["comment"].as_str()).collect();
    assert_eq!(comments.len(), entries.len(), "every entry names its operation and case");
    for exchange in &report.exchanges {
        let named = comments.iter().any(|c| c.starts_with(&format!("{} ", exchange.operation)));
        assert!(named, "no HAR entry names {}", exchange.operation);
    }

    // HTML: no secret in the file; in a browser, what a reader must see.
    let html_path = dir.join("report.html");
    let html = std::fs::read_to_string(&html_path).expect("the page");
    assert!(!html.contains(PROXY_TOKEN), "the token is in the page");
    assert!(!html.contains(MARKUP) && html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    browser::assert_page_shows(&html_path, &report, PROXY_TOKEN);

    // Replay: against the broken endpoint it fails again, against the mock it passes.
    let mut replay_options = ReplayOptions {
        failure: Some(number),
        endpoint: None,
        cbr_endpoint: None,
        token: Some(Secret::new(PROXY_TOKEN)),
        ak_sk: None,
        timeout: Duration::from_secs(5),
        max_body_bytes: 1 << 20,
    };
    let again = replay(&json, &replay_options).await.expect("replayed");
    assert!(
        matches!(&again[0].outcome, Outcome::FailsAgain(f) if f.iter().any(|(c, _)| c.name() == "content_type_conformance")),
        "{again:?}"
    );
    replay_options.endpoint = Some(upstream);
    let fixed = replay(&json, &replay_options).await.expect("replayed");
    assert_eq!(fixed[0].outcome, Outcome::Passes, "{fixed:?}");
    replay_options.failure = Some(failures.len() + 1);
    assert!(replay(&json, &replay_options).await.unwrap_err().contains("--failure"));
    drop(proxy);
    mock.shutdown().await;
}

/// The report's own numbers, for the browser check.
pub fn failing_checks(report: &Report) -> Vec<&'static str> {
    let mut checks: Vec<&'static str> = report.failures().map(|r| r.check.name()).collect();
    checks.sort_unstable();
    checks.dedup();
    checks
}

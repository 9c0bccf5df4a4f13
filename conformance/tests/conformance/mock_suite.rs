//! The whole suite against the embedded mock: it passes, sends every documented example,
//! skips nothing and leaves nothing behind.

use crate::support::{bounded, mock, proxied_options, proxy};
use csbs_conformance::{run_suite, Check, Phase, RunOptions, EXIT_PASSED};
use csbs_spec::examples::all_examples;
use csbs_spec::operations::all_operations;
use csbs_spec::ExampleKind;

/// Failures of the embedded mock that are reported and not fixed yet: `(operation, check, why)`.
/// The suite must fail exactly there; when the mock is fixed the entry must go (the test says so).
pub const KNOWN_MOCK_DEFECTS: &[(&str, &str, &str)] = &[];

/// Cases the embedded mock's data leaves too little to judge: `(operation, case)`. Its backups
/// are all `available` once settled, so an order by status cannot be told from any other.
const TOO_LITTLE: &[(&str, &str)] = &[
    ("listBackups", "sort_conformance: status:asc"),
    ("listBackups", "sort_conformance: status:desc"),
    ("listBackups", "sort_conformance: status without a direction"),
    ("listCbrBackups", "sort_conformance: status:asc"),
    ("listCbrBackups", "sort_conformance: status:desc"),
    ("listCbrBackups", "sort_conformance: status without a direction"),
    // The CBR view shows times to the millisecond (never judged tied) and the mock's backups
    // share a status and differ in name: no two keys tie with a third telling them apart.
    ("listCbrBackups", "sort_conformance: three keys"),
    // The spec documents a response header only on 429 (`Retry-After`), which the mock sends
    // only when its waiting room is full: the check has nothing to judge in a normal run.
    ("examples", "response_headers_conformance"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_suite_passes_against_the_embedded_mock() {
    let report = crate::support::whole_run().await;
    let known =
        |op: &str, check: &str| KNOWN_MOCK_DEFECTS.iter().any(|(o, c, _)| *o == op && *c == check);
    let unexpected: Vec<_> =
        report.failures().filter(|r| !known(&r.operation, r.check.name())).collect();
    assert!(unexpected.is_empty(), "{}", report.summary());
    for (op, check, why) in KNOWN_MOCK_DEFECTS {
        let still = report.failures().any(|r| r.operation == *op && r.check.name() == *check);
        assert!(
            still,
            "the mock no longer fails {check} on {op} ({why}): remove it from KNOWN_MOCK_DEFECTS"
        );
    }
    assert_eq!(report.passed(), KNOWN_MOCK_DEFECTS.is_empty());
    if KNOWN_MOCK_DEFECTS.is_empty() {
        assert_eq!(report.exit_code(), EXIT_PASSED);
    }
    // Only what no answer lets a client check (the spec says so) or the mock's data cannot tell
    // apart is skipped; everything else is judged.
    let unexpected_skips: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| !s.reason.starts_with("not checkable:"))
        .filter(|s| !TOO_LITTLE.contains(&(s.operation.as_str(), s.case.as_str())))
        .collect();
    assert!(unexpected_skips.is_empty(), "{unexpected_skips:?}");
    // The properties part notes its seed and the business errors it met, the model part its
    // seed and figures; nothing else may.
    let noted = |n: &String| n.starts_with("properties:") || n.starts_with("model:");
    assert!(report.notes.iter().all(noted), "{:?}", report.notes);
    assert!(report.target.embedded_mock && report.target.mutations && report.target.restores);
    assert!(report.cleanup.left_behind.is_empty());
    let counts = format!(
        "{} passed, {} failed, {} skipped\n",
        report.passed_count(),
        report.failed_count(),
        report.skipped.len()
    );
    assert!(report.summary().ends_with(&counts));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_request_is_replayed_and_every_operation_probed() {
    let options = RunOptions {
        only: vec![Phase::Spec, Phase::Auth, Phase::Examples],
        ..RunOptions::default()
    };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    for example in all_examples()
        .iter()
        .filter(|e| e.kind == ExampleKind::Request || e.kind == ExampleKind::Url)
    {
        let sent = report
            .exchanges
            .iter()
            .any(|x| x.operation == example.operation_id && x.case == example.name);
        assert!(sent, "{} {} was not sent", example.operation_id, example.name);
    }
    for op in all_operations() {
        let checked = report.results_of(Check::StatusCodeConformance).any(|r| r.operation == op.id);
        assert!(checked, "no response of {} was checked", op.id);
        let probed = report.results_of(Check::IgnoredAuth).any(|r| r.operation == op.id);
        assert_eq!(probed, !op.is_mutation(), "auth probes of {}", op.id);
    }
    for check in [
        Check::ExampleValidity,
        Check::ExampleCoverage,
        Check::ExampleStructure,
        Check::PositiveDataAcceptance,
    ] {
        assert!(report.results_of(check).count() > 0, "{check} never ran");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_run_creates_it_deletes() {
    let options = RunOptions {
        only: vec![Phase::Spec, Phase::Auth, Phase::Examples],
        ..RunOptions::default()
    };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    let policies = report.cleanup.deleted.iter().filter(|d| d.starts_with("policy")).count();
    let creates = report
        .exchanges
        .iter()
        .filter(|x| x.operation == "createPolicy" && x.status == Some(200))
        .count();
    let deletes = report
        .exchanges
        .iter()
        .filter(|x| x.operation == "deletePolicy" && x.status == Some(200))
        .count();
    assert_eq!(creates, deletes + policies, "{:?}", report.cleanup);
    assert!(
        report.cleanup.deleted.iter().any(|d| d.starts_with("checkpoint")),
        "{:?}",
        report.cleanup
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_endpoint_is_read_only_by_default() {
    let mock = mock().await;
    let proxy = proxy(mock.base_url().trim_end_matches('/').to_owned(), |_| {}).await;
    let options =
        RunOptions { allow_mutations: false, allow_restore: false, ..proxied_options(&proxy.url) };
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert!(!report.target.mutations);
    for x in &report.exchanges {
        assert!(
            x.request.method == "GET" || x.operation == "checkResourceCapabilities",
            "{} was sent",
            x.operation
        );
    }
    let skipped: Vec<&str> = report.skipped.iter().map(|s| s.operation.as_str()).collect();
    for op in ["createPolicy", "updatePolicy", "deletePolicy", "protectResource", "createRestore"] {
        assert!(skipped.contains(&op), "{op} not skipped: {skipped:?}");
    }
    // Reads still hit real objects: the seeded ones the run found.
    assert!(report.exchanges.iter().any(|x| x.operation == "showPolicy" && x.status == Some(200)));
    assert!(report.cleanup.deleted.is_empty());
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_checks_run_offline() {
    let options = RunOptions { only: vec![Phase::Spec], ..RunOptions::default() };
    let report = bounded(run_suite(options)).await.expect("offline");
    assert!(report.exchanges.is_empty());
    assert!(report.passed(), "{}", report.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cbr_requests_go_to_the_cbr_endpoint() {
    let mock = mock().await;
    let base = mock.base_url().trim_end_matches('/').to_owned();
    let (csbs, cbr) = (proxy(base.clone(), |_| {}).await, proxy(base, |_| {}).await);
    let mut options =
        RunOptions { cbr_endpoint: Some(format!("{}/", cbr.url)), ..proxied_options(&csbs.url) };
    // Every part sends, the properties 10 cases per operation and kind instead of 100: each
    // request goes through the one sender, whichever part sends it.
    options.properties.cases = 10;
    let report = bounded(run_suite(options)).await.expect("reachable");
    assert_eq!(report.target.cbr_url, cbr.url);
    for x in &report.exchanges {
        let expected = if x.request.url.contains("/v3/") { &cbr.url } else { &csbs.url };
        assert!(
            x.request.url.starts_with(expected.as_str()),
            "{} went to {}",
            x.operation,
            x.request.url
        );
    }
    assert!(report
        .exchanges
        .iter()
        .any(|x| x.operation == "showCbrCheckpoint" && x.status == Some(200)));
    mock.shutdown().await;
}

//! The properties and stateful parts: they pass against the mock, and they fail, naming the
//! rule, against a lax endpoint (accepts a 256-character name), a strict one (refuses a valid
//! BYDAY list) and endpoints that forget or resurrect objects.

use crate::support::{bounded, mock, proxied_options, proxy, Answer};
use csbs_conformance::properties::PropertyOptions;
use csbs_conformance::{run_suite, Check, Phase, Report, RunOptions};
use serde_json::{json, Value};

fn only(phases: &[Phase], cases: u32, seed: u64) -> impl Fn(RunOptions) -> RunOptions {
    let phases = phases.to_vec();
    move |options| RunOptions {
        only: phases.clone(),
        properties: PropertyOptions { cases, seed: Some(seed), ..PropertyOptions::default() },
        ..options
    }
}

/// Properties of `createPolicy` only: the variants below differ there.
fn create_policy(cases: u32, seed: u64) -> impl Fn(RunOptions) -> RunOptions {
    move |options| RunOptions {
        only: vec![Phase::Properties],
        properties: PropertyOptions {
            cases,
            seed: Some(seed),
            operations: vec!["createPolicy".into()],
            ..PropertyOptions::default()
        },
        ..options
    }
}

/// Runs `phases` through a proxy in front of a fresh mock.
async fn through(
    tamper: impl Fn(&mut Answer) + Send + Sync + 'static,
    adjust: impl Fn(RunOptions) -> RunOptions,
) -> Report {
    let mock = mock().await;
    let proxy = proxy(mock.base_url().trim_end_matches('/').to_owned(), tamper).await;
    let report = bounded(run_suite(adjust(proxied_options(&proxy.url))))
        .await
        .expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

fn request_json(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.request).unwrap_or(Value::Null)
}

fn failure<'a>(
    report: &'a Report,
    check: Check,
    operation: &str,
) -> &'a csbs_conformance::report::CheckResult {
    report
        .failures()
        .find(|r| r.check == check && r.operation == operation)
        .unwrap_or_else(|| panic!("expected {check} to fail on {operation}:\n{}", report.summary()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_requests_pass_against_the_embedded_mock() {
    let options = only(&[Phase::Properties, Phase::Stateful], 40, 11)(RunOptions::default());
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    assert!(report.passed(), "{}", report.summary());
    for check in [
        Check::PositiveDataAcceptance,
        Check::NegativeDataRejection,
        Check::EnsureResourceAvailability,
        Check::UseAfterFree,
    ] {
        assert!(report.results_of(check).count() > 0, "{check} never ran");
    }
    let negative: Vec<&str> =
        report.results_of(Check::NegativeDataRejection).map(|r| r.operation.as_str()).collect();
    for op in [
        "createPolicy",
        "updatePolicy",
        "listBackups",
        "listCbrBackups",
        "createRestore",
        "protectResource",
    ] {
        assert!(negative.contains(&op), "no invalid requests for {op}: {negative:?}");
    }
    assert!(report.notes.iter().any(|n| n.contains("seed 11")), "{:?}", report.notes);
    assert!(report.cleanup.left_behind.is_empty());
}

/// A lax endpoint: a policy name of 256 characters is created instead of refused.
fn lax(answer: &mut Answer) {
    let long_name = request_json(answer)
        .pointer("/policy/name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.chars().count() > 255);
    if answer.is("POST", "/policies") && long_name {
        let documented = csbs_spec::examples::all_examples()
            .into_iter()
            .find(|e| {
                e.operation_id == "createPolicy"
                    && matches!(e.kind, csbs_spec::ExampleKind::Response(200))
            })
            .and_then(|e| e.value)
            .unwrap();
        answer.status = 200;
        answer.body = documented.to_string().into_bytes();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lax_endpoint_fails_negative_data_rejection_and_the_rule_is_named() {
    let report = through(lax, create_policy(300, 6)).await;
    let f = failure(&report, Check::NegativeDataRejection, "createPolicy");
    let why = f.failure.as_ref().unwrap();
    assert_eq!(why.rule, "body.policy.name maxLength", "{}", report.summary());
    assert!(why.message.contains("answered 200"), "{}", why.message);
    let exchange = &report.exchanges[f.exchange.expect("the minimal case is recorded")];
    let name =
        exchange.request.body.as_ref().unwrap()["policy"]["name"].as_str().unwrap().to_owned();
    assert_eq!(name.chars().count(), 256, "shrunk to the smallest name that breaks the rule");
    assert!(exchange.curl.starts_with("curl "), "{}", exchange.curl);
    assert_eq!(report.failures().count(), 1, "only that rule is lax:\n{}", report.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_finds_the_same_minimal_case() {
    let first = through(lax, create_policy(300, 9)).await;
    let second = through(lax, create_policy(300, 9)).await;
    let minimal = |r: &Report| {
        let f = failure(r, Check::NegativeDataRejection, "createPolicy");
        r.exchanges[f.exchange.unwrap()].request.body.clone()
    };
    assert_eq!(minimal(&first), minimal(&second));
}

/// A strict endpoint: a schedule on more than one weekday is refused.
fn strict(answer: &mut Answer) {
    let body = request_json(answer);
    let pattern = body
        .pointer("/policy/scheduled_operations/0/trigger/properties/pattern")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let several_days = pattern.split(';').any(|p| p.starts_with("BYDAY=") && p.contains(','));
    if answer.is("POST", "/policies") && several_days {
        answer.status = 400;
        answer.set_header("content-type", "application/json");
        answer.body = json!({"error_code": "CSBS.9001", "error_msg": "BYDAY must name one day"})
            .to_string()
            .into_bytes();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strict_endpoint_fails_positive_data_acceptance() {
    let report = through(strict, create_policy(200, 3)).await;
    let f = failure(&report, Check::PositiveDataAcceptance, "createPolicy");
    let why = f.failure.as_ref().unwrap();
    assert!(
        why.message.contains("rejected as invalid")
            && why.message.contains("BYDAY must name one day"),
        "{}",
        why.message
    );
    let exchange = &report.exchanges[f.exchange.unwrap()];
    let pattern = exchange
        .request
        .body
        .as_ref()
        .unwrap()
        .pointer("/policy/scheduled_operations/0/trigger/properties/pattern")
        .cloned();
    assert!(
        pattern.unwrap().as_str().unwrap().contains("BYDAY="),
        "the minimal case keeps a BYDAY list"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_kept_in_regression_files() {
    let dir = std::env::temp_dir().join(format!("csbs-regressions-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let regressions = dir.clone();
    let report = through(lax, move |options| RunOptions {
        only: vec![Phase::Properties],
        properties: PropertyOptions {
            cases: 300,
            seed: Some(5),
            regressions: Some(regressions.clone()),
            operations: vec!["createPolicy".into()],
        },
        ..options
    })
    .await;
    assert!(!report.passed());
    let file = std::fs::read_to_string(dir.join("createPolicy-invalid.txt"))
        .expect("proptest wrote the failing seed");
    assert!(file.lines().any(|l| l.starts_with("cc ")), "{file}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_resurrects_deleted_policies_fails_use_after_free() {
    let report = through(
        |answer: &mut Answer| {
            if answer.method == "GET" && answer.path.contains("/policies/") && answer.status == 404
            {
                answer.status = 200;
            }
        },
        only(&[Phase::Stateful], 1, 1),
    )
    .await;
    let f = failure(&report, Check::UseAfterFree, "showPolicy");
    assert!(f.failure.as_ref().unwrap().message.contains("expected 404"));
}

/// A search that outlives the object: a filtered list keeps listing what it once listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_whose_filtered_lists_keep_deleted_objects_fails_use_after_free() {
    let seen: std::sync::Mutex<std::collections::HashMap<String, Value>> = Default::default();
    let report = through(
        move |answer: &mut Answer| {
            let key = answer.path.clone();
            let items = ["policies", "checkpoint_items"];
            if answer.method != "GET" || !key.contains('?') {
                return;
            }
            let mut seen = seen.lock().unwrap();
            answer.edit_json(|v| {
                for list in items {
                    let Some(now) = v.get_mut(list).and_then(Value::as_array_mut) else { continue };
                    match seen.get(&key) {
                        Some(Value::Array(before)) if now.is_empty() => *now = before.clone(),
                        _ if !now.is_empty() => {
                            seen.insert(key.clone(), Value::Array(now.clone()));
                        }
                        _ => {}
                    }
                }
            });
        },
        only(&[Phase::Stateful], 1, 1),
    )
    .await;
    let policy = failure(&report, Check::UseAfterFree, "listPolicies");
    assert!(policy.failure.as_ref().unwrap().message.contains("still lists the deleted policy"));
    let backup = failure(&report, Check::UseAfterFree, "listBackups");
    assert!(backup.failure.as_ref().unwrap().message.contains("still lists the deleted backup"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_that_hides_new_backups_fails_ensure_resource_availability() {
    let report = through(
        |answer: &mut Answer| {
            if answer.is("GET", "/checkpoint_items/count") {
                answer.body = json!({"count": 0}).to_string().into_bytes();
            }
        },
        only(&[Phase::Stateful], 1, 1),
    )
    .await;
    let f = failure(&report, Check::EnsureResourceAvailability, "countBackups");
    assert!(f.failure.as_ref().unwrap().message.contains("is 0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operation_that_times_out_twice_has_its_remaining_cases_skipped() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let report = through(
        move |a| {
            if a.is("GET", "/quotas") {
                counter.fetch_add(1, Ordering::SeqCst);
                a.delay = Duration::from_millis(900);
            }
        },
        |options| {
            let mut options = RunOptions {
                only: vec![Phase::Properties],
                properties: PropertyOptions {
                    cases: 50,
                    seed: Some(7),
                    operations: vec!["showQuotas".into()],
                    ..PropertyOptions::default()
                },
                ..options
            };
            options.limits.request_timeout = Duration::from_millis(300);
            options
        },
    )
    .await;
    let failed: Vec<_> = report.failures().map(|r| (r.operation.as_str(), r.check)).collect();
    assert!(failed.contains(&("showQuotas", Check::MaxResponseTime)), "{failed:?}");
    let skip = report.skipped.iter().find(|s| s.operation == "showQuotas").expect("a skip");
    assert!(skip.reason.contains("timed out 2 times"), "{}", skip.reason);
    // Two timeouts, and not one request more: no shrinking, no repeat of the minimal case.
    assert_eq!(sent.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_waits_for_a_slow_backup_within_wait() {
    // Backups that take 2.5 s: longer than the pool's old fixed 2 s, shorter than --wait.
    let mock = crate::support::mock_configured(|config| {
        config.protect_delay = std::time::Duration::from_millis(2_500);
    })
    .await;
    let url = mock.base_url().trim_end_matches('/').to_owned();
    let options = RunOptions {
        only: vec![Phase::Properties],
        checks: vec![Check::PositiveDataAcceptance],
        properties: PropertyOptions {
            cases: 1,
            seed: Some(1),
            operations: vec!["deleteCheckpoint".into()],
            ..PropertyOptions::default()
        },
        ..proxied_options(&url)
    };
    let report = bounded(run_suite(options)).await.expect("the mock is reachable");
    mock.shutdown().await;
    let row = report.properties.iter().find(|r| r.operation == "deleteCheckpoint");
    let row = row.unwrap_or_else(|| panic!("no generated cases:\n{}", report.summary()));
    // The case was bound to the pool's backup, once available: deleted (2xx), not a 404.
    assert_eq!((row.valid, row.valid_2xx), (1, 1), "{}", report.summary());
}

#[test]
fn generated_path_values_fill_their_segment() {
    use proptest::strategy::{Strategy, ValueTree};
    // CBR's checkpoint_id is any string; an empty one was sent as `/checkpoints/`, no route.
    let op = csbs_spec::operations::find_operation("showCbrCheckpoint").expect("in the spec");
    let fixed = [("project_id".to_owned(), "p-1".to_owned())].into();
    let strategy = csbs_conformance::properties::valid_cases(op, fixed);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..200 {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let id = &case.request.path["checkpoint_id"];
        assert!(!id.is_empty(), "{:?}", case.request.path);
    }
}

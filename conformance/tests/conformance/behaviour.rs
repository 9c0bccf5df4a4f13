//! Each documented behaviour, broken on its own by a proxy in front of the mock (a request
//! rewritten before it reaches the mock, or an answer changed after), makes the behaviour part
//! fail and name its check; the unbroken mock passes.

use crate::support::{
    bounded, mock_config, mock_configured, proxied_options, proxy_rewriting, quick_limits, Answer,
    Sent,
};
use csbs_conformance::{run_suite, Check, Phase, Report, RunOptions};
use csbs_spec::behaviour::{domain_errors, filters, sort_default, FilterRule};
use csbs_spec::operations::all_operations;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// A mock whose backups stay pending, deleting and restoring long enough for the checks to
/// see it on a loaded machine.
async fn slow_mock(rate_limit: Option<u32>) -> csbs_mock::RunningMock {
    mock_configured(|config| {
        config.protect_delay = Duration::from_millis(300);
        config.delete_delay = Duration::from_millis(300);
        config.restore_delay = Duration::from_millis(300);
        config.rate_limit = rate_limit;
    })
    .await
}

pub type Rewrite = Arc<dyn Fn(&mut Sent) + Send + Sync>;
pub type Tamper = Arc<dyn Fn(&mut Answer) + Send + Sync>;

/// The behaviour part's `checks` (all of them when empty; a test judging one check selects it,
/// as `--checks` does, so that only the scenarios judging it, and what they work on, are sent)
/// through a proxy that rewrites requests and tampers with answers.
pub async fn run_broken(checks: &[Check], rewrite: Rewrite, tamper: Tamper) -> Report {
    if checks.is_empty() || checks.iter().any(|c| SEE_STATES.contains(c)) {
        return run_broken_on(slow_mock(None).await, checks, rewrite, tamper).await;
    }
    // What settles in tens of milliseconds is given 3 s (not 10): an endpoint that never does
    // what a check waits for (a retention that never trims) fails that much sooner.
    let wait = Duration::from_secs(3);
    run_broken_within(mock_configured(|_| {}).await, wait, checks, rewrite, tamper).await
}

/// The checks that must see a backup pending, deleting or restoring (busy errors, a second
/// deletion, quotas before and after): they run against [`slow_mock`]; the others judge what
/// was written once it settled, on a mock of loopback speed.
const SEE_STATES: [Check; 3] =
    [Check::LifecycleConformance, Check::DomainErrorConformance, Check::QuotaUsage];

/// [`run_broken`] in front of a given mock.
async fn run_broken_on(
    mock: csbs_mock::RunningMock,
    checks: &[Check],
    rewrite: Rewrite,
    tamper: Tamper,
) -> Report {
    let wait = quick_limits().settle_timeout;
    run_broken_within(mock, wait, checks, rewrite, tamper).await
}

/// [`run_broken_on`] with `--wait` of `wait`.
pub async fn run_broken_within(
    mock: csbs_mock::RunningMock,
    wait: Duration,
    checks: &[Check],
    rewrite: Rewrite,
    tamper: Tamper,
) -> Report {
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    let proxy = proxy_rewriting(upstream, move |s| rewrite(s), move |a| tamper(a)).await;
    let mut options = RunOptions {
        only: vec![Phase::Behaviour],
        checks: checks.to_vec(),
        ..proxied_options(&proxy.url)
    };
    options.limits.settle_timeout = wait;
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

pub fn untouched() -> Tamper {
    Arc::new(|_| {})
}

pub fn unchanged() -> Rewrite {
    Arc::new(|_| {})
}

/// Runs each broken endpoint with the behaviour checks `checks`, four at a time; the reports
/// in order.
async fn run_all(checks: &[Check], cases: Vec<(Rewrite, Tamper)>) -> Vec<Report> {
    let runs = cases.into_iter().map(|(r, t)| (checks.to_vec(), r, t)).collect();
    run_each(runs).await
}

/// Runs each broken endpoint with its own checks, four at a time; the reports in order.
async fn run_each(cases: Vec<(Vec<Check>, Rewrite, Tamper)>) -> Vec<Report> {
    let limit = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for (checks, rewrite, tamper) in cases {
        let limit = limit.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            run_broken(&checks, rewrite, tamper).await
        }));
    }
    let mut reports = Vec::new();
    for task in tasks {
        reports.push(task.await.expect("the run finished"));
    }
    reports
}

/// `(operation, check, case)` of every failure.
fn failures(report: &Report) -> Vec<(String, String, String)> {
    report
        .failures()
        .map(|r| (r.operation.clone(), r.check.name().to_owned(), r.case.clone()))
        .collect()
}

/// Asserts that `check` failed on `operation` in a case containing `case`.
fn assert_fails(report: &Report, operation: &str, check: Check, case: &str) {
    let found = failures(report);
    assert!(
        found.iter().any(|(o, c, k)| o == operation && c == check.name() && k.contains(case)),
        "expected {check} to fail on {operation} ({case}); failures: {found:?}"
    );
    assert!(!report.passed());
}

/// The check selected beside the one a test judges: its scenario writes the policies and
/// backups a whole part judges (the lists then hold enough items to show an order or a page).
const WRITES: Check = Check::ReadAfterWrite;

/// Runs each broken endpoint with only `check` (and [`WRITES`]) selected and asserts that it
/// fails `check` on the operation, in the case.
pub async fn assert_each_fails(cases: Vec<(Rewrite, Tamper, &str, Check, &str)>) {
    let runs = cases.iter().map(|(r, t, _, check, _)| (vec![*check, WRITES], r.clone(), t.clone()));
    for (report, (_, _, op, check, case)) in run_each(runs.collect()).await.iter().zip(cases) {
        assert_fails(report, op, check, case);
    }
}

pub fn on(operation: &'static str, edit: impl Fn(&mut Sent) + Send + Sync + 'static) -> Rewrite {
    Arc::new(move |s: &mut Sent| {
        if s.operation() == Some(operation) {
            edit(s)
        }
    })
}

pub fn answers_of(
    operation: &'static str,
    edit: impl Fn(&mut Answer) + Send + Sync + 'static,
) -> Tamper {
    Arc::new(move |a: &mut Answer| {
        let path = a.path.split('?').next().unwrap_or_default();
        let op = csbs_spec::operations::route(&a.method, path).ok().map(|(op, _)| op.id.as_str());
        if op == Some(operation) {
            edit(a)
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unbroken_mock_passes_every_behaviour_check() {
    let report = run_broken(&[], unchanged(), untouched()).await;
    assert!(report.passed(), "{}", report.summary());
    // Every check of the behaviour part, as the registry says.
    let behaviour = Check::ALL.iter().copied().filter(|c| c.part() == Phase::Behaviour);
    for check in behaviour {
        assert!(report.results_of(check).count() > 0, "{check} never ran");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_filter_ignored_fails_filter_conformance() {
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for op in all_operations() {
        for filter in filters(op) {
            if matches!(filter.rule, FilterRule::Unchecked { .. }) {
                continue;
            }
            let (id, name) = (op.id.as_str(), filter.parameter.name.as_str());
            cases.push((on(id, move |s| s.drop_query(name)), untouched()));
            expected.push((id, name));
        }
    }
    assert!(expected.len() >= 25, "{expected:?}");
    for (report, (op, name)) in
        run_all(&[Check::FilterConformance], cases).await.iter().zip(expected)
    {
        assert_fails(report, op, Check::FilterConformance, &format!("filter_conformance: {name}"));
    }
}

/// Sorts by `key` the other way round than asked: `key:asc` answered as `key:desc` and back.
fn reversed(key: String) -> Rewrite {
    Arc::new(move |s: &mut Sent| {
        let asked = s.query("sort");
        let flipped = match asked.first().and_then(|v| v.split_once(':')) {
            Some((k, "asc")) if k == key => format!("{k}:desc"),
            Some((k, "desc")) if k == key => format!("{k}:asc"),
            _ => return,
        };
        s.set_query("sort", &flipped);
    })
}

/// Each documented sort key of each list, answered in the other direction, fails
/// `sort_conformance` naming that key and direction, unless the data cannot show the order
/// (then the check must say so with a skip, never a pass).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_sort_key_reversed_fails_sort_conformance() {
    let lists: Vec<(&str, Vec<String>)> = all_operations()
        .filter_map(|op| sort_default(op).map(|(rule, _)| (op.id.as_str(), rule.keys)))
        .collect();
    let keys: BTreeSet<String> = lists.iter().flat_map(|(_, keys)| keys.iter().cloned()).collect();
    let cases = keys.iter().map(|key| (reversed(key.clone()), untouched())).collect();
    let mut judged = Vec::new();
    for (report, key) in run_all(&[Check::SortConformance], cases).await.iter().zip(&keys) {
        for (op, _) in lists.iter().filter(|(_, keys)| keys.contains(key)) {
            for word in ["asc", "desc"] {
                let case = format!("sort_conformance: {key}:{word}");
                if report.skipped.iter().any(|s| s.operation == *op && s.case == case) {
                    continue;
                }
                assert_fails(report, op, Check::SortConformance, &case);
                judged.push(format!("{op} {key}:{word}"));
            }
        }
    }
    // Only status (all items alike in the mock) and CSBS's protected_at (no item shows it)
    // may be skipped: every other key and direction of the three lists is judged.
    assert!(judged.len() >= 20, "{judged:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_counts_and_pages_broken_fail_their_checks() {
    let keep_exact = |key: &'static str, field: &'static str| {
        Arc::new(move |a: &mut Answer| {
            let query = a.path.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
            let wanted: Option<String> = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned());
            if let (Some(wanted), true) = (wanted, a.is("GET", "/checkpoint_items")) {
                a.edit_json(|v| {
                    if let Some(items) = v["checkpoint_items"].as_array_mut() {
                        items.retain(|i| {
                            i.pointer(field).and_then(Value::as_str) == Some(wanted.as_str())
                        });
                    }
                });
            }
        }) as Tamper
    };
    let plus_one = |pointer: &'static str| {
        move |a: &mut Answer| {
            a.edit_json(|v| {
                if let Some(n) = v.pointer(pointer).and_then(Value::as_u64) {
                    *v.pointer_mut(pointer).unwrap() = json!(n + 1);
                }
            })
        }
    };
    let drop_everywhere =
        |key: &'static str| Arc::new(move |s: &mut Sent| s.drop_query(key)) as Rewrite;
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        (
            unchanged(),
            keep_exact("name", "/name"),
            "listBackups",
            Check::FilterConformance,
            "filter_conformance: name",
        ),
        (
            unchanged(),
            keep_exact("resource_name", "/extend_info/resource_name"),
            "listBackups",
            Check::FilterConformance,
            "filter_conformance: resource_name",
        ),
        (
            drop_everywhere("sort"),
            untouched(),
            "listPolicies",
            Check::SortConformance,
            "sort_conformance: name:asc",
        ),
        (
            drop_everywhere("sort"),
            untouched(),
            "listBackups",
            Check::SortConformance,
            "sort_conformance: name:asc",
        ),
        (
            drop_everywhere("sort"),
            untouched(),
            "listCbrBackups",
            Check::SortConformance,
            "sort_conformance: name:asc",
        ),
        (
            drop_everywhere("limit"),
            untouched(),
            "listBackups",
            Check::PaginationConformance,
            "pagination_conformance: limit",
        ),
        (
            drop_everywhere("marker"),
            untouched(),
            "listPolicies",
            Check::PaginationConformance,
            "pagination_conformance: marker",
        ),
        (
            drop_everywhere("offset"),
            untouched(),
            "listCbrBackups",
            Check::PaginationConformance,
            "pagination_conformance: offset",
        ),
        (
            untouched_rewrite_offset_past(),
            untouched(),
            "listBackups",
            Check::PaginationConformance,
            "offset past the end",
        ),
        (
            unchanged(),
            answers_of("countBackups", plus_one("/count")),
            "countBackups",
            Check::CountConformance,
            "count_conformance",
        ),
        (
            unchanged(),
            answers_of("listCbrBackups", plus_one("/count")),
            "listCbrBackups",
            Check::CountConformance,
            "count_conformance",
        ),
    ];
    assert_each_fails(cases).await;
}

/// Faults that the whole list hides: each needs a small page, a page of all but one, a filter
/// on a short page, or a filter value that is nearly an item's to show.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_the_whole_list_hides_fail_their_checks() {
    let drop_after_marker = answers_of("listPolicies", |a| {
        if a.path.contains("marker=") {
            a.edit_json(|v| {
                if let Some(items) = v["policies"].as_array_mut().filter(|i| !i.is_empty()) {
                    items.remove(0);
                }
            })
        }
    });
    // listBackups filters the page after cutting it: the rewrite sends resource_id's page
    // unfiltered and the tamper keeps that page's matches.
    let held: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let (hold, take) = (held.clone(), held);
    let cut_then_filter = on("listBackups", move |s| {
        let wanted = s.query("resource_id");
        let short = s.query("limit").first().is_some_and(|l| l != "1000");
        if let (Some(id), true) = (wanted.first(), short) {
            *hold.lock().unwrap() = Some(id.clone());
            s.drop_query("resource_id");
        }
    });
    let filter_page = answers_of("listBackups", move |a| {
        if let Some(id) = take.lock().unwrap().take() {
            a.edit_json(|v| {
                if let Some(items) = v["checkpoint_items"].as_array_mut() {
                    items.retain(|i| i["resource_id"] == json!(id));
                }
            })
        }
    });
    let limit_plus_one = on("listBackups", |s| {
        let limit = s.query("limit").first().and_then(|l| l.parse::<u32>().ok());
        if let Some(limit) = limit.filter(|l| (3..1000).contains(l)) {
            s.set_query("limit", &(limit + 1).to_string());
        }
    });
    let count_of_the_page = answers_of("listCbrBackups", |a| {
        a.edit_json(|v| {
            let listed = v["backups"].as_array().map_or(0, Vec::len);
            v["count"] = json!(listed);
        })
    });
    let policies_ilike = ilike("listPolicies", "name", "policies");
    let backups_ilike = ilike("listBackups", "resource_id", "checkpoint_items");
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        (
            policies_ilike.0,
            policies_ilike.1,
            "listPolicies",
            Check::FilterConformance,
            "filter_conformance: name near miss",
        ),
        (
            backups_ilike.0,
            backups_ilike.1,
            "listBackups",
            Check::FilterConformance,
            "filter_conformance: resource_id near miss",
        ),
        (
            unchanged(),
            drop_after_marker,
            "listPolicies",
            Check::PaginationConformance,
            "pagination_conformance: marker",
        ),
        (
            cut_then_filter,
            filter_page,
            "listBackups",
            Check::FilterConformance,
            "filter_conformance: resource_id with a page as long as the matches",
        ),
        (
            limit_plus_one,
            untouched(),
            "listBackups",
            Check::PaginationConformance,
            "pagination_conformance: limit of all but one",
        ),
        (
            unchanged(),
            count_of_the_page,
            "listCbrBackups",
            Check::CountConformance,
            "count_conformance: on a page",
        ),
    ];
    assert_each_fails(cases).await;
}

/// A whole-value filter `key` of `op` answered as SQL's `ILIKE '%value%'`: the rewrite sends
/// the list unfiltered, the tamper keeps the items whose `key` contains the value in any case.
fn ilike(op: &'static str, key: &'static str, items: &'static str) -> (Rewrite, Tamper) {
    let held: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let (hold, take) = (held.clone(), held);
    let rewrite = on(op, move |s| {
        if let Some(value) = s.query(key).first() {
            *hold.lock().unwrap() = Some(value.to_lowercase());
            s.drop_query(key);
        }
    });
    let tamper = answers_of(op, move |a| {
        if let Some(wanted) = take.lock().unwrap().take() {
            a.edit_json(|v| {
                if let Some(list) = v[items].as_array_mut() {
                    list.retain(|i| {
                        i[key].as_str().is_some_and(|n| n.to_lowercase().contains(&wanted))
                    });
                }
            })
        }
    });
    (rewrite, tamper)
}

/// A show that writes a listed object otherwise (a time in another zone, another name) fails
/// list_show_agreement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_show_that_disagrees_with_its_list_fails_list_show_agreement() {
    let cases: Vec<(Tamper, &str)> = vec![
        (
            answers_of("showBackup", |a| {
                a.edit_json(|v| v["checkpoint_item"]["created_at"] = json!("2001-01-01T08:00:00"))
            }),
            "showBackup",
        ),
        (
            answers_of("showPolicy", |a| a.edit_json(|v| v["policy"]["name"] = json!("other"))),
            "showPolicy",
        ),
    ];
    let runs = cases.iter().map(|(t, _)| (unchanged(), t.clone())).collect();
    for (report, (_, op)) in run_all(&[Check::ListShowAgreement], runs).await.iter().zip(cases) {
        assert_fails(report, op, Check::ListShowAgreement, "list_show_agreement");
    }
}

/// The mock's protectResource URL for `server` (its default project).
fn protect_url(mock: &csbs_mock::RunningMock, server: &str) -> String {
    let base = mock.base_url().trim_end_matches('/').to_owned();
    let project = csbs_mock::DEFAULT_PROJECT_ID;
    let protect = csbs_spec::operations::find_operation("protectResource").expect("documented");
    let provider = csbs_spec::behaviour::provider_id(protect, "provider_id").expect("one value");
    format!("{base}/v1/{project}/providers/{provider}/resources/{server}/action")
}

/// A list longer than the marker walk goes (60 pages of 2) is judged on the part walked, not
/// failed for the items the walk never reached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_longer_than_the_marker_walk_passes() {
    let mock = mock_configured(|config| config.protect_delay = Duration::ZERO).await;
    let url = protect_url(&mock, csbs_conformance::MOCK_SERVERS[0]);
    let client = csbs_auth::tls::client_builder().no_proxy().build().expect("a client");
    for n in 0..130 {
        let body = json!({"protect": {"backup_name": format!("bulk-{n}")}});
        let sent =
            client.post(&url).header("X-Auth-Token", crate::support::PROXY_TOKEN).json(&body);
        let status = sent.send().await.expect("the mock answers").status();
        assert!(status.is_success(), "protect {n}: {status}");
    }
    let paging = [Check::PaginationConformance];
    let report = run_broken_on(mock, &paging, unchanged(), untouched()).await;
    assert!(report.passed(), "{}", report.summary());
    let walked = report
        .results_of(Check::PaginationConformance)
        .filter(|r| r.operation == "listBackups" && r.case == "pagination_conformance: marker");
    // The walk's pages, each within its limit, and the walk's own verdict.
    assert!(walked.count() > 60);
}

/// `first_backup_full` deletes only what the run made: when every server it was given
/// already holds a backup made before the run, it skips saying so, and those backups stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_backup_full_skips_when_every_server_holds_backups_the_run_did_not_make() {
    let mock = mock_configured(|config| config.protect_delay = Duration::ZERO).await;
    let client = csbs_auth::tls::client_builder().no_proxy().build().expect("a client");
    for server in csbs_conformance::MOCK_SERVERS {
        let url = protect_url(&mock, server);
        let body = json!({"protect": {"backup_name": format!("before-{server}")}});
        let sent =
            client.post(&url).header("X-Auth-Token", crate::support::PROXY_TOKEN).json(&body);
        assert!(sent.send().await.expect("the mock answers").status().is_success());
    }
    let base = mock.base_url().trim_end_matches('/').to_owned();
    let list = format!("{base}/v1/{}/checkpoint_items", csbs_mock::DEFAULT_PROJECT_ID);
    let count = || async {
        let sent = client.get(&list).header("X-Auth-Token", crate::support::PROXY_TOKEN);
        let body: Value = sent.send().await.expect("an answer").json().await.expect("JSON");
        body["checkpoint_items"].as_array().map_or(0, Vec::len)
    };
    let before = count().await;
    let checks = [Check::FirstBackupFull];
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    let proxy = crate::support::proxy(upstream, |_| {}).await;
    let options = RunOptions { checks: checks.to_vec(), ..proxied_options(&proxy.url) };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    let skip = report.skipped.iter().find(|s| s.check == Check::FirstBackupFull);
    let reason = skip.map(|s| s.reason.as_str()).unwrap_or_default();
    assert!(reason.contains("backups the run did not make"), "{}", report.summary());
    assert_eq!(count().await, before, "the backups made before the run stay");
    drop(proxy);
    mock.shutdown().await;
}

/// A list of two items is paged one by one rather than left unjudged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_items_are_enough_to_judge_paging() {
    let unseeded = mock_configured(|config| config.seed_examples = false).await;
    let paging = [Check::PaginationConformance, WRITES];
    let report = run_broken_on(unseeded, &paging, unchanged(), untouched()).await;
    assert!(report.passed(), "{}", report.summary());
    let judged = |op: &str| {
        report.results_of(Check::PaginationConformance).filter(|r| r.operation == op).count()
    };
    assert!(judged("listPolicies") > 0, "{}", report.summary());
    let unseeded = mock_configured(|config| config.seed_examples = false).await;
    let drop_after_marker = answers_of("listPolicies", |a| {
        if a.path.contains("marker=") {
            a.edit_json(|v| v["policies"] = json!([]))
        }
    });
    let report = run_broken_on(unseeded, &paging, unchanged(), drop_after_marker).await;
    assert_fails(&report, "listPolicies", Check::PaginationConformance, "marker");
}

/// An offset past the end answered with the first page, as an endpoint that ignores it does.
fn untouched_rewrite_offset_past() -> Rewrite {
    Arc::new(|s: &mut Sent| {
        let past =
            s.query("offset").first().and_then(|o| o.parse::<u64>().ok()).is_some_and(|o| o > 2);
        if past {
            s.drop_query("offset");
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_are_not_read_back_fail_read_after_write() {
    let cases: Vec<(Rewrite, Tamper, &str, &str)> = vec![
        // A protect answering a record for another server.
        (
            unchanged(),
            answers_of("protectResource", |a| {
                a.edit_json(|v| {
                    for r in v["checkpoint"]["protection_plan"]["resources"]
                        .as_array_mut()
                        .into_iter()
                        .flatten()
                    {
                        r["id"] = json!("another-server");
                    }
                })
            }),
            "protectResource",
            "protect a server: the answer",
        ),
        // An update answered 200 that changes nothing.
        (
            on("updatePolicy", |s| s.body = br#"{"policy":{}}"#.to_vec()),
            untouched(),
            "updatePolicy",
            "change policy a: the answer",
        ),
        (
            on("updatePolicy", |s| s.body = br#"{"policy":{}}"#.to_vec()),
            untouched(),
            "showPolicy",
            "change policy a: then showPolicy",
        ),
        // An update that replaces the policy: the resources it did not send are cleared.
        (
            on("updatePolicy", |s| {
                s.edit_json(|v| {
                    if v["policy"].get("resources").is_none() {
                        v["policy"]["resources"] = json!([]);
                    }
                })
            }),
            untouched(),
            "showPolicy",
            "change policy a: members not sent are kept",
        ),
        // A policy run whose backups are of other servers.
        (
            unchanged(),
            answers_of("listBackups", |a| {
                a.edit_json(|v| {
                    for item in v["checkpoint_items"].as_array_mut().into_iter().flatten() {
                        if item["name"].as_str().is_some_and(|n| n.starts_with("manualbk_")) {
                            item["resource_id"] = json!("another-server");
                        }
                    }
                })
            }),
            "executePolicy",
            "a run backs up the policy's servers",
        ),
        // A created policy listed without its description.
        (
            unchanged(),
            answers_of("listPolicies", |a| {
                a.edit_json(|v| {
                    for p in v["policies"].as_array_mut().into_iter().flatten() {
                        p["description"] = json!("something else");
                    }
                })
            }),
            "listPolicies",
            "create policy a: then listPolicies",
        ),
    ];
    let runs: Vec<(Rewrite, Tamper)> =
        cases.iter().map(|(r, t, ..)| (r.clone(), t.clone())).collect();
    let reports = run_all(&[Check::ReadAfterWrite], runs).await;
    for (report, (_, _, op, case)) in reports.iter().zip(cases) {
        assert_fails(report, op, Check::ReadAfterWrite, case);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_domain_error_answered_otherwise_fails_domain_error_conformance() {
    let codes: BTreeSet<String> =
        all_operations().flat_map(domain_errors).filter_map(|e| e.code).collect();
    let mut cases = Vec::new();
    for code in &codes {
        let code = code.clone();
        let tamper = Arc::new(move |a: &mut Answer| {
            if a.status >= 400 && a.body.windows(code.len()).any(|w| w == code.as_bytes()) {
                a.status = 400;
                a.body = br#"{"error_code":"CSBS.9001","error_msg":"provider invalid"}"#.to_vec();
            }
        }) as Tamper;
        cases.push((unchanged(), tamper));
    }
    // Accepting a duplicate name or a server bound to another policy.
    let unique_name = on("createPolicy", |s| {
        s.edit_json(|v| {
            if v["policy"]["name"].as_str().is_some_and(|n| n.ends_with("-a2")) {
                v["policy"]["name"] = json!("made-unique-by-the-proxy");
            }
        })
    });
    let unbound = on("createPolicy", |s| {
        s.edit_json(|v| {
            if v["policy"]["description"] == "behaviour: bound server" {
                v["policy"]["resources"] = json!([]);
            }
        })
    });
    cases.push((unique_name, untouched()));
    cases.push((unbound, untouched()));
    let judging = [Check::DomainErrorConformance, Check::DuplicateNameRejection];
    let reports = run_all(&judging, cases).await;
    // Duplicate names are judged by their own check, which names the code in its failure.
    let judged_by = |c: &str, k: &str, code: &str| {
        (c == "domain_error_conformance" && k.contains(code))
            || (c == "duplicate_name_rejection" && code == "CSBS.9007")
    };
    for (report, code) in reports.iter().zip(&codes) {
        let found = failures(report);
        assert!(
            found.iter().any(|(_, c, k)| judged_by(c, k, code)),
            "answering {code} otherwise was not caught: {found:?}"
        );
    }
    let n = codes.len();
    assert_fails(&reports[n], "createPolicy", Check::DuplicateNameRejection, "renamed to it");
    assert_fails(&reports[n + 1], "createPolicy", Check::DomainErrorConformance, "CSBS.6004");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_quotas_and_lifecycles_broken_fail_their_checks() {
    let project = csbs_mock::DEFAULT_PROJECT_ID;
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        // Another project's path served as the run's own.
        (
            Arc::new(move |s: &mut Sent| {
                let parts: Vec<&str> = s.path.splitn(4, '/').collect();
                if parts.len() == 4 && parts[2] != project && s.method == "GET" {
                    s.path = format!("/{}/{project}/{}", parts[1], parts[3]);
                }
            }),
            untouched(),
            "showQuotas",
            Check::ProjectIsolation,
            "another project's path",
        ),
        // all_tenants honoured for a non-admin credential.
        (
            Arc::new(|s: &mut Sent| s.drop_query("all_tenants")),
            untouched(),
            "listBackups",
            Check::ProjectIsolation,
            "all_tenants=true",
        ),
        // Quotas that never move.
        (
            unchanged(),
            answers_of("showQuotas", |a| {
                a.edit_json(|v| {
                    for r in v["quotas"]["resources"].as_array_mut().into_iter().flatten() {
                        r["used"] = json!(0);
                    }
                })
            }),
            "showQuotas",
            Check::QuotaUsage,
            "after a backup",
        ),
        // A second deletion accepted while the first is under way.
        (
            unchanged(),
            answers_of("deleteCheckpoint", |a| {
                if a.status == 400 {
                    a.status = 200;
                    a.body = b"{}".to_vec();
                }
            }),
            "deleteCheckpoint",
            Check::LifecycleConformance,
            "deleting it again",
        ),
        // A new backup that ends in error instead of available.
        (
            unchanged(),
            answers_of("listBackups", |a| {
                a.edit_json(|v| {
                    for item in v["checkpoint_items"].as_array_mut().into_iter().flatten() {
                        if item["name"].as_str().is_some_and(|n| n.ends_with("-life")) {
                            item["status"] = json!("error");
                        }
                    }
                })
            }),
            "listBackups",
            Check::LifecycleConformance,
            "a new backup",
        ),
    ];
    assert_each_fails(cases).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_is_waited_out_and_reported_apart() {
    // Paging alone sends its reads at once, well above a budget of 10 a second (the whole part
    // would only spend longer being throttled and paced).
    let mock = slow_mock(Some(10)).await;
    let url = mock.base_url().trim_end_matches('/').to_owned();
    let paging = vec![Check::PaginationConformance];
    let options = RunOptions {
        only: vec![Phase::Behaviour],
        checks: paging.clone(),
        ..proxied_options(&url)
    };
    let report = bounded(run_suite(options)).await.expect("the mock is reachable");
    assert!(
        report.throttling.answered_429 > 0,
        "the budget was never met: {:?}",
        report.throttling
    );
    assert!(report.passed(), "throttling is not a conformance failure:\n{}", report.summary());
    assert!(report.summary().contains("Throttling (not a conformance failure)"));
    mock.shutdown().await;
    // Paced below the budget, the gateway never throttles (a fresh mock: the first run's last
    // requests must not count in the second's first window).
    let mock = slow_mock(Some(40)).await;
    let url = mock.base_url().trim_end_matches('/').to_owned();
    let options = RunOptions {
        only: vec![Phase::Behaviour],
        checks: paging,
        rate_limit: Some(25.0),
        ..proxied_options(&url)
    };
    let report = bounded(run_suite(options)).await.expect("the mock is reachable");
    assert_eq!(report.throttling.answered_429, 0, "{:?}", report.throttling);
    mock.shutdown().await;
}

/// A mock whose project holds more backups than a page of listBackups may (its `max-limit`).
async fn crowded_mock() -> csbs_mock::RunningMock {
    let max = csbs_spec::operations::find_operation("listBackups")
        .and_then(csbs_spec::behaviour::pagination)
        .and_then(|p| p.max_limit)
        .expect("listBackups has a max-limit");
    let count = usize::try_from(max).unwrap() + 1;
    let project = csbs_mock::DEFAULT_PROJECT_ID;
    csbs_mock::bulk::spawn_with_backups(mock_config(), project, count, 10).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_answering_more_than_its_max_limit_fails_max_limit_conformance() {
    let only = [Check::MaxLimitConformance];
    let honest = run_broken_on(crowded_mock().await, &only, unchanged(), untouched()).await;
    assert!(honest.passed(), "{}", honest.summary());
    let judged: Vec<&str> =
        honest.results_of(Check::MaxLimitConformance).map(|r| r.operation.as_str()).collect();
    assert!(judged.contains(&"listBackups"), "judged on {judged:?}");
    // An endpoint that ignores the cap: a page asked for more than 1000 items holds one more.
    let ignores_the_cap = answers_of("listBackups", |a: &mut Answer| {
        let query = a.path.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let limit = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "limit");
        let asked: usize = limit.and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
        if asked > 1000 {
            a.edit_json(|v| {
                if let Some(items) = v["checkpoint_items"].as_array_mut() {
                    let extra = items.last().cloned();
                    items.extend(extra);
                }
            });
        }
    });
    let faulty = run_broken_on(crowded_mock().await, &only, unchanged(), ignores_the_cap).await;
    assert_fails(&faulty, "listBackups", Check::MaxLimitConformance, "limit above max-limit");
    let message: Vec<&str> =
        faulty.failures().filter_map(|f| Some(f.failure.as_ref()?.message.as_str())).collect();
    let message = message.join("\n");
    assert!(message.contains("answered 1001 items; x-pagination max-limit is 1000"), "{message}");
}

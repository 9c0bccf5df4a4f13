//! The JUnit and JSON reports are well-formed and say what the summary says; JUnit test cases
//! are named by what was tested, never by how it went.

use crate::report_files::{quotas_as_text, seeded, SEED};
use crate::support::{bounded, mock, proxy, Answer};
use csbs_conformance::checks::Permission;
use csbs_conformance::report::{Format, ReportFile};
use csbs_conformance::{run_suite, Report};
use std::path::PathBuf;

fn temp_file(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir.join(name)
}

/// The (suite, classname, name) of every test case of a JUnit report, and its seed property.
fn identities(report: &Report) -> (Vec<(String, String, String)>, Option<String>) {
    let path = temp_file(&format!("junit-{}.xml", uuid_like()));
    ReportFile { format: Format::Junit, path: path.clone() }.write(report).expect("written");
    let xml = std::fs::read_to_string(&path).expect("readable");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit");
    let mut ids = Vec::new();
    let mut seed = None;
    for suite in &parsed.test_suites {
        for p in &suite.properties {
            if p.name.as_str() == "seed" {
                seed = Some(p.value.to_string());
            }
        }
        for case in &suite.test_cases {
            let classname = case.classname.as_ref().map(|c| c.to_string()).unwrap_or_default();
            ids.push((suite.name.to_string(), classname, case.name.to_string()));
        }
    }
    (ids, seed)
}

fn uuid_like() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

async fn seeded_run(tamper: fn(&mut Answer)) -> Report {
    let mock = mock().await;
    let proxy = proxy(mock.base_url().trim_end_matches('/').to_owned(), tamper).await;
    let report = bounded(run_suite(seeded(&proxy.url))).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_test_cases_keep_their_identity_whatever_the_outcome() {
    let passing = seeded_run(|_| {}).await;
    let broken = seeded_run(quotas_as_text).await;
    assert!(passing.passed(), "{}", passing.summary());
    assert!(broken.failed_count() > 0);
    let (mut passed_ids, seed) = identities(&passing);
    let (mut broken_ids, _) = identities(&broken);
    assert_eq!(seed, Some(SEED.to_string()), "the seed is a suite property");
    for ids in [&mut passed_ids, &mut broken_ids] {
        let all = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all, "a test case identity repeats within its suite");
    }
    let only_passing: Vec<_> = passed_ids.iter().filter(|i| !broken_ids.contains(i)).collect();
    let only_broken: Vec<_> = broken_ids.iter().filter(|i| !passed_ids.contains(i)).collect();
    assert!(
        only_passing.is_empty() && only_broken.is_empty(),
        "identities differ with the outcome:\nonly when passing: {only_passing:#?}\nonly when broken: {only_broken:#?}"
    );
    let xml = broken.to_junit().expect("JUnit");
    assert!(xml.contains("content_type_conformance") && xml.contains("curl -sS -i -X GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_has_verdicts_exchanges_and_cleanup() {
    let report = crate::support::whole_run().await;
    let path = temp_file("report.json");
    ReportFile { format: Format::Json, path: path.clone() }.write(report).expect("written");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("readable")).expect("JSON");
    for key in [
        "tool",
        "target",
        "started_at",
        "duration_ms",
        "results",
        "skipped",
        "exchanges",
        "cleanup",
    ] {
        assert!(json.get(key).is_some(), "no {key}");
    }
    assert_eq!(json["results"].as_array().map(Vec::len), Some(report.results.len()));
    let first = &json["exchanges"][0];
    assert!(first["curl"].as_str().is_some_and(|c| c.starts_with("curl ")));
    assert!(json["results"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|r| r["check"].is_string() && r["passed"].is_boolean()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_models_verdicts_stand_apart_from_the_operations_and_the_count_says_what_is_kept() {
    let report = crate::support::whole_run().await;
    let summary = report.summary();
    // "By operation" lists the spec's operations only; the model's histories (once a row
    // `model` among them) have a table of their own.
    let table = |heading: &str| -> Vec<&str> {
        let mut lines = summary.lines().skip_while(|l| !l.starts_with(heading)).skip(1);
        std::iter::from_fn(|| lines.next().filter(|l| l.starts_with("  "))).collect()
    };
    let operations = table("By operation");
    assert!(operations.iter().any(|l| l.trim_start().starts_with("listPolicies ")), "{summary}");
    assert!(!operations.iter().any(|l| l.trim_start().starts_with("model ")), "{summary}");
    // Beside the model, a part whose check judged nothing has its skip there.
    let across = table("Across operations");
    assert!(across.iter().any(|l| l.trim_start().starts_with("model ")), "{summary}");
    assert!(!across.iter().any(|l| l.trim_start().starts_with("listPolicies ")), "{summary}");
    // The request count says what the kept exchanges are.
    let count = summary.lines().rev().nth(1).unwrap_or_default();
    let kept = format!(
        "; {} kept in the report with their answers (generated cases that passed",
        report.exchanges.len()
    );
    assert!(count.starts_with(&format!("{} requests in ", report.requests)), "{count}");
    assert!(count.contains(&kept), "{count}");
    let html = report.to_html(None);
    assert!(html.contains("kept with their answers and verdicts (generated cases"));
    let matrix = html.split("Operations × checks").nth(1).expect("the matrix");
    let matrix = matrix.split("</table>").next().unwrap_or_default();
    let model_row = matrix.find("<tr><th>model (across operations)</th>").expect("its row");
    assert!(matrix.find("<tr><th>updatePolicy</th>").is_some_and(|op| op < model_row));
}

#[test]
fn a_report_into_a_missing_folder_is_refused_before_the_run() {
    let file: ReportFile = "json=/nonexistent-folder-for-sure/r.json".parse().expect("parses");
    assert!(file.check_writable().unwrap_err().contains("does not exist"));
}

#[test]
fn the_readme_lists_every_check_as_the_registry_has_it() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README sits at the workspace root");
    for check in csbs_conformance::Check::ALL {
        let flag = |p: Permission| match p {
            Permission::ReadOnly => "",
            Permission::Mutations => "`--allow-mutations`",
            Permission::Restores => "`--allow-restore`",
        };
        let needs = match check.more() {
            None => flag(check.needs()).to_owned(),
            Some(more) => format!("{} (restores: {})", flag(check.needs()), flag(more)),
        };
        let (name, part, proves) = (check.name(), check.part(), check.proves());
        let row = format!("| `{name}` | {part} | {proves} | {needs} |");
        assert!(readme.contains(&row), "README.md lacks (or has another text for) the row:\n{row}");
    }
}

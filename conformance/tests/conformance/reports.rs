//! The JUnit and JSON reports are well-formed and say what the summary says.

use crate::support::{bounded, run_tampered};
use csbs_conformance::checks::Permission;
use csbs_conformance::report::{Format, ReportFile};
use csbs_conformance::{run_suite, RunOptions};
use std::path::PathBuf;

fn temp_file(name: &str) -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir.join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_junit_report_parses_back_with_every_verdict() {
    let report = run_tampered(|a| {
        if a.is("GET", "/quotas") {
            a.status = 500;
        }
    })
    .await;
    let path = temp_file("junit.xml");
    ReportFile { format: Format::Junit, path: path.clone() }.write(&report).expect("written");
    let xml = std::fs::read_to_string(&path).expect("readable");
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("well-formed JUnit");
    let cases: usize = parsed.test_suites.iter().map(|s| s.test_cases.len()).sum();
    assert_eq!(cases, report.results.len() + report.skipped.len());
    assert_eq!(parsed.failures, report.failed_count());
    let failing = parsed
        .test_suites
        .iter()
        .find(|s| s.name.as_str() == "showQuotas")
        .expect("a suite per operation");
    assert!(failing.failures > 0);
    assert!(xml.contains("not_a_server_error") && xml.contains("curl -sS -i -X GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_has_verdicts_exchanges_and_cleanup() {
    let report = bounded(run_suite(RunOptions::default())).await.expect("runs");
    let path = temp_file("report.json");
    ReportFile { format: Format::Json, path: path.clone() }.write(&report).expect("written");
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
        let needs = match check.needs() {
            Permission::ReadOnly => "",
            Permission::Mutations => "`--allow-mutations`",
            Permission::Restores => "`--allow-restore`",
        };
        let (name, part, proves) = (check.name(), check.part(), check.proves());
        let row = format!("| `{name}` | {part} | {proves} | {needs} |");
        assert!(readme.contains(&row), "README.md lacks (or has another text for) the row:\n{row}");
    }
}

//! Check selection (`--checks`, `--exclude-checks`): a run judges exactly the named checks and
//! sends only what their scenarios send; an unknown name is refused with the list of names.

use crate::support::bounded;
use csbs_conformance::{run_suite, Check, Phase, Report, RunOptions};
use std::collections::BTreeSet;

fn judged(report: &Report) -> BTreeSet<Check> {
    report.results.iter().map(|r| r.check).chain(report.skipped.iter().map(|s| s.check)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_checks_are_the_only_ones_judged_and_their_scenarios_the_only_ones_sent() {
    let named = [Check::SortConformance, Check::ListShowAgreement];
    let options = RunOptions { checks: named.to_vec(), ..RunOptions::default() };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    assert_eq!(judged(&report), BTreeSet::from(named), "{}", report.summary());
    for check in named {
        assert!(report.results_of(check).count() > 0, "{check} was not judged");
    }
    // Sorting and list-versus-show read: nothing was created, replayed or generated.
    for x in &report.exchanges {
        assert_eq!(x.request.method, "GET", "{} {} was sent", x.operation, x.case);
    }
    assert!(report.properties.is_empty() && report.cleanup.deleted.is_empty());
}

/// A check that nothing in the run gave anything to judge (the mock sends no documented
/// response header: only a 429 has one) is a skip with a reason, not a silent "0 failed".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_check_that_found_nothing_to_judge_is_a_skip_with_its_reason() {
    let named = Check::ResponseHeadersConformance;
    let options = RunOptions { checks: vec![named], ..RunOptions::default() };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    assert_eq!(report.results_of(named).count(), 0, "{}", report.summary());
    let skips: Vec<_> = report.skipped.iter().filter(|s| s.check == named).collect();
    assert_eq!(skips.len(), 1, "{}", report.summary());
    assert!(skips[0].reason.contains("found nothing to judge"), "{}", skips[0].reason);
    assert!(report.summary().contains("1 skipped"), "{}", report.summary());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excluded_checks_are_not_judged_and_a_part_left_without_checks_sends_nothing() {
    let options = RunOptions {
        only: vec![Phase::Spec, Phase::Auth],
        exclude_checks: vec![Check::IgnoredAuth, Check::ExampleCoverage],
        ..RunOptions::default()
    };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    assert_eq!(judged(&report), BTreeSet::from([Check::ExampleValidity]));
    assert!(report.exchanges.is_empty(), "the auth probes ran without ignored_auth");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_that_works_on_written_objects_has_them_written_unjudged() {
    let options =
        RunOptions { checks: vec![Check::DomainErrorConformance], ..RunOptions::default() };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    assert_eq!(judged(&report), BTreeSet::from([Check::DomainErrorConformance]));
    // The policies `read_after_write` writes were made (the bound-server error needs one)...
    assert!(report.exchanges.iter().any(|x| x.case.starts_with("read_after_write: create")));
    // ... and a server bound to one was provoked on them, and judged.
    let duplicate = report
        .results_of(Check::DomainErrorConformance)
        .any(|r| r.operation == "createPolicy" && r.passed && r.case.contains("resources"));
    assert!(duplicate, "{}", report.summary());
    // What it made, the cleanup deleted.
    assert!(report.cleanup.left_behind.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_check_name_is_refused_with_the_names() {
    let binary = env!("CARGO_BIN_EXE_csbs-conformance");
    let output = bounded(tokio::task::spawn_blocking(move || {
        std::process::Command::new(binary)
            .args(["--checks", "filter_conformance,sort_conformanse"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("the binary runs")
    }))
    .await
    .expect("joined");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown check `sort_conformanse`"), "{stderr}");
    assert!(stderr.contains("did you mean sort_conformance?"), "{stderr}");
    for check in Check::ALL {
        assert!(stderr.contains(check.name()), "{} is not listed: {stderr}", check.name());
    }
    assert!(output.stdout.is_empty(), "the run started");
}

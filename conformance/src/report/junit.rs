//! The JUnit XML report: one test suite per operation, one test case per verdict or skip.

use super::model::Report;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

impl Report {
    /// The report as JUnit XML.
    pub fn to_junit(&self) -> Result<String, String> {
        let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
        for r in &self.results {
            let status = match &r.failure {
                None => TestCaseStatus::success(),
                Some(f) => {
                    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    status.set_message(format!("{} (rule: {}): {}", r.check, f.rule, f.message));
                    status.set_type(r.check.name());
                    if let Some(x) = self.exchange_of(r) {
                        let response = match (x.status, &x.error) {
                            (_, Some(e)) => format!("no response: {e}"),
                            (Some(s), None) => format!("{s}\n{}", x.body),
                            (None, None) => String::new(),
                        };
                        status.set_description(format!(
                            "request: {} {}\nresponse: {response}\nreproduce: {}",
                            x.request.method, x.request.url, x.curl
                        ));
                    }
                    status
                }
            };
            let mut case = TestCase::new(format!("{} {}", r.case, r.check), status);
            case.set_classname(r.operation.clone());
            if let Some(x) = self.exchange_of(r) {
                case.set_time(Duration::from_millis(x.elapsed_ms));
            }
            suites
                .entry(&r.operation)
                .or_insert_with(|| TestSuite::new(r.operation.clone()))
                .add_test_case(case);
        }
        for s in &self.skipped {
            let mut status = TestCaseStatus::skipped();
            status.set_message(s.reason.clone());
            let mut case = TestCase::new(s.case.clone(), status);
            case.set_classname(s.operation.clone());
            suites
                .entry(&s.operation)
                .or_insert_with(|| TestSuite::new(s.operation.clone()))
                .add_test_case(case);
        }
        let mut report = quick_junit::Report::new("csbs-conformance");
        report.set_time(Duration::from_millis(self.duration_ms));
        report.add_test_suites(suites.into_values());
        report.to_string().map_err(|e| format!("the JUnit report could not be written: {e}"))
    }

    /// The report as pretty JSON (what `--report json=FILE` writes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

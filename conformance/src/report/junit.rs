//! The JUnit XML report: one test suite per operation, one test case per (check, case) of it.
//!
//! A CI keeps a test's history by (classname, name), so a name says what was tested and never
//! how it went: no outcome, no count. Verdicts of the same (operation, check, case) are one
//! test case, failed when any of them failed; a skip is the test case its verdict would be.
//! The seed and the options are properties of every suite.

use super::model::{CheckResult, Report};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// At most this many failures of one test case are described in full.
const DESCRIBED: usize = 5;

impl Report {
    /// The report as JUnit XML.
    pub fn to_junit(&self) -> Result<String, String> {
        let mut cases: BTreeMap<(&str, String), Vec<&CheckResult>> = BTreeMap::new();
        for r in &self.results {
            cases.entry((&r.operation, junit_name(&r.case, r.check.name()))).or_default().push(r);
        }
        let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
        let properties = self.junit_properties();
        let judged: std::collections::BTreeSet<(&str, String)> = cases.keys().cloned().collect();
        for ((operation, name), verdicts) in cases {
            let mut case = TestCase::new(name, self.status_of(&verdicts));
            case.set_classname(operation.to_owned());
            let elapsed: u64 =
                verdicts.iter().filter_map(|r| self.exchange_of(r)).map(|x| x.elapsed_ms).sum();
            case.set_time(Duration::from_millis(elapsed));
            suite(&mut suites, operation, &properties).add_test_case(case);
        }
        // A skip has the identity its verdict would have had: a case skipped in one run and
        // judged in the next keeps its history. Where the same case was also judged, the
        // verdict stands.
        let mut skips: BTreeMap<(&str, String), Vec<&str>> = BTreeMap::new();
        for s in &self.skipped {
            let name = junit_name(&s.case, s.check.name());
            if !judged.contains(&(s.operation.as_str(), name.clone())) {
                skips.entry((&s.operation, name)).or_default().push(&s.reason);
            }
        }
        for ((operation, name), reasons) in skips {
            let mut status = TestCaseStatus::skipped();
            status.set_message(reasons.join("; "));
            let mut case = TestCase::new(name, status);
            case.set_classname(operation.to_owned());
            suite(&mut suites, operation, &properties).add_test_case(case);
        }
        let mut report = quick_junit::Report::new("csbs-conformance");
        report.set_time(Duration::from_millis(self.duration_ms));
        report.add_test_suites(suites.into_values());
        report.to_string().map_err(|e| format!("the JUnit report could not be written: {e}"))
    }

    /// Passed when every verdict passed; otherwise the first failure, with up to
    /// [`DESCRIBED`] failures' request, response and reproduction.
    fn status_of(&self, verdicts: &[&CheckResult]) -> TestCaseStatus {
        let failed: Vec<&&CheckResult> = verdicts.iter().filter(|r| !r.passed).collect();
        let Some(first) = failed.first() else {
            return TestCaseStatus::success();
        };
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        if let Some(f) = &first.failure {
            let more = match failed.len() {
                1 => String::new(),
                n => format!(" (and {} more of {} verdicts)", n - 1, verdicts.len()),
            };
            status.set_message(format!("{} (rule: {}): {}{more}", first.check, f.rule, f.message));
        }
        status.set_type(first.check.name());
        let mut description = String::new();
        for r in failed.iter().take(DESCRIBED) {
            if let Some(f) = &r.failure {
                let _ = writeln!(description, "{} (rule: {}): {}", r.check, f.rule, f.message);
            }
            if let Some(x) = self.exchange_of(r) {
                let response = match (x.status, &x.error) {
                    (_, Some(e)) => format!("no response: {e}"),
                    (Some(s), None) => format!("{s}\n{}", x.body),
                    (None, None) => String::new(),
                };
                let _ = writeln!(
                    description,
                    "request: {} {}\nresponse: {response}\nreproduce: {}\n",
                    x.request.method, x.request.url, x.curl
                );
            }
        }
        status.set_description(description);
        status
    }

    /// The seed and the options, as `<property>`s of each suite.
    fn junit_properties(&self) -> Vec<Property> {
        let o = &self.options;
        let t = &self.target;
        let list =
            |items: Vec<String>| if items.is_empty() { "all".to_owned() } else { items.join(",") };
        let mut properties = vec![
            Property::new("endpoint", t.csbs_url.clone()),
            Property::new("cbr_endpoint", t.cbr_url.clone()),
            Property::new("project_id", t.project_id.clone()),
            Property::new("credential", t.credential),
            Property::new("mutations", t.mutations.to_string()),
            Property::new("restores", t.restores.to_string()),
            Property::new("only", list(o.only.iter().map(|p| p.to_string()).collect())),
            Property::new("cases", o.cases.to_string()),
            Property::new("operations", list(o.operations.clone())),
            Property::new("timeout_ms", o.timeout_ms.to_string()),
            Property::new("max_body_bytes", o.max_body_bytes.to_string()),
            Property::new("max_duration_ms", o.max_duration_ms.to_string()),
            Property::new("wait_ms", o.wait_ms.to_string()),
            Property::new("admin", o.admin.to_string()),
        ];
        if let Some(seed) = self.seed {
            properties.insert(0, Property::new("seed", seed.to_string()));
        }
        if let Some(rate) = o.rate_limit {
            properties.push(Property::new("rate_limit", rate.to_string()));
        }
        properties
    }
}

/// The suite of `operation`, made with `properties` the first time.
fn suite<'m>(
    suites: &'m mut BTreeMap<String, TestSuite>,
    operation: &str,
    properties: &[Property],
) -> &'m mut TestSuite {
    suites.entry(operation.to_owned()).or_insert_with(|| {
        let mut suite = TestSuite::new(operation.to_owned());
        suite.add_properties(properties.iter().cloned());
        suite
    })
}

/// A test case's name: what was sent, then the check.
fn junit_name(case: &str, check: &str) -> String {
    format!("{case} {check}")
}

//! The JSON report (`--report json=FILE`): the [`Report`] as it serializes, plus what scripts
//! should not have to dig out of it: the format's version, the totals, and the failures as
//! structured fields with their exchange, curl and replay command. Its shape is
//! `conformance/schemas/report.schema.json` (a test validates a real report against it);
//! fields are only ever added within a version.

use super::model::{CheckResult, ExchangeView, Report};
use serde::Serialize;
use std::path::Path;

/// The version of the JSON report's shape (`schema_version`); raised when a field changes
/// meaning or goes away, never for an added field.
pub const SCHEMA_VERSION: u32 = 1;

/// How a report names itself in a replay command when its path is not known.
const REPORT_PLACEHOLDER: &str = "REPORT.json";

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a Report,
    totals: Totals,
    failures: Vec<FailureView<'a>>,
}

/// The counts a CI step reads.
#[derive(Serialize)]
struct Totals {
    verdicts: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    requests: u64,
    exchanges_recorded: usize,
    timeouts: u64,
    throttled: u64,
    left_behind: usize,
    /// `passed`, `failed` or `incomplete`.
    outcome: &'static str,
}

/// One failure, numbered from 1 as `replay --failure N` counts them.
#[derive(Serialize)]
struct FailureView<'a> {
    number: usize,
    check: crate::checks::Check,
    operation: &'a str,
    case: &'a str,
    rule: &'a str,
    message: &'a str,
    /// Index into `exchanges`.
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<&'a ExchangeView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    curl: Option<&'a str>,
    /// The command that re-sends the failure's request and judges it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    replay: Option<String>,
}

impl Report {
    /// The report as pretty JSON; `path` is where it goes (its replay commands name it).
    pub fn to_json(&self, path: Option<&Path>) -> String {
        let json = JsonReport {
            schema_version: SCHEMA_VERSION,
            report: self,
            totals: self.totals(),
            failures: self
                .failures_numbered()
                .map(|(n, r)| self.failure_view(n, r, path))
                .collect(),
        };
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// `passed`, `failed` or `incomplete`.
    pub fn outcome(&self) -> &'static str {
        match (&self.interrupted, self.passed()) {
            (Some(_), _) => "incomplete",
            (None, true) => "passed",
            (None, false) => "failed",
        }
    }

    /// The failures with their numbers (from 1), in the order they were found.
    pub fn failures_numbered(&self) -> impl Iterator<Item = (usize, &CheckResult)> {
        self.failures().enumerate().map(|(i, r)| (i + 1, r))
    }

    /// The command that replays failure `number` of the JSON report at `path`.
    pub fn replay_command(number: usize, path: Option<&Path>) -> String {
        let path = path.map_or(REPORT_PLACEHOLDER.to_owned(), |p| p.display().to_string());
        format!("csbs-conformance replay {path} --failure {number}")
    }

    fn totals(&self) -> Totals {
        Totals {
            verdicts: self.results.len(),
            passed: self.passed_count(),
            failed: self.failed_count(),
            skipped: self.skipped.len(),
            requests: self.requests,
            exchanges_recorded: self.exchanges.len(),
            timeouts: self.timeouts,
            throttled: self.throttling.answered_429,
            left_behind: self.cleanup.left_behind.len(),
            outcome: self.outcome(),
        }
    }

    fn failure_view<'a>(
        &'a self,
        number: usize,
        r: &'a CheckResult,
        path: Option<&Path>,
    ) -> FailureView<'a> {
        let (rule, message) = r.rule_and_message();
        let exchange = self.exchange_of(r);
        FailureView {
            number,
            check: r.check,
            operation: &r.operation,
            case: &r.case,
            rule,
            message,
            exchange_index: r.exchange,
            exchange,
            curl: exchange.map(|x| x.curl.as_str()),
            replay: exchange.map(|_| Report::replay_command(number, path)),
        }
    }
}

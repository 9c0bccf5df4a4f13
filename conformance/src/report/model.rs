//! The report of a run: every verdict, every exchange (redacted), what was skipped and why,
//! and what cleanup did. It serializes as the JSON report.

use crate::checks::{Check, Failure};
use crate::http::RequestRecord;
use crate::options::Phase;
use serde::Serialize;

/// Exit code: everything passed.
pub const EXIT_PASSED: u8 = 0;
/// Exit code: checks failed (or cleanup left something behind), also in a run cut short.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the run could not happen (bad flags, options that cannot work together, an
/// endpoint that is unreachable or refused the first read); nothing but that read was sent.
pub const EXIT_NOT_RUN: u8 = 2;
/// Exit code: the run is incomplete: the time bound (`--max-duration`) stopped it, nothing
/// failed before, and cleanup ran. What ran is in the reports.
pub const EXIT_INCOMPLETE: u8 = 3;
/// Exit code: stopped by Ctrl-C (after cleanup), as shells expect after SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

/// What was checked.
#[derive(Clone, Debug, Serialize)]
pub struct TargetSummary {
    pub csbs_url: String,
    pub cbr_url: String,
    pub project_id: String,
    pub embedded_mock: bool,
    /// How requests authenticated: `token`, `ak_sk` (signed), or `none` (offline run).
    pub credential: &'static str,
    pub mutations: bool,
    pub restores: bool,
    pub phases: Vec<Phase>,
}

/// One verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    pub check: Check,
    /// `operationId`, or `spec` for checks of the documents as a whole.
    pub operation: String,
    /// What was sent or checked: an example's name, `missing_token`, an example path.
    pub case: String,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Index into [`Report::exchanges`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchange: Option<usize>,
    /// When the verdict was given, in milliseconds since the run started.
    pub at_ms: u64,
}

impl CheckResult {
    /// The failure's rule and message (empty for a pass).
    pub fn rule_and_message(&self) -> (&str, &str) {
        self.failure.as_ref().map(|f| (f.rule.as_str(), f.message.as_str())).unwrap_or_default()
    }
}

/// A case that was not sent, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Skip {
    /// The check that could not judge it.
    pub check: Check,
    pub operation: String,
    pub case: String,
    pub reason: String,
}

/// An exchange as reported: secrets replaced, body cut at a bound.
#[derive(Clone, Debug, Serialize)]
pub struct ExchangeView {
    pub operation: String,
    pub case: String,
    pub request: RequestRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8), cut after the report's bound.
    pub body: String,
    /// Bytes read (at most the body cap).
    pub body_bytes: usize,
    /// The body was larger than the cap.
    pub truncated: bool,
    /// Why no response came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// A command that sends the same request, with the token as `$CSBS_TOKEN`.
    pub curl: String,
}

/// What the generated requests of one operation came to.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct PropertyRow {
    pub operation: String,
    /// Valid cases sent and judged.
    pub valid: u32,
    /// Of those, answered with a 2xx (the rest met a documented business error, such as 404).
    pub valid_2xx: u32,
    /// Cases breaking one rule, sent and judged.
    pub invalid: u32,
    /// Cases not sent because the operation timed out too often.
    pub skipped: u32,
    /// Cases still answered 429 after the client's retries, not judged.
    pub throttled: u32,
}

impl PropertyRow {
    pub fn new(operation: &str) -> PropertyRow {
        PropertyRow { operation: operation.to_owned(), ..PropertyRow::default() }
    }
}

/// How often the gateway throttled the run (HTTP 429), apart from conformance.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Throttling {
    /// 429 answers met (each waited out for its `Retry-After`, or the last of a request).
    pub answered_429: u64,
    /// Requests still answered 429 after every retry.
    pub gave_up: u64,
}

/// Something the run created and could not delete.
#[derive(Clone, Debug, Serialize)]
pub struct LeftBehind {
    pub what: String,
    pub id: String,
    pub reason: String,
    pub curl: String,
}

/// What cleanup did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CleanupReport {
    pub deleted: Vec<String>,
    pub left_behind: Vec<LeftBehind>,
}

/// The options a run was given, as the reports show them (never a credential).
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSettings {
    /// Parts asked for with `--only` (empty: all).
    pub only: Vec<Phase>,
    /// Generated cases per operation and kind (`--cases`).
    pub cases: u32,
    /// Operations the generated cases were limited to (`--operation`; empty: all).
    pub operations: Vec<String>,
    /// `--rate-limit`, requests a second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    /// `--timeout`, one request, in milliseconds.
    pub timeout_ms: u64,
    /// `--max-body`, in bytes.
    pub max_body_bytes: usize,
    /// `--max-duration`, in milliseconds.
    pub max_duration_ms: u64,
    /// `--wait`, in milliseconds.
    pub wait_ms: u64,
    /// `--admin`.
    pub admin: bool,
    /// `--server-id`s (the embedded mock's own when none were given).
    pub server_ids: Vec<String>,
}

/// One request of the run on its time line: when it was sent (milliseconds since the run
/// started) and its status (`None`: no answer). Kept for the HTML report's picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick {
    pub at_ms: u64,
    pub status: Option<u16>,
}

/// What a run's `requests` count beyond the `exchanges` it keeps, in the reports' words (an
/// exchange is kept with its request and answer, for the verdicts about it).
pub const ONLY_COUNTED: &str =
    "generated cases that passed, waits, the model's histories and cleanup are only counted";

/// True when a verdict's `operation` is an `operationId` of the spec. The other names are
/// parts that judge across operations (the model's random histories, `model`): the reports
/// show them apart from the operations.
pub fn is_operation(name: &str) -> bool {
    csbs_spec::operations::find_operation(name).is_some()
}

/// The outcome of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub tool: String,
    pub target: TargetSummary,
    pub started_at: String,
    pub duration_ms: u64,
    /// The seed of the generated cases (`--seed` repeats them); absent when none were generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The options the run was given.
    pub options: RunSettings,
    /// Requests sent in all; `exchanges` keeps some of them (see [`ONLY_COUNTED`]).
    pub requests: u64,
    /// Of those, requests that got no complete answer within the timeout.
    pub timeouts: u64,
    pub results: Vec<CheckResult>,
    pub skipped: Vec<Skip>,
    pub exchanges: Vec<ExchangeView>,
    /// Things worth knowing that are not verdicts (a backup that never became available).
    pub notes: Vec<String>,
    /// Generated requests per operation (the properties part).
    pub properties: Vec<PropertyRow>,
    pub throttling: Throttling,
    pub cleanup: CleanupReport,
    /// Set when the run was cut short: `Ctrl-C`, or the time bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    /// Every request sent, in order (for the HTML report's picture; not in the JSON).
    #[serde(skip)]
    pub timeline: Vec<Tick>,
}

impl Report {
    /// True when every check passed, the run was complete and cleanup left nothing behind.
    pub fn passed(&self) -> bool {
        self.failed_count() == 0
            && self.interrupted.is_none()
            && self.cleanup.left_behind.is_empty()
    }

    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(|r| !r.passed)
    }

    pub fn passed_count(&self) -> usize {
        self.results.iter().filter(|r| r.passed).count()
    }

    pub fn failed_count(&self) -> usize {
        self.failures().count()
    }

    /// The process exit code for this report.
    pub fn exit_code(&self) -> u8 {
        let failed = self.failed_count() > 0 || !self.cleanup.left_behind.is_empty();
        match &self.interrupted {
            // The reason may go on with the checks not judged before it ("Ctrl-C; not judged
            // before it: …").
            Some(why) if why.split(';').next() == Some(crate::runner::CTRL_C) => EXIT_INTERRUPTED,
            _ if failed => EXIT_FAILED,
            Some(_) => EXIT_INCOMPLETE,
            None => EXIT_PASSED,
        }
    }

    /// The verdicts of one check.
    pub fn results_of(&self, check: Check) -> impl Iterator<Item = &CheckResult> {
        self.results.iter().filter(move |r| r.check == check)
    }

    /// The exchange a verdict was about.
    pub fn exchange_of(&self, result: &CheckResult) -> Option<&ExchangeView> {
        result.exchange.and_then(|i| self.exchanges.get(i))
    }
}

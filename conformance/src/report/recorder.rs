//! Collects verdicts, skips and exchanges during a run, redacting everything that enters.

use super::curl::curl;
use super::model::{CheckResult, ExchangeView, Skip};
use crate::checks::{Check, Verdict};
use crate::http::Exchange;
use crate::progress::Progress;
use crate::secret::Redactor;
use std::time::Instant;

/// Bodies longer than this are cut in the report (the checks saw all of it).
const REPORT_BODY_BYTES: usize = 64 << 10;

/// What a run has recorded so far.
#[derive(Debug, Default)]
pub struct Recorder {
    redactor: Redactor,
    /// The run's start, for the verdicts' times (the client's clock, so that verdicts and
    /// requests share one time line).
    started: Option<Instant>,
    /// The seed of the generated cases, once the properties part chose it.
    pub(crate) seed: Option<u64>,
    /// The checks the run selected (`--checks`, `--exclude-checks`); verdicts and skips of
    /// the others are not kept. Empty: every check.
    selected: Vec<Check>,
    pub(crate) results: Vec<CheckResult>,
    pub(crate) skipped: Vec<Skip>,
    pub(crate) exchanges: Vec<ExchangeView>,
    pub(crate) notes: Vec<String>,
    pub(crate) properties: Vec<super::model::PropertyRow>,
    /// Counts the verdicts for the progress lines.
    progress: Progress,
}

impl Recorder {
    pub fn new(redactor: Redactor, selected: Vec<Check>) -> Recorder {
        Recorder { redactor, selected, ..Recorder::default() }
    }

    /// The same recorder, its verdict times counted from `started`.
    pub fn with_clock(self, started: Instant) -> Recorder {
        Recorder { started: Some(started), ..self }
    }

    /// True when the run judges `check`.
    pub fn selects(&self, check: Check) -> bool {
        self.selected.is_empty() || self.selected.contains(&check)
    }

    /// The recorder, counting its verdicts on `progress`.
    pub fn with_progress(self, progress: Progress) -> Recorder {
        Recorder { progress, ..self }
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Records an exchange; returns its index for the verdicts about it.
    pub fn exchange(&mut self, operation: &str, case: &str, exchange: &Exchange) -> usize {
        let r = &self.redactor;
        let mut request = exchange.request.clone();
        request.url = r.redact(&request.url);
        request.headers = request.headers.iter().map(|(k, v)| (k.clone(), r.redact(v))).collect();
        request.body = request.body.as_ref().map(|body| r.redact_json(body));
        let response = exchange.response();
        let view = ExchangeView {
            operation: operation.to_owned(),
            case: case.to_owned(),
            curl: curl(&request),
            request,
            status: response.map(|x| x.status),
            response_headers: response
                .map(|x| x.headers.iter().map(|(k, v)| (k.clone(), r.redact(v))).collect())
                .unwrap_or_default(),
            body: response.map(|x| r.redact(&cut(&x.body, REPORT_BODY_BYTES))).unwrap_or_default(),
            body_bytes: response.map_or(0, |x| x.body.len()),
            truncated: response.is_some_and(|x| x.truncated),
            error: exchange.outcome.as_ref().err().map(|e| r.redact(&e.to_string())),
            elapsed_ms: exchange.elapsed.as_millis() as u64,
        };
        self.exchanges.push(view);
        self.exchanges.len() - 1
    }

    pub fn verdict(
        &mut self,
        check: Check,
        operation: &str,
        case: &str,
        verdict: Verdict,
        exchange: Option<usize>,
    ) {
        if !self.selects(check) {
            return;
        }
        let failure = verdict.err().map(|mut f| {
            f.message = self.redactor.redact(&f.message);
            f.rule = self.redactor.redact(&f.rule);
            f
        });
        self.progress.verdict(failure.is_none());
        self.results.push(CheckResult {
            check,
            operation: operation.to_owned(),
            case: case.to_owned(),
            passed: failure.is_none(),
            failure,
            exchange,
            at_ms: self.started.map_or(0, |s| s.elapsed().as_millis() as u64),
        });
    }

    /// Records that `check` could not judge `case` of `operation`, and why.
    pub fn skip(&mut self, check: Check, operation: &str, case: &str, reason: impl Into<String>) {
        if !self.selects(check) {
            return;
        }
        let reason = self.redactor.redact(&reason.into());
        let (operation, case) = (operation.to_owned(), case.to_owned());
        self.skipped.push(Skip { check, operation, case, reason });
    }

    pub fn note(&mut self, text: impl Into<String>) {
        let text = self.redactor.redact(&text.into());
        self.notes.push(text);
    }
}

/// The first `max` bytes as text, cut on a character boundary, with what was left out.
pub(crate) fn cut(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        return text.into_owned();
    }
    let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    format!("{}… ({} more bytes)", &text[..end], text.len() - end)
}

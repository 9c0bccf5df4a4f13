//! The human summary: by operation, by check, then each failure with its request, the
//! response (cut), the rule and a curl reproduction.

use super::model::{is_operation, CheckResult, Report, ONLY_COUNTED};
use super::recorder::cut;
use std::collections::BTreeMap;
use std::fmt::Write;

/// How much of a failing response body the summary shows.
const SHOWN_BODY_BYTES: usize = 1024;

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Report {
    /// The text printed at the end of a run; its last line is `N passed, N failed, N skipped`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let t = &self.target;
        let what = if t.embedded_mock { " (embedded mock)" } else { "" };
        let mode = match (t.mutations, t.restores) {
            (false, _) => "read-only",
            (true, false) => "mutations allowed, restores not",
            (true, true) => "mutations and restores allowed",
        };
        let signed = if t.credential == "ak_sk" { ", requests signed with AK/SK" } else { "" };
        let _ = writeln!(
            out,
            "{} against {}{what}, project {}{signed}, {mode}",
            self.tool, t.csbs_url, t.project_id
        );
        if t.cbr_url != t.csbs_url {
            let _ = writeln!(out, "CBR at {}", t.cbr_url);
        }
        self.by_operation(&mut out);
        self.by_check(&mut out);
        self.generated(&mut out);
        self.skips(&mut out);
        self.failure_details(&mut out);
        self.cleanup_and_notes(&mut out);
        let _ = writeln!(
            out,
            "\n{} requests in {:.1} s; {} kept in the report with their answers ({ONLY_COUNTED})",
            self.requests,
            self.duration_ms as f64 / 1000.0,
            self.exchanges.len(),
        );
        let _ = writeln!(
            out,
            "{} passed, {} failed, {} skipped",
            self.passed_count(),
            self.failed_count(),
            self.skipped.len()
        );
        out
    }

    fn by_operation(&self, out: &mut String) {
        let mut rows: BTreeMap<&str, Tally> = BTreeMap::new();
        for r in &self.results {
            let row = rows.entry(&r.operation).or_default();
            if r.passed {
                row.passed += 1
            } else {
                row.failed += 1
            }
        }
        for s in &self.skipped {
            rows.entry(&s.operation).or_default().skipped += 1;
        }
        // The model's histories are no operation's: a table of their own.
        let (operations, across): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|(op, _)| is_operation(op));
        for (heading, rows) in [("By operation", operations), ("Across operations", across)] {
            if rows.is_empty() && heading != "By operation" {
                continue;
            }
            let _ =
                writeln!(out, "\n{heading:<40} {:>7} {:>7} {:>7}", "passed", "failed", "skipped");
            for (op, t) in rows {
                let _ =
                    writeln!(out, "  {op:<38} {:>7} {:>7} {:>7}", t.passed, t.failed, t.skipped);
            }
        }
    }

    fn by_check(&self, out: &mut String) {
        let mut rows: BTreeMap<_, Tally> = BTreeMap::new();
        for r in &self.results {
            let row = rows.entry(r.check).or_default();
            if r.passed {
                row.passed += 1
            } else {
                row.failed += 1
            }
        }
        let _ = writeln!(out, "\n{:<40} {:>7} {:>7}", "By check", "passed", "failed");
        for (check, t) in rows {
            let _ = writeln!(out, "  {:<38} {:>7} {:>7}", check.name(), t.passed, t.failed);
        }
    }

    /// Per operation, the generated cases and how many valid ones met a real object (2xx).
    fn generated(&self, out: &mut String) {
        if self.properties.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<40} {:>7} {:>7} {:>7} {:>7}",
            "Generated cases", "valid", "2xx", "invalid", "skipped"
        );
        for row in &self.properties {
            let _ = writeln!(
                out,
                "  {:<38} {:>7} {:>7} {:>7} {:>7}",
                row.operation,
                row.valid,
                row.valid_2xx,
                row.invalid,
                row.skipped + row.throttled
            );
        }
    }

    fn skips(&self, out: &mut String) {
        if self.skipped.is_empty() {
            return;
        }
        let _ = writeln!(out, "\nSkipped");
        for s in &self.skipped {
            let _ = writeln!(out, "  {} {}: {}", s.operation, s.case, s.reason);
        }
    }

    fn failure_details(&self, out: &mut String) {
        let failures: Vec<&CheckResult> = self.failures().collect();
        if failures.is_empty() {
            return;
        }
        let _ = writeln!(out, "\nFailures");
        if self.target.embedded_mock {
            let port = self.target.csbs_url.rsplit(':').next().unwrap_or("8080");
            let credential = match self.target.credential {
                "ak_sk" => "--aksk \"$CSBS_AK:$CSBS_SK",
                _ => "--token \"$CSBS_TOKEN",
            };
            let _ = writeln!(
                out,
                "(the embedded mock stopped with the run; to try a reproduction, start one on the same port:\n \
                 cargo run -p csbs-mock -- --seed-examples --listen 127.0.0.1:{port} {credential}:{}\")",
                self.target.project_id
            );
        }
        for (n, r) in failures.iter().enumerate() {
            let (rule, message) = r.rule_and_message();
            let _ = writeln!(
                out,
                "\n{}. {} {} — {} (rule: {rule})",
                n + 1,
                r.operation,
                r.case,
                r.check
            );
            let _ = writeln!(out, "   {message}");
            if let Some(x) = self.exchange_of(r) {
                let _ = writeln!(out, "   request:  {} {}", x.request.method, x.request.url);
                match (x.status, &x.error) {
                    (_, Some(error)) => {
                        let _ = writeln!(out, "   response: none ({error})");
                    }
                    (Some(status), None) => {
                        let more = if x.truncated { ", cut at the cap" } else { "" };
                        let _ =
                            writeln!(out, "   response: {status}, {} bytes{more}", x.body_bytes);
                        if !x.body.is_empty() {
                            let body = cut(x.body.as_bytes(), SHOWN_BODY_BYTES);
                            let _ = writeln!(out, "     {}", body.replace('\n', "\n     "));
                        }
                    }
                    (None, None) => {}
                }
                let _ = writeln!(out, "   reproduce: {}", x.curl);
            }
        }
    }

    fn cleanup_and_notes(&self, out: &mut String) {
        for note in &self.notes {
            let _ = writeln!(out, "\nNote: {note}");
        }
        let t = &self.throttling;
        if t.answered_429 > 0 {
            let _ = writeln!(
                out,
                "\nThrottling (not a conformance failure): {} answers 429, waited out per Retry-After; \
                 {} requests still throttled after every retry were not judged. Lower --rate-limit.",
                t.answered_429, t.gave_up
            );
        }
        let c = &self.cleanup;
        if !c.deleted.is_empty() {
            // Generated cases create many objects: name a few, count the rest.
            const NAMED: usize = 5;
            let mut line = c.deleted.iter().take(NAMED).cloned().collect::<Vec<_>>().join(", ");
            if c.deleted.len() > NAMED {
                line.push_str(&format!(
                    " and {} more ({} in all)",
                    c.deleted.len() - NAMED,
                    c.deleted.len()
                ));
            }
            let _ = writeln!(out, "\nCleanup deleted {line}");
        }
        for left in &c.left_behind {
            let _ = writeln!(
                out,
                "\nLeft behind: {} {} ({}); delete it with:\n  {}",
                left.what, left.id, left.reason, left.curl
            );
        }
        if let Some(why) = &self.interrupted {
            let _ = writeln!(out, "\nInterrupted: {why}; the run is incomplete");
        }
    }
}

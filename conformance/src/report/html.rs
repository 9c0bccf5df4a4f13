//! `--report html=FILE`: one self-contained page to read in a browser or attach to a bug
//! report. No script, no external asset (a Content-Security-Policy forbids loading any), every
//! text escaped. In reading order: the verdict and the run's facts, warnings that make a pass
//! mean less, the picture of the run, the operation × check matrix (each failed cell links to
//! its first failure), each failure with its request, response, curl and replay command, the
//! skips by reason, the generated cases, throttling, cleanup and notes.

use super::model::{ExchangeView, Report};
use super::recorder::cut;
use crate::checks::{Check, Permission};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Failures shown in full; the rest are counted (the JSON report has them all).
const SHOWN_FAILURES: usize = 100;
/// How much of a body a failure shows.
const SHOWN_BODY_BYTES: usize = 4096;

const STYLE: &str = include_str!("html.css");

/// `text` safe inside HTML text and quoted attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Default)]
struct Cell {
    passed: usize,
    failed: usize,
    skipped: usize,
    /// The number of its first failure.
    first_failure: Option<usize>,
}

impl Report {
    /// The page; `json` is the JSON report written beside it, which its replay commands name.
    pub fn to_html(&self, json: Option<&Path>) -> String {
        let mut out = String::with_capacity(64 << 10);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} — {}</title><style>{STYLE}</style></head><body><main>",
            esc(&self.tool),
            self.outcome().to_uppercase()
        );
        self.html_verdict(&mut out);
        self.html_warnings(&mut out);
        if let Some(svg) = self.timeline_svg() {
            let _ = write!(
                out,
                "<section><h2>Requests and failures over time</h2><figure>{svg}<figcaption>\
                 <span class=\"key bar-ok\"></span>answered <span class=\"key bar-429\"></span>429 \
                 <span class=\"key bar-bad\"></span>5xx or no answer \
                 <span class=\"key bar-fail\"></span>failed verdicts</figcaption></figure></section>"
            );
        }
        self.html_matrix(&mut out);
        self.html_failures(&mut out, json);
        self.html_skips(&mut out);
        self.html_generated(&mut out);
        self.html_rest(&mut out);
        out.push_str("</main></body></html>\n");
        out
    }

    fn html_verdict(&self, out: &mut String) {
        let outcome = self.outcome();
        let _ = write!(
            out,
            "<header class=\"verdict {outcome}\"><h1><span class=\"badge\">{}</span> {}</h1>\
             <p class=\"counts\"><b>{}</b> failed · <b>{}</b> passed · <b>{}</b> skipped</p></header>",
            outcome.to_uppercase(),
            esc(&self.tool),
            self.failed_count(),
            self.passed_count(),
            self.skipped.len()
        );
        let t = &self.target;
        let mode = match (t.mutations, t.restores) {
            (false, _) => "read-only",
            (true, false) => "mutations allowed, restores not",
            (true, true) => "mutations and restores allowed",
        };
        let endpoint = match t.embedded_mock {
            true => format!("{} (embedded mock)", t.csbs_url),
            false => t.csbs_url.clone(),
        };
        let parts: Vec<&str> = t.phases.iter().map(|p| p.name()).collect();
        let checks: Vec<&str> = self.checks_run().into_iter().map(Check::name).collect();
        let seed = self.seed.map_or("none (no cases generated)".to_owned(), |s| {
            format!("{s} (repeat with --seed {s} --cases {})", self.options.cases)
        });
        let mut facts = vec![("Endpoint", endpoint)];
        if t.cbr_url != t.csbs_url {
            facts.push(("CBR endpoint", t.cbr_url.clone()));
        }
        facts.extend([
            ("Project", t.project_id.clone()),
            ("Credential", format!("{} · {mode}", t.credential)),
            ("Seed", seed),
            ("Parts", parts.join(", ")),
            ("Checks run", format!("{}: {}", checks.len(), checks.join(", "))),
            ("Started", self.started_at.clone()),
            ("Duration", format!("{:.1} s", self.duration_ms as f64 / 1000.0)),
            (
                "Requests",
                format!(
                    "{} sent, {} timed out, {} kept with their answers and verdicts ({})",
                    self.requests,
                    self.timeouts,
                    self.exchanges.len(),
                    super::model::ONLY_COUNTED
                ),
            ),
        ]);
        out.push_str("<dl class=\"facts\">");
        for (name, value) in facts {
            let _ = write!(out, "<dt>{name}</dt><dd>{}</dd>", esc(&value));
        }
        out.push_str("</dl>");
    }

    /// Checks with at least one verdict, in registry order.
    fn checks_run(&self) -> Vec<Check> {
        Check::ALL.iter().copied().filter(|c| self.results.iter().any(|r| r.check == *c)).collect()
    }

    /// What makes a pass mean less than it seems.
    fn html_warnings(&self, out: &mut String) {
        let mut warnings = Vec::new();
        if let Some(why) = &self.interrupted {
            warnings
                .push(format!("The run was cut short ({why}): what did not run was not judged."));
        }
        if self.results.is_empty() {
            warnings.push("No verdict at all: nothing was checked.".to_owned());
        }
        if !self.target.mutations {
            let skipped: Vec<&str> = Check::ALL
                .iter()
                .filter(|c| c.needs() > Permission::ReadOnly)
                .map(|c| c.name())
                .collect();
            warnings.push(format!(
                "Read-only run: {} did not run (give --allow-mutations).",
                skipped.join(", ")
            ));
        }
        for row in self.properties.iter().filter(|r| r.valid > 0 && r.valid_2xx == 0) {
            warnings.push(format!(
                "{}: none of {} valid generated requests was answered 2xx; they met documented errors only.",
                row.operation, row.valid
            ));
        }
        if self.throttling.gave_up > 0 {
            warnings.push(format!(
                "{} requests were still throttled after every retry and were not judged.",
                self.throttling.gave_up
            ));
        }
        if !self.cleanup.left_behind.is_empty() {
            warnings.push(format!(
                "Cleanup left {} objects behind (see Cleanup).",
                self.cleanup.left_behind.len()
            ));
        }
        if warnings.is_empty() {
            return;
        }
        out.push_str("<section class=\"warnings\"><h2>Warnings</h2><ul>");
        for w in warnings {
            let _ = write!(out, "<li>{}</li>", esc(&w));
        }
        out.push_str("</ul></section>");
    }

    fn html_matrix(&self, out: &mut String) {
        let mut checks = self.checks_run();
        for s in &self.skipped {
            if !checks.contains(&s.check) {
                checks.push(s.check);
            }
        }
        checks.sort_unstable();
        let mut cells: BTreeMap<(&str, Check), Cell> = BTreeMap::new();
        // Failures are numbered in the order of the results, as `failures_numbered` does.
        let mut number = 0;
        for r in &self.results {
            let cell = cells.entry((&r.operation, r.check)).or_default();
            if r.passed {
                cell.passed += 1;
            } else {
                number += 1;
                cell.failed += 1;
                cell.first_failure.get_or_insert(number);
            }
        }
        for s in &self.skipped {
            cells.entry((&s.operation, s.check)).or_default().skipped += 1;
        }
        let mut operations: Vec<&str> = cells.keys().map(|(o, _)| *o).collect();
        operations.dedup();
        // The spec's operations first, then the parts judged across them (the model's).
        operations.sort_by_key(|op| !super::model::is_operation(op));
        out.push_str(
            "<section><h2>Operations × checks</h2><p class=\"legend\"><span class=\"fail\">✗ failed</span> \
             <span class=\"pass\">✓ passed</span> <span class=\"skip\">– skipped</span> \
             (numbers count verdicts or skips; a failed cell links to its first failure, a skipped one to the reasons)</p>\
             <div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>operation</th>",
        );
        for c in &checks {
            let _ = write!(out, "<th class=\"check\"><span>{}</span></th>", c.name());
        }
        out.push_str("</tr></thead><tbody>");
        for op in operations {
            let across = if super::model::is_operation(op) { "" } else { " (across operations)" };
            let _ = write!(out, "<tr><th>{}{across}</th>", esc(op));
            for c in &checks {
                match cells.get(&(op, *c)) {
                    None => out.push_str("<td></td>"),
                    Some(cell) if cell.failed > 0 => {
                        let target =
                            cell.first_failure.map_or("failures".into(), |n| format!("f{n}"));
                        let _ = write!(
                            out,
                            "<td class=\"fail\"><a href=\"#{target}\" title=\"{} {}: {} failed, {} passed\">✗ {}</a></td>",
                            esc(op),
                            c.name(),
                            cell.failed,
                            cell.passed,
                            cell.failed
                        );
                    }
                    Some(cell) if cell.passed == 0 => {
                        let _ = write!(
                            out,
                            "<td class=\"skip\"><a href=\"#skipped\">– {}</a></td>",
                            cell.skipped
                        );
                    }
                    Some(cell) => {
                        let _ = write!(out, "<td class=\"pass\">✓ {}", cell.passed);
                        if cell.skipped > 0 {
                            let _ = write!(out, " <a href=\"#skipped\">– {}</a>", cell.skipped);
                        }
                        out.push_str("</td>");
                    }
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div></section>");
    }

    fn html_failures(&self, out: &mut String, json: Option<&Path>) {
        let failed = self.failed_count();
        if failed == 0 {
            return;
        }
        let _ = write!(out, "<section id=\"failures\"><h2>Failures ({failed})</h2>");
        if self.target.embedded_mock {
            out.push_str(
                "<p class=\"note\">The embedded mock stopped with the run: replay a failure \
                 against another endpoint with <code>--endpoint URL</code>.</p>",
            );
        }
        for (n, r) in self.failures_numbered().take(SHOWN_FAILURES) {
            let (rule, message) = r.rule_and_message();
            let _ = write!(
                out,
                "<article id=\"f{n}\" class=\"failure\"><h3>{n}. <span class=\"check\">{}</span> on {}</h3>\
                 <p class=\"case\">case: {}</p><p><b>rule:</b> <code>{}</code></p><p class=\"message\">{}</p>",
                r.check,
                esc(&r.operation),
                esc(&r.case),
                esc(rule),
                esc(message)
            );
            if let Some(x) = self.exchange_of(r) {
                exchange_html(out, x);
                let _ = write!(
                    out,
                    "<h4>Reproduce</h4><pre class=\"cmd\">{}</pre><h4>Replay and judge again</h4><pre class=\"cmd\">{}</pre>",
                    esc(&x.curl),
                    esc(&Report::replay_command(n, json))
                );
            }
            out.push_str("</article>");
        }
        if failed > SHOWN_FAILURES {
            let _ = write!(
                out,
                "<p class=\"note\">{} more failures are in the JSON report.</p>",
                failed - SHOWN_FAILURES
            );
        }
        out.push_str("</section>");
    }

    fn html_skips(&self, out: &mut String) {
        if self.skipped.is_empty() {
            return;
        }
        let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for s in &self.skipped {
            by_reason
                .entry(&s.reason)
                .or_default()
                .push(format!("{} {} ({})", s.operation, s.case, s.check));
        }
        let _ = write!(
            out,
            "<section id=\"skipped\"><h2>Skipped ({}), by reason</h2>",
            self.skipped.len()
        );
        for (reason, cases) in by_reason {
            let _ = write!(
                out,
                "<details><summary><b>{}</b> — {}</summary><ul>",
                cases.len(),
                esc(reason)
            );
            for case in cases {
                let _ = write!(out, "<li>{}</li>", esc(&case));
            }
            out.push_str("</ul></details>");
        }
        out.push_str("</section>");
    }

    fn html_generated(&self, out: &mut String) {
        if self.properties.is_empty() {
            return;
        }
        out.push_str(
            "<section><h2>Generated cases</h2><table class=\"numbers\"><thead><tr><th>operation</th>\
             <th>valid</th><th>of which 2xx</th><th>invalid</th><th>skipped</th><th>throttled</th></tr></thead><tbody>",
        );
        for row in &self.properties {
            let _ = write!(
                out,
                "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&row.operation),
                row.valid,
                row.valid_2xx,
                row.invalid,
                row.skipped,
                row.throttled
            );
        }
        out.push_str("</tbody></table></section>");
    }

    /// Throttling (apart from conformance), cleanup and notes.
    fn html_rest(&self, out: &mut String) {
        let t = &self.throttling;
        let _ = write!(
            out,
            "<section><h2>Throttling (not a conformance failure)</h2><p>{} answers 429 waited out; \
             {} requests still throttled after every retry (not judged).</p></section>",
            t.answered_429, t.gave_up
        );
        let c = &self.cleanup;
        let _ = write!(out, "<section><h2>Cleanup</h2><p>{} objects deleted.</p>", c.deleted.len());
        for left in &c.left_behind {
            let _ = write!(
                out,
                "<p class=\"fail\">Left behind: {} {} ({})</p><pre class=\"cmd\">{}</pre>",
                esc(&left.what),
                esc(&left.id),
                esc(&left.reason),
                esc(&left.curl)
            );
        }
        out.push_str("</section>");
        if !self.notes.is_empty() {
            out.push_str("<section><h2>Notes</h2><ul>");
            for note in &self.notes {
                let _ = write!(out, "<li>{}</li>", esc(note));
            }
            out.push_str("</ul></section>");
        }
    }
}

/// The request and the response of a failure.
fn exchange_html(out: &mut String, x: &ExchangeView) {
    let mut request = format!("{} {}\n", x.request.method, x.request.url);
    for (k, v) in &x.request.headers {
        let _ = writeln!(request, "{k}: {v}");
    }
    if let Some(body) = &x.request.body {
        let _ = write!(request, "\n{}", serde_json::to_string_pretty(body).unwrap_or_default());
    }
    let response = match (x.status, &x.error) {
        (_, Some(error)) => format!("no response: {error}"),
        (status, None) => {
            let mut text = format!("{}\n", status.map_or("—".into(), |s| s.to_string()));
            for (k, v) in &x.response_headers {
                let _ = writeln!(text, "{k}: {v}");
            }
            let body = serde_json::from_str::<serde_json::Value>(&x.body)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| x.body.clone());
            let more = if x.truncated { " (cut at --max-body)" } else { "" };
            let _ = write!(text, "\n{}{more}", cut(body.as_bytes(), SHOWN_BODY_BYTES));
            text
        }
    };
    let _ = write!(
        out,
        "<div class=\"exchange\"><div><h4>Request</h4><pre>{}</pre></div><div><h4>Response ({} ms)</h4><pre>{}</pre></div></div>",
        esc(&request),
        x.elapsed_ms,
        esc(&response)
    );
}

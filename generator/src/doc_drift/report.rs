//! The report of a `doc-drift` run: JSON (`{"findings": [...]}`) or text with the
//! unexplained findings first, grouped by operation and section, each with a hint of what to
//! edit and the places it recurs, then the stale explanations.

use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::run::Report;
use serde_json::{json, Value};
use std::fmt::Write;

/// Exit status: 0 when every finding is explained, 1 otherwise.
pub fn exit_code(report: &Report) -> u8 {
    u8::from(report.unexplained() > 0)
}

/// `{"findings": [...], "summary": {...}}`, findings in report order.
pub fn json(report: &Report) -> String {
    let findings = ordered(&report.findings);
    let value = json!({
        "findings": findings,
        "summary": {
            "documents": report.described.iter().map(|d| d.document.as_str()).collect::<std::collections::BTreeSet<_>>(),
            "sections": report.described,
            "findings": report.findings.len(),
            "places": report.findings.iter().map(|f| f.places().len()).sum::<usize>(),
            "unexplained": report.unexplained(),
            "stale": report.stale().len(),
        },
        "stale": report.stale(),
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn ordered(findings: &[Finding]) -> Vec<&Finding> {
    let mut out: Vec<&Finding> = findings.iter().collect();
    out.sort_by(|a, b| {
        (a.is_explained(), &a.operation, &a.document, &a.section, &a.location, a.kind).cmp(&(
            b.is_explained(),
            &b.operation,
            &b.document,
            &b.section,
            &b.location,
            b.kind,
        ))
    });
    out
}

/// What to edit, in one line.
pub fn hint(f: &Finding) -> String {
    let at = f.spec_pointer.as_deref().unwrap_or("the spec");
    let name = f.location.rsplit(['.', ' ']).next().unwrap_or(&f.location).trim_end_matches("[]");
    match f.kind {
        Kind::OnlyInDocument if f.location == "operation" => {
            format!("add the operation {} to the spec (spec/*.yaml, paths)", crate::show::one_line(&f.document_value, 100))
        }
        Kind::OnlyInDocument if f.location.starts_with("example") => {
            format!("add the printed example to the operation ({at}) with x-verbatim, value and x-source")
        }
        Kind::OnlyInDocument => format!("add `{name}` at {at}, or an x-decision there whose premise has `at: {name}`"),
        Kind::OnlyInSpec if f.location.starts_with("example") => {
            format!("the printed text is gone: update {at} (and `value`, `x-errata`) or remove the example")
        }
        Kind::OnlyInSpec => format!("remove {at}, or add an x-decision there saying why the document lacks it"),
        Kind::Type => format!("set the type at {at} to the document's, or record why not in an x-decision there"),
        Kind::Required => format!("change `required` for `{name}` (at {at} or its object), or add an x-decision"),
        Kind::RangeOrLength => format!("set the bounds at {at} as stated, or add an x-decision there"),
        Kind::EnumValues => format!("set the values at {at} (enum, x-known-values, x-sort, x-rrule), or add an x-decision"),
        Kind::Default => format!("set `default` at {at}, or add an x-decision there"),
        Kind::Pattern => format!("make `pattern`/`format` at {at} agree with the document, or add an x-decision there"),
        Kind::ExampleChanged => {
            format!("replace {at} with the printed text, repair `value` and list each repair in x-errata")
        }
        Kind::ErrorStatus | Kind::ErrorMessage => format!("edit the error-code entry {at}, or add x-errata there"),
        Kind::DocumentsDisagree => "decide which document the spec follows here and record it in an x-decision at the field".to_owned(),
    }
}

/// The premise an `x-decision` at the finding's own node writes to explain it:
/// `{kind: type, document: "String"}`; none for the kinds no decision explains.
fn premise(f: &Finding) -> Option<String> {
    let explainable = !matches!(f.kind, Kind::ExampleChanged | Kind::DocumentsDisagree)
        && !f.location.starts_with("example")
        && f.location != "operation";
    let kind = serde_json::to_value(f.kind).ok()?;
    explainable.then(|| {
        format!("{{kind: {}, document: {}}}", kind.as_str().unwrap_or(""), f.document_value)
    })
}

fn line(out: &mut String, f: &Finding) {
    let other = f
        .other_document
        .as_ref()
        .map(|o| {
            format!(
                ", {o}: {}",
                crate::show::one_line(f.other_value.as_ref().unwrap_or(&Value::Null), 100)
            )
        })
        .unwrap_or_default();
    let aspect = f.aspect.as_ref().map(|a| format!(" ({a})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "    {}  {}{}: document {}, spec {}{}",
        f.location,
        f.kind.words(),
        aspect,
        crate::show::one_line(&f.document_value, 100),
        crate::show::one_line(&f.spec_value, 100),
        other
    );
}

/// The text report.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let documents: std::collections::BTreeSet<&str> =
        report.described.iter().map(|d| d.document.as_str()).collect();
    let stale = report.stale();
    let _ = writeln!(
        out,
        "doc-drift: {} operation sections in {} documents; {} findings ({} places), {} unexplained, {} stale explanations",
        report.described.len(),
        documents.len(),
        report.findings.len(),
        report.findings.iter().map(|f| f.places().len()).sum::<usize>(),
        report.unexplained(),
        stale.len()
    );
    let findings = ordered(&report.findings);
    let (unexplained, explained): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().partition(|f| !f.is_explained());
    for (title, group, with_hint) in
        [("Unexplained", unexplained, true), ("Explained", explained, false)]
    {
        let _ = writeln!(out, "\n{title} ({})", group.len());
        let mut current: Option<(Option<String>, String, Option<String>)> = None;
        for f in group {
            let key = (f.operation.clone(), f.document.clone(), f.section.clone());
            if current.as_ref() != Some(&key) {
                let op = f.operation.clone().unwrap_or_else(|| {
                    if f.location.starts_with("error") {
                        "(error-code table)".into()
                    } else {
                        "(no spec operation)".into()
                    }
                });
                let section = f.section.as_ref().map(|s| format!(" § {s}")).unwrap_or_default();
                let _ = writeln!(out, "  {op}  [{}{section}]", f.document);
                current = Some(key);
            }
            line(&mut out, f);
            for p in f.places().iter().skip(1) {
                let op = p.operation.as_deref().unwrap_or("-");
                let section = p.section.as_ref().map(|s| format!(" § {s}")).unwrap_or_default();
                let _ = writeln!(out, "      also at {op} {}{section}", p.location);
            }
            if with_hint {
                let _ = writeln!(out, "      -> {}", hint(f));
                if let Some(premise) = premise(f) {
                    let _ = writeln!(out, "         (an x-decision explains it with {premise})");
                }
            } else if let Some(why) = &f.explained_by {
                let _ =
                    writeln!(out, "      explained by {}", crate::show::one_line(&json!(why), 100));
            }
        }
    }
    let _ = writeln!(out, "\nStale explanations ({})", stale.len());
    for s in stale {
        let _ = writeln!(
            out,
            "  {}  {}: made against document {}, the document now says {}\n      -> check the \
             reason against the document, then set `document` to the new value (or change the spec)",
            s.explanation,
            s.kind.words(),
            crate::show::one_line(&s.recorded, 100),
            crate::show::one_line(&s.now, 100)
        );
    }
    out
}

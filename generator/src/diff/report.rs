//! The report of a `diff` run: JSON (`{"changes": [...], "summary": {...}}`) or text,
//! breaking changes first, grouped by whom they break and by operation.

use crate::diff::change::{Breaks, Change};
use serde_json::{json, Value};
use std::fmt::Write;

/// Counts by classification.
pub fn summary(changes: &[Change]) -> Value {
    let count = |b: Breaks| changes.iter().filter(|c| c.breaks == b).count();
    json!({
        "changes": changes.len(),
        "breaking_for_clients_and_servers": count(Breaks::BOTH),
        "breaking_for_clients": count(Breaks::CLIENTS),
        "breaking_for_servers": count(Breaks::SERVERS),
        "compatible": count(Breaks::NONE),
    })
}

/// The JSON report: every change and the counts.
pub fn json(changes: &[Change]) -> String {
    serde_json::to_string_pretty(&json!({"changes": changes, "summary": summary(changes)}))
        .unwrap_or_default()
        + "\n"
}

/// The text report under a title line (`spec/csbs-v1.yaml: <old> -> <new>`).
pub fn text(title: &str, changes: &[Change]) -> String {
    let mut out = String::new();
    let breaking = changes.iter().filter(|c| c.breaks.any()).count();
    let _ = writeln!(out, "{title}: {} changes, {breaking} breaking", changes.len());
    for group in [Breaks::BOTH, Breaks::CLIENTS, Breaks::SERVERS, Breaks::NONE] {
        let members: Vec<&Change> = changes.iter().filter(|c| c.breaks == group).collect();
        if members.is_empty() {
            continue;
        }
        let mut title = group.words().to_owned();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(out, "\n{title} ({})", members.len());
        let mut current: Option<(&Option<String>, &str)> = None;
        for c in members {
            if current != Some((&c.operation, c.scope.as_str())) {
                let name = c.operation.as_deref().unwrap_or("(document)");
                let _ = writeln!(out, "  {name}  [{}]", c.scope);
                current = Some((&c.operation, c.scope.as_str()));
            }
            let _ = writeln!(
                out,
                "    {}  {}: {} -> {}",
                c.location,
                c.rule,
                crate::show::one_line(&c.old, 80),
                crate::show::one_line(&c.new, 80)
            );
        }
    }
    out
}

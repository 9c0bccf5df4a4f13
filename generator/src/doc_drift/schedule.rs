//! The schedule rules a pattern's description states (`FREQ can be set only to WEEKLY or
//! DAILY`, `BYHOUR ranges from 0 to 23`, `A maximum of 24 time points are allowed in a
//! day`, `The scheduling interval cannot be less than 1 hour`, `a maximum of 10,240
//! characters`), compared with the spec's `x-rrule`.

use crate::doc_drift::finding::Kind;
use crate::doc_drift::spec_view::{scalar_text, View};
use regex::Regex;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// One schedule rule on which the description and `x-rrule` differ.
pub struct RuleDifference {
    pub kind: Kind,
    pub document_value: Value,
    pub spec_value: Value,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

fn number(text: &str) -> Option<i64> {
    text.replace(',', "").parse().ok()
}

/// The values a description allows for an RRULE part (`FREQ can be set only to WEEKLY or
/// DAILY`, `BYDAY can be set to MO , TU , ... or SU`).
fn part_values(text: &str, part: &str) -> Option<Vec<String>> {
    let re =
        Regex::new(&format!(r"{part} can be set (?:only )?to ([A-Z ,]+?(?:(?:and|or) [A-Z]+))"))
            .ok()?;
    let c = re.captures(text)?;
    let values: Vec<String> = c[1]
        .split(|ch: char| ch == ',' || ch.is_whitespace())
        .filter(|w| !w.is_empty() && *w != "and" && *w != "or")
        .map(str::to_owned)
        .collect();
    (!values.is_empty()).then_some(values)
}

fn part_range(text: &str, part: &str) -> Option<(i64, i64)> {
    let re = Regex::new(&format!(r"{part} ranges from (\d+)(?: hours| minutes)? to (\d+)")).ok()?;
    let c = re.captures(text)?;
    Some((number(&c[1])?, number(&c[2])?))
}

/// Differences between a schedule description and the `x-rrule` of `view`.
pub fn compare(description: &str, view: &View<'_>) -> Vec<RuleDifference> {
    static TIMES: LazyLock<Regex> =
        LazyLock::new(|| re(r"maximum of (\d+) time points are allowed in a day"));
    static INTERVAL: LazyLock<Regex> =
        LazyLock::new(|| re(r"interval (?:cannot|must not) be less than (\d+) hours?"));
    static LENGTH: LazyLock<Regex> = LazyLock::new(|| re(r"a maximum of ([\d,]+) characters"));
    let rule = view.get("x-rrule");
    let at = |path: &str| rule.and_then(|r| r.pointer(path));
    let mut out = Vec::new();
    let mut differ = |kind: Kind, key: String, doc: Value, spec: Option<&Value>| {
        let spec = spec.cloned().unwrap_or(Value::Null);
        let same = match (&doc, &spec) {
            (Value::Array(a), Value::Array(b)) => {
                a.iter().map(scalar_text).collect::<BTreeSet<_>>()
                    == b.iter().map(scalar_text).collect::<BTreeSet<_>>()
            }
            (a, b) => a == b,
        };
        if !same {
            out.push(RuleDifference {
                kind,
                document_value: json!({ format!("x-rrule.{key}"): doc }),
                spec_value: json!({ format!("x-rrule.{key}"): spec }),
            });
        }
    };
    for part in ["FREQ", "BYDAY"] {
        if let Some(values) = part_values(description, part) {
            let spec = at(&format!("/parameters/{part}/values"));
            differ(Kind::EnumValues, format!("parameters.{part}.values"), json!(values), spec);
        }
    }
    for part in ["BYHOUR", "BYMINUTE"] {
        if let Some((low, high)) = part_range(description, part) {
            let spec = at(&format!("/parameters/{part}/range"));
            differ(
                Kind::RangeOrLength,
                format!("parameters.{part}.range"),
                json!([low, high]),
                spec,
            );
        }
    }
    if let Some(c) = TIMES.captures(description) {
        differ(
            Kind::RangeOrLength,
            "max_times_per_day".into(),
            json!(number(&c[1])),
            at("/max_times_per_day"),
        );
    }
    if let Some(c) = INTERVAL.captures(description) {
        let minutes = number(&c[1]).map(|h| h * 60);
        differ(
            Kind::RangeOrLength,
            "min_interval_minutes".into(),
            json!(minutes),
            at("/min_interval_minutes"),
        );
    }
    if let Some(c) = LENGTH.captures(description) {
        differ(Kind::RangeOrLength, "max_length".into(), json!(number(&c[1])), at("/max_length"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_of_the_schedule_description() {
        let text = "The value consists of a maximum of 10,240 characters. FREQ can be set only to WEEKLY or DAILY . BYDAY can be set to MO , TU , WE , TH , FR , SA , or SU (seven days of a week). BYHOUR ranges from 0 to 23 hours. BYMINUTE ranges from 0 to 59 minutes.";
        assert_eq!(part_values(text, "FREQ"), Some(vec!["WEEKLY".into(), "DAILY".into()]));
        assert_eq!(part_values(text, "BYDAY").map(|v| v.len()), Some(7));
        assert_eq!(part_range(text, "BYHOUR"), Some((0, 23)));
        assert_eq!(part_range(text, "BYMINUTE"), Some((0, 59)));
        let other = "FREQ can be set to WEEKLY and DAILY , BYDAY can be set to MO and SU";
        assert_eq!(part_values(other, "FREQ"), Some(vec!["WEEKLY".into(), "DAILY".into()]));
    }
}

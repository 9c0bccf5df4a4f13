//! What an `x-decision` or `x-errata` explains, and whether it still does. An explanation
//! names its premises: the kind of finding, the value the document stated when it was written
//! and, on an enclosing node (an object, an operation), the place it is about:
//!
//! ```yaml
//! x-decision:
//!   explains:
//!     - {kind: range_or_length, document: {minLength: 1, maxLength: 255}}
//!     - {kind: only_in_document, at: support_ild, document: String}
//!     - kind: only_in_spec
//!       document: null
//!       in: [{document: 004_2d09f3b3e42cc2b5.txt, section: 5.2.3 Updating a Backup Policy}]
//!   because: The tables repeat the request rule; a response is not held to it.
//! ```
//!
//! A finding is explained by a premise of its kind, at its place, whose `document` equals the
//! document's value now, and, when the premise lists the sections it was made against (`in`;
//! needed where the value alone cannot tell them apart, as for a field that some tables list
//! and others do not), found in one of them. A premise of its kind and place made against another value is stale:
//! the document changed since, so the finding is unexplained and the premise is reported.
//! A plain-text `x-decision` (a decision no vendor table contradicts, such as a form chosen
//! for generators) explains no finding.

use crate::doc_drift::finding::Kind;
use serde::Serialize;
use serde_json::Value;

/// What one explanation says it explains.
#[derive(Clone, Debug, PartialEq)]
pub struct Premise {
    pub kind: Kind,
    /// The document's value as the finding reports it (`document_value`).
    pub document: Value,
    /// On an object: the property; on an operation: the finding's location (`status.503`,
    /// `query.name`, `body`). `None` on the node the finding is about.
    pub at: Option<String>,
    /// The sections (`(document, section)`) the premise holds for; empty for every section.
    pub sections: Vec<(String, String)>,
}

/// Where a finding is: the document and its section (none for the error-code table).
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    pub document: &'a str,
    pub section: Option<&'a str>,
}

impl Premise {
    fn holds_in(&self, found: Found<'_>) -> bool {
        self.sections.is_empty()
            || self
                .sections
                .iter()
                .any(|(d, s)| d == found.document && Some(s.as_str()) == found.section)
    }
}

/// One `x-decision` (or one item of a list of them) or one `x-errata` item.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// JSON pointer of the entry (`/components/schemas/Policy/properties/name/x-decision`).
    pub pointer: String,
    /// The reason (`because`), or `defect (repair)` of an erratum.
    pub text: String,
    pub premises: Vec<Premise>,
}

/// A premise whose recorded document value is no longer what the document says.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stale {
    /// `spec/<file>#<pointer>` of the explanation.
    pub explanation: String,
    pub kind: Kind,
    /// What the explanation was made against.
    pub recorded: Value,
    /// What the document says now.
    pub now: Value,
}

/// Why an explanation entry cannot be read: the pointer, the rule and the value.
#[derive(Clone, Debug, PartialEq)]
pub struct Malformed {
    pub pointer: String,
    pub problem: String,
}

fn premises(list: Option<&Value>, pointer: &str, bad: &mut Vec<Malformed>) -> Vec<Premise> {
    let Some(list) = list else { return Vec::new() };
    let Some(items) = list.as_array() else {
        bad.push(Malformed {
            pointer: format!("{pointer}/explains"),
            problem: format!("`explains` must be a list of {{kind, document, at}}, found {list}"),
        });
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at_pointer = format!("{pointer}/explains/{i}");
        let kind = item.get("kind").cloned().map(serde_json::from_value::<Kind>);
        let at = item.get("at").map(|a| a.as_str().map(str::to_owned));
        let sections: Option<Vec<(String, String)>> = match item.get("in") {
            None => Some(Vec::new()),
            Some(list) => list
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|s| {
                            let get = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_owned);
                            get("document").zip(get("section"))
                        })
                        .collect()
                })
                .unwrap_or(None),
        };
        let Some(sections) = sections else {
            bad.push(Malformed {
                pointer: format!("{at_pointer}/in"),
                problem: format!(
                    "`in` must be a list of {{document, section}}, found {}",
                    item["in"]
                ),
            });
            continue;
        };
        match (kind, item.get("document"), at) {
            (Some(Ok(kind)), Some(document), None | Some(Some(_))) => out.push(Premise {
                kind,
                document: document.clone(),
                at: item.get("at").and_then(Value::as_str).map(str::to_owned),
                sections,
            }),
            (Some(Err(_)), ..) | (None, ..) => bad.push(Malformed {
                pointer: format!("{at_pointer}/kind"),
                problem: format!(
                    "`kind` must be a doc-drift finding kind (only_in_document, only_in_spec, \
                     type, required, range_or_length, enum_values, pattern, default, \
                     error_status, error_message), found {}",
                    item.get("kind").unwrap_or(&Value::Null)
                ),
            }),
            (_, None, _) => bad.push(Malformed {
                pointer: at_pointer,
                problem: "`document` (the document's value the explanation was made against) \
                          is missing; write `document: null` where the document has none"
                    .to_owned(),
            }),
            (_, _, Some(None)) => bad.push(Malformed {
                pointer: format!("{at_pointer}/at"),
                problem: format!("`at` must be a string, found {}", item["at"]),
            }),
        }
    }
    out
}

fn text(v: Option<&Value>) -> String {
    v.map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())).unwrap_or_default()
}

fn decision(value: &Value, pointer: String, out: &mut Vec<Explanation>, bad: &mut Vec<Malformed>) {
    match value {
        Value::String(s) => {
            out.push(Explanation { pointer, text: s.clone(), premises: Vec::new() })
        }
        Value::Object(map) => {
            if !map.contains_key("because") {
                bad.push(Malformed {
                    pointer: pointer.clone(),
                    problem: "an x-decision object needs `because` (the reason)".to_owned(),
                });
            }
            let premises = premises(map.get("explains"), &pointer, bad);
            out.push(Explanation { pointer, text: text(map.get("because")), premises });
        }
        other => bad.push(Malformed {
            pointer,
            problem: format!(
                "x-decision must be a text, {{explains, because}} or a list of those, found {other}"
            ),
        }),
    }
}

/// The explanations of one node (`pointer` is its JSON pointer), and the entries that cannot
/// be read.
pub fn read(node: &Value, pointer: &str) -> (Vec<Explanation>, Vec<Malformed>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    match node.get("x-decision") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                decision(item, format!("{pointer}/x-decision/{i}"), &mut out, &mut bad);
            }
        }
        Some(value) => decision(value, format!("{pointer}/x-decision"), &mut out, &mut bad),
        None => {}
    }
    for (i, e) in node.get("x-errata").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let at = format!("{pointer}/x-errata/{i}");
        let premises = premises(e.get("explains"), &at, &mut bad);
        let text = format!("{} ({})", text(e.get("defect")), text(e.get("repair")));
        out.push(Explanation { pointer: at, text, premises });
    }
    bad.extend(ambiguous(&out));
    (out, bad)
}

/// Premises of one kind and place that record different document values (tables that
/// disagree) must each name their sections, or a value could move from one table to another
/// and stay explained.
fn ambiguous(explanations: &[Explanation]) -> Vec<Malformed> {
    let all: Vec<(&Explanation, &Premise)> =
        explanations.iter().flat_map(|e| e.premises.iter().map(move |p| (e, p))).collect();
    let mut out = Vec::new();
    for (e, p) in &all {
        // Values of one aspect (objects with the same keys: `x-rrule.max_length` and
        // `maxLength` are two findings, not two tables).
        let aspect = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        let others = all.iter().any(|(_, q)| {
            q.kind == p.kind
                && q.at == p.at
                && q.document != p.document
                && aspect(&q.document) == aspect(&p.document)
        });
        if others && p.sections.is_empty() {
            out.push(Malformed {
                pointer: e.pointer.clone(),
                problem: format!(
                    "premises of kind {:?}{} record different document values; this one ({}) \
                     must name the sections it holds for (`in`)",
                    p.kind,
                    p.at.as_ref().map(|a| format!(" at {a}")).unwrap_or_default(),
                    p.document
                ),
            });
        }
    }
    out
}

/// The explanations of one node (entries that cannot be read are left out; `malformed`
/// lists them).
pub fn of(node: &Value, pointer: &str) -> Vec<Explanation> {
    read(node, pointer).0
}

/// Every explanation entry of a document that cannot be read.
pub fn malformed(document: &Value) -> Vec<Malformed> {
    fn walk(value: &Value, pointer: String, out: &mut Vec<Malformed>) {
        match value {
            Value::Object(map) => {
                out.extend(read(value, &pointer).1);
                for (k, v) in map {
                    if k != "x-decision" && k != "x-errata" {
                        walk(
                            v,
                            format!("{pointer}/{}", crate::doc_drift::spec_view::escape(k)),
                            out,
                        );
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{pointer}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(document, String::new(), &mut out);
    out
}

/// Explanations that may explain a finding, each with the place its premises must name:
/// `None` for the node the finding is about, `Some(place)` for an enclosing node.
#[derive(Clone, Debug, Default)]
pub struct Candidates(pub Vec<(Explanation, Option<String>)>);

impl Candidates {
    /// The explanations of the node itself.
    pub fn own(explanations: Vec<Explanation>) -> Self {
        Candidates(explanations.into_iter().map(|e| (e, None)).collect())
    }

    /// The explanations of an enclosing node, for the place `at`.
    pub fn enclosing(explanations: Vec<Explanation>, at: &str) -> Self {
        Candidates(explanations.into_iter().map(|e| (e, Some(at.to_owned()))).collect())
    }

    /// Both lists.
    pub fn with(mut self, other: Candidates) -> Self {
        self.0.extend(other.0);
        self
    }

    /// The explanation of a finding of `kind` whose document value is `document`
    /// (`spec/<file>#<pointer>: <text>`), and the premises of its kind and place made
    /// against another value (reported only when nothing explains it).
    pub fn resolve(
        &self,
        file: &str,
        found: Found<'_>,
        kind: Kind,
        document: &Value,
    ) -> (Option<String>, Vec<Stale>) {
        let mut stale = Vec::new();
        for (e, at) in &self.0 {
            let about = |p: &&Premise| p.kind == kind && &p.at == at && p.holds_in(found);
            for p in e.premises.iter().filter(about) {
                if &p.document == document {
                    return (Some(format!("spec/{file}#{}: {}", e.pointer, e.text)), Vec::new());
                }
                stale.push(Stale {
                    explanation: format!("spec/{file}#{}", e.pointer),
                    kind,
                    recorded: p.document.clone(),
                    now: document.clone(),
                });
            }
        }
        (None, stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_premise_explains_its_kind_place_and_value_only() {
        let node = json!({"x-decision": {
            "explains": [{"kind": "range_or_length", "document": {"maxLength": 255}},
                         {"kind": "type", "at": "size", "document": "Integer"}],
            "because": "why"}});
        let own = Candidates::own(of(&node, "/a"));
        let here = Found { document: "d.txt", section: Some("5.1") };
        let r = |c: &Candidates, k, v| c.resolve("f.yaml", here, k, &v);
        assert!(r(&own, Kind::RangeOrLength, json!({"maxLength": 255})).0.is_some());
        assert!(r(&own, Kind::EnumValues, json!({"maxLength": 255})).0.is_none());
        // The premise with a place does not explain the node's own finding.
        assert!(r(&own, Kind::Type, json!("Integer")).0.is_none());
        let (none, stale) = r(&own, Kind::RangeOrLength, json!({"maxLength": 64}));
        assert!(none.is_none());
        assert_eq!(stale[0].recorded, json!({"maxLength": 255}));
        let parent = Candidates::enclosing(of(&node, "/a"), "size");
        assert!(r(&parent, Kind::Type, json!("Integer")).0.is_some());
        assert!(r(&Candidates::enclosing(of(&node, "/a"), "sizes"), Kind::Type, json!("Integer"))
            .0
            .is_none());
    }

    #[test]
    fn a_premise_with_sections_holds_only_there() {
        let node = json!({"x-decision": {"because": "only Table 5-33 lists it", "explains": [
            {"kind": "only_in_spec", "document": null,
             "in": [{"document": "d.txt", "section": "5.2.4"}]}]}});
        let own = Candidates::own(of(&node, ""));
        let at = |section| Found { document: "d.txt", section: Some(section) };
        assert!(own.resolve("f", at("5.2.4"), Kind::OnlyInSpec, &Value::Null).0.is_some());
        let (none, stale) = own.resolve("f", at("5.2.1"), Kind::OnlyInSpec, &Value::Null);
        assert!(none.is_none() && stale.is_empty());
    }

    #[test]
    fn a_text_decision_explains_nothing_and_bad_entries_are_named() {
        let node = json!({"x-decision": "a form generators read alike"});
        let own = Candidates::own(of(&node, ""));
        let here = Found { document: "d.txt", section: None };
        assert!(own.resolve("f", here, Kind::Type, &json!("String")).0.is_none());
        let bad = malformed(
            &json!({"a": {"x-decision": {"explains": [{"kind": "typo", "document": 1}], "because": "x"}},
                                    "b": {"x-errata": [{"defect": "d", "repair": "r", "explains": [{"kind": "type"}]}]}}),
        );
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert_eq!(bad[0].pointer, "/a/x-decision/explains/0/kind");
        assert!(bad[0].problem.contains("\"typo\""));
        assert!(bad[1].problem.contains("`document`"));
        // Two tables' values for one place, one without its sections.
        let two = json!({"x-decision": {"because": "Dict in 5-7, String in 5-80", "explains": [
            {"kind": "type", "document": "Dict"},
            {"kind": "type", "document": "String", "in": [{"document": "d", "section": "5.3.1"}]}]}});
        let bad = malformed(&two);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].problem.contains("\"Dict\"") && bad[0].problem.contains("`in`"));
    }
}

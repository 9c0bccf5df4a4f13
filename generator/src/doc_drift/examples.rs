//! Printed examples against the spec's `x-verbatim` texts. Within an operation section,
//! every verbatim the spec attributes to that section must still be printed there, and
//! every printed request line or JSON text must be one of them; a printed text that no
//! verbatim covers and a verbatim no longer printed are paired into an `example_changed`
//! finding by similarity. Examples from other sections (getting started, the error
//! chapter) must still occur somewhere in the document.

use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::model::{DocOperation, VendorDocument};
use crate::doc_drift::parse::request_line;
use crate::doc_drift::spec_view::{escape, SpecDoc, SpecOperation};
use serde_json::{json, Value};

/// An example of the spec that keeps its printed text.
#[derive(Clone, Debug)]
pub struct SpecExample {
    pub spec_file: String,
    pub pointer: String,
    pub name: String,
    pub verbatim: String,
    pub document: String,
    pub section: String,
    /// `request` or `response`.
    pub side: &'static str,
    pub operation: Option<String>,
}

fn walk(spec: &SpecDoc, value: &Value, pointer: String, out: &mut Vec<SpecExample>) {
    match value {
        Value::Object(map) => {
            if let Some(verbatim) = map.get("x-verbatim").and_then(Value::as_str) {
                let source = map.get("x-source");
                let text = |k: &str| {
                    source.and_then(|s| s.get(k)).and_then(Value::as_str).unwrap_or("").to_owned()
                };
                let name =
                    map.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(
                        || pointer.rsplit('/').next().unwrap_or("").replace("~1", "/"),
                    );
                let side = if pointer.contains("/requestBody/")
                    || pointer.contains("/x-request-examples/")
                {
                    "request"
                } else {
                    "response"
                };
                let operation = pointer.starts_with("/paths/").then(|| {
                    let op: Vec<&str> = pointer.split('/').take(4).collect();
                    spec.at(&op.join("/"))
                        .and_then(|o| o.get("operationId"))
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned()
                });
                out.push(SpecExample {
                    spec_file: spec.file.clone(),
                    pointer: pointer.clone(),
                    name,
                    verbatim: verbatim.to_owned(),
                    document: text("document"),
                    section: text("section"),
                    side,
                    operation,
                });
            }
            for (k, v) in map {
                walk(spec, v, format!("{pointer}/{}", escape(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(spec, v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Every example with an `x-verbatim` in the specs.
pub fn spec_examples(specs: &[SpecDoc]) -> Vec<SpecExample> {
    let mut out = Vec::new();
    for spec in specs {
        walk(spec, &spec.value, String::new(), &mut out);
    }
    out
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Where `needle` occurs in `hay` as consecutive lines, not over covered lines. The first
/// line may end a longer line and the last may start one (`} Status Codes`).
fn find(hay: &[String], needle: &[String], covered: &[bool]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    let last = needle.len() - 1;
    (0..=hay.len() - needle.len()).find(|&start| {
        needle.iter().enumerate().all(|(k, line)| {
            let h = &hay[start + k];
            !covered[start + k]
                && match k {
                    0 if last == 0 => h.contains(line.as_str()),
                    0 => h.ends_with(line.as_str()),
                    k if k == last => h.starts_with(line.as_str()),
                    _ => h == line,
                }
        })
    })
}

/// A printed line that belongs to an example: JSON punctuation or a request line.
fn is_content(line: &str) -> bool {
    line.contains(['{', '}', '[', ']', '"']) || request_line(line).is_some()
}

/// Runs of uncovered lines that hold example content.
fn residue(hay: &[String], covered: &[bool]) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let flush = |current: &mut Vec<&str>, blocks: &mut Vec<String>| {
        while current.last().is_some_and(|l| !is_content(l)) {
            current.pop();
        }
        let start = current.iter().position(|l| is_content(l)).unwrap_or(current.len());
        if start < current.len() {
            blocks.push(current[start..].join("\n"));
        }
        current.clear();
    };
    for (line, done) in hay.iter().zip(covered) {
        if *done {
            flush(&mut current, &mut blocks);
        } else {
            current.push(line);
        }
    }
    flush(&mut current, &mut blocks);
    blocks
}

fn similarity(a: &str, b: &str) -> f32 {
    similar::TextDiff::from_lines(a, b).ratio()
}

fn finding(
    doc: &str,
    operation: Option<String>,
    section: Option<String>,
    location: String,
    kind: Kind,
    document_value: Value,
    example: Option<&SpecExample>,
) -> Finding {
    Finding {
        document: doc.to_owned(),
        operation,
        location,
        kind,
        document_value,
        spec_value: example.map(|e| json!(e.verbatim)).unwrap_or(Value::Null),
        explained_by: None,
        section,
        spec_pointer: example.map(|e| format!("spec/{}#{}/x-verbatim", e.spec_file, e.pointer)),
        other_document: None,
        other_value: None,
        aspect: None,
        places: Vec::new(),
        stale: Vec::new(),
    }
}

/// The examples of one operation section.
pub fn compare_operation(
    doc: &VendorDocument,
    op: &DocOperation,
    spec_op: &SpecOperation<'_>,
    examples: &[SpecExample],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (side, region) in [("request", &op.request_examples), ("response", &op.response_examples)] {
        let hay = lines(region);
        let mut covered = vec![false; hay.len()];
        let mut missing: Vec<&SpecExample> = Vec::new();
        let mine = examples.iter().filter(|e| {
            e.operation.as_deref() == Some(spec_op.id.as_str())
                && e.document == doc.name
                && e.section == op.title
                && e.side == side
        });
        for example in mine {
            let needle = lines(&example.verbatim);
            match find(&hay, &needle, &covered) {
                Some(at) => covered[at..at + needle.len()].iter_mut().for_each(|c| *c = true),
                None => missing.push(example),
            }
        }
        let printed = residue(&hay, &covered);
        let mut unpaired: Vec<&SpecExample> = missing.clone();
        for block in printed {
            let best = unpaired
                .iter()
                .enumerate()
                .map(|(i, e)| (i, similarity(&block, &lines(&e.verbatim).join("\n"))))
                .max_by(|a, b| a.1.total_cmp(&b.1));
            let location = format!("example.{side}");
            match best {
                Some((i, _)) => {
                    let example = unpaired.remove(i);
                    out.push(finding(
                        &doc.name,
                        Some(spec_op.id.clone()),
                        Some(op.title.clone()),
                        format!("{location}.{}", example.name),
                        Kind::ExampleChanged,
                        json!(block),
                        Some(example),
                    ));
                }
                None => out.push(finding(
                    &doc.name,
                    Some(spec_op.id.clone()),
                    Some(op.title.clone()),
                    location,
                    Kind::OnlyInDocument,
                    json!(block),
                    None,
                )),
            }
        }
        for example in unpaired {
            out.push(finding(
                &doc.name,
                Some(spec_op.id.clone()),
                Some(op.title.clone()),
                format!("example.{side}.{}", example.name),
                Kind::OnlyInSpec,
                Value::Null,
                Some(example),
            ));
        }
    }
    out
}

/// Examples the spec takes from `doc` outside the operation sections compared (`matched`
/// holds `(operationId, section title)` of those): each must still be printed somewhere.
pub fn compare_elsewhere(
    doc: &VendorDocument,
    matched: &[(String, String)],
    examples: &[SpecExample],
) -> Vec<Finding> {
    let printed = lines(&doc.text);
    let uncovered = vec![false; printed.len()];
    examples
        .iter()
        .filter(|e| e.document == doc.name)
        .filter(|e| {
            !matched
                .iter()
                .any(|(id, section)| e.operation.as_deref() == Some(id) && &e.section == section)
        })
        .filter(|e| find(&printed, &lines(&e.verbatim), &uncovered).is_none())
        .map(|e| {
            finding(
                &doc.name,
                e.operation.clone(),
                Some(e.section.clone()),
                format!("example.{}.{}", e.side, e.name),
                Kind::OnlyInSpec,
                Value::Null,
                Some(e),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(text: &str) -> Vec<String> {
        lines(text)
    }

    #[test]
    fn verbatims_match_line_by_line_with_open_ends() {
        let hay = l("Example Responses\n{\n  \"a\" : 1\n} Status Codes");
        let covered = vec![false; hay.len()];
        assert_eq!(find(&hay, &l("{\n\"a\" : 1\n}"), &covered), Some(1));
        assert_eq!(find(&hay, &l("{\n\"a\" : 2\n}"), &covered), None);
    }

    #[test]
    fn uncovered_content_is_residue_and_labels_are_not() {
        let hay = l("Querying all backups:\nGET https://{endpoint}/v1/x\nStatus code: 200\nOK\n{\n\"a\": 1\n}");
        let mut covered = vec![false; hay.len()];
        covered[1] = true;
        assert_eq!(residue(&hay, &covered), vec!["{\n\"a\": 1\n}".to_owned()]);
        covered.iter_mut().skip(4).for_each(|c| *c = true);
        assert!(residue(&hay, &covered).is_empty());
    }
}

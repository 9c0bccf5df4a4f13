//! The error-code table of a document against the `x-error-codes` of the spec whose
//! `x-error-code-pattern` its codes have: codes only on one side, a code answered with
//! another status, a message printed differently.

use crate::doc_drift::explain::{self, Candidates, Found};
use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::model::VendorDocument;
use crate::doc_drift::spec_view::{scalar_text, SpecDoc};
use serde_json::{json, Value};
use std::collections::BTreeSet;

struct Entry<'a> {
    code: String,
    status: u16,
    message: String,
    pointer: String,
    node: &'a Value,
}

fn entries(spec: &SpecDoc) -> Vec<Entry<'_>> {
    spec.value
        .get("x-error-codes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, e)| Entry {
            code: e.get("code").map(scalar_text).unwrap_or_default(),
            status: e.get("status").and_then(Value::as_u64).unwrap_or(0) as u16,
            message: e.get("message").map(scalar_text).unwrap_or_default(),
            pointer: format!("/x-error-codes/{i}"),
            node: e,
        })
        .collect()
}

/// The spec whose code pattern most of the document's codes match.
fn spec_for<'a>(doc: &VendorDocument, specs: &'a [SpecDoc]) -> Option<&'a SpecDoc> {
    specs
        .iter()
        .map(|s| {
            let pattern = s.value.get("x-error-code-pattern").and_then(Value::as_str);
            let re = pattern.and_then(|p| regex::Regex::new(p).ok());
            let hits = doc
                .error_codes
                .iter()
                .filter(|c| re.as_ref().is_some_and(|r| r.is_match(&c.code)))
                .count();
            (hits, s)
        })
        .filter(|(hits, _)| *hits > 0)
        .max_by_key(|(hits, _)| *hits)
        .map(|(_, s)| s)
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Findings of the document's error-code table (none when it has no table).
pub fn compare(doc: &VendorDocument, specs: &[SpecDoc]) -> Vec<Finding> {
    if doc.error_codes.is_empty() {
        return Vec::new();
    }
    let Some(spec) = spec_for(doc, specs) else {
        return vec![Finding {
            document: doc.name.clone(),
            operation: None,
            location: "error".into(),
            kind: Kind::OnlyInDocument,
            document_value: json!(doc
                .error_codes
                .iter()
                .map(|c| c.code.clone())
                .collect::<Vec<_>>()),
            spec_value: Value::Null,
            explained_by: None,
            section: None,
            spec_pointer: None,
            other_document: None,
            other_value: None,
            aspect: None,
            places: Vec::new(),
            stale: Vec::new(),
        }];
    };
    let spec_entries = entries(spec);
    let codes: BTreeSet<&str> = doc
        .error_codes
        .iter()
        .map(|c| c.code.as_str())
        .chain(spec_entries.iter().map(|e| e.code.as_str()))
        .collect();
    let mut out = Vec::new();
    for code in codes {
        let printed: Vec<_> = doc.error_codes.iter().filter(|c| c.code == code).collect();
        let kept: Vec<&Entry> = spec_entries.iter().filter(|e| e.code == code).collect();
        let candidates =
            Candidates::own(kept.iter().flat_map(|e| explain::of(e.node, &e.pointer)).collect());
        // A code the spec lacks has no entry, so nothing explains it.
        let mut push = |kind: Kind, document_value: Value, spec_value: Value| {
            let found = Found { document: &doc.name, section: None };
            let (explained_by, stale) =
                candidates.resolve(&spec.file, found, kind, &document_value);
            out.push(Finding {
                document: doc.name.clone(),
                operation: None,
                location: format!("error.{code}"),
                kind,
                document_value,
                spec_value,
                explained_by,
                section: None,
                spec_pointer: Some(format!(
                    "spec/{}#{}",
                    spec.file,
                    kept.first().map(|e| e.pointer.as_str()).unwrap_or("/x-error-codes")
                )),
                other_document: None,
                other_value: None,
                aspect: None,
                places: Vec::new(),
                stale,
            })
        };
        let doc_statuses: BTreeSet<u16> = printed.iter().map(|c| c.status).collect();
        let spec_statuses: BTreeSet<u16> = kept.iter().map(|e| e.status).collect();
        if kept.is_empty() {
            let rows: Vec<Value> =
                printed.iter().map(|c| json!({"status": c.status, "message": c.message})).collect();
            push(Kind::OnlyInDocument, json!(rows), Value::Null);
            continue;
        }
        if printed.is_empty() {
            let rows: Vec<Value> =
                kept.iter().map(|e| json!({"status": e.status, "message": e.message})).collect();
            push(Kind::OnlyInSpec, Value::Null, json!(rows));
            continue;
        }
        if doc_statuses != spec_statuses {
            push(Kind::ErrorStatus, json!(doc_statuses), json!(spec_statuses));
        }
        for c in &printed {
            if let Some(e) = kept.iter().find(|e| e.status == c.status) {
                if words(&c.message) != words(&e.message) {
                    push(Kind::ErrorMessage, json!(c.message), json!(e.message));
                }
            }
        }
    }
    out
}

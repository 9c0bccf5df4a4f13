//! Reading documents and comparing them with the specs: the whole `doc-drift` run.

use crate::doc_drift::compare::Comparer;
use crate::doc_drift::explain::Stale;
use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::model::VendorDocument;
use crate::doc_drift::spec_view::{find_operation, SpecDoc};
use crate::doc_drift::{cross, errors, examples, group, parse};
use serde_json::{json, Value};
use std::path::Path;

/// Why a document could not be compared.
#[derive(Debug)]
pub enum DocumentError {
    Unreadable { path: String, reason: String },
    Unrecognised { path: String, reason: String },
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Unreadable { path, reason } => write!(f, "cannot read {path}: {reason}"),
            DocumentError::Unrecognised { path, reason } => {
                write!(f, "{path} is not a vendor document doc-drift recognises: {reason}")
            }
        }
    }
}

impl std::error::Error for DocumentError {}

/// Reads and parses one document. A document with neither an operation section nor an
/// error-code table is refused.
pub fn read(path: &Path) -> Result<VendorDocument, DocumentError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| DocumentError::Unreadable { path: shown.clone(), reason: e.to_string() })?;
    let name =
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| shown.clone());
    recognise(&shown, parse::parse(&name, &text))
}

/// Refuses a parsed document in which nothing was recognised.
pub fn recognise(shown: &str, doc: VendorDocument) -> Result<VendorDocument, DocumentError> {
    if doc.operations.is_empty() && doc.error_codes.is_empty() {
        return Err(DocumentError::Unrecognised {
            path: shown.to_owned(),
            reason:
                "found no operation section (a title line, `Function`, then a URI line such as \
                     `GET /v1/{project_id}/policies`) and no error-code table (Status Code | Error \
                     Code | Error Message)"
                    .to_owned(),
        });
    }
    Ok(doc)
}

/// An operation section and the spec operation it describes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Described {
    pub document: String,
    pub section: String,
    pub method: String,
    pub path: String,
    pub operation: Option<String>,
}

/// The result of a run.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub described: Vec<Described>,
}

impl Report {
    /// How many findings nothing in the spec explains.
    pub fn unexplained(&self) -> usize {
        self.findings.iter().filter(|f| !f.is_explained()).count()
    }

    /// The explanations whose premise no longer holds, each once.
    pub fn stale(&self) -> Vec<&Stale> {
        let mut out: Vec<&Stale> = Vec::new();
        for s in self.findings.iter().flat_map(|f| &f.stale) {
            if !out.iter().any(|o| o.explanation == s.explanation && o.recorded == s.recorded) {
                out.push(s);
            }
        }
        out
    }
}

/// The kinds of spec finding that say the same as a disagreement in `aspect`.
fn respect(aspect: &str) -> &'static [Kind] {
    match aspect {
        "values" | "sort keys" => &[Kind::EnumValues],
        "minLength" | "maxLength" | "minimum" | "maximum" => &[Kind::RangeOrLength],
        "default" | "sort direction" => &[Kind::Default],
        "type" => &[Kind::Type],
        "required" => &[Kind::Required],
        "presence" => &[Kind::OnlyInDocument, Kind::OnlyInSpec],
        _ => &[],
    }
}

/// Compares the documents with the specs, and the documents with each other where two of
/// them describe the same operation.
pub fn compare(docs: &[VendorDocument], specs: &[SpecDoc]) -> Report {
    let spec_examples = examples::spec_examples(specs);
    let mut findings = Vec::new();
    let mut described = Vec::new();
    // (operationId, document index, section index) of every matched section.
    let mut sections: Vec<(String, usize, usize)> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let mut matched = Vec::new();
        for (s, op) in doc.operations.iter().enumerate() {
            let spec_op = find_operation(specs, &op.method, &op.path);
            described.push(Described {
                document: doc.name.clone(),
                section: op.title.clone(),
                method: op.method.clone(),
                path: op.path.clone(),
                operation: spec_op.as_ref().map(|o| o.id.clone()),
            });
            match spec_op {
                Some(spec_op) => {
                    findings.extend(Comparer::new(&doc.name, op, &spec_op).run());
                    findings.extend(examples::compare_operation(doc, op, &spec_op, &spec_examples));
                    matched.push((spec_op.id.clone(), op.title.clone()));
                    sections.push((spec_op.id.clone(), d, s));
                }
                None => findings.push(Finding {
                    document: doc.name.clone(),
                    operation: None,
                    location: "operation".into(),
                    kind: Kind::OnlyInDocument,
                    document_value: json!(format!("{} {}", op.method, op.path)),
                    spec_value: Value::Null,
                    explained_by: None,
                    section: Some(op.title.clone()),
                    spec_pointer: None,
                    other_document: None,
                    other_value: None,
                    aspect: None,
                    places: Vec::new(),
                    stale: Vec::new(),
                }),
            }
        }
        findings.extend(examples::compare_elsewhere(doc, &matched, &spec_examples));
        findings.extend(errors::compare(doc, specs));
    }
    let mut disagreements = Vec::new();
    for (i, (id, da, sa)) in sections.iter().enumerate() {
        for (id_b, db, sb) in &sections[i + 1..] {
            if id == id_b && da != db {
                let a = (docs[*da].name.as_str(), &docs[*da].operations[*sa]);
                let b = (docs[*db].name.as_str(), &docs[*db].operations[*sb]);
                disagreements.extend(cross::compare(id, a, b));
            }
        }
    }
    // A disagreement is explained where the spec departs from one of the two documents at
    // the same place, in the same respect, and says why.
    for d in &mut disagreements {
        let kinds = respect(d.aspect.as_deref().unwrap_or(""));
        d.explained_by = findings
            .iter()
            .filter(|f| f.operation == d.operation && f.location == d.location)
            .filter(|f| kinds.contains(&f.kind))
            .find_map(|f| f.explained_by.clone());
    }
    findings.extend(disagreements);
    let findings = group::group(findings);
    Report { findings, described }
}

//! A finding of `doc-drift`: where a vendor document and the spec differ, every place the
//! difference recurs, and what in the spec explains it.

use crate::doc_drift::explain::Stale;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A parameter, field, operation, status, example or error code the spec lacks.
    OnlyInDocument,
    /// Something the spec has where the document has a table, list or section without it.
    OnlyInSpec,
    Type,
    Required,
    RangeOrLength,
    EnumValues,
    /// A character set, `UUID format` or `for example` value the pattern or format does not
    /// agree with.
    Pattern,
    Default,
    ExampleChanged,
    ErrorStatus,
    ErrorMessage,
    /// Two documents describing the same operation say different things.
    DocumentsDisagree,
}

impl Kind {
    /// The words the report prints.
    pub fn words(self) -> &'static str {
        match self {
            Kind::OnlyInDocument => "only in the document",
            Kind::OnlyInSpec => "only in the spec",
            Kind::Type => "type",
            Kind::Required => "required",
            Kind::RangeOrLength => "range or length",
            Kind::EnumValues => "enum values",
            Kind::Pattern => "pattern",
            Kind::Default => "default",
            Kind::ExampleChanged => "example changed",
            Kind::ErrorStatus => "error status",
            Kind::ErrorMessage => "error message",
            Kind::DocumentsDisagree => "documents disagree",
        }
    }
}

/// One place a difference is found: an operation of the spec, a location in it and the
/// document's section.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub operation: Option<String>,
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// One difference. `operation`, `location` and `section` name its first place; `places`
/// lists every place it recurs (a repeated table, a recursive schema).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// The vendor document (file name).
    pub document: String,
    /// The spec's `operationId`; null for the error-code table and unknown operations.
    pub operation: Option<String>,
    /// `query.limit`, `body.policy.name`, `response.checkpoint_items[].resource_id`,
    /// `status.503`, `example.response`, `error.CSBS.9007`.
    pub location: String,
    pub kind: Kind,
    pub document_value: Value,
    pub spec_value: Value,
    /// The `x-decision` or `x-errata` that explains the difference (`<pointer>: <text>`), or
    /// null when nothing does.
    pub explained_by: Option<String>,
    /// The section of the document (`5.2.1 Creating a Backup Policy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// Where to edit: `spec/<file>#<JSON pointer>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec_pointer: Option<String>,
    /// For `documents_disagree`: the other document, its value, and what differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_document: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aspect: Option<String>,
    /// Every place of the difference, the first one first (filled when findings are grouped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// Explanations of this kind and place made against another document value: their
    /// premise no longer holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<Stale>,
}

impl Finding {
    /// True when an `x-decision` or `x-errata` explains the finding.
    pub fn is_explained(&self) -> bool {
        self.explained_by.is_some()
    }

    /// The place of a finding not yet grouped.
    pub fn place(&self) -> Place {
        Place {
            operation: self.operation.clone(),
            location: self.location.clone(),
            section: self.section.clone(),
        }
    }

    /// Every place of the finding (its own when it was not grouped).
    pub fn places(&self) -> Vec<Place> {
        if self.places.is_empty() {
            vec![self.place()]
        } else {
            self.places.clone()
        }
    }
}

//! What the parser reads out of a vendor page: its operations (URI, parameter tables,
//! request and response field trees, status codes, example text) and its error-code table.

use crate::doc_drift::cells::DocType;

/// A vendor document as read.
#[derive(Clone, Debug)]
pub struct VendorDocument {
    /// The file name (`004_2d09f3b3e42cc2b5.txt`), as `x-source.document` names it.
    pub name: String,
    /// The whole text, for finding printed examples.
    pub text: String,
    pub operations: Vec<DocOperation>,
    pub error_codes: Vec<DocErrorCode>,
}

/// One operation section of a document.
#[derive(Clone, Debug)]
pub struct DocOperation {
    /// The section title as printed (`5.2.1 Creating a Backup Policy`).
    pub title: String,
    /// Uppercase HTTP method of the URI line.
    pub method: String,
    /// Path template of the URI line without host and query (`/v1/{project_id}/policies`).
    pub path: String,
    pub parameters: Vec<DocParameter>,
    /// Fields of the request body table, when the section has one.
    pub request_body: Option<Vec<Field>>,
    /// Fields of the response body table, when the section has one.
    pub response_body: Option<Vec<Field>>,
    /// Status codes of the status-code tables.
    pub statuses: Vec<u16>,
    /// The text printed under "Example request(s)" and "Example response(s)".
    pub request_examples: String,
    pub response_examples: String,
    /// Titles of type tables that no field led to (a sign of a renamed type).
    pub unreached_tables: Vec<String>,
}

/// A path, query or header parameter row.
#[derive(Clone, Debug)]
pub struct DocParameter {
    /// `path`, `query` or `header`.
    pub location: &'static str,
    pub field: Field,
}

/// A row of a parameter or field table, with the rows of its type's table when the
/// document has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    /// The Mandatory column; `None` where the table has none (responses).
    pub mandatory: Option<bool>,
    /// The Type cell as printed.
    pub type_text: String,
    pub ty: DocType,
    pub description: String,
    /// Fields of the object type (of the array's elements for a list); `None` when the
    /// document has no table for the type.
    pub children: Option<Vec<Field>>,
}

/// A row of the error-code table.
#[derive(Clone, Debug, PartialEq)]
pub struct DocErrorCode {
    pub status: u16,
    pub code: String,
    pub message: String,
}

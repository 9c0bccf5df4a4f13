//! `x-domain-errors`: which documented error an operation answers under which condition of
//! the request, with the status the error-code table gives the code.

use super::expr::Expr;
use super::operation_extension;
use crate::catalogue::error_codes;
use crate::Operation;
use serde::Deserialize;

/// The conditions the documents name (see `spec/CONVENTIONS.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// The value names no object of the project.
    NotFound,
    /// Another object of the project already has the value.
    Duplicate,
    /// The object the value names is being protected, restored or deleted.
    Busy,
    /// The value names a part that does not belong to the object (a disk backup of another
    /// backup).
    Foreign,
    /// The values leave out a part the object requires (a disk backup without a target).
    Incomplete,
}

impl Condition {
    /// The word in the documents.
    pub fn name(self) -> &'static str {
        match self {
            Condition::NotFound => "not-found",
            Condition::Duplicate => "duplicate",
            Condition::Busy => "busy",
            Condition::Foreign => "foreign",
            Condition::Incomplete => "incomplete",
        }
    }
}

/// One documented error of an operation.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainError {
    /// The code (`CSBS.9007`); `None` where the document's table is not among the sources and
    /// any code of its form will do (CBR).
    pub code: Option<String>,
    /// The status the error-code table gives the code (or the extension, without a code).
    pub status: u16,
    pub when: Condition,
    /// The request value the condition is about.
    pub value: Expr,
}

#[derive(Deserialize)]
struct Raw {
    code: Option<String>,
    status: Option<u16>,
    when: Condition,
    value: Expr,
}

/// The documented domain errors of `op`. The status of a code is read from the document's
/// `x-error-codes` (the first row, where a code has two).
pub fn domain_errors(op: &Operation) -> Vec<DomainError> {
    let Some(value) = operation_extension(op, "x-domain-errors") else { return Vec::new() };
    let raw: Vec<Raw> = super::typed(op, "x-domain-errors", value);
    let table = error_codes(op.service);
    raw.into_iter()
        .map(|r| {
            let status = match (&r.code, r.status) {
                (Some(code), _) => {
                    table.iter().find(|row| &row.code == code).map(|row| row.status).unwrap_or_else(
                        || {
                            panic!(
                                "x-domain-errors of {} names {code}, which is not in x-error-codes",
                                op.id
                            )
                        },
                    )
                }
                (None, Some(status)) => status,
                (None, None) => {
                    panic!("x-domain-errors of {} has a row with neither code nor status", op.id)
                }
            };
            DomainError { code: r.code, status, when: r.when, value: r.value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{all_operations, find_operation};

    #[test]
    fn statuses_come_from_the_error_table() {
        let create = domain_errors(find_operation("createPolicy").unwrap());
        let duplicate = create.iter().find(|e| e.code.as_deref() == Some("CSBS.9007")).unwrap();
        assert_eq!((duplicate.status, duplicate.when), (400, Condition::Duplicate));
        let show = domain_errors(find_operation("showPolicy").unwrap());
        assert_eq!(show[0].status, 404);
        for op in all_operations() {
            domain_errors(op);
        }
    }
}

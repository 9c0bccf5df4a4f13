//! The documented behaviour JSON Schema cannot say, as the documents state it in `x-`
//! extensions and OpenAPI `links` (see `spec/CONVENTIONS.md`, "Behaviour"): which item
//! property a query filter selects on and how (`x-filter`), how a list pages (`x-pagination`)
//! and what a count counts (`x-count-of`), what an operation creates, where it is shown and
//! how it is deleted (`links`), what a later read returns of a request (`x-echo`), which
//! documented error answers which condition (`x-domain-errors`), what `used` counts in the
//! quotas (`x-usage`), the statuses of a backup's life (`x-lifecycle`) and what the CBR view
//! shows of them (`x-view-of`), which parameters
//! are admin-only or scope the credential (`x-admin-only`, `x-credential-scope`), which
//! policy holds a server (`x-binding`, `x-protectable`), which parts a request acts on
//! (`x-subset`) and which it leaves (`x-leaves`), what a policy's runs keep (`x-retention`,
//! `x-overrides`), and what a server's first backup is (`x-first-backup`).
//!
//! The mock and the conformance runner both read these, so that they cannot disagree
//! silently. Each reader returns typed values; a malformed extension is a defect of the
//! committed documents, caught by this crate's tests.

mod binding;
mod errors;
mod expr;
mod filter;
mod first;
mod links;
mod lists;
mod retention;
mod status;

pub use binding::{
    binding, leaves, protectable, subset, Binding, Effect, Leaves, NoneChosen, Protectable, Subset,
};
pub use errors::{domain_errors, Condition, DomainError};
pub use expr::{select, Expr, RequestParts};
pub use filter::{filters, instant, Filter, FilterRule, MadeBy, Match};
pub use first::{first_backup, FirstBackup, Shown};
pub use links::{
    deletion, links, response_echo, response_keeps, Echo, EchoField, Keeps, Link, Same,
};
pub use lists::{
    count_of, pagination, sort_default, usage, CountOf, Pagination, Sum, Usage, UsageKind,
};
pub use retention::{retention, Override, Retention, RetentionKind, RetentionRule};
pub use status::{
    admin_only, backup_lifecycle, cbr_status_view, credential_scope, provider_id, Lifecycle,
    StatusView,
};

use crate::document::deref;
use crate::Operation;
use serde_json::Value;

/// The `x-` extension `name` of `op`'s operation object.
fn operation_extension(op: &Operation, name: &str) -> Option<&'static Value> {
    op.raw().get(name)
}

/// The success response object of `op`, `$ref` followed.
fn success_response(op: &Operation) -> Option<&'static Value> {
    let doc = op.service.document();
    let status = op.success_status().to_string();
    op.raw().get("responses")?.get(status).map(|r| deref(doc, r))
}

/// Reads an extension's value into `T`; a malformed one is a defect of the documents.
fn typed<T: serde::de::DeserializeOwned>(op: &Operation, name: &str, value: &Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!("{name} of {} in {} is malformed: {e}", op.id, op.service.file_name())
    })
}

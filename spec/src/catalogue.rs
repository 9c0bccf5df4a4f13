//! The error-code tables of the documents, read at run time: appendix 6.2's `x-error-codes`,
//! the gateway's `x-gateway-error-codes`, `x-validation-error-code` and
//! `x-error-code-pattern`. (Code that answers with a code names it as a constant of
//! `csbs_types::codes`, generated from the same tables.)

use crate::Service;
use serde::Deserialize;

/// One row of the vendor's error-code table.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ErrorCode {
    /// `CSBS.6004`.
    pub code: String,
    /// HTTP status answered with this code.
    pub status: u16,
    /// The message as the document prints it (may hold `%s` placeholders).
    pub message: String,
    /// What it means, in our words.
    pub meaning: String,
    /// What the caller can do about it.
    pub solution: String,
}

/// Every documented error code of a service, in document order. A code may appear twice with
/// two statuses (CSBS.9009 is both 403 and 400).
pub fn error_codes(service: Service) -> Vec<ErrorCode> {
    service
        .document()
        .get("x-error-codes")
        .map(|v| {
            serde_json::from_value(v.clone()).unwrap_or_else(|e| {
                panic!("x-error-codes of {} is malformed: {e}", service.file_name())
            })
        })
        .unwrap_or_default()
}

/// The rows for `code` in both documents' tables, in document order (CSBS.9009 has two).
pub fn lookup(code: &str) -> Vec<ErrorCode> {
    Service::ALL.into_iter().flat_map(error_codes).filter(|row| row.code == code).collect()
}

/// True when `code` answered with `status` is a documented pair.
pub fn is_documented(code: &str, status: u16) -> bool {
    lookup(code).iter().any(|row| row.status == status)
}

/// Codes the API gateway in front of the service answers itself (authentication, unknown
/// paths, methods, oversized bodies), from `x-gateway-error-codes`; not in the reference.
pub fn gateway_codes() -> Vec<ErrorCode> {
    Service::Csbs
        .document()
        .get("x-gateway-error-codes")
        .map(|v| {
            serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("x-gateway-error-codes is malformed: {e}"))
        })
        .unwrap_or_default()
}

/// The gateway row for a status (401, 403, 404, 405, 413).
pub fn gateway_code(status: u16) -> Option<ErrorCode> {
    gateway_codes().into_iter().find(|row| row.status == status)
}

fn root_text(service: Service, key: &str) -> Option<String> {
    service.document().get(key).and_then(serde_json::Value::as_str).map(str::to_owned)
}

/// The code a service answers for a request that breaks a validation rule
/// (`x-validation-error-code`).
pub fn validation_code(service: Service) -> Option<String> {
    root_text(service, "x-validation-error-code")
}

/// True when `code` answered with `status` is documented for `service`: a row of its table, or,
/// for a service whose table is not among the documents (CBR), any code of its documented form
/// (`x-error-code-pattern`), whatever the status.
pub fn is_documented_for(service: Service, code: &str, status: u16) -> bool {
    let rows = error_codes(service);
    if !rows.is_empty() {
        return rows.iter().any(|row| row.code == code && row.status == status);
    }
    root_text(service, "x-error-code-pattern")
        .and_then(|p| regex::Regex::new(&p).ok())
        .is_some_and(|re| re.is_match(code))
}

//! Error answers: `{"error_code", "error_msg"}` with the documented code and status.
//!
//! Codes come from the spec's catalogues: the CSBS table (`x-error-codes`) for domain errors,
//! the gateway table (`x-gateway-error-codes`) for authentication, routing and size errors.
//! Validation errors use each document's `x-validation-error-code` (CSBS.9001,
//! BackupService.9001). CBR's own table is not among the source documents, so unknown
//! restore points answer `BackupService.3001`: this mock's choice, mirroring the number of the
//! CSBS code with the same meaning.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use csbs_spec::catalogue::{error_codes, gateway_codes};
use csbs_spec::{ErrorCode, Service, Violation};
use std::collections::HashMap;
use std::sync::OnceLock;

/// CBR code for an unknown restore point or backup (this mock's choice, see the module doc).
pub const CBR_NOT_FOUND: &str = "BackupService.3001";

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// `Allow` header of a 405.
    pub allow: Option<String>,
}

fn documented() -> &'static HashMap<String, ErrorCode> {
    static TABLE: OnceLock<HashMap<String, ErrorCode>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        for row in error_codes(Service::Csbs) {
            // A code listed twice (CSBS.9009) keeps its first row.
            table.entry(row.code.clone()).or_insert(row);
        }
        table
    })
}

/// `x-validation-error-code` of each document, read once.
fn validation_code(service: Service) -> &'static str {
    static CODES: OnceLock<HashMap<Service, String>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        Service::ALL
            .into_iter()
            .filter_map(|s| csbs_spec::catalogue::validation_code(s).map(|c| (s, c)))
            .collect()
    });
    codes.get(&service).map_or("CSBS.9001", String::as_str)
}

fn gateway() -> &'static HashMap<u16, ErrorCode> {
    static TABLE: OnceLock<HashMap<u16, ErrorCode>> = OnceLock::new();
    TABLE.get_or_init(|| gateway_codes().into_iter().map(|row| (row.status, row)).collect())
}

/// Fills the `%s` placeholders of a documented message in order; arguments left over are
/// appended, so the message always names what it is about.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut args = args.iter();
    while let Some(at) = rest.find("%s") {
        out.push_str(&rest[..at]);
        out.push_str(args.next().copied().unwrap_or("?"));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    let extra: Vec<&str> = args.copied().collect();
    if !extra.is_empty() {
        out.push_str(": ");
        out.push_str(&extra.join(", "));
    }
    out
}

impl ApiError {
    fn new(status: u16, code: &str, message: String) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code: code.to_owned(),
            message,
            allow: None,
        }
    }

    /// A documented CSBS code with its documented status and message.
    pub fn documented(code: &str, args: &[&str]) -> ApiError {
        match documented().get(code) {
            Some(row) => ApiError::new(row.status, code, fill(&row.message, args)),
            // Only reachable through a typo in this crate; tests cover every code used.
            None => ApiError::new(400, code, fill("%s", args)),
        }
    }

    /// A gateway answer (401, 403, 404, 405, 413) with a detail after the documented message.
    pub fn gateway(status: u16, detail: &str) -> ApiError {
        match gateway().get(&status) {
            Some(row) => ApiError::new(status, &row.code, format!("{}: {detail}", row.message)),
            None => ApiError::new(status, "APIGW.0000", detail.to_owned()),
        }
    }

    /// 405 with the `Allow` header.
    pub fn method_not_allowed(method: &str, allowed: &[String]) -> ApiError {
        let allow = allowed.join(", ");
        let mut error =
            ApiError::gateway(405, &format!("{method} is not allowed here; use {allow}"));
        error.allow = Some(allow);
        error
    }

    /// A request that breaks the contract: every violation, in the spec crate's words, with
    /// the document's validation code.
    pub fn invalid(service: Service, violations: &[Violation]) -> ApiError {
        let message = violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        ApiError::new(400, validation_code(service), message)
    }

    /// One violation, for checks the mock makes beyond the schemas (a marker that names
    /// nothing is a 404 instead, see the handlers).
    pub fn invalid_field(
        service: Service,
        field: &str,
        rule: &str,
        message: &str,
        value: serde_json::Value,
    ) -> ApiError {
        let violation = Violation {
            field: field.to_owned(),
            rule: rule.to_owned(),
            message: message.to_owned(),
            value,
        };
        ApiError::invalid(service, &[violation])
    }

    /// A CBR restore point or backup that does not exist.
    pub fn cbr_not_found(what: &str, id: &str) -> ApiError {
        ApiError::new(404, CBR_NOT_FOUND, format!("{what} {id} is not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error_code": self.code, "error_msg": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(allow) = self.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_messages_are_filled() {
        let e = ApiError::documented("CSBS.3001", &["abc"]);
        assert_eq!(
            (e.status.as_u16(), e.message.as_str()),
            (404, "Checkpoint_item (abc) is not found.")
        );
        let e = ApiError::documented("CSBS.3000", &["p1"]);
        assert_eq!((e.status.as_u16(), e.message.as_str()), (404, "plan not found: p1"));
        assert_eq!(
            ApiError::documented("CSBS.6024", &["v"]).message,
            "Target volume (v) size (?) small than volume backup (?) size (?)."
        );
    }

    #[test]
    fn validation_codes_come_from_the_spec() {
        assert_eq!(ApiError::invalid(Service::Csbs, &[]).code, "CSBS.9001");
        assert_eq!(ApiError::invalid(Service::Cbr, &[]).code, "BackupService.9001");
    }

    #[test]
    fn gateway_codes_come_from_the_spec() {
        assert_eq!(ApiError::gateway(401, "no token").code, "APIGW.0301");
        let e = ApiError::method_not_allowed("PATCH", &["GET".into(), "PUT".into()]);
        assert_eq!((e.status.as_u16(), e.allow.as_deref()), (405, Some("GET, PUT")));
    }
}

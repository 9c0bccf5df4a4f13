//! Error answers: `{"error_code", "error_msg"}` with the documented code and status.
//!
//! Codes are the constants of `csbs_types::codes`, generated from the spec's catalogues (a
//! code the documents do not list does not compile): the CSBS table (`x-error-codes`) for
//! domain errors, the gateway table (`x-gateway-error-codes`) for authentication, routing and
//! size errors.
//! Validation errors use each document's `x-validation-error-code` (CSBS.9001,
//! BackupService.9001). CBR's own table is not among the source documents, so unknown
//! restore points answer `BackupService.3001`: this mock's choice, mirroring the number of the
//! CSBS code with the same meaning.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use csbs_spec::{Service, Violation};
use csbs_types::codes::{cbr, csbs, gateway};
use csbs_types::Code;
use std::borrow::Cow;

/// CBR code for an unknown restore point or backup (this mock's choice, see the module doc).
pub const CBR_NOT_FOUND: Code = Code { code: "BackupService.3001", status: 404, message: "" };

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// `Allow` header of a 405.
    pub allow: Option<String>,
    /// Close the connection after the answer (`Connection: close`): the rest of the request
    /// will not be read.
    pub close: bool,
}

/// `text` as an error message quotes a value: itself, or beyond
/// [`csbs_spec::validate::MAX_EXCERPT`] bytes its first bytes (cut at a character boundary)
/// and `...`, within that many bytes. A message then costs the same whatever the request
/// holds (a 63 KB path once came back whole in a 404).
pub fn quoted(text: &str) -> Cow<'_, str> {
    excerpt(text, csbs_spec::validate::MAX_EXCERPT)
}

/// `text`, or beyond `max` bytes its first bytes and `...`, within `max` bytes.
pub fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let end = (0..=max.saturating_sub(3)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    Cow::Owned(format!("{}...", &text[..end]))
}

/// Fills the `%s` placeholders of a documented message in order, each argument [`quoted`];
/// arguments left over are appended, so the message always names what it is about.
fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut args = args.iter().map(|a| quoted(a));
    while let Some(at) = rest.find("%s") {
        out.push_str(&rest[..at]);
        out.push_str(&args.next().unwrap_or(Cow::Borrowed("?")));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    let extra: Vec<Cow<'_, str>> = args.collect();
    if !extra.is_empty() {
        out.push_str(": ");
        out.push_str(&extra.join(", "));
    }
    out
}

impl ApiError {
    fn new(code: Code, message: String) -> ApiError {
        ApiError {
            status: StatusCode::from_u16(code.status).unwrap_or(StatusCode::BAD_REQUEST),
            code: code.code,
            message,
            allow: None,
            close: false,
        }
    }

    /// A documented code with its documented status and message.
    pub fn documented(code: Code, args: &[&str]) -> ApiError {
        ApiError::new(code, fill(code.message, args))
    }

    /// A gateway answer (`codes::gateway`) with a detail after the documented message.
    pub fn gateway(code: Code, detail: &str) -> ApiError {
        ApiError::new(code, format!("{}: {detail}", code.message))
    }

    /// 405 with the `Allow` header.
    pub fn method_not_allowed(method: &str, allowed: &[String]) -> ApiError {
        let allow = allowed.join(", ");
        let mut error = ApiError::gateway(
            gateway::APIGW_0102,
            &format!("{} is not allowed here; use {allow}", quoted(method)),
        );
        error.allow = Some(allow);
        error
    }

    /// A request that breaks the contract: every violation, in the spec crate's words, with
    /// the document's validation code.
    pub fn invalid(service: Service, violations: &[Violation]) -> ApiError {
        let message = violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        let code = match service {
            Service::Csbs => csbs::VALIDATION,
            Service::Cbr => cbr::VALIDATION,
        };
        ApiError::new(code, message)
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
        ApiError::new(CBR_NOT_FOUND, format!("{what} {} is not found", quoted(id)))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error_code": self.code, "error_msg": self.message});
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(allow) = self.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            response.headers_mut().insert(header::ALLOW, allow);
        }
        if self.close {
            response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_messages_are_filled() {
        let e = ApiError::documented(csbs::CSBS_3001, &["abc"]);
        assert_eq!(
            (e.status.as_u16(), e.message.as_str()),
            (404, "Checkpoint_item (abc) is not found.")
        );
        let e = ApiError::documented(csbs::CSBS_3000, &["p1"]);
        assert_eq!((e.status.as_u16(), e.message.as_str()), (404, "plan not found: p1"));
        assert_eq!(
            ApiError::documented(csbs::CSBS_6024, &["v"]).message,
            "Target volume (v) size (?) small than volume backup (?) size (?)."
        );
    }

    #[test]
    fn validation_codes_come_from_the_spec() {
        assert_eq!(ApiError::invalid(Service::Csbs, &[]).code, "CSBS.9001");
        assert_eq!(ApiError::invalid(Service::Cbr, &[]).code, "BackupService.9001");
    }

    #[test]
    fn the_cbr_not_found_code_has_the_documented_form() {
        // The CBR table is not among the documents: a code of its form counts as documented.
        let code = CBR_NOT_FOUND;
        assert!(csbs_spec::catalogue::is_documented_for(Service::Cbr, code.code, code.status));
    }

    #[test]
    fn gateway_codes_come_from_the_spec() {
        let e = ApiError::gateway(gateway::APIGW_0301, "no token");
        assert_eq!((e.status.as_u16(), e.code), (401, "APIGW.0301"));
        assert!(e.message.ends_with(": no token"), "{}", e.message);
        let e = ApiError::method_not_allowed("PATCH", &["GET".into(), "PUT".into()]);
        assert_eq!((e.status.as_u16(), e.allow.as_deref()), (405, Some("GET, PUT")));
    }
}

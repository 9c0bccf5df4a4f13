//! Checks of what a scenario expects: an example accepted, a request without a valid token
//! refused.

use super::check::{Failure, Verdict};
use super::response::error_suffix;
use crate::http::Exchange;
use csbs_spec::catalogue;
use csbs_spec::Operation;
use serde_json::Value;

/// `positive_data_acceptance`: a documented example request is answered with a documented
/// 2xx status. A refusal names the error code and what the catalogue says about it.
pub fn accepted(op: &Operation, exchange: &Exchange) -> Option<Verdict> {
    let response = exchange.response()?;
    let status = response.status;
    if (200..300).contains(&status) && op.responses.contains_key(&status) {
        return Some(Ok(()));
    }
    let body = response.json().ok();
    let mut message =
        format!("the documented example was answered {status}{}", error_suffix(body.clone()));
    let code = body.as_ref().and_then(|b| b.get("error_code")).and_then(Value::as_str);
    if let Some(row) = code.and_then(|c| catalogue::lookup(c).into_iter().next()) {
        message.push_str(&format!("; the catalogue says: {} {}", row.meaning, row.solution));
    }
    Some(Err(Failure::new(status.to_string(), message)))
}

/// `ignored_auth`: the request (without a token or with `what` token) is answered 401.
pub fn refused(exchange: &Exchange, what: &str) -> Option<Verdict> {
    let response = exchange.response()?;
    if response.status == 401 {
        return Some(Ok(()));
    }
    let message = format!(
        "a request with {what} was answered {}{}; expected 401",
        response.status,
        error_suffix(response.json().ok())
    );
    Some(Err(Failure::new("401", message)))
}

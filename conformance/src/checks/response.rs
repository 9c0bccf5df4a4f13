//! The checks every exchange gets, whatever sent it: transport, status, content type, schema.

use super::check::{Check, Failure, Verdict};
use super::headers::documented_headers;
use crate::http::{Exchange, TransportError};
use csbs_spec::document::deref;
use csbs_spec::validate::Contract;
use csbs_spec::Operation;
use serde_json::Value;

/// How many schema violations one failure lists.
const MAX_VIOLATIONS: usize = 5;

/// Transport checks, then (when a response arrived) the response checks; and the documented
/// headers of the 429 answers waited out before it (sent again before any check saw them).
pub fn response_checks(op: &'static Operation, exchange: &Exchange) -> Vec<(Check, Verdict)> {
    let mut out = answer_checks(op, exchange);
    let waited = exchange.waited.iter().filter_map(|r| documented_headers(op, r));
    out.extend(waited.map(|v| (Check::ResponseHeadersConformance, v)));
    out
}

/// The checks of the exchange's last answer (or its transport failure).
fn answer_checks(op: &'static Operation, exchange: &Exchange) -> Vec<(Check, Verdict)> {
    let response = match &exchange.outcome {
        Err(e @ TransportError::Timeout { .. }) => {
            return vec![(Check::MaxResponseTime, Err(Failure::new("timeout", e.to_string())))]
        }
        Err(e @ TransportError::Connection { .. }) => {
            return vec![(Check::ResponseReceived, Err(Failure::new("connection", e.to_string())))]
        }
        Ok(response) => response,
    };
    let status = response.status;
    let mut out = vec![(Check::ResponseReceived, Ok(())), (Check::MaxResponseTime, Ok(()))];
    out.push((
        Check::MaxResponseSize,
        if response.truncated {
            Err(Failure::new(
                "max_body_bytes",
                format!("the body is larger than the cap of {} bytes", response.body.len()),
            ))
        } else {
            Ok(())
        },
    ));
    out.push((
        Check::NotAServerError,
        if status >= 500 {
            Err(Failure::new(
                status.to_string(),
                format!("the server answered {status}{}", error_suffix(response.json().ok())),
            ))
        } else {
            Ok(())
        },
    ));
    if let Err(undocumented) = op.check_status(status) {
        let failure = Failure::new(status.to_string(), undocumented.to_string());
        out.push((Check::StatusCodeConformance, Err(failure)));
        return out;
    }
    out.push((Check::StatusCodeConformance, Ok(())));
    if let Some(media_types) = documented_media_types(op, status) {
        out.push((
            Check::ContentTypeConformance,
            content_type(response.media_type(), &media_types),
        ));
    }
    if let Some(verdict) = documented_headers(op, response) {
        out.push((Check::ResponseHeadersConformance, verdict));
    }
    if let Some(Some(_)) = op.responses.get(&status) {
        if !response.truncated {
            let body = response.json();
            let page =
                body.as_ref().ok().and_then(|b| page_bound(op, &exchange.request.url, status, b));
            out.push((Check::ResponseSchemaConformance, schema(op, status, body)));
            out.extend(page.map(|verdict| (Check::PaginationConformance, verdict)));
        }
    }
    out
}

/// Every check [`response_checks`] can give on an answer of `op`: what a series of its
/// exchanges (the generated cases) is judged by, whatever each answer was. Not
/// `response_headers_conformance`: only the statuses that document headers (429) get it, and
/// a series passes it only where such an answer came.
pub fn checks_for(op: &Operation) -> Vec<Check> {
    let mut out = vec![
        Check::ResponseReceived,
        Check::MaxResponseTime,
        Check::MaxResponseSize,
        Check::NotAServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
    ];
    if csbs_spec::behaviour::pagination(op).is_some() {
        out.push(Check::PaginationConformance);
    }
    out
}

/// A list page (`x-pagination`) answered 200 holds at most the `limit` the request asked for,
/// whatever part of the run sent it (a page of `limit + 1` hides behind every other check).
fn page_bound(op: &Operation, url: &str, status: u16, body: &Value) -> Option<Verdict> {
    let paging = csbs_spec::behaviour::pagination(op).filter(|_| status == 200)?;
    let query = url.split_once('?')?.1;
    let limit: usize = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| *k == paging.limit)
        .and_then(|(_, v)| v.parse().ok())?;
    let listed = body.pointer(&paging.items)?.as_array()?.len();
    Some(if listed <= limit {
        Ok(())
    } else {
        Err(Failure::new(
            paging.limit.as_str(),
            format!("{}={limit} answered a page of {listed} items", paging.limit),
        ))
    })
}

/// Media types documented for a status; `None` when the status documents no body.
fn documented_media_types(op: &Operation, status: u16) -> Option<Vec<String>> {
    let doc = op.service.document();
    let response = op.raw().get("responses")?.get(status.to_string())?;
    let content = deref(doc, response).get("content")?.as_object()?;
    Some(content.keys().map(|k| k.to_ascii_lowercase()).collect())
}

fn content_type(actual: Option<String>, documented: &[String]) -> Verdict {
    match actual {
        Some(media) if documented.contains(&media) => Ok(()),
        Some(media) => Err(Failure::new(
            "content-type",
            format!("Content-Type is {media}; documented: {}", documented.join(", ")),
        )),
        None => Err(Failure::new(
            "content-type",
            format!("no Content-Type; documented: {}", documented.join(", ")),
        )),
    }
}

fn schema(op: &Operation, status: u16, body: Result<Value, String>) -> Verdict {
    let body = body.map_err(|why| Failure::new("json", why))?;
    let Some(compiled) = Contract::global().operation(&op.id) else {
        return Err(Failure::new(
            "spec",
            format!("{} is missing from the compiled contract", op.id),
        ));
    };
    compiled.validate_response(status, Some(&body)).map_err(|violations| {
        let rule = violations.first().map(|v| v.rule.clone()).unwrap_or_default();
        let mut shown: Vec<String> =
            violations.iter().take(MAX_VIOLATIONS).map(|v| v.to_string()).collect();
        if violations.len() > MAX_VIOLATIONS {
            shown.push(format!("and {} more", violations.len() - MAX_VIOLATIONS));
        }
        Failure::new(rule, shown.join("; "))
    })
}

/// ` (CSBS.6000: server do not exist)` when the body is a documented error body.
pub(crate) fn error_suffix(body: Option<Value>) -> String {
    let Some(body) = body else { return String::new() };
    match (
        body.get("error_code").and_then(Value::as_str),
        body.get("error_msg").and_then(Value::as_str),
    ) {
        (Some(code), Some(msg)) => format!(" ({code}: {msg})"),
        (Some(code), None) => format!(" ({code})"),
        _ => String::new(),
    }
}

//! Faults for client teams: per operation from the config (`faults`: latency, a documented
//! error, a share of the requests), and per request with a `Prefer` header (`code=`,
//! `example=`, `delay=`, as Prism reads `Prefer`). Either is limited to what the spec documents
//! for the operation: a status it does not list, an example it does not have, or a status
//! whose response documents no error body, is refused with a 400 saying so.

use crate::errors::{quoted, ApiError};
use crate::handlers::Reply;
use axum::http::{HeaderMap, HeaderName, StatusCode};
use csbs_spec::catalogue::{self, ErrorCode};
use csbs_spec::examples::{Example, ExampleKind};
use csbs_spec::{Operation, Service};
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The longest `delay=` a `Prefer` header may ask for, in ms (below the default idle
/// timeout, which would close the connection first).
pub const MAX_DELAY_MS: u64 = 30_000;

/// A fault of one operation, from the config file: `{latency_ms, status, code, share}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Waited before the answer, in ms.
    #[serde(default)]
    pub latency_ms: u64,
    /// A status the operation documents, answered instead of its own; none: the request is
    /// served as usual after the latency. With `code` alone, the code's documented status.
    #[serde(default)]
    pub status: Option<u16>,
    /// The documented error code answered (default: the example of the operation's response
    /// of that status, see [`documented_error`]).
    #[serde(default)]
    pub code: Option<String>,
    /// The share of the operation's requests that meet the fault, from 0 to 1 (default 1).
    /// Counted, not drawn: with 0.25 exactly every fourth request does.
    #[serde(default = "whole")]
    pub share: f64,
}

fn whole() -> f64 {
    1.0
}

/// A configured fault, checked against the spec, and how many requests it has seen.
struct Armed {
    latency: Duration,
    error: Option<ApiError>,
    share: f64,
    seen: AtomicU64,
}

/// The configured faults by `operationId`.
#[derive(Default)]
pub struct Faults {
    armed: HashMap<String, Armed>,
}

impl Faults {
    /// Checks every fault against the spec: a known operation, a documented status and code,
    /// a share between 0 and 1. The error names the operation and what is wrong.
    pub fn new(config: &BTreeMap<String, Fault>) -> Result<Faults, String> {
        let mut armed = HashMap::new();
        for (id, fault) in config {
            let op = csbs_spec::operations::all_operations()
                .find(|op| op.id == *id)
                .ok_or_else(|| format!("faults: {id} is not an operationId of the spec"))?;
            if !(0.0..=1.0).contains(&fault.share) {
                return Err(format!("faults.{id}.share: {} is not between 0 and 1", fault.share));
            }
            let status = match (fault.status, &fault.code) {
                (Some(status), _) => Some(status),
                (None, Some(code)) => Some(
                    rows(op.service)
                        .iter()
                        .chain(gateway_rows())
                        .find(|row| row.code == *code)
                        .map(|row| row.status)
                        .ok_or_else(|| {
                            format!("faults.{id}.code: {code} is not a documented error code")
                        })?,
                ),
                (None, None) => None,
            };
            let error = status
                .map(|s| documented_error(op, s, fault.code.as_deref(), "configured fault"))
                .transpose()
                .map_err(|e| format!("faults.{id}: {e}"))?;
            let seen = AtomicU64::new(0);
            let latency = Duration::from_millis(fault.latency_ms);
            armed.insert(id.clone(), Armed { latency, error, share: fault.share, seen });
        }
        Ok(Faults { armed })
    }

    /// The configured fault of `op`, when this request is one of its share: the latency to
    /// wait and the error to answer (none: serve as usual).
    fn configured(&self, op: &Operation) -> Option<(Duration, Option<ApiError>)> {
        let armed = self.armed.get(&op.id)?;
        let n = armed.seen.fetch_add(1, Ordering::Relaxed) as f64;
        let hit = ((n + 1.0) * armed.share).floor() > (n * armed.share).floor();
        hit.then(|| (armed.latency, armed.error.clone()))
    }

    /// Applies the operation's configured fault and the request's `Prefer` header (read only
    /// when `prefer_sent`, the dispatcher having seen one): waits for their latency, then
    /// `Some` answer to send instead of the operation's, or `None` to serve it. `Err` for a
    /// `Prefer` header the spec does not allow (400). The reason is recorded in `why` for the
    /// journal.
    pub async fn apply(
        &self,
        op: &'static Operation,
        headers: &HeaderMap,
        prefer_sent: bool,
        why: &mut Option<&'static str>,
    ) -> Result<Option<Result<Reply, ApiError>>, ApiError> {
        let prefer = if prefer_sent { Prefer::read(op, headers)? } else { None };
        let configured = self.configured(op);
        let mut delay = Duration::ZERO;
        let mut answer = None;
        if let Some((latency, error)) = configured {
            *why = Some("configured fault");
            delay = latency;
            answer = error.map(Err);
        }
        if let Some(prefer) = prefer {
            *why = Some("Prefer header");
            delay = delay.max(prefer.delay);
            if prefer.answer.is_some() {
                answer = prefer.answer;
            }
        }
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok(answer)
    }
}

/// The `Prefer` header (RFC 7240; `http` has no constant for it).
pub(crate) static PREFER: HeaderName = HeaderName::from_static("prefer");

/// What a `Prefer` header asks for.
struct Prefer {
    delay: Duration,
    answer: Option<Result<Reply, ApiError>>,
}

impl Prefer {
    /// Reads `code=`, `example=` and `delay=` (other preferences are ignored, as RFC 7240
    /// says); `None` without any of them.
    fn read(op: &'static Operation, headers: &HeaderMap) -> Result<Option<Prefer>, ApiError> {
        let mut texts = headers.get_all(&PREFER).iter().peekable();
        if texts.peek().is_none() {
            return Ok(None);
        }
        let refuse = |message: String, value: &str| {
            ApiError::invalid_field(
                op.service,
                "header.Prefer",
                "prefer",
                &message,
                Value::from(value),
            )
        };
        let (mut code, mut example, mut delay) = (None, None, None);
        for text in texts {
            let text = text.to_str().map_err(|_| refuse("is not ASCII text".into(), ""))?;
            for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                let value = value.trim().trim_matches('"');
                // Preference names are case-insensitive (RFC 7240, section 2).
                match key.trim().to_ascii_lowercase().as_str() {
                    "code" => {
                        let status: u16 = value.parse().map_err(|_| {
                            refuse(format!("code={} is not an HTTP status", quoted(value)), part)
                        })?;
                        if op.check_status(status).is_err() {
                            let message = format!(
                                "code={status} is not documented for {}; {}",
                                op.id,
                                answerable(op)
                            );
                            return Err(refuse(message, part));
                        }
                        code = Some(status);
                    }
                    "example" => example = Some(value.to_owned()),
                    "delay" => {
                        let ms: u64 = value
                            .parse()
                            .ok()
                            .filter(|ms| *ms <= MAX_DELAY_MS)
                            .ok_or_else(|| {
                                let message = format!(
                                    "delay={} is not a number of milliseconds from 0 to {MAX_DELAY_MS}",
                                    quoted(value)
                                );
                                refuse(message, part)
                            })?;
                        delay = Some(Duration::from_millis(ms));
                    }
                    _ => {}
                }
            }
        }
        if code.is_none() && example.is_none() && delay.is_none() {
            return Ok(None);
        }
        let answer = match (code, example) {
            (None, None) => None,
            (Some(status), None) if status < 300 => None,
            (Some(status), None) => Some(Err(documented_error(op, status, None, "Prefer header")
                .map_err(|e| refuse(e, &format!("code={status}")))?)),
            (status, Some(name)) => {
                let status = status.unwrap_or(200);
                Some(if status < 300 {
                    let found = example_of(op, status, &name).ok_or_else(|| {
                        let known: Vec<&str> =
                            examples_of(op, status).map(|e| e.name.as_str()).collect();
                        let known = if known.is_empty() { "none".into() } else { known.join(", ") };
                        let message = format!(
                            "example={} is not a documented {status} example of {} (it has: {known})",
                            quoted(&name),
                            op.id
                        );
                        refuse(message, &name)
                    })?;
                    Ok(Reply::json(found.value.as_ref().unwrap_or(&Value::Null)))
                } else {
                    Err(error_example(op, status, &name).ok_or_else(|| {
                        let message = format!(
                            "example={} is not a documented {status} error example of {}",
                            quoted(&name),
                            op.service.name()
                        );
                        refuse(message, &name)
                    })?)
                })
            }
        };
        Ok(Some(Prefer { delay: delay.unwrap_or_default(), answer }))
    }
}

/// The documented examples of every operation, read once.
fn all_examples() -> &'static [Example] {
    static ALL: OnceLock<Vec<Example>> = OnceLock::new();
    ALL.get_or_init(csbs_spec::examples::all_examples)
}

fn examples_of(op: &Operation, status: u16) -> impl Iterator<Item = &'static Example> + '_ {
    all_examples().iter().filter(move |e| {
        e.operation_id == op.id && e.kind == ExampleKind::Response(status) && e.value.is_some()
    })
}

fn example_of(op: &Operation, status: u16, name: &str) -> Option<&'static Example> {
    examples_of(op, status).find(|e| e.name == name)
}

/// The error-code table of a service, read once.
fn rows(service: Service) -> &'static [ErrorCode] {
    static TABLES: OnceLock<[Vec<ErrorCode>; 2]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        [catalogue::error_codes(Service::Csbs), catalogue::error_codes(Service::Cbr)]
    });
    match service {
        Service::Csbs => &tables[0],
        Service::Cbr => &tables[1],
    }
}

fn gateway_rows() -> &'static [ErrorCode] {
    static ROWS: OnceLock<Vec<ErrorCode>> = OnceLock::new();
    ROWS.get_or_init(catalogue::gateway_codes)
}

/// The error `op` answers with `status` when a fault asks for it: `code` when given (it must
/// be documented with that status), else the example of the operation's response of that
/// status (`spec/tests/spec/error_examples.rs` holds every such example to a code the
/// operation can answer: a 404 names an object the operation refers to). A response without
/// an example documents no error body (CSBS 503, which no code of the table is answered with;
/// a 404 of an operation that names no object; CBR's 500): refused. `Err` says why, and what
/// the operation can answer.
pub fn documented_error(
    op: &Operation,
    status: u16,
    code: Option<&str>,
    by: &str,
) -> Result<ApiError, String> {
    if op.check_status(status).is_err() || status < 400 {
        return Err(format!(
            "status {status} is not a documented error of {}; {}",
            op.id,
            answerable(op)
        ));
    }
    let (code, message) = match code {
        Some(code) => {
            let table = rows(op.service).iter().chain(gateway_rows());
            let row =
                table.clone().find(|r| r.code == code && r.status == status).ok_or_else(|| {
                    format!("{code} is not documented with status {status} for {}", op.id)
                })?;
            // The operation's own example for the code reads as the service writes it
            // ("backup failed"); else the table's message, whose `%s` names the object.
            match response_example(op, status) {
                Some((example, message)) if example == row.code => {
                    (row.code.as_str(), message.to_owned())
                }
                _ => (row.code.as_str(), row.message.replace("%s", "-")),
            }
        }
        None => {
            let (code, message) = response_example(op, status).ok_or_else(|| {
                let why = response_of(op, status)
                    .and_then(|r| r.get("description"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim();
                format!(
                    "{} documents no error body for status {status} (its response has no example: \"{why}\"); {}",
                    op.id,
                    answerable(op)
                )
            })?;
            (code, message.to_owned())
        }
    };
    Ok(ApiError {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        code,
        message: format!("{message} (answered by the mock's {by})"),
        allow: None,
        close: false,
    })
}

/// The response `op` documents for `status`, through its `$ref`.
fn response_of(op: &Operation, status: u16) -> Option<&'static Value> {
    let raw = op.raw().get("responses")?.get(status.to_string())?;
    Some(csbs_spec::document::deref(op.service.document(), raw))
}

/// `error_code` and `error_msg` of the example of `op`'s response of `status` (`example`, or
/// the first of `examples`), as Prism answers a response's first example.
fn response_example(op: &Operation, status: u16) -> Option<(&'static str, &'static str)> {
    let media = response_of(op, status)?.get("content")?.get("application/json")?;
    let body = match media.get("example") {
        Some(body) => body,
        None => media.get("examples")?.as_object()?.values().next()?.get("value")?,
    };
    let code = body.get("error_code")?.as_str()?;
    Some((code, body.get("error_msg").and_then(Value::as_str).unwrap_or_default()))
}

/// What a fault can ask of `op`, for refusals: the statuses it documents with an answer
/// (its success, and each error whose response has an example), then those without one.
fn answerable(op: &Operation) -> String {
    let (with, without): (Vec<u16>, Vec<u16>) =
        op.responses.keys().partition(|&&s| s < 400 || response_example(op, s).is_some());
    let list = |statuses: &[u16]| statuses.iter().map(u16::to_string).collect::<Vec<_>>();
    let mut text = format!("it can answer {}", list(&with).join(", "));
    if !without.is_empty() {
        text.push_str(&format!(
            " ({} documented without an error body)",
            list(&without).join(", ")
        ));
    }
    text
}

/// The documented error example named `name` of `op`'s service answered with `status`, whose
/// code has the service's documented form.
fn error_example(op: &Operation, status: u16, name: &str) -> Option<ApiError> {
    let service = op.service;
    all_examples().iter().find_map(|e| {
        let value = e.value.as_ref()?;
        let code = value.get("error_code")?.as_str()?;
        let fits = e.service == service
            && e.kind == ExampleKind::Error
            && name == e.name
            && error_status(service, &e.operation_id) == Some(status)
            && catalogue::is_documented_for(service, code, status);
        fits.then(|| ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            code,
            message: value.get("error_msg").and_then(Value::as_str).unwrap_or("").to_owned(),
            allow: None,
            close: false,
        })
    })
}

/// The status of a shared error response (`components/responses/<name>`), from the first
/// operation that answers with it.
fn error_status(service: Service, component: &str) -> Option<u16> {
    let reference = format!("#/{component}");
    csbs_spec::operations::all_operations().filter(|op| op.service == service).find_map(|op| {
        let responses = op.raw().get("responses")?.as_object()?;
        responses.iter().find_map(|(status, r)| {
            (r.get("$ref").and_then(Value::as_str) == Some(reference.as_str()))
                .then(|| status.parse().ok())
                .flatten()
        })
    })
}

//! Every request goes through here: route by the spec's paths (404, 405 with `Allow`),
//! authenticate (401, 403), read the body (413 past the limit or the body timeout, 400 for
//! non-JSON), validate against the contract (400 naming field, rule and value), apply the
//! faults asked for, then run the handler. A request signed with AK/SK has its body read
//! before authentication (the signature covers it), once its access key is known to be
//! configured. Each request is logged (target `csbs_mock::request`) and kept in the journal.

use crate::auth::{allow_all_tenants, authorize, is_signed, SignedRequest};
use crate::errors::{quoted, ApiError};
use crate::handlers::{self, Call, Reply};
use crate::journal::{Entry, Verdict};
use crate::server::App;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use csbs_spec::operations::route;
use csbs_spec::validate::CompiledOperation;
use csbs_spec::{Contract, RouteError, Service, Violation};
use csbs_types::codes::csbs::CSBS_9999;
use csbs_types::codes::gateway::{APIGW_0101, APIGW_0201, APIGW_0308};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

/// What the journal and the log learn of a request while it is served.
#[derive(Default)]
struct Seen {
    operation: Option<&'static str>,
    verdict: Option<Verdict>,
    violations: Vec<String>,
    fault: Option<&'static str>,
    /// The mock's time the request was served at (read once, for the handler and the journal).
    now: Option<crate::clock::Micros>,
    /// The request has a `Prefer` header (see [`marked`]).
    prefer: bool,
    /// How far the state file must reach before the answer (see [`keep`]); 0 when the
    /// request read no project.
    kept_upto: u64,
}

/// The request's `Origin` (the first) and whether it has a `Prefer` header, found in one
/// pass over its few headers: cheaper than a lookup by name for each, on every request.
fn marked(headers: &HeaderMap) -> (Option<&HeaderValue>, bool) {
    let (mut origin, mut prefer) = (None, false);
    for (name, value) in headers {
        if name == header::ORIGIN {
            origin = origin.or(Some(value));
        } else if name == crate::faults::PREFER {
            prefer = true;
        }
    }
    (origin, prefer)
}

pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let (origin, prefer) = marked(request.headers());
    let origin = origin.filter(|_| app.config.cors).cloned();
    if let Some(preflight) =
        origin.as_ref().and_then(|_| crate::cors::preflight(request.method(), request.headers()))
    {
        // Answered before authentication, logged all the same (not journaled: no API call).
        let path = request.uri().path();
        log(request.method().as_str(), path, preflight.status(), None, millis(started));
        return preflight;
    }
    // What the log and the journal keep of the request line (the request itself is consumed;
    // a `Uri` shares hyper's bytes, so its copy costs no allocation).
    let method = request.method().clone();
    let uri = request.uri().clone();
    if crate::admin::is_admin(uri.path()) {
        let mut response = crate::admin::handle(app, request).await;
        if let Some(origin) = origin {
            crate::cors::allow(origin, &mut response);
        }
        log(method.as_str(), uri.path(), response.status(), None, millis(started));
        return response;
    }
    if !app.config.latency.is_zero() {
        tokio::time::sleep(app.config.latency).await;
    }
    let mut seen = Seen { prefer, ..Seen::default() };
    let (mut response, code) = match app.budget.as_ref().and_then(|b| b.admit()) {
        Some(refused) => (refused, Some(APIGW_0308.code)),
        None => {
            let answer = {
                let serving = std::pin::pin!(serve(&app, request, &mut seen));
                Caught(serving).await.unwrap_or_else(|()| {
                    let what = "the request (the mock panicked: a bug; its log says where)";
                    Err(ApiError::documented(CSBS_9999, &[what]))
                })
            };
            // With a state file, the answer waits for what it changed or saw to be kept.
            let answer = match keep(&app, seen.kept_upto).await {
                Ok(()) => answer,
                Err(error) => Err(error),
            };
            match answer {
                Ok(Reply::Json(body)) => {
                    let mut response = Response::new(Body::from(body));
                    response
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                    (response, None)
                }
                Ok(Reply::Empty) => (StatusCode::OK.into_response(), None),
                Err(error) => {
                    let code = error.code;
                    (error.into_response(), Some(code))
                }
            }
        }
    };
    if let Some(origin) = origin {
        crate::cors::allow(origin, &mut response);
    }
    let status = response.status();
    let ms = millis(started);
    log(method.as_str(), uri.path(), status, code, ms);
    if app.journal.is_on() {
        let at = seen.now.unwrap_or_else(|| app.now());
        app.journal.record(uri.path(), uri.query(), |target| Entry {
            seq: 0,
            at,
            method,
            target,
            operation: seen.operation,
            status: status.as_u16(),
            error_code: code,
            verdict: seen.verdict.unwrap_or(Verdict::NotValidated),
            violations: seen.violations,
            fault: seen.fault,
            ms,
        });
    }
    response
}

/// A request's future whose panic becomes `Err(())` (reported by the panic hook as usual),
/// so that the client gets a 500 and the request its log line and journal entry, rather than
/// a closed connection and no trace. Holds the future pinned where it is (no allocation).
struct Caught<'a, F>(std::pin::Pin<&'a mut F>);

impl<F: std::future::Future> std::future::Future for Caught<'_, F> {
    type Output = Result<F::Output, ()>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(polled) => polled.map(Ok),
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}

/// Milliseconds since `started`, to the microsecond: what a request log can resolve (more
/// digits are float noise).
fn millis(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// The request log: one event per request, method, path (the query left out: it is in the
/// journal), status, error code and milliseconds to the answer's head.
pub(crate) fn log(method: &str, path: &str, status: StatusCode, code: Option<&str>, ms: f64) {
    tracing::info!(
        target: "csbs_mock::request",
        method,
        path = %crate::journal::path_excerpt(path),
        status = status.as_u16(),
        error_code = code.unwrap_or("-"),
        ms,
    );
}

async fn serve(app: &App, request: Request, seen: &mut Seen) -> Result<Reply, ApiError> {
    let (parts, body) = request.into_parts();
    let raw_path = parts.uri.path();
    let (op, path) = route(parts.method.as_str(), raw_path).map_err(|e| match e {
        RouteError::NotFound => {
            ApiError::gateway(APIGW_0101, &format!("no operation at {}", quoted(raw_path)))
        }
        RouteError::MethodNotAllowed(allowed) => {
            ApiError::method_not_allowed(parts.method.as_str(), &allowed)
        }
    })?;
    seen.operation = Some(op.id.as_str());
    let limits =
        Limits { bytes: app.config.max_body_bytes, time: app.config.limits.body_timeout() };
    let (grant, body) = if is_signed(&parts.headers) {
        app.grants.precheck_signed(&parts.headers)?;
        let bytes = read_bytes(&parts.headers, body, limits).await?;
        let signed = SignedRequest {
            method: parts.method.as_str(),
            path: raw_path,
            query: parts.uri.query().unwrap_or_default(),
            headers: &parts.headers,
            body: &bytes,
        };
        (app.grants.verify(&signed, chrono::Utc::now())?, Body::from(bytes))
    } else {
        (app.grants.authenticate(&parts.headers)?, body)
    };
    let scope = scope_of(op);
    authorize(&grant, scope.project.and_then(|p| path.get(p)).unwrap_or_default())?;
    let query_pairs: Vec<_> =
        form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).collect();
    let mut heavy = op.id == "executePolicy";
    let body = match op.request_body {
        Some(_) => {
            let bytes = read_bytes(&parts.headers, body, limits).await?;
            heavy |= bytes.len() > HEAVY_BODY_BYTES;
            parse_json(op.service, &parts.headers, &bytes).inspect_err(|e| {
                seen.verdict = Some(Verdict::Invalid);
                seen.violations = vec![e.message.clone()];
            })?
        }
        None => None,
    };
    let compiled = scope.compiled.ok_or_else(|| {
        ApiError::gateway(APIGW_0101, &format!("operation {} is not in the contract", op.id))
    })?;
    let valid = compiled.validate_request(&path, &query_pairs, body.as_ref()).map_err(|v| {
        seen.verdict = Some(Verdict::Invalid);
        seen.violations = v.iter().map(ToString::to_string).collect();
        ApiError::invalid(op.service, &v)
    })?;
    seen.verdict = Some(Verdict::Valid);
    let asked =
        scope.admin_only.iter().any(|p| valid.query.get(p).and_then(Value::as_bool) == Some(true));
    let all_tenants = allow_all_tenants(&grant, asked)?;
    // A `Prefer` header asking for what the spec does not document is refused like any other
    // invalid request, and journaled so (its violation names `header.Prefer`).
    let faulted = app.faults.apply(op, &parts.headers, seen.prefer, &mut seen.fault).await;
    if let Some(forced) = faulted.inspect_err(|e| {
        seen.verdict = Some(Verdict::Invalid);
        seen.violations = vec![e.message.clone()];
    })? {
        return forced;
    }
    let now = app.now();
    seen.now = Some(now);
    let call = Call {
        op,
        path: valid.path,
        query: valid.query,
        body,
        project_param: scope.project,
        all_tenants,
        now,
        raw_path,
        raw_query: parts.uri.query().unwrap_or_default(),
    };
    // Work in proportion to a policy's size (a run of tens of thousands of servers, a body of
    // as many) hands this worker's other connections to another thread while it runs.
    let multi_thread = || {
        tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
    };
    let answer = if heavy && multi_thread() {
        tokio::task::block_in_place(|| handlers::handle(app, &call))
    } else {
        handlers::handle(app, &call)
    };
    // Every project (all tenants, or an operation without one), or the request's own.
    let project = Some(call.project_id()).filter(|id| !call.all_tenants && !id.is_empty());
    seen.kept_upto = app.store.seen_upto(project);
    answer
}

/// Bodies beyond this size are handled off the async workers (see [`serve`]).
const HEAVY_BODY_BYTES: usize = 64 * 1024;

/// With a state file, what the request changed or read is committed before it is answered
/// (on a blocking thread: a commit waits for the disk, and the runtime's workers must not):
/// the changes up to `upto`, the latest of its project's (see `Store::seen_upto`), so that
/// no answer shows what a crash could take back, and none waits for other projects' writes.
async fn keep(app: &Arc<App>, upto: u64) -> Result<(), ApiError> {
    if app.store.is_kept_upto(upto) {
        return Ok(());
    }
    let app = app.clone();
    let committed = tokio::task::spawn_blocking(move || {
        app.store.persist_upto(upto, || app.config.hooks.state_writing())
    })
    .await;
    committed
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|_| ApiError::documented(CSBS_9999, &[handlers::KEEPING]))
}

/// What scopes an operation's requests, from the spec: the path parameter naming the project
/// the credential must be scoped to (`x-credential-scope`), and the query parameters only an
/// administrator may set (`x-admin-only`). Read once per operation.
struct Scope {
    project: Option<&'static str>,
    admin_only: Vec<&'static str>,
    /// The operation's compiled validators (looked up here, once, rather than per request).
    compiled: Option<&'static CompiledOperation>,
}

fn scope_of(op: &'static csbs_spec::Operation) -> &'static Scope {
    use csbs_spec::behaviour::{admin_only, credential_scope};
    static SCOPES: std::sync::OnceLock<foldhash::HashMap<String, Scope>> =
        std::sync::OnceLock::new();
    let all = SCOPES.get_or_init(|| {
        csbs_spec::operations::all_operations()
            .map(|op| {
                let scope = Scope {
                    project: credential_scope(op).map(|p| p.name.as_str()),
                    admin_only: admin_only(op).into_iter().map(|p| p.name.as_str()).collect(),
                    compiled: Contract::global().operation(&op.id),
                };
                (op.id.clone(), scope)
            })
            .collect()
    });
    &all[&op.id]
}

fn body_violation(service: Service, rule: &str, message: String, value: Value) -> ApiError {
    ApiError::invalid(
        service,
        &[Violation { field: "body".into(), rule: rule.into(), message, value }],
    )
}

/// How much body the mock reads: bytes, and time from the first read.
#[derive(Clone, Copy)]
struct Limits {
    bytes: usize,
    time: std::time::Duration,
}

/// The body's bytes; 413 beyond `limits.bytes`, or when it has not arrived within
/// `limits.time` (the gateway table has no timeout code; the connection is closed then).
async fn read_bytes(
    headers: &HeaderMap,
    body: Body,
    limits: Limits,
) -> Result<axum::body::Bytes, ApiError> {
    let limit = limits.bytes;
    let too_large =
        || ApiError::gateway(APIGW_0201, &format!("the body is larger than {limit} bytes"));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    // A body that cannot be read to the end is answered like one that is too long: either way
    // the mock will not look at it.
    // A body that is already in (most are, by the time the head is read) needs no timer.
    let read = axum::body::to_bytes(body, limit);
    tokio::pin!(read);
    let first = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
    let timed = match first {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => tokio::time::timeout(limits.time, read).await,
    };
    match timed {
        Ok(read) => read.map_err(|_| too_large()),
        Err(_) => {
            let detail = format!("the body did not arrive within {} ms", limits.time.as_millis());
            let mut error = ApiError::gateway(APIGW_0201, &detail);
            error.close = true;
            Err(error)
        }
    }
}

/// The JSON body, `None` when empty. 400 for another content type or text that is not JSON.
fn parse_json(
    service: Service,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Option<Value>, ApiError> {
    if bytes.is_empty() {
        return Ok(None);
    }
    if let Some(kind) = headers.get(header::CONTENT_TYPE) {
        let text = kind.to_str().unwrap_or_default();
        // Compared ignoring case in place: a lowercased copy cost every body an allocation.
        let essence = text.split(';').next().unwrap_or_default().trim().as_bytes();
        let suffix = essence.len().checked_sub(5).map(|at| &essence[at..]);
        if !essence.eq_ignore_ascii_case(b"application/json")
            && !suffix.is_some_and(|s| s.eq_ignore_ascii_case(b"+json"))
        {
            let message = "must be sent as application/json".to_owned();
            return Err(body_violation(service, "content-type", message, Value::from(text)));
        }
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| {
        body_violation(service, "json", format!("is not valid JSON ({e})"), Value::Null)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_json_by_its_media_type_in_any_case() {
        let parse = |kind: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(kind).unwrap());
            parse_json(Service::Csbs, &headers, b"{}").map_err(|e| e.message)
        };
        for kind in ["application/json", "Application/JSON; charset=utf-8", "application/x+JSON"] {
            assert_eq!(parse(kind), Ok(Some(serde_json::json!({}))), "{kind}");
        }
        for kind in ["text/plain", "json", "+jso", "application/jsonx"] {
            let refused = parse(kind).unwrap_err();
            assert!(refused.contains("application/json"), "{kind}: {refused}");
        }
    }
}

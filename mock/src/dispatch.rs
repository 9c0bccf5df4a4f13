//! Every request goes through here: route by the spec's paths (404, 405 with `Allow`),
//! authenticate (401, 403), read the body (413 past the limit, 400 for non-JSON), validate
//! against the contract (400 naming field, rule and value), then run the handler. A request
//! signed with AK/SK has its body read before authentication: the signature covers it.

use crate::auth::{allow_all_tenants, authorize, is_signed, SignedRequest};
use crate::errors::ApiError;
use crate::handlers::{self, Call, Reply};
use crate::server::App;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use csbs_spec::operations::route;
use csbs_spec::{Contract, RouteError, Service, Violation};
use csbs_types::codes::csbs::CSBS_9999;
use csbs_types::codes::gateway::{APIGW_0101, APIGW_0201};
use serde_json::Value;
use std::sync::Arc;

pub async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    if crate::admin::is_admin(request.uri().path()) {
        return crate::admin::handle(app, request).await;
    }
    if !app.config.latency.is_zero() {
        tokio::time::sleep(app.config.latency).await;
    }
    if let Some(refused) = app.budget.as_ref().and_then(|b| b.admit()) {
        return refused;
    }
    let answer = serve(&app, request).await;
    if let Err(error) = keep(&app).await {
        return error.into_response();
    }
    match answer {
        Ok(Reply::Json(body)) => {
            let mut response = Response::new(Body::from(body));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Ok(Reply::Empty) => StatusCode::OK.into_response(),
        Err(error) => error.into_response(),
    }
}

async fn serve(app: &App, request: Request) -> Result<Reply, ApiError> {
    let (parts, body) = request.into_parts();
    let raw_path = parts.uri.path();
    let (op, path) = route(parts.method.as_str(), raw_path).map_err(|e| match e {
        RouteError::NotFound => {
            ApiError::gateway(APIGW_0101, &format!("no operation at {raw_path}"))
        }
        RouteError::MethodNotAllowed(allowed) => {
            ApiError::method_not_allowed(parts.method.as_str(), &allowed)
        }
    })?;
    let limit = app.config.max_body_bytes;
    let (grant, body) = if is_signed(&parts.headers) {
        let bytes = read_bytes(&parts.headers, body, limit).await?;
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
    let body = match op.request_body {
        Some(_) => {
            parse_json(op.service, &parts.headers, &read_bytes(&parts.headers, body, limit).await?)?
        }
        None => None,
    };
    let compiled = Contract::global().operation(&op.id).ok_or_else(|| {
        ApiError::gateway(APIGW_0101, &format!("operation {} is not in the contract", op.id))
    })?;
    let valid = compiled
        .validate_request(&path, &query_pairs, body.as_ref())
        .map_err(|v| ApiError::invalid(op.service, &v))?;
    let asked =
        scope.admin_only.iter().any(|p| valid.query.get(p).and_then(Value::as_bool) == Some(true));
    let all_tenants = allow_all_tenants(&grant, asked)?;
    let call = Call {
        op,
        path: valid.path,
        query: valid.query,
        body,
        all_tenants,
        now: app.now(),
        raw_path,
        raw_query: parts.uri.query().unwrap_or_default(),
    };
    handlers::handle(app, &call)
}

/// With a state file, what the request changed is committed before it is answered (on a
/// blocking thread: a commit waits for the disk, and the runtime's workers must not).
async fn keep(app: &Arc<App>) -> Result<(), ApiError> {
    if app.store.is_kept() {
        return Ok(());
    }
    let app = app.clone();
    let committed = tokio::task::spawn_blocking(move || app.store.persist()).await;
    committed.map_err(|e| e.to_string()).and_then(|r| r).map_err(|_| {
        let what = "keeping the change in the state file (see GET /_mock/ready)";
        ApiError::documented(CSBS_9999, &[what])
    })
}

/// What scopes an operation's requests, from the spec: the path parameter naming the project
/// the credential must be scoped to (`x-credential-scope`), and the query parameters only an
/// administrator may set (`x-admin-only`). Read once per operation.
struct Scope {
    project: Option<&'static str>,
    admin_only: Vec<&'static str>,
}

fn scope_of(op: &'static csbs_spec::Operation) -> &'static Scope {
    use csbs_spec::behaviour::{admin_only, credential_scope};
    static SCOPES: std::sync::OnceLock<std::collections::HashMap<String, Scope>> =
        std::sync::OnceLock::new();
    let all = SCOPES.get_or_init(|| {
        csbs_spec::operations::all_operations()
            .map(|op| {
                let scope = Scope {
                    project: credential_scope(op).map(|p| p.name.as_str()),
                    admin_only: admin_only(op).into_iter().map(|p| p.name.as_str()).collect(),
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

/// The body's bytes; 413 beyond `limit`.
async fn read_bytes(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
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
    axum::body::to_bytes(body, limit).await.map_err(|_| too_large())
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
        let essence = text.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != "application/json" && !essence.ends_with("+json") {
            let message = "must be sent as application/json".to_owned();
            return Err(body_violation(service, "content-type", message, Value::from(text)));
        }
    }
    serde_json::from_slice(bytes).map(Some).map_err(|e| {
        body_violation(service, "json", format!("is not valid JSON ({e})"), Value::Null)
    })
}

//! CORS for browser clients ([`crate::MockConfig::cors`], on by default): a preflight
//! (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered 204 before
//! routing and authentication (browsers send it without credentials), and every answer to a
//! request with an `Origin` lets that origin read it.

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// The methods the API uses.
const METHODS: &str = "GET, POST, PUT, DELETE";
/// The answer headers a client may want to read beyond the simple ones.
const EXPOSED: &str = "Allow, Retry-After";
/// How long a browser may keep a preflight's answer, in seconds.
const MAX_AGE: &str = "600";

/// The answer to a preflight, or `None` when the request is not one.
pub fn preflight(method: &Method, headers: &HeaderMap) -> Option<Response> {
    if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return None;
    }
    let origin = headers.get(header::ORIGIN)?.clone();
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
    // Whatever headers the client will send (X-Auth-Token, X-Sdk-Date, Authorization, ...).
    if let Some(asked) = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked.clone());
    }
    out.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    Some(response)
}

/// Lets `origin` read `response`.
pub fn allow(origin: HeaderValue, response: &mut Response) {
    let out = response.headers_mut();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED));
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
}

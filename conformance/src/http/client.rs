//! Sends one request within the limits: a timeout over the whole exchange (body included), a
//! cap on the body read, no redirects (a redirect could carry the token to another host).

use super::exchange::{Exchange, RequestRecord, ResponseRecord, TransportError};
use crate::error::RunError;
use crate::secret::{Secret, TOKEN_PLACEHOLDER};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The `X-Auth-Token` a request carries.
#[derive(Clone, Debug)]
pub enum Auth {
    Token(Secret),
    /// No token at all.
    Missing,
    /// A token that no service issued (not a secret: it is printed as is).
    Invalid(String),
}

/// A request to send.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    pub body: Option<Value>,
    pub auth: Auth,
}

/// A bounded HTTP client.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    timeout: Duration,
    max_body_bytes: usize,
}

const AUTH_HEADER: &str = "X-Auth-Token";

impl HttpClient {
    /// `use_proxy`: honour the proxy environment variables (not for a loopback mock).
    pub fn new(timeout: Duration, max_body_bytes: usize, use_proxy: bool) -> Result<HttpClient, RunError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("csbs-conformance/", env!("CARGO_PKG_VERSION")));
        if !use_proxy {
            builder = builder.no_proxy();
        }
        let inner = builder.build().map_err(|e| RunError::Client(describe(&e)))?;
        Ok(HttpClient { inner, timeout, max_body_bytes })
    }

    /// Sends `out` and records the exchange; never fails and never outlives the timeout.
    pub async fn send(&self, out: Outgoing) -> Exchange {
        let record = record_of(&out);
        let started = Instant::now();
        let outcome = match tokio::time::timeout(self.timeout, self.exchange(out)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(TransportError::Timeout { after_ms: self.timeout.as_millis() as u64 }),
        };
        Exchange { request: record, outcome, elapsed: started.elapsed() }
    }

    async fn exchange(&self, out: Outgoing) -> Result<ResponseRecord, TransportError> {
        let method = reqwest::Method::from_bytes(out.method.as_bytes())
            .map_err(|_| TransportError::Connection { message: format!("invalid method {}", out.method) })?;
        let mut request = self.inner.request(method, &out.url).header("Accept", "application/json");
        match &out.auth {
            Auth::Token(secret) => request = request.header(AUTH_HEADER, secret.expose()),
            Auth::Invalid(token) => request = request.header(AUTH_HEADER, token),
            Auth::Missing => {}
        }
        if let Some(body) = &out.body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        let mut response = request.send().await.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport_error(e))? {
            let room = self.max_body_bytes.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ResponseRecord { status, headers, body, truncated })
    }
}

impl HttpClient {
    fn transport_error(&self, e: reqwest::Error) -> TransportError {
        if e.is_timeout() {
            return TransportError::Timeout { after_ms: self.timeout.as_millis() as u64 };
        }
        TransportError::Connection { message: describe(&e) }
    }
}

/// What the report shows of a request: the token as its placeholder.
fn record_of(out: &Outgoing) -> RequestRecord {
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    match &out.auth {
        Auth::Token(_) => headers.push((AUTH_HEADER.to_owned(), TOKEN_PLACEHOLDER.to_owned())),
        Auth::Invalid(token) => headers.push((AUTH_HEADER.to_owned(), token.clone())),
        Auth::Missing => {}
    }
    if out.body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    RequestRecord { method: out.method.clone(), url: out.url.clone(), headers, body: out.body.clone() }
}


/// The error with its causes, outermost first (reqwest's own text hides the root cause).
pub(crate) fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

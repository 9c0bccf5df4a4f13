//! Sends one request within the limits: a timeout over the whole exchange (body included), a
//! cap on the body read, no redirects (a redirect could carry the token to another host).
//! AK/SK requests are signed by `csbs_auth::Credentials::AkSk`, as the vendor's SDK signs them.

use super::exchange::{Exchange, RequestRecord, ResponseRecord, TransportError};
use super::throttle::{Throttle, MAX_ATTEMPTS};
use crate::error::RunError;
use crate::report::{HarWriter, Tick};
use crate::secret::{authorization_placeholder, Secret, SDK_DATE_PLACEHOLDER};
use csbs_auth::signer;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `X-Auth-Token`.
    Token(Secret),
    /// Signed (SDK-HMAC-SHA256) with this access key and secret key, with `X-Project-Id`
    /// (signed too), as the vendor's SDK sends it.
    AkSk { access_key: String, secret_key: Secret, project_id: String },
    /// No token at all.
    Missing,
    /// A token that no service issued (not a secret: it is printed as is).
    Invalid(String),
}

impl Auth {
    /// The run's credential named by the options: a token or an AK/SK pair (not both, checked
    /// before), with the project every signed request names.
    pub fn from_options(options: &crate::options::RunOptions, project_id: &str) -> Option<Auth> {
        match (&options.ak_sk, &options.token) {
            (Some((access_key, secret_key)), _) => Some(Auth::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.clone(),
                project_id: project_id.to_owned(),
            }),
            (None, Some(token)) => Some(Auth::Token(token.clone())),
            (None, None) => None,
        }
    }

    /// `token`, `ak_sk` or `none`, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Auth::Token(_) => "token",
            Auth::AkSk { .. } => "ak_sk",
            Auth::Missing | Auth::Invalid(_) => "none",
        }
    }

    /// The secret to keep out of every output, if any.
    pub fn secret(&self) -> Option<&Secret> {
        match self {
            Auth::Token(token) => Some(token),
            Auth::AkSk { secret_key, .. } => Some(secret_key),
            Auth::Missing | Auth::Invalid(_) => None,
        }
    }
}

/// A request to send.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    pub body: Option<Value>,
    pub auth: Auth,
    /// What the request is for ("<operationId> <case>"): the HAR entry's comment.
    pub label: String,
}

/// A bounded HTTP client. Clones share the pace, the tallies, the time line and the HAR
/// writer.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    timeout: Duration,
    max_body_bytes: usize,
    throttle: Arc<Throttle>,
    /// When the client was made: the run's clock.
    started: Instant,
    /// Every attempt: when it went out and its status (a few bytes each).
    timeline: Arc<Mutex<Vec<Tick>>>,
    /// `--report har=FILE`: every attempt is written there as it completes.
    har: Option<Arc<HarWriter>>,
}

const AUTH_HEADER: &str = "X-Auth-Token";
const PROJECT_HEADER: &str = "X-Project-Id";

impl HttpClient {
    /// `use_proxy`: honour the proxy environment variables (not for a loopback mock).
    /// `rate_limit`: at most this many requests a second (`--rate-limit`).
    pub fn new(
        timeout: Duration,
        max_body_bytes: usize,
        use_proxy: bool,
        rate_limit: Option<f64>,
    ) -> Result<HttpClient, RunError> {
        let mut builder = csbs_auth::tls::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("csbs-conformance/", env!("CARGO_PKG_VERSION")));
        if !use_proxy {
            builder = builder.no_proxy();
        }
        let inner = builder.build().map_err(|e| RunError::Client(describe(&e)))?;
        let throttle = Arc::new(Throttle::new(rate_limit));
        Ok(HttpClient {
            inner,
            timeout,
            max_body_bytes,
            throttle,
            started: Instant::now(),
            timeline: Arc::default(),
            har: None,
        })
    }

    /// The same client, writing every exchange to `har` as well.
    pub fn with_har(self, har: Arc<HarWriter>) -> HttpClient {
        HttpClient { har: Some(har), ..self }
    }

    /// When the client was made (the run's time line counts from here).
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Every attempt so far, in the order sent.
    pub fn timeline(&self) -> Vec<Tick> {
        self.timeline.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The run's throttling tally.
    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// The tally, to read while the run goes on (the progress lines count its requests).
    pub fn throttle_shared(&self) -> std::sync::Arc<Throttle> {
        self.throttle.clone()
    }

    /// Sends `out` at the run's pace, waiting out 429 answers (see [`Throttle`]); the last
    /// attempt is the exchange. Never fails; each attempt is bounded by the timeout.
    pub async fn send(&self, out: Outgoing) -> Exchange {
        let mut attempt = 1;
        let mut waited = Vec::new();
        loop {
            self.throttle.pace().await;
            let mut exchange = self.send_once(&out).await;
            if matches!(exchange.outcome, Err(TransportError::Timeout { .. })) {
                self.throttle.timed_out.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let throttled = exchange.response().filter(|r| r.status == 429).cloned();
            let Some(response) = throttled.filter(|_| attempt < MAX_ATTEMPTS) else {
                if exchange.status() == Some(429) {
                    self.throttle.give_up();
                }
                exchange.waited = waited;
                return exchange;
            };
            let wait = self.throttle.wait_after(attempt, response.header("retry-after"));
            waited.push(response);
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt: sends `out` and records the exchange; never outlives the timeout.
    async fn send_once(&self, out: &Outgoing) -> Exchange {
        let mut record = record_of(out);
        let wall_clock = self.har.as_ref().map(|_| chrono::Utc::now());
        let started = Instant::now();
        let outcome = match self.build(out) {
            Ok(request) => {
                if matches!(out.auth, Auth::AkSk { .. }) {
                    record_signature(&mut record, &request);
                }
                match tokio::time::timeout(self.timeout, self.exchange(request)).await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        Err(TransportError::Timeout { after_ms: self.timeout.as_millis() as u64 })
                    }
                }
            }
            Err(e) => Err(e),
        };
        let exchange =
            Exchange { request: record, outcome, elapsed: started.elapsed(), waited: Vec::new() };
        let tick = Tick {
            at_ms: started.duration_since(self.started).as_millis() as u64,
            status: exchange.status(),
        };
        self.timeline.lock().unwrap_or_else(|p| p.into_inner()).push(tick);
        if let (Some(har), Some(wall_clock)) = (&self.har, wall_clock) {
            har.add(&exchange, &out.label, wall_clock);
        }
        exchange
    }

    /// The request `out` describes, with its credential (signed last, over what is sent).
    fn build(&self, out: &Outgoing) -> Result<reqwest::Request, TransportError> {
        let method = reqwest::Method::from_bytes(out.method.as_bytes()).map_err(|_| {
            TransportError::Connection { message: format!("invalid method {}", out.method) }
        })?;
        let mut request = self.inner.request(method, &out.url).header("Accept", "application/json");
        match &out.auth {
            Auth::Token(secret) => request = request.header(AUTH_HEADER, secret.expose()),
            Auth::Invalid(token) => request = request.header(AUTH_HEADER, token),
            Auth::AkSk { .. } | Auth::Missing => {}
        }
        if let Some(body) = &out.body {
            request = request.header("Content-Type", "application/json").body(body.to_string());
        }
        let mut request = request.build().map_err(|e| self.transport_error(e))?;
        if let Auth::AkSk { access_key, secret_key, project_id } = &out.auth {
            let credentials = csbs_auth::Credentials::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.expose().to_owned(),
                project_id: Some(project_id.clone()),
            };
            // The signer's errors name headers, never the keys.
            credentials.apply(&mut request).map_err(|e| TransportError::Connection {
                message: format!("the request could not be signed: {e}"),
            })?;
        }
        Ok(request)
    }

    async fn exchange(&self, request: reqwest::Request) -> Result<ResponseRecord, TransportError> {
        let mut response =
            self.inner.execute(request).await.map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
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

/// What the report shows of a request: the token as its placeholder. An AK/SK request gets
/// its signature headers once signed ([`record_signature`]).
fn record_of(out: &Outgoing) -> RequestRecord {
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    match &out.auth {
        Auth::Token(token) => {
            headers.push((AUTH_HEADER.to_owned(), token.placeholder().to_owned()))
        }
        Auth::Invalid(token) => headers.push((AUTH_HEADER.to_owned(), token.clone())),
        Auth::AkSk { .. } | Auth::Missing => {}
    }
    if out.body.is_some() {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    RequestRecord {
        method: out.method.clone(),
        url: out.url.clone(),
        headers,
        body: out.body.clone(),
    }
}

/// Adds what signing added to the record: `X-Project-Id`, `X-Sdk-Date` and the
/// `Authorization` with the access key and the signature as placeholders (a reproduction must
/// be signed again); the URL as sent (the signer writes the query in its canonical form).
fn record_signature(record: &mut RequestRecord, request: &reqwest::Request) {
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
    record.url = request.url().to_string();
    for name in [PROJECT_HEADER, signer::DATE_HEADER, signer::CONTENT_SHA256_HEADER] {
        if let Some(value) = header(name) {
            record.headers.push((name.to_owned(), value.to_owned()));
        }
    }
    let signed = header("authorization").and_then(signer::parse_authorization);
    if let Some(signed) = signed {
        record.headers.push((
            "Authorization".to_owned(),
            authorization_placeholder(&signed.signed_headers.join(";")),
        ));
    }
}

/// The headers that authenticate a request to send later by hand (what a run left behind):
/// the token, or the AK/SK headers with the date and signature as placeholders.
pub(crate) fn auth_headers_to_fill(auth: &Auth) -> Vec<(String, String)> {
    match auth {
        Auth::Token(token) => vec![(AUTH_HEADER.to_owned(), token.placeholder().to_owned())],
        Auth::Invalid(token) => vec![(AUTH_HEADER.to_owned(), token.clone())],
        Auth::AkSk { project_id, .. } => vec![
            (PROJECT_HEADER.to_owned(), project_id.clone()),
            (signer::DATE_HEADER.to_owned(), SDK_DATE_PLACEHOLDER.to_owned()),
            ("Authorization".to_owned(), authorization_placeholder("host;x-project-id;x-sdk-date")),
        ],
        Auth::Missing => Vec::new(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_request_is_recorded_with_placeholders() {
        let client = HttpClient::new(Duration::from_secs(1), 1 << 10, false, None).unwrap();
        let auth = Auth::AkSk {
            access_key: "AKREC".into(),
            secret_key: Secret::secret_key("s3cr3t-sk"),
            project_id: "p1".into(),
        };
        let out = Outgoing {
            method: "POST".into(),
            url: "http://127.0.0.1:1/v1/p1/policies?b=2&a=x y".into(),
            body: Some(serde_json::json!({"k": 1})),
            auth: auth.clone(),
            label: String::new(),
        };
        let request = client.build(&out).unwrap();
        let sent = request.headers()["authorization"].to_str().unwrap();
        assert!(sent.starts_with("SDK-HMAC-SHA256 Access=AKREC, SignedHeaders=accept;content-type;host;x-project-id;x-sdk-date, Signature="));
        let mut record = record_of(&out);
        record_signature(&mut record, &request);
        assert_eq!(
            record.url, "http://127.0.0.1:1/v1/p1/policies?a=x%20y&b=2",
            "the query as signed and sent"
        );
        let shown = format!("{record:?}");
        assert!(
            !shown.contains("s3cr3t")
                && !shown.contains("AKREC")
                && !shown.contains(&sent[sent.len() - 64..]),
            "{shown}"
        );
        let names: Vec<&str> = record.headers.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["Accept", "Content-Type", "X-Project-Id", "X-Sdk-Date", "Authorization"]
        );
        assert_eq!(
            record.headers[4].1,
            "SDK-HMAC-SHA256 Access=$CSBS_AK, SignedHeaders=accept;content-type;host;x-project-id;x-sdk-date, Signature=$CSBS_SIGNATURE"
        );
        let to_fill = auth_headers_to_fill(&auth);
        assert_eq!(to_fill[0], ("X-Project-Id".to_owned(), "p1".to_owned()));
        assert!(!format!("{to_fill:?} {auth:?}").contains("s3cr3t"));
    }
}

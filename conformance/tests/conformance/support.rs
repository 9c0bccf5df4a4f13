//! Loopback servers for the tests: raw TCP servers that misbehave on purpose, and a proxy in
//! front of the mock that tampers with chosen answers. Every server stops when dropped.

use csbs_conformance::{run_suite, Limits, Phase, Report, RunOptions, Secret, MOCK_SERVERS};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Token of the mock behind the proxy.
pub const PROXY_TOKEN: &str = "proxy-test-token-5f2a9c";

/// No test may take longer than this: a hang is a failure, not a stuck CI.
pub const TEST_BOUND: Duration = Duration::from_secs(90);

/// Runs `fut` within [`TEST_BOUND`].
pub async fn bounded<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_BOUND, fut)
        .await
        .expect("the test outlived its bound: something hangs")
}

/// The token of [`whole_run`]: a secret the run must never show.
pub const WHOLE_RUN_TOKEN: &str = "tok-SECRET-7f3e1d2c9b";

/// The whole suite against the embedded mock with [`WHOLE_RUN_TOKEN`], run once for every
/// test that judges such a run (each asserts its own part of the one report).
pub async fn whole_run() -> &'static Report {
    static RUN: tokio::sync::OnceCell<Report> = tokio::sync::OnceCell::const_new();
    RUN.get_or_init(|| async {
        let options =
            RunOptions { token: Some(Secret::new(WHOLE_RUN_TOKEN)), ..RunOptions::default() };
        assert!(!format!("{options:?}").contains(WHOLE_RUN_TOKEN));
        bounded(run_suite(options)).await.expect("the embedded mock runs")
    })
    .await
}

/// A server on 127.0.0.1 that stops when dropped.
pub struct Server {
    pub url: String,
    /// Requests it received so far (raw servers only).
    pub seen: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The head of a request a raw server received.
#[derive(Clone, Debug)]
pub struct Head {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What a raw server does with a request.
pub enum Reply {
    /// A complete response.
    Respond {
        status: u16,
        content_type: Option<&'static str>,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Answers after a pause.
    Slow(Duration, Box<Reply>),
    /// Closes the connection without a word.
    Close,
    /// Answers bytes that are not HTTP.
    Garbage,
    /// Announces `Content-Length: n` and sends that many bytes (or until the client leaves).
    Huge(usize),
    /// Sends the head and half of the promised body, then closes.
    HalfBody,
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::Respond {
            status,
            content_type: Some("application/json"),
            headers: vec![],
            body: body.to_string().into_bytes(),
        }
    }
}

/// A raw TCP server, one request per connection, whose first read of each service (the
/// runner's preflight, which comes before anything else) is answered as a healthy endpoint
/// would, so that the misbehaviour is met by the checks.
pub async fn raw_server(behaviour: impl Fn(&Head) -> Reply + Send + Sync + 'static) -> Server {
    let preflight = Arc::new(std::sync::Mutex::new([false; 2]));
    raw_server_from_first(move |head| {
        let service = if head.path.starts_with("/v1/") { 0 } else { 1 };
        let mut answered = preflight.lock().unwrap_or_else(|p| p.into_inner());
        if !answered[service] {
            answered[service] = true;
            let body = match service {
                0 => serde_json::json!({"checkpoint_items": []}),
                _ => serde_json::json!({"backups": [], "count": 0}),
            };
            return Reply::json(200, &body);
        }
        behaviour(head)
    })
    .await
}

/// A raw TCP server that answers every request, the first included, with `behaviour`, and
/// counts them ([`Server::seen`]).
pub async fn raw_server_from_first(
    behaviour: impl Fn(&Head) -> Reply + Send + Sync + 'static,
) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let behaviour = Arc::new(behaviour);
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (behaviour, counter) = (behaviour.clone(), counter.clone());
            tokio::spawn(async move {
                let _ = serve_one(stream, behaviour.as_ref(), &counter).await;
            });
        }
    });
    Server { url, seen, task }
}

async fn serve_one(
    mut stream: TcpStream,
    behaviour: &(dyn Fn(&Head) -> Reply + Send + Sync),
    seen: &AtomicUsize,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut stream).await? else { return Ok(()) };
    seen.fetch_add(1, Ordering::SeqCst);
    write_reply(&mut stream, behaviour(&head)).await
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buffer.len() > 64 << 10 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let path = lines.next().unwrap_or_default().split(' ').nth(1).unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
        .collect();
    let head = Head { path, headers };
    let length: usize = head.header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut have = buffer.len() - end - 4;
    while have < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    Ok(Some(head))
}

fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
) -> std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send + '_>> {
    Box::pin(async move {
        match reply {
            Reply::Respond { status, content_type, headers, body } => {
                let mut head = format!(
                    "HTTP/1.1 {status} Whatever\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                if let Some(ct) = content_type {
                    head.push_str(&format!("Content-Type: {ct}\r\n"));
                }
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.shutdown().await
            }
            Reply::Slow(pause, reply) => {
                tokio::time::sleep(pause).await;
                write_reply(stream, *reply).await
            }
            Reply::Close => stream.shutdown().await,
            Reply::Garbage => {
                stream.write_all(b"this is not HTTP at all\r\n\r\n").await?;
                stream.shutdown().await
            }
            Reply::Huge(n) => {
                let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n[");
                stream.write_all(head.as_bytes()).await?;
                let block = vec![b' '; 64 << 10];
                let mut sent = 1;
                while sent < n {
                    let size = block.len().min(n - sent);
                    stream.write_all(&block[..size]).await?;
                    sent += size;
                }
                stream.shutdown().await
            }
            Reply::HalfBody => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"quotas\":";
                stream.write_all(head.as_bytes()).await?;
                stream.shutdown().await
            }
        }
    })
}

/// An answer as the proxy lets a tamper function change it.
pub struct Answer {
    pub method: String,
    /// The request body as the client sent it.
    pub request: Vec<u8>,
    /// Path and query.
    pub path: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A pause before answering.
    pub delay: Duration,
}

impl Answer {
    /// Edits the JSON body in place (a non-JSON body is left alone).
    pub fn edit_json(&mut self, edit: impl FnOnce(&mut serde_json::Value)) {
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            edit(&mut value);
            self.body = value.to_string().into_bytes();
        }
    }

    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// True for `METHOD` on a path (without query) that ends with `suffix`.
    pub fn is(&self, method: &str, suffix: &str) -> bool {
        self.method == method && self.path.split('?').next().unwrap_or_default().ends_with(suffix)
    }
}

/// A fresh mock, seeded like the embedded one, with [`PROXY_TOKEN`].
pub async fn mock() -> csbs_mock::RunningMock {
    mock_configured(|_| {}).await
}

/// [`mock`] with its configuration changed by `edit` before it starts.
pub async fn mock_configured(
    edit: impl FnOnce(&mut csbs_mock::MockConfig),
) -> csbs_mock::RunningMock {
    let mut config = mock_config();
    edit(&mut config);
    csbs_mock::spawn(config).await.expect("the mock starts")
}

/// The configuration of [`mock`].
pub fn mock_config() -> csbs_mock::MockConfig {
    csbs_mock::MockConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        tokens: vec![csbs_mock::TokenGrant {
            token: PROXY_TOKEN.to_owned(),
            project_id: csbs_mock::DEFAULT_PROJECT_ID.to_owned(),
            admin: false,
        }],
        protect_delay: Duration::from_millis(40),
        delete_delay: Duration::from_millis(20),
        restore_delay: Duration::from_millis(40),
        seed_examples: true,
        ..csbs_mock::MockConfig::default()
    }
}

/// A request as the proxy lets a rewrite function change it before it goes upstream.
pub struct Sent {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The request's headers (names in lower case), as they go upstream (without `host` and
    /// `content-length`, which the forwarding client sets).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Sent {
    /// The value of header `name` (any case), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Sets header `name` to `value`, replacing what was sent: the endpoint then sees another
    /// credential.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The documented operation the request is for.
    pub fn operation(&self) -> Option<&'static str> {
        let path = self.path.split('?').next().unwrap_or_default();
        csbs_spec::operations::route(&self.method, path).ok().map(|(op, _)| op.id.as_str())
    }

    /// The decoded values of a query key.
    pub fn query(&self, key: &str) -> Vec<String> {
        let query = self.path.split_once('?').map(|(_, q)| q).unwrap_or_default();
        form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .collect()
    }

    /// Drops every pair of a query key: the endpoint then ignores it.
    pub fn drop_query(&mut self, key: &str) {
        let Some((path, query)) = self.path.split_once('?') else { return };
        let kept: Vec<String> = form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != key)
            .map(|(k, v)| {
                form_urlencoded::Serializer::new(String::new()).append_pair(&k, &v).finish()
            })
            .collect();
        self.path =
            if kept.is_empty() { path.to_owned() } else { format!("{path}?{}", kept.join("&")) };
    }

    /// Replaces every pair of a query key by one `key=value`.
    pub fn set_query(&mut self, key: &str, value: &str) {
        self.drop_query(key);
        let pair = form_urlencoded::Serializer::new(String::new()).append_pair(key, value).finish();
        let glue = if self.path.contains('?') { '&' } else { '?' };
        self.path = format!("{}{glue}{pair}", self.path);
    }

    /// Edits the JSON body in place.
    pub fn edit_json(&mut self, edit: impl FnOnce(&mut serde_json::Value)) {
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            edit(&mut value);
            self.body = value.to_string().into_bytes();
        }
    }
}

/// The headers as text pairs, without those named in `skip` (the forwarding side sets them).
fn header_pairs(headers: &axum::http::HeaderMap, skip: &[&str]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect()
}

/// A proxy to `upstream` that passes every answer through `tamper`.
pub async fn proxy(
    upstream: String,
    tamper: impl Fn(&mut Answer) + Send + Sync + 'static,
) -> Server {
    proxy_rewriting(upstream, |_| {}, tamper).await
}

/// A proxy to `upstream` that passes every request through `rewrite` before sending it on,
/// and every answer through `tamper`.
pub async fn proxy_rewriting(
    upstream: String,
    rewrite: impl Fn(&mut Sent) + Send + Sync + 'static,
    tamper: impl Fn(&mut Answer) + Send + Sync + 'static,
) -> Server {
    use axum::body::{to_bytes, Body};
    use axum::extract::Request;
    use axum::response::Response;
    let client = csbs_auth::tls::client_builder().no_proxy().build().expect("a client");
    let tamper = Arc::new(tamper);
    let rewrite = Arc::new(rewrite);
    let handler = move |request: Request| {
        let (client, tamper, rewrite, upstream) =
            (client.clone(), tamper.clone(), rewrite.clone(), upstream.clone());
        async move {
            let method = request.method().as_str().to_owned();
            let path =
                request.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
            let verb = request.method().clone();
            let headers = header_pairs(request.headers(), &["host", "content-length"]);
            let body = to_bytes(request.into_body(), 16 << 20).await.unwrap_or_default();
            let mut out = Sent { method: method.clone(), path, headers, body: body.to_vec() };
            rewrite(&mut out);
            let Sent { path, headers, body: sent, .. } = out;
            let mut forward = client.request(verb, format!("{upstream}{path}"));
            for (k, v) in &headers {
                forward = forward.header(k, v);
            }
            let answer = forward.body(sent.clone()).send().await;
            let mut answer = match answer {
                Ok(r) => {
                    let status = r.status().as_u16();
                    let headers =
                        header_pairs(r.headers(), &["content-length", "transfer-encoding"]);
                    let body = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    Answer {
                        method,
                        request: sent,
                        path,
                        status,
                        headers,
                        body,
                        delay: Duration::ZERO,
                    }
                }
                Err(e) => Answer {
                    method,
                    request: sent,
                    path,
                    status: 599,
                    headers: vec![],
                    body: e.to_string().into_bytes(),
                    delay: Duration::ZERO,
                },
            };
            tamper(&mut answer);
            tokio::time::sleep(answer.delay).await;
            let mut response = Response::builder().status(answer.status);
            for (k, v) in &answer.headers {
                response = response.header(k, v);
            }
            response.body(Body::from(answer.body)).unwrap_or_default()
        }
    };
    let router = axum::Router::new().fallback(handler);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Server { url, seen: Arc::default(), task }
}

/// Options for a run through the proxy: mutations and restores allowed, the mock's servers.
pub fn proxied_options(url: &str) -> RunOptions {
    RunOptions {
        allow_mutations: true,
        allow_restore: true,
        server_ids: MOCK_SERVERS.iter().map(|s| s.to_string()).collect(),
        limits: quick_limits(),
        ..RunOptions::against(url, csbs_mock::DEFAULT_PROJECT_ID, Secret::new(PROXY_TOKEN))
    }
}

/// Short bounds for loopback.
pub fn quick_limits() -> Limits {
    Limits {
        request_timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(20),
        settle_timeout: Duration::from_secs(10),
        cleanup_timeout: Duration::from_secs(10),
        ..Limits::default()
    }
}

/// Runs the examples part through a tampering proxy in front of a fresh mock.
pub async fn run_tampered(tamper: impl Fn(&mut Answer) + Send + Sync + 'static) -> Report {
    let mock = mock().await;
    let proxy = proxy(mock.base_url().trim_end_matches('/').to_owned(), tamper).await;
    let options = RunOptions { only: vec![Phase::Examples], ..proxied_options(&proxy.url) };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

/// `(operation, check)` of every failure.
pub fn failed(report: &Report) -> Vec<(String, String)> {
    report.failures().map(|r| (r.operation.clone(), r.check.name().to_owned())).collect()
}

/// Asserts that `check` failed on `operation`, showing the summary otherwise.
pub fn assert_failed(report: &Report, operation: &str, check: &str) {
    let found = failed(report);
    assert!(
        found.iter().any(|(o, c)| o == operation && c == check),
        "expected {check} to fail on {operation}; failures: {found:?}\n{}",
        report.summary()
    );
    assert!(!report.passed());
}

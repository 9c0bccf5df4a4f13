//! A mock per test on a loopback port, and requests whose answers are checked against the
//! contract as they arrive: every documented operation's answer must validate.

#![allow(dead_code)]

use csbs_mock::{MockConfig, RunningMock, TokenGrant};
use csbs_spec::operations::route;
use csbs_spec::Contract;
use serde_json::{json, Value};

pub const PROJECT: &str = "p-user";
pub const OTHER_PROJECT: &str = "p-other";
pub const ADMIN_PROJECT: &str = "p-admin";
pub const TOKEN: &str = "user-token";
pub const OTHER_TOKEN: &str = "other-token";
pub const ADMIN_TOKEN: &str = "admin-token";
pub const PROVIDER: &str = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";
pub const PATTERN: &str =
    "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

pub fn v1(rest: &str) -> String {
    format!("/v1/{PROJECT}{rest}")
}

pub fn v3(rest: &str) -> String {
    format!("/v3/{PROJECT}{rest}")
}

pub fn grants() -> Vec<TokenGrant> {
    vec![
        TokenGrant { token: TOKEN.into(), project_id: PROJECT.into(), admin: false },
        TokenGrant { token: OTHER_TOKEN.into(), project_id: OTHER_PROJECT.into(), admin: false },
        TokenGrant { token: ADMIN_TOKEN.into(), project_id: ADMIN_PROJECT.into(), admin: true },
    ]
}

pub struct Mock {
    pub running: RunningMock,
    pub http: reqwest::Client,
}

/// An answer, its body parsed when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["error_msg"].as_str().unwrap_or_default()
    }

    /// Asserts an error answer with this status and code.
    pub fn expect_error(&self, status: u16, code: &str) -> &Self {
        assert_eq!((self.status, self.code()), (status, code), "{}", self.text);
        self
    }
}

impl Mock {
    pub async fn start() -> Mock {
        Mock::with(|_| {}).await
    }

    pub async fn with(adjust: impl FnOnce(&mut MockConfig)) -> Mock {
        let mut config = MockConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            tokens: grants(),
            ..MockConfig::default()
        };
        adjust(&mut config);
        let running = csbs_mock::spawn(config).await.expect("the mock binds a loopback port");
        Mock { running, http: csbs_auth::tls::client_builder().build().expect("a client") }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.base_url())
    }

    /// Sends a request and checks the answer against the contract of its operation.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.send_built(request.build().expect("a well-formed test request")).await
    }

    /// [`Mock::send`] for a request already built (and perhaps signed, or tampered with).
    pub async fn send_built(&self, request: reqwest::Request) -> Answer {
        let (method, path) =
            (request.method().as_str().to_owned(), request.url().path().to_owned());
        let response = self.http.execute(request).await.expect("the mock answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert!(
            status < 500 || status == 500 && body["error_code"] == "CSBS.6032",
            "{method} {path}: {status} {text}"
        );
        if let Ok((op, _)) = route(&method, &path) {
            if status != 413 {
                let body = (!text.is_empty()).then_some(&body);
                let checked =
                    Contract::global().operation(&op.id).unwrap().validate_response(status, body);
                assert!(
                    checked.is_ok(),
                    "{} answered {status} {text}\nviolations: {checked:?}",
                    op.id
                );
                // The views write no member the spec does not name.
                if let (200, Some(body)) = (status, body) {
                    let unknown =
                        csbs_types::unknown_members(op.service.name(), &op.id, true, body);
                    assert_eq!(unknown, Ok(Vec::new()), "{} answered {text}", op.id);
                }
            }
        }
        if status >= 400 {
            assert!(
                body["error_code"].is_string() && body["error_msg"].is_string(),
                "{method} {path}: {text}"
            );
        }
        Answer { status, headers, text, body }
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.header("X-Auth-Token", token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, Some(TOKEN), None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(TOKEN), Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.call("PUT", path, Some(TOKEN), Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, Some(TOKEN), None).await
    }

    /// Backs up a server; the checkpoint.
    pub async fn protect(&self, server: &str) -> Value {
        let answer = self
            .post(
                &v1(&format!("/providers/{PROVIDER}/resources/{server}/action")),
                json!({"protect": {}}),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body["checkpoint"].clone()
    }

    /// Backs up a server; the backup.
    pub async fn protect_backup(&self, server: &str) -> Value {
        let checkpoint = self.protect(server).await;
        let list = self
            .get(&v1(&format!(
                "/checkpoint_items?checkpoint_id={}",
                checkpoint["id"].as_str().unwrap()
            )))
            .await;
        list.body["checkpoint_items"][0].clone()
    }

    /// Creates a policy; the policy.
    pub async fn create_policy(&self, name: &str, servers: &[&str]) -> Value {
        let answer = self.post(&v1("/policies"), policy_body(name, servers)).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.body["policy"].clone()
    }
}

pub fn policy_body(name: &str, servers: &[&str]) -> Value {
    let resources: Vec<Value> = servers
        .iter()
        .map(|s| json!({"id": s, "type": "OS::Nova::Server", "name": format!("name-{s}")}))
        .collect();
    json!({"policy": {
        "name": name,
        "description": "test policy",
        "provider_id": PROVIDER,
        "parameters": {"common": {}},
        "resources": resources,
        "scheduled_operations": [{
            "name": "weekly",
            "enabled": true,
            "operation_type": "backup",
            "operation_definition": {"max_backups": 5, "retention_duration_days": 30},
            "trigger": {"properties": {"pattern": PATTERN}},
        }],
    }})
}

/// The body of a restoration of `backup` (a CSBS backup view) to its own server, every disk
/// backup to its source disk.
pub fn restore_body(backup: &Value) -> Value {
    let volumes: Vec<Value> = backup["extend_info"]["volume_backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| json!({"backup_id": v["id"], "volume_id": v["source_volume_id"]}))
        .collect();
    json!({"restore": {
        "checkpoint_id": backup["checkpoint_id"],
        "provider_id": PROVIDER,
        "parameters": {
            "checkpoint_item_id": backup["id"],
            "power_on": true,
            "targets": {"server_id": backup["resource_id"], "volumes": volumes},
        },
    }})
}

/// Longer than any bound the tests configure: reaching it means the mock did not act.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);

/// A point where the mock waits (its [`csbs_mock::Hook`]) until the test lets it go on: what
/// the test does meanwhile happens while that request is in progress, whatever the timing.
pub struct Pause {
    reached: std::sync::mpsc::Receiver<()>,
    resume: std::sync::mpsc::Sender<()>,
}

impl Pause {
    pub fn new() -> (Pause, csbs_mock::Hook) {
        let (reached_tx, reached) = std::sync::mpsc::channel();
        let (resume, resume_rx) = std::sync::mpsc::channel::<()>();
        let resume_rx = std::sync::Mutex::new(resume_rx);
        let hook = move || {
            let _ = reached_tx.send(());
            // Twice the patience: a request the paused one blocked fails its own wait first.
            let _ = resume_rx.lock().unwrap().recv_timeout(2 * PATIENCE);
        };
        (Pause { reached, resume }, std::sync::Arc::new(hook))
    }

    /// Waits until a request reaches the point; `what` says which, when none does.
    pub fn reached(&self, what: &str) {
        tokio::task::block_in_place(|| self.reached.recv_timeout(PATIENCE))
            .unwrap_or_else(|_| panic!("{what} reaches its pause"));
    }

    /// Lets the request paused there go on.
    pub fn resume(&self) {
        self.resume.send(()).unwrap();
    }
}

/// A hook that runs `pause` the first time it runs after `armed` is set, and not again.
pub fn once(
    armed: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    pause: csbs_mock::Hook,
) -> csbs_mock::Hook {
    let armed = armed.clone();
    std::sync::Arc::new(move || {
        if armed.swap(false, std::sync::atomic::Ordering::AcqRel) {
            pause();
        }
    })
}

/// Sends a request from a task of its own, so that the test goes on while it is in progress;
/// its status and body.
pub fn in_flight(
    mock: &Mock,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> tokio::task::JoinHandle<(u16, serde_json::Value)> {
    let mut request = mock.http.request(method, mock.url(path)).header("X-Auth-Token", TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    tokio::spawn(async move {
        let answer = request.send().await.unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    })
}

/// The body of a request sent [`in_flight`], once it is answered 200.
pub async fn answered(
    request: tokio::task::JoinHandle<(u16, serde_json::Value)>,
) -> serde_json::Value {
    let (status, body) = request.await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

//! What client teams see and steer, through HTTP: the request log (one line per request), the
//! journal at `/_mock/journal`, faults asked with `Prefer` or configured per operation, and
//! CORS for browsers.

use crate::support::*;
use csbs_mock::faults::Fault;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// Where a test's log lines go.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The log lines of every test of this binary, captured by a global subscriber (a scoped one
/// misses events whose callsites other threads registered first).
fn captured_log() -> &'static Captured {
    static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        captured
    })
}

#[tokio::test]
async fn every_request_is_one_log_line_without_secrets() {
    let captured = captured_log();
    let mock = Mock::start().await;
    // Paths no other test sends, to find this test's lines among theirs.
    let (found, refused) = ("/v1/log-test-project/nothing", "/v1/log-test-project/quotas");
    mock.call("GET", &format!("{found}?name=x"), Some(TOKEN), None).await;
    mock.call("GET", refused, Some("wrong-secret-token"), None).await;
    let lines: Vec<Value> = captured
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &Value| l["target"] == "csbs_mock::request")
        .filter(|l| l["path"].as_str().is_some_and(|p| p.starts_with("/v1/log-test-project/")))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        (&lines[0]["method"], &lines[0]["path"], &lines[0]["status"], &lines[0]["error_code"]),
        (&json!("GET"), &json!(found), &json!(404), &json!("APIGW.0101"))
    );
    assert_eq!(
        (&lines[1]["path"], &lines[1]["status"], &lines[1]["error_code"]),
        (&json!(refused), &json!(401), &json!("APIGW.0301"))
    );
    assert!(lines.iter().all(|l| l["ms"].as_f64().is_some_and(|ms| ms >= 0.0)));
    let text = captured.text();
    assert!(!text.contains(TOKEN) && !text.contains("wrong-secret-token"));
}

/// The request-log lines captured so far.
fn request_lines(captured: &Captured) -> Vec<Value> {
    captured
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &Value| l["target"] == "csbs_mock::request")
        .collect()
}

#[tokio::test]
async fn refused_panicked_and_preflight_requests_are_logged_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let captured = captured_log();
    let mock = Mock::with(|c| {
        c.hooks.policy_unlocked = Some(Arc::new(|| panic!("a test's panic inside createPolicy")))
    })
    .await;
    // Refused by hyper before the mock sees them: a head too large (well beyond hyper's
    // buffer of about 408 KiB: at 500 KB it was sometimes read whole), a URI too long.
    for request in [
        format!("GET /v1/p/quotas HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "b".repeat(2_000_000)),
        format!("GET /v1/p/{} HTTP/1.1\r\nHost: x\r\n\r\n", "u".repeat(70_000)),
    ] {
        let mut stream = tokio::net::TcpStream::connect(mock.running.addr).await.unwrap();
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
    }
    // A handler that panics: a 500 with the documented code, logged and journaled.
    let panicked = mock
        .http
        .post(mock.url(&v1("/policies")))
        .header("X-Auth-Token", TOKEN)
        .json(&policy_body("panics", &[]))
        .send()
        .await
        .expect("answered, not dropped");
    assert_eq!(panicked.status().as_u16(), 500);
    let panicked: Value = panicked.json().await.unwrap();
    assert_eq!(panicked["error_code"], "CSBS.9999", "{panicked}");
    let entry = journal(&mock, "operation=createPolicy").await.pop().expect("journaled");
    assert_eq!((&entry["status"], &entry["error_code"]), (&json!(500), &json!("CSBS.9999")));
    // A CORS preflight, answered before authentication.
    let preflight = mock
        .http
        .request(reqwest::Method::OPTIONS, mock.url("/v1/preflight-log-project/policies"))
        .header("Origin", "http://app.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status().as_u16(), 204);
    let lines = request_lines(captured);
    let has =
        |path: &str, status: u16| lines.iter().any(|l| l["path"] == path && l["status"] == status);
    assert!(has("-", 431) && has("-", 414), "{lines:?}");
    assert!(has(&v1("/policies"), 500), "{lines:?}");
    assert!(has("/v1/preflight-log-project/policies", 204), "{lines:?}");
}

async fn journal(mock: &Mock, query: &str) -> Vec<Value> {
    let answer = reqwest::get(mock.url(&format!("/_mock/journal?{query}"))).await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let body: Value = answer.json().await.unwrap();
    body["requests"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_journal_shows_what_clients_sent_filtered() {
    let mock = Mock::with(|c| c.journal_size = 3).await;
    mock.create_policy("kept", &[]).await;
    let mut bad = policy_body("broken", &[]);
    bad["policy"]["name"] = json!(42);
    mock.post(&v1("/policies"), bad).await.expect_error(400, "CSBS.9001");
    mock.get(&v1("/policies?limit=2")).await;
    mock.call("GET", &v1("/quotas"), None, None).await;
    // Three kept, the oldest gone.
    let all = journal(&mock, "").await;
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0]["seq"], 2);
    let invalid = journal(&mock, "operation=createPolicy&verdict=invalid").await;
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    let entry = &invalid[0];
    assert_eq!(
        (&entry["method"], &entry["status"], &entry["error_code"]),
        (&json!("POST"), &json!(400), &json!("CSBS.9001"))
    );
    assert!(entry["violations"][0].as_str().unwrap().contains("body.policy.name"), "{entry}");
    let listed = journal(&mock, "method=get&path=/v1/").await;
    assert_eq!(listed[0]["query"], "limit=2");
    assert_eq!(listed[0]["verdict"], "valid");
    assert_eq!(journal(&mock, "status=401").await[0]["verdict"], "not_validated");
    let bad = reqwest::get(mock.url("/_mock/journal?colour=red")).await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error_code"], "MOCK.0400");
    assert!(bad["error_msg"].as_str().unwrap().contains("colour"), "{bad}");
    let cleared = csbs_auth::tls::client_builder()
        .build()
        .unwrap()
        .delete(mock.url("/_mock/journal"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status().as_u16(), 204);
    assert!(journal(&mock, "").await.is_empty());
}

#[tokio::test]
async fn the_journal_and_the_log_keep_long_request_lines_as_excerpts_and_reads_are_paged() {
    let captured = captured_log();
    let mock = Mock::with(|c| c.journal_size = 1_002).await;
    // Unauthenticated requests of a 60 KB path and query: each entry and log line keeps an
    // excerpt (once: the whole line, so 1,000 of them answered a 130 MB journal read).
    let long_path = format!("/v1/long-line-project/checkpoint_items/{}", "p".repeat(30_000));
    let long_query = format!("name={}", "q".repeat(30_000));
    let answer = mock.call("GET", &format!("{long_path}?{long_query}"), None, None).await;
    assert_eq!(answer.status, 401);
    let entry = journal(&mock, "").await.pop().unwrap();
    let (path, query) = (entry["path"].as_str().unwrap(), entry["query"].as_str().unwrap());
    assert!(path.len() <= csbs_mock::JOURNAL_EXCERPT, "{}", path.len());
    assert!(query.len() <= csbs_mock::JOURNAL_EXCERPT, "{}", query.len());
    assert!(long_path.starts_with(path.trim_end_matches("...")) && path.ends_with("..."));
    assert_eq!(
        (&entry["path_bytes"], &entry["query_bytes"]),
        (&json!(long_path.len()), &json!(long_query.len()))
    );
    let logged: Vec<Value> = captured
        .text()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|l: &Value| {
            l["path"].as_str().is_some_and(|p| p.starts_with("/v1/long-line-project/"))
        })
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0]["path"].as_str().unwrap().len() <= csbs_mock::JOURNAL_EXCERPT);
    // A short line is kept as sent.
    mock.get(&v1("/policies?limit=2")).await;
    let short = journal(&mock, "limit=1").await.pop().unwrap();
    assert_eq!(
        (&short["path"], &short["query"], &short["query_bytes"]),
        (&json!(v1("/policies")), &json!("limit=2"), &json!(7))
    );
    // One read answers at most 1000 entries, the oldest, and counts the rest.
    for _ in 0..1_000 {
        mock.call("GET", &v1("/quotas"), None, None).await;
    }
    let page: Value = reqwest::get(mock.url("/_mock/journal")).await.unwrap().json().await.unwrap();
    let requests = page["requests"].as_array().unwrap();
    assert_eq!((requests.len(), &page["more"]), (csbs_mock::JOURNAL_PAGE, &json!(2)));
    let last = requests.last().unwrap()["seq"].as_u64().unwrap();
    assert_eq!(journal(&mock, &format!("since={last}")).await.len(), 2);
    assert_eq!(journal(&mock, "limit=5000").await.len(), csbs_mock::JOURNAL_PAGE);
}

/// A request with a `Prefer` header, the answer not checked against the contract (a forced
/// 500 is not a mock's failure).
async fn prefer(mock: &Mock, path: &str, prefer: &str) -> (u16, Value) {
    let answer = mock
        .http
        .get(mock.url(path))
        .header("X-Auth-Token", TOKEN)
        .header("Prefer", prefer)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap_or(Value::Null))
}

/// Asserts that `Prefer: header` on `path` is refused 400 with the service's validation
/// `code`, the message saying `says`.
async fn assert_prefer_refused(mock: &Mock, path: &str, header: &str, code: &str, says: &str) {
    let (status, body) = prefer(mock, path, header).await;
    assert_eq!((status, body["error_code"].as_str()), (400, Some(code)), "{header}: {body}");
    assert!(body["error_msg"].as_str().unwrap().contains(says), "{header}: {body}");
}

#[tokio::test]
async fn prefer_forces_what_the_spec_documents_and_refuses_the_rest() {
    let mock = Mock::start().await;
    // Preference names are case-insensitive (RFC 7240).
    assert_eq!(prefer(&mock, &v1("/quotas"), "CODE=500").await.0, 500);
    assert_eq!(prefer(&mock, &v1("/quotas"), "Delay=0").await.0, 200);
    // Each error is the example of the operation's response of that status, as the spec
    // documents it (and as Prism answers it).
    let (status, body) = prefer(&mock, &v1("/quotas"), "code=500").await;
    assert_eq!((status, body["error_code"].as_str()), (500, Some("CSBS.9999")), "{body}");
    let (status, body) = prefer(&mock, &v1("/policies/p-1"), "code=404").await;
    assert_eq!((status, body["error_code"].as_str()), (404, Some("CSBS.3000")), "{body}");
    assert!(body["error_msg"]
        .as_str()
        .unwrap()
        .ends_with("(answered by the mock's Prefer header)"));
    let (status, body) =
        prefer(&mock, &v3("/checkpoints/8b0851a8-adf3-4f4c-a914-dead08bf9664"), "code=404").await;
    assert_eq!((status, body["error_code"].as_str()), (404, Some("BackupService.3001")), "{body}");
    let (status, body) = prefer(&mock, &v1("/quotas"), "example=capacity_and_count_quotas").await;
    assert_eq!(status, 200);
    let documented = csbs_spec::examples::all_examples()
        .into_iter()
        .find(|e| e.name == "capacity_and_count_quotas")
        .unwrap();
    assert_eq!(Some(body), documented.value);
    let (status, _) = prefer(&mock, &v1("/quotas"), "delay=20, code=200").await;
    assert_eq!(status, 200);
    // A status whose response documents no error body is refused, saying why: a list names
    // no object it would not find (its 404 was once a checkpoint item's), CSBS answers no
    // code with 503. What can be asked is listed without them.
    let refused = [
        ("code=418", "code=418 is not documented for showQuotas; it can answer 200, 400, 401, 403, 429, 500 (404, 503 documented without an error body)"),
        ("code=404", "showQuotas documents no error body for status 404 (its response has no example: \"The requested object does not exist."),
        ("code=503", "showQuotas documents no error body for status 503"),
        ("example=nothing", "example=nothing is not a documented 200 example of showQuotas"),
        ("delay=99999999", "delay=99999999 is not a number of milliseconds"),
    ];
    for (header, says) in refused {
        assert_prefer_refused(&mock, &v1("/quotas"), header, "CSBS.9001", says).await;
    }
    // The refusal quotes the preference as sent (it once quoted only "code").
    let (_, body) = prefer(&mock, &v1("/quotas"), "code=503").await;
    assert!(body["error_msg"].as_str().unwrap().contains("\"code=503\""), "{body}");
    // Other preferences are not the mock's business.
    assert_eq!(prefer(&mock, &v1("/quotas"), "return=minimal").await.0, 200);
    let faulted = journal(&mock, "status=500").await;
    assert_eq!(faulted[0]["fault"], "Prefer header");
    // A refused `Prefer` is journaled as the invalid request it is, with its violation.
    let refused = journal(&mock, "status=400&verdict=invalid").await;
    assert_eq!(refused.len(), 6, "{refused:?}");
    let violation = refused[0]["violations"][0].as_str().unwrap_or_default();
    assert!(
        violation.starts_with("header.Prefer: code=418") && violation.contains("(prefer)"),
        "{violation}"
    );
    assert!(journal(&mock, "status=400&verdict=valid").await.is_empty());
}

#[tokio::test]
async fn prefer_on_cbr_answers_only_the_errors_its_responses_document() {
    let mock = Mock::start().await;
    // CBR's 500 and the backup list's 404 have no documented body; its 401 has one.
    for (header, says) in [
        ("code=500", "listCbrBackups documents no error body for status 500"),
        ("code=404", "listCbrBackups documents no error body for status 404"),
    ] {
        assert_prefer_refused(&mock, &v3("/backups"), header, "BackupService.9001", says).await;
    }
    let (status, _) = prefer(&mock, &v3("/backups"), "code=401").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn configured_faults_meet_their_share_of_requests() {
    let fault = Fault { latency_ms: 5, status: None, code: Some("CSBS.9999".into()), share: 0.5 };
    let mock = Mock::with(|c| {
        c.faults.insert("showQuotas".into(), fault);
    })
    .await;
    let mut statuses = Vec::new();
    let mut bodies = Vec::new();
    for _ in 0..4 {
        let (status, body) = prefer(&mock, &v1("/quotas"), "").await;
        statuses.push(status);
        bodies.push(body);
    }
    assert_eq!(statuses, [200, 500, 200, 500]);
    // The operation's own example words it, not the table's "%s failed" with a blank.
    let said = bodies[1]["error_msg"].as_str().unwrap_or_default();
    assert!(said.starts_with("backup failed (answered by the mock's configured fault"), "{said}");
    assert_eq!(mock.get(&v1("/policies")).await.status, 200, "other operations are untouched");
}

#[tokio::test]
async fn faults_the_spec_does_not_allow_are_refused_at_start() {
    for (op, fault, says) in [
        (
            "showQuota",
            Fault { latency_ms: 0, status: Some(500), code: None, share: 1.0 },
            "not an operationId",
        ),
        (
            "showQuotas",
            Fault { latency_ms: 0, status: Some(418), code: None, share: 1.0 },
            "status 418",
        ),
        (
            "showQuotas",
            Fault { latency_ms: 0, status: None, code: Some("CSBS.0000".into()), share: 1.0 },
            "CSBS.0000",
        ),
        ("showQuotas", Fault { latency_ms: 0, status: Some(500), code: None, share: 2.0 }, "share"),
        (
            "listPolicies",
            Fault { latency_ms: 0, status: Some(404), code: None, share: 1.0 },
            "listPolicies documents no error body for status 404",
        ),
    ] {
        let config = csbs_mock::MockConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            tokens: grants(),
            faults: [(op.to_owned(), fault)].into(),
            ..csbs_mock::MockConfig::default()
        };
        let error = csbs_mock::spawn(config).await.err().expect("refused");
        assert!(error.to_string().contains(says), "{error}");
    }
}

/// A browser's preflight of a POST to the policies.
async fn preflight(mock: &Mock) -> reqwest::Response {
    mock.http
        .request(reqwest::Method::OPTIONS, mock.url(&v1("/policies")))
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "x-auth-token, content-type")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn browsers_get_cors_answers() {
    let mock = Mock::start().await;
    let answer = preflight(&mock).await;
    assert_eq!(answer.status().as_u16(), 204);
    let headers = answer.headers();
    assert_eq!(headers["access-control-allow-origin"], "http://localhost:3000");
    assert_eq!(headers["access-control-allow-headers"], "x-auth-token, content-type");
    assert!(headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let answer = mock
        .send(
            mock.http
                .get(mock.url(&v1("/quotas")))
                .header("X-Auth-Token", TOKEN)
                .header("Origin", "http://localhost:3000"),
        )
        .await;
    assert_eq!(answer.headers["access-control-allow-origin"], "http://localhost:3000");
    // Without an Origin nothing changes, and a plain OPTIONS is still a 405.
    assert!(mock.get(&v1("/quotas")).await.headers.get("access-control-allow-origin").is_none());
    mock.call("OPTIONS", &v1("/quotas"), Some(TOKEN), None).await.expect_error(405, "APIGW.0102");
    let off = Mock::with(|c| c.cors = false).await;
    assert_eq!(preflight(&off).await.status().as_u16(), 405);
}

//! Hostile traffic meets a bound: answers to bodies of a million broken items or of ten
//! megabytes stay small; a signed request with an access key the mock does not know is refused
//! before its body is read; slow heads, stalled bodies and idle connections are closed; a
//! connection beyond the limit waits for a slot rather than being refused; a policy of 50,000
//! servers is created and run.
//! Each time a normal request is served meanwhile. (How long each takes, and the mock's peak
//! memory, are measured by `scripts/hostile.sh`, not asserted here.)

use crate::support::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the mock closes the connection (or [`PATIENCE`] runs out, which fails).
async fn until_closed(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the mock kept the connection open: {}",
        String::from_utf8_lossy(&answer)
    );
    String::from_utf8_lossy(&answer).into_owned()
}

async fn connect(mock: &Mock) -> TcpStream {
    TcpStream::connect(mock.running.addr).await.expect("the mock accepts")
}

/// A normal request, from a new client (so not on a connection the test holds).
async fn still_serving(mock: &Mock) {
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let answer = http
        .get(mock.url(&v1("/quotas")))
        .header("X-Auth-Token", TOKEN)
        .send()
        .await
        .expect("a normal request is answered");
    assert_eq!(answer.status().as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_broken_items_get_a_short_answer() {
    let mock = Mock::start().await;
    let mut body = policy_body("big", &[]);
    body["policy"]["resources"] = Value::Array(vec![json!({}); 1_000_000]);
    let answer = mock.post(&v1("/policies"), body).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(answer.text.len() < 4096, "{} bytes", answer.text.len());
    assert!(answer.message().contains("body.policy.resources[0]"), "{}", answer.message());
    assert!(answer.message().contains("further violations not searched"), "{}", answer.message());
    let mut body = policy_body("some", &[]);
    body["policy"]["resources"] = Value::Array(vec![json!({}); 1_000]);
    let answer = mock.post(&v1("/policies"), body).await;
    assert!(answer.message().contains("more violations not listed"), "{}", answer.message());
    still_serving(&mock).await;
}

#[tokio::test]
async fn a_ten_megabyte_value_is_quoted_in_an_excerpt() {
    let mock = Mock::start().await;
    let mut body = policy_body("long", &[]);
    body["policy"]["description"] = json!("d".repeat(10 * 1024 * 1024));
    let answer = mock.post(&v1("/policies"), body).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(answer.text.len() < 4096, "{} bytes", answer.text.len());
    assert!(answer.message().contains("body.policy.description"), "{}", answer.message());
}

/// The head of a signed POST announcing a large body that never comes.
fn signed_head(access_key: &str) -> String {
    format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\nX-Sdk-Date: 20261206T000000Z\r\nAuthorization: SDK-HMAC-SHA256 Access={access_key}, SignedHeaders=host;x-sdk-date, Signature=00\r\n\r\n",
        v1("/policies")
    )
}

#[tokio::test]
async fn unknown_signers_are_refused_before_their_body_is_read() {
    // No AK/SK configured at all, then one configured that is not the request's.
    let without_keys = Mock::start().await;
    let with_keys = Mock::with(|c| {
        c.aksk = vec![csbs_mock::KeyGrant {
            access_key: "AKKNOWN".into(),
            secret_key: "sk-not-a-secret".into(),
            project_id: PROJECT.into(),
            admin: false,
        }]
    })
    .await;
    for mock in [&without_keys, &with_keys] {
        let mut stream = connect(mock).await;
        stream.write_all(signed_head("nobody").as_bytes()).await.unwrap();
        let answer = until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
        assert!(answer.contains("unknown_access_key"), "{answer}");
        still_serving(mock).await;
    }
}

#[tokio::test]
async fn slow_heads_are_cut_at_the_header_timeout() {
    let mock = Mock::with(|c| c.limits.header_timeout_ms = 300).await;
    let mut stream = connect(&mock).await;
    stream.write_all(b"GET /v1/p-user/quotas HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    still_serving(&mock).await;
    let answer = until_closed(&mut stream).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

/// `head` and the start of a body sent, then nothing: answered 413 `code` at the body
/// timeout (300 ms), the connection closed; a normal request served meanwhile.
async fn cut_at_the_body_timeout(head: &str, code: &str) {
    let mock = Mock::with(|c| c.limits.body_timeout_ms = 300).await;
    let mut stream = connect(&mock).await;
    stream.write_all(head.as_bytes()).await.unwrap();
    still_serving(&mock).await;
    let answer = until_closed(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(code) && answer.contains("did not arrive within 300 ms"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
}

#[tokio::test]
async fn stalled_bodies_are_cut_at_the_body_timeout() {
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"policy\": ",
        v1("/policies")
    );
    cut_at_the_body_timeout(&head, "APIGW.0201").await;
}

#[tokio::test]
async fn stalled_admin_bodies_are_cut_at_the_body_timeout() {
    let head = "PUT /_mock/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"format\": ";
    cut_at_the_body_timeout(head, "MOCK.0413").await;
}

#[tokio::test]
async fn idle_connections_are_closed() {
    let mock = Mock::with(|c| c.limits.idle_timeout_ms = 300).await;
    // One that never sends, one idle after a complete request.
    let mut silent = connect(&mock).await;
    let mut kept = connect(&mock).await;
    let request =
        format!("GET {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {TOKEN}\r\n\r\n", v1("/quotas"));
    kept.write_all(request.as_bytes()).await.unwrap();
    still_serving(&mock).await;
    until_closed(&mut silent).await;
    let answer = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_client_that_does_not_take_its_answers_is_cut_at_the_send_timeout() {
    let mock = Mock::with(|c| {
        c.limits.send_timeout_ms = 300;
        c.limits.max_connections = 1;
    })
    .await;
    // A small receive window, 100 pipelined requests for a 200 KB document (20 MB of
    // answers, far beyond the sockets' buffers), then 64 bytes read every 50 ms: a byte moves
    // well within every idle timeout (60 s), so only the send timeout can end it.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(mock.running.addr).await.expect("the mock accepts");
    let request = "GET /_mock/spec/csbs-v1.yaml HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100);
    stream.write_all(request.as_bytes()).await.unwrap();
    let read = tokio::time::timeout(PATIENCE, async {
        let (mut taken, mut buf) = (0usize, [0u8; 64]);
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return taken,
                Ok(n) => taken += n,
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    let taken = read.expect("the mock kept the slow reader's connection open");
    assert!(taken < 100 * 200_000, "the reader took every answer: {taken} bytes");
    // Its slot (the only one) is free again.
    tokio::time::timeout(PATIENCE, still_serving(&mock)).await.expect("served once the slot frees");
}

#[tokio::test]
async fn http2_connections_are_refused_and_hold_no_slot() {
    // HTTP/1.1 only: an HTTP/2 connection sending PINGs (and never a request) once held its
    // slot past every timeout.
    let mock = Mock::with(|c| c.limits.max_connections = 1).await;
    let mut h2 = connect(&mock).await;
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    let settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];
    let ping = [0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
    let _ = h2.write_all(&[&settings[..], &ping[..]].concat()).await;
    let answer = until_closed(&mut h2).await;
    assert!(!answer.contains("200"), "{answer}");
    tokio::time::timeout(PATIENCE, still_serving(&mock)).await.expect("served, the slot is free");
}

#[tokio::test]
async fn a_policy_keeps_at_most_the_free_form_limit() {
    let limit = csbs_mock::Limits::default().max_free_form_bytes;
    let mock = Mock::start().await;
    let with_common = |name: &str, bytes: usize| {
        let mut body = policy_body(name, &[&format!("srv-{name}")]);
        body["policy"]["parameters"]["common"] = json!({"note": "n".repeat(bytes)});
        body
    };
    // Within the limit: kept as sent.
    let kept = mock.post(&v1("/policies"), with_common("small", 1_000)).await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    // Beyond it, in `parameters` or in a server's `extra_info`, created or updated: 400
    // naming the limit, nothing kept.
    let refused = mock.post(&v1("/policies"), with_common("big", limit)).await;
    refused.expect_error(400, "CSBS.9001");
    assert!(refused.message().contains("limits.max_free_form_bytes"), "{}", refused.text);
    assert!(refused.text.len() < 1_000, "the answer quotes the value: {}", refused.text.len());
    let mut body = policy_body("big-extra", &["srv-extra"]);
    body["policy"]["resources"][0]["extra_info"] = json!({"x": "x".repeat(limit)});
    mock.post(&v1("/policies"), body).await.expect_error(400, "CSBS.9001");
    let id = kept.body["policy"]["id"].as_str().unwrap();
    let update = json!({"policy": {"parameters": {"common": {"note": "u".repeat(limit)}}}});
    mock.put(&v1(&format!("/policies/{id}")), update).await.expect_error(400, "CSBS.9001");
    let listed = mock.get(&v1("/policies")).await;
    let names: Vec<&str> = listed.body["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["small"]);
    assert_eq!(
        listed.body["policies"][0]["parameters"]["common"]["note"].as_str().unwrap().len(),
        1_000
    );
}

/// A complete request on `stream`, answered 200 (so the connection holds a slot).
async fn served_on(stream: &mut TcpStream) {
    let request =
        format!("GET {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {TOKEN}\r\n\r\n", v1("/quotas"));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    let read = tokio::time::timeout(PATIENCE, stream.read_exact(&mut head)).await;
    assert!(matches!(read, Ok(Ok(_))), "no answer: {read:?}");
    assert_eq!(&head, b"HTTP/1.1 200", "{}", String::from_utf8_lossy(&head));
}

#[tokio::test]
async fn a_connection_beyond_the_limit_waits_for_a_slot() {
    let mock = Mock::with(|c| c.limits.max_connections = 4).await;
    // Four kept-alive connections, each answered once: every slot is held (until the header
    // timeout, 10 s, closes them).
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&mock).await;
        served_on(&mut stream).await;
        held.push(stream);
    }
    // A fifth sends its request: it waits (a mock that refused it would close it at once,
    // and the read below would see the end instead of an answer) ...
    let mut fifth = connect(&mock).await;
    let waiting = tokio::spawn(async move {
        served_on(&mut fifth).await;
        fifth
    });
    // ... until a held connection ends and frees its slot.
    held.pop();
    waiting.await.expect("the waiting connection is served once a slot frees");
}

#[tokio::test]
async fn beyond_the_waiting_room_a_connection_is_told_to_retry_at_once() {
    // One slot and a waiting room of one (a quarter of the limit, rounded up).
    let mock = Mock::with(|c| c.limits.max_connections = 1).await;
    let mut held = connect(&mock).await;
    served_on(&mut held).await;
    let mut second = connect(&mock).await;
    let waiting = tokio::spawn(async move {
        served_on(&mut second).await;
        second
    });
    // The third is neither served nor left waiting without an answer (once, beyond the
    // kernel's backlog, such a client waited over 90 s): 429 with Retry-After, closed.
    let mut third = connect(&mock).await;
    let request =
        format!("GET {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {TOKEN}\r\n\r\n", v1("/quotas"));
    third.write_all(request.as_bytes()).await.unwrap();
    let answer = until_closed(&mut third).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("retry-after: 1") && answer.contains("APIGW.0308"), "{answer}");
    // The waiting one is served once the held one ends.
    drop(held);
    waiting.await.expect("the waiting connection is served once a slot frees");
}

#[tokio::test]
async fn connection_limits_outside_the_listeners_range_are_refused_at_start() {
    for n in [0, csbs_mock::MAX_CONNECTIONS + 1, usize::MAX] {
        let config = csbs_mock::MockConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            limits: csbs_mock::Limits { max_connections: n, ..csbs_mock::Limits::default() },
            ..csbs_mock::MockConfig::default()
        };
        let refused = csbs_mock::spawn(config).await.err().expect("refused");
        assert_eq!(refused.kind(), std::io::ErrorKind::InvalidInput);
        let wanted =
            format!("limits.max_connections must be from 1 to 2305843009213693951, got {n}");
        assert!(refused.to_string().contains(&wanted), "{refused}");
    }
}

#[tokio::test]
async fn slow_clients_holding_every_slot_delay_a_request_no_longer_than_the_header_timeout() {
    let mock = Mock::with(|c| {
        c.limits.max_connections = 4;
        c.limits.header_timeout_ms = 1_000;
    })
    .await;
    // Slow heads that never finish, then connections that never send a byte, take every
    // slot, and the client never lets go (the idle timeout, 60 s, is beyond the patience).
    let slow_head: &[u8] = b"GET /v1/p-user/quotas HTTP/1.1\r\nHost: x\r\n";
    for sent in [slow_head, b""] {
        let mut slow = Vec::new();
        for _ in 0..4 {
            let mut stream = connect(&mock).await;
            stream.write_all(sent).await.unwrap();
            slow.push(stream);
        }
        // A normal request waits for the header timeout to close them, then is served.
        tokio::time::timeout(PATIENCE, still_serving(&mock))
            .await
            .expect("served once the header timeout frees a slot");
        for stream in &mut slow {
            let answer = until_closed(stream).await;
            assert!(!answer.contains("200 OK"), "{answer}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_of_fifty_thousand_servers_is_created_and_run() {
    let mock = Mock::with(|c| c.quotas.backups = -1).await;
    let servers: Vec<String> = (0..50_000).map(|i| format!("srv-{i}")).collect();
    let names: Vec<&str> = servers.iter().map(String::as_str).collect();
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let created = http
        .post(mock.url(&v1("/policies")))
        .header("X-Auth-Token", TOKEN)
        .json(&policy_body("big", &names))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 200);
    let policy: Value = created.json().await.unwrap();
    let id = policy["policy"]["id"].as_str().unwrap().to_owned();
    let run = {
        let (http, url) =
            (http.clone(), mock.url(&v1(&format!("/providers/{PROVIDER}/checkpoints"))));
        tokio::spawn(async move {
            http.post(url)
                .header("X-Auth-Token", TOKEN)
                .json(&json!({"checkpoint": {"plan_id": id, "parameters": {}}}))
                .send()
                .await
                .unwrap()
        })
    };
    still_serving(&mock).await;
    let run = run.await.unwrap();
    assert_eq!(run.status().as_u16(), 200);
    let checkpoint: Value = run.json().await.unwrap();
    let resources = checkpoint["checkpoint"]["protection_plan"]["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 50_000);
}

/// Stops a policy run where it builds its backups holding no lock (see [`Pause`]).
struct Paused(Pause);

impl Paused {
    fn hooks() -> (Paused, csbs_mock::Hooks) {
        let (pause, hook) = Pause::new();
        (Paused(pause), csbs_mock::Hooks { run_unlocked: Some(hook), ..Default::default() })
    }

    /// Sends `executePolicy` for `policy` and waits until the run is in progress.
    async fn run(&self, mock: &Mock, policy: &str) -> tokio::task::JoinHandle<Value> {
        let url = mock.url(&v1(&format!("/providers/{PROVIDER}/checkpoints")));
        let body = json!({"checkpoint": {"plan_id": policy, "parameters": {}}});
        let run = tokio::spawn(async move {
            let answer = csbs_auth::tls::client_builder()
                .build()
                .unwrap()
                .post(url)
                .header("X-Auth-Token", TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 200);
            answer.json::<Value>().await.unwrap()
        });
        self.0.reached("the run");
        run
    }
}

/// The servers of a run's checkpoint.
fn servers_of(checkpoint: &Value) -> Vec<&str> {
    let resources = checkpoint["checkpoint"]["protection_plan"]["resources"].as_array().unwrap();
    resources.iter().map(|r| r["id"].as_str().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_is_read_while_a_policy_run_is_in_progress() {
    let (paused, hooks) = Paused::hooks();
    let mock = Mock::with(|c| c.hooks = hooks).await;
    let policy = mock.create_policy("run", &["srv-1", "srv-2", "srv-3"]).await;
    let id = policy["id"].as_str().unwrap();
    let run = paused.run(&mock, id).await;
    // The same project, the same policy, while the run is in progress.
    let shown = tokio::time::timeout(PATIENCE, mock.get(&v1(&format!("/policies/{id}"))))
        .await
        .expect("a read of the project is answered while a run is in progress");
    assert_eq!(shown.status, 200, "{}", shown.text);
    let listed = tokio::time::timeout(PATIENCE, mock.get(&v1("/checkpoint_items")))
        .await
        .expect("a list of the project is answered while a run is in progress");
    assert_eq!(listed.body["checkpoint_items"], json!([]), "the run is not stored yet");
    paused.0.resume();
    let checkpoint = run.await.unwrap();
    assert_eq!(servers_of(&checkpoint), ["srv-1", "srv-2", "srv-3"]);
    let listed = mock.get(&v1("/checkpoint_items")).await;
    assert_eq!(listed.body["checkpoint_items"].as_array().map(Vec::len), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_while_a_policy_run_is_in_progress_is_seen_by_the_run() {
    let (paused, hooks) = Paused::hooks();
    let mock = Mock::with(|c| c.hooks = hooks).await;
    let policy = mock.create_policy("run", &["srv-1", "srv-2", "srv-3"]).await;
    let id = policy["id"].as_str().unwrap();
    let run = paused.run(&mock, id).await;
    // The policy loses a server while the run builds its backups: the run is stored as if it
    // came after the change (a serial order), not with the servers it started from.
    let fewer = json!({"policy": {"resources": [
        {"id": "srv-1", "type": "OS::Nova::Server", "name": "name-srv-1"},
        {"id": "srv-3", "type": "OS::Nova::Server", "name": "name-srv-3"},
    ]}});
    let path = v1(&format!("/policies/{id}"));
    let updated = tokio::time::timeout(PATIENCE, mock.put(&path, fewer))
        .await
        .expect("a change of the project is answered while a run is in progress");
    assert_eq!(updated.status, 200, "{}", updated.text);
    paused.0.resume();
    let checkpoint = run.await.unwrap();
    assert_eq!(servers_of(&checkpoint), ["srv-1", "srv-3"]);
    let listed = mock.get(&v1("/checkpoint_items")).await;
    assert_eq!(listed.body["checkpoint_items"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_page_holds_at_most_the_lists_max_limit() {
    let config = csbs_mock::MockConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        tokens: grants(),
        ..csbs_mock::MockConfig::default()
    };
    let running = csbs_mock::bulk::spawn_with_backups(config, PROJECT, 1001, 10).await.unwrap();
    let http = csbs_auth::tls::client_builder().build().unwrap();
    for query in ["limit=18446744073709551615", "limit=1001", ""] {
        let url = format!("{}{}", running.base_url(), v1(&format!("/checkpoint_items?{query}")));
        let page: Value =
            http.get(url).header("X-Auth-Token", TOKEN).send().await.unwrap().json().await.unwrap();
        assert_eq!(page["checkpoint_items"].as_array().map(Vec::len), Some(1000), "{query}");
    }
}

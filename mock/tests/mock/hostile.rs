//! Hostile input: never a crash, never a 5xx, always the error body.

use crate::support::*;
use serde_json::json;

fn raw(mock: &Mock, method: &str, path: &str) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    mock.http.request(method, mock.url(path)).header("X-Auth-Token", TOKEN)
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let mock = Mock::start().await;
    let path = v1("/policies");
    let json_body = |text: &'static str| {
        raw(&mock, "POST", &path).header("content-type", "application/json").body(text)
    };
    let answer = mock.send(json_body("{\"policy\": ")).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(answer.message().starts_with("body: is not valid JSON"), "{}", answer.message());
    mock.send(json_body("")).await.expect_error(400, "CSBS.9001");
    mock.send(json_body("[1, 2]")).await.expect_error(400, "CSBS.9001");
    mock.send(json_body("null")).await.expect_error(400, "CSBS.9001");
    let deep = "[".repeat(100_000);
    mock.send(raw(&mock, "POST", &path).header("content-type", "application/json").body(deep))
        .await
        .expect_error(400, "CSBS.9001");
    let answer =
        mock.send(raw(&mock, "POST", &path).header("content-type", "text/plain").body("{}")).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(answer.message().contains("(content-type)"), "{}", answer.message());
    mock.send(
        raw(&mock, "POST", &path)
            .header("content-type", "application/json")
            .body(vec![0xff, 0xfe, 0x00]),
    )
    .await
    .expect_error(400, "CSBS.9001");
}

#[tokio::test]
async fn wrong_types_name_every_field() {
    let mock = Mock::start().await;
    let mut body = policy_body("p", &[]);
    body["policy"]["name"] = json!(42);
    body["policy"]["scheduled_operations"][0]["enabled"] = json!("yes");
    let answer = mock.post(&v1("/policies"), body).await;
    answer.expect_error(400, "CSBS.9001");
    for field in ["body.policy.name", "body.policy.scheduled_operations[0].enabled"] {
        assert!(answer.message().contains(field), "{}", answer.message());
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let mock = Mock::start().await;
    let mut body = policy_body("p", &[]);
    body["policy"]["colour"] = json!("blue");
    body["extra"] = json!({"deep": [1, 2, 3]});
    assert_eq!(mock.post(&v1("/policies"), body).await.status, 200);
    assert_eq!(mock.get(&v1("/policies?colour=blue&limit=1")).await.status, 200);
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let mock = Mock::with(|c| c.max_body_bytes = 1024).await;
    let mut body = policy_body("p", &[]);
    body["policy"]["padding"] = json!("x".repeat(2048));
    mock.post(&v1("/policies"), body).await.expect_error(413, "APIGW.0201");
    let chunked = raw_exchange(&mock, &format!(
        "POST {} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: {TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n320\r\n{}\r\n320\r\n{}\r\n0\r\n\r\n",
        v1("/policies"),
        " ".repeat(800),
        " ".repeat(800)
    ))
    .await;
    assert!(chunked.starts_with("HTTP/1.1 413") && chunked.contains("APIGW.0201"), "{chunked}");
    assert_eq!(mock.post(&v1("/policies"), policy_body("small", &[])).await.status, 200);
}

/// Sends raw bytes (a request no client library would make) and reads the whole answer.
async fn raw_exchange(mock: &Mock, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(mock.running.addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer))
            .await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn garbage_on_the_wire_is_answered_or_dropped() {
    let mock = Mock::start().await;
    let answer = raw_exchange(&mock, "GET /v1/p-user/quotas HTTP/1.1\r\nHost: x\r\nX-Auth-Token: \u{e9}\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let answer = raw_exchange(&mock, "NOT HTTP AT ALL\r\n\r\n").await;
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(mock.get(&v1("/quotas")).await.status, 200, "still serving");
}

#[tokio::test]
async fn absurd_query_values() {
    let mock = Mock::start().await;
    mock.protect("srv-1").await;
    let ok = [
        "limit=99999999999999999999999999",
        "offset=18446744073709551616",
        "limit=1&offset=99999999",
        "sort=id:asc,name,status:desc,created_at",
        "name=%00%ff",
    ];
    for query in ok {
        assert_eq!(
            mock.get(&v1(&format!("/checkpoint_items?{query}"))).await.status,
            200,
            "{query}"
        );
    }
    for query in [
        "limit=-1",
        "limit=1.5",
        "limit=",
        "offset=-5",
        "all_tenants=maybe",
        "limit=1&limit=2",
        "sort=name:sideways",
    ] {
        mock.get(&v1(&format!("/checkpoint_items?{query}"))).await.expect_error(400, "CSBS.9001");
    }
    mock.get(&v1("/checkpoint_items?marker=%F0%9F%92%A3")).await.expect_error(404, "CSBS.3001");
    let long = "x".repeat(256);
    let answer = mock.get(&v1(&format!("/policies?name={long}"))).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(answer.message().contains("(maxLength)"), "{}", answer.message());
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let mock = Mock::start().await;
    let answer = mock.call("GET", "/v2/whatever", Some(TOKEN), None).await;
    answer.expect_error(404, "APIGW.0101");
    mock.call("GET", &v1("/policies/a/b/c"), None, None).await.expect_error(404, "APIGW.0101");
    for (method, path, allow) in [
        ("PATCH", v1("/policies"), "GET, POST"),
        ("POST", v1("/quotas"), "GET"),
        ("DELETE", v3("/backups"), "GET"),
    ] {
        let answer = mock.call(method, &path, Some(TOKEN), None).await;
        answer.expect_error(405, "APIGW.0102");
        assert_eq!(answer.headers.get("allow").and_then(|v| v.to_str().ok()), Some(allow));
    }
    let answer = mock.call("GET", &v1("/policies/%ff%fe"), Some(TOKEN), None).await;
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn every_error_quotes_values_in_excerpts() {
    let mock = Mock::start().await;
    // Each value tens of kilobytes long, answered in well under a kilobyte (each error once
    // quoted the whole value: 42 to 300 KB answers).
    let long = "9".repeat(60_000);
    let unknown_id = format!("/checkpoint_items/{}", "%22".repeat(15_000));
    let unknown_path = format!("/nothing/{}", "x/".repeat(20_000));
    let unknown_restore = format!("/backups/{}", "b".repeat(30_000));
    let answers = [
        raw(&mock, "GET", &v1("/quotas")).header("Prefer", format!("code={long}")),
        raw(&mock, "GET", &v1("/quotas")).header("Prefer", format!("example={long}")),
        raw(&mock, "GET", &v1("/quotas")).header("Prefer", format!("delay={long}")),
        raw(&mock, "GET", &v1(&unknown_id)),
        raw(&mock, "GET", &v1(&unknown_path)),
        raw(&mock, "GET", &v3(&unknown_restore)),
        mock.http.get(mock.url(&v1("/quotas"))).header(
            "Authorization",
            format!("SDK-HMAC-SHA256 Access={long}, SignedHeaders=host, Signature=00"),
        ),
        mock.http.get(mock.url(&format!("/_mock/{long}"))),
    ];
    for request in answers {
        let answer = request.send().await.expect("answered");
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        assert!((400..500).contains(&status), "{status}: {text:.200}");
        assert!(text.len() < 1_000, "{status}: a {}-byte answer: {text:.300}", text.len());
    }
}

/// A policy's body naming `servers`.
fn big_policy(name: &str, servers: &[String]) -> serde_json::Value {
    let names: Vec<&str> = servers.iter().map(String::as_str).collect();
    policy_body(name, &names)
}

/// The project's reads are answered while a policy of 50,000 servers is created, then while it
/// is run and updated at once; each big request is held (see [`Pause`]) where it does the work
/// that grows with the policy, so the reads are sent while they are in flight, whatever the
/// timing. (The reads name a small policy: answers of 50,000 servers take long to check
/// against the contract in a debug build.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_project_is_read_while_a_big_policy_is_created_updated_and_run() {
    let (stored, policy_unlocked) = Pause::new();
    let (built, run_unlocked) = Pause::new();
    let mock = Mock::with(|c| {
        c.quotas.backups = -1;
        c.hooks = csbs_mock::Hooks {
            run_unlocked: Some(run_unlocked),
            policy_unlocked: Some(policy_unlocked),
            ..Default::default()
        };
    })
    .await;
    let body = Some(policy_body("small", &["srv-small"]));
    let small = in_flight(&mock, reqwest::Method::POST, &v1("/policies"), body);
    stored.reached("a createPolicy");
    stored.resume();
    let small =
        v1(&format!("/policies/{}", answered(small).await["policy"]["id"].as_str().unwrap()));
    let reads = |named: &'static str| {
        let mock = &mock;
        let small = small.clone();
        async move {
            for path in [small, v1(&format!("/policies?name={named}"))] {
                let answer = tokio::time::timeout(PATIENCE, mock.get(&path))
                    .await
                    .unwrap_or_else(|_| panic!("{path} is answered while the big requests are"));
                assert_eq!(answer.status, 200, "{}", answer.text);
                if let Some(found) = answer.body.get("policies") {
                    assert_eq!(found, &json!([]), "{named} is not stored yet");
                }
            }
        }
    };
    let first: Vec<String> = (0..50_000).map(|i| format!("srv-a-{i}")).collect();
    let body = Some(big_policy("big", &first));
    let create = in_flight(&mock, reqwest::Method::POST, &v1("/policies"), body);
    stored.reached("the createPolicy");
    reads("big").await;
    assert!(!create.is_finished(), "the reads were answered while the create was in flight");
    stored.resume();
    let id = answered(create).await["policy"]["id"].as_str().unwrap().to_owned();

    let run_body = json!({"checkpoint": {"plan_id": id, "parameters": {}}});
    let run_path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let run = in_flight(&mock, reqwest::Method::POST, &run_path, Some(run_body));
    built.reached("the executePolicy");
    let second: Vec<String> = (0..50_000).map(|i| format!("srv-b-{i}")).collect();
    let mut change = big_policy("bigger", &second);
    change["policy"].as_object_mut().unwrap().retain(|k, _| ["name", "resources"].contains(&&**k));
    let path = v1(&format!("/policies/{id}"));
    let update = in_flight(&mock, reqwest::Method::PUT, &path, Some(change));
    stored.reached("the updatePolicy");
    reads("bigger").await;
    assert!(!run.is_finished() && !update.is_finished(), "answered while both were in flight");

    // The update is stored first: the run, stored after it, backs up the servers it names.
    stored.resume();
    assert_eq!(answered(update).await["policy"]["name"], "bigger");
    built.resume();
    let checkpoint = answered(run).await;
    let resources = checkpoint["checkpoint"]["protection_plan"]["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 50_000);
    assert_eq!(resources[0]["id"], "srv-b-0");
}

/// Policies are read while a policy's scheduled run is being made (held where it builds its
/// backups, see [`Pause`]); the request that made the run due sees it once it is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_are_read_while_a_scheduled_run_is_made() {
    let (built, run_unlocked) = Pause::new();
    let mock = Mock::with(|c| {
        c.quotas.backups = -1;
        c.hooks = csbs_mock::Hooks { run_unlocked: Some(run_unlocked), ..Default::default() };
    })
    .await;
    // Weekly: due once the clock has moved eight days.
    let servers: Vec<String> = (0..1_000).map(|i| format!("srv-{i}")).collect();
    let created = mock.post(&v1("/policies"), big_policy("weekly", &servers)).await;
    let id = created.body["policy"]["id"].as_str().unwrap().to_owned();
    mock.running.advance_clock(std::time::Duration::from_secs(8 * 86_400));
    let list = in_flight(&mock, reqwest::Method::GET, &v1("/checkpoint_items?limit=1000"), None);
    built.reached("the scheduled run");
    for path in [v1(&format!("/policies/{id}")), v1("/policies")] {
        let answer = tokio::time::timeout(PATIENCE, mock.get(&path))
            .await
            .unwrap_or_else(|_| panic!("{path} is answered while the run is made"));
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    assert!(!list.is_finished(), "answered while the run was being made");
    built.resume();
    let listed = answered(list).await;
    let backups = listed["checkpoint_items"].as_array().unwrap();
    assert_eq!(backups.len(), 1_000, "the request that made the run due sees it");
    assert!(backups.iter().all(|b| b["extend_info"]["auto_trigger"] == true));
}

/// A name taken while a createPolicy of it is in its unlocked part (see [`Pause`]) is refused to
/// that create when it goes on (CSBS.9007): the checks made under the read lock are made again
/// under the write lock once the project has changed. Whichever of two creates of one name is
/// stored first, the other is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_taken_while_a_create_is_in_flight_is_refused_to_it() {
    let (stored, policy_unlocked) = Pause::new();
    let mock = Mock::with(|c| {
        c.hooks = csbs_mock::Hooks { policy_unlocked: Some(policy_unlocked), ..Default::default() };
    })
    .await;
    let create = |server: &str| {
        let body = Some(policy_body("same", &[server]));
        in_flight(&mock, reqwest::Method::POST, &v1("/policies"), body)
    };
    let first = create("srv-1");
    stored.reached("the first createPolicy");
    let second = create("srv-2");
    stored.reached("the second createPolicy");
    stored.resume();
    stored.resume();
    let mut answers = [first.await.unwrap(), second.await.unwrap()];
    answers.sort_by_key(|(status, _)| *status);
    let [(stored_status, _), (refused_status, refused)] = answers;
    assert_eq!((stored_status, refused_status), (200, 400), "{refused}");
    assert_eq!(refused["error_code"], "CSBS.9007", "{refused}");
    let listed = mock.get(&v1("/policies?name=same")).await;
    assert_eq!(listed.body["policies"].as_array().map(Vec::len), Some(1));
}

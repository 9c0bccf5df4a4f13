//! Policies: the round trip, uniqueness, binding, unknown IDs and validation messages.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn create_show_list_update_delete() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("nightly", &["srv-1", "srv-2"]).await;
    let id = policy["id"].as_str().unwrap();
    assert_eq!(policy["status"], "started");
    assert_eq!(policy["scheduled_operations"][0]["operation_definition"]["max_backups"], "5");
    assert_eq!(policy["resources"].as_array().unwrap().len(), 2);
    assert_eq!(mock.get(&v1(&format!("/policies/{id}"))).await.body["policy"], policy);
    assert_eq!(mock.get(&v1("/policies?name=nightly")).await.body["policies"][0]["id"], id);
    assert_eq!(mock.get(&v1("/policies?name=night")).await.body["policies"], json!([]));

    let op_id = policy["scheduled_operations"][0]["id"].clone();
    let change = json!({"policy": {"name": "renamed", "scheduled_operations": [{"id": op_id, "enabled": false, "operation_definition": {"permanent": true}}]}});
    let updated = mock.put(&v1(&format!("/policies/{id}")), change).await.body["policy"].clone();
    assert_eq!(
        (updated["name"].as_str(), updated["status"].as_str()),
        (Some("renamed"), Some("suspended"))
    );
    assert_eq!(updated["scheduled_operations"][0]["operation_definition"]["permanent"], "True");
    assert_eq!(updated["description"], "test policy", "fields left out keep their values");

    let deleted = mock.delete(&v1(&format!("/policies/{id}"))).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (200, ""));
    mock.get(&v1(&format!("/policies/{id}"))).await.expect_error(404, "CSBS.3000");
}

#[tokio::test]
async fn names_are_unique_and_servers_bound_once() {
    let mock = Mock::start().await;
    mock.create_policy("a", &["srv-1"]).await;
    let b = mock.create_policy("b", &["srv-2"]).await;
    mock.post(&v1("/policies"), policy_body("a", &[])).await.expect_error(400, "CSBS.9007");
    let bound = mock.post(&v1("/policies"), policy_body("c", &["srv-1"])).await;
    bound.expect_error(400, "CSBS.6004");
    assert!(bound.message().contains("srv-1"), "{}", bound.message());
    let path = v1(&format!("/policies/{}", b["id"].as_str().unwrap()));
    mock.put(&path, json!({"policy": {"name": "a"}})).await.expect_error(400, "CSBS.9007");
    mock.put(&path, json!({"policy": {"resources": [{"id": "srv-1", "type": "OS::Nova::Server", "name": "x"}]}})).await.expect_error(400, "CSBS.6004");
    assert_eq!(
        mock.put(&path, json!({"policy": {"name": "b"}})).await.status,
        200,
        "keeping its own name is no conflict"
    );
}

#[tokio::test]
async fn unknown_policies_answer_csbs_3000() {
    let mock = Mock::start().await;
    let path = v1("/policies/no-such-policy");
    mock.get(&path).await.expect_error(404, "CSBS.3000");
    mock.put(&path, json!({"policy": {"name": "x"}})).await.expect_error(404, "CSBS.3000");
    mock.delete(&path).await.expect_error(404, "CSBS.3000");
    let run = json!({"checkpoint": {"plan_id": "no-such-policy", "parameters": {}}});
    mock.post(&v1(&format!("/providers/{PROVIDER}/checkpoints")), run)
        .await
        .expect_error(404, "CSBS.3000");
    mock.get(&v1("/policies?marker=no-such-policy")).await.expect_error(404, "CSBS.3000");
}

#[tokio::test]
async fn a_scheduled_operation_is_named_by_its_id() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("p", &[]).await;
    let path = v1(&format!("/policies/{}", policy["id"].as_str().unwrap()));
    let answer =
        mock.put(&path, json!({"policy": {"scheduled_operations": [{"id": "other"}]}})).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(
        answer.message().starts_with("body.policy.scheduled_operations[0].id: "),
        "{}",
        answer.message()
    );
}

#[tokio::test]
async fn violations_name_field_rule_and_value() {
    let mock = Mock::start().await;
    let mut body = policy_body("bad name!", &[]);
    let answer = mock.post(&v1("/policies"), body.clone()).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(
        answer.message().contains("body.policy.name: ")
            && answer.message().contains("(pattern), value \"bad name!\""),
        "{}",
        answer.message()
    );

    body = policy_body("ok", &[]);
    body["policy"]["scheduled_operations"][0]["trigger"]["properties"]["pattern"] = json!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let answer = mock.post(&v1("/policies"), body).await;
    answer.expect_error(400, "CSBS.9001");
    assert!(
        answer.message().contains("(x-rrule)") && answer.message().contains("HOURLY"),
        "{}",
        answer.message()
    );

    let answer = mock.get(&v1("/policies?sort=size:asc")).await;
    assert!(answer.message().starts_with("query.sort: "), "{}", answer.message());
    let answer = mock.get(&v1("/policies?limit=abc")).await;
    assert!(
        answer.message().contains("query.limit: is not an integer (type)"),
        "{}",
        answer.message()
    );
}

#[tokio::test]
async fn lists_sort_and_link_to_the_next_page() {
    let mock = Mock::start().await;
    for name in ["c", "a", "b"] {
        mock.create_policy(name, &[]).await;
    }
    let names = |answer: &Answer| -> Vec<String> {
        answer.body["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&mock.get(&v1("/policies?sort=name:asc")).await), ["a", "b", "c"]);
    assert_eq!(
        names(&mock.get(&v1("/policies?sort=name")).await),
        ["c", "b", "a"],
        "a key without direction sorts descending"
    );
    assert_eq!(
        names(&mock.get(&v1("/policies")).await),
        ["b", "a", "c"],
        "newest first by default"
    );
    let first = mock.get(&v1("/policies?sort=name:asc&limit=2")).await;
    assert_eq!(names(&first), ["a", "b"]);
    let next = first.body["policies_links"][0]["href"].as_str().unwrap().to_owned();
    assert_eq!(first.body["policies_links"][0]["rel"], "next");
    let second = mock.get(&next).await;
    assert_eq!(names(&second), ["c"]);
    assert!(second.body.get("policies_links").is_none());
    assert_eq!(names(&mock.get(&v1("/policies?sort=name:asc&offset=1&limit=1")).await), ["b"]);
    // The next link keeps the other pairs as sent, drops `offset` and replaces the marker.
    let a_id = first.body["policies"][0]["id"].as_str().unwrap().to_owned();
    let b_id = first.body["policies"][1]["id"].as_str().unwrap().to_owned();
    let path = v1(&format!("/policies?m%61rker={a_id}&sort=name%3Aasc&limit=1&offset=0"));
    let linked = mock.get(&path).await;
    assert_eq!(names(&linked), ["b"]);
    let href = linked.body["policies_links"][0]["href"].as_str().unwrap();
    assert_eq!(href, v1(&format!("/policies?sort=name%3Aasc&limit=1&marker={b_id}")));
}

#[tokio::test]
async fn the_policy_quota_answers_csbs_0001_and_frees_up_on_delete() {
    let mock = Mock::with(|c| c.quotas.policies = 2).await;
    let first = mock.create_policy("p1", &["srv-1"]).await;
    mock.create_policy("p2", &["srv-2"]).await;
    let answer = mock.post(&v1("/policies"), policy_body("p3", &["srv-3"])).await;
    answer.expect_error(400, "CSBS.0001");
    assert_eq!(answer.message(), "Service over limit");
    let id = first["id"].as_str().unwrap();
    mock.delete(&v1(&format!("/policies/{id}"))).await;
    let third = mock.create_policy("p3", &["srv-3"]).await;
    assert_eq!(third["name"], "p3");
}

/// The body of a policy `name` of `n` servers of its own.
fn policy_of(name: &str, n: usize) -> serde_json::Value {
    let servers: Vec<String> = (0..n).map(|i| format!("{name}-srv-{i}")).collect();
    policy_body(name, &servers.iter().map(String::as_str).collect::<Vec<_>>())
}

/// A project's policies take at most `limits.max_project_policy_bytes` in the state (their
/// JSON as an export holds it): a create or an update beyond answers 400 CSBS.9006 naming
/// `policy_bytes` and keeps nothing; another project is not held to this one's bytes; a
/// delete frees its bytes.
#[tokio::test]
async fn a_projects_policy_bytes_are_bounded_with_csbs_9006() {
    const LIMIT: u64 = 12_000;
    let mock = Mock::with(|c| c.limits.max_project_policy_bytes = LIMIT).await;
    // Each policy of 20 servers takes `size` bytes (measured from an export of one).
    let made = mock.post(&v1("/policies"), policy_of("p1", 20)).await;
    assert_eq!(made.status, 200, "{}", made.text);
    let state: serde_json::Value =
        mock.http.get(mock.url("/_mock/state")).send().await.unwrap().json().await.unwrap();
    let size = serde_json::to_string(&state["projects"][0]["policies"][0]).unwrap().len() as u64;
    let fit = LIMIT / size;
    assert!(fit >= 2, "a policy takes {size} bytes");
    let mut ids = vec![made.body["policy"]["id"].as_str().unwrap().to_owned()];
    for i in 2..=fit {
        let made = mock.post(&v1("/policies"), policy_of(&format!("p{i}"), 20)).await;
        assert_eq!(made.status, 200, "policy {i} of {fit} fits: {}", made.text);
        ids.push(made.body["policy"]["id"].as_str().unwrap().to_owned());
    }
    let refused = mock.post(&v1("/policies"), policy_of("beyond", 20)).await;
    refused.expect_error(400, "CSBS.9006");
    assert_eq!(refused.message(), "Quota exceeded for resources: policy_bytes");
    assert_eq!(mock.get(&v1("/policies?name=beyond")).await.body["policies"], json!([]));
    // An update that makes a policy bigger than what is left: refused, the policy unchanged.
    let grown = json!({"policy": {"resources": policy_of("p1", 60)["policy"]["resources"]}});
    let path = v1(&format!("/policies/{}", ids[0]));
    mock.put(&path, grown).await.expect_error(400, "CSBS.9006");
    let kept = mock.get(&path).await;
    assert_eq!(kept.body["policy"]["resources"].as_array().map(Vec::len), Some(20));
    // An update that keeps the size is let through.
    let renamed = mock.put(&path, json!({"policy": {"name": "p1-renamed"}})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    // Another project has bytes of its own.
    let other = format!("/v1/{OTHER_PROJECT}/policies");
    let made = mock.call("POST", &other, Some(OTHER_TOKEN), Some(policy_of("o1", 20))).await;
    assert_eq!(made.status, 200, "{}", made.text);
    // A delete frees the bytes.
    mock.delete(&v1(&format!("/policies/{}", ids[1]))).await;
    let made = mock.post(&v1("/policies"), policy_of("again", 20)).await;
    assert_eq!(made.status, 200, "{}", made.text);
}

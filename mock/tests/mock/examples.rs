//! The documented examples: example requests answer bodies of the documented shape, and
//! `seed_examples` makes the documented IDs readable.

use crate::support::*;
use csbs_spec::catalogue::is_documented;
use csbs_spec::examples::{all_examples, Example};
use csbs_spec::operations::find_operation;
use csbs_spec::ExampleKind;
use serde_json::{json, Map, Value};

/// True when every key of the documented body is in the answer too (first items of arrays).
fn covers(documented: &Value, answer: &Value) -> Result<(), String> {
    match (documented, answer) {
        (Value::Object(d), Value::Object(a)) => d.iter().try_for_each(|(k, v)| match a.get(k) {
            Some(w) => covers(v, w).map_err(|e| format!("{k}.{e}")),
            None => Err(format!("{k} is missing")),
        }),
        (Value::Array(d), Value::Array(a)) => match (d.first(), a.first()) {
            (Some(d), Some(a)) => covers(d, a).map_err(|e| format!("[0].{e}")),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The documented answer to an example: the response example of the same name, or the first.
fn documented_response(example: &Example) -> Option<Value> {
    let answers: Vec<Example> = all_examples()
        .into_iter()
        .filter(|e| e.operation_id == example.operation_id && e.kind == ExampleKind::Response(200))
        .collect();
    answers
        .iter()
        .find(|e| e.name == example.name)
        .or(answers.first())
        .and_then(|e| e.value.clone())
}

/// Path values of an example with the placeholders set to seeded IDs.
fn path_of(example: &Example, extra: &Map<String, Value>) -> Map<String, Value> {
    let seeded = json!({
        "{project_id}": PROJECT, "{provider_id}": PROVIDER,
        "{policy_id}": "27b11f3f-578d-4464-89d1-7c6d5894f753",
        "{checkpoint_id}": "f672a1bb-6912-446a-816c-72792c5263e0",
        "{checkpoint_item_id}": "90c1d5fa-1b9f-4aeb-b2f4-81c806e98190",
        "{checkpoint_items_id}": "90c1d5fa-1b9f-4aeb-b2f4-81c806e98190",
    });
    let mut values = Map::from_iter([
        ("project_id".to_owned(), json!(PROJECT)),
        ("provider_id".to_owned(), json!(PROVIDER)),
    ]);
    values.extend(example.path.clone());
    values.extend(extra.clone());
    for (name, value) in values.iter_mut() {
        if name == "project_id" {
            *value = json!(PROJECT);
        } else if let Some(v) = value.as_str().and_then(|s| seeded.get(s)) {
            *value = v.clone();
        }
    }
    values
}

fn check_shape(example: &Example, answer: &Answer) {
    if answer.status == 200 {
        if let Some(documented) = documented_response(example) {
            covers(&documented, &answer.body).unwrap_or_else(|e| {
                panic!("{} {}: {e}\n{}", example.operation_id, example.name, answer.text)
            });
        }
    } else {
        assert!(
            is_documented(answer.code(), answer.status),
            "{} {}: {}",
            example.operation_id,
            example.name,
            answer.text
        );
    }
}

/// Each URL example on a freshly seeded mock (deletions consume the seeded records).
#[tokio::test]
async fn documented_url_examples_answer_the_documented_shape() {
    for example in all_examples().into_iter().filter(|e| e.kind == ExampleKind::Url) {
        let mock = Mock::with(|c| c.seed_examples = true).await;
        let op = find_operation(&example.operation_id).unwrap();
        let path = op.render_path(&path_of(&example, &Map::new()));
        let query =
            path_of(&Example { path: example.query.clone(), ..example.clone() }, &Map::new());
        let pairs: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                format!("{k}={}", v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            })
            .collect();
        let path = if pairs.is_empty() { path } else { format!("{path}?{}", pairs.join("&")) };
        let answer = mock.call(&op.method, &path, Some(TOKEN), None).await;
        assert_eq!(
            answer.status, 200,
            "{} {}: {}",
            example.operation_id, example.name, answer.text
        );
        check_shape(&example, &answer);
    }
}

#[tokio::test]
async fn documented_request_examples_answer_the_documented_shape() {
    for example in all_examples().into_iter().filter(|e| e.kind == ExampleKind::Request) {
        let mock = Mock::with(|c| c.seed_examples = true).await;
        let op = find_operation(&example.operation_id).unwrap();
        let mut body = example.value.clone().unwrap();
        let mut extra = Map::new();
        match example.operation_id.as_str() {
            "protectResource" => {
                extra.insert("resource_id".into(), json!("9506416d-db6c-406e-8bca-c0f43793d914"));
            }
            "updatePolicy" => {
                extra.insert("policy_id".into(), json!("17e2b861-3a35-434d-afbb-073d5cd5af08"));
            }
            "executePolicy" => {
                // The documented plan does not exist: first as printed (a documented 404),
                // then with a policy bound to the example's servers.
                let path = op.render_path(&path_of(&example, &Map::new()));
                check_shape(
                    &example,
                    mock.post(&path, body.clone()).await.expect_error(404, "CSBS.3000"),
                );
                let servers: Vec<&str> = body["checkpoint"]["parameters"]["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                body["checkpoint"]["plan_id"] =
                    mock.create_policy("example", &servers).await["id"].clone();
            }
            _ => {}
        }
        let path = op.render_path(&path_of(&example, &extra));
        let answer = mock.call(&op.method, &path, Some(TOKEN), Some(body)).await;
        check_shape(&example, &answer);
        if example.operation_id != "createRestore" {
            assert_eq!(
                answer.status, 200,
                "{} {}: {}",
                example.operation_id, example.name, answer.text
            );
        }
    }
}

#[tokio::test]
async fn seeded_examples_are_readable_by_their_documented_ids() {
    let mock = Mock::with(|c| c.seed_examples = true).await;
    let policy = mock.get(&v1("/policies/27b11f3f-578d-4464-89d1-7c6d5894f753")).await.body
        ["policy"]
        .clone();
    assert_eq!(
        (policy["name"].as_str(), policy["project_id"].as_str()),
        (Some("my-plan"), Some(PROJECT))
    );
    let backup = mock.get(&v1("/checkpoint_items/90c1d5fa-1b9f-4aeb-b2f4-81c806e98190")).await.body
        ["checkpoint_item"]
        .clone();
    assert_eq!(backup["name"], "backup_d32c");
    assert_eq!(backup["extend_info"]["volume_backups"].as_array().unwrap().len(), 2);
    let cbr = mock.get(&v3("/backups?name=autobk_b629")).await;
    assert_eq!(cbr.body["backups"][0]["id"], "b1c4afd9-e7a6-4888-9010-c2bac3aa7910");
    let point = mock.get(&v3("/checkpoints/8b0851a8-adf3-4f4c-a914-dead08bf9664")).await.body
        ["checkpoint"]
        .clone();
    assert_eq!(point["vault"]["name"], "vault-be94");
    let other =
        mock.call("GET", &format!("/v1/{OTHER_PROJECT}/policies"), Some(OTHER_TOKEN), None).await;
    assert_eq!(
        other.body["policies"].as_array().unwrap().len(),
        3,
        "every configured project is seeded"
    );
    // The documented restore maps the seeded backup's first disk onto its own disk.
    let mut restore = restore_body(&backup);
    restore["restore"]["parameters"]["targets"]["volumes"][1]["volume_id"] =
        json!("ee27f809-6fb5-40ae-ac46-c932bb4ee8fe");
    assert_eq!(mock.post(&v1("/restores"), restore).await.status, 200);
}

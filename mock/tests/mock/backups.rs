//! Backups: protect, policy runs, show, count, list filters, delete and quotas.

use crate::support::*;
use serde_json::{json, Value};

fn ids(answer: &Answer, key: &str) -> Vec<String> {
    answer.body[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn protect_makes_one_checkpoint_with_one_full_backup() {
    let mock = Mock::start().await;
    let body = json!({"protect": {"backup_name": "db_backup", "description": "before upgrade", "incremental": true}});
    let answer =
        mock.post(&v1(&format!("/providers/{PROVIDER}/resources/srv-1/action")), body).await;
    let checkpoint = &answer.body["checkpoint"];
    assert_eq!(checkpoint["status"], "available");
    assert_eq!(checkpoint["protection_plan"]["resources"][0]["id"], "srv-1");
    assert_eq!(checkpoint["project_id"], PROJECT);
    let backups = mock
        .get(&v1(&format!(
            "/checkpoint_items?checkpoint_id={}",
            checkpoint["id"].as_str().unwrap()
        )))
        .await;
    let backup = &backups.body["checkpoint_items"][0];
    assert_eq!(
        (backup["name"].as_str(), backup["description"].as_str()),
        (Some("db_backup"), Some("before upgrade"))
    );
    assert_eq!(backup["extend_info"]["incremental"], false, "the first backup of a server is full");
    let volumes = backup["extend_info"]["volume_backups"].as_array().unwrap();
    assert!(!volumes.is_empty() && volumes[0]["bootable"] == true);
    assert!(backup["backup_data"]["vcpus"].as_u64().unwrap() >= 1);
    let again = mock.protect_backup("srv-1").await;
    assert_eq!(
        again["extend_info"]["volume_backups"][0]["source_volume_id"],
        volumes[0]["source_volume_id"],
        "a server keeps its disks"
    );
    let id = backup["id"].as_str().unwrap();
    assert_eq!(
        mock.get(&v1(&format!("/checkpoint_items/{id}"))).await.body["checkpoint_item"]["id"],
        id
    );
    mock.get(&v1("/checkpoint_items/00000000-0000-0000-0000-000000000000"))
        .await
        .expect_error(404, "CSBS.3001");
    mock.get(&v1("/checkpoint_items/not-a-uuid")).await.expect_error(404, "CSBS.3001");
}

#[tokio::test]
async fn a_policy_run_backs_up_each_of_its_servers() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("p", &["srv-1", "srv-2", "srv-3"]).await;
    let plan_id = policy["id"].as_str().unwrap();
    let run = |resources: Option<Vec<&str>>| {
        let mut parameters = json!({"auto_trigger": true});
        if let Some(r) = resources {
            parameters["resources"] = json!(r);
        }
        json!({"checkpoint": {"plan_id": plan_id, "parameters": parameters}})
    };
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let checkpoint = mock.post(&path, run(None)).await.body["checkpoint"].clone();
    assert_eq!(checkpoint["protection_plan"]["id"], plan_id);
    assert_eq!(checkpoint["protection_plan"]["resources"].as_array().unwrap().len(), 3);
    let by_policy = mock.get(&v1(&format!("/checkpoint_items?policy_id={plan_id}"))).await;
    assert_eq!(ids(&by_policy, "checkpoint_items").len(), 3);
    assert!(by_policy.body["checkpoint_items"][0]["name"].as_str().unwrap().starts_with("autobk_"));
    let some = mock.post(&path, run(Some(vec!["srv-2"]))).await.body["checkpoint"].clone();
    assert_eq!(some["protection_plan"]["resources"].as_array().unwrap().len(), 1);
    // An empty list names no server: it runs all of them, like an absent one.
    let none_named = mock.post(&path, run(Some(vec![]))).await.body["checkpoint"].clone();
    assert_eq!(none_named["protection_plan"]["resources"].as_array().unwrap().len(), 3);
    let foreign = mock.post(&path, run(Some(vec!["srv-9"]))).await;
    foreign.expect_error(400, "CSBS.9001");
    assert!(
        foreign.message().starts_with("body.checkpoint.parameters.resources[0]: "),
        "{}",
        foreign.message()
    );
    let empty = mock.create_policy("empty", &[]).await;
    let body = json!({"checkpoint": {"plan_id": empty["id"], "parameters": {}}});
    mock.post(&path, body).await.expect_error(500, "CSBS.6032");
}

#[tokio::test]
async fn filters_and_counts_agree() {
    let mock = Mock::start().await;
    let a = mock.protect_backup("srv-a").await;
    mock.protect_backup("srv-b").await;
    mock.protect_backup("srv-b").await;
    let count = |query: String| {
        let mock = &mock;
        async move {
            let list = mock.get(&v1(&format!("/checkpoint_items?{query}"))).await;
            let count = mock.get(&v1(&format!("/checkpoint_items/count?{query}"))).await;
            let listed = list.body["checkpoint_items"].as_array().unwrap().len();
            assert_eq!(count.body["count"].as_u64(), Some(listed as u64), "{query}");
            listed
        }
    };
    assert_eq!(count(String::new()).await, 3);
    assert_eq!(count("resource_id=srv-b".into()).await, 2);
    assert_eq!(count("resource_name=srv-a".into()).await, 1, "names match in part");
    assert_eq!(
        count(format!("name={}", &a["name"].as_str().unwrap()[2..])).await,
        1,
        "names match in part"
    );
    assert_eq!(count("status=available".into()).await, 3);
    assert_eq!(count("status=error".into()).await, 0);
    assert_eq!(count(format!("checkpoint_id={}", a["checkpoint_id"].as_str().unwrap())).await, 1);
    assert_eq!(
        count("start_time=2000-01-01T00:00:00&end_time=2999-01-01T00:00:00".into()).await,
        3
    );
    assert_eq!(count("end_time=2000-01-01T00:00:00".into()).await, 0);
    assert_eq!(
        count("az=eu-west-0a&image_type=backup&resource_type=OS::Nova::Server".into()).await,
        3
    );
    assert_eq!(mock.get(&v1("/checkpoint_items/count?ip=10.0.0.1")).await.body["count"], 0);
    mock.get(&v1("/checkpoint_items?status=lost")).await.expect_error(400, "CSBS.9001");
    mock.get(&v1("/checkpoint_items?start_time=yesterday")).await.expect_error(400, "CSBS.9001");
}

#[tokio::test]
async fn deleting_backups_of_a_checkpoint() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("p", &["srv-1", "srv-2"]).await;
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let checkpoint = mock
        .post(&path, json!({"checkpoint": {"plan_id": policy["id"], "parameters": {}}}))
        .await
        .body["checkpoint"]
        .clone();
    let checkpoint_id = checkpoint["id"].as_str().unwrap();
    let items = mock.get(&v1(&format!("/checkpoint_items?checkpoint_id={checkpoint_id}"))).await;
    let first = items.body["checkpoint_items"][0]["id"].as_str().unwrap().to_owned();
    let delete_path = v1(&format!("/providers/{PROVIDER}/checkpoints/{checkpoint_id}"));
    mock.delete(&format!("{delete_path}?checkpoint_items=00000000-0000-0000-0000-000000000000"))
        .await
        .expect_error(404, "CSBS.3001");
    let one = mock.delete(&format!("{delete_path}?checkpoint_items={first}")).await;
    assert_eq!((one.status, one.body.clone()), (200, json!({})));
    assert_eq!(mock.get(&v1("/checkpoint_items/count")).await.body["count"], 1);
    mock.delete(&delete_path).await;
    assert_eq!(mock.get(&v1("/checkpoint_items/count")).await.body["count"], 0);
    mock.delete(&delete_path).await.expect_error(404, "CSBS.3001");
}

#[tokio::test]
async fn quotas_count_what_is_stored() {
    let mock = Mock::with(|c| c.quotas.backups = 2).await;
    let used = |answer: &Answer, kind: &str| -> Value {
        answer.body["quotas"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == kind)
            .unwrap()["used"]
            .clone()
    };
    assert_eq!(used(&mock.get(&v1("/quotas")).await, "backups"), 0);
    mock.protect("srv-1").await;
    let checkpoint = mock.protect("srv-2").await;
    let quotas = mock.get(&v1("/quotas")).await;
    assert_eq!(used(&quotas, "backups"), 2);
    // The capacity is the backups' total size (MB) in GB, rounded up as a total (x-usage):
    // the sizes are rarely whole GB, so the total is not the sum of each rounded.
    let items = mock.get(&v1("/checkpoint_items")).await.body["checkpoint_items"].clone();
    let sizes: Vec<u64> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["extend_info"]["size"].as_u64().unwrap())
        .collect();
    assert!(sizes.iter().all(|mb| !mb.is_multiple_of(1024)), "{sizes:?}");
    let total: u64 = sizes.iter().sum();
    assert_eq!(used(&quotas, "backup_capacity"), total.div_ceil(1024), "{sizes:?}");
    let over = mock
        .post(&v1(&format!("/providers/{PROVIDER}/resources/srv-3/action")), json!({"protect": {}}))
        .await;
    over.expect_error(400, "CSBS.9006");
    assert!(over.message().contains("backups"));
    mock.delete(&v1(&format!(
        "/providers/{PROVIDER}/checkpoints/{}",
        checkpoint["id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(used(&mock.get(&v1("/quotas")).await, "backups"), 1);
    mock.protect("srv-3").await;
}

#[tokio::test]
async fn capability_checks() {
    let mock = Mock::start().await;
    mock.create_policy("p", &["srv-bound"]).await;
    let path = v1(&format!("/providers/{PROVIDER}/resources/action"));
    let ask = json!({"check_protectable": [
        {"resource_id": "srv-free", "resource_type": "OS::Nova::Server"},
        {"resource_id": "srv-bound", "resource_type": "OS::Nova::Server"},
        {"resource_id": "vol-1", "resource_type": "OS::Cinder::Volume"},
    ]});
    let answer = mock.post(&path, ask).await;
    let results: Vec<(bool, &str)> = answer.body["protectable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["result"].as_bool().unwrap(), r["error_code"].as_str().unwrap()))
        .collect();
    assert_eq!(results, [(true, ""), (false, "CSBS.6004"), (false, "CSBS.6003")]);

    let backup = mock.protect_backup("srv-free").await;
    let restore = restore_body(&backup);
    let target = json!({"resource_id": backup["resource_id"], "resource_type": "OS::Nova::Server", "volumes": restore["restore"]["parameters"]["targets"]["volumes"]});
    let ask = json!({"check_restorable": [
        {"checkpoint_item_id": backup["id"], "target": target},
        {"checkpoint_item_id": backup["id"], "target": {"resource_id": "srv-free", "resource_type": "OS::Nova::Server", "volumes": []}},
        {"checkpoint_item_id": "00000000-0000-0000-0000-000000000000", "target": target},
    ]});
    let answer = mock.post(&path, ask).await;
    let codes: Vec<&str> = answer.body["restorable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["error_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["", "CSBS.6018", "CSBS.3001"]);
    mock.post(&path, json!({"check_protectable": []})).await.expect_error(400, "CSBS.9001");
}

#[tokio::test]
async fn policy_runs_keep_at_most_max_backups_per_server() {
    let mock = Mock::start().await;
    let mut body = policy_body("keep-two", &["srv-1", "srv-2"]);
    body["policy"]["scheduled_operations"][0]["operation_definition"] = json!({"max_backups": 2});
    let policy = mock.post(&v1("/policies"), body.clone()).await.body["policy"].clone();
    body["policy"]["name"] = json!("forever");
    body["policy"]["resources"] =
        json!([{"id": "srv-3", "type": "OS::Nova::Server", "name": "three"}]);
    body["policy"]["scheduled_operations"][0]["operation_definition"] =
        json!({"max_backups": 1, "permanent": true});
    let permanent = mock.post(&v1("/policies"), body).await.body["policy"].clone();
    let manual = mock.protect_backup("srv-1").await;
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let mut made = Vec::new();
    for _ in 0..4 {
        for plan in [&policy, &permanent] {
            let run = mock
                .post(&path, json!({"checkpoint": {"plan_id": plan["id"], "parameters": {}}}))
                .await;
            assert_eq!(run.status, 200, "{}", run.text);
            made.push(run.body["checkpoint"]["id"].as_str().unwrap().to_owned());
        }
    }
    let of = |server: &str, plan: &Value| {
        let query = format!(
            "/checkpoint_items?resource_id={server}&policy_id={}",
            plan["id"].as_str().unwrap()
        );
        let mock = &mock;
        async move { mock.get(&v1(&query)).await }
    };
    for server in ["srv-1", "srv-2"] {
        let kept = of(server, &policy).await;
        let checkpoints: Vec<&str> = kept.body["checkpoint_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["checkpoint_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            checkpoints,
            [made[6].as_str(), made[4].as_str()],
            "{server}: the two newest runs are kept"
        );
    }
    assert_eq!(
        ids(&of("srv-3", &permanent).await, "checkpoint_items").len(),
        4,
        "permanent overrides max_backups"
    );
    let still =
        mock.get(&v1(&format!("/checkpoint_items/{}", manual["id"].as_str().unwrap()))).await;
    assert_eq!(still.status, 200, "a backup made by protect is not the policy's to trim");
}

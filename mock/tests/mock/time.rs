//! What takes days, seen at once by advancing the mock's clock: policies running by their
//! schedules, and backups gone when their retention ends.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(86_400);

fn daily_at(hour: u32) -> String {
    format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR={hour};BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
}

fn scheduled_policy(name: &str, servers: &[&str], pattern: &str, definition: Value) -> Value {
    let mut body = policy_body(name, servers);
    let op = &mut body["policy"]["scheduled_operations"][0];
    op["trigger"]["properties"]["pattern"] = json!(pattern);
    op["operation_definition"] = definition;
    body
}

/// The backups a policy made, found with the documented `policy_id` filter; each made by a
/// schedule (`auto_trigger`).
async fn backups_of(mock: &Mock, policy_id: &str) -> Vec<Value> {
    let list = mock.get(&v1(&format!("/checkpoint_items?policy_id={policy_id}&limit=1000"))).await;
    let made = list.body["checkpoint_items"].as_array().unwrap().clone();
    assert!(made.iter().all(|b| b["extend_info"]["auto_trigger"] == true), "{made:?}");
    made
}

#[tokio::test]
async fn an_enabled_policy_runs_once_a_day_by_itself_and_a_disabled_one_does_not() {
    let mock = Mock::start().await;
    let policy = mock
        .post(
            &v1("/policies"),
            scheduled_policy(
                "daily",
                &["srv-1", "srv-2"],
                &daily_at(3),
                json!({"max_backups": -1}),
            ),
        )
        .await;
    let id = policy.body["policy"]["id"].as_str().unwrap().to_owned();
    let mut off = scheduled_policy("off", &["srv-3"], &daily_at(3), json!({"max_backups": -1}));
    off["policy"]["scheduled_operations"][0]["enabled"] = json!(false);
    mock.post(&v1("/policies"), off).await;
    assert_eq!(backups_of(&mock, &id).await.len(), 0, "nothing runs at creation");

    mock.running.advance_clock(DAY);
    let made = backups_of(&mock, &id).await;
    assert_eq!(made.len(), 2, "one run in a day: one backup of each server");
    let servers: Vec<&str> = made.iter().map(|b| b["resource_id"].as_str().unwrap()).collect();
    assert!(servers.contains(&"srv-1") && servers.contains(&"srv-2"), "{servers:?}");
    assert_eq!(made[0]["checkpoint_id"], made[1]["checkpoint_id"], "one checkpoint per run");
    let taken = made[0]["created_at"].as_str().unwrap();
    assert!(taken.contains("T03:00:00"), "made at the scheduled time, not when seen: {taken}");

    // Three days unseen: the missed runs are made once, not three times.
    mock.running.advance_clock(3 * DAY);
    assert_eq!(backups_of(&mock, &id).await.len(), 4);
    assert_eq!(
        mock.get(&v1("/checkpoint_items/count?resource_id=srv-3")).await.body["count"],
        0,
        "the disabled policy never ran"
    );

    // Disabled now: no more runs; deleted: none either.
    let mut update = json!({"policy": {"scheduled_operations": [{"enabled": false}]}});
    update["policy"]["scheduled_operations"][0]["id"] =
        policy.body["policy"]["scheduled_operations"][0]["id"].clone();
    assert_eq!(mock.put(&v1(&format!("/policies/{id}")), update).await.status, 200);
    mock.running.advance_clock(2 * DAY);
    assert_eq!(backups_of(&mock, &id).await.len(), 4);
}

#[tokio::test]
async fn backups_are_gone_when_their_retention_ends() {
    let mock = Mock::start().await;
    let policy = mock.create_policy("kept-two-days", &["srv-1"]).await;
    let id = policy["id"].as_str().unwrap();
    let mut update = json!({"policy": {"scheduled_operations": [{"id": policy["scheduled_operations"][0]["id"], "operation_definition": {"retention_duration_days": 2}}]}});
    update["policy"]["scheduled_operations"][0]["enabled"] = json!(false);
    assert_eq!(mock.put(&v1(&format!("/policies/{id}")), update).await.status, 200);
    let execute = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let run = mock
        .post(
            &execute,
            json!({"checkpoint": {"plan_id": id, "parameters": {"auto_trigger": false}}}),
        )
        .await;
    assert_eq!(run.status, 200, "{}", run.text);
    let made = mock.protect_backup("srv-2").await;
    let item = mock.get(&v1("/checkpoint_items?resource_id=srv-1")).await.body["checkpoint_items"]
        [0]
    .clone();
    let path = v1(&format!("/checkpoint_items/{}", item["id"].as_str().unwrap()));
    let cbr = mock.get(&v3("/backups")).await;
    let expires =
        cbr.body["backups"].as_array().unwrap().iter().find(|b| b["id"] == item["id"]).unwrap()
            ["expired_at"]
            .clone();
    assert!(expires.is_string(), "CBR shows when it expires: {expires}");

    mock.running.advance_clock(DAY);
    assert_eq!(mock.get(&path).await.status, 200);
    mock.running.advance_clock(DAY + Duration::from_secs(1));
    mock.get(&path).await.expect_error(404, "CSBS.3001");
    assert_eq!(
        mock.get(&v1("/checkpoint_items/count")).await.body["count"],
        1,
        "the protect-made backup stays"
    );
    let quotas = mock.get(&v1("/quotas")).await;
    let used = quotas.body["quotas"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "backups")
        .unwrap()["used"]
        .clone();
    assert_eq!(used, 1);
    assert_eq!(made["resource_id"], "srv-2");
}

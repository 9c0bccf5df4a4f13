//! The CBR views show the same backups and checkpoints.

use crate::support::*;
use std::collections::BTreeSet;

#[tokio::test]
async fn cbr_lists_the_csbs_backups() {
    let mock = Mock::start().await;
    let policy = mock
        .create_policy(
            "p",
            &["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"],
        )
        .await;
    let body = serde_json::json!({"checkpoint": {"plan_id": policy["id"], "parameters": {}}});
    let checkpoint = mock.post(&v1(&format!("/providers/{PROVIDER}/checkpoints")), body).await.body
        ["checkpoint"]
        .clone();
    mock.protect("srv-x").await;
    let csbs: BTreeSet<String> = mock.get(&v1("/checkpoint_items")).await.body["checkpoint_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    let cbr = mock.get(&v3("/backups")).await;
    let cbr_ids: BTreeSet<String> = cbr.body["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(csbs, cbr_ids);
    assert_eq!(cbr.body["count"], 3);

    let checkpoint_id = checkpoint["id"].as_str().unwrap();
    let point =
        mock.get(&v3(&format!("/checkpoints/{checkpoint_id}"))).await.body["checkpoint"].clone();
    assert_eq!(point["id"], checkpoint_id);
    assert_eq!(point["vault"]["resources"].as_array().unwrap().len(), 2);
    assert_eq!(point["vault"]["resources"][0]["backup_count"], "1");
    let in_point = mock.get(&v3(&format!("/backups?checkpoint_id={checkpoint_id}"))).await;
    assert_eq!(in_point.body["count"], 2);
    let one = mock.get(&v3("/backups?resource_id=11111111-1111-4111-8111-111111111111&status=available&status=error")).await;
    assert_eq!(one.body["count"], 1);
    assert_eq!(mock.get(&v3("/backups?own_type=shared")).await.body["count"], 0);
    let page = mock.get(&v3("/backups?limit=2&offset=1&sort=name:asc")).await;
    assert_eq!(
        (page.body["backups"].as_array().unwrap().len(), page.body["count"].as_u64()),
        (2, Some(3))
    );
}

#[tokio::test]
async fn cbr_errors_use_backup_service_codes() {
    let mock = Mock::start().await;
    mock.get(&v3("/checkpoints/00000000-0000-0000-0000-000000000000"))
        .await
        .expect_error(404, "BackupService.3001");
    let answer = mock.get(&v3("/backups?resource_id=not-a-uuid")).await;
    answer.expect_error(400, "BackupService.9001");
    assert!(answer.message().starts_with("query.resource_id: "), "{}", answer.message());
    mock.get(&v3("/backups?limit=1001")).await.expect_error(400, "BackupService.9001");
    mock.get(&v3("/backups?marker=00000000-0000-0000-0000-000000000000"))
        .await
        .expect_error(404, "BackupService.3001");
    mock.get(&v3("/backups?start_time=2020-13-45T99:99:99Z")).await;
}

/// The CBR view shows each backup with the status the spec's `x-view-of` maps its CSBS
/// status to, while it is restored, once that ended, while it is deleted and once gone; the
/// CBR `status` filter selects on that view.
#[tokio::test]
async fn cbr_statuses_are_the_csbs_statuses_through_x_view_of() {
    let hour = std::time::Duration::from_secs(3600);
    let mock = Mock::with(|c| {
        c.restore_delay = hour;
        c.delete_delay = hour;
    })
    .await;
    let backup = mock.protect_backup("srv-1").await;
    let id = backup["id"].as_str().unwrap().to_owned();
    let rule = csbs_spec::behaviour::cbr_status_view();
    let agree = |wanted_csbs: &'static str| {
        let (mock, id) = (&mock, id.clone());
        async move {
            let shown = mock.get(&v1(&format!("/checkpoint_items/{id}"))).await;
            let csbs = if shown.status == 404 {
                "deleted".to_owned()
            } else {
                shown.body["checkpoint_item"]["status"].as_str().unwrap().to_owned()
            };
            assert_eq!(csbs, wanted_csbs);
            let cbr = rule.cbr(&csbs).expect("x-view-of maps every CSBS status");
            let listed = mock.get(&v3("/backups")).await.body["backups"].clone();
            let status = listed.as_array().unwrap().iter().find(|b| b["id"] == id.as_str());
            assert_eq!(status.map(|b| b["status"].as_str().unwrap()), cbr, "{csbs}");
            if let Some(cbr) = cbr {
                let filtered = mock.get(&v3(&format!("/backups?status={cbr}"))).await;
                assert!(filtered.body["backups"].as_array().unwrap().iter().any(|b| b["id"] == id));
            }
        }
    };
    agree("available").await;
    assert_eq!(mock.post(&v1("/restores"), restore_body(&backup)).await.status, 200);
    agree("restoring").await;
    mock.running.advance_clock(hour);
    agree("available").await;
    let record = backup["checkpoint_id"].as_str().unwrap();
    assert_eq!(
        mock.delete(&v1(&format!("/providers/{PROVIDER}/checkpoints/{record}"))).await.status,
        200
    );
    agree("deleting").await;
    mock.running.advance_clock(hour);
    agree("deleted").await;
}

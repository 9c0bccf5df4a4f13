//! Lifecycles with delays: protecting, restoring and deleting, then settled; busy backups
//! answer CSBS.2003.

use crate::support::*;
use serde_json::json;
use std::time::Duration;

const DELAY: Duration = Duration::from_millis(300);

#[tokio::test]
async fn protecting_then_available() {
    let mock = Mock::with(|c| c.protect_delay = DELAY).await;
    let checkpoint = mock.protect("srv-1").await;
    assert_eq!(checkpoint["status"], "protecting");
    let item = mock.get(&v1("/checkpoint_items")).await.body["checkpoint_items"][0].clone();
    assert_eq!(item["status"], "protecting");
    assert!(item["extend_info"]["progress"].as_u64().unwrap() < 100);
    let id = item["id"].as_str().unwrap();
    mock.post(&v1("/restores"), restore_body(&item)).await.expect_error(400, "CSBS.2003");
    let delete =
        v1(&format!("/providers/{PROVIDER}/checkpoints/{}", checkpoint["id"].as_str().unwrap()));
    mock.delete(&delete).await.expect_error(400, "CSBS.2003");
    tokio::time::sleep(DELAY).await;
    let item =
        mock.get(&v1(&format!("/checkpoint_items/{id}"))).await.body["checkpoint_item"].clone();
    assert_eq!(
        (item["status"].as_str(), item["extend_info"]["progress"].as_u64()),
        (Some("available"), Some(100))
    );
    assert!(item["extend_info"]["finished_at"].is_string());
}

#[tokio::test]
async fn restoring_then_back() {
    let mock = Mock::with(|c| c.restore_delay = DELAY).await;
    let backup = mock.protect_backup("srv-1").await;
    mock.post(&v1("/restores"), restore_body(&backup)).await;
    let path = v1(&format!("/checkpoint_items/{}", backup["id"].as_str().unwrap()));
    assert_eq!(mock.get(&path).await.body["checkpoint_item"]["status"], "restoring");
    assert_eq!(mock.get(&v1("/checkpoint_items/count?status=restoring")).await.body["count"], 1);
    mock.post(&v1("/restores"), restore_body(&backup)).await.expect_error(400, "CSBS.2003");
    tokio::time::sleep(DELAY).await;
    assert_eq!(mock.get(&path).await.body["checkpoint_item"]["status"], "available");
}

#[tokio::test]
async fn deleting_then_gone() {
    let mock = Mock::with(|c| c.delete_delay = DELAY).await;
    let backup = mock.protect_backup("srv-1").await;
    let delete = v1(&format!(
        "/providers/{PROVIDER}/checkpoints/{}",
        backup["checkpoint_id"].as_str().unwrap()
    ));
    assert_eq!(mock.delete(&delete).await.body, json!({}));
    let path = v1(&format!("/checkpoint_items/{}", backup["id"].as_str().unwrap()));
    assert_eq!(mock.get(&path).await.body["checkpoint_item"]["status"], "deleting");
    // A second deletion meanwhile is refused (the live service answers 400), not started again.
    mock.delete(&delete).await.expect_error(400, "CSBS.2003");
    tokio::time::sleep(DELAY).await;
    mock.get(&path).await.expect_error(404, "CSBS.3001");
    assert_eq!(mock.get(&v1("/checkpoint_items/count")).await.body["count"], 0);
}

#[tokio::test]
async fn lists_never_show_a_stale_status() {
    let mock = Mock::with(|c| {
        c.restore_delay = DELAY;
        c.delete_delay = DELAY;
    })
    .await;
    let backup = mock.protect_backup("srv-1").await;
    let status = |answer: &Answer, key: &str| {
        answer.body[key][0]["status"].as_str().unwrap_or("none").to_owned()
    };
    for _ in 0..2 {
        assert_eq!(
            status(&mock.get(&v1("/checkpoint_items")).await, "checkpoint_items"),
            "available"
        );
        assert_eq!(status(&mock.get(&v3("/backups")).await, "backups"), "available");
    }
    mock.post(&v1("/restores"), restore_body(&backup)).await;
    assert_eq!(status(&mock.get(&v1("/checkpoint_items")).await, "checkpoint_items"), "restoring");
    assert_eq!(status(&mock.get(&v3("/backups")).await, "backups"), "restoring");
    tokio::time::sleep(DELAY).await;
    assert_eq!(status(&mock.get(&v1("/checkpoint_items")).await, "checkpoint_items"), "available");
    mock.delete(&v1(&format!(
        "/providers/{PROVIDER}/checkpoints/{}",
        backup["checkpoint_id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(status(&mock.get(&v3("/backups")).await, "backups"), "deleting");
    assert_eq!(status(&mock.get(&v1("/checkpoint_items")).await, "checkpoint_items"), "deleting");
}

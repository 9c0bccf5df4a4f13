//! Restorations, their mapping errors (CSBS.6014, 6017, 6018, 6024) and a server restored
//! twice at once (CSBS.6015).

use crate::support::*;
use serde_json::{json, Value};

fn volumes(restore: &mut Value) -> &mut Value {
    &mut restore["restore"]["parameters"]["targets"]["volumes"]
}

#[tokio::test]
async fn restoring_a_server_from_its_backup() {
    let mock = Mock::start().await;
    let backup = mock.protect_backup("srv-1").await;
    let answer = mock.post(&v1("/restores"), restore_body(&backup)).await;
    let restore = &answer.body["restore"];
    assert_eq!(restore["status"], "in_progress");
    assert_eq!(restore["parameters"]["checkpoint_item_id"], backup["id"]);
    assert_eq!(restore["project_id"], PROJECT);
}

#[tokio::test]
async fn mapping_errors_are_decided() {
    let mock = Mock::start().await;
    let backup = mock.protect_backup("srv-1").await;
    let good = restore_body(&backup);

    let mut foreign = good.clone();
    volumes(&mut foreign)[0]["backup_id"] = json!("not-a-disk-backup-of-it");
    mock.post(&v1("/restores"), foreign).await.expect_error(400, "CSBS.6017");

    let mut partial = good.clone();
    let all = volumes(&mut partial).as_array().unwrap().clone();
    if all.len() > 1 {
        *volumes(&mut partial) = json!([all[0]]);
        mock.post(&v1("/restores"), partial).await.expect_error(400, "CSBS.6018");
    }

    let mut elsewhere = good.clone();
    volumes(&mut elsewhere)[0]["volume_id"] = json!("disk-of-another-server");
    let answer = mock.post(&v1("/restores"), elsewhere).await;
    answer.expect_error(400, "CSBS.6014");
    assert!(answer.message().contains("disk-of-another-server"));

    let mut wrong_record = good.clone();
    wrong_record["restore"]["checkpoint_id"] = json!("00000000-0000-0000-0000-000000000000");
    mock.post(&v1("/restores"), wrong_record).await.expect_error(404, "CSBS.3001");
    let mut unknown = good.clone();
    unknown["restore"]["parameters"]["checkpoint_item_id"] =
        json!("00000000-0000-0000-0000-000000000000");
    mock.post(&v1("/restores"), unknown).await.expect_error(404, "CSBS.3001");
}

#[tokio::test]
async fn a_smaller_target_disk_is_refused() {
    let mock = Mock::start().await;
    let backup = mock.protect_backup("srv-big").await;
    // Find a server the mock gives a data disk smaller than the 40 GB system disk.
    let mut small = None;
    for i in 0..200 {
        let other = mock.protect_backup(&format!("srv-{i}")).await;
        let disks = other["extend_info"]["volume_backups"].as_array().unwrap().clone();
        if let Some(d) = disks.iter().find(|d| d["source_volume_size"].as_u64().unwrap() < 40) {
            small = Some((other["resource_id"].clone(), d["source_volume_id"].clone()));
            break;
        }
    }
    let (server, disk) = small.expect("some server has a small data disk");
    let mut body = restore_body(&backup);
    body["restore"]["parameters"]["targets"]["server_id"] = server;
    for v in volumes(&mut body).as_array_mut().unwrap() {
        v["volume_id"] = disk.clone();
    }
    let answer = mock.post(&v1("/restores"), body).await;
    answer.expect_error(400, "CSBS.6024");
    assert!(answer.message().contains("GB"), "{}", answer.message());
}

#[tokio::test]
async fn a_server_being_restored_cannot_be_restored_again_until_it_is_done() {
    let mock = Mock::with(|c| c.restore_delay = std::time::Duration::from_millis(400)).await;
    let first = mock.protect_backup("srv-1").await;
    let second = mock.protect_backup("srv-1").await;
    assert_eq!(
        mock.post(&v1("/restores"), restore_body(&first)).await.body["restore"]["status"],
        "in_progress"
    );
    // Another backup of the same server, to the same server: the server is busy.
    let answer = mock.post(&v1("/restores"), restore_body(&second)).await;
    answer.expect_error(400, "CSBS.6015");
    assert_eq!(answer.message(), "The server is restoring.");
    // The same backup again: the backup itself is busy, which is checked first.
    mock.post(&v1("/restores"), restore_body(&first)).await.expect_error(400, "CSBS.2003");
    // Another server is free.
    let other = mock.protect_backup("srv-2").await;
    assert_eq!(
        mock.post(&v1("/restores"), restore_body(&other)).await.body["restore"]["status"],
        "in_progress"
    );
    tokio::time::sleep(std::time::Duration::from_millis(450)).await;
    assert_eq!(
        mock.post(&v1("/restores"), restore_body(&second)).await.body["restore"]["status"],
        "in_progress"
    );
}

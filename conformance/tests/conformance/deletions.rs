//! The third breaker round's faults around deletions and names (g17, g23), each broken on its
//! own in front of the mock: the dedicated check that the spec's rule belongs to fails by
//! name. The unbroken mock passes them in `behaviour.rs`.

use crate::behaviour::{assert_each_fails, on, unchanged, Rewrite, Tamper};
use crate::misses::query_of;
use crate::support::Answer;
use csbs_conformance::Check;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// deletePolicy takes the policy's backups with it (breaker g17): once a policy is deleted,
/// listBackups by its `policy_id` lists nothing.
fn policy_backups_deleted_with_it() -> Tamper {
    let deleted: Arc<Mutex<Vec<String>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        let path = a.path.split('?').next().unwrap_or_default().to_owned();
        if a.method == "DELETE" && path.contains("/policies/") && a.status == 200 {
            let id = path.rsplit('/').next().unwrap_or_default().to_owned();
            deleted.lock().unwrap().push(id);
        }
        let Some(policy) = query_of(&a.path, "policy_id") else { return };
        if a.is("GET", "/checkpoint_items") && deleted.lock().unwrap().contains(&policy) {
            a.edit_json(|v| {
                if let Some(items) = v["checkpoint_items"].as_array_mut() {
                    items.clear();
                }
            })
        }
    })
}

/// deleteCheckpoint of one record with `checkpoint_items` naming a backup of another record
/// deletes that backup (breaker g23): the rewrite sends the deletion to the backup's own
/// record, which the answers it saw (lists, protects) name.
fn item_of_another_record_deleted() -> (Rewrite, Tamper) {
    let records: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let seen = records.clone();
    let learn: Tamper = Arc::new(move |a: &mut Answer| {
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        let items = body["checkpoint_items"].as_array().cloned().unwrap_or_default();
        let one = body.get("checkpoint_item").cloned().into_iter();
        let mut seen = seen.lock().unwrap();
        for item in items.into_iter().chain(one) {
            if let (Some(id), Some(record)) = (item["id"].as_str(), item["checkpoint_id"].as_str())
            {
                seen.insert(id.to_owned(), record.to_owned());
            }
        }
    });
    let rewrite = on("deleteCheckpoint", move |s| {
        let Some(item) = s.query("checkpoint_items").first().cloned() else { return };
        let Some(record) = records.lock().unwrap().get(&item).cloned() else { return };
        let (path, query) = s.path.split_once('?').unwrap_or((&s.path, ""));
        if let Some((base, _)) = path.rsplit_once('/') {
            s.path = format!("{base}/{record}?{query}");
        }
    });
    (rewrite, learn)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_deletion_and_name_fault_fails_its_check() {
    let (other_record, learn) = item_of_another_record_deleted();
    let cases = vec![
        (
            unchanged(),
            policy_backups_deleted_with_it(),
            "deletePolicy",
            Check::DeletionScope,
            "deletePolicy leaves what listBackups lists",
        ),
        (
            other_record,
            learn,
            "listBackups",
            Check::DomainErrorConformance,
            "checkpoint_items not-found, a backup of another record",
        ),
    ];
    assert_each_fails(cases).await;
}

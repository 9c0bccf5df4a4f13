//! The third breaker round's faults around deletions and names (g17, g23), each broken on its
//! own in front of the mock: the dedicated check that the spec's rule belongs to fails by
//! name. The unbroken mock passes them in `behaviour.rs`.

use crate::behaviour::{assert_each_fails, unchanged, Tamper};
use crate::misses::query_of;
use crate::support::Answer;
use csbs_conformance::Check;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_deletion_and_name_fault_fails_its_check() {
    let cases = vec![(
        unchanged(),
        policy_backups_deleted_with_it(),
        "deletePolicy",
        Check::DeletionScope,
        "deletePolicy leaves what listBackups lists",
    )];
    assert_each_fails(cases).await;
}

//! Every operation answers, on its success path and on an error path, bodies that validate
//! against the contract (the support module validates each answer as it arrives; this
//! scenario makes sure each operation is reached both ways).

use crate::support::*;
use csbs_spec::operations::{all_operations, route};
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test]
async fn every_operation_succeeds_and_fails_within_the_contract() {
    let mock = Mock::with(|c| c.quotas.backups = 3).await;
    let mut seen: BTreeSet<(String, bool)> = BTreeSet::new();
    let mut note = |method: &str, path: &str, answer: &Answer| {
        let (op, _) = route(method, path.split('?').next().unwrap()).unwrap();
        seen.insert((op.id.clone(), answer.status == 200));
    };
    macro_rules! call {
        ($method:literal, $path:expr, $body:expr) => {{
            let path: String = $path;
            let answer = mock.call($method, &path, Some(TOKEN), $body).await;
            note($method, &path, &answer);
            answer
        }};
    }
    let unknown = "00000000-0000-0000-0000-000000000000";
    let policy =
        call!("POST", v1("/policies"), Some(policy_body("p", &["srv-1"]))).body["policy"].clone();
    call!("POST", v1("/policies"), Some(policy_body("p", &[])));
    let pid = policy["id"].as_str().unwrap().to_owned();
    call!("GET", v1("/policies"), None);
    call!("GET", v1("/policies?limit=0"), None);
    call!("GET", v1(&format!("/policies/{pid}")), None);
    call!("GET", v1("/policies/nope"), None);
    call!(
        "PUT",
        v1(&format!("/policies/{pid}")),
        Some(json!({"policy": {"description": "changed"}}))
    );
    call!(
        "PUT",
        v1(&format!("/policies/{pid}")),
        Some(json!({"policy": {"description": "<bad>"}}))
    );
    let run = json!({"checkpoint": {"plan_id": pid, "parameters": {}}});
    let checkpoint = call!("POST", v1(&format!("/providers/{PROVIDER}/checkpoints")), Some(run))
        .body["checkpoint"]
        .clone();
    call!(
        "POST",
        v1(&format!("/providers/{PROVIDER}/checkpoints")),
        Some(json!({"checkpoint": {"plan_id": "nope", "parameters": {}}}))
    );
    call!(
        "POST",
        v1(&format!("/providers/{PROVIDER}/resources/srv-2/action")),
        Some(json!({"protect": {}}))
    );
    call!(
        "POST",
        v1(&format!("/providers/{PROVIDER}/resources/srv-2/action")),
        Some(json!({"protect": {"backup_name": ""}}))
    );
    let ask = json!({"check_protectable": [{"resource_id": "srv-3", "resource_type": "OS::Nova::Server"}]});
    call!("POST", v1(&format!("/providers/{PROVIDER}/resources/action")), Some(ask));
    call!(
        "POST",
        v1(&format!("/providers/{PROVIDER}/resources/action")),
        Some(json!({"check_both": []}))
    );
    let item = call!("GET", v1("/checkpoint_items"), None).body["checkpoint_items"][0].clone();
    call!("GET", v1("/checkpoint_items?marker=nope"), None);
    call!("GET", v1("/checkpoint_items/count?status=available"), None);
    call!("GET", v1("/checkpoint_items/count?status=gone"), None);
    call!("GET", v1(&format!("/checkpoint_items/{}", item["id"].as_str().unwrap())), None);
    call!("GET", v1(&format!("/checkpoint_items/{unknown}")), None);
    call!("POST", v1("/restores"), Some(restore_body(&item)));
    call!("POST", v1("/restores"), Some(json!({"restore": {}})));
    call!("GET", v1("/quotas"), None);
    call!("GET", format!("/v1/{PROJECT}x/quotas"), None);
    call!("GET", v3("/backups"), None);
    call!("GET", v3("/backups?sort=size"), None);
    call!("GET", v3(&format!("/checkpoints/{}", checkpoint["id"].as_str().unwrap())), None);
    call!("GET", v3(&format!("/checkpoints/{unknown}")), None);
    call!(
        "DELETE",
        v1(&format!("/providers/{PROVIDER}/checkpoints/{}", checkpoint["id"].as_str().unwrap())),
        None
    );
    call!("DELETE", v1(&format!("/providers/{PROVIDER}/checkpoints/{unknown}")), None);
    call!("DELETE", v1(&format!("/policies/{pid}")), None);
    call!("DELETE", v1(&format!("/policies/{pid}")), None);
    for op in all_operations() {
        assert!(
            seen.contains(&(op.id.clone(), true)),
            "{} was not reached on its success path",
            op.id
        );
        assert!(
            seen.contains(&(op.id.clone(), false)),
            "{} was not reached on an error path",
            op.id
        );
    }
}

#[test]
fn the_tests_provider_id_is_the_one_the_spec_fixes() {
    let op = csbs_spec::operations::find_operation("protectResource").unwrap();
    assert_eq!(csbs_spec::behaviour::provider_id(op, "provider_id").as_deref(), Some(PROVIDER));
}

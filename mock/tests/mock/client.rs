//! Every operation of both documents through the generated client (`csbs-client`): requests
//! built from typed bodies, answers decoded into the generated types.

use crate::support::*;
use csbs_client::{cbr, csbs, Credentials};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("the test body fits the generated type")
}

fn value<T: serde::Serialize>(typed: &T) -> Value {
    serde_json::to_value(typed).unwrap()
}

/// The documented error code of a failed call.
fn error_code(error: csbs::Error<csbs::types::ErrorResponse>) -> (u16, String) {
    match error {
        csbs::Error::ErrorResponse(answer) => {
            (answer.status().as_u16(), answer.into_inner().error_code)
        }
        other => panic!("expected an error answer, got {other}"),
    }
}

#[tokio::test]
async fn every_operation_through_the_generated_client() {
    let mock = Mock::start().await;
    let base = mock.running.base_url();
    let client = csbs::Client::new(&base, Credentials::Token(TOKEN.into()));
    let cbr_client = cbr::Client::new(&base, Credentials::Token(TOKEN.into()));
    let provider = PROVIDER;

    let created = client
        .create_policy()
        .project_id(PROJECT)
        .body(typed::<csbs::types::PolicyCreateRequest>(policy_body("client", &["srv-1", "srv-2"])))
        .send()
        .await
        .unwrap();
    let policy = value(&created.into_inner())["policy"].clone();
    let policy_id = policy["id"].as_str().unwrap().to_owned();
    let op_id = policy["scheduled_operations"][0]["id"].as_str().unwrap().to_owned();

    let listed = client
        .list_policies()
        .project_id(PROJECT)
        .limit(std::num::NonZeroU64::new(10).unwrap())
        .sort("name:asc")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.into_inner().policies.len(), 1);
    let shown = client
        .show_policy()
        .project_id(PROJECT)
        .policy_id(policy_id.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(value(&shown.into_inner())["policy"]["name"], "client");
    let change = json!({"policy": {"description": "via client", "scheduled_operations": [{"id": op_id, "enabled": false}]}});
    let updated = client
        .update_policy()
        .project_id(PROJECT)
        .policy_id(policy_id.as_str())
        .body(typed::<csbs::types::PolicyUpdateRequest>(change))
        .send()
        .await
        .unwrap();
    assert_eq!(value(&updated.into_inner())["policy"]["status"], "suspended");

    let run = json!({"checkpoint": {"plan_id": policy_id, "parameters": {"auto_trigger": false}}});
    let checkpoint = client
        .execute_policy()
        .project_id(PROJECT)
        .provider_id(provider)
        .body(typed::<csbs::types::CheckpointCreateRequest>(run))
        .send()
        .await
        .unwrap();
    let checkpoint = value(&checkpoint.into_inner())["checkpoint"].clone();
    let protect = json!({"protect": {"backup_name": "one_off", "incremental": false}});
    let protected = client
        .protect_resource()
        .project_id(PROJECT)
        .provider_id(provider)
        .resource_id("srv-3")
        .body(typed::<csbs::types::ProtectRequest>(protect))
        .send()
        .await
        .unwrap();
    assert_eq!(
        value(&protected.into_inner())["checkpoint"]["protection_plan"]["resources"][0]["id"],
        "srv-3"
    );

    let count = client.count_backups().project_id(PROJECT).send().await.unwrap();
    assert_eq!(count.into_inner().count, 3);
    let page = client
        .list_backups()
        .project_id(PROJECT)
        .checkpoint_id(checkpoint["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let backups = value(&page.into_inner())["checkpoint_items"].clone();
    assert_eq!(backups.as_array().unwrap().len(), 2);
    let backup_id = backups[0]["id"].as_str().unwrap();
    let shown = client
        .show_backup()
        .project_id(PROJECT)
        .checkpoint_item_id(backup_id)
        .send()
        .await
        .unwrap();
    let backup = value(&shown.into_inner())["checkpoint_item"].clone();

    let ask = json!({"check_protectable": [{"resource_id": "srv-1", "resource_type": "OS::Nova::Server"}]});
    let answer = client
        .check_resource_capabilities()
        .project_id(PROJECT)
        .provider_id(provider)
        .body(typed::<csbs::types::CapabilityCheckRequest>(ask))
        .send()
        .await
        .unwrap();
    assert_eq!(
        value(&answer.into_inner())["protectable"][0]["result"],
        false,
        "srv-1 is bound to the policy"
    );
    let restored = client
        .create_restore()
        .project_id(PROJECT)
        .body(typed::<csbs::types::RestoreCreateRequest>(restore_body(&backup)))
        .send()
        .await
        .unwrap();
    assert_eq!(value(&restored.into_inner())["restore"]["status"], "in_progress");
    let quotas = client.show_quotas().project_id(PROJECT).send().await.unwrap();
    assert_eq!(quotas.into_inner().quotas.resources.len(), 2);

    let cbr_page = cbr_client
        .list_cbr_backups()
        .project_id(PROJECT)
        .limit(std::num::NonZeroU64::new(2).unwrap())
        .send()
        .await
        .unwrap();
    let cbr_page = cbr_page.into_inner();
    assert_eq!((cbr_page.backups.len(), cbr_page.count), (2, 3));
    let point = cbr_client
        .show_cbr_checkpoint()
        .project_id(PROJECT)
        .checkpoint_id(checkpoint["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        value(&point.into_inner())["checkpoint"]["vault"]["resources"].as_array().unwrap().len(),
        2
    );

    let deleted = client
        .delete_checkpoint()
        .project_id(PROJECT)
        .provider_id(provider)
        .checkpoint_id(checkpoint["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(value(&deleted.into_inner()), json!({}));
    client.delete_policy().project_id(PROJECT).policy_id(policy_id.as_str()).send().await.unwrap();
    let gone = client
        .show_policy()
        .project_id(PROJECT)
        .policy_id(policy_id.as_str())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(gone), (404, "CSBS.3000".to_owned()));
    let missing = client
        .show_backup()
        .project_id(PROJECT)
        .checkpoint_item_id(backup_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(missing), (404, "CSBS.3001".to_owned()));
}

#[tokio::test]
async fn seeded_examples_decode_through_the_generated_client() {
    let mock = Mock::with(|c| c.seed_examples = true).await;
    let base = mock.running.base_url();
    let client = csbs::Client::new(&base, Credentials::Token(TOKEN.into()));
    let policies = client.list_policies().project_id(PROJECT).send().await.unwrap().into_inner();
    assert_eq!(policies.policies.len(), 3);
    let backups = client.list_backups().project_id(PROJECT).send().await.unwrap().into_inner();
    assert!(backups.checkpoint_items.len() >= 5);
    let cbr_client = cbr::Client::new(&base, Credentials::Token(TOKEN.into()));
    let point = cbr_client
        .show_cbr_checkpoint()
        .project_id(PROJECT)
        .checkpoint_id("8b0851a8-adf3-4f4c-a914-dead08bf9664")
        .send()
        .await
        .unwrap();
    assert_eq!(point.into_inner().checkpoint.vault.name, "vault-be94");
    let anonymous = csbs::Client::new(&base, Credentials::Anonymous);
    let refused = anonymous.show_quotas().project_id(PROJECT).send().await.unwrap_err();
    assert_eq!(error_code(refused), (401, "APIGW.0301".to_owned()));
}

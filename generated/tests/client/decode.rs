use csbs_client::{cbr, csbs};
use csbs_spec::examples::{all_examples, ExampleKind};
use serde::de::DeserializeOwned;
use serde_json::Value;

fn decode<T: DeserializeOwned + serde::Serialize>(value: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    // Encoding back must not fail either (the client re-serialises in builders).
    serde_json::to_value(&typed).map(|_| ()).map_err(|e| e.to_string())
}

/// Decodes a documented response of an operation into its generated success type.
fn decode_response(operation_id: &str, value: &Value) -> Result<(), String> {
    match operation_id {
        "protectResource" | "executePolicy" => decode::<csbs::types::CheckpointResponse>(value),
        "checkResourceCapabilities" => decode::<csbs::types::CapabilityCheckResponse>(value),
        "createPolicy" | "updatePolicy" | "showPolicy" => {
            decode::<csbs::types::PolicyResponse>(value)
        }
        "listPolicies" => decode::<csbs::types::PolicyList>(value),
        "countBackups" => decode::<csbs::types::BackupCount>(value),
        "showBackup" => decode::<csbs::types::BackupResponse>(value),
        "listBackups" => decode::<csbs::types::BackupList>(value),
        "deleteCheckpoint" => decode::<csbs::types::EmptyObject>(value),
        "createRestore" => decode::<csbs::types::RestoreResponse>(value),
        "showQuotas" => decode::<csbs::types::QuotaResponse>(value),
        "listCbrBackups" => decode::<cbr::types::CbrBackupList>(value),
        "showCbrCheckpoint" => decode::<cbr::types::CbrCheckpointResponse>(value),
        other => Err(format!("no generated type is mapped for {other}; add it to this test")),
    }
}

/// Decodes a documented request body into its generated body type.
fn decode_request(operation_id: &str, value: &Value) -> Result<(), String> {
    match operation_id {
        "protectResource" => decode::<csbs::types::ProtectRequest>(value),
        "checkResourceCapabilities" => decode::<csbs::types::CapabilityCheckRequest>(value),
        "createPolicy" => decode::<csbs::types::PolicyCreateRequest>(value),
        "updatePolicy" => decode::<csbs::types::PolicyUpdateRequest>(value),
        "executePolicy" => decode::<csbs::types::CheckpointCreateRequest>(value),
        "createRestore" => decode::<csbs::types::RestoreCreateRequest>(value),
        other => Err(format!("no generated request type is mapped for {other}")),
    }
}

#[test]
fn every_documented_body_decodes_into_the_generated_types() {
    let mut decoded = 0;
    let mut failures = Vec::new();
    let examples = all_examples();
    let bodies = examples.iter().filter(|e| e.value.is_some()).count();
    for example in examples {
        let Some(value) = &example.value else { continue };
        let result = match example.kind {
            ExampleKind::Response(_) => decode_response(&example.operation_id, value),
            ExampleKind::Request => decode_request(&example.operation_id, value),
            ExampleKind::Error => decode::<csbs::types::ErrorResponse>(value),
            ExampleKind::Url => continue,
        };
        match result {
            Ok(()) => decoded += 1,
            Err(e) => failures.push(format!("{} {}: {e}", example.operation_id, example.name)),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(decoded, bodies, "every documented body is decoded");
    assert!(decoded >= 25, "only {decoded} documented bodies; examples went missing from the spec");
}

#[test]
fn lenient_fields_decode_the_wire_forms() {
    let policy: csbs::types::PolicyResponse = serde_json::from_value(serde_json::json!({"policy": {
        "id": "p", "name": "n", "status": "suspended",
        "scheduled_operations": [{"operation_definition": {"max_backups": "20", "retention_duration_days": -1, "permanent": "True"},
            "trigger": {"properties": {"start_time": "2018-08-20 07:31:32"}}}]
    }}))
    .unwrap();
    let op = &policy.policy.scheduled_operations[0];
    let def = op.operation_definition.as_ref().unwrap();
    assert_eq!(def.max_backups.unwrap().get(), 20);
    assert_eq!(def.retention_duration_days.unwrap().get(), -1);
    assert!(def.permanent.unwrap().get());
    let start =
        op.trigger.as_ref().unwrap().properties.as_ref().unwrap().start_time.as_ref().unwrap();
    assert_eq!(start.to_utc().to_rfc3339(), "2018-08-20T07:31:32+00:00");
}

#[test]
fn garbage_in_a_lenient_field_fails_the_decode() {
    let result: Result<csbs::types::PolicyResponse, _> =
        serde_json::from_value(serde_json::json!({"policy": {
            "id": "p", "name": "n", "status": "s",
            "scheduled_operations": [{"operation_definition": {"max_backups": "lots"}}]
        }}));
    let err = result.unwrap_err().to_string();
    assert!(err.contains("lots"), "{err}");
}

/// Payloads shaped like the live service's, shared with the spec's tests and scripts/interop.sh.
const WIRE_SHAPES: &str = include_str!("../../../spec/tests/data/wire_shapes.json");

#[test]
fn every_live_shaped_payload_decodes_into_the_generated_types() {
    let shapes: Vec<Value> = serde_json::from_str(WIRE_SHAPES).unwrap();
    let mut failures = Vec::new();
    for shape in &shapes {
        let op = shape["operation_id"].as_str().unwrap();
        let result = match shape["status"].as_u64() {
            Some(200) => decode_response(op, &shape["value"]),
            _ => decode::<csbs::types::ErrorResponse>(&shape["value"]),
        };
        if let Err(e) = result {
            failures.push(format!("{op} {}: {e}", shape["name"]));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(shapes.len() >= 10, "only {} wire shapes", shapes.len());
}

#[test]
fn cbr_progress_and_retention_read_null_as_none_and_digits_as_numbers() {
    let backup = |progress: Value| -> cbr::types::BackupExtendInfo {
        serde_json::from_value(serde_json::json!({"progress": progress})).unwrap()
    };
    assert_eq!(backup(Value::Null).progress, None);
    assert_eq!(backup(serde_json::json!("50")).progress.map(|p| p.get()), Some(50));
    assert_eq!(backup(serde_json::json!(100)).progress.map(|p| p.get()), Some(100));
    let bad: Result<cbr::types::BackupExtendInfo, _> =
        serde_json::from_value(serde_json::json!({"progress": "half"}));
    assert!(bad.unwrap_err().to_string().contains("half"));
    let extra: cbr::types::CbrCheckpointExtraInfo =
        serde_json::from_value(serde_json::json!({"retention_duration": null, "name": null}))
            .unwrap();
    assert_eq!((extra.retention_duration, extra.name), (None, None));
}

#[test]
fn extra_info_and_restore_status_keep_whatever_json_was_sent() {
    for sent in [serde_json::json!({}), serde_json::json!("{}"), serde_json::json!({"k": 1})] {
        let resource: csbs::types::PlanResource =
            serde_json::from_value(serde_json::json!({"id": "s", "extra_info": sent})).unwrap();
        assert_eq!(resource.extra_info.as_deref(), Some(&sent));
    }
    let resource: csbs::types::PlanResource =
        serde_json::from_value(serde_json::json!({"id": "s", "extra_info": null})).unwrap();
    assert_eq!(resource.extra_info, None);
    for sent in [serde_json::json!("in_progress"), serde_json::json!({"srv": "in_progress"})] {
        let restore: csbs::types::Restore = serde_json::from_value(
            serde_json::json!({"id": "r", "status": "in_progress", "resources_status": sent}),
        )
        .unwrap();
        assert_eq!(restore.resources_status, Some(sent));
    }
}

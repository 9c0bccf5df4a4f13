//! Tag `resources`: back up a server now, and the backup / restoration capability checks.

use super::backups::checkpoint_reply;
use super::call::{Call, Reply};
use super::quotas::check_room;
use super::restores::{check, mappings};
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{new_backup, read, write, CheckpointInfo, NewBackup, Project, SERVER_TYPE};
use csbs_types::codes::csbs::{CSBS_6003, CSBS_6004, CSBS_6013};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

/// `protectResource`: a checkpoint with one backup of the server. The first backup of a
/// server is full whatever `incremental` says.
pub fn protect(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let resource_id = call.path_str("resource_id");
    let lock = app.store.project(call.project_id());
    let mut project = write(&lock);
    project.purge(call.now);
    let info = Arc::new(CheckpointInfo {
        id: Uuid::new_v4(),
        project_id: project.id.clone(),
        created_at: call.now,
        plan_id: format!("fake_{}", Uuid::new_v4()),
        plan_name: format!("server protect plan for {resource_id}"),
        policy_id: None,
        auto_trigger: false,
        vault: project.vault.clone(),
        retention_days: None,
    });
    let protect = call.body_at("/protect");
    let member = |name: &str| protect.and_then(|p| p.get(name));
    let how = NewBackup {
        name: member("backup_name").and_then(Value::as_str),
        description: member("description").and_then(Value::as_str),
        incremental: member("incremental").and_then(Value::as_bool).unwrap_or(false)
            && project.has_backup_of(resource_id, call.now),
        now: call.now,
        protect_delay: app.protect_delay,
    };
    let backup = new_backup(project.server(resource_id, None), info.clone(), &how);
    check_room(app, &project, std::slice::from_ref(&backup), call.now)?;
    project.add_checkpoint(info.clone(), vec![backup]);
    checkpoint_reply(&project, info.id, call)
}

/// One answer of a capability check.
#[derive(Serialize)]
struct Capability {
    resource_id: String,
    resource_type: String,
    result: bool,
    error_code: String,
    error_msg: String,
}

impl Capability {
    fn of(item: &Value, resource: &str, outcome: Result<(), ApiError>) -> Capability {
        let text = |name: &str| {
            item.pointer(&format!("{resource}/{name}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let (result, error_code, error_msg) = match outcome {
            Ok(()) => (true, String::new(), String::new()),
            Err(e) => (false, e.code.to_owned(), e.message),
        };
        Capability {
            resource_id: text("resource_id"),
            resource_type: text("resource_type"),
            result,
            error_code,
            error_msg,
        }
    }
}

fn protectable(project: &Project, item: &Value) -> Result<(), ApiError> {
    let id = item.get("resource_id").and_then(Value::as_str).unwrap_or_default();
    let kind = item.get("resource_type").and_then(Value::as_str).unwrap_or_default();
    if kind != SERVER_TYPE {
        return Err(ApiError::documented(CSBS_6003, &[id, kind]));
    }
    match project.policy_of_resource(id) {
        Some(_) => Err(ApiError::documented(CSBS_6004, &[id])),
        None => Ok(()),
    }
}

fn restorable(project: &Project, item: &Value, now: i64) -> Result<(), ApiError> {
    let item_id = item.get("checkpoint_item_id").and_then(Value::as_str).unwrap_or_default();
    let target = item.get("target");
    let field =
        |name: &str| target.and_then(|t| t.get(name)).and_then(Value::as_str).unwrap_or_default();
    if field("resource_type") != SERVER_TYPE {
        return Err(ApiError::documented(
            CSBS_6013,
            &[field("resource_id"), field("resource_type")],
        ));
    }
    let volumes = mappings(target.and_then(|t| t.get("volumes")));
    check(project, item_id, field("resource_id"), &volumes, now).map(|_| ())
}

/// `checkResourceCapabilities`: `check_protectable` (a server can be backed up unless it is
/// not a server or is bound to a policy) or `check_restorable` (the checks of a restoration).
pub fn capabilities(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    let items = |key: &str| {
        call.body_at(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    };
    if call.body_at("/check_protectable").is_some() {
        let answers: Vec<Capability> = items("/check_protectable")
            .iter()
            .map(|i| Capability::of(i, "", protectable(&project, i)))
            .collect();
        return Ok(Reply::json(&serde_json::json!({ "protectable": answers })));
    }
    let answers: Vec<Capability> = items("/check_restorable")
        .iter()
        .map(|i| Capability::of(i, "/target", restorable(&project, i, call.now)))
        .collect();
    Ok(Reply::json(&serde_json::json!({ "restorable": answers })))
}

//! Tag `resources`: back up a server now, and the backup / restoration capability checks.

use super::backups::checkpoint_reply;
use super::call::{Call, Reply};
use super::quotas::check_room;
use super::restores::check;
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{change, new_backup, read, CheckpointInfo, NewBackup, Project, SERVER_TYPE};
use csbs_types::codes::csbs::{CSBS_6003, CSBS_6004, CSBS_6013};
use csbs_types::csbs::{self as body, request};
use serde::Serialize;
use std::sync::{Arc, OnceLock};
use uuid::Uuid;

/// What a server's first backup is made with for `incremental`, whatever was asked: the
/// spec's `x-first-backup` (`is`) on `protectResource`; `None` when it says nothing.
fn first_backup_incremental() -> Option<bool> {
    static FIRST: OnceLock<Option<bool>> = OnceLock::new();
    *FIRST.get_or_init(|| {
        let op = csbs_spec::operations::find_operation("protectResource")?;
        csbs_spec::behaviour::first_backup(op)?.is.as_bool()
    })
}

/// `protectResource`: a checkpoint with one backup of the server. The first backup of a
/// server is full whatever `incremental` says (`x-first-backup`).
pub fn protect(app: &App, call: &Call<'_>, resource_id: &str) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let mut project = change(&lock);
    project.purge(call.now);
    // Joined rather than `format!`ted: every create pays for these.
    let mut plan_uuid = Uuid::encode_buffer();
    let info = Arc::new(CheckpointInfo {
        id: Uuid::new_v4(),
        project_id: project.id.clone(),
        created_at: call.now,
        plan_id: ["fake_", Uuid::new_v4().hyphenated().encode_lower(&mut plan_uuid)].concat(),
        plan_name: ["server protect plan for ", resource_id].concat(),
        policy_id: None,
        auto_trigger: false,
        vault: project.vault.clone(),
        retention_days: None,
    });
    let sent: request::ProtectResource = call.decode()?;
    let protect = &sent.protect;
    let how = NewBackup {
        name: protect.backup_name,
        description: protect.description,
        incremental: match project.has_backup_of(resource_id, call.now) {
            false => first_backup_incremental(),
            true => None,
        }
        .or(protect.incremental)
        .unwrap_or(false),
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
    fn of(resource_id: &str, resource_type: &str, outcome: Result<(), ApiError>) -> Capability {
        let (result, error_code, error_msg) = match outcome {
            Ok(()) => (true, String::new(), String::new()),
            Err(e) => (false, e.code.to_owned(), e.message),
        };
        Capability {
            resource_id: resource_id.to_owned(),
            resource_type: resource_type.to_owned(),
            result,
            error_code,
            error_msg,
        }
    }
}

fn protectable(project: &Project, query: &body::ProtectableQuery<'_>) -> Result<(), ApiError> {
    let (id, kind) = (query.resource_id, query.resource_type);
    if kind != SERVER_TYPE {
        return Err(ApiError::documented(CSBS_6003, &[id, kind]));
    }
    match project.policy_of_resource(id) {
        Some(_) => Err(ApiError::documented(CSBS_6004, &[id])),
        None => Ok(()),
    }
}

fn restorable(
    project: &Project,
    query: &body::RestorableQuery<'_>,
    now: i64,
) -> Result<(), ApiError> {
    let target = &query.target;
    if target.resource_type != SERVER_TYPE {
        return Err(ApiError::documented(CSBS_6013, &[target.resource_id, target.resource_type]));
    }
    check(project, query.checkpoint_item_id, target.resource_id, &target.volumes, now).map(|_| ())
}

/// `checkResourceCapabilities`: `check_protectable` (a server can be backed up unless it is
/// not a server or is bound to a policy) or `check_restorable` (the checks of a restoration).
pub fn capabilities(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let sent: request::CheckResourceCapabilities = call.decode()?;
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    match sent {
        body::CapabilityCheckRequest::CheckProtectableRequest(check) => {
            let answers: Vec<Capability> = check
                .check_protectable
                .iter()
                .map(|q| Capability::of(q.resource_id, q.resource_type, protectable(&project, q)))
                .collect();
            Ok(Reply::json(&serde_json::json!({ "protectable": answers })))
        }
        body::CapabilityCheckRequest::CheckRestorableRequest(check) => {
            let answers: Vec<Capability> = check
                .check_restorable
                .iter()
                .map(|q| {
                    let outcome = restorable(&project, q, call.now);
                    Capability::of(q.target.resource_id, q.target.resource_type, outcome)
                })
                .collect();
            Ok(Reply::json(&serde_json::json!({ "restorable": answers })))
        }
    }
}

//! Tag `restores`: restoring a server from a backup, and the checks a restoration makes
//! (shared with `check_restorable`). A server being restored (for the restore delay) cannot
//! be restored again until that ends (CSBS.6015).
//!
//! The target server's disks are what the project knows of that server (the disks recorded in
//! its newest backup), or the disks the mock derives from its ID (see `state/servers.rs`):
//! restoring to the backed-up server maps onto the source disks; every mapping error is
//! therefore decidable.

use super::call::{Call, Reply};
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{change, Backup, Project, Status};
use csbs_types::codes::csbs::{
    CSBS_2003, CSBS_3001, CSBS_4000, CSBS_6014, CSBS_6015, CSBS_6017, CSBS_6018, CSBS_6024,
};
use csbs_types::csbs::{request, VolumeMapping};
use serde_json::json;
use uuid::Uuid;

/// Everything a restoration of `item_id` to `server_id` must satisfy; the backup on success.
pub fn check<'p>(
    project: &'p Project,
    item_id: &str,
    server_id: &str,
    volumes: &[VolumeMapping<'_>],
    now: i64,
) -> Result<&'p Backup, ApiError> {
    let backup =
        project.backup(item_id, now).ok_or_else(|| ApiError::documented(CSBS_3001, &[item_id]))?;
    let status = backup.status(now);
    if status.is_busy() {
        return Err(ApiError::documented(
            CSBS_2003,
            &[&format!("backup {item_id} is {}", status.as_str())],
        ));
    }
    if status != Status::Available {
        return Err(ApiError::documented(
            CSBS_4000,
            &[&format!("backup {item_id} is {}", status.as_str())],
        ));
    }
    if project.server_restoring(server_id, now) {
        return Err(ApiError::documented(CSBS_6015, &[]));
    }
    let own: Vec<String> = backup.volumes.iter().map(|v| v.id.to_string()).collect();
    let foreign: Vec<&str> =
        volumes.iter().map(|m| m.backup_id).filter(|id| !own.iter().any(|o| o == id)).collect();
    if !foreign.is_empty() {
        return Err(ApiError::documented(CSBS_6017, &[&foreign.join(", "), item_id]));
    }
    let unmapped: Vec<&str> = own
        .iter()
        .map(String::as_str)
        .filter(|o| !volumes.iter().any(|m| m.backup_id == *o))
        .collect();
    if !unmapped.is_empty() {
        return Err(ApiError::documented(CSBS_6018, &[&unmapped.join(", ")]));
    }
    let target = project.server(server_id, None);
    let missing: Vec<&str> = volumes
        .iter()
        .map(|m| m.volume_id)
        .filter(|v| !target.disks.iter().any(|d| d.id == *v))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::documented(CSBS_6014, &[&missing.join(", ")]));
    }
    for m in volumes {
        let source = backup
            .volumes
            .iter()
            .find(|v| v.id.to_string() == m.backup_id)
            .and_then(|v| backup.disk_of(v));
        let disk = target.disks.iter().find(|d| d.id == m.volume_id);
        if let (Some(source), Some(disk)) = (source, disk) {
            if disk.size_gb < source.size_gb {
                let (have, need) =
                    (format!("{} GB", disk.size_gb), format!("{} GB", source.size_gb));
                return Err(ApiError::documented(
                    CSBS_6024,
                    &[m.volume_id, &have, m.backup_id, &need],
                ));
            }
        }
    }
    Ok(backup)
}

/// `createRestore`: the backup is `restoring` for the restore delay.
pub fn create(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let sent: request::CreateRestore = call.decode()?;
    let restore = &sent.restore;
    let (checkpoint_id, parameters) = (restore.checkpoint_id, &restore.parameters);
    let (item_id, targets) = (parameters.checkpoint_item_id, &parameters.targets);
    let lock = app.store.project(call.project_id());
    let mut project = change(&lock);
    project.purge(call.now);
    let backup = check(&project, item_id, targets.server_id, &targets.volumes, call.now)?;
    if backup.checkpoint.id.to_string() != checkpoint_id {
        return Err(ApiError::documented(
            CSBS_3001,
            &[item_id, &format!("it is not in checkpoint {checkpoint_id}")],
        ));
    }
    let id = backup.id;
    project.start_restore(id, targets.server_id, call.now, call.now + app.restore_delay);
    Ok(Reply::json(&json!({"restore": {
        "id": Uuid::new_v4().to_string(),
        "checkpoint_id": checkpoint_id,
        "parameters": {
            "checkpoint_item_id": item_id,
            "power_on": parameters.power_on,
            "targets": {"server_id": targets.server_id, "volumes": targets.volumes},
        },
        "project_id": call.project_id(),
        "provider_id": restore.provider_id,
        "resources_reason": {},
        "resources_status": "in_progress",
        "restore_target": restore.restore_target,
        "status": "in_progress",
    }})))
}

//! New backups as a protect or a policy run makes them: one volume backup per disk of the
//! server, sizes that look like a quarter of each disk in use (a fortieth for incrementals).

use super::lifecycle::Lifecycle;
use super::model::{retention_end, Backup, CheckpointInfo, Server, VolumeBackup};
use crate::clock::Micros;
use std::sync::Arc;
use uuid::Uuid;

/// How a backup comes about.
pub struct NewBackup<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub incremental: bool,
    pub now: Micros,
    pub protect_delay: Micros,
}

/// A backup of `server` in `checkpoint`.
pub fn new_backup(
    server: Arc<Server>,
    checkpoint: Arc<CheckpointInfo>,
    how: &NewBackup<'_>,
) -> Backup {
    let id = Uuid::new_v4();
    let divisor = if how.incremental { 40 } else { 4 };
    let volumes: Vec<VolumeBackup> = server
        .disks
        .iter()
        .enumerate()
        .map(|(disk, d)| VolumeBackup {
            id: Uuid::new_v4(),
            snapshot_id: Uuid::new_v4(),
            disk,
            size_mb: u64::from(d.size_gb) * 1024 / divisor,
        })
        .collect();
    let checkpoint_retention = checkpoint.retention_days;
    let prefix = if checkpoint.auto_trigger { "autobk" } else { "manualbk" };
    let name = match how.name {
        Some(name) => name.to_owned(),
        None => format!("{prefix}_{}", &id.simple().to_string()[..4]),
    };
    Backup {
        id,
        size_mb: volumes.iter().map(|v| v.size_mb).sum(),
        checkpoint,
        server,
        name,
        description: how.description.map(str::to_owned),
        incremental: how.incremental,
        volumes,
        images: Vec::new(),
        tags: Vec::new(),
        life: Lifecycle {
            expires_at: retention_end(how.now, checkpoint_retention),
            ..Lifecycle::new(how.now, how.protect_delay)
        },
        task_id: Uuid::new_v4(),
    }
}

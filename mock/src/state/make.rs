//! New backups as a protect or a policy run makes them: one volume backup per disk of the
//! server, of the data the disk holds (a fortieth of it for incrementals). Sizes are in MB
//! and rarely whole GB, as the live service's are, so that rounding the capacity quota
//! (`x-usage`) shows.

use super::lifecycle::Lifecycle;
use super::model::{retention_end, Backup, CheckpointInfo, Disk, Server, VolumeBackup};
use super::servers::name_uuid;
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

/// The MB of data a disk holds: 15.0% to 65.0% of it, a share drawn from its ID (the same on
/// every backup of the server, as the mock has no compute service to ask).
fn data_mb(disk: &Disk) -> u64 {
    let permille = 150 + u64::from(name_uuid(&disk.id).as_u128() as u16 % 501);
    u64::from(disk.size_gb) * 1024 * permille / 1000
}

/// A backup of `server` in `checkpoint`.
pub fn new_backup(
    server: Arc<Server>,
    checkpoint: Arc<CheckpointInfo>,
    how: &NewBackup<'_>,
) -> Backup {
    let id = Uuid::new_v4();
    let divisor = if how.incremental { 40 } else { 1 };
    let volumes: Vec<VolumeBackup> = server
        .disks
        .iter()
        .enumerate()
        .map(|(disk, d)| VolumeBackup {
            id: Uuid::new_v4(),
            snapshot_id: Uuid::new_v4(),
            disk,
            size_mb: data_mb(d) / divisor,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::servers::derived_server;

    #[test]
    fn disk_data_is_a_stable_share_of_the_disk_and_rarely_whole_gb() {
        let disks: Vec<Disk> =
            (0..50).flat_map(|i| derived_server(&format!("srv-{i}"), None).disks).collect();
        for d in &disks {
            let mb = data_mb(d);
            assert_eq!(mb, data_mb(&d.clone()));
            let disk_mb = u64::from(d.size_gb) * 1024;
            assert!(mb * 1000 >= disk_mb * 150 && mb * 1000 <= disk_mb * 650, "{mb} of {disk_mb}");
        }
        let whole = disks.iter().filter(|d| data_mb(d).is_multiple_of(1024)).count();
        assert!(whole * 10 < disks.len(), "{whole} of {} whole GB", disks.len());
    }
}

//! CBR bodies of the same records: a CSBS backup is a CBR backup of a server in the project's
//! vault, and a CSBS checkpoint is a CBR restore point. A backup's CBR status is its CSBS
//! status as the spec's `x-view-of` maps it.

use super::csbs::checkpoint_status;
use crate::clock::{self, Micros};
use crate::state::{provider_of, retention_end, Backup, CheckpointInfo};
use csbs_spec::behaviour::cbr_status_view;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
pub struct BackupView<'a> {
    id: Uuid,
    name: &'a str,
    checkpoint_id: Uuid,
    vault_id: &'a str,
    project_id: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    resource_name: &'a str,
    resource_az: &'a str,
    resource_size: u64,
    status: &'static str,
    created_at: String,
    updated_at: String,
    protected_at: Option<String>,
    expired_at: Option<String>,
    description: Option<&'a str>,
    image_type: &'static str,
    parent_id: Option<&'static str>,
    provider_id: &'static str,
    enterprise_project_id: &'static str,
    incremental: bool,
    children: [(); 0],
    extend_info: ExtendInfo,
}

#[derive(Serialize)]
struct ExtendInfo {
    auto_trigger: bool,
    bootable: Option<bool>,
    snapshot_id: Option<Uuid>,
    support_lld: bool,
    supported_restore_mode: &'static str,
    contain_system_disk: bool,
    encrypted: bool,
    system_disk: bool,
    is_multi_az: bool,
    progress: u32,
}

/// When the backup expires under its checkpoint's retention (seeded examples show their
/// documented date, long past, and stay).
pub fn expires_at(b: &Backup) -> Option<Micros> {
    retention_end(b.life.created_at, b.checkpoint.retention_days)
}

/// The status the CBR view shows of a backup: its CSBS status mapped by `x-view-of`. The
/// spec's tests hold that every CSBS status is mapped; the one CBR does not list (`deleted`)
/// is never rendered, as gone backups are not listed.
pub fn status(b: &Backup, now: Micros) -> &'static str {
    let csbs = b.status(now).as_str();
    cbr_status_view().cbr(csbs).flatten().unwrap_or(csbs)
}

pub fn backup(b: &Backup, now: Micros) -> BackupView<'_> {
    let server = &*b.server;
    let is_server = server.resource_type == crate::state::SERVER_TYPE;
    let bootable = server.disks.iter().any(|d| d.bootable);
    BackupView {
        id: b.id,
        name: &b.name,
        checkpoint_id: b.checkpoint.id,
        vault_id: &b.checkpoint.vault.id,
        project_id: &b.checkpoint.project_id,
        resource_id: &server.id,
        resource_type: &server.resource_type,
        resource_name: &server.name,
        resource_az: &server.az,
        resource_size: server.size_gb(),
        status: status(b, now),
        created_at: clock::cbr(b.life.created_at),
        updated_at: clock::cbr(b.life.updated_at(now)),
        protected_at: b.life.protected_at(now).map(clock::cbr),
        expired_at: expires_at(b).map(clock::cbr),
        description: b.description.as_deref(),
        image_type: "backup",
        parent_id: None,
        provider_id: provider_of(&server.resource_type),
        enterprise_project_id: "0",
        incremental: b.incremental,
        children: [],
        extend_info: ExtendInfo {
            auto_trigger: b.checkpoint.auto_trigger,
            bootable: (!is_server).then_some(bootable),
            snapshot_id: if is_server { None } else { b.volumes.first().map(|v| v.snapshot_id) },
            support_lld: true,
            supported_restore_mode: "backup",
            contain_system_disk: bootable,
            encrypted: false,
            system_disk: false,
            is_multi_az: false,
            progress: super::csbs::progress(b, now),
        },
    }
}

#[derive(Serialize)]
pub struct CheckpointView<'a> {
    id: Uuid,
    project_id: &'a str,
    status: &'static str,
    created_at: String,
    vault: Vault<'a>,
    extra_info: ExtraInfo<'a>,
}

#[derive(Serialize)]
struct Vault<'a> {
    id: &'a str,
    name: &'a str,
    provider_id: &'static str,
    resources: Vec<Resource<'a>>,
    skipped_resources: [(); 0],
}

/// Sizes as numeric strings, as the live service sends them.
#[derive(Serialize)]
struct Resource<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    protect_status: &'static str,
    resource_size: String,
    backup_size: String,
    backup_count: String,
}

#[derive(Serialize)]
struct ExtraInfo<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    retention_duration: i64,
}

pub fn checkpoint<'a>(
    info: &'a CheckpointInfo,
    backups: &[&'a Backup],
    now: Micros,
) -> CheckpointView<'a> {
    let first = backups.first();
    CheckpointView {
        id: info.id,
        project_id: &info.project_id,
        status: checkpoint_status(backups, now).as_str(),
        created_at: clock::cbr(info.created_at),
        vault: Vault {
            id: &info.vault.id,
            name: &info.vault.name,
            provider_id: provider_of(first.map_or("", |b| b.server.resource_type.as_str())),
            resources: backups
                .iter()
                .map(|b| Resource {
                    id: &b.server.id,
                    name: &b.server.name,
                    kind: &b.server.resource_type,
                    protect_status: status(b, now),
                    resource_size: b.server.size_gb().to_string(),
                    backup_size: b.size_mb.to_string(),
                    backup_count: "1".to_owned(),
                })
                .collect(),
            skipped_resources: [],
        },
        extra_info: ExtraInfo {
            name: first.map(|b| b.name.as_str()),
            description: first.and_then(|b| b.description.as_deref()),
            retention_duration: info.retention_days.unwrap_or(-1),
        },
    }
}

//! CSBS bodies of the stored records, shaped like the documented examples (numbers the live
//! service sends as strings are sent as strings here too, so clients meet the wire's forms).

use crate::clock::{self, Micros};
use crate::state::{Backup, CheckpointInfo, Policy, Status};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Serialize)]
pub struct BackupView<'a> {
    id: Uuid,
    checkpoint_id: Uuid,
    name: &'a str,
    description: Option<&'a str>,
    status: &'static str,
    created_at: String,
    updated_at: String,
    resource_id: &'a str,
    resource_type: &'a str,
    backup_data: BackupData<'a>,
    extend_info: ExtendInfo<'a>,
    tags: Vec<Tag<'a>>,
}

#[derive(Serialize)]
struct Tag<'a> {
    key: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct BackupData<'a> {
    __openstack_region_name: &'a str,
    cloudservicetype: &'static str,
    disk: u32,
    imagetype: &'static str,
    ram: u32,
    vcpus: u32,
    eip: &'static str,
    private_ip: &'static str,
}

#[derive(Serialize)]
struct ExtendInfo<'a> {
    auto_trigger: bool,
    average_speed: f64,
    copy_from: &'static str,
    copy_status: &'static str,
    fail_code: serde_json::Map<String, Value>,
    fail_op: &'static str,
    fail_reason: &'static str,
    image_type: &'static str,
    incremental: bool,
    progress: u32,
    resource_az: &'a str,
    resource_name: &'a str,
    resource_type: &'a str,
    size: u64,
    space_saving_ratio: f64,
    volume_backups: Vec<VolumeBackupView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<String>,
    supported_restore_mode: &'static str,
    os_images_data: Vec<ImageData<'a>>,
    support_lld: bool,
    taskid: Uuid,
    hypervisor_type: &'static str,
}

#[derive(Serialize)]
struct ImageData<'a> {
    image_id: &'a str,
}

#[derive(Serialize)]
struct VolumeBackupView<'a> {
    average_speed: f64,
    bootable: bool,
    id: Uuid,
    image_type: &'static str,
    incremental: bool,
    name: &'a str,
    size: u64,
    source_volume_id: &'a str,
    source_volume_size: u32,
    space_saving_ratio: f64,
    status: &'static str,
    source_volume_name: &'a str,
    snapshot_id: Uuid,
}

/// Progress of a backup in percent: the share of its protection time that has passed.
pub fn progress(b: &Backup, now: Micros) -> u32 {
    let total = b.life.available_at - b.life.created_at;
    if total <= 0 || now >= b.life.available_at {
        return 100;
    }
    let done = (now - b.life.created_at).clamp(0, total);
    u32::try_from(done * 100 / total).unwrap_or(100)
}

pub fn backup(b: &Backup, now: Micros) -> BackupView<'_> {
    let status = b.status(now);
    let server = &*b.server;
    let volume_backups = b
        .volumes
        .iter()
        .filter_map(|v| {
            let disk = b.disk_of(v)?;
            Some(VolumeBackupView {
                average_speed: 25.2,
                bootable: disk.bootable,
                id: v.id,
                image_type: "backup",
                incremental: b.incremental,
                name: &b.name,
                size: v.size_mb,
                source_volume_id: &disk.id,
                source_volume_size: disk.size_gb,
                space_saving_ratio: 6.5,
                status: status.as_str(),
                source_volume_name: &disk.name,
                snapshot_id: v.snapshot_id,
            })
        })
        .collect();
    BackupView {
        id: b.id,
        checkpoint_id: b.checkpoint.id,
        name: &b.name,
        description: b.description.as_deref(),
        status: status.as_str(),
        created_at: clock::csbs(b.life.created_at),
        updated_at: clock::csbs(b.life.updated_at(now)),
        resource_id: &server.id,
        resource_type: &server.resource_type,
        backup_data: BackupData {
            __openstack_region_name: &server.az,
            cloudservicetype: "server",
            disk: server.disks.iter().find(|d| d.bootable).map_or(0, |d| d.size_gb),
            imagetype: "gold",
            ram: server.ram_mb,
            vcpus: server.vcpus,
            eip: "",
            private_ip: "",
        },
        extend_info: ExtendInfo {
            auto_trigger: b.checkpoint.auto_trigger,
            average_speed: 25.2,
            copy_from: "",
            copy_status: "na",
            fail_code: serde_json::Map::new(),
            fail_op: "",
            fail_reason: "",
            image_type: "backup",
            incremental: b.incremental,
            progress: progress(b, now),
            resource_az: &server.az,
            resource_name: &server.name,
            resource_type: &server.resource_type,
            size: b.size_mb,
            space_saving_ratio: 6.5,
            volume_backups,
            finished_at: b.life.protected_at(now).map(clock::csbs),
            supported_restore_mode: "backup",
            os_images_data: b.images.iter().map(|i| ImageData { image_id: i }).collect(),
            support_lld: true,
            taskid: b.task_id,
            hypervisor_type: "QEMU",
        },
        tags: b.tags.iter().map(|(key, value)| Tag { key, value }).collect(),
    }
}

#[derive(Serialize)]
pub struct CheckpointView<'a> {
    id: Uuid,
    status: &'static str,
    created_at: String,
    project_id: &'a str,
    resource_graph: Option<String>,
    protection_plan: ProtectionPlan<'a>,
    extra_info: &'static str,
}

#[derive(Serialize)]
struct ProtectionPlan<'a> {
    id: &'a str,
    name: &'a str,
    resources: Vec<PlanResource<'a>>,
}

#[derive(Serialize)]
struct PlanResource<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    name: &'a str,
    extra_info: &'static str,
}

/// The status of a checkpoint: the most telling status of its backups.
pub fn checkpoint_status(backups: &[&Backup], now: Micros) -> Status {
    [Status::Protecting, Status::Restoring, Status::Deleting, Status::Error]
        .into_iter()
        .find(|s| backups.iter().any(|b| b.status(now) == *s))
        .unwrap_or(Status::Available)
}

pub fn checkpoint<'a>(
    info: &'a CheckpointInfo,
    backups: &[&'a Backup],
    now: Micros,
) -> CheckpointView<'a> {
    let extra_info =
        if info.auto_trigger { r#"{"created_by": "auto"}"# } else { r#"{"created_by": "manual"}"# };
    CheckpointView {
        id: info.id,
        status: checkpoint_status(backups, now).as_str(),
        created_at: clock::csbs(info.created_at),
        project_id: &info.project_id,
        resource_graph: None,
        protection_plan: ProtectionPlan {
            id: &info.plan_id,
            name: &info.plan_name,
            resources: backups
                .iter()
                .map(|b| PlanResource {
                    id: &b.server.id,
                    kind: &b.server.resource_type,
                    name: &b.server.name,
                    extra_info: "{}",
                })
                .collect(),
        },
        extra_info,
    }
}

#[derive(Serialize)]
pub struct PolicyView<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    created_at: String,
    project_id: &'a str,
    provider_id: &'a str,
    parameters: &'a Value,
    resources: Vec<PolicyResourceView<'a>>,
    scheduled_operations: [ScheduledOperationView<'a>; 1],
    status: &'a str,
}

#[derive(Serialize)]
struct PolicyResourceView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    extra_info: &'a Value,
}

#[derive(Serialize)]
struct ScheduledOperationView<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    enabled: bool,
    operation_type: &'static str,
    operation_definition: OperationDefinitionView<'a>,
    trigger: TriggerView<'a>,
    trigger_id: &'a str,
}

/// Numbers and booleans as the live service sends them: `"20"`, `"-1"`, `"False"`.
#[derive(Serialize)]
struct OperationDefinitionView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    max_backups: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_duration_days: Option<String>,
    /// Always sent, `"False"` unless set: the service's answers carry it (5.2.3's example).
    permanent: &'static str,
    plan_id: &'a str,
    provider_id: &'a str,
}

#[derive(Serialize)]
struct TriggerView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    properties: TriggerProperties<'a>,
}

#[derive(Serialize)]
struct TriggerProperties<'a> {
    pattern: &'a str,
    start_time: String,
    format: &'static str,
}

pub fn policy(p: &Policy) -> PolicyView<'_> {
    let op = &p.operation;
    let def = &op.definition;
    PolicyView {
        id: &p.id,
        name: &p.name,
        description: &p.description,
        created_at: clock::csbs(p.created_at),
        project_id: &p.project_id,
        provider_id: &p.provider_id,
        parameters: &p.parameters,
        resources: p
            .resources
            .iter()
            .map(|r| PolicyResourceView {
                id: &r.id,
                name: &r.name,
                kind: &r.resource_type,
                extra_info: &r.extra_info,
            })
            .collect(),
        scheduled_operations: [ScheduledOperationView {
            id: &op.id,
            name: &op.name,
            description: &op.description,
            enabled: op.enabled,
            operation_type: "backup",
            operation_definition: OperationDefinitionView {
                max_backups: def.max_backups.map(|n| n.to_string()),
                retention_duration_days: def.retention_duration_days.map(|n| n.to_string()),
                permanent: if def.permanent == Some(true) { "True" } else { "False" },
                plan_id: &p.id,
                provider_id: &p.provider_id,
            },
            trigger: TriggerView {
                id: &op.trigger_id,
                name: &op.trigger_name,
                kind: "time",
                properties: TriggerProperties {
                    pattern: &op.pattern,
                    start_time: clock::trigger(op.start_time),
                    format: "ical",
                },
            },
            trigger_id: &op.trigger_id,
        }],
        status: &p.status,
    }
}

//! `--seed-examples`: the records of the documented response examples (policies, backups,
//! backup records and restore points), loaded into every configured project so that GETs of
//! the documented IDs answer them. The documents' own project IDs are replaced by the
//! hosting project's. Seeded policies are loaded as documented and stay out of the name and
//! binding checks (the documents give three policies the name `my-plan` and the same
//! servers), so every documented example request still succeeds on a seeded mock.
//!
//! Each example is read into its operation's answer type of `csbs_types` (`response::<Id>`),
//! so the service's lenient forms are read by `csbs-wire`'s rules, and a member the spec
//! renames is a compile error here rather than a silent default. One mapping per shape: the
//! request shapes are read by the handlers, the answer shapes here, and written by `views`.

use crate::clock::{self, Micros};
use crate::server::App;
use crate::state::{
    change, name_uuid, new_backup, Backup, CheckpointInfo, Disk, Lifecycle, NewBackup,
    OperationDef, Policy, PolicyResource, Project, ScheduledOp, Server, Status, Vault,
    VolumeBackup, SERVER_TYPE,
};
use csbs_spec::examples::all_examples;
use csbs_spec::ExampleKind;
use csbs_types::{cbr, csbs};
use csbs_wire::Timestamp;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

fn time(t: Option<&Timestamp>, now: Micros) -> Micros {
    t.map_or(now, clock::of_timestamp)
}

fn uuid_or_new(text: Option<&str>) -> Uuid {
    text.and_then(|t| Uuid::parse_str(t).ok()).unwrap_or_else(Uuid::new_v4)
}

/// A count that fits `T`, else `default`.
fn count<T: TryFrom<i64>>(n: Option<i64>, default: T) -> T {
    n.and_then(|n| T::try_from(n).ok()).unwrap_or(default)
}

/// Response bodies of one operation's documented examples.
fn responses(operation: &str) -> Vec<Value> {
    all_examples()
        .into_iter()
        .filter(|e| e.operation_id == operation && matches!(e.kind, ExampleKind::Response(200)))
        .filter_map(|e| e.value)
        .collect()
}

/// Documented answers read as `T`. Every documented body reads into its type (the tests of
/// `csbs-types` check it), so one that would not is left out rather than stopping the mock.
fn each<'v, T: Deserialize<'v>>(bodies: &'v [Value]) -> impl Iterator<Item = T> + 'v {
    bodies.iter().filter_map(|body| T::deserialize(body).ok())
}

pub fn seed(app: &App) {
    let now = clock::now();
    for id in app.config.projects() {
        let lock = app.store.project(id);
        let mut project = change(&lock);
        seed_project(&mut project, app.protect_delay, now);
    }
}

fn seed_project(project: &mut Project, protect_delay: Micros, now: Micros) {
    let mut add_policy = |p: &csbs::Policy<'_>| {
        let policy = policy(p, &project.id, now);
        if !project.policies.contains_key(&policy.id) {
            let bytes = policy.stored_bytes();
            let _absent = project.put_policy(policy, bytes);
        }
    };
    for answer in each::<csbs::response::ShowPolicy>(&responses("showPolicy")) {
        add_policy(&answer.policy);
    }
    for list in each::<csbs::response::ListPolicies>(&responses("listPolicies")) {
        list.policies.iter().for_each(&mut add_policy);
    }
    for answer in each::<csbs::response::CreatePolicy>(&responses("createPolicy")) {
        add_policy(&answer.policy);
    }
    for answer in each::<csbs::response::UpdatePolicy>(&responses("updatePolicy")) {
        add_policy(&answer.policy);
    }
    let mut add_backup = |b: &csbs::Backup<'_>| {
        if project.backup(b.id, now).is_none() {
            csbs_backup(project, b, now);
        }
    };
    for answer in each::<csbs::response::ShowBackup>(&responses("showBackup")) {
        add_backup(&answer.checkpoint_item);
    }
    for list in each::<csbs::response::ListBackups>(&responses("listBackups")) {
        list.checkpoint_items.iter().for_each(&mut add_backup);
    }
    for list in each::<cbr::response::ListCbrBackups>(&responses("listCbrBackups")) {
        list.backups.iter().for_each(|b| cbr_backup(project, b, now));
    }
    for answer in each::<cbr::response::ShowCbrCheckpoint>(&responses("showCbrCheckpoint")) {
        cbr_checkpoint(project, &answer.checkpoint, now);
    }
    for answer in each::<csbs::response::ProtectResource>(&responses("protectResource")) {
        csbs_checkpoint(project, &answer.checkpoint, protect_delay, now);
    }
    for answer in each::<csbs::response::ExecutePolicy>(&responses("executePolicy")) {
        csbs_checkpoint(project, &answer.checkpoint, protect_delay, now);
    }
}

fn policy(p: &csbs::Policy<'_>, project: &str, now: Micros) -> Policy {
    let op = p.scheduled_operations.first();
    let definition = op.and_then(|op| op.operation_definition.as_ref());
    let trigger = op.and_then(|op| op.trigger.as_ref());
    let properties = trigger.and_then(|t| t.properties.as_ref());
    Policy {
        id: p.id.to_owned(),
        name: p.name.to_owned(),
        description: p.description.unwrap_or_default().to_owned(),
        created_at: time(p.created_at.as_ref(), now),
        project_id: project.to_owned(),
        provider_id: p.provider_id.unwrap_or_default().to_owned(),
        parameters: p
            .parameters
            .as_ref()
            .and_then(|p| serde_json::to_value(p).ok())
            .unwrap_or_else(|| json!({"common": {}})),
        resources: p
            .resources
            .iter()
            .flatten()
            .map(|r| PolicyResource {
                id: r.id.unwrap_or_default().to_owned(),
                name: r.name.unwrap_or_default().to_owned(),
                resource_type: r.type_.unwrap_or(SERVER_TYPE).to_owned(),
                extra_info: r.extra_info.clone().unwrap_or_else(|| json!({})),
            })
            .collect(),
        operation: ScheduledOp {
            id: op.and_then(|op| op.id).unwrap_or_default().to_owned(),
            name: op.and_then(|op| op.name).unwrap_or_default().to_owned(),
            description: op.and_then(|op| op.description).unwrap_or_default().to_owned(),
            enabled: op.and_then(|op| op.enabled).unwrap_or(true),
            definition: OperationDef {
                max_backups: definition.and_then(|d| d.max_backups).map(|n| n.get()),
                retention_duration_days: definition
                    .and_then(|d| d.retention_duration_days)
                    .map(|n| n.get()),
                permanent: definition.and_then(|d| d.permanent).map(|b| b.get()),
            },
            trigger_id: trigger
                .and_then(|t| t.id)
                .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned),
            trigger_name: trigger.and_then(|t| t.name).unwrap_or("default").to_owned(),
            pattern: properties.and_then(|p| p.pattern).unwrap_or_default().to_owned(),
            start_time: time(properties.and_then(|p| p.start_time.as_ref()), now),
        },
        status: p.status.to_owned(),
        seeded: true,
    }
}

/// The checkpoint a seeded backup belongs to, made on first mention.
fn checkpoint_info(
    project: &Project,
    id: Uuid,
    created_at: Micros,
    vault: Arc<Vault>,
    auto_trigger: bool,
    retention_days: Option<i64>,
) -> Arc<CheckpointInfo> {
    if let Some(entry) = project.checkpoints.get(&id) {
        return entry.info.clone();
    }
    Arc::new(CheckpointInfo {
        id,
        project_id: project.id.clone(),
        created_at,
        plan_id: format!("fake_{}", name_uuid(&format!("plan/{id}"))),
        plan_name: "backup".to_owned(),
        policy_id: None,
        auto_trigger,
        vault,
        retention_days,
    })
}

fn add(project: &mut Project, backup: Backup) {
    let info = backup.checkpoint.clone();
    let mut ids = project.checkpoints.get(&info.id).map(|c| c.backups.clone()).unwrap_or_default();
    ids.push(backup.id);
    // Re-adding the checkpoint's earlier backups keeps one entry each (same IDs and times).
    let mut backups: Vec<Backup> =
        ids.iter().filter_map(|id| project.backups.remove(id)).map(Arc::unwrap_or_clone).collect();
    backups.push(backup);
    project.add_checkpoint(info, backups);
}

fn settled(status: &str, created_at: Micros, finished_at: Micros) -> Lifecycle {
    let mut life = Lifecycle::new(created_at, (finished_at - created_at).max(0));
    life.settled = if status == "error" { Status::Error } else { Status::Available };
    life
}

fn csbs_backup(project: &mut Project, b: &csbs::Backup<'_>, now: Micros) {
    let ext = b.extend_info.as_ref();
    let volumes = ext.and_then(|e| e.volume_backups.as_deref()).unwrap_or_default();
    let data = b.backup_data.as_ref();
    let server = Server {
        id: b.resource_id.unwrap_or_default().to_owned(),
        name: ext.and_then(|e| e.resource_name).unwrap_or_default().to_owned(),
        resource_type: b.resource_type.unwrap_or(SERVER_TYPE).to_owned(),
        az: ext.and_then(|e| e.resource_az).unwrap_or_default().to_owned(),
        disks: volumes
            .iter()
            .map(|vb| Disk {
                id: vb.source_volume_id.unwrap_or_default().to_owned(),
                name: vb.source_volume_name.unwrap_or_default().to_owned(),
                size_gb: count(vb.source_volume_size, 0),
                bootable: vb.bootable.unwrap_or(false),
            })
            .collect(),
        vcpus: count(data.and_then(|d| d.vcpus), 1),
        ram_mb: count(data.and_then(|d| d.ram), 2048),
    };
    let created_at = time(b.created_at.as_ref(), now);
    let auto = ext.and_then(|e| e.auto_trigger).unwrap_or(false);
    let checkpoint_id = uuid_or_new(Some(b.checkpoint_id));
    let info =
        checkpoint_info(project, checkpoint_id, created_at, project.vault.clone(), auto, None);
    let finished_at = time(ext.and_then(|e| e.finished_at.as_ref()), created_at);
    let backup = Backup {
        id: uuid_or_new(Some(b.id)),
        checkpoint: info,
        server: Arc::new(server),
        name: b.name.unwrap_or_default().to_owned(),
        description: b.description.map(str::to_owned),
        incremental: ext.and_then(|e| e.incremental).unwrap_or(false),
        size_mb: count(ext.and_then(|e| e.size), 0),
        volumes: volumes
            .iter()
            .enumerate()
            .map(|(disk, vb)| VolumeBackup {
                id: uuid_or_new(vb.id),
                snapshot_id: uuid_or_new(vb.snapshot_id),
                disk,
                size_mb: count(vb.size, 0),
            })
            .collect(),
        images: ext
            .and_then(|e| e.os_images_data.as_deref())
            .unwrap_or_default()
            .iter()
            .map(|i| i.image_id.unwrap_or_default().to_owned())
            .collect(),
        tags: Vec::new(),
        life: settled(b.status, created_at, finished_at),
        task_id: uuid_or_new(ext.and_then(|e| e.taskid)),
    };
    add(project, backup);
}

/// A one-disk resource of `size_gb` (CBR examples give sizes, not disks).
fn sized_server(id: &str, name: &str, az: &str, size_gb: u32, resource_type: &str) -> Server {
    Server {
        id: id.to_owned(),
        name: name.to_owned(),
        resource_type: resource_type.to_owned(),
        az: az.to_owned(),
        disks: vec![Disk {
            id: name_uuid(&format!("{id}/disk/0")).to_string(),
            name: format!("{id}-disk"),
            size_gb,
            bootable: true,
        }],
        vcpus: 2,
        ram_mb: 4096,
    }
}

fn cbr_backup(project: &mut Project, b: &cbr::BackupResp<'_>, now: Micros) {
    let size = count(b.resource_size.map(|n| n.get()), 40);
    let name = b.resource_name.unwrap_or_default();
    let server =
        sized_server(b.resource_id, name, b.resource_az.unwrap_or_default(), size, b.resource_type);
    let created_at = time(Some(&b.created_at), now);
    let vault = Arc::new(Vault {
        name: format!("vault-{}", b.vault_id.get(..4).unwrap_or_default()),
        id: b.vault_id.to_owned(),
    });
    let retention =
        b.expired_at.as_ref().map(|e| (clock::of_timestamp(e) - created_at) / 86_400_000_000);
    let auto = b.extend_info.as_ref().and_then(|e| e.auto_trigger).unwrap_or(false);
    let info = checkpoint_info(
        project,
        uuid_or_new(Some(b.checkpoint_id)),
        created_at,
        vault,
        auto,
        retention,
    );
    let how = NewBackup {
        name: Some(b.name),
        description: b.description,
        incremental: false,
        now: created_at,
        protect_delay: 0,
    };
    let mut backup = new_backup(Arc::new(server), info, &how);
    backup.id = uuid_or_new(Some(b.id));
    backup.life = settled(b.status, created_at, time(b.updated_at.as_ref(), created_at));
    add(project, backup);
}

fn cbr_checkpoint(project: &mut Project, c: &cbr::CbrCheckpoint<'_>, now: Micros) {
    let id = uuid_or_new(Some(c.id));
    let created_at = time(Some(&c.created_at), now);
    let vault = Arc::new(Vault { id: c.vault.id.to_owned(), name: c.vault.name.to_owned() });
    let info = checkpoint_info(project, id, created_at, vault, false, None);
    for r in &c.vault.resources {
        let size = count(r.resource_size.map(|n| n.get()), 40);
        let name = r.name.unwrap_or_default();
        let server = sized_server(r.id, name, "", size, r.type_);
        let how = NewBackup {
            name: r.name,
            description: None,
            incremental: false,
            now: created_at,
            protect_delay: 0,
        };
        let mut backup = new_backup(Arc::new(server), info.clone(), &how);
        backup.id = name_uuid(&format!("{id}/{}", r.id));
        add(project, backup);
    }
}

fn csbs_checkpoint(
    project: &mut Project,
    c: &csbs::Checkpoint<'_>,
    protect_delay: Micros,
    now: Micros,
) {
    let id = uuid_or_new(Some(c.id));
    let plan = c.protection_plan.as_ref();
    let plan_id = plan.and_then(|p| p.id).unwrap_or_default().to_owned();
    let info = Arc::new(CheckpointInfo {
        id,
        project_id: project.id.clone(),
        created_at: time(c.created_at.as_ref(), now),
        policy_id: (!plan_id.starts_with("fake_")).then(|| plan_id.clone()),
        plan_id,
        plan_name: plan.and_then(|p| p.name).unwrap_or_default().to_owned(),
        auto_trigger: false,
        vault: project.vault.clone(),
        retention_days: None,
    });
    for r in plan.and_then(|p| p.resources.as_deref()).unwrap_or_default() {
        let resource_id = r.id.unwrap_or_default();
        let server = project.server(resource_id, r.name);
        let how =
            NewBackup { name: None, description: None, incremental: false, now, protect_delay };
        let mut backup = new_backup(server, info.clone(), &how);
        backup.id = name_uuid(&format!("{id}/{resource_id}"));
        add(project, backup);
    }
}

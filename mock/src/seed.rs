//! `--seed-examples`: the records of the documented response examples (policies, backups,
//! backup records and restore points), loaded into every configured project so that GETs of
//! the documented IDs answer them. The documents' own project IDs are replaced by the
//! hosting project's. Seeded policies are loaded as documented and stay out of the name and
//! binding checks (the documents give three policies the name `my-plan` and the same
//! servers), so every documented example request still succeeds on a seeded mock.

use crate::clock::{self, Micros};
use crate::server::App;
use crate::state::{
    name_uuid, new_backup, write, Backup, CheckpointInfo, Disk, Lifecycle, NewBackup, OperationDef,
    Policy, PolicyResource, Project, ScheduledOp, Server, Status, Vault, VolumeBackup, SERVER_TYPE,
};
use csbs_spec::examples::all_examples;
use csbs_spec::ExampleKind;
use serde_json::{json, Value};
use std::sync::Arc;
use uuid::Uuid;

fn text<'v>(v: &'v Value, pointer: &str) -> Option<&'v str> {
    v.pointer(pointer).and_then(Value::as_str)
}

fn owned(v: &Value, pointer: &str) -> String {
    text(v, pointer).unwrap_or_default().to_owned()
}

/// A number or a numeric string (the documents send both).
fn lenient_int(v: &Value, pointer: &str) -> Option<i64> {
    let value = v.pointer(pointer)?;
    value.as_i64().or_else(|| value.as_str()?.parse().ok())
}

fn lenient_bool(v: &Value, pointer: &str) -> Option<bool> {
    let value = v.pointer(pointer)?;
    value.as_bool().or_else(|| value.as_str().map(|s| s.eq_ignore_ascii_case("true")))
}

fn time(v: &Value, pointer: &str, now: Micros) -> Micros {
    text(v, pointer).and_then(clock::parse).unwrap_or(now)
}

fn uuid_or_new(text: Option<&str>) -> Uuid {
    text.and_then(|t| Uuid::parse_str(t).ok()).unwrap_or_else(Uuid::new_v4)
}

/// Response bodies of one operation's documented examples.
fn responses(operation: &str) -> Vec<Value> {
    all_examples()
        .into_iter()
        .filter(|e| e.operation_id == operation && matches!(e.kind, ExampleKind::Response(200)))
        .filter_map(|e| e.value)
        .collect()
}

pub fn seed(app: &App) {
    let now = clock::now();
    for id in app.config.projects() {
        let lock = app.store.project(id);
        let mut project = write(&lock);
        seed_project(&mut project, app.protect_delay, now);
    }
}

fn seed_project(project: &mut Project, protect_delay: Micros, now: Micros) {
    for op in ["showPolicy", "listPolicies", "createPolicy", "updatePolicy"] {
        for body in responses(op) {
            let items = body
                .get("policies")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_else(|| vec![body["policy"].clone()]);
            for item in items {
                let policy = policy(&item, &project.id, now);
                project.policies.entry(policy.id.clone()).or_insert(policy);
            }
        }
    }
    for op in ["showBackup", "listBackups"] {
        for body in responses(op) {
            let items = body
                .get("checkpoint_items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_else(|| vec![body["checkpoint_item"].clone()]);
            for item in &items {
                if project.backup(text(item, "/id").unwrap_or_default(), now).is_none() {
                    csbs_backup(project, item, now);
                }
            }
        }
    }
    for body in responses("listCbrBackups") {
        for item in body.get("backups").and_then(Value::as_array).into_iter().flatten() {
            cbr_backup(project, item, now);
        }
    }
    for body in responses("showCbrCheckpoint") {
        cbr_checkpoint(project, &body["checkpoint"], now);
    }
    for op in ["protectResource", "executePolicy"] {
        for body in responses(op) {
            csbs_checkpoint(project, &body["checkpoint"], protect_delay, now);
        }
    }
}

fn policy(v: &Value, project: &str, now: Micros) -> Policy {
    let op = v.pointer("/scheduled_operations/0").cloned().unwrap_or_else(|| json!({}));
    let resources = v.get("resources").and_then(Value::as_array).into_iter().flatten();
    Policy {
        id: owned(v, "/id"),
        name: owned(v, "/name"),
        description: owned(v, "/description"),
        created_at: time(v, "/created_at", now),
        project_id: project.to_owned(),
        provider_id: owned(v, "/provider_id"),
        parameters: v.get("parameters").cloned().unwrap_or_else(|| json!({"common": {}})),
        resources: resources
            .map(|r| PolicyResource {
                id: owned(r, "/id"),
                name: owned(r, "/name"),
                resource_type: text(r, "/type").unwrap_or(SERVER_TYPE).to_owned(),
                extra_info: r.get("extra_info").cloned().unwrap_or_else(|| json!({})),
            })
            .collect(),
        operation: ScheduledOp {
            id: owned(&op, "/id"),
            name: owned(&op, "/name"),
            description: owned(&op, "/description"),
            enabled: op.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            definition: OperationDef {
                max_backups: lenient_int(&op, "/operation_definition/max_backups"),
                retention_duration_days: lenient_int(
                    &op,
                    "/operation_definition/retention_duration_days",
                ),
                permanent: lenient_bool(&op, "/operation_definition/permanent"),
            },
            trigger_id: text(&op, "/trigger/id")
                .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned),
            trigger_name: text(&op, "/trigger/name").unwrap_or("default").to_owned(),
            pattern: owned(&op, "/trigger/properties/pattern"),
            start_time: time(&op, "/trigger/properties/start_time", now),
        },
        status: owned(v, "/status"),
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
    let mut backups: Vec<Backup> = ids.iter().filter_map(|id| project.backups.remove(id)).collect();
    backups.push(backup);
    project.add_checkpoint(info, backups);
}

fn settled(v: &Value, created_at: Micros, finished_at: Micros) -> Lifecycle {
    let mut life = Lifecycle::new(created_at, (finished_at - created_at).max(0));
    life.settled =
        if text(v, "/status") == Some("error") { Status::Error } else { Status::Available };
    life
}

fn csbs_backup(project: &mut Project, v: &Value, now: Micros) {
    let ext = v.get("extend_info").cloned().unwrap_or_else(|| json!({}));
    let volumes = ext.get("volume_backups").and_then(Value::as_array).cloned().unwrap_or_default();
    let server = Server {
        id: owned(v, "/resource_id"),
        name: owned(&ext, "/resource_name"),
        resource_type: text(v, "/resource_type").unwrap_or(SERVER_TYPE).to_owned(),
        az: owned(&ext, "/resource_az"),
        disks: volumes
            .iter()
            .map(|vb| Disk {
                id: owned(vb, "/source_volume_id"),
                name: owned(vb, "/source_volume_name"),
                size_gb: lenient_int(vb, "/source_volume_size")
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0),
                bootable: vb.get("bootable").and_then(Value::as_bool).unwrap_or(false),
            })
            .collect(),
        vcpus: lenient_int(v, "/backup_data/vcpus")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1),
        ram_mb: lenient_int(v, "/backup_data/ram")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(2048),
    };
    let created_at = time(v, "/created_at", now);
    let checkpoint_id = uuid_or_new(text(v, "/checkpoint_id"));
    let auto = ext.get("auto_trigger").and_then(Value::as_bool).unwrap_or(false);
    let info =
        checkpoint_info(project, checkpoint_id, created_at, project.vault.clone(), auto, None);
    let backup = Backup {
        id: uuid_or_new(text(v, "/id")),
        checkpoint: info,
        server: Arc::new(server),
        name: owned(v, "/name"),
        description: text(v, "/description").map(str::to_owned),
        incremental: ext.get("incremental").and_then(Value::as_bool).unwrap_or(false),
        size_mb: lenient_int(&ext, "/size").and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
        volumes: volumes
            .iter()
            .enumerate()
            .map(|(disk, vb)| VolumeBackup {
                id: uuid_or_new(text(vb, "/id")),
                snapshot_id: uuid_or_new(text(vb, "/snapshot_id")),
                disk,
                size_mb: lenient_int(vb, "/size").and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
            })
            .collect(),
        images: ext
            .get("os_images_data")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|i| owned(i, "/image_id"))
            .collect(),
        tags: Vec::new(),
        life: settled(v, created_at, time(&ext, "/finished_at", created_at)),
        task_id: uuid_or_new(text(&ext, "/taskid")),
    };
    add(project, backup);
}

/// A one-disk resource of `size_gb` (CBR examples give sizes, not disks).
fn sized_server(v: &Value, size_gb: u32, resource_type: &str) -> Server {
    let id = owned(v, "/resource_id");
    Server {
        name: owned(v, "/resource_name"),
        resource_type: resource_type.to_owned(),
        az: owned(v, "/resource_az"),
        disks: vec![Disk {
            id: name_uuid(&format!("{id}/disk/0")).to_string(),
            name: format!("{id}-disk"),
            size_gb,
            bootable: true,
        }],
        vcpus: 2,
        ram_mb: 4096,
        id,
    }
}

fn cbr_backup(project: &mut Project, v: &Value, now: Micros) {
    let size = lenient_int(v, "/resource_size").and_then(|n| u32::try_from(n).ok()).unwrap_or(40);
    let server = sized_server(v, size, text(v, "/resource_type").unwrap_or(SERVER_TYPE));
    let created_at = time(v, "/created_at", now);
    let vault_id = owned(v, "/vault_id");
    let vault = Arc::new(Vault {
        name: format!("vault-{}", vault_id.get(..4).unwrap_or_default()),
        id: vault_id,
    });
    let retention =
        text(v, "/expired_at").and_then(clock::parse).map(|e| (e - created_at) / 86_400_000_000);
    let auto = v.pointer("/extend_info/auto_trigger").and_then(Value::as_bool).unwrap_or(false);
    let info = checkpoint_info(
        project,
        uuid_or_new(text(v, "/checkpoint_id")),
        created_at,
        vault,
        auto,
        retention,
    );
    let how = NewBackup {
        name: text(v, "/name"),
        description: text(v, "/description"),
        incremental: false,
        now: created_at,
        protect_delay: 0,
    };
    let mut backup = new_backup(Arc::new(server), info, &how);
    backup.id = uuid_or_new(text(v, "/id"));
    backup.life = settled(v, created_at, time(v, "/updated_at", created_at));
    add(project, backup);
}

fn cbr_checkpoint(project: &mut Project, v: &Value, now: Micros) {
    let id = uuid_or_new(text(v, "/id"));
    let created_at = time(v, "/created_at", now);
    let vault = Arc::new(Vault { id: owned(v, "/vault/id"), name: owned(v, "/vault/name") });
    let info = checkpoint_info(project, id, created_at, vault, false, None);
    for r in v.pointer("/vault/resources").and_then(Value::as_array).into_iter().flatten() {
        let as_backup =
            json!({"resource_id": r["id"], "resource_name": r["name"], "resource_az": ""});
        let size =
            lenient_int(r, "/resource_size").and_then(|n| u32::try_from(n).ok()).unwrap_or(40);
        let server = sized_server(&as_backup, size, text(r, "/type").unwrap_or(SERVER_TYPE));
        let how = NewBackup {
            name: text(r, "/name"),
            description: None,
            incremental: false,
            now: created_at,
            protect_delay: 0,
        };
        let mut backup = new_backup(Arc::new(server), info.clone(), &how);
        backup.id = name_uuid(&format!("{id}/{}", owned(r, "/id")));
        add(project, backup);
    }
}

fn csbs_checkpoint(project: &mut Project, v: &Value, protect_delay: Micros, now: Micros) {
    let id = uuid_or_new(text(v, "/id"));
    let plan_id = owned(v, "/protection_plan/id");
    let info = Arc::new(CheckpointInfo {
        id,
        project_id: project.id.clone(),
        created_at: time(v, "/created_at", now),
        policy_id: (!plan_id.starts_with("fake_")).then(|| plan_id.clone()),
        plan_id,
        plan_name: owned(v, "/protection_plan/name"),
        auto_trigger: false,
        vault: project.vault.clone(),
        retention_days: None,
    });
    for r in v.pointer("/protection_plan/resources").and_then(Value::as_array).into_iter().flatten()
    {
        let server = project.server(text(r, "/id").unwrap_or_default(), text(r, "/name"));
        let how =
            NewBackup { name: None, description: None, incremental: false, now, protect_delay };
        let mut backup = new_backup(server, info.clone(), &how);
        backup.id = name_uuid(&format!("{id}/{}", owned(r, "/id")));
        add(project, backup);
    }
}

//! What the mock stores. One backup model serves both documents: the CSBS and CBR views in
//! `views/` render the same records.

use super::lifecycle::{Lifecycle, Status};
use crate::clock::Micros;
use csbs_spec::behaviour::{retention, RetentionKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use uuid::Uuid;

/// A disk of a server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    pub id: String,
    pub name: String,
    pub size_gb: u32,
    pub bootable: bool,
}

/// A server (or another backed-up resource) as the mock knows it: from a backup of it, from
/// a policy that names it, or derived from its ID (see `servers.rs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub id: String,
    pub name: String,
    pub resource_type: String,
    pub az: String,
    pub disks: Vec<Disk>,
    pub vcpus: u32,
    pub ram_mb: u32,
}

impl Server {
    pub fn size_gb(&self) -> u64 {
        self.disks.iter().map(|d| u64::from(d.size_gb)).sum()
    }
}

/// A CBR vault. CSBS has none; every project has one default vault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vault {
    pub id: String,
    pub name: String,
}

/// What the backups of one checkpoint (backup record, restore point) share.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointInfo {
    pub id: Uuid,
    #[serde(with = "super::shared::text")]
    pub project_id: Arc<str>,
    pub created_at: Micros,
    /// The policy ID, or a generated plan ID for one-off backups.
    pub plan_id: String,
    pub plan_name: String,
    /// The policy that made it (filter `policy_id`).
    pub policy_id: Option<String>,
    pub auto_trigger: bool,
    #[serde(with = "super::shared")]
    pub vault: Arc<Vault>,
    /// Days the backups are kept (`None`: for ever).
    pub retention_days: Option<i64>,
}

/// The backup of one disk; `disk` indexes the backup's server snapshot.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VolumeBackup {
    pub id: Uuid,
    pub snapshot_id: Uuid,
    pub disk: usize,
    pub size_mb: u64,
}

/// A backup (checkpoint item) of one server.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backup {
    pub id: Uuid,
    #[serde(with = "super::shared")]
    pub checkpoint: Arc<CheckpointInfo>,
    /// The server as it was when the backup was made.
    #[serde(with = "super::shared")]
    pub server: Arc<Server>,
    pub name: String,
    pub description: Option<String>,
    pub incremental: bool,
    pub size_mb: u64,
    pub volumes: Vec<VolumeBackup>,
    pub images: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub life: Lifecycle,
    pub task_id: Uuid,
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// When a backup made at `created_at` under `retention_days` expires; `None`: kept for ever.
pub fn retention_end(created_at: Micros, retention_days: Option<i64>) -> Option<Micros> {
    retention_days.map(|days| created_at.saturating_add(days.saturating_mul(MICROS_PER_DAY)))
}

impl Backup {
    pub fn status(&self, now: Micros) -> Status {
        self.life.status(now)
    }

    /// The disk a volume backup was made from.
    pub fn disk_of(&self, volume: &VolumeBackup) -> Option<&Disk> {
        self.server.disks.get(volume.disk)
    }
}

/// Retention of a scheduled backup; `None` is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDef {
    pub max_backups: Option<i64>,
    pub retention_duration_days: Option<i64>,
    pub permanent: Option<bool>,
}

/// A policy's one scheduled backup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScheduledOp {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    pub definition: OperationDef,
    pub trigger_id: String,
    pub trigger_name: String,
    pub pattern: String,
    pub start_time: Micros,
}

/// A server bound to a policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyResource {
    pub id: String,
    pub name: String,
    pub resource_type: String,
    pub extra_info: Value,
}

/// A backup policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: Micros,
    pub project_id: String,
    pub provider_id: String,
    pub parameters: Value,
    pub resources: Vec<PolicyResource>,
    pub operation: ScheduledOp,
    /// `started` or `suspended` (seeded examples may say `enabled`/`disabled`).
    pub status: String,
    /// Loaded from the documented examples: exempt from the name and binding checks, since
    /// the documents give three policies one name and the same servers.
    pub seeded: bool,
}

impl Policy {
    /// Days its backups are kept, `None` for ever: the spec's `x-retention` member of that
    /// kind, with its `x-overrides` (`permanent: true` ignores it).
    pub fn retention_days(&self) -> Option<i64> {
        let days = retention().limit(RetentionKind::Days, &self.operation.definition.as_json())?;
        i64::try_from(days).ok()
    }

    /// A copy with other servers: the policy's own are not copied (tens of thousands of them
    /// would be, only to be replaced).
    pub fn with_resources(&self, resources: Vec<PolicyResource>) -> Policy {
        Policy {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            created_at: self.created_at,
            project_id: self.project_id.clone(),
            provider_id: self.provider_id.clone(),
            parameters: self.parameters.clone(),
            resources,
            operation: self.operation.clone(),
            status: self.status.clone(),
            seeded: self.seeded,
        }
    }

    /// How many of its backups of one server it keeps, `None` for all (`-1`, unset, or
    /// `permanent`), read the same way.
    pub fn max_backups(&self) -> Option<usize> {
        let keep = retention()
            .limit(RetentionKind::NewestPerResource, &self.operation.definition.as_json())?;
        usize::try_from(keep).ok()
    }
}

impl OperationDef {
    /// The definition as a request sends it (absent members left out), for the spec's rules.
    fn as_json(&self) -> Value {
        let mut object = serde_json::Map::new();
        let members = [
            ("max_backups", self.max_backups.map(Value::from)),
            ("retention_duration_days", self.retention_duration_days.map(Value::from)),
            ("permanent", self.permanent.map(Value::from)),
        ];
        for (name, value) in members {
            if let Some(value) = value {
                object.insert(name.to_owned(), value);
            }
        }
        Value::Object(object)
    }
}

/// Bytes of `value`'s JSON text, counted without writing it out; `None` once past `limit`
/// (counting stops there).
pub fn json_len<T: Serialize + ?Sized>(value: &T, limit: usize) -> Option<usize> {
    struct Count {
        bytes: usize,
        limit: usize,
    }
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.bytes += buf.len();
            if self.bytes > self.limit {
                return Err(std::io::Error::other("beyond the limit"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count { bytes: 0, limit };
    serde_json::to_writer(&mut count, value).ok().map(|()| count.bytes)
}

impl Policy {
    /// Bytes the policy takes in the state: its JSON text as an export holds it.
    pub fn stored_bytes(&self) -> u64 {
        json_len(self, usize::MAX).unwrap_or(usize::MAX) as u64
    }
}

//! The whole state as one JSON document: what `GET /_mock/state` exports, `PUT /_mock/state`
//! imports, and the state file holds row by row. Records are the model's own (times in
//! microseconds since the Unix epoch, UTC); what the store derives from them (indexes,
//! rendered answers, the next scheduled run) is rebuilt on reading.

use super::model::{Backup, Policy, Server};
use super::store::Project;
use crate::clock::Micros;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The `format` of this version of the document.
pub const FORMAT: &str = "csbs-mock-state/1";

/// Every project, and the clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// [`FORMAT`]; another value is refused.
    pub format: String,
    /// How far the mock's clock is ahead of the real one, in microseconds.
    pub clock_offset_us: Micros,
    pub projects: Vec<ProjectState>,
}

/// One project's records.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectState {
    pub id: String,
    #[serde(default)]
    pub policies: Vec<Policy>,
    /// Every backup with its checkpoint, checkpoints oldest first, each checkpoint's backups
    /// in their order (a checkpoint is the backups that name it).
    #[serde(default)]
    pub backups: Vec<Backup>,
    /// What the project knows of servers (the newest record of each).
    #[serde(default)]
    pub servers: Vec<Server>,
    /// Policies that run by themselves, and up to when their runs were made.
    #[serde(default)]
    pub schedules: BTreeMap<String, Micros>,
    /// Servers being restored, and when their restoration ends.
    #[serde(default)]
    pub restoring_servers: BTreeMap<String, Micros>,
}

/// The project's own bookkeeping, as the state file keeps it in the project's row.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ProjectMeta {
    pub schedules: BTreeMap<String, Micros>,
    pub restoring_servers: BTreeMap<String, Micros>,
}

/// A project's records as [`Project::copy`] took them (shared with the project: pointers,
/// copied in no time), in no order.
pub struct Copied {
    id: String,
    policies: Vec<Arc<Policy>>,
    backups: Vec<Arc<Backup>>,
    servers: Vec<Arc<Server>>,
    meta: ProjectMeta,
}

impl Copied {
    /// The records in an export's order: policies and servers by ID, checkpoints oldest
    /// first (a stable sort keeps each checkpoint's backups in their order). Each record is
    /// copied here, with no lock held.
    pub fn into_state(self) -> ProjectState {
        let Copied { id, policies, backups, servers, meta } = self;
        let mut policies: Vec<Policy> = policies.into_iter().map(Arc::unwrap_or_clone).collect();
        policies.sort_by(|a, b| a.id.cmp(&b.id));
        let mut backups: Vec<Backup> = backups.into_iter().map(Arc::unwrap_or_clone).collect();
        backups.sort_by_key(|b| (b.checkpoint.created_at, b.checkpoint.id));
        let mut servers: Vec<Server> = servers.iter().map(|s| (**s).clone()).collect();
        servers.sort_by(|a, b| a.id.cmp(&b.id));
        let ProjectMeta { schedules, restoring_servers } = meta;
        ProjectState { id, policies, backups, servers, schedules, restoring_servers }
    }
}

impl ProjectState {
    /// True when the project holds no record.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
            && self.backups.is_empty()
            && self.servers.is_empty()
            && self.schedules.is_empty()
            && self.restoring_servers.is_empty()
    }
}

impl Snapshot {
    /// Checks the format; the error names it and what was found.
    pub fn check_format(&self) -> Result<(), String> {
        if self.format == FORMAT {
            Ok(())
        } else {
            Err(format!("format: must be \"{FORMAT}\" (got {:?})", self.format))
        }
    }
}

impl Project {
    /// The project's bookkeeping.
    pub fn meta(&self) -> ProjectMeta {
        ProjectMeta {
            schedules: self.scheduled_until.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            restoring_servers: self
                .restoring_servers
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
        }
    }

    /// The backups in checkpoint order, each with its position in its checkpoint.
    pub fn ordered_backups(&self) -> Vec<&Backup> {
        let mut checkpoints: Vec<_> = self.checkpoints.values().collect();
        checkpoints.sort_by_key(|c| (c.info.created_at, c.info.id));
        checkpoints
            .iter()
            .flat_map(|c| c.backups.iter().filter_map(|id| self.backups.get(id)))
            .collect()
    }

    /// The project's records as they are now, taken under the project's lock as pointers to
    /// them (a record changed afterwards is copied by the change, see `table.rs`): copying
    /// them, sorting and the servers' copies are left to [`Copied::into_state`], done after
    /// the lock is released.
    pub fn copy(&self) -> Copied {
        Copied {
            id: self.id.to_string(),
            policies: self.policies.values().cloned().collect(),
            // Each checkpoint's backups in their order; checkpoints are ordered later.
            backups: self
                .checkpoints
                .values()
                .flat_map(|c| c.backups.iter().filter_map(|id| self.backups.shared(id)))
                .cloned()
                .collect(),
            servers: self.servers.values().cloned().collect(),
            meta: self.meta(),
        }
    }
    /// A project holding `state`'s records, its indexes rebuilt; backups of one checkpoint
    /// share it again.
    pub fn restore(state: ProjectState) -> Project {
        let mut project = Project::new(&state.id);
        for policy in state.policies {
            let bytes = policy.stored_bytes();
            let _absent = project.put_policy(policy, bytes);
        }
        let mut backups = state.backups.into_iter().peekable();
        while let Some(first) = backups.next() {
            let info = first.checkpoint.clone();
            let mut group = vec![first];
            while let Some(next) = backups.next_if(|b| b.checkpoint.id == info.id) {
                group.push(next);
            }
            for backup in &mut group {
                backup.checkpoint = info.clone();
                if backup.life.delete.is_some() {
                    project.deleting.push(backup.id);
                }
            }
            project.add_checkpoint(info, group);
        }
        for server in state.servers {
            project.servers.insert(server.id.clone(), Arc::new(server));
        }
        project.scheduled_until = state.schedules.into_iter().collect();
        project.restoring_servers = state.restoring_servers.into_iter().collect();
        project.plan_next_run();
        project
    }
}

//! What the run knows about the target: its project, its servers, and the objects it found or
//! created. Replayed examples take their ids from here, so a replay hits real objects.

use serde_json::Value;

/// One thing a request can need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fact {
    ProjectId,
    /// A unique name for what this run creates (policies, backups): `csbs-conformance-1a2b3c4d`.
    RunName,
    /// The n-th server (n: the position in the example's innermost array).
    Server,
    PolicyId,
    ScheduledOperationId,
    /// The n-th server of the policy.
    PolicyResource,
    BackupId,
    BackupCheckpointId,
    BackupServerId,
    /// The n-th disk backup of the backup, and the disk it was made of.
    VolumeBackupId,
    SourceVolumeId,
    CbrCheckpointId,
}

impl Fact {
    /// What the fact is, for "needs …" messages.
    fn describe(self) -> &'static str {
        match self {
            Fact::ProjectId => "the project id",
            Fact::RunName => "a run name",
            Fact::Server => "a server to back up (--server-id)",
            Fact::PolicyId | Fact::ScheduledOperationId => "a backup policy",
            Fact::PolicyResource => "a backup policy with servers",
            Fact::BackupId | Fact::BackupCheckpointId | Fact::BackupServerId => "a backup",
            Fact::VolumeBackupId | Fact::SourceVolumeId => "a backup with a disk backup",
            Fact::CbrCheckpointId => "a CBR restore point (found through the CBR backup list)",
        }
    }
}

/// A policy seen on the target.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyFact {
    pub id: String,
    pub scheduled_operation_id: Option<String>,
    /// Its servers.
    pub resources: Vec<String>,
    pub created: bool,
}

/// A backup (checkpoint item) seen on the target.
#[derive(Clone, Debug, PartialEq)]
pub struct BackupFact {
    pub id: String,
    pub checkpoint_id: String,
    pub server_id: Option<String>,
    /// `(disk backup id, source volume id)`.
    pub volumes: Vec<(String, String)>,
    pub created: bool,
}

/// Everything known, newest last.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub project_id: String,
    pub run_name: String,
    pub servers: Vec<String>,
    /// A server of the second project (`--other-server-id`), for `project_isolation`.
    pub other_server: Option<String>,
    pub policies: Vec<PolicyFact>,
    pub backups: Vec<BackupFact>,
    pub cbr_checkpoints: Vec<String>,
}

impl Facts {
    /// The value of `fact`; `index` picks among servers; `created_only` restricts objects to
    /// those this run created (a mutation never touches anything else).
    pub fn resolve(&self, fact: Fact, index: usize, created_only: bool) -> Result<String, String> {
        // The run's own objects first (they are the ones it knows most about), then any.
        let policy = || newest(&self.policies, |p| p.created, created_only);
        let backup = || newest(&self.backups, |b| b.created, created_only);
        let volume = || backup().and_then(|b| b.volumes.get(index));
        let found = match fact {
            Fact::ProjectId => Some(self.project_id.clone()),
            Fact::RunName => Some(self.run_name.clone()),
            Fact::Server => self.servers.get(index).cloned(),
            Fact::PolicyId => policy().map(|p| p.id.clone()),
            Fact::ScheduledOperationId => policy().and_then(|p| p.scheduled_operation_id.clone()),
            Fact::PolicyResource => policy().and_then(|p| p.resources.get(index).cloned()),
            Fact::BackupId => backup().map(|b| b.id.clone()),
            Fact::BackupCheckpointId => backup().map(|b| b.checkpoint_id.clone()),
            Fact::BackupServerId => backup().and_then(|b| b.server_id.clone()),
            Fact::VolumeBackupId => volume().map(|v| v.0.clone()),
            Fact::SourceVolumeId => volume().map(|v| v.1.clone()),
            Fact::CbrCheckpointId => self.cbr_checkpoints.last().cloned(),
        };
        found.ok_or_else(|| match fact {
            Fact::Server => format!("needs {} servers to back up: pass --server-id {} times", index + 1, index + 1),
            _ if created_only => format!(
                "needs {} that this run created (mutations only touch the run's own objects)",
                fact.describe()
            ),
            _ => format!(
                "needs {}: none was found on the endpoint (with --allow-mutations the run creates one)",
                fact.describe()
            ),
        })
    }

    /// How many values a list fact has (the disks of the current backup): a request maps
    /// every disk, however many the example shows. `None` for single facts.
    pub fn count(&self, fact: Fact, created_only: bool) -> Option<usize> {
        match fact {
            Fact::PolicyResource => {
                newest(&self.policies, |p| p.created, created_only).map(|p| p.resources.len())
            }
            Fact::VolumeBackupId | Fact::SourceVolumeId => {
                newest(&self.backups, |b| b.created, created_only).map(|b| b.volumes.len())
            }
            _ => None,
        }
    }

    /// Learns a policy from a response body (`policy` object); keeps the created flag.
    pub fn learn_policy(&mut self, policy: &Value, created: bool) {
        let Some(id) = str_at(policy, "/id") else { return };
        let scheduled_operation_id = str_at(policy, "/scheduled_operations/0/id");
        let resources: Vec<String> = policy
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| str_at(r, "/id"))
            .collect();
        match self.policies.iter_mut().find(|p| p.id == id) {
            Some(known) => {
                known.created |= created;
                known.scheduled_operation_id =
                    scheduled_operation_id.or(known.scheduled_operation_id.take());
                if policy.get("resources").is_some() {
                    known.resources = resources;
                }
            }
            None => {
                self.policies.push(PolicyFact { id, scheduled_operation_id, resources, created })
            }
        }
    }

    /// Learns a backup from a response body (`checkpoint_item` object).
    pub fn learn_backup(&mut self, item: &Value, created: bool) {
        let (Some(id), Some(checkpoint_id)) = (str_at(item, "/id"), str_at(item, "/checkpoint_id"))
        else {
            return;
        };
        let volumes = item
            .pointer("/extend_info/volume_backups")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| Some((str_at(v, "/id")?, str_at(v, "/source_volume_id")?)))
            .collect();
        let fact = BackupFact {
            id,
            checkpoint_id,
            server_id: str_at(item, "/resource_id"),
            volumes,
            created,
        };
        match self.backups.iter_mut().find(|b| b.id == fact.id) {
            Some(known) => {
                let created = known.created || created;
                *known = BackupFact { created, ..fact };
            }
            None => self.backups.push(fact),
        }
    }

    pub fn learn_cbr_checkpoint(&mut self, id: &str) {
        if !self.cbr_checkpoints.iter().any(|c| c == id) {
            self.cbr_checkpoints.push(id.to_owned());
        }
    }

    pub fn forget_policy(&mut self, id: &str) {
        self.policies.retain(|p| p.id != id);
    }

    /// Forgets one backup, or every backup of a checkpoint.
    pub fn forget_backups(&mut self, checkpoint_id: &str, item: Option<&str>) {
        self.backups.retain(|b| match item {
            Some(item) => b.id != item,
            None => b.checkpoint_id != checkpoint_id,
        });
    }
}

fn newest<T>(items: &[T], created: impl Fn(&T) -> bool, created_only: bool) -> Option<&T> {
    items.iter().rev().find(|i| created(i)).or(if created_only { None } else { items.last() })
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mutations_resolve_only_to_created_objects() {
        let mut facts = Facts::default();
        facts.learn_policy(&json!({"id": "found"}), false);
        assert_eq!(facts.resolve(Fact::PolicyId, 0, false), Ok("found".into()));
        assert!(facts.resolve(Fact::PolicyId, 0, true).unwrap_err().contains("this run created"));
        facts.learn_policy(&json!({"id": "mine", "scheduled_operations": [{"id": "op"}]}), true);
        facts.learn_policy(&json!({"id": "found"}), false);
        assert_eq!(facts.resolve(Fact::PolicyId, 0, true), Ok("mine".into()));
        assert_eq!(facts.resolve(Fact::ScheduledOperationId, 0, true), Ok("op".into()));
    }

    #[test]
    fn backups_carry_their_disks_and_are_forgotten_by_checkpoint() {
        let mut facts = Facts::default();
        let item = json!({"id": "b", "checkpoint_id": "c", "resource_id": "s",
            "extend_info": {"volume_backups": [{"id": "vb", "source_volume_id": "v"}]}});
        facts.learn_backup(&item, true);
        assert_eq!(facts.resolve(Fact::SourceVolumeId, 0, true), Ok("v".into()));
        facts.forget_backups("c", None);
        assert!(facts.resolve(Fact::BackupId, 0, false).is_err());
        assert!(facts.resolve(Fact::Server, 1, false).unwrap_err().contains("--server-id 2 times"));
    }
}

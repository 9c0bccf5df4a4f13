//! The query filters of backup lists and counts, as one predicate.
//!
//! CSBS: `name` and `resource_name` match parts of names (the list documents it; the count
//! uses "the same filters as listing"), the other filters match whole values, and times
//! bound `created_at`. CBR: every filter matches whole values; `own_type=shared`, `parent_id`
//! and `image_type=replication` match nothing, since the mock holds no shared backups, child
//! backups or replicas; `used_percent` compares a backup's size with a vault capacity of
//! [`VAULT_CAPACITY_GB`]; `dec`, `member_status` and `show_replication` change nothing.

use super::call::Call;
use crate::clock::{self, Micros};
use crate::state::Backup;
use uuid::Uuid;

/// Capacity the mock gives every vault, for `used_percent`.
pub const VAULT_CAPACITY_GB: u64 = 100;

#[derive(Default)]
pub struct BackupFilter<'a> {
    statuses: Vec<&'a str>,
    name: Option<(&'a str, bool)>,
    resource_name: Option<(&'a str, bool)>,
    az: Option<&'a str>,
    resource_id: Option<&'a str>,
    resource_type: Option<&'a str>,
    image_type: Option<&'a str>,
    policy_id: Option<&'a str>,
    /// `Some(None)`: a checkpoint ID that is no UUID, so matches nothing.
    checkpoint_id: Option<Option<Uuid>>,
    vault_id: Option<&'a str>,
    start: Option<Micros>,
    end: Option<Micros>,
    incremental: Option<bool>,
    min_percent: Option<u64>,
    /// A filter no stored backup can match (an IP, a parent, another enterprise project).
    nothing: bool,
}

fn bound(call: &Call<'_>, name: &str) -> Option<Micros> {
    call.query_str(name).map(|t| clock::filter_bound(t).unwrap_or(Micros::MIN))
}

fn checkpoint(call: &Call<'_>) -> Option<Option<Uuid>> {
    call.query_str("checkpoint_id").map(|c| Uuid::parse_str(c).ok())
}

impl<'a> BackupFilter<'a> {
    /// The filters of `listBackups` and `countBackups`.
    pub fn csbs(call: &'a Call<'a>) -> BackupFilter<'a> {
        BackupFilter {
            statuses: call.query_strs("status"),
            name: call.query_str("name").map(|n| (n, false)),
            resource_name: call.query_str("resource_name").map(|n| (n, false)),
            az: call.query_str("az"),
            resource_id: call.query_str("resource_id"),
            resource_type: call.query_str("resource_type"),
            image_type: call.query_str("image_type"),
            policy_id: call.query_str("policy_id"),
            checkpoint_id: checkpoint(call),
            start: bound(call, "start_time"),
            end: bound(call, "end_time"),
            nothing: call.query_str("ip").is_some(),
            ..BackupFilter::default()
        }
    }

    /// The filters of `listCbrBackups`.
    pub fn cbr(call: &'a Call<'a>) -> BackupFilter<'a> {
        let enterprise = call.query_str("enterprise_project_id");
        BackupFilter {
            statuses: call.query_strs("status"),
            name: call.query_str("name").map(|n| (n, true)),
            resource_name: call.query_str("resource_name").map(|n| (n, true)),
            az: call.query_str("resource_az"),
            resource_id: call.query_str("resource_id"),
            resource_type: call.query_str("resource_type"),
            image_type: call.query_str("image_type"),
            checkpoint_id: checkpoint(call),
            vault_id: call.query_str("vault_id"),
            start: bound(call, "start_time"),
            end: bound(call, "end_time"),
            incremental: call.query_bool("incremental"),
            min_percent: call.query_str("used_percent").and_then(|p| p.parse().ok()),
            nothing: call.query_str("parent_id").is_some()
                || call.query_str("own_type") == Some("shared")
                || enterprise.is_some_and(|e| e != "0" && e != "all_granted_eps"),
            ..BackupFilter::default()
        }
    }

    pub fn matches(&self, b: &Backup, now: Micros) -> bool {
        let text = |wanted: Option<(&str, bool)>, actual: &str| {
            wanted.is_none_or(|(w, exact)| if exact { actual == w } else { actual.contains(w) })
        };
        let equal = |wanted: Option<&str>, actual: &str| wanted.is_none_or(|w| w == actual);
        !self.nothing
            && (self.statuses.is_empty() || self.statuses.contains(&b.status(now).as_str()))
            && text(self.name, &b.name)
            && text(self.resource_name, &b.server.name)
            && equal(self.az, &b.server.az)
            && equal(self.resource_id, &b.server.id)
            && equal(self.resource_type, &b.server.resource_type)
            && equal(self.image_type, "backup")
            && self.policy_id.is_none_or(|p| b.checkpoint.policy_id.as_deref() == Some(p))
            && self.checkpoint_id.is_none_or(|c| c == Some(b.checkpoint.id))
            && equal(self.vault_id, &b.checkpoint.vault.id)
            && self.start.is_none_or(|s| b.life.created_at >= s)
            && self.end.is_none_or(|e| b.life.created_at <= e)
            && self.incremental.is_none_or(|i| b.incremental == i)
            && self.min_percent.is_none_or(|p| b.size_gb() * 100 >= p * VAULT_CAPACITY_GB)
    }
}

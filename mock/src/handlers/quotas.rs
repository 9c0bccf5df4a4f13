//! Tag `quotas`: what the project's backups use against its quotas, and the check that new
//! backups fit (CSBS.9006). The capacity is the backups' sizes converted as the spec's
//! `x-usage` row says (`csbs_spec::behaviour::Usage::sum`).

use super::call::{Call, Reply};
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{read, Backup, Project};
use csbs_spec::behaviour::{usage, Usage};
use csbs_spec::operations::find_operation;
use csbs_types::codes::csbs::CSBS_9006;
use std::sync::OnceLock;

/// The quota type whose `used` is the backups' storage.
const CAPACITY: &str = "backup_capacity";

/// The `x-usage` row of the capacity, read once.
fn capacity_rule() -> &'static Usage {
    static RULE: OnceLock<Usage> = OnceLock::new();
    RULE.get_or_init(|| {
        let quotas = find_operation("showQuotas").expect("csbs-v1.yaml has showQuotas");
        let rows = usage(quotas);
        rows.into_iter()
            .find(|r| r.quota_type == CAPACITY)
            .expect("showQuotas' x-usage has a backup_capacity row")
    })
}

/// The capacity `mb` of backups use, in the quota's unit (GB, the total rounded up).
fn capacity_used(mb: u64) -> u64 {
    capacity_rule().sum([mb]).map_or(0, |s| s.used)
}

/// CSBS.9006 unless `new` backups fit in the project's quotas.
pub fn check_room(app: &App, project: &Project, new: &[Backup], now: i64) -> Result<(), ApiError> {
    check_fits(app, used(app, project, now), new)
}

/// What the project's backups use, `(backups, MB)`; `None` when no quota limits them (then
/// they are not counted).
pub fn used(app: &App, project: &Project, now: i64) -> Option<(u64, u64)> {
    let quotas = app.config.quotas;
    (quotas.backups >= 0 || quotas.backup_capacity_gb >= 0).then(|| project.usage(now))
}

/// CSBS.9006 unless `new` backups fit beside those that use `used` (see [`used`]).
pub fn check_fits(app: &App, used: Option<(u64, u64)>, new: &[Backup]) -> Result<(), ApiError> {
    let Some((count, mb)) = used else { return Ok(()) };
    let quotas = app.config.quotas;
    let new_mb: u64 = new.iter().map(|b| b.size_mb).sum();
    let over = |quota: i64, total: u64| quota >= 0 && total > quota.unsigned_abs();
    if over(quotas.backups, count + new.len() as u64) {
        return Err(ApiError::documented(CSBS_9006, &["backups"]));
    }
    if over(quotas.backup_capacity_gb, capacity_used(mb.saturating_add(new_mb))) {
        return Err(ApiError::documented(CSBS_9006, &[CAPACITY]));
    }
    Ok(())
}

/// `showQuotas`.
pub fn show(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let (count, mb) = read(&lock).usage(call.now);
    let quotas = app.config.quotas;
    let gb = capacity_used(mb);
    Ok(Reply::json(&serde_json::json!({"quotas": {"resources": [
        {"type": CAPACITY, "unit": "GB", "used": gb, "quota": quotas.backup_capacity_gb},
        {"type": "backups", "used": count, "quota": quotas.backups},
    ]}})))
}

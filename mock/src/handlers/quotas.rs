//! Tag `quotas`: what the project's backups use against its quotas, and the check that new
//! backups fit (CSBS.9006).

use super::call::{Call, Reply};
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{read, Backup, Project};
use csbs_types::codes::csbs::CSBS_9006;

/// CSBS.9006 unless `new` backups fit in the project's quotas.
pub fn check_room(app: &App, project: &Project, new: &[Backup], now: i64) -> Result<(), ApiError> {
    check_fits(app, used(app, project, now), new)
}

/// What the project's backups use, `(backups, GB)`; `None` when no quota limits them (then
/// they are not counted).
pub fn used(app: &App, project: &Project, now: i64) -> Option<(u64, u64)> {
    let quotas = app.config.quotas;
    (quotas.backups >= 0 || quotas.backup_capacity_gb >= 0).then(|| project.usage(now))
}

/// CSBS.9006 unless `new` backups fit beside those that use `used` (see [`used`]).
pub fn check_fits(app: &App, used: Option<(u64, u64)>, new: &[Backup]) -> Result<(), ApiError> {
    let Some((count, gb)) = used else { return Ok(()) };
    let quotas = app.config.quotas;
    let new_gb: u64 = new.iter().map(Backup::size_gb).sum();
    let over = |quota: i64, total: u64| quota >= 0 && total > quota.unsigned_abs();
    if over(quotas.backups, count + new.len() as u64) {
        return Err(ApiError::documented(CSBS_9006, &["backups"]));
    }
    if over(quotas.backup_capacity_gb, gb + new_gb) {
        return Err(ApiError::documented(CSBS_9006, &["backup_capacity"]));
    }
    Ok(())
}

/// `showQuotas`.
pub fn show(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let (count, gb) = read(&lock).usage(call.now);
    let quotas = app.config.quotas;
    Ok(Reply::json(&serde_json::json!({"quotas": {"resources": [
        {"type": "backup_capacity", "unit": "GB", "used": gb, "quota": quotas.backup_capacity_gb},
        {"type": "backups", "used": count, "quota": quotas.backups},
    ]}})))
}

//! Loading many backups at once, for scale measurements (not an HTTP endpoint, and hidden
//! from the documentation): policy-like runs of ten servers each over `servers` servers,
//! one microsecond apart, in one project.

use super::make::{new_backup, NewBackup};
use super::model::CheckpointInfo;
use super::store::Project;
use crate::clock::Micros;
use std::sync::Arc;
use uuid::Uuid;

/// Servers per bulk checkpoint.
const RUN_SIZE: usize = 10;

/// Adds `count` available backups of `servers` servers to `project`, the newest at `now`.
pub fn load(project: &mut Project, count: usize, servers: usize, now: Micros) {
    let servers = servers.max(1);
    let first = now - i64::try_from(count).unwrap_or(i64::MAX);
    let mut made = 0;
    while made < count {
        let created_at = first + i64::try_from(made).unwrap_or(0);
        let info = Arc::new(CheckpointInfo {
            id: Uuid::new_v4(),
            project_id: project.id.clone(),
            created_at,
            plan_id: format!("fake_{}", Uuid::new_v4()),
            plan_name: "bulk".to_owned(),
            policy_id: None,
            auto_trigger: false,
            vault: project.vault.clone(),
            retention_days: None,
        });
        let run = RUN_SIZE.min(count - made);
        let mut backups = Vec::with_capacity(run);
        for i in made..made + run {
            let server_id = format!("bulk-server-{:06}", i % servers);
            let name = format!("bulk_{i:07}");
            let how = NewBackup {
                name: Some(&name),
                description: None,
                incremental: i >= servers,
                now: created_at,
                protect_delay: 0,
            };
            backups.push(new_backup(project.server(&server_id, None), info.clone(), &how));
        }
        project.add_checkpoint(info, backups);
        made += run;
    }
}

/// A mock like [`crate::spawn`] whose project `project_id` already holds `count` backups of
/// `servers` servers.
pub async fn spawn_with_backups(
    config: crate::MockConfig,
    project_id: &str,
    count: usize,
    servers: usize,
) -> std::io::Result<crate::RunningMock> {
    crate::server::spawn_prepared(config, |app| {
        let lock = app.store.project(project_id);
        load(&mut super::store::change(&lock), count, servers, crate::clock::now());
    })
    .await
}

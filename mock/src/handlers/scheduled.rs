//! Policies running by themselves: before a request touches a project, the runs its
//! schedules made due since it was last looked at are made, at the times they fell due
//! (see `state/schedule.rs`). A run that cannot be made (a quota is full) is skipped, as a
//! failed run would leave no backup either.

use super::backups::run_policy;
use super::call::Call;
use crate::clock::Micros;
use crate::server::App;
use crate::state::{change, read, Project};
use std::sync::RwLock;

/// Makes the due runs of the projects `call` can see.
pub fn catch_up(app: &App, call: &Call<'_>) {
    if call.all_tenants {
        for lock in app.store.projects() {
            catch_up_project(app, &lock, call.now);
        }
    } else if !call.project_id().is_empty() {
        catch_up_project(app, &app.store.project(call.project_id()), call.now);
    }
}

fn catch_up_project(app: &App, lock: &RwLock<Project>, now: Micros) {
    if !read(lock).run_may_be_due(now) {
        return;
    }
    let mut project = change(lock);
    for (at, policy_id) in project.due_runs(now) {
        let Some(resources) = project.policies.get(&policy_id).map(|p| p.resources.clone()) else {
            continue;
        };
        let _skipped_when_full = run_policy(app, &mut project, &policy_id, &resources, true, at);
    }
    project.schedules_run_until(now);
}

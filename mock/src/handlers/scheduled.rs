//! Policies running by themselves: before a request touches a project, the runs its
//! schedules made due since it was last looked at are made, at the times they fell due
//! (see `state/schedule.rs`). A run that cannot be made (a quota is full) is skipped, as a
//! failed run would leave no backup either. Each run is stored with its schedule's record of
//! it (one transaction of the state file), so a restart never makes a kept run again.

use super::backups::{plan_run, run_off_lock};
use super::call::Call;
use crate::clock::Micros;
use crate::server::App;
use crate::state::{change, read, Project};
use csbs_types::operations::OperationId;
use std::sync::{PoisonError, RwLock, TryLockError};

/// Makes the due runs of the projects `call` can see.
///
/// The runs are made one at a time per project, each by [`run_off_lock`], so the project is
/// read while they are built. Requests that can see a run wait for a catch-up under way to
/// end; reads of policies alone (which no run changes) do not: they are answered meanwhile.
pub fn catch_up(app: &App, call: &Call<'_>, operation: OperationId) {
    let waits = !matches!(operation, OperationId::ShowPolicy | OperationId::ListPolicies);
    if call.all_tenants {
        for lock in app.store.projects() {
            catch_up_project(app, &lock, call.now, waits);
        }
    } else if !call.project_id().is_empty() {
        catch_up_project(app, &app.store.project(call.project_id()), call.now, waits);
    }
}

fn catch_up_project(app: &App, lock: &RwLock<Project>, now: Micros, waits: bool) {
    let turn = {
        let project = read(lock);
        if !project.run_may_be_due(now) {
            return;
        }
        project.catching_up.clone()
    };
    let _turn = match turn.try_lock() {
        Ok(turn) => turn,
        Err(TryLockError::Poisoned(turn)) => turn.into_inner(),
        Err(TryLockError::WouldBlock) if waits => {
            turn.lock().unwrap_or_else(PoisonError::into_inner)
        }
        Err(TryLockError::WouldBlock) => return,
    };
    // Another catch-up may have made the runs while this one waited for its turn.
    let due = {
        let project = read(lock);
        if !project.run_may_be_due(now) {
            return;
        }
        project.due_runs(now)
    };
    for (at, policy_id) in due {
        let _skipped_when_full = run_off_lock(app, lock, None, Some(&policy_id), |project| {
            let resources = project.policies.get(&policy_id).map(|p| &p.resources[..]);
            plan_run(app, project, &policy_id, resources.unwrap_or_default(), true, at)
        });
        app.config.hooks.scheduled_run_stored();
    }
    change(lock).schedules_run_until(now);
}

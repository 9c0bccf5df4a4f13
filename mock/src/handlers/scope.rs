//! The projects a request reads: its own, or every project for an admin's `all_tenants=true`.

use super::call::Call;
use crate::server::App;
use crate::state::{read, Project};
use std::sync::{Arc, RwLock};

/// Runs `f` with read access to the projects in scope.
pub fn read_scope<R>(app: &App, call: &Call<'_>, f: impl FnOnce(&[&Project]) -> R) -> R {
    let locks: Vec<Arc<RwLock<Project>>> = if call.all_tenants {
        app.store.projects()
    } else {
        vec![app.store.project(call.project_id())]
    };
    let guards: Vec<_> = locks.iter().map(|l| read(l)).collect();
    let projects: Vec<&Project> = guards.iter().map(|g| &**g).collect();
    f(&projects)
}

//! Points in the mock's work where a test runs code of its own, to see what the mock does
//! meanwhile (deterministically, where a test of timing would not be).

use std::fmt;
use std::sync::Arc;

/// Code a test runs at a chosen point; the mock waits for it to return.
pub type Hook = Arc<dyn Fn() + Send + Sync>;

/// Code a test runs at chosen points; none by default.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Runs while a policy run (`executePolicy`, or a schedule's) builds its backups, holding
    /// no lock of the project.
    pub run_unlocked: Option<Hook>,
    /// Runs while `createPolicy` or `updatePolicy` holds the new policy, built, checked and
    /// rendered, and no lock of the project yet (storing it comes next).
    pub policy_unlocked: Option<Hook>,
    /// Runs while a request's changes are written to the state file (`--state`): the rows are
    /// made and the file's writer is held; the transaction is written and committed next.
    pub state_writing: Option<Hook>,
    /// Runs after each run a schedule makes is stored (with a state file: committed there),
    /// before the catch-up goes on: where a crash once kept the run and lost the schedule's
    /// record of it.
    pub scheduled_run_stored: Option<Hook>,
    /// Runs while `GET /_mock/state` holds pointers to every project's records and no lock
    /// (copying and writing them come next).
    pub export_taken: Option<Hook>,
}

/// Runs a hook: off the runtime's worker, as a test's hook waits for the test.
fn call(hook: &Option<Hook>) {
    if let Some(hook) = hook {
        crate::blocking::off_worker(|| hook());
    }
}

impl Hooks {
    pub(crate) fn run_unlocked(&self) {
        call(&self.run_unlocked);
    }

    pub(crate) fn policy_unlocked(&self) {
        call(&self.policy_unlocked);
    }

    pub(crate) fn state_writing(&self) {
        call(&self.state_writing);
    }

    pub(crate) fn scheduled_run_stored(&self) {
        call(&self.scheduled_run_stored);
    }

    pub(crate) fn export_taken(&self) {
        call(&self.export_taken);
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("run_unlocked", &self.run_unlocked.is_some())
            .field("policy_unlocked", &self.policy_unlocked.is_some())
            .field("state_writing", &self.state_writing.is_some())
            .field("scheduled_run_stored", &self.scheduled_run_stored.is_some())
            .field("export_taken", &self.export_taken.is_some())
            .finish()
    }
}

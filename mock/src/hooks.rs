//! Points in the mock's work where a test runs code of its own, to see what the mock does
//! meanwhile (deterministically, where a test of timing would not be).

use std::fmt;
use std::sync::Arc;

/// Code a test runs at chosen points; none by default.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Runs while a policy run (`executePolicy`) builds its backups, holding no lock of the
    /// project; the run waits for it to return.
    pub run_unlocked: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Hooks {
    pub(crate) fn run_unlocked(&self) {
        if let Some(hook) = &self.run_unlocked {
            hook();
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks").field("run_unlocked", &self.run_unlocked.is_some()).finish()
    }
}

//! What changed in the state since the state file was last written: each mutation of a
//! project names the record it touched, and the next write reads the records' values as they
//! are then (so a record changed twice is written once). Only kept with a state file.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// A record of a project that changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    Policy(String),
    Backup(Uuid),
    Server(String),
    /// The project's own bookkeeping (schedules, servers being restored).
    Project,
    /// The project was emptied: every record of it before this change is gone.
    Reset,
}

/// A changed record and its project.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    pub project: Arc<str>,
    pub record: Record,
}

/// Changes not yet written, and how many were ever recorded (a sequence number: a request
/// is kept once the writes have reached the number it saw after its own changes).
#[derive(Debug, Default)]
pub struct ChangeLog {
    pending: Mutex<Vec<Change>>,
    recorded: AtomicU64,
}

impl ChangeLog {
    /// Records a change; its sequence number.
    pub fn record(&self, project: &Arc<str>, record: Record) -> u64 {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.push(Change { project: project.clone(), record });
        self.recorded.fetch_add(1, Ordering::Release) + 1
    }

    /// Records many changes of one project at once (a policy run's tens of thousands), taking
    /// the log's lock once; the sequence number of the last.
    pub fn record_all(&self, project: &Arc<str>, records: impl Iterator<Item = Record>) -> u64 {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let before = pending.len();
        pending.extend(records.map(|record| Change { project: project.clone(), record }));
        let added = (pending.len() - before) as u64;
        self.recorded.fetch_add(added, Ordering::Release) + added
    }

    /// How many changes were ever recorded.
    pub fn recorded(&self) -> u64 {
        self.recorded.load(Ordering::Acquire)
    }

    /// The changes not yet taken, and the sequence number they reach.
    pub fn take(&self) -> (Vec<Change>, u64) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut *pending), self.recorded.load(Ordering::Acquire))
    }
}

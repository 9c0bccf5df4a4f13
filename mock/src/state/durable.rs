//! Keeping the state in a file: after a request, the records it changed are written (one
//! transaction, committed before the answer leaves); on start the file's records are read
//! back. The file format is the backend's (`sqlite.rs`, feature `state-file`); this module
//! only knows rows of the records' JSON (`snapshot.rs`).
//!
//! Writes are grouped: a request whose changes another request's write already took waits
//! for that write to commit (one lock), then answers; no change is answered before it is
//! committed. Each change has a sequence number ([`ChangeLog`]); a request waits only up to
//! the latest change of what it read or changed, so a big write of one project (a policy run's
//! 100,000 rows) does not hold up the requests of the others.

use super::changes::{Change, ChangeLog, Record};
use super::snapshot::Snapshot;
use crate::clock::Micros;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use uuid::Uuid;

/// One record's row: its JSON, or `None` when the record is gone.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Policy {
        project: Arc<str>,
        id: String,
        json: Option<String>,
    },
    /// `order`: the checkpoint's time and ID and the backup's place in it.
    Backup {
        project: Arc<str>,
        id: Uuid,
        order: (Micros, Uuid, usize),
        json: Option<String>,
    },
    Server {
        project: Arc<str>,
        id: String,
        json: Option<String>,
    },
    /// The project's bookkeeping (`ProjectMeta`).
    Project {
        project: Arc<str>,
        json: String,
    },
    /// Every row of the project goes.
    Reset {
        project: Arc<str>,
    },
}

/// What one transaction writes, in order.
#[derive(Debug, Default)]
pub struct Batch {
    /// Everything in the file goes first (an import).
    pub replace_all: bool,
    pub clock_offset: Option<Micros>,
    pub rows: Vec<Row>,
}

/// A file the state is kept in.
pub trait Backend: Send {
    /// Writes the batch in one transaction, durable when this returns `Ok`.
    fn write(&mut self, batch: &Batch) -> Result<(), String>;
    /// The state the file holds; `None` for a new file.
    fn load(&mut self) -> Result<Option<Snapshot>, String>;
}

/// The state file of a store, and what is not yet written to it.
pub struct Durable {
    pub log: Arc<ChangeLog>,
    pub writer: Mutex<Box<dyn Backend>>,
    /// The change sequence number the file has reached.
    committed: AtomicU64,
    /// Why the last write failed, if it did (then every later write is refused).
    failure: Mutex<Option<String>>,
}

impl Durable {
    pub fn new(backend: Box<dyn Backend>) -> Durable {
        Durable {
            log: Arc::default(),
            writer: Mutex::new(backend),
            committed: AtomicU64::new(0),
            failure: Mutex::new(None),
        }
    }

    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// True when every change up to the sequence number `upto` is committed.
    pub fn reached(&self, upto: u64) -> bool {
        self.committed.load(Ordering::Acquire) >= upto
    }

    /// Writes what changed: `rows_of` turns the pending changes into rows (reading the
    /// records as they are now). Returns once the changes up to the sequence number `target`
    /// are committed, or with why they could not be; at once if they already are (a write
    /// under way of later changes is not waited for).
    pub fn commit(
        &self,
        target: u64,
        rows_of: impl FnOnce(Vec<Change>) -> Vec<Row>,
    ) -> Result<(), String> {
        if self.committed.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(failure) = self.failure() {
            return Err(failure);
        }
        if self.committed.load(Ordering::Acquire) >= target {
            return Ok(());
        }
        let (changes, upto) = self.log.take();
        let batch = Batch { rows: rows_of(changes), ..Batch::default() };
        self.write_locked(&mut **writer, &batch, upto)
    }

    /// Writes `batch` with the writer held, and records that the file reached `upto`.
    pub fn write_locked(
        &self,
        writer: &mut dyn Backend,
        batch: &Batch,
        upto: u64,
    ) -> Result<(), String> {
        match writer.write(batch) {
            Ok(()) => {
                self.committed.fetch_max(upto, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                let message = format!("the state file could not be written: {e}");
                *self.failure.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(message.clone());
                Err(message)
            }
        }
    }
}

/// The changes in order, each record once (its last mention; a reset keeps its place, as the
/// records written after it must follow it).
pub fn distinct(changes: Vec<Change>) -> Vec<Change> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Change> = Vec::new();
    for change in changes.into_iter().rev() {
        if change.record == Record::Reset || seen.insert(change.clone()) {
            out.push(change);
        }
    }
    out.reverse();
    out
}

//! The store's state as a whole: the clock, a project's reset, export and import, and
//! keeping it all in a state file (see `durable.rs`).

use super::changes::{Change, Record};
use super::check::{check_named, Naming};
use super::durable::{distinct, Backend, Batch, Durable, Row};
use super::model::Backup;
use super::snapshot::{Snapshot, FORMAT};
use super::store::{change, read, write, Project, Store};
use crate::clock::Micros;
use foldhash::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};
use uuid::Uuid;

impl Store {
    /// A store kept in `backend` (restored from it when it holds a state); the second value
    /// is false for a new file. The state read is checked as an import is (`max_offset`: the
    /// largest clock offset, see [`check_named`]): a file edited into values the store cannot
    /// keep is refused, naming the table, row, field, rule and value.
    pub fn durable(
        mut backend: Box<dyn Backend>,
        max_offset: Micros,
    ) -> Result<(Store, bool), String> {
        let saved = backend.load()?;
        if let Some(snapshot) = &saved {
            check_named(snapshot, max_offset, Naming::StateFile)?;
        }
        let durable = Durable::new(backend);
        let store = Store { durable: Some(durable), ..Store::default() };
        let found = saved.is_some();
        if let Some(snapshot) = saved {
            store.replace(snapshot, false);
        }
        Ok((store, found))
    }

    pub fn clock_offset(&self) -> Micros {
        self.clock_offset.load(Ordering::Acquire)
    }

    /// Moves the clock forward by `by` microseconds, kept in the state file; refused (the
    /// clock unmoved) when the offset would pass `max_offset`, the one that puts the clock at
    /// [`crate::clock::MAX_TIME`].
    pub fn advance_clock(&self, by: Micros, max_offset: Micros) -> Result<(), ClockError> {
        self.clock_offset
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |offset| {
                offset.checked_add(by).filter(|o| *o <= max_offset)
            })
            .map_err(|offset| ClockError::BeyondMax { left: max_offset.saturating_sub(offset) })?;
        let Some(durable) = &self.durable else { return Ok(()) };
        let mut writer = durable.writer.lock().unwrap_or_else(PoisonError::into_inner);
        // Read under the writer's lock, so that the last write holds the latest value.
        let batch = Batch { clock_offset: Some(self.clock_offset()), ..Batch::default() };
        durable.write_locked(&mut **writer, &batch, 0).map_err(ClockError::NotKept)
    }

    /// Where the state is kept, and whether keeping it failed.
    pub fn storage(&self) -> Storage {
        match &self.durable {
            None => Storage { kind: "memory", failure: None },
            Some(d) => Storage { kind: "file", failure: d.failure() },
        }
    }

    /// How far the state file must reach before a request that read or changed `project`
    /// (every project: `None`) is answered: the sequence number of the latest change it could
    /// have seen (0 without a state file). Read after the request's work.
    pub fn seen_upto(&self, project: Option<&str>) -> u64 {
        let Some(durable) = &self.durable else { return 0 };
        let found = project.map(|id| read(&self.projects).get(id).cloned());
        match found {
            None => durable.log.recorded(),
            // A project not made yet holds nothing to wait for.
            Some(found) => found.map_or(0, |lock| read(&lock).last_change()),
        }
    }

    /// True when the state file holds every change up to `upto` (see [`Store::seen_upto`]).
    pub fn is_kept_upto(&self, upto: u64) -> bool {
        self.durable.as_ref().is_none_or(|d| d.reached(upto))
    }

    /// Writes what changed to the state file, if there is one; returns once it is committed.
    pub fn persist(&self) -> Result<(), String> {
        match &self.durable {
            Some(durable) => self.persist_upto(durable.log.recorded(), || {}),
            None => Ok(()),
        }
    }

    /// Writes what changed to the state file, if there is one, and returns once the changes
    /// up to `upto` are committed: a write under way of later changes (of other projects) is
    /// not waited for. `writing` runs with the writer held, the rows made, before they are
    /// written (a test's hook).
    pub fn persist_upto(&self, upto: u64, writing: impl FnOnce()) -> Result<(), String> {
        match &self.durable {
            Some(durable) => durable.commit(upto, |c| {
                let rows = self.rows_of(c);
                writing();
                rows
            }),
            None => Ok(()),
        }
    }

    /// Writes a change of the project behind `lock` to the state file before it is made in
    /// memory, so that readers of the project never wait for its commit: `rows` (the change's
    /// own records) and `more(&project)` (rows of records the project holds, read with the
    /// writer held) follow every change pending, in one transaction. Written only if the
    /// project is still the store's and unchanged since `generation` (else `Ok(false)`, the
    /// pending changes written all the same): the caller then makes the change the usual way.
    /// `writing` runs with the writer held, the rows made (a test's hook).
    pub fn write_first(
        &self,
        lock: &RwLock<Project>,
        generation: u64,
        mut rows: Vec<Row>,
        more: impl FnOnce(&Project) -> Vec<Row>,
        writing: impl FnOnce(),
    ) -> Result<bool, String> {
        let Some(durable) = &self.durable else { return Ok(false) };
        let mut writer = durable.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(failure) = durable.failure() {
            return Err(failure);
        }
        // Taken before the project is checked: a reset recorded after this take replaced the
        // project before (the check sees it) or comes in a later write (it empties the run).
        let (changes, upto) = durable.log.take();
        let mine = {
            let project = read(lock);
            let current = read(&self.projects)
                .get(&*project.id)
                .is_some_and(|found| std::ptr::eq(Arc::as_ptr(found), lock));
            (current && project.generation == generation).then(|| more(&project))
        };
        if mine.is_none() && changes.is_empty() {
            return Ok(false);
        }
        let mut batch = Batch { rows: self.rows_of(changes), ..Batch::default() };
        let written = mine.is_some();
        if let Some(mine) = mine {
            batch.rows.append(&mut rows);
            batch.rows.extend(mine);
            writing();
        }
        durable.write_locked(&mut **writer, &batch, upto).map(|()| written)
    }

    /// True when the store is kept in a state file.
    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    /// Empties a project (kept in the state file).
    pub fn reset_project(&self, id: &str) -> Result<(), String> {
        let fresh = Arc::new(RwLock::new(self.new_project(Project::new(id))));
        let old = {
            // Locked until its reset is recorded: a request reading it waits for that write.
            let locked = write(&fresh);
            let old = write(&self.projects).insert(id.to_owned(), fresh.clone());
            locked.changed(Record::Reset);
            old
        };
        if let Some(old) = old {
            // Requests still holding the old project change it no more in the file, and work
            // planned on it (a run written first, see `write_first`) sees that it changed.
            change(&old).log = None;
        }
        self.persist()
    }

    /// Every project's records, and the clock; each project's lock is held only while
    /// pointers to its records are taken (see [`Project::copy`]); `taken` runs once all are
    /// (a test's hook), before the records are copied. Projects holding nothing are left out:
    /// an empty project answers as one never used, and the state file keeps no row of it, so
    /// the export reads the same after a restart.
    pub fn export(&self, taken: impl FnOnce()) -> Snapshot {
        let clock_offset_us = self.clock_offset();
        // Each lock is released at once.
        let copies: Vec<_> = self.projects().iter().map(|p| read(p).copy()).collect();
        taken();
        Snapshot {
            format: FORMAT.to_owned(),
            clock_offset_us,
            projects: copies
                .into_iter()
                .map(|c| c.into_state())
                .filter(|p| !p.is_empty())
                .collect(),
        }
    }

    /// Replaces the whole state with `snapshot` (kept in the state file, which holds exactly
    /// it afterwards).
    pub fn import(&self, snapshot: Snapshot) -> Result<(), String> {
        snapshot.check_format()?;
        let Some(durable) = &self.durable else {
            self.replace(snapshot, false);
            return Ok(());
        };
        let mut writer = durable.writer.lock().unwrap_or_else(PoisonError::into_inner);
        self.replace(snapshot, true);
        let (_, upto) = durable.log.take();
        let mut batch = Batch {
            replace_all: true,
            clock_offset: Some(self.clock_offset()),
            ..Batch::default()
        };
        for lock in self.projects() {
            let project = read(&lock);
            rows_of_project(&project, &mut batch.rows);
        }
        durable.write_locked(&mut **writer, &batch, upto)
    }

    /// Puts `snapshot` in place of the state; `unwritten`: the state file does not hold it yet
    /// (an import), so each project gets a change that its write will reach, and a request
    /// that reads it waits for that write.
    fn replace(&self, snapshot: Snapshot, unwritten: bool) {
        let projects: HashMap<String, Arc<RwLock<Project>>> = snapshot
            .projects
            .into_iter()
            .map(|state| {
                let project = self.new_project(Project::restore(state));
                if unwritten {
                    project.changed(Record::Project);
                }
                (project.id.to_string(), Arc::new(RwLock::new(project)))
            })
            .collect();
        let old = std::mem::replace(&mut *write(&self.projects), projects);
        for lock in old.values() {
            change(lock).log = None;
        }
        self.clock_offset.store(snapshot.clock_offset_us, Ordering::Release);
    }

    /// The rows of changed records, read as they are now.
    fn rows_of(&self, changes: Vec<Change>) -> Vec<Row> {
        let mut rows = Vec::with_capacity(changes.len());
        let mut current: Option<(Arc<str>, Arc<RwLock<Project>>)> = None;
        for Change { project: id, record } in distinct(changes) {
            if current.as_ref().is_none_or(|(c, _)| *c != id) {
                // The map is locked only to look the project up: a request making a new
                // project is not held up by a big write.
                let Some(lock) = read(&self.projects).get(&*id).cloned() else { continue };
                current = Some((id.clone(), lock));
            }
            let Some((_, lock)) = &current else { continue };
            rows.push(read(lock).row_of(record));
        }
        rows
    }
}

/// Every row of a project (an import writes them all).
fn rows_of_project(project: &Project, rows: &mut Vec<Row>) {
    rows.push(project.row_of(Record::Reset));
    rows.push(project.row_of(Record::Project));
    rows.extend(project.policies.keys().map(|id| project.row_of(Record::Policy(id.clone()))));
    rows.extend(project.servers.keys().map(|id| project.row_of(Record::Server(id.clone()))));
    rows.extend(project.ordered_backups().iter().map(|b| project.row_of(Record::Backup(b.id))));
}

impl Project {
    /// The row of a record as it is now.
    fn row_of(&self, record: Record) -> Row {
        let project = self.id.clone();
        match record {
            Record::Policy(id) => {
                let json = json(self.policies.get(&id).map(|p| &**p));
                Row::Policy { project, id, json }
            }
            Record::Server(id) => {
                let json = json(self.servers.get(&id).map(|s| &**s));
                Row::Server { project, id, json }
            }
            Record::Backup(id) => match self.backups.get(&id) {
                Some(backup) => self.backup_row(backup),
                None => Row::Backup { project, id, order: (0, Uuid::nil(), 0), json: None },
            },
            Record::Project => {
                Row::Project { project, json: json(Some(&self.meta())).unwrap_or_default() }
            }
            Record::Reset => Row::Reset { project },
        }
    }

    /// The row of `backup`, one of the project's (as it is now, or as a change will leave it),
    /// in its place in its checkpoint.
    pub(super) fn backup_row(&self, backup: &Backup) -> Row {
        let info = &backup.checkpoint;
        let place = self
            .checkpoints
            .get(&info.id)
            .and_then(|c| c.backups.iter().position(|x| *x == backup.id));
        Row::Backup {
            project: self.id.clone(),
            id: backup.id,
            order: (info.created_at, info.id, place.unwrap_or(0)),
            json: json(Some(backup)),
        }
    }
}

/// JSON of a record; serializing the model cannot fail (its maps have string keys).
pub(super) fn json<T: serde::Serialize>(record: Option<&T>) -> Option<String> {
    record.map(|r| serde_json::to_string(r).unwrap_or_default())
}

/// Why the clock did not move (or moved only in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockError {
    /// The advance would take the clock past [`crate::clock::MAX_TIME`]; `left` microseconds
    /// remain until it (the clock is unmoved).
    BeyondMax { left: Micros },
    /// The state file could not keep the new offset (the clock moved in memory).
    NotKept(String),
}

/// Where the state is kept (`memory` or `file`), and why keeping it failed, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    pub kind: &'static str,
    pub failure: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::durable::Backend;

    /// A state file in memory: how many rows each write held.
    struct Memory(Arc<std::sync::Mutex<Vec<usize>>>);

    impl Backend for Memory {
        fn write(&mut self, batch: &Batch) -> Result<(), String> {
            self.0.lock().unwrap().push(batch.rows.len());
            Ok(())
        }
        fn load(&mut self) -> Result<Option<Snapshot>, String> {
            Ok(None)
        }
    }

    #[test]
    fn a_request_waits_for_its_projects_changes_only() {
        let writes = Arc::default();
        let (store, _) = Store::durable(Box::new(Memory(Arc::clone(&writes))), 0).unwrap();
        assert_eq!(store.seen_upto(Some("a")), 0, "a project not made yet holds nothing");
        read(&store.project("a")).changed(Record::Project);
        let a = store.seen_upto(Some("a"));
        assert!(a > 0 && !store.is_kept_upto(a));
        assert_eq!(store.seen_upto(Some("b")), 0, "b is not held up by a's change");
        read(&store.project("b")).changed(Record::Project);
        let b = store.seen_upto(Some("b"));
        assert!(b > a);
        assert_eq!(store.seen_upto(None), b, "every project: every change");
        store.persist_upto(a, || {}).unwrap();
        assert!(store.is_kept_upto(b), "one write took every change pending");
        assert_eq!(*writes.lock().unwrap(), vec![2]);

        store.reset_project("a").unwrap();
        let reset = store.seen_upto(Some("a"));
        assert!(reset > b && store.is_kept_upto(reset), "a read after the reset waits for it");
        // An export leaves out projects holding nothing: b holds a schedule's bookkeeping.
        write(&store.project("b")).scheduled_until.insert("policy".into(), 0);
        store.import(store.export(|| {})).unwrap();
        let imported = store.seen_upto(Some("b"));
        assert!(imported > reset, "an imported project's reads wait for the import's write");
        assert!(store.is_kept_upto(store.seen_upto(None)));
    }
}

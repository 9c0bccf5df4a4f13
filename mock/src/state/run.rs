//! A policy run as the store keeps it: its checkpoint with its backups, the deletions its
//! `max_backups` starts, and the schedule it was made for, stored at once. In memory only, or
//! recorded for the state file in one take of the change log ([`Project::add_run`]); or, with a
//! state file, written there first ([`Run::rows`], [`Project::run_rows`], `Store::write_first`)
//! and only then put in memory unrecorded ([`Project::insert_run`]), so that no reader of the
//! project waits for its commit.

use super::changes::Record;
use super::durable::Row;
use super::model::{Backup, CheckpointInfo};
use super::store::Project;
use crate::clock::Micros;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use uuid::Uuid;

/// What one policy run stores.
pub struct Run {
    pub info: Arc<CheckpointInfo>,
    /// Its backups, in their order in the checkpoint.
    pub backups: Vec<Backup>,
    /// Backups `max_backups` starts deleting (until `gone_at`).
    pub surplus: Vec<Uuid>,
    pub now: Micros,
    pub gone_at: Micros,
    /// The policy whose schedule made the run, due at `now`: its bookkeeping moves with the
    /// run, so that a crash cannot keep the run and forget that it was made.
    pub schedule: Option<String>,
}

impl Run {
    /// The records the run writes (to undo them when it is not stored after all).
    pub fn records(&self) -> Vec<Record> {
        let mut records: Vec<Record> = self.backups.iter().flat_map(written).collect();
        records.extend(self.surplus.iter().map(|id| Record::Backup(*id)));
        if self.schedule.is_some() {
            records.push(Record::Project);
        }
        records
    }

    /// The rows of the run's new backups and their servers (no lock needed: they are the
    /// run's own).
    pub fn rows(&self) -> Vec<Row> {
        let project = &self.info.project_id;
        let order = |place| (self.info.created_at, self.info.id, place);
        let mut rows = Vec::with_capacity(self.backups.len() * 2);
        for (place, b) in self.backups.iter().enumerate() {
            rows.push(Row::Backup {
                project: project.clone(),
                id: b.id,
                order: order(place),
                json: super::persist::json(Some(b)),
            });
            rows.push(Row::Server {
                project: project.clone(),
                id: b.server.id.clone(),
                json: super::persist::json(Some(&*b.server)),
            });
        }
        rows
    }
}

/// A new backup's records: itself and its server.
fn written(b: &Backup) -> [Record; 2] {
    [Record::Backup(b.id), Record::Server(b.server.id.clone())]
}

impl Project {
    /// Stores a run, recorded for the state file at once: one write holds all of it, so a
    /// crash keeps the whole run (and its schedule's bookkeeping) or none of it.
    pub fn add_run(&mut self, run: Run) {
        if let Some(log) = &self.log {
            let deleted = run.surplus.iter().map(|id| Record::Backup(*id));
            let kept = run.schedule.as_ref().map(|_| Record::Project);
            let records = run.backups.iter().flat_map(written).chain(deleted).chain(kept);
            let last = log.record_all(&self.id, records);
            self.last_change.fetch_max(last, Ordering::AcqRel);
        }
        self.insert_run(run);
    }

    /// Records `records` as changed (a run written to the state file but not stored: the
    /// next write puts back what memory holds).
    pub fn unwrite(&mut self, records: Vec<Record>) {
        if let Some(log) = &self.log {
            let last = log.record_all(&self.id, records.into_iter());
            self.last_change.fetch_max(last, Ordering::AcqRel);
        }
    }

    /// Stores a run without recording it (it is in the state file already, or there is none).
    pub fn insert_run(&mut self, run: Run) {
        let Run { info, backups, surplus, now, gone_at, schedule } = run;
        let ids = backups.iter().map(|b| b.id).collect();
        for backup in backups {
            self.insert_backup(backup);
        }
        self.insert_checkpoint(info, ids);
        for id in surplus {
            self.mark_deleting(id, now, gone_at);
        }
        if let Some(policy) = schedule {
            if let Some(until) = self.scheduled_until.get_mut(&policy) {
                *until = (*until).max(now);
                self.plan_next_run();
            }
        }
    }

    /// The rows of what a run changes in the records the project already holds, as
    /// [`Project::insert_run`] will leave them: the backups it starts deleting and the
    /// schedule's bookkeeping.
    pub fn run_rows(&self, run: &Run) -> Vec<Row> {
        let mut rows = Vec::with_capacity(run.surplus.len() + 1);
        for id in &run.surplus {
            if let Some(b) = self.backups.get(id).filter(|b| b.life.delete.is_none()) {
                let mut deleting = b.clone();
                deleting.life.delete = Some((run.now, run.gone_at));
                rows.push(self.backup_row(&deleting));
            }
        }
        if let Some(policy) = &run.schedule {
            let mut meta = self.meta();
            if let Some(until) = meta.schedules.get_mut(policy) {
                *until = (*until).max(run.now);
            }
            let json = super::persist::json(Some(&meta)).unwrap_or_default();
            rows.push(Row::Project { project: self.id.clone(), json });
        }
        rows
    }
}

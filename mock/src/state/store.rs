//! Projects and their records, each project behind its own lock.

use super::changes::{ChangeLog, Record};
use super::durable::Durable;
use super::lifecycle::Status;
use super::model::{Backup, CheckpointInfo, Policy, Server, Vault};
use super::rendered::RenderCache;
use super::run::Run;
use super::servers::{derived_server, name_uuid};
use super::table::Table;
use crate::clock::Micros;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use uuid::Uuid;

/// A checkpoint and the IDs of its backups.
#[derive(Clone, Debug)]
pub struct CheckpointEntry {
    pub info: Arc<CheckpointInfo>,
    pub backups: Vec<Uuid>,
}

/// Everything one project holds.
#[derive(Debug)]
pub struct Project {
    pub id: Arc<str>,
    pub vault: Arc<Vault>,
    /// Behind `Arc`s, as backups are (see `table.rs`): an export copies pointers.
    pub policies: HashMap<String, Arc<Policy>>,
    pub backups: Table<Backup>,
    pub checkpoints: HashMap<Uuid, CheckpointEntry>,
    /// Servers seen in backups or policies, newest knowledge.
    pub servers: HashMap<String, Arc<Server>>,
    /// The newest backup of each server (whether the next one can be incremental).
    last_backup: HashMap<String, Uuid>,
    /// Backups with a deletion under way, so that purging does not scan every backup.
    pub(super) deleting: Vec<Uuid>,
    /// Backups that expire, by the end of their retention, so that purging finds them at once.
    expiring: BTreeSet<(Micros, Uuid)>,
    /// Policies that may run by themselves, and the time up to which their runs are made
    /// (see `schedule.rs`).
    pub(super) scheduled_until: HashMap<String, Micros>,
    /// The earliest time a scheduled run is due (`Micros::MAX`: none).
    pub(super) next_scheduled_run: Micros,
    /// Servers being restored, and when their restoration ends (CSBS.6015 until then).
    pub(super) restoring_servers: HashMap<String, Micros>,
    /// Rendered views of settled backups.
    pub rendered: RenderCache,
    /// Every backup in the default list order, newest first (`(-created_at, id)`), so that a
    /// page of the default order is found without scanning the project.
    newest_first: BTreeSet<(Micros, Uuid)>,
    /// Where changes are recorded for the state file (none without one).
    pub(super) log: Option<Arc<ChangeLog>>,
    /// The sequence number (see [`ChangeLog`]) of the project's latest change: a request that
    /// read or changed the project is answered once the state file has reached it (changes of
    /// other projects it need not wait for). Set while the change is made, under the lock.
    pub(super) last_change: AtomicU64,
    /// Held while the project's due scheduled runs are made (see `handlers/scheduled.rs`):
    /// one catch-up at a time, which the requests that can see its runs wait for.
    pub catching_up: Arc<Mutex<()>>,
    /// How many times the project was locked to be changed (see [`change`]): work prepared
    /// without the lock (a policy run) is committed only if no change came in between.
    pub generation: u64,
    /// Bytes each policy takes in the state ([`Policy::stored_bytes`]), and their sum (what
    /// `limits.max_project_policy_bytes` bounds).
    policy_sizes: HashMap<String, u64>,
    pub policy_bytes: u64,
}

impl Project {
    pub fn new(id: &str) -> Project {
        let vault_id = name_uuid(&format!("vault/{id}"));
        let name = format!("vault-{}", &vault_id.simple().to_string()[..4]);
        Project {
            id: Arc::from(id),
            vault: Arc::new(Vault { id: vault_id.to_string(), name }),
            policies: HashMap::new(),
            backups: Table::default(),
            checkpoints: HashMap::new(),
            servers: HashMap::new(),
            last_backup: HashMap::new(),
            deleting: Vec::new(),
            restoring_servers: HashMap::new(),
            expiring: BTreeSet::new(),
            scheduled_until: HashMap::new(),
            next_scheduled_run: Micros::MAX,
            rendered: RenderCache::default(),
            newest_first: BTreeSet::new(),
            log: None,
            last_change: AtomicU64::new(0),
            catching_up: Arc::default(),
            generation: 0,
            policy_sizes: HashMap::new(),
            policy_bytes: 0,
        }
    }

    /// Records that `record` changed, for the state file.
    pub(super) fn changed(&self, record: Record) {
        if let Some(log) = &self.log {
            self.last_change.fetch_max(log.record(&self.id, record), Ordering::AcqRel);
        }
    }

    /// The sequence number of the project's latest change (0: none since the start).
    pub(super) fn last_change(&self) -> u64 {
        self.last_change.load(Ordering::Acquire)
    }

    /// True if the project, locked by [`change`], was changed by another request since work
    /// was prepared on its generation `seen` (under a read lock): the work must be checked
    /// again under this lock.
    pub fn changed_since(&self, seen: u64) -> bool {
        self.generation != seen + 1
    }

    /// Stores a policy (new, or replacing the one with its ID) that takes `bytes` in the state
    /// ([`Policy::stored_bytes`], counted by the caller, outside the lock); the one replaced
    /// is returned, to be dropped once the lock is released (a big one takes a while to free).
    #[must_use]
    pub fn put_policy(&mut self, policy: Policy, bytes: u64) -> Option<Arc<Policy>> {
        self.changed(Record::Policy(policy.id.clone()));
        let before = self.policy_sizes.insert(policy.id.clone(), bytes).unwrap_or(0);
        self.policy_bytes = (self.policy_bytes - before).saturating_add(bytes);
        self.policies.insert(policy.id.clone(), Arc::new(policy))
    }

    /// Removes a policy; `None` when there is none with this ID.
    pub fn remove_policy(&mut self, id: &str) -> Option<Arc<Policy>> {
        let removed = self.policies.remove(id)?;
        self.changed(Record::Policy(removed.id.clone()));
        self.policy_bytes -= self.policy_sizes.remove(id).unwrap_or(0);
        Some(removed)
    }

    /// Bytes the policy `id` takes in the state (0 for none).
    pub fn policy_size(&self, id: &str) -> u64 {
        self.policy_sizes.get(id).copied().unwrap_or(0)
    }

    /// Starts deleting a backup; it is `deleting` until `gone_at`.
    pub fn start_deletion(&mut self, id: Uuid, now: Micros, gone_at: Micros) {
        if self.mark_deleting(id, now, gone_at) {
            self.changed(Record::Backup(id));
        }
    }

    /// [`Project::start_deletion`] without recording the change; true if the backup was
    /// marked.
    pub(super) fn mark_deleting(&mut self, id: Uuid, now: Micros, gone_at: Micros) -> bool {
        let Some(b) = self.backups.get_mut(&id) else { return false };
        if b.life.delete.is_some() {
            return false;
        }
        b.life.delete = Some((now, gone_at));
        self.deleting.push(id);
        self.rendered.forget(id);
        true
    }

    /// Starts a restoration from a backup to a server; both are `restoring` until `ends`.
    pub fn start_restore(&mut self, id: Uuid, server_id: &str, now: Micros, ends: Micros) {
        if let Some(b) = self.backups.get_mut(&id) {
            b.life.restore = Some((now, ends));
            self.rendered.forget(id);
            self.changed(Record::Backup(id));
        }
        self.changed(Record::Project);
        self.restoring_servers.retain(|_, until| *until > now);
        if ends > now {
            self.restoring_servers.insert(server_id.to_owned(), ends);
        }
    }

    /// True while a restoration to the server is under way.
    pub fn server_restoring(&self, server_id: &str, now: Micros) -> bool {
        self.restoring_servers.get(server_id).is_some_and(|until| *until > now)
    }

    /// Drops backups whose deletion has completed or whose retention has ended, and
    /// checkpoints left empty.
    pub fn purge(&mut self, now: Micros) {
        let (mut gone, pending): (Vec<Uuid>, Vec<Uuid>) = self
            .deleting
            .iter()
            .partition(|id| self.backups.get(id).is_none_or(|b| b.status(now) == Status::Gone));
        self.deleting = pending;
        let still_kept = self.expiring.split_off(&(now.saturating_add(1), Uuid::nil()));
        gone.extend(
            std::mem::replace(&mut self.expiring, still_kept).into_iter().map(|(_, id)| id),
        );
        for id in gone {
            self.drop_backup(id);
        }
    }

    fn drop_backup(&mut self, id: Uuid) {
        let Some(backup) = self.backups.remove(&id) else { return };
        self.changed(Record::Backup(id));
        self.rendered.forget(id);
        self.newest_first.remove(&(backup.life.created_at.saturating_neg(), id));
        if let Some(at) = backup.life.expires_at {
            self.expiring.remove(&(at, id));
        }
        let checkpoint = backup.checkpoint.id;
        if let Some(entry) = self.checkpoints.get_mut(&checkpoint) {
            entry.backups.retain(|b| *b != id);
            if entry.backups.is_empty() {
                self.checkpoints.remove(&checkpoint);
            }
        }
    }

    /// Backups that have not disappeared.
    pub fn live_backups(&self, now: Micros) -> impl Iterator<Item = &Backup> {
        self.backups.values().filter(move |b| b.status(now) != Status::Gone)
    }

    /// Backups newest first (ties by ID), starting after `after`; gone ones included.
    pub fn newest_first_after<'s>(
        &'s self,
        after: Option<&Backup>,
    ) -> impl Iterator<Item = &'s Backup> + 's {
        let start = match after {
            Some(b) => Bound::Excluded((-b.life.created_at, b.id)),
            None => Bound::Unbounded,
        };
        self.newest_first
            .range((start, Bound::Unbounded))
            .filter_map(|(_, id)| self.backups.get(id))
    }

    /// A backup that has not disappeared.
    pub fn backup(&self, id: &str, now: Micros) -> Option<&Backup> {
        let id = Uuid::parse_str(id).ok()?;
        self.backups.get(&id).filter(|b| b.status(now) != Status::Gone)
    }

    /// A checkpoint and its backups that have not disappeared; `None` once all have.
    pub fn checkpoint(
        &self,
        id: &str,
        now: Micros,
    ) -> Option<(&Arc<CheckpointInfo>, Vec<&Backup>)> {
        self.checkpoint_by_id(Uuid::parse_str(id).ok()?, now)
    }

    /// [`Project::checkpoint`] by its parsed ID.
    pub fn checkpoint_by_id(
        &self,
        id: Uuid,
        now: Micros,
    ) -> Option<(&Arc<CheckpointInfo>, Vec<&Backup>)> {
        let entry = self.checkpoints.get(&id)?;
        let backups: Vec<&Backup> = entry
            .backups
            .iter()
            .filter_map(|b| self.backups.get(b))
            .filter(|b| b.status(now) != Status::Gone)
            .collect();
        (!backups.is_empty()).then_some((&entry.info, backups))
    }

    /// What the mock knows of a server: the newest record, or its derived disks.
    pub fn server(&self, id: &str, name: Option<&str>) -> Arc<Server> {
        match self.servers.get(id) {
            Some(known) if name.is_none_or(|n| n == known.name) => known.clone(),
            Some(known) => {
                Arc::new(Server { name: name.unwrap_or_default().to_owned(), ..(**known).clone() })
            }
            None => Arc::new(derived_server(id, name)),
        }
    }

    /// Stores a checkpoint with its backups (and the servers they were made of).
    pub fn add_checkpoint(&mut self, info: Arc<CheckpointInfo>, backups: Vec<Backup>) {
        let run = Run { info, backups, surplus: Vec::new(), now: 0, gone_at: 0, schedule: None };
        self.add_run(run);
    }

    /// Stores a new backup in the project's indexes (its checkpoint is stored after).
    pub(super) fn insert_backup(&mut self, backup: Backup) {
        // Keys are cloned only for servers not seen before: most backups are of known ones.
        match self.servers.get_mut(&backup.server.id) {
            Some(known) => *known = backup.server.clone(),
            None => drop(self.servers.insert(backup.server.id.clone(), backup.server.clone())),
        }
        match self.last_backup.get_mut(&backup.server.id) {
            Some(last) => *last = backup.id,
            None => drop(self.last_backup.insert(backup.server.id.clone(), backup.id)),
        }
        self.newest_first.insert((backup.life.created_at.saturating_neg(), backup.id));
        if let Some(at) = backup.life.expires_at {
            self.expiring.insert((at, backup.id));
        }
        self.backups.insert(backup.id, backup);
    }

    /// Stores a checkpoint whose backups are stored.
    pub(super) fn insert_checkpoint(&mut self, info: Arc<CheckpointInfo>, backups: Vec<Uuid>) {
        self.checkpoints.insert(info.id, CheckpointEntry { info, backups });
    }

    /// For each of `servers`, the backups `policy_id` made of it that are not being deleted,
    /// what `max_backups` trims (see [`surplus`]); a server named twice is grouped at its
    /// first place, the others left empty. One pass over the project's backups, whatever the
    /// number of servers.
    pub fn policy_backups(&self, policy_id: &str, servers: &[&str], now: Micros) -> Vec<Vec<Made>> {
        let place = first_places(servers);
        let mut made = vec![Vec::new(); servers.len()];
        for b in self.live_backups(now).filter(|b| {
            b.life.delete.is_none() && b.checkpoint.policy_id.as_deref() == Some(policy_id)
        }) {
            if let Some(&i) = place.get(b.server.id.as_str()) {
                made[i].push(made_of(b, now));
            }
        }
        made
    }

    /// The policy a server is bound to (seeded policies aside, see `seed.rs`).
    pub fn policy_of_resource(&self, resource_id: &str) -> Option<&Policy> {
        self.policies
            .values()
            .find(|p| !p.seeded && p.resources.iter().any(|r| r.id == resource_id))
            .map(|p| &**p)
    }

    /// Backups kept and the storage they take, in MB.
    pub fn usage(&self, now: Micros) -> (u64, u64) {
        self.live_backups(now).fold((0, 0), |(n, mb), b| (n + 1, mb.saturating_add(b.size_mb)))
    }

    /// True if the server has a backup in the project (the next one can be incremental).
    pub fn has_backup_of(&self, server_id: &str, now: Micros) -> bool {
        let Some(last) = self.last_backup.get(server_id) else { return false };
        let alive = |b: &Backup| b.status(now) != Status::Gone && b.server.id == server_id;
        self.backups.get(last).is_some_and(alive) || self.live_backups(now).any(alive)
    }
}

/// A backup as `max_backups` sees it: `(created_at, id, available)`.
pub type Made = (Micros, Uuid, bool);

pub fn made_of(backup: &Backup, now: Micros) -> Made {
    (backup.life.created_at, backup.id, backup.status(now) == Status::Available)
}

/// Where each server is first named in `servers`.
pub fn first_places<'s>(servers: &[&'s str]) -> HashMap<&'s str, usize> {
    let mut place = HashMap::with_capacity(servers.len());
    for (i, server) in servers.iter().enumerate() {
        place.entry(*server).or_insert(i);
    }
    place
}

/// Of each group of one server's backups, those beyond the newest `keep` (never fewer than
/// one) that are available: busy ones (protecting, restoring) stay.
pub fn surplus(groups: Vec<Vec<Made>>, keep: usize) -> Vec<Uuid> {
    let mut surplus = Vec::new();
    for mut backups in groups {
        backups.sort_unstable_by(|a, b| b.cmp(a));
        surplus.extend(
            backups
                .into_iter()
                .skip(keep.max(1))
                .filter(|(.., available)| *available)
                .map(|(_, id, _)| id),
        );
    }
    surplus
}

/// Every project, created on first use, and the clock; with a state file, kept there too
/// (see `durable.rs`).
#[derive(Default)]
pub struct Store {
    pub(super) projects: RwLock<HashMap<String, Arc<RwLock<Project>>>>,
    /// How far the mock's clock is ahead of the real one, in microseconds.
    pub(super) clock_offset: AtomicI64,
    pub(super) durable: Option<Durable>,
}

/// Locks ignore poisoning: handlers do not panic, and a mock must keep answering.
pub fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

pub fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// A project locked to be changed; its generation moves on, so that work prepared on an
/// earlier one (see `handlers/backups.rs`, `execute`) knows it must be prepared again.
pub fn change(lock: &RwLock<Project>) -> RwLockWriteGuard<'_, Project> {
    let mut project = write(lock);
    project.generation += 1;
    project
}

impl Store {
    /// The project with this ID.
    pub fn project(&self, id: &str) -> Arc<RwLock<Project>> {
        if let Some(p) = read(&self.projects).get(id) {
            return p.clone();
        }
        write(&self.projects)
            .entry(id.to_owned())
            .or_insert_with(|| Arc::new(RwLock::new(self.new_project(Project::new(id)))))
            .clone()
    }

    pub(super) fn new_project(&self, mut project: Project) -> Project {
        project.log = self.durable.as_ref().map(|d| d.log.clone());
        project
    }

    /// Every project (for `all_tenants`), in ID order.
    pub fn projects(&self) -> Vec<Arc<RwLock<Project>>> {
        let projects = read(&self.projects);
        let mut ids: Vec<&String> = projects.keys().collect();
        ids.sort();
        ids.into_iter().filter_map(|id| projects.get(id).cloned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::make::{new_backup, NewBackup};

    const DAY: Micros = 86_400_000_000;

    fn run(project: &mut Project, retention_days: Option<i64>, now: Micros) -> Uuid {
        let info = Arc::new(CheckpointInfo {
            id: Uuid::new_v4(),
            project_id: project.id.clone(),
            created_at: now,
            plan_id: "plan".into(),
            plan_name: "plan".into(),
            policy_id: Some("plan".into()),
            auto_trigger: true,
            vault: project.vault.clone(),
            retention_days,
        });
        let how =
            NewBackup { name: None, description: None, incremental: false, now, protect_delay: 0 };
        let backup = new_backup(project.server("srv-1", None), info.clone(), &how);
        let id = backup.id;
        project.add_checkpoint(info, vec![backup]);
        id
    }

    #[test]
    fn the_surplus_is_the_available_backups_beyond_the_newest_kept() {
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
        // One server: four backups, the newest busy; another: one backup.
        let one = vec![(4, ids[3], false), (1, ids[0], true), (3, ids[2], true), (2, ids[1], true)];
        let other = vec![(9, Uuid::new_v4(), true)];
        let mut cut = surplus(vec![one.clone(), other.clone()], 2);
        cut.sort();
        let mut wanted = vec![ids[0], ids[1]];
        wanted.sort();
        assert_eq!(cut, wanted, "the two oldest; the busy newest counts as kept");
        assert_eq!(surplus(vec![other], 0), Vec::<Uuid>::new(), "never fewer than one kept");
        assert_eq!(surplus(vec![one], 1).len(), 3, "the busy newest is the one kept");
    }

    #[test]
    fn backups_disappear_when_their_retention_ends_and_are_purged() {
        let mut project = Project::new("p");
        let t = 1_000 * DAY;
        let kept_a_day = run(&mut project, Some(1), t);
        let for_ever = run(&mut project, None, t);
        let (a, b) = (kept_a_day.to_string(), for_ever.to_string());
        assert!(project.backup(&a, t + DAY - 1).is_some());
        assert_eq!(project.usage(t + DAY - 1).0, 2);
        assert!(project.backup(&a, t + DAY).is_none(), "gone once its retention has ended");
        assert!(project.backup(&b, t + 100 * DAY).is_some());
        assert_eq!(project.usage(t + DAY).0, 1);
        project.purge(t + DAY - 1);
        assert!(project.backups.get(&kept_a_day).is_some(), "not purged before its time");
        project.purge(t + DAY);
        assert!(project.backups.get(&kept_a_day).is_none());
        assert!(project.expiring.is_empty());
        assert_eq!(project.checkpoints.len(), 1, "its checkpoint, left empty, went with it");
    }
}

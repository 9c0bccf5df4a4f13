//! Tag `backups`: run a policy, delete backups, count, show and list them.

use super::call::{Call, Reply};
use super::filters::BackupFilter;
use super::listing::{next_link, order, page, BackupKey, Link, ListQuery};
use super::quotas::{check_fits, used};
use super::scope::read_scope;
use crate::clock::Micros;
use crate::errors::ApiError;
use crate::server::App;
use crate::state::View;
use crate::state::{
    change, first_places, made_of, new_backup, read, select, select_ordered, surplus, Backup,
    CheckpointInfo, Made, NewBackup, PolicyResource, Project, Run, Selected, Server, Status,
};
use crate::views::{csbs, list_body, rendered};
use csbs_spec::rules::Direction;
use csbs_types::codes::csbs::{CSBS_2003, CSBS_3000, CSBS_3001, CSBS_6032, CSBS_9999};
use csbs_types::csbs::request;
use serde::Serialize;
use serde_json::Value;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// `executePolicy`: one checkpoint with one backup per server of the policy (or of the
/// listed ones, which must be bound to it). Made by [`run_off_lock`]; the answer is rendered
/// after the lock is released.
pub fn execute(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let sent: request::ExecutePolicy = call.decode()?;
    let lock = app.store.project(call.project_id());
    let (id, shown) = run_off_lock(app, &lock, Some(call.now), None, |project| {
        plan_execution(app, project, &sent, call)
    })?;
    let backups: Vec<&Backup> =
        shown.iter().filter(|b| b.status(call.now) != Status::Gone).collect();
    match backups.first() {
        Some(first) => Ok(checkpoint_body(&first.checkpoint, &backups, call)),
        None => Err(ApiError::documented(CSBS_3001, &[&id.to_string()])),
    }
}

/// A policy run (by `executePolicy` or by a schedule), made without holding the project's
/// write lock while its work grows with the policy (tens of thousands of servers): `plan`
/// plans it under the read lock, its backups are built holding no lock, and only storing them
/// takes the write lock (after purging at `purge_at`), so the project's other requests are
/// answered meanwhile. If another request changed the project in between, the run is planned
/// again under the write lock, as if it came after that request. `schedule`: the policy whose
/// schedule makes the run (its bookkeeping is stored with it). The new checkpoint's ID, and
/// its backups as stored.
///
/// With a state file, the run is written there before it is stored (see [`write_first`]):
/// the project's readers are answered during the commit (without the run), and after it
/// (with it) without waiting.
pub fn run_off_lock(
    app: &App,
    lock: &RwLock<Project>,
    purge_at: Option<Micros>,
    schedule: Option<&str>,
    plan: impl Fn(&Project) -> Result<PlannedRun, ApiError>,
) -> Result<(Uuid, Vec<Backup>), ApiError> {
    let planned = plan(&read(lock))?;
    app.config.hooks.run_unlocked();
    let built = crate::blocking::off_worker(|| planned.build(app));
    // What the answer shows, as the commit will leave it.
    let shown = built.shown();
    let id = planned.info.id;
    let run = planned.run(built, schedule);
    let (run, written) = match app.store.is_durable() {
        true => write_first(app, lock, &planned, run)?,
        false => (run, false),
    };
    let mut project = change(lock);
    if let Some(now) = purge_at {
        project.purge(now);
    }
    if project.changed_since(planned.generation) {
        if written {
            // Not this run after all: the file gets back what memory holds.
            project.unwrite(run.records());
        }
        let planned = plan(&project)?;
        let built = planned.build(app);
        let shown = built.shown();
        let run = planned.run(built, schedule);
        Ok((planned.commit(app, &mut project, run)?, shown))
    } else if written {
        project.insert_run(run);
        Ok((id, shown))
    } else {
        Ok((planned.commit(app, &mut project, run)?, shown))
    }
}

/// Writes a run to the state file before it is stored (its quota checked first: a refused
/// run writes nothing); true if written. Not written when the project changed since the run
/// was planned (the run is then planned again, see [`run_off_lock`]).
fn write_first(
    app: &App,
    lock: &RwLock<Project>,
    planned: &PlannedRun,
    run: Run,
) -> Result<(Run, bool), ApiError> {
    check_fits(app, planned.used, &run.backups)?;
    crate::blocking::off_worker(|| {
        let rows = run.rows();
        let hook = || app.config.hooks.state_writing();
        match app.store.write_first(lock, planned.generation, rows, |p| p.run_rows(&run), hook) {
            Ok(written) => Ok((run, written)),
            Err(_) => Err(ApiError::documented(CSBS_9999, &[super::KEEPING])),
        }
    })
}

/// The run `executePolicy` asks for, planned on the project as it is.
fn plan_execution(
    app: &App,
    project: &Project,
    sent: &request::ExecutePolicy,
    call: &Call<'_>,
) -> Result<PlannedRun, ApiError> {
    let plan_id = sent.checkpoint.plan_id;
    let parameters = &sent.checkpoint.parameters;
    let policy =
        project.policies.get(plan_id).ok_or_else(|| ApiError::documented(CSBS_3000, &[plan_id]))?;
    // An empty list names no server: like an absent one, it runs all of the policy's servers
    // (rather than the 500 of CSBS.6032 for a request the schema allows).
    let Some(wanted) = parameters.resources.as_ref().filter(|w| !w.is_empty()) else {
        let auto_trigger = parameters.auto_trigger.unwrap_or(false);
        return plan_run(app, project, plan_id, &policy.resources, auto_trigger, call.now);
    };
    // Looked up by ID, so that a run naming tens of thousands of servers stays linear.
    let bound: std::collections::HashMap<&str, &PolicyResource> =
        policy.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut taken = std::collections::HashSet::new();
    let mut chosen = Vec::new();
    for (i, &id) in wanted.iter().enumerate() {
        let Some(r) = bound.get(id) else {
            let field = format!("body.checkpoint.parameters.resources[{i}]");
            let message = format!("server {id} is not bound to policy {plan_id}");
            return Err(ApiError::invalid_field(
                call.op.service,
                &field,
                "bound-to-policy",
                &message,
                Value::from(id),
            ));
        };
        if taken.insert(id) {
            chosen.push((*r).clone());
        }
    }
    let auto_trigger = parameters.auto_trigger.unwrap_or(false);
    plan_run(app, project, plan_id, &chosen, auto_trigger, call.now)
}

/// A policy run as planned on one generation of its project: what [`PlannedRun::build`]
/// needs, read under the lock, and what [`PlannedRun::commit`] applies.
pub struct PlannedRun {
    generation: u64,
    info: Arc<CheckpointInfo>,
    /// Each server backed up, and whether its backup is incremental.
    servers: Vec<(Arc<Server>, bool)>,
    /// The policy's `max_backups`, and the backups the policy made of each server before.
    keep: Option<(usize, Vec<Vec<Made>>)>,
    /// What the project's backups use against the quotas (counted with the plan, as it is the
    /// same at the commit unless the project changed).
    used: Option<(u64, u64)>,
    now: Micros,
}

/// A run's backups, and those `max_backups` then deletes (the run's own among them only when
/// it ties with older ones).
struct BuiltRun {
    backups: Vec<Backup>,
    surplus: Vec<Uuid>,
    gone_at: Micros,
}

impl BuiltRun {
    /// Copies of the run's backups as the commit leaves them.
    fn shown(&self) -> Vec<Backup> {
        let mut shown = self.backups.clone();
        let surplus: std::collections::HashSet<&Uuid> = self.surplus.iter().collect();
        for b in shown.iter_mut().filter(|b| surplus.contains(&b.id)) {
            b.life.delete = Some((b.life.created_at, self.gone_at));
        }
        shown
    }
}

/// A run of a policy over some of its servers, at `now`: one checkpoint with one backup per
/// server, then `max_backups` applied.
pub fn plan_run(
    app: &App,
    project: &Project,
    plan_id: &str,
    resources: &[PolicyResource],
    auto_trigger: bool,
    now: Micros,
) -> Result<PlannedRun, ApiError> {
    let policy =
        project.policies.get(plan_id).ok_or_else(|| ApiError::documented(CSBS_3000, &[plan_id]))?;
    if resources.is_empty() {
        return Err(ApiError::documented(CSBS_6032, &[plan_id]));
    }
    let info = Arc::new(CheckpointInfo {
        id: Uuid::new_v4(),
        project_id: project.id.clone(),
        created_at: now,
        plan_id: policy.id.clone(),
        plan_name: policy.name.clone(),
        policy_id: Some(policy.id.clone()),
        auto_trigger,
        vault: project.vault.clone(),
        retention_days: policy.retention_days(),
    });
    let servers = resources
        .iter()
        .map(|r| (project.server(&r.id, Some(&r.name)), project.has_backup_of(&r.id, now)))
        .collect();
    let keep = policy.max_backups().map(|keep| {
        let ids: Vec<&str> = resources.iter().map(|r| r.id.as_str()).collect();
        (keep, project.policy_backups(plan_id, &ids, now))
    });
    let used = used(app, project, now);
    Ok(PlannedRun { generation: project.generation, info, servers, keep, used, now })
}

impl PlannedRun {
    /// The run's backups, and what `max_backups` then deletes; needs no lock.
    fn build(&self, app: &App) -> BuiltRun {
        let backups: Vec<Backup> = self
            .servers
            .iter()
            .map(|(server, incremental)| {
                let how = NewBackup {
                    name: None,
                    description: None,
                    incremental: *incremental,
                    now: self.now,
                    protect_delay: app.protect_delay,
                };
                new_backup(server.clone(), self.info.clone(), &how)
            })
            .collect();
        let surplus = match &self.keep {
            None => Vec::new(),
            Some((keep, before)) => {
                let mut groups = before.clone();
                let ids: Vec<&str> = self.servers.iter().map(|(s, _)| s.id.as_str()).collect();
                let place = first_places(&ids);
                for b in &backups {
                    if let Some(&i) = place.get(b.server.id.as_str()) {
                        groups[i].push(made_of(b, self.now));
                    }
                }
                surplus(groups, *keep)
            }
        };
        BuiltRun { backups, surplus, gone_at: self.now + app.delete_delay }
    }

    /// What the run stores, `built` (for `schedule`'s policy, see [`run_off_lock`]).
    fn run(&self, built: BuiltRun, schedule: Option<&str>) -> Run {
        Run {
            info: self.info.clone(),
            backups: built.backups,
            surplus: built.surplus,
            now: self.now,
            gone_at: built.gone_at,
            schedule: schedule.map(str::to_owned),
        }
    }

    /// Stores the run (if the quotas have room): its checkpoint, and the deletions
    /// `max_backups` asks for.
    fn commit(&self, app: &App, project: &mut Project, run: Run) -> Result<Uuid, ApiError> {
        check_fits(app, self.used, &run.backups)?;
        project.add_run(run);
        Ok(self.info.id)
    }
}

/// The CSBS answer to a new checkpoint.
pub fn checkpoint_reply(project: &Project, id: Uuid, call: &Call<'_>) -> Result<Reply, ApiError> {
    let (info, backups) = project
        .checkpoint_by_id(id, call.now)
        .ok_or_else(|| ApiError::documented(CSBS_3001, &[&id.to_string()]))?;
    Ok(checkpoint_body(info, &backups, call))
}

fn checkpoint_body(info: &CheckpointInfo, backups: &[&Backup], call: &Call<'_>) -> Reply {
    #[derive(Serialize)]
    struct Body<'a> {
        checkpoint: csbs::CheckpointView<'a>,
    }
    Reply::json(&Body { checkpoint: csbs::checkpoint(info, backups, call.now) })
}

/// `deleteCheckpoint`: marks every backup of the checkpoint (or the one named by
/// `checkpoint_items`) `deleting`; they disappear after the delete delay.
pub fn delete_checkpoint(
    app: &App,
    call: &Call<'_>,
    checkpoint_id: &str,
    item: Option<&str>,
) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let mut project = change(&lock);
    project.purge(call.now);
    let (_, backups) = project
        .checkpoint(checkpoint_id, call.now)
        .ok_or_else(|| ApiError::documented(CSBS_3001, &[checkpoint_id]))?;
    let targets: Vec<Uuid> = match item {
        None => backups.iter().map(|b| b.id).collect(),
        Some(item) => match backups.iter().find(|b| b.id.to_string() == item) {
            Some(b) => vec![b.id],
            None => return Err(ApiError::documented(CSBS_3001, &[item])),
        },
    };
    for b in &backups {
        let status = b.status(call.now);
        // Being deleted counts as busy too: a second deletion meanwhile is refused, as the
        // live service refuses it (400), rather than started again.
        if targets.contains(&b.id) && status.is_busy() {
            return Err(ApiError::documented(
                CSBS_2003,
                &[&format!("backup {} is {}", b.id, status.as_str())],
            ));
        }
    }
    let gone_at = call.now + app.delete_delay;
    for id in targets {
        project.start_deletion(id, call.now, gone_at);
    }
    project.purge(call.now);
    Ok(Reply::json(&serde_json::json!({})))
}

/// `countBackups`.
pub fn count(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let filter = BackupFilter::of(call);
    let count = read_scope(app, call, |projects| {
        projects
            .iter()
            .flat_map(|p| p.backups.values())
            .filter(|b| b.status(call.now) != Status::Gone && filter.matches(b, call.now))
            .count()
    });
    Ok(Reply::json(&serde_json::json!({ "count": count })))
}

/// `showBackup`.
pub fn show(app: &App, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    #[derive(Serialize)]
    struct Body<'a> {
        checkpoint_item: csbs::BackupView<'a>,
    }
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    let backup =
        project.backup(id, call.now).ok_or_else(|| ApiError::documented(CSBS_3001, &[id]))?;
    Ok(Reply::json(&Body { checkpoint_item: csbs::backup(backup, call.now) }))
}

/// The page of backups a list asks for; `missing_marker` answers a marker that names no
/// backup. `total` (every match) is counted only when `count_all` asks for it. A page of one
/// project in the default order (newest first) comes from that order's index.
pub fn select_backups<'p>(
    projects: &[&'p Project],
    call: &Call<'_>,
    list: &ListQuery<'_>,
    filter: &BackupFilter<'_>,
    count_all: bool,
    missing_marker: impl Fn(&str) -> ApiError,
) -> Result<Selected<'p, Backup>, ApiError> {
    let order = order(call, list.sort, BackupKey::parse, BackupKey::CreatedAt)?;
    let marker = match list.marker {
        None => None,
        Some(m) => Some(
            projects.iter().find_map(|p| p.backup(m, call.now)).ok_or_else(|| missing_marker(m))?,
        ),
    };
    let keep = |b: &&Backup| b.status(call.now) != Status::Gone && filter.matches(b, call.now);
    let candidates = || projects.iter().flat_map(|p| p.backups.values()).filter(keep);
    if let ([project], [(BackupKey::CreatedAt, Direction::Desc)]) =
        (projects, order.keys.as_slice())
    {
        let mut selected =
            select_ordered(project.newest_first_after(marker).filter(keep), page(call, list));
        if count_all {
            selected.total = candidates().count();
        }
        return Ok(selected);
    }
    Ok(select(candidates(), marker, &order, page(call, list)))
}

/// `listBackups`.
pub fn list(app: &App, call: &Call<'_>, list: ListQuery<'_>) -> Result<Reply, ApiError> {
    let filter = BackupFilter::of(call);
    read_scope(app, call, |projects| {
        let page = select_backups(projects, call, &list, &filter, false, |m| {
            ApiError::documented(CSBS_3001, &[m])
        })?;
        let items: Vec<_> =
            page.items.iter().map(|b| rendered(projects, b, View::Csbs, call.now)).collect();
        #[derive(Serialize)]
        struct Tail {
            #[serde(skip_serializing_if = "Option::is_none")]
            checkpoint_items_links: Option<Vec<Link>>,
        }
        let links = next_link(call, page.more, page.items.last().map(|b| b.id.to_string()));
        Ok(Reply::Json(list_body(
            "checkpoint_items",
            &items,
            &Tail { checkpoint_items_links: links },
        )))
    })
}

//! What the runners of a properties run share: how to reach the target, the objects valid
//! cases are bound to (so that a valid body meets a real object, not a 404), what they
//! created, and which operations timed out.
//!
//! Each operation binds to a pool of its own (made on its first bound case), so that one
//! runner's changes (an update emptying a policy, a deletion) do not break another's. The
//! pools, and what the runners made, are the run's record ([`Pools`]).

use crate::checks::Check;
use crate::created::created;
use crate::http::Exchange;
use crate::options::Limits;
use crate::poll::{Poll, Poller};
use crate::record::Pools;
use crate::replay::{bind, bindings_for, Fact, Facts};
use crate::request::ApiRequest;
use crate::sender::Sender;
use csbs_spec::Operation;
use serde_json::Value;
use std::collections::BTreeMap;

/// Timeouts after which an operation's remaining generated cases are skipped.
pub const TIMEOUTS_BEFORE_SKIP: u32 = 2;

/// Backups made at once for the pool of an operation that deletes them (each valid case
/// bound to the pool consumes one), so that one wait serves several cases.
pub const DELETION_BATCH: usize = 4;

/// How many backups a pool for `op` is given at a time.
fn batch_for(op: &Operation) -> usize {
    if op.method == "DELETE" {
        DELETION_BATCH
    } else {
        1
    }
}

pub struct Shared {
    /// The run's sender (a clone: the same client, pace and timeout tally).
    pub sender: Sender,
    /// The run's bounds: a pool's backup is waited for within `--wait`, as everywhere.
    pub limits: Limits,
    pub project: String,
    /// What the run knew before (servers, listed objects); read-only operations may bind to it.
    pub known: Facts,
    /// The record's pools: each operation's objects, made for it (mutations bind only to
    /// these), and what the runners created and could not delete at once (the cleanup
    /// deletes it whatever ends the part).
    pub pools: Pools,
    pub mutations: bool,
    /// The sender's timeouts per operation when the part began: only this part's count.
    pub timeouts_before: BTreeMap<String, u32>,
    /// The checks the run judges (`--checks`, `--exclude-checks`).
    pub selected: Vec<Check>,
    /// Becomes true when the part must stop (the run's time bound dropped it).
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl Shared {
    /// True when the run judges `check`: a runner neither sends cases for a kind nobody
    /// judges nor stops on a verdict nobody asked for.
    pub fn judges(&self, check: Check) -> bool {
        self.selected.contains(&check)
    }

    /// Sends `request` with the run's credential.
    pub async fn send(&self, request: &ApiRequest) -> Exchange {
        self.sender.send(request, "(generated case)").await
    }

    /// True once the part must stop: the runners send nothing more.
    pub fn stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// `work`, unless the part is told to stop first (`None`; then at once, whatever `work`
    /// was waiting for).
    pub async fn unless_stopped<T>(&self, work: impl std::future::Future<Output = T>) -> Option<T> {
        let mut stop = self.stop.clone();
        tokio::select! {
            biased;
            _ = stop.wait_for(|s| *s) => None,
            done = work => Some(done),
        }
    }

    /// True once `op` has timed out [`TIMEOUTS_BEFORE_SKIP`] times.
    pub fn given_up(&self, op: &Operation) -> bool {
        let before = self.timeouts_before.get(&op.id).copied().unwrap_or(0);
        self.sender.timeouts(&op.id) - before >= TIMEOUTS_BEFORE_SKIP
    }

    /// `request` with its object references bound to its operation's pool (made now if this
    /// is the operation's first bound case).
    pub async fn bound(&self, request: &ApiRequest) -> ApiRequest {
        let op = request.operation;
        if !self.pools.has(&op.id) {
            let pool = self.make_pool(op).await;
            self.pools.insert(&op.id, pool);
        }
        let bound = self.pools.with(&op.id, |pool| bind(request, pool, op.is_mutation()));
        bound.unwrap_or_else(|| request.clone())
    }

    /// A pool for `op`: what the run knew (for reads), and, with mutations allowed, a policy
    /// (holding the run's servers when the operation names a policy's servers) and a settled
    /// backup when the operation refers to them.
    async fn make_pool(&self, op: &Operation) -> Facts {
        let mut pool = Facts { policies: Vec::new(), backups: Vec::new(), ..self.known.clone() };
        if !op.is_mutation() {
            pool.policies = self.known.policies.clone();
            pool.backups = self.known.backups.clone();
        }
        if !self.mutations {
            return pool;
        }
        let facts: Vec<Fact> = bindings_for(&op.id).map(|b| b.fact).collect();
        let wants = |f: &[Fact]| facts.iter().any(|x| f.contains(x));
        if wants(&[Fact::PolicyId, Fact::ScheduledOperationId, Fact::PolicyResource]) {
            let servers =
                if wants(&[Fact::PolicyResource]) { pool.servers.clone() } else { Vec::new() };
            if let Some(policy) = self.add_policy(&servers).await {
                pool.learn_policy(&policy, true);
            }
        }
        let backup_facts =
            [Fact::BackupId, Fact::BackupCheckpointId, Fact::BackupServerId, Fact::VolumeBackupId];
        if wants(&backup_facts) || op.id == "deleteCheckpoint" {
            for item in self.add_backups(batch_for(op)).await {
                pool.learn_backup(&item, true);
            }
        }
        pool
    }

    /// After a 2xx answer: what it created is deleted at once (so that generated objects do
    /// not pile up), or kept for cleanup; what it deleted leaves the pool, which is refilled.
    pub async fn after_success(&self, request: &ApiRequest, body: &Value) {
        let op = request.operation;
        if let Some(made) = created(op, &request.parts(), body) {
            let answer = self.send(&made.delete).await;
            if !answer.status().is_some_and(|s| (200..300).contains(&s)) {
                self.pools.made(made);
            }
        }
        if op.method != "DELETE" || !self.mutations {
            return;
        }
        let consumed = self.pools.with(&op.id, |pool| {
            let policy = request
                .path
                .get("policy_id")
                .filter(|id| pool.policies.iter().any(|p| &&p.id == id));
            let backup = request
                .path
                .get("checkpoint_id")
                .filter(|id| pool.backups.iter().any(|b| &&b.checkpoint_id == id));
            if let Some(id) = policy {
                pool.forget_policy(id);
            }
            if let Some(id) = backup {
                pool.forget_backups(id, None);
            }
            (policy.is_some(), backup.is_some().then_some(pool.backups.len()))
        });
        let Some((policy, backup_left)) = consumed else { return };
        // A deletion consumed the pool's object: another takes its place. Backups take
        // minutes against a real service, so they are made a batch at a time, when the pool
        // runs out, and waited for together.
        let mut made = Facts::default();
        if policy {
            if let Some(p) = self.add_policy(&[]).await {
                made.learn_policy(&p, true);
            }
        }
        if backup_left == Some(0) {
            for item in self.add_backups(batch_for(op)).await {
                made.learn_backup(&item, true);
            }
        }
        self.pools.with(&op.id, |pool| {
            pool.policies.extend(made.policies);
            pool.backups.extend(made.backups);
        });
    }

    /// Creates a policy of `servers` for a pool (disabled: it never runs by itself); its answer.
    async fn add_policy(&self, servers: &[String]) -> Option<Value> {
        let name = format!("{}-pool-{}", self.known.run_name, uuid::Uuid::new_v4().simple());
        let body = crate::fixtures::policy(&name, "bound to generated requests", servers);
        let request = ApiRequest::of("createPolicy", &self.project).body(body);
        let exchange = self.send(&request).await;
        let body = exchange.response().filter(|r| r.status == 200).and_then(|r| r.json().ok())?;
        if let Some(made) = created(request.operation, &request.parts(), &body) {
            self.pools.made(made);
        }
        body.get("policy").cloned()
    }

    /// Backs up the run's first server `count` times for a pool, then waits (within
    /// `--wait`) for the backups to settle: the waits overlap, each record's after the one
    /// before it has settled. The settled backups.
    async fn add_backups(&self, count: usize) -> Vec<Value> {
        let mut checkpoints = Vec::new();
        for _ in 0..count {
            checkpoints.extend(self.protect().await);
        }
        let mut items = Vec::new();
        for checkpoint in checkpoints {
            items.extend(self.settled(&checkpoint).await);
        }
        items
    }

    /// Backs up the run's first server; the new backup record's ID.
    async fn protect(&self) -> Option<String> {
        let server = self.known.servers.first().cloned()?;
        let protect = ApiRequest::of("protectResource", &self.project).path("resource_id", server);
        let protect = protect.body(crate::fixtures::protect("pool", None));
        let exchange = self.send(&protect).await;
        let body = exchange.response().filter(|r| r.status == 200).and_then(|r| r.json().ok())?;
        if let Some(made) = created(protect.operation, &protect.parts(), &body) {
            self.pools.made(made);
        }
        body.pointer("/checkpoint/id").and_then(Value::as_str).map(str::to_owned)
    }

    /// The backups of record `checkpoint` once settled (none when they do not within `--wait`).
    async fn settled(&self, checkpoint: &str) -> Vec<Value> {
        let list = ApiRequest::of("listBackups", &self.project).query("checkpoint_id", checkpoint);
        let settled = csbs_spec::behaviour::backup_lifecycle().settled;
        let what = "(waiting for a pool's backup)";
        let poller = Poller::new(&self.limits)
            .confirmed_by(crate::replay::settle::record_read(&list, checkpoint));
        let waited = self.sender.poll(poller, &list, what, |answer| {
            let body = answer.response().and_then(|r| r.json().ok()).unwrap_or_default();
            let items =
                body.get("checkpoint_items").and_then(Value::as_array).cloned().unwrap_or_default();
            let status = |i: &Value| i.get("status").and_then(Value::as_str).map(str::to_owned);
            if items.is_empty() {
                return Poll::Unseen(format!("listBackups checkpoint_id={checkpoint} lists none"));
            }
            match items.iter().all(|i| status(i).is_some_and(|s| settled.contains(&s))) {
                true => Poll::Ready(items),
                false => Poll::Pending(format!(
                    "statuses {:?}",
                    items.iter().map(status).collect::<Vec<_>>()
                )),
            }
        });
        waited.await.unwrap_or_default()
    }
}

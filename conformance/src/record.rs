//! The one record of what a run knows and made, which every part reads and writes and the
//! cleanup uses: the facts requests are filled from (project, run name, servers, the objects
//! found or made), the objects the behaviour part wrote for its other checks, the properties
//! part's per-operation pools, and the ledger of what the run made and has not deleted yet.

use crate::behaviour::Fixture;
use crate::created::{created, Created, Ledger};
use crate::replay::Facts;
use crate::request::ApiRequest;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// What the run knows and made.
#[derive(Debug, Default)]
pub(crate) struct Record {
    /// What requests are filled from.
    pub facts: Facts,
    /// What the behaviour part's `writes` made, for its filters and domain errors.
    pub fixture: Fixture,
    /// The objects the properties part's generated cases are bound to, and what its runners
    /// made; shared with those runners, which work on threads of their own.
    pub pools: Pools,
    /// What the run made and has not deleted: the cleanup deletes it.
    pub ledger: Ledger,
}

impl Record {
    /// What a 2xx `answer` to `request` created, now in the ledger (`None`: it created
    /// nothing the spec's links can delete).
    pub fn made(&mut self, request: &ApiRequest, answer: &Value) -> Option<Created> {
        let made = created(request.operation, &request.parts(), answer)?;
        self.ledger.add(made.clone());
        Some(made)
    }

    /// Moves what the pools' runners made and did not delete into the ledger: before the
    /// cleanup, whatever ended their part (its end, the time bound, Ctrl-C).
    pub fn gather(&mut self) {
        for made in self.pools.take_made() {
            self.ledger.add(made);
        }
    }
}

/// The properties part's share of the record: each operation's pool (the objects made for
/// it, so that one runner's changes do not break another's) and what the runners made and
/// have not deleted. A clone is the same record (the runners hold one each).
#[derive(Clone, Debug, Default)]
pub(crate) struct Pools(Arc<Mutex<PoolState>>);

#[derive(Debug, Default)]
struct PoolState {
    /// Each operation's objects, by operationId; its mutations bind only to these.
    by_operation: BTreeMap<String, Facts>,
    /// Made by the runners, not deleted yet, oldest first.
    made: Vec<Created>,
}

impl Pools {
    fn state(&self) -> MutexGuard<'_, PoolState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True once `operation` has its pool.
    pub fn has(&self, operation: &str) -> bool {
        self.state().by_operation.contains_key(operation)
    }

    /// Gives `operation` the pool `pool`.
    pub fn insert(&self, operation: &str, pool: Facts) {
        self.state().by_operation.insert(operation.to_owned(), pool);
    }

    /// `work` on `operation`'s pool (`None` when it has none).
    pub fn with<T>(&self, operation: &str, work: impl FnOnce(&mut Facts) -> T) -> Option<T> {
        self.state().by_operation.get_mut(operation).map(work)
    }

    /// Keeps `created` until it is deleted (the part's end) or gathered for the cleanup.
    pub fn made(&self, created: Created) {
        self.state().made.push(created);
    }

    /// What the runners made and did not delete, oldest first; the pools forget it, and the
    /// objects it held (they are being deleted).
    pub fn take_made(&self) -> Vec<Created> {
        let mut state = self.state();
        state.by_operation.clear();
        std::mem::take(&mut state.made)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::ApiRequest;

    #[test]
    fn what_the_runners_made_joins_the_ledger_once_gathered() {
        let mut record = Record::default();
        let pools = record.pools.clone();
        pools.insert("showPolicy", Facts { run_name: "pool".into(), ..Facts::default() });
        assert!(record.pools.has("showPolicy"));
        assert_eq!(
            record.pools.with("showPolicy", |f| f.run_name.clone()).as_deref(),
            Some("pool")
        );
        let delete = ApiRequest::of("deletePolicy", "p1").path("policy_id", "x1");
        pools.made(Created { kind: "policy".into(), id: "x1".into(), delete });
        assert!(record.ledger.created.is_empty());
        record.gather();
        assert_eq!(record.ledger.created.len(), 1);
        assert!(!record.pools.has("showPolicy"), "its objects are deleted with it");
        record.gather();
        assert_eq!(record.ledger.created.len(), 1, "gathered once");
    }
}

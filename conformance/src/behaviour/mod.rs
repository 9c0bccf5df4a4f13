//! The behaviour part of a run (`--only behaviour`): what the documents say the service
//! does, beyond the shapes of its answers, each a named check (see `checks::Check`):
//! `read_after_write`, `filter_conformance`, `sort_conformance`, `pagination_conformance`,
//! `count_conformance`, `list_show_agreement`, `domain_error_conformance`, `project_isolation`, `lifecycle_conformance`,
//! `quota_usage`, and the families of [`FAMILIES`] (names, bindings, capabilities, the scope
//! of runs and deletions, retention). The rules come from the spec's behaviour extensions
//! (`csbs_spec::behaviour`), which the mock reads too.
//!
//! Against a real endpoint, what creates or deletes runs only with `--allow-mutations`;
//! filters, sort, pagination, counts, isolation and the read-only domain errors work on
//! whatever data exists, and say so (a skip with its reason) when it is too little to judge.

mod bindings;
mod deletion;
mod errors;
mod filters;
mod isolation;
mod keeps;
mod life;
mod names;
mod order;
mod paging;
mod records;
mod retention;
mod same;
mod scope;
mod support;
mod writes;

use crate::checks::Check;
use crate::poll::Poller;
use crate::session::Session;
use csbs_spec::behaviour::backup_lifecycle;

/// Runs every behaviour check the run's permissions allow.
pub(crate) async fn run(session: &mut Session) {
    session.progress.say("checking the documented behaviour");
    let fixture = if session.mutations {
        settle_project(session).await;
        writes::run(session).await
    } else {
        for check in [Check::ReadAfterWrite, Check::LifecycleConformance, Check::QuotaUsage] {
            session.recorder.skip(
                "behaviour",
                check.name(),
                "it creates and deletes; give --allow-mutations",
            );
        }
        writes::Fixture::default()
    };
    filters::run(session, &fixture).await;
    order::run(session).await;
    paging::run(session).await;
    same::run(session).await;
    errors::run(session, &fixture).await;
    isolation::run(session).await;
    if session.mutations {
        families(session, &fixture).await;
        life::run(session).await;
    } else {
        for check in FAMILIES {
            session.recorder.skip(
                "behaviour",
                check.name(),
                "it creates and deletes; give --allow-mutations",
            );
        }
    }
}

/// The checks of the documented families run in order on the run's policies.
const FAMILIES: [Check; 6] = [
    Check::DuplicateNameRejection,
    Check::BindingRelease,
    Check::CapabilityConformance,
    Check::PolicyRunScope,
    Check::RetentionConformance,
    Check::DeletionScope,
];

/// Names, then bindings (policy a ends up holding every server), the scope of its runs, what
/// its runs keep, and the deletion of the last run's record.
async fn families(session: &mut Session, fixture: &writes::Fixture) {
    names::run(session, fixture).await;
    let Some(policy) = bindings::run(session, fixture).await else {
        for check in &FAMILIES[3..] {
            session.recorder.skip(
                "executePolicy",
                check.name(),
                "needs a policy holding the run's servers (binding_release did not get there)",
            );
        }
        return;
    };
    let runs = scope::run(session, &policy).await;
    let mut records: Vec<String> = fixture
        .policy_backups
        .iter()
        .filter_map(|b| {
            b.get("checkpoint_id").and_then(serde_json::Value::as_str).map(str::to_owned)
        })
        .collect();
    records.dedup();
    records.extend(runs.iter().map(|r| r.record.clone()));
    match retention::run(session, &policy, &records).await {
        Some(last) => deletion::run(session, &last).await,
        None => session.recorder.skip(
            "deleteCheckpoint",
            Check::DeletionScope.name(),
            "needs the record of a policy run (retention_conformance did not get there)",
        ),
    }
}

/// Waits (within --wait) until the project's backups stop moving (the earlier parts' deletions
/// finish), so that lists read twice agree.
async fn settle_project(session: &mut Session) {
    let life = backup_lifecycle();
    let moving: Vec<String> = life.pending.iter().chain(&life.deleting).cloned().collect();
    let list = session.request("listBackups");
    let quiet = {
        let mut poller = Poller::new(&session.limits, session.limits.settle_timeout);
        loop {
            let exchange =
                session.send(&list, session.credential(), "(waiting for a quiet project)").await;
            let body = exchange.response().and_then(|r| r.json().ok()).unwrap_or_default();
            let items = body
                .get("checkpoint_items")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default();
            let busy = items.iter().any(|i| {
                i.get("status")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|st| moving.iter().any(|m| m == st))
            });
            if busy {
                {
                    if let Err(last) =
                        poller.wait("backups still being made or deleted".into()).await
                    {
                        break Err(last);
                    }
                }
            } else {
                break Ok(());
            }
        }
    };
    if quiet.is_err() {
        session.recorder.note("the project's backups were still being made or deleted after --wait; lists may change under the behaviour checks");
    }
}

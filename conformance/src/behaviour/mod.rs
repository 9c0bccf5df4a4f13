//! The behaviour part of a run (`--only behaviour`): what the documents say the service
//! does, beyond the shapes of its answers, each a named check (see `checks::Check`):
//! `read_after_write`, `filter_conformance`, `sort_conformance`, `pagination_conformance`,
//! `max_limit_conformance`, `count_conformance`, `list_show_agreement`, `domain_error_conformance`, `project_isolation`, `lifecycle_conformance`,
//! `quota_usage`, and the documented families (`duplicate_name_rejection`, `binding_release`,
//! `capability_conformance`, `policy_run_scope`, `retention_conformance`, `deletion_scope`,
//! `first_backup_full`).
//! The rules come from the spec's behaviour extensions
//! (`csbs_spec::behaviour`), which the mock reads too.
//!
//! Each scenario runs when the run's dispatch (read from the check registry) says so; against
//! a real endpoint, what creates or deletes (`writes`, `lifecycle`) runs only with
//! `--allow-mutations`; filters, sort, pagination, counts, isolation and the read-only domain
//! errors work on whatever data exists, and say so (a skip with its reason) when it is too
//! little to judge.

mod bindings;
mod capacity;
mod combined;
mod crossed;
mod default_limit;
mod deletion;
mod errors;
mod filters;
mod first;
mod foreign;
mod isolation;
mod keeps;
mod life;
mod max_limit;
mod names;
mod order;
mod paging;
mod parts;
mod records;
mod retention;
mod same;
mod scope;
mod stays;
pub(crate) mod support;
mod theirs;
mod views;
mod writes;

pub(crate) use writes::Fixture;

use crate::checks::{Check, Scenario};
use crate::poll::Poll;
use crate::session::Session;
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;

/// Runs one behaviour scenario. `Writes` keeps what it made in the session, for the filters,
/// the domain errors and the families; `Bindings` adds the policy holding every server.
pub(crate) async fn run(session: &mut Session, scenario: Scenario) {
    match scenario {
        Scenario::Writes => {
            settle_project(session).await;
            session.record.fixture = writes::run(session).await;
        }
        Scenario::Filters
        | Scenario::DomainErrors
        | Scenario::Names
        | Scenario::Bindings
        | Scenario::RunScope
        | Scenario::Retention
        | Scenario::Deletion => {
            let mut fixture = std::mem::take(&mut session.record.fixture);
            match scenario {
                Scenario::Filters => filters::run(session, &fixture).await,
                Scenario::DomainErrors => errors::run(session, &fixture).await,
                Scenario::Names => names::run(session, &fixture).await,
                Scenario::Bindings => fixture.holding_all = bindings::run(session, &fixture).await,
                _ => families(session, &mut fixture, scenario).await,
            }
            session.record.fixture = fixture;
        }
        Scenario::Sorting => order::run(session).await,
        Scenario::Paging => paging::run(session).await,
        Scenario::ListShow => same::run(session).await,
        Scenario::Isolation => isolation::run(session).await,
        Scenario::Lifecycle => life::run(session).await,
        Scenario::FirstBackup => first::run(session).await,
        _ => {}
    }
}

/// The scenarios on the policy `Bindings` left holding every server: the scope of its runs,
/// what its runs keep, the deletion of a run's record (its last run's, or a new one), and the
/// deletion of the policy itself (its backups stay).
async fn families(session: &mut Session, fixture: &mut Fixture, scenario: Scenario) {
    let check = match scenario {
        Scenario::RunScope => Check::PolicyRunScope,
        Scenario::Retention => Check::RetentionConformance,
        _ => Check::DeletionScope,
    };
    let Some(policy) = fixture.holding_all.clone() else {
        let why = "needs a policy holding the run's servers (binding_release did not get there)";
        return session.recorder.skip(check, "executePolicy", check.name(), why);
    };
    match scenario {
        Scenario::RunScope => {
            let runs = scope::run(session, &policy).await;
            fixture.runs.extend(runs.iter().map(|r| r.record.clone()));
            fixture.last_run = runs.into_iter().last().or(fixture.last_run.take());
        }
        Scenario::Retention => {
            let mut earlier: Vec<String> =
                fixture.policy_backups.iter().filter_map(records::record_of).collect();
            earlier.dedup();
            earlier.extend(fixture.runs.iter().cloned());
            if let Some(last) =
                retention::run(session, &policy, &earlier, &fixture.manual_backups).await
            {
                fixture.runs.push(last.record.clone());
                fixture.last_run = Some(last);
            }
        }
        _ => {
            let run = match fixture.last_run.take() {
                Some(run) => Some(run),
                None => {
                    let case = "deletion_scope: a run to delete";
                    records::run_policy(session, &policy.id, None, check, case).await
                }
            };
            if let Some(run) = run {
                deletion::run(session, &run).await;
            }
            // Last of the families: the policy holding every server goes, its backups stay.
            stays::run(session, &policy).await;
            fixture.holding_all = None;
        }
    }
}

/// Waits (within --wait) until the project's backups stop moving (the earlier parts' deletions
/// finish), so that lists read twice agree.
pub(super) async fn settle_project(session: &mut Session) {
    let life = backup_lifecycle();
    let moving: Vec<String> = life.pending.iter().chain(&life.deleting).cloned().collect();
    let list = session.request("listBackups");
    let quiet = session
        .poll(&list, None, |answer| {
            let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
            let busy = items.and_then(Value::as_array).into_iter().flatten().any(|i| {
                i.get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|st| moving.iter().any(|m| m == st))
            });
            match busy {
                true => Poll::Pending("backups still being made or deleted".into()),
                false => Poll::Ready(()),
            }
        })
        .await;
    if quiet.is_err() {
        session.recorder.note("the project's backups were still being made or deleted after --wait; lists may change under the behaviour checks");
    }
}

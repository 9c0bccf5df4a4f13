//! The behaviour part of a run (`--only behaviour`): what the documents say the service
//! does, beyond the shapes of its answers, each a named check (see `checks::Check`):
//! `read_after_write`, `filter_conformance`, `sort_conformance`, `pagination_conformance`,
//! `count_conformance`, `list_show_agreement`, `domain_error_conformance`, `project_isolation`, `lifecycle_conformance`
//! and `quota_usage`. The rules come from the spec's behaviour extensions
//! (`csbs_spec::behaviour`), which the mock reads too.
//!
//! Each scenario runs when the run's dispatch (read from the check registry) says so; against
//! a real endpoint, what creates or deletes (`writes`, `lifecycle`) runs only with
//! `--allow-mutations`; filters, sort, pagination, counts, isolation and the read-only domain
//! errors work on whatever data exists, and say so (a skip with its reason) when it is too
//! little to judge.

mod errors;
mod filters;
mod isolation;
mod keeps;
mod life;
mod order;
mod paging;
mod same;
pub(crate) mod support;
mod writes;

pub(crate) use writes::Fixture;

use crate::checks::Scenario;
use crate::poll::Poll;
use crate::session::Session;
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;

/// Runs one behaviour scenario. `Writes` keeps what it made in the session, for the filters
/// and the domain errors.
pub(crate) async fn run(session: &mut Session, scenario: Scenario) {
    match scenario {
        Scenario::Writes => {
            settle_project(session).await;
            session.record.fixture = writes::run(session).await;
        }
        Scenario::Filters | Scenario::DomainErrors => {
            let fixture = std::mem::take(&mut session.record.fixture);
            match scenario {
                Scenario::Filters => filters::run(session, &fixture).await,
                _ => errors::run(session, &fixture).await,
            }
            session.record.fixture = fixture;
        }
        Scenario::Sorting => order::run(session).await,
        Scenario::Paging => paging::run(session).await,
        Scenario::ListShow => same::run(session).await,
        Scenario::Isolation => isolation::run(session).await,
        Scenario::Lifecycle => life::run(session).await,
        _ => {}
    }
}

/// Waits (within --wait) until the project's backups stop moving (the earlier parts' deletions
/// finish), so that lists read twice agree.
async fn settle_project(session: &mut Session) {
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

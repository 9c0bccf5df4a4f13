//! The example phase: every documented request, filled for the target, sent once and checked;
//! what it creates is recorded for cleanup.

use super::fill::{fill, Missing};
use super::learn::learn;
use super::plan::{plan, Planned, START_BACKUPS};
use super::settle::settle;
use crate::checks::{accepted, missing_keys, Check, Failure, Verdict};
use crate::http::Exchange;
use crate::session::Session;
use csbs_spec::ExampleKind;

/// Replays every documented example request against the target. The backups examples start
/// are waited for together: the next example goes ahead while they settle when it only starts
/// backups too ([`START_BACKUPS`]), and anything else waits for all of them first.
pub(crate) async fn run(session: &mut Session) {
    let mut settling: Vec<String> = Vec::new();
    for case in plan() {
        if !START_BACKUPS.contains(&case.operation.id.as_str()) {
            settle_all(session, &mut settling).await;
        }
        settling.extend(replay(session, &case).await);
    }
    settle_all(session, &mut settling).await;
}

/// Waits for the backups of each record in `settling`, oldest first (so the first wait is the
/// longest and the others find theirs settled), and learns them.
async fn settle_all(session: &mut Session, settling: &mut Vec<String>) {
    for checkpoint in std::mem::take(settling) {
        settle(session, &checkpoint).await;
    }
}

/// Replays `case`; a backup record it started (a backup, a restore) that must settle before
/// the examples that use it.
async fn replay(session: &mut Session, case: &Planned) -> Option<String> {
    let op = case.operation;
    let name = case.example.name.as_str();
    if let Some(why) = session.refuses(op) {
        session.recorder.skip(Check::PositiveDataAcceptance, &op.id, name, why);
        return None;
    }
    let filled =
        match fill(op, &case.example, &session.record.facts, op.is_mutation(), Missing::Refuse) {
            Ok(filled) => filled,
            Err(why) => {
                session.recorder.skip(Check::PositiveDataAcceptance, &op.id, name, why);
                return None;
            }
        };
    let exchange = session.sender.send(&filled, name).await;
    let extra = [
        (Check::PositiveDataAcceptance, accepted(op, &exchange)),
        (Check::ExampleStructure, structure(case, &exchange)),
    ];
    session.record(op, name, &exchange, extra);
    // A 2xx may have no body (deletePolicy): it still tells that the object is gone.
    let success = exchange.response().filter(|r| (200..300).contains(&r.status))?;
    let body = success.json().unwrap_or(serde_json::Value::Null);
    learn(&filled, &body, &mut session.record)
}

/// `example_structure` against the paired response example, when the answer has its status.
fn structure(case: &Planned, exchange: &Exchange) -> Option<Verdict> {
    let paired = case.paired.as_ref()?;
    let ExampleKind::Response(status) = paired.kind else { return None };
    let response = exchange.response().filter(|r| r.status == status)?;
    let body = response.json().ok()?;
    let missing = missing_keys(paired.value.as_ref()?, &body);
    if missing.is_empty() {
        return Some(Ok(()));
    }
    let message = format!(
        "the body lacks keys of the documented example `{}`: {}",
        paired.name,
        missing.join(", ")
    );
    Some(Err(Failure::new("required-by-example", message)))
}

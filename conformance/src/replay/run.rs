//! The example phase: every documented request, filled for the target, sent once and checked;
//! what it creates is recorded for cleanup.

use super::fill::{fill, Missing};
use super::learn::learn;
use super::plan::{plan, Planned};
use super::settle::settle;
use crate::checks::{accepted, missing_keys, Check, Failure, Verdict};
use crate::http::Exchange;
use crate::session::Session;
use csbs_spec::ExampleKind;

/// Replays every documented example request against the target.
pub(crate) async fn run(session: &mut Session) {
    for case in plan() {
        replay(session, &case).await;
    }
}

async fn replay(session: &mut Session, case: &Planned) {
    let op = case.operation;
    let name = case.example.name.as_str();
    if let Some(why) = session.refuses(op) {
        return session.recorder.skip(Check::PositiveDataAcceptance, &op.id, name, why);
    }
    let filled =
        match fill(op, &case.example, &session.record.facts, op.is_mutation(), Missing::Refuse) {
            Ok(filled) => filled,
            Err(why) => {
                return session.recorder.skip(Check::PositiveDataAcceptance, &op.id, name, why)
            }
        };
    let exchange = session.sender.send(&filled, name).await;
    let extra = [
        (Check::PositiveDataAcceptance, accepted(op, &exchange)),
        (Check::ExampleStructure, structure(case, &exchange)),
    ];
    session.record(op, name, &exchange, extra);
    // A 2xx may have no body (deletePolicy): it still tells that the object is gone.
    let Some(success) = exchange.response().filter(|r| (200..300).contains(&r.status)) else {
        return;
    };
    let body = success.json().unwrap_or(serde_json::Value::Null);
    if let Some(checkpoint) = learn(&filled, &body, &mut session.record) {
        settle(session, &checkpoint).await;
    }
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

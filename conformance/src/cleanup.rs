//! What a run creates it deletes at the end, whatever ended it (success, failure, time bound,
//! Ctrl-C): newest first (a policy's backups before the policy), each deletion retried while
//! the object is busy, within the cleanup bound. What stays is reported with a command to
//! delete it.

use crate::checks::Permission;
use crate::created::{created, Created, Ledger};
use crate::http::Exchange;
use crate::poll::{Poll, Poller};
use crate::report::{curl, cut, CleanupReport, LeftBehind};
use crate::session::Session;
use serde_json::{json, Value};
use std::time::Instant;

/// Deletes everything in the ledger, and any policy named after the run (created by a request
/// whose answer was lost to a timeout or Ctrl-C). Each object leaves the ledger once handled,
/// so that a cleanup cut short (a second Ctrl-C) can report the rest with [`abandon`].
pub(crate) async fn cleanup(session: &mut Session, report: &mut CleanupReport) {
    if !session.allows(Permission::Mutations) {
        return;
    }
    session.record.gather();
    let deadline = Instant::now() + session.limits.cleanup_timeout;
    session.progress().say("cleaning up");
    find_named_policies(session).await;
    while let Some(object) = session.record.ledger.created.last().cloned() {
        let bound = deadline.saturating_duration_since(Instant::now());
        match delete(session, &object, bound).await {
            Ok(true) => report.deleted.push(object.describe()),
            Ok(false) => {}
            Err((reason, exchange)) => report.left_behind.push(LeftBehind {
                what: object.kind.clone(),
                id: object.id.clone(),
                reason: session.recorder.redactor().redact(&reason),
                curl: curl(&exchange.request),
            }),
        }
        session.record.ledger.deleted(&object.delete);
    }
}

/// Deletes `object` now (within `--wait`), rather than at the run's end, and takes it off the
/// ledger; `Err` says why it stays (the cleanup tries again at the end).
pub(crate) async fn remove(session: &mut Session, object: &Created) -> Result<(), String> {
    let bound = session.limits.settle_timeout;
    delete(session, object, bound).await.map_err(|(reason, _)| reason)?;
    session.record.ledger.deleted(&object.delete);
    Ok(())
}

/// Reports what is still in the ledger as left behind, with `reason` and a command to delete it.
pub(crate) fn abandon(session: &mut Session, report: &mut CleanupReport, reason: &str) {
    session.record.gather();
    for object in session.record.ledger.created.iter().rev() {
        let op = object.delete.operation;
        let request = crate::http::RequestRecord {
            method: op.method.clone(),
            url: format!("{}{}", session.sender.target.base(op.service), object.delete.target()),
            headers: crate::http::auth_headers_to_fill(&session.credential()),
            body: None,
        };
        report.left_behind.push(LeftBehind {
            what: object.kind.clone(),
            id: object.id.clone(),
            reason: reason.to_owned(),
            curl: curl(&request),
        });
    }
    session.record.ledger = Ledger::default();
}

/// Deletes until the answer is 2xx (`true`) or 404 (`false`: already gone), retrying while the
/// object is busy, within `bound`.
async fn delete(
    session: &mut Session,
    object: &Created,
    bound: std::time::Duration,
) -> Result<bool, (String, Exchange)> {
    let poller = Poller::within(&session.limits, bound);
    let mut last = None;
    // The second project's objects are deleted with its own credential.
    let project = object.delete.path.get("project_id").cloned().unwrap_or_default();
    let auth = session.sender.target.auth_for(&project);
    let deleted = session
        .sender
        .poll_as(poller, &object.delete, auth, "(cleanup)", |exchange| {
            let gone = match exchange.status() {
                Some(status) if (200..300).contains(&status) => return Poll::Ready(true),
                Some(404) => return Poll::Ready(false),
                _ => match &exchange.outcome {
                    Ok(r) => {
                        format!("the last attempt was answered {} {}", r.status, cut(&r.body, 300))
                    }
                    Err(e) => format!("the last attempt failed: {e}"),
                },
            };
            last = Some(exchange);
            Poll::Pending(gone)
        })
        .await;
    deleted.map_err(|reason| (reason, last.expect("a wait gives up only after an attempt")))
}

/// Adds the policies named after this run (their names start with the run's name) to the ledger.
async fn find_named_policies(session: &mut Session) {
    let name = session.record.facts.run_name.clone();
    let list = session.request("listPolicies");
    let exchange = session.sender.send(&list, "(cleanup)").await;
    let body = exchange.response().and_then(|r| r.json().ok()).unwrap_or_default();
    let create = session.request("createPolicy");
    for policy in body.get("policies").and_then(Value::as_array).into_iter().flatten() {
        if !policy.get("name").and_then(Value::as_str).is_some_and(|n| n.starts_with(&name)) {
            continue;
        }
        if let Some(made) = created(create.operation, &create.parts(), &json!({ "policy": policy }))
        {
            session.record.ledger.add(made);
        }
    }
}

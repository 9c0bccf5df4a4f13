//! What a run creates it deletes at the end, whatever ended it (success, failure, time bound,
//! Ctrl-C). Backup records first, then policies; each deletion is retried while the object is
//! busy, within the cleanup bound. What stays is reported with a command to delete it.

use crate::http::Exchange;
use crate::replay::{fixed_path_value, Filled};
use crate::report::{curl, cut, CleanupReport, LeftBehind};
use crate::session::Session;
use csbs_spec::operations::{find_operation, percent_encode_segment};
use csbs_spec::Operation;
use serde_json::{Map, Value};
use std::time::Instant;

/// Objects the run created and has not deleted yet.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub policies: Vec<String>,
    pub checkpoints: Vec<String>,
}

impl Ledger {
    pub fn add_policy(&mut self, id: &str) {
        if !self.policies.iter().any(|p| p == id) {
            self.policies.push(id.to_owned());
        }
    }

    pub fn add_checkpoint(&mut self, id: &str) {
        if !self.checkpoints.iter().any(|c| c == id) {
            self.checkpoints.push(id.to_owned());
        }
    }

    pub fn remove_policy(&mut self, id: &str) {
        self.policies.retain(|p| p != id);
    }

    pub fn remove_checkpoint(&mut self, id: &str) {
        self.checkpoints.retain(|c| c != id);
    }
}

/// What to delete, in order: backup records (which may hold backups of the policy) first.
const WORK: [(&str, &str, &str); 2] = [
    ("backup record", "deleteCheckpoint", "checkpoint_id"),
    ("policy", "deletePolicy", "policy_id"),
];

/// Deletes everything in the ledger, and any policy named after the run (created by a request
/// whose answer was lost to a timeout or Ctrl-C). Each object leaves the ledger once handled,
/// so that a cleanup cut short (a second Ctrl-C) can report the rest with [`abandon`].
pub(crate) async fn cleanup(session: &mut Session, report: &mut CleanupReport) {
    if !session.mutations {
        return;
    }
    let deadline = Instant::now() + session.limits.cleanup_timeout;
    session.progress.say("cleaning up");
    find_named_policies(session).await;
    for (what, operation, parameter) in WORK {
        let Some(op) = find_operation(operation) else { continue };
        for id in ids(&session.ledger, parameter) {
            let filled = delete_request(session, op, parameter, &id);
            match delete(session, op, &filled, deadline).await {
                Ok(true) => report.deleted.push(format!("{what} {id}")),
                Ok(false) => {}
                Err((reason, exchange)) => report.left_behind.push(LeftBehind {
                    what: what.to_owned(),
                    id: id.clone(),
                    reason: session.recorder.redactor().redact(&reason),
                    curl: curl(&exchange.request),
                }),
            }
            session.ledger.remove_checkpoint(&id);
            session.ledger.remove_policy(&id);
        }
    }
}

/// Reports what is still in the ledger as left behind, with `reason` and a command to delete it.
pub(crate) fn abandon(session: &mut Session, report: &mut CleanupReport, reason: &str) {
    for (what, operation, parameter) in WORK {
        let Some(op) = find_operation(operation) else { continue };
        for id in ids(&session.ledger, parameter) {
            let filled = delete_request(session, op, parameter, &id);
            let url = format!("{}{}", session.target.base(op.service), filled.target);
            let request = crate::http::RequestRecord {
                method: op.method.clone(),
                url,
                headers: crate::http::auth_headers_to_fill(&session.credential()),
                body: None,
            };
            let curl = curl(&request);
            report.left_behind.push(LeftBehind {
                what: what.to_owned(),
                id,
                reason: reason.to_owned(),
                curl,
            });
        }
    }
    session.ledger = Ledger::default();
}

fn ids(ledger: &Ledger, parameter: &str) -> Vec<String> {
    match parameter {
        "checkpoint_id" => ledger.checkpoints.clone(),
        _ => ledger.policies.clone(),
    }
}

fn delete_request(session: &Session, op: &Operation, parameter: &str, id: &str) -> Filled {
    let mut path = Map::new();
    for p in op.parameters.iter().filter(|p| p.location == csbs_spec::Location::Path) {
        let value = match p.name.as_str() {
            "project_id" => session.target.project_id.clone(),
            name if name == parameter => id.to_owned(),
            name => fixed_path_value(op, name).unwrap_or_default(),
        };
        path.insert(p.name.clone(), Value::String(value));
    }
    Filled { target: op.render_path(&path), path, query: Vec::new(), body: None }
}

/// Deletes until the answer is 2xx (`true`) or 404 (`false`: already gone), retrying while the
/// object is busy.
async fn delete(
    session: &Session,
    op: &Operation,
    filled: &Filled,
    deadline: Instant,
) -> Result<bool, (String, Exchange)> {
    loop {
        let exchange = session.send(op, filled, session.credential(), "(cleanup)").await;
        match exchange.status() {
            Some(status) if (200..300).contains(&status) => return Ok(true),
            Some(404) => return Ok(false),
            _ if Instant::now() + session.limits.poll_interval > deadline => {
                let reason = match &exchange.outcome {
                    Ok(r) => {
                        format!("the last attempt was answered {} {}", r.status, cut(&r.body, 300))
                    }
                    Err(e) => format!("the last attempt failed: {e}"),
                };
                return Err((reason, exchange));
            }
            _ => tokio::time::sleep(session.limits.poll_interval).await,
        }
    }
}

/// Adds the policies named after this run to the ledger.
async fn find_named_policies(session: &mut Session) {
    let Some(op) = find_operation("listPolicies") else { return };
    let mut path = Map::new();
    path.insert("project_id".into(), Value::String(session.target.project_id.clone()));
    let name = session.facts.run_name.clone();
    let target = format!("{}?name={}", op.render_path(&path), percent_encode_segment(&name));
    let filled = Filled { path, query: vec![("name".into(), name.clone())], body: None, target };
    let exchange = session.send(op, &filled, session.credential(), "(cleanup)").await;
    let body = exchange.response().and_then(|r| r.json().ok()).unwrap_or_default();
    for policy in body.get("policies").and_then(Value::as_array).into_iter().flatten() {
        let named = policy.get("name").and_then(Value::as_str) == Some(name.as_str());
        if let (true, Some(id)) = (named, policy.get("id").and_then(Value::as_str)) {
            session.ledger.add_policy(id);
        }
    }
}

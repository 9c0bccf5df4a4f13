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

/// Deletes everything in the ledger, and any policy named after the run (created by a request
/// whose answer was lost to a timeout or Ctrl-C).
pub(crate) async fn cleanup(session: &mut Session) -> CleanupReport {
    let mut report = CleanupReport::default();
    if !session.mutations {
        return report;
    }
    let deadline = Instant::now() + session.limits.cleanup_timeout;
    session.progress.say("cleaning up");
    find_named_policies(session).await;
    let work = [("backup record", "deleteCheckpoint", "checkpoint_id", session.ledger.checkpoints.clone()),
        ("policy", "deletePolicy", "policy_id", session.ledger.policies.clone())];
    for (what, operation, parameter, ids) in work {
        let Some(op) = find_operation(operation) else { continue };
        for id in ids {
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
        }
    }
    session.ledger = Ledger::default();
    report
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
async fn delete(session: &Session, op: &Operation, filled: &Filled, deadline: Instant) -> Result<bool, (String, Exchange)> {
    loop {
        let exchange = session.send(op, filled, session.token(), "(cleanup)").await;
        match exchange.status() {
            Some(status) if (200..300).contains(&status) => return Ok(true),
            Some(404) => return Ok(false),
            _ if Instant::now() + session.limits.poll_interval > deadline => {
                let reason = match &exchange.outcome {
                    Ok(r) => format!("the last attempt was answered {} {}", r.status, cut(&r.body, 300)),
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
    let exchange = session.send(op, &filled, session.token(), "(cleanup)").await;
    let body = exchange.response().and_then(|r| r.json().ok()).unwrap_or_default();
    for policy in body.get("policies").and_then(Value::as_array).into_iter().flatten() {
        let named = policy.get("name").and_then(Value::as_str) == Some(name.as_str());
        if let (true, Some(id)) = (named, policy.get("id").and_then(Value::as_str)) {
            session.ledger.add_policy(id);
        }
    }
}

//! What a successful answer teaches the run: objects to reuse (from their response shapes),
//! objects created (to clean up) or deleted (to forget).

use super::facts::Facts;
use super::fill::Filled;
use crate::cleanup::Ledger;
use csbs_spec::Operation;
use serde_json::Value;

/// Records what `body` (a 2xx answer to `filled`) says; returns a backup record whose backups
/// the run must wait for (a new backup, a restore in progress).
pub fn learn(
    op: &Operation,
    filled: &Filled,
    body: &Value,
    facts: &mut Facts,
    ledger: &mut Ledger,
) -> Option<String> {
    let creates = op.method == "POST";
    if let Some(policy) = body.get("policy") {
        facts.learn_policy(policy, creates);
        if let (true, Some(id)) = (creates, policy.get("id").and_then(Value::as_str)) {
            ledger.add_policy(id);
        }
    }
    for policy in array(body, "policies") {
        facts.learn_policy(policy, false);
    }
    for item in body.get("checkpoint_item").into_iter().chain(array(body, "checkpoint_items")) {
        facts.learn_backup(item, false);
    }
    for backup in array(body, "backups") {
        if let Some(id) = backup.get("checkpoint_id").and_then(Value::as_str) {
            facts.learn_cbr_checkpoint(id);
        }
    }
    if op.method == "DELETE" {
        forget(filled, facts, ledger);
    }
    if !creates {
        return None;
    }
    if let Some(id) = body.pointer("/checkpoint/id").and_then(Value::as_str) {
        ledger.add_checkpoint(id);
        return Some(id.to_owned());
    }
    if body.get("restore").is_some() {
        let restored = filled.body.as_ref()?.pointer("/restore/checkpoint_id")?.as_str()?;
        return Some(restored.to_owned());
    }
    None
}

fn forget(filled: &Filled, facts: &mut Facts, ledger: &mut Ledger) {
    let path = |name: &str| filled.path.get(name).and_then(Value::as_str);
    if let Some(policy) = path("policy_id") {
        facts.forget_policy(policy);
        ledger.remove_policy(policy);
    }
    if let Some(checkpoint) = path("checkpoint_id") {
        let item =
            filled.query.iter().find(|(k, _)| k == "checkpoint_items").map(|(_, v)| v.as_str());
        facts.forget_backups(checkpoint, item);
        if item.is_none() {
            ledger.remove_checkpoint(checkpoint);
        }
    }
}

fn array<'a>(body: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    body.get(key).and_then(Value::as_array).into_iter().flatten()
}

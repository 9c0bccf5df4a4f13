//! What a successful answer teaches the run's record: objects to reuse (from their response
//! shapes), objects created (to clean up, read from the spec's links) or deleted (to forget).

use super::facts::Facts;
use crate::created::Ledger;
use crate::record::Record;
use crate::request::ApiRequest;
use serde_json::Value;

/// Records what `body` (a 2xx answer to `request`) says; returns a backup record whose backups
/// the run must wait for (a new backup, a restore in progress).
pub(crate) fn learn(request: &ApiRequest, body: &Value, record: &mut Record) -> Option<String> {
    let op = request.operation;
    let made = record.made(request, body);
    let Record { facts, ledger, .. } = record;
    if let Some(policy) = body.get("policy") {
        facts.learn_policy(policy, made.is_some());
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
        forget(request, facts, ledger);
    }
    if made.is_some() {
        if let Some(id) = body.pointer("/checkpoint/id").and_then(Value::as_str) {
            return Some(id.to_owned());
        }
    }
    if op.method == "POST" && body.get("restore").is_some() {
        let restored = request.body.as_ref()?.pointer("/restore/checkpoint_id")?.as_str()?;
        return Some(restored.to_owned());
    }
    None
}

fn forget(request: &ApiRequest, facts: &mut Facts, ledger: &mut Ledger) {
    if let Some(policy) = request.path.get("policy_id") {
        facts.forget_policy(policy);
    }
    if let Some(checkpoint) = request.path.get("checkpoint_id") {
        let item =
            request.query.iter().find(|(k, _)| k == "checkpoint_items").map(|(_, v)| v.as_str());
        facts.forget_backups(checkpoint, item);
    }
    ledger.deleted(request);
}

fn array<'a>(body: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    body.get(key).and_then(Value::as_array).into_iter().flatten()
}

//! `deletion_scope`, what a deletion leaves (`x-leaves`): deleting the policy the families
//! ran deletes the policy alone; the backups it made ("Its backups stay", deletePolicy) are
//! listed after it as before, reading the same apart from the list's `x-same` exceptions and
//! not being deleted.

use super::records::{describe, id, kept, run_policy};
use super::same::agree;
use super::support::{fail, list_all};
use super::writes::Policy;
use crate::checks::{Check, Verdict};
use crate::request::ApiRequest;
use crate::session::{status_text, Session};
use csbs_spec::behaviour::{leaves, links, Leaves};
use csbs_spec::operations::find_operation;
use serde_json::Value;

/// Deletes `policy` (which has made backups, or is run once first) and judges what stays.
pub async fn run(session: &mut Session, policy: &Policy) {
    let check = Check::DeletionScope;
    let Some(rule) = find_operation("deletePolicy").and_then(leaves) else {
        let why = "the spec names no x-leaves of deletePolicy";
        return session.recorder.skip(check, "deletePolicy", check.name(), why);
    };
    let delete = session.request("deletePolicy").path("policy_id", &policy.id);
    let list = stayers(session, &rule, &delete);
    let case =
        format!("deletion_scope: deletePolicy leaves what {} lists (x-leaves)", rule.operation);
    let mut before = kept_items(session, &list, &case).await;
    if before.as_ref().is_some_and(Vec::is_empty) {
        // A policy that made nothing (only this family selected): one run to judge.
        run_policy(session, &policy.id, None, check, &case).await;
        before = kept_items(session, &list, &case).await;
    }
    let Some(before) = before.filter(|b| !b.is_empty()) else {
        let why =
            format!("too little to judge: {} lists nothing made by the policy", rule.operation);
        return session.recorder.skip(check, "deletePolicy", &case, why);
    };
    let answer = session.call(&delete, &case).await;
    if !answer.ok() {
        let why = format!("deleting policy {} answered {}", policy.id, status_text(answer.status));
        return session.judge(check, &answer, &case, fail("deletePolicy", why));
    }
    session.record.ledger.deleted(&delete);
    let verdict = match list_all(session, &list, &case).await {
        Ok(after) => unchanged(&rule.operation, &before, &after.items),
        Err(why) => fail("x-leaves", format!("after the deletion {why}")),
    };
    session.judge(check, &answer, &case, verdict);
}

/// The list `rule` names, with its query read from the deleting request.
fn stayers(session: &Session, rule: &Leaves, delete: &ApiRequest) -> ApiRequest {
    let parts = delete.parts();
    let mut list = session.request(&rule.operation);
    for (name, expr) in &rule.query {
        if let Some(value) = expr.text(&parts, None) {
            list = list.query(name, value);
        }
    }
    list
}

/// The listed items not being deleted (`None`: the list failed).
async fn kept_items(session: &mut Session, list: &ApiRequest, case: &str) -> Option<Vec<Value>> {
    let all = list_all(session, list, case).await.ok()?;
    Some(all.items.into_iter().filter(kept).collect())
}

/// Each item listed before is listed after, kept, and reads the same (`x-same` of the list).
fn unchanged(operation: &str, before: &[Value], after: &[Value]) -> Verdict {
    let same = find_operation(operation).into_iter().flat_map(links).find_map(|l| l.same.clone());
    for item in before {
        match after.iter().find(|a| id(a) == id(item)) {
            None => {
                let why = format!("deleting the policy also deleted its backup {}", id(item));
                return fail("x-leaves", why);
            }
            Some(now) if !kept(now) => {
                let why = format!("deleting the policy also deletes {}", describe(&[now]));
                return fail("x-leaves", why);
            }
            Some(now) => {
                if let Some(same) = &same {
                    agree(same, item, now)?;
                }
            }
        }
    }
    Ok(())
}

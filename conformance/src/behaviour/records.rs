//! What the retention, run-scope and deletion checks share: the backups of a backup record
//! as listed now, which of them are kept (listed and not being deleted, `x-lifecycle`), and
//! running a policy over chosen servers (`x-subset` of `executePolicy`).

use super::support::{fail, list_all, show};
use crate::checks::{Check, Verdict};
use crate::fixtures;
use crate::replay::settle::settled_items;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{backup_lifecycle, subset};
use csbs_spec::operations::find_operation;
use serde_json::Value;

/// The backups of `record` as listed now (`None`: the list failed).
pub async fn items(session: &mut Session, record: &str, case: &str) -> Option<Vec<Value>> {
    let list = session.request("listBackups").query("checkpoint_id", record);
    list_all(session, &list, case).await.ok().map(|l| l.items)
}

/// The `id` of a backup.
pub fn id(item: &Value) -> String {
    item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// The server a backup was made of.
pub fn server(item: &Value) -> String {
    item.get("resource_id").and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// True when a listed backup is not on its way out (`x-lifecycle`'s deleting statuses).
pub fn kept(item: &Value) -> bool {
    let status = item.get("status").and_then(Value::as_str).unwrap_or_default();
    !backup_lifecycle().deleting.iter().any(|d| d == status)
}

/// `id (status)` of some backups, for messages.
pub fn describe(items: &[&Value]) -> String {
    let shown: Vec<String> = items
        .iter()
        .map(|i| format!("{} ({})", id(i), show(i.get("status").unwrap_or(&Value::Null))))
        .collect();
    shown.join(", ")
}

/// The record a backup belongs to.
pub fn record_of(item: &Value) -> Option<String> {
    item.get("checkpoint_id").and_then(Value::as_str).map(str::to_owned)
}

/// A settled run of a policy: the record and its backups.
#[derive(Clone, Debug)]
pub struct Run {
    pub record: String,
    pub items: Vec<Value>,
    pub answer: Answer,
}

/// A run of a policy accepted, its backups not settled yet.
pub struct Started {
    pub record: String,
    pub answer: Answer,
}

/// Runs `policy` over `chosen` servers (`None`: names none), puts the record in the ledger and
/// waits for its backups; a refused run or one that does not settle fails `check`.
pub async fn run_policy(
    session: &mut Session,
    policy: &str,
    chosen: Option<&[String]>,
    check: Check,
    case: &str,
) -> Option<Run> {
    let started = start_run(session, policy, chosen, check, case).await?;
    settle_run(session, started, check, case).await
}

/// The first half of [`run_policy`]: the run requested and its record in the ledger (several
/// can be started before their backups are waited for, so that the waits overlap).
pub async fn start_run(
    session: &mut Session,
    policy: &str,
    chosen: Option<&[String]>,
    check: Check,
    case: &str,
) -> Option<Started> {
    let op = find_operation("executePolicy")?;
    let rule = subset(op)?;
    let body = match chosen {
        Some(chosen) => fixtures::policy_run_over(policy, chosen),
        None => fixtures::policy_run(policy),
    };
    let request = session.request("executePolicy").body(body);
    let answer = session.call(&request, case).await;
    session.made(&request, &answer);
    let made = answer.json.as_ref().filter(|_| answer.ok()).and_then(|b| {
        // The record the run made (`x-subset`'s `made`).
        rule.made.as_ref()?.text(&request.parts(), Some(b))
    });
    let Some(record) = made else {
        let why = format!(
            "running policy {policy} answered {}",
            crate::session::status_text(answer.status)
        );
        session.judge(check, &answer, case, fail("executePolicy", why));
        return None;
    };
    Some(Started { record, answer })
}

/// The second half of [`run_policy`]: the started run once its backups settled (within
/// `--wait`; else `check` fails in `case`).
pub async fn settle_run(
    session: &mut Session,
    started: Started,
    check: Check,
    case: &str,
) -> Option<Run> {
    let Started { record, answer } = started;
    match settled_items(session, &record, None).await {
        Ok(settled) => Some(Run { record, items: settled.items, answer }),
        Err(last) => {
            let why =
                format!("the backups of record {record} did not settle within --wait ({last})");
            session.judge(check, &answer, case, fail("x-lifecycle", why));
            None
        }
    }
}

/// A run of `policy` backed up exactly the servers `wanted` (in any order); `rule` names the
/// rule in a failure.
pub fn backs_up(policy: &str, items: &[Value], wanted: &[String], rule: &str) -> Verdict {
    let mut made: Vec<String> = items.iter().map(server).collect();
    let mut wanted = wanted.to_vec();
    for list in [&mut made, &mut wanted] {
        list.sort_unstable();
        list.dedup();
    }
    if made == wanted {
        return Ok(());
    }
    fail(
        rule,
        format!("running policy {policy} backed up servers {made:?}; the run was for {wanted:?}"),
    )
}

//! `deletion_scope`: `deleteCheckpoint` with `checkpoint_items` deletes only that backup of
//! the record, and without deletes them all (`x-subset` of `deleteCheckpoint`). Judged on a
//! record of two backups (a policy run over two servers): the first is deleted by name and
//! must go while the second stays; then the record is deleted and the second must go too.

use super::records::{describe, id, kept, Run};
use super::support::fail;
use crate::checks::{Check, Verdict};
use crate::poll::Poll;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{subset, Expr};
use csbs_spec::operations::find_operation;
use serde_json::Value;

/// Deletes one backup of `run`'s record, then the record.
pub async fn run(session: &mut Session, run: &Run) {
    let check = Check::DeletionScope;
    let Some(Expr::RequestQuery(chosen)) =
        find_operation("deleteCheckpoint").and_then(subset).map(|s| s.chosen)
    else {
        let why = "the spec names no x-subset query of deleteCheckpoint";
        return session.recorder.skip(check, "deleteCheckpoint", check.name(), why);
    };
    let delete = session.request("deleteCheckpoint").path("checkpoint_id", &run.record);
    let case = format!("deletion_scope: {chosen} names one backup of two");
    if let [first, second, ..] = run.items.as_slice() {
        let request = delete.clone().query(&chosen, id(first));
        let answer = session.call(&request, &case).await;
        let verdict = match answer.ok() {
            true => match gone(session, &run.record, &[id(first)], &case, true).await {
                Ok(listed) => stays(&listed, second, &chosen),
                Err(failure) => Err(failure),
            },
            false => refused(&answer),
        };
        session.judge(check, &answer, &case, verdict);
        // The named backup must be gone before the record can be deleted (busy meanwhile).
        let _ = gone(session, &run.record, &[id(first)], &case, false).await;
    } else {
        let why =
            "too little to judge: a record of two backups needs two servers (--server-id twice)";
        session.recorder.skip(check, "deleteCheckpoint", &case, why);
    }
    let case = format!("deletion_scope: without {chosen}, the whole record");
    let answer = session.call(&delete, &case).await;
    let verdict = match answer.ok() {
        true => {
            session.record.ledger.deleted(&delete);
            let all: Vec<String> = run.items.iter().map(id).collect();
            gone(session, &run.record, &all, &case, true).await.map(|_| ())
        }
        false => refused(&answer),
    };
    session.judge(check, &answer, &case, verdict);
}

fn refused(answer: &Answer) -> Verdict {
    let code = answer.text("/error_code").unwrap_or_default();
    let status = crate::session::status_text(answer.status);
    fail("deleteCheckpoint", format!("the deletion answered {status} {code}"))
}

/// Within --wait, each of `ids` is being deleted (`deleting` counts when `deleting_counts`)
/// or gone; the record's backups as last listed.
async fn gone(
    session: &mut Session,
    record: &str,
    ids: &[String],
    case: &str,
    deleting_counts: bool,
) -> Result<Vec<Value>, crate::checks::Failure> {
    let list = session.request("listBackups").query("checkpoint_id", record);
    let ready = |answer: &crate::session::Answer| {
        let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
        let listed = items.and_then(Value::as_array).cloned().unwrap_or_default();
        let left: Vec<&Value> = listed
            .iter()
            .filter(|i| ids.contains(&id(i)) && (kept(i) || !deleting_counts))
            .collect();
        match left.is_empty() {
            true => Poll::Ready(listed.clone()),
            false => Poll::Pending(format!("still kept after --wait: {}", describe(&left))),
        }
    };
    session
        .poll(&list, Some(case), ready)
        .await
        .map_err(|last| crate::checks::Failure::new("x-subset", last))
}

/// The backup not named is still listed and not being deleted.
fn stays(listed: &[Value], other: &Value, chosen: &str) -> Verdict {
    match listed.iter().find(|i| id(i) == id(other)) {
        Some(item) if kept(item) => Ok(()),
        Some(item) => fail(
            "x-subset",
            format!("deleting the backup {chosen} named also deletes {}", describe(&[item])),
        ),
        None => fail(
            "x-subset",
            format!("deleting the backup {chosen} named also deleted {}", id(other)),
        ),
    }
}

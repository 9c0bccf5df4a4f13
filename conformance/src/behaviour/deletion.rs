//! `deletion_scope`: `deleteCheckpoint` with `checkpoint_items` deletes only that backup of
//! the record, and without deletes them all (`x-subset` of `deleteCheckpoint`). Judged on a
//! record of two backups (a policy run over two servers): the first is deleted by name and
//! must go while the second stays; then the record is deleted and the second must go too.

use super::records::{describe, id, items, kept, Run};
use super::support::fail;
use crate::checks::{Check, Verdict};
use crate::poll::Poller;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{subset, Expr};
use csbs_spec::operations::find_operation;
use serde_json::Value;

/// Deletes one backup of `run`'s record, then the record.
pub async fn run(session: &mut Session, run: &Run) {
    let Some(Expr::RequestQuery(chosen)) =
        find_operation("deleteCheckpoint").and_then(subset).map(|s| s.chosen)
    else {
        return session.recorder.skip(
            "deleteCheckpoint",
            "deletion_scope",
            "the spec names no x-subset query of deleteCheckpoint",
        );
    };
    let delete = session.request("deleteCheckpoint").path("checkpoint_id", &run.record);
    if let [first, second, ..] = run.items.as_slice() {
        let case = format!("deletion_scope: {chosen} names one backup of two");
        let request = delete.clone().query(&chosen, id(first));
        let answer = session.call(&request, &case).await;
        let verdict = match answer.ok() {
            true => {
                let verdict = gone(session, &run.record, &[id(first)], &case).await;
                match verdict {
                    Ok(()) => stays(session, &run.record, second, &chosen, &case).await,
                    err => err,
                }
            }
            false => refused(&answer),
        };
        session.judge(Check::DeletionScope, &answer, &case, verdict);
        // The named backup must be gone before the record can be deleted (it is busy meanwhile).
        let mut poller = Poller::new(&session.limits, session.limits.settle_timeout);
        loop {
            let listed = items(session, &run.record, &case).await.unwrap_or_default();
            if !listed.iter().any(|i| id(i) == id(first))
                || poller.wait(String::new()).await.is_err()
            {
                break;
            }
        }
    } else {
        let why =
            "too little to judge: a record of two backups needs two servers (--server-id twice)";
        session.recorder.skip(
            "deleteCheckpoint",
            &format!("deletion_scope: {chosen} names one backup of two"),
            why,
        );
    }
    let case = format!("deletion_scope: without {chosen}, the whole record");
    let answer = session.call(&delete, &case).await;
    let verdict = match answer.ok() {
        true => {
            session.ledger.deleted(&delete);
            let all: Vec<String> = run.items.iter().map(id).collect();
            gone(session, &run.record, &all, &case).await
        }
        false => refused(&answer),
    };
    session.judge(Check::DeletionScope, &answer, &case, verdict);
}

fn refused(answer: &Answer) -> Verdict {
    let code = answer.text("/error_code").unwrap_or_default();
    fail(
        "deleteCheckpoint",
        format!("the deletion answered {} {code}", crate::session::status_text(answer.status)),
    )
}

/// Within --wait, each of `ids` is being deleted or gone.
async fn gone(session: &mut Session, record: &str, ids: &[String], case: &str) -> Verdict {
    let mut poller = Poller::new(&session.limits, session.limits.settle_timeout);
    loop {
        let listed = items(session, record, case).await.unwrap_or_default();
        let left: Vec<&Value> = listed.iter().filter(|i| ids.contains(&id(i)) && kept(i)).collect();
        if left.is_empty() {
            return Ok(());
        }
        if poller.wait(String::new()).await.is_err() {
            return fail("x-subset", format!("still kept after --wait: {}", describe(&left)));
        }
    }
}

/// The backup not named is still there and not being deleted.
async fn stays(
    session: &mut Session,
    record: &str,
    other: &Value,
    chosen: &str,
    case: &str,
) -> Verdict {
    let listed = items(session, record, case).await.unwrap_or_default();
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

//! `first_backup_full`: a server's first backup is what the spec's `x-first-backup` says
//! (full), whatever the protect asked. A server of the run with no backup is found, or made
//! by deleting the run's own backups of one (never another's); it is protected asking the
//! other value (`incremental: true`), and every view the rule names shows the settled backup.

use super::records::{describe, record_of};
use super::support::{fail, list_all, show};
use crate::checks::Check;
use crate::replay::settle::settled_items;
use crate::session::Session;
use csbs_spec::behaviour::{first_backup, pagination, Expr, FirstBackup};
use csbs_spec::operations::find_operation;
use serde_json::Value;
use std::collections::BTreeSet;

const CHECK: Check = Check::FirstBackupFull;

/// Judges the first backup of a server of the run.
pub async fn run(session: &mut Session) {
    let case = "first_backup_full: a server's first backup, asked the other way";
    let rule = find_operation("protectResource").and_then(first_backup);
    let Some((rule, asked)) = rule.and_then(|r| opposite(&r).map(|a| (r, a))) else {
        let why = "needs the spec's x-first-backup (a boolean `is` asked through the body)";
        return session.recorder.skip(CHECK, "protectResource", case, why);
    };
    super::settle_project(session).await;
    let Some(server) = free_server(session, case).await else { return };
    let mut body =
        crate::fixtures::protect(&format!("{}-first", session.record.facts.run_name), None);
    if let Expr::RequestBody(pointer) = &rule.asked {
        set(&mut body, pointer, asked);
    }
    let protect = session.request("protectResource").path("resource_id", &server).body(body);
    let answer = session.call(&protect, case).await;
    session.made(&protect, &answer);
    let Some(record) =
        rule.made.text(&protect.parts(), answer.json.as_ref()).filter(|_| answer.ok())
    else {
        let why = format!("no backup was started ({})", crate::session::status_text(answer.status));
        return session.recorder.skip(CHECK, "protectResource", case, why);
    };
    if let Err(last) = settled_items(session, &record, None).await {
        let why = format!("the backup of record {record} did not settle ({last})");
        return session.judge(CHECK, &answer, case, fail("x-lifecycle", why));
    }
    for view in &rule.shown {
        judge_view(session, &rule, view, &record, &server).await;
    }
}

/// The value to ask: the opposite of the rule's boolean `is` (`None`: not a boolean asked
/// in the body).
fn opposite(rule: &FirstBackup) -> Option<Value> {
    let is = rule.is.as_bool()?;
    matches!(rule.asked, Expr::RequestBody(_)).then_some(Value::Bool(!is))
}

/// Sets the member at `pointer` of `body` (its parent exists).
fn set(body: &mut Value, pointer: &str, value: Value) {
    let Some((parent, member)) = pointer.rsplit_once('/') else { return };
    if let Some(object) = body.pointer_mut(parent).and_then(Value::as_object_mut) {
        object.insert(member.to_owned(), value);
    }
}

/// One view (a list by the record) shows the backup with the rule's value.
async fn judge_view(
    session: &mut Session,
    rule: &FirstBackup,
    view: &csbs_spec::behaviour::Shown,
    record: &str,
    server: &str,
) {
    let case = format!("first_backup_full: {} shows the first backup of {server}", view.operation);
    let Some(op) = find_operation(&view.operation) else { return };
    let Some(paging) = pagination(op) else { return };
    let list = session.request(&view.operation).query(&view.filter, record);
    let answer = session.call(&list, &case).await;
    let items = answer.json.as_ref().and_then(|b| b.pointer(&paging.items)?.as_array().cloned());
    let items = items.unwrap_or_default();
    let wrong: Vec<&Value> =
        items.iter().filter(|i| i.pointer(&view.property) != Some(&rule.is)).collect();
    let verdict = match (items.is_empty(), wrong.is_empty()) {
        (true, _) => fail(&view.operation, format!("lists no backup of record {record}")),
        (_, true) => Ok(()),
        (_, false) => {
            let seen: Vec<String> = wrong
                .iter()
                .map(|i| {
                    format!(
                        "{} {}",
                        view.property,
                        show(i.pointer(&view.property).unwrap_or(&Value::Null))
                    )
                })
                .collect();
            fail(
                "x-first-backup",
                format!(
                    "the first backup of {server} (record {record}) shows {}; a server's first backup is {} {} whatever was asked",
                    seen.join(", "),
                    view.property,
                    rule.is
                ),
            )
        }
    };
    session.judge(CHECK, &answer, &case, verdict);
}

/// A server of the run that the project holds no backup of: one with none, or one whose
/// every backup the run made (their records are deleted, and gone within --wait). `None`,
/// skipped with the reason, when each has backups the run did not make.
async fn free_server(session: &mut Session, case: &str) -> Option<String> {
    session.record.gather();
    let mine: BTreeSet<String> = session
        .record
        .ledger
        .created
        .iter()
        .filter(|c| c.delete.operation.id == "deleteCheckpoint")
        .map(|c| c.id.clone())
        .collect();
    let mut freeable = None;
    let mut others = Vec::new();
    for server in session.record.facts.servers.clone() {
        let list = session.request("listBackups").query("resource_id", &server);
        let Ok(listing) = list_all(session, &list, case).await else { continue };
        if listing.items.is_empty() {
            return Some(server);
        }
        let records: BTreeSet<String> = listing.items.iter().filter_map(record_of).collect();
        if freeable.is_none() && listing.complete && records.is_subset(&mine) {
            freeable = Some((server, records));
        } else {
            let foreign: Vec<&Value> = listing
                .items
                .iter()
                .filter(|i| !record_of(i).is_some_and(|r| mine.contains(&r)))
                .collect();
            others.push(format!("{server}: {}", describe(&foreign[..foreign.len().min(3)])));
        }
    }
    let Some((server, records)) = freeable else {
        let why = format!(
            "every server the run was given has backups the run did not make ({}); the run deletes only what it made",
            others.join("; ")
        );
        session.recorder.skip(CHECK, "protectResource", case, why);
        return None;
    };
    for record in &records {
        let made = session.record.ledger.created.iter().find(|c| c.id == *record);
        let Some(delete) = made.map(|c| c.delete.clone()) else { continue };
        if session.call(&delete, case).await.ok() {
            session.record.ledger.deleted(&delete);
        }
    }
    let list = session.request("listBackups").query("resource_id", &server);
    let gone = session
        .poll(&list, None, |answer| {
            let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
            match items.and_then(Value::as_array).is_some_and(Vec::is_empty) {
                true => crate::poll::Poll::Ready(()),
                false => crate::poll::Poll::Pending(format!("{server}'s backups still listed")),
            }
        })
        .await;
    if let Err(last) = gone {
        let why = format!("the run deleted its backups of {server}, but {last} after --wait");
        session.recorder.skip(CHECK, "protectResource", case, why);
        return None;
    }
    Some(server)
}

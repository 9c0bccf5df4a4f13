//! Stateful checks (`--only stateful`): what is created shows up everywhere it should
//! (`ensure_resource_availability`), and what is deleted is gone (`use_after_free`). They
//! create and delete, so they run against the mock, or against an endpoint only with
//! `--allow-mutations` (and a `--server-id` to back up).

use crate::checks::{Check, Failure, Verdict};
use crate::poll::Poll;
use crate::replay::settle::settled_items;
use crate::request::ApiRequest;
use crate::session::{status_text, Answer, Session};
use csbs_spec::behaviour::{backup_lifecycle, links, select, Link};
use serde_json::Value;

fn verdict(ok: bool, rule: &str, message: impl Into<String>) -> Verdict {
    if ok {
        Ok(())
    } else {
        Err(Failure::new(rule, message.into()))
    }
}

fn listed(answer: &Answer, list: &str, id: &str) -> bool {
    answer
        .json
        .as_ref()
        .and_then(|b| b.get(list))
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().any(|i| i.get("id").and_then(Value::as_str) == Some(id)))
}

/// The stateful part of a run (dispatched only when mutations are allowed: its checks'
/// rows need them).
pub(crate) async fn run(session: &mut Session) {
    policy_lifecycle(session).await;
    match session.record.facts.servers.first().cloned() {
        Some(server) => backup_lifecycle_scenario(session, &server).await,
        None => session.recorder.skip(
            Check::EnsureResourceAvailability,
            "protectResource",
            "stateful",
            "no server to back up; give --server-id",
        ),
    }
}

/// The reads the spec's links lead to from `request`'s `answer`, where a new object shows
/// (links with `x-echo`: a show and a filtered list), in document order, as `read_after_write`
/// follows them.
fn linked_reads(request: &ApiRequest, answer: &Value) -> Vec<(Link, String, ApiRequest)> {
    let reads = links(request.operation).into_iter().filter(|l| l.operation.method == "GET");
    reads
        .filter_map(|link| {
            let objects = link.echo.as_ref()?.objects.clone();
            let read = ApiRequest::follow(request, Some(answer), &link)?;
            Some((link, objects, read))
        })
        .collect()
}

/// True when an object at `objects` (`/policy`, `/policies/*`) of the answer has `id`.
fn shows(answer: &Answer, objects: &str, id: &str) -> bool {
    let found = answer.json.as_ref().map(|b| select(b, objects)).unwrap_or_default();
    found.iter().any(|o| o.get("id").and_then(Value::as_str) == Some(id))
}

/// A policy is created; every read its links lead to shows it; it is deleted; each of those
/// reads then misses it (a show answers 404, a list no longer lists it).
async fn policy_lifecycle(session: &mut Session) {
    let name = format!("{}-stateful", session.record.facts.run_name);
    let create =
        session.request("createPolicy").body(crate::fixtures::policy(&name, "stateful", &[]));
    let case = "stateful: a created policy";
    let answer = session.call(&create, case).await;
    let Some(made) = session.made(&create, &answer) else {
        let why = format!("the policy was not created (answer {})", status_text(answer.status));
        session.recorder.skip(Check::EnsureResourceAvailability, "createPolicy", case, why);
        return;
    };
    let id = made.id.clone();
    let reads = linked_reads(&create, answer.json.as_ref().unwrap_or(&Value::Null));
    for (link, objects, read) in &reads {
        let seen = session.call(read, case).await;
        let (rule, what) = match objects.ends_with('*') {
            true => ("list", format!("{} filtered by {:?}", link.operation.id, read.query)),
            false => ("get", format!("{} of the new policy", link.operation.id)),
        };
        let v = verdict(
            seen.ok() && shows(&seen, objects, &id),
            rule,
            format!("{what} answered {} without the new policy {id}", status_text(seen.status)),
        );
        session.judge(Check::EnsureResourceAvailability, &seen, case, v);
    }

    let case = "stateful: a deleted policy";
    let deleted = session.call(&made.delete, case).await;
    if !deleted.ok() {
        let why = format!("the policy was not deleted (answer {})", status_text(deleted.status));
        session.recorder.skip(Check::UseAfterFree, "deletePolicy", case, why);
        return;
    }
    session.record.ledger.deleted(&made.delete);
    for (link, objects, read) in &reads {
        let after = session.call(read, case).await;
        let status = status_text(after.status);
        // A show answers 404; a list (a search index that outlives the object) lists it no more.
        let v = match objects.ends_with('*') {
            false => verdict(
                after.status == Some(404),
                "404",
                format!(
                    "{} of the deleted policy {id} answered {status}, expected 404",
                    link.operation.id
                ),
            ),
            true => verdict(
                after.status == Some(200) && !shows(&after, objects, &id),
                "list",
                format!(
                    "{} filtered by {:?} still lists the deleted policy {id} (answer {status})",
                    link.operation.id, read.query
                ),
            ),
        };
        session.judge(Check::UseAfterFree, &after, case, v);
    }
}

/// `use_after_free`: the list `op` filtered by `key=value` no longer lists `id` in `items`.
async fn no_longer_listed(
    session: &mut Session,
    (op, key, value, items): (&str, &str, &str, &str),
    id: &str,
    what: &str,
    case: &str,
) {
    let listing = session.call(&session.request(op).query(key, value), case).await;
    let v = verdict(
        listing.status == Some(200) && !listed(&listing, items, id),
        "list",
        format!(
            "the list filtered by {key} {value} still lists the deleted {what} {id} (answer {})",
            status_text(listing.status)
        ),
    );
    session.judge(Check::UseAfterFree, &listing, case, v);
}

async fn backup_lifecycle_scenario(session: &mut Session, server: &str) {
    let case = "stateful: a new backup";
    let body =
        crate::fixtures::protect(&format!("{}-stateful", session.record.facts.run_name), None);
    let protect = session.request("protectResource").path("resource_id", server).body(body);
    let answer = session.call(&protect, case).await;
    let Some(made) = session.made(&protect, &answer) else {
        let why = format!("no backup was started (answer {})", status_text(answer.status));
        session.recorder.skip(Check::EnsureResourceAvailability, "protectResource", case, why);
        return;
    };
    let checkpoint = made.id.clone();
    let listing = settled_items(session, &checkpoint, Some(case)).await.map(|s| s.answer);
    let Ok(Some(listing)) = listing else {
        session.recorder.skip(
            Check::EnsureResourceAvailability,
            "listBackups",
            case,
            "the new backup did not settle within --wait",
        );
        return;
    };
    let v = verdict(true, "list", String::new());
    session.judge(Check::EnsureResourceAvailability, &listing, case, v);
    let Some(item) = listing.text("/checkpoint_items/0/id") else { return };
    // The show of the listed backup, as the list's link to the show of its items fills it.
    let list = session.request("listBackups").query("checkpoint_id", &checkpoint);
    let to_show = links(list.operation).into_iter().find(|l| l.same.is_some());
    let Some(show) = to_show.and_then(|l| ApiRequest::follow(&list, listing.json.as_ref(), &l))
    else {
        return;
    };
    let shown = session.call(&show, case).await;
    let v = verdict(
        shown.status == Some(200),
        "get",
        format!("GET of the new backup {item} answered {}", status_text(shown.status)),
    );
    session.judge(Check::EnsureResourceAvailability, &shown, case, v);
    let counted = session
        .call(&session.request("countBackups").query("checkpoint_id", &checkpoint), case)
        .await;
    let count =
        counted.json.as_ref().and_then(|b| b.get("count")).and_then(Value::as_i64).unwrap_or(0);
    let v = verdict(
        count >= 1,
        "count",
        format!("the count filtered by checkpoint_id {checkpoint} is {count}"),
    );
    session.judge(Check::EnsureResourceAvailability, &counted, case, v);
    let cbr = session
        .call(&session.request("listCbrBackups").query("checkpoint_id", &checkpoint), case)
        .await;
    let v = verdict(
        listed(&cbr, "backups", &item),
        "list",
        format!("the CBR backup list lacks the new backup {item}"),
    );
    session.judge(Check::EnsureResourceAvailability, &cbr, case, v);
    let point = session
        .call(&session.request("showCbrCheckpoint").path("checkpoint_id", &checkpoint), case)
        .await;
    let v = verdict(
        point.status == Some(200),
        "get",
        format!("the CBR restore point {checkpoint} answered {}", status_text(point.status)),
    );
    session.judge(Check::EnsureResourceAvailability, &point, case, v);

    let case = "stateful: a deleted backup";
    let deleted = session.call(&made.delete, case).await;
    if !deleted.ok() {
        let why = format!("the backup was not deleted (answer {})", status_text(deleted.status));
        session.recorder.skip(Check::UseAfterFree, "deleteCheckpoint", case, why);
        return;
    }
    session.record.ledger.deleted(&made.delete);
    let deleting = backup_lifecycle().deleting;
    let gone = session
        .poll(&show, Some(case), |answer| {
            let state = answer.text("/checkpoint_item/status");
            match answer.status {
                Some(404) => Poll::Ready(Ok(answer.clone())),
                Some(200) if state.as_ref().is_some_and(|st| deleting.contains(st)) => {
                    Poll::Pending(format!("status {state:?}"))
                }
                other => {
                    let what = format!("answered {} with status {state:?}", status_text(other));
                    Poll::Ready(Err((answer.clone(), what)))
                }
            }
        })
        .await;
    match gone {
        Ok(Ok(answer)) => {
            session.judge(Check::UseAfterFree, &answer, case, Ok(()));
            let filter = ("listBackups", "checkpoint_id", checkpoint.as_str(), "checkpoint_items");
            no_longer_listed(session, filter, &item, "backup", case).await;
        }
        Ok(Err((answer, what))) => {
            let v = Err(Failure::new(
                "404",
                format!("GET of the deleted backup {item} {what}; expected 404 once deleted"),
            ));
            session.judge(Check::UseAfterFree, &answer, case, v);
        }
        Err(last) => session.recorder.note(format!(
            "the deleted backup {item} was still being deleted after --wait ({last}); use_after_free not judged"
        )),
    }
}

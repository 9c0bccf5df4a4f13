//! Stateful checks (`--only stateful`): what is created shows up everywhere it should
//! (`ensure_resource_availability`), and what is deleted is gone (`use_after_free`). They
//! create and delete, so they run against the mock, or against an endpoint only with
//! `--allow-mutations` (and a `--server-id` to back up).

use crate::checks::{Check, Failure, Verdict};
use crate::http::Exchange;
use crate::replay::Filled;
use crate::session::Session;
use csbs_spec::operations::{find_operation, percent_encode_segment};
use serde_json::{json, Map, Value};
use std::time::Instant;

const PROVIDER: &str = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";
const SCHEDULE: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// Sends one request of the scenario and records it with the checks every exchange gets;
/// returns the status and JSON body.
async fn call(
    session: &mut Session,
    operation: &str,
    path: &[(&str, &str)],
    query: &[(&str, &str)],
    body: Option<Value>,
    case: &str,
) -> (Exchange, Option<u16>, Option<Value>) {
    let op = find_operation(operation).expect("the scenario names documented operations");
    let mut map = Map::new();
    map.insert("project_id".into(), Value::String(session.facts.project_id.clone()));
    for (k, v) in path {
        map.insert((*k).into(), Value::String((*v).into()));
    }
    let mut target = op.render_path(&map);
    let pairs: Vec<String> =
        query.iter().map(|(k, v)| format!("{k}={}", percent_encode_segment(v))).collect();
    if !pairs.is_empty() {
        target = format!("{target}?{}", pairs.join("&"));
    }
    let query = query.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let filled = Filled { path: map, query, body, target };
    let exchange = session.send(op, &filled, session.credential(), case).await;
    session.record(op, case, &exchange, []);
    let status = exchange.status();
    let json = exchange.response().and_then(|r| r.json().ok());
    (exchange, status, json)
}

fn verdict(ok: bool, rule: &str, message: impl Into<String>) -> Verdict {
    if ok {
        Ok(())
    } else {
        Err(Failure::new(rule, message.into()))
    }
}

fn listed(body: &Option<Value>, list: &str, id: &str) -> bool {
    body.as_ref()
        .and_then(|b| b.get(list))
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().any(|i| i.get("id").and_then(Value::as_str) == Some(id)))
}

/// The stateful part of a run.
pub(crate) async fn run(session: &mut Session) {
    if !session.mutations {
        session.recorder.skip(
            "stateful",
            "stateful",
            "it creates and deletes; give --allow-mutations",
        );
        return;
    }
    policy_lifecycle(session).await;
    match session.facts.servers.first().cloned() {
        Some(server) => backup_lifecycle(session, &server).await,
        None => session.recorder.skip(
            "protectResource",
            "stateful",
            "no server to back up; give --server-id",
        ),
    }
}

async fn policy_lifecycle(session: &mut Session) {
    let name = format!("{}-stateful", session.facts.run_name);
    let body = json!({"policy": {
        "name": name, "provider_id": PROVIDER, "parameters": {"common": {}}, "resources": [],
        "scheduled_operations": [{"enabled": false, "operation_type": "backup",
            "operation_definition": {"max_backups": 1}, "trigger": {"properties": {"pattern": SCHEDULE}}}]
    }});
    let case = "stateful: a created policy";
    let (_, status, created) = call(session, "createPolicy", &[], &[], Some(body), case).await;
    let Some(id) = created
        .as_ref()
        .and_then(|b| b.pointer("/policy/id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        session.recorder.skip(
            "createPolicy",
            case,
            format!("the policy was not created (answer {status:?})"),
        );
        return;
    };
    session.ledger.add_policy(&id);
    let (shown, status, body) =
        call(session, "showPolicy", &[("policy_id", &id)], &[], None, case).await;
    let ok = status == Some(200)
        && body.as_ref().and_then(|b| b.pointer("/policy/id")).and_then(Value::as_str) == Some(&id);
    availability(
        session,
        "showPolicy",
        case,
        &shown,
        verdict(ok, "get", format!("GET of the new policy {id} answered {status:?}")),
    );
    let (listing, _, body) =
        call(session, "listPolicies", &[], &[("name", &name)], None, case).await;
    let ok = listed(&body, "policies", &id);
    availability(
        session,
        "listPolicies",
        case,
        &listing,
        verdict(ok, "list", format!("the list filtered by name {name} lacks the new policy {id}")),
    );

    let case = "stateful: a deleted policy";
    let (_, status, _) =
        call(session, "deletePolicy", &[("policy_id", &id)], &[], None, case).await;
    if status != Some(200) {
        session.recorder.skip(
            "deletePolicy",
            case,
            format!("the policy was not deleted (answer {status:?})"),
        );
        return;
    }
    session.ledger.remove_policy(&id);
    let (after, status, _) =
        call(session, "showPolicy", &[("policy_id", &id)], &[], None, case).await;
    let index = session.recorder.exchanges.len() - 1;
    let v = verdict(
        status == Some(404),
        "404",
        format!("GET of the deleted policy {id} answered {status:?}, expected 404"),
    );
    let _ = after;
    session.recorder.verdict(Check::UseAfterFree, "showPolicy", case, v, Some(index));
}

fn availability(
    session: &mut Session,
    operation: &str,
    case: &str,
    _exchange: &Exchange,
    verdict: Verdict,
) {
    let index = session.recorder.exchanges.len() - 1;
    session.recorder.verdict(
        Check::EnsureResourceAvailability,
        operation,
        case,
        verdict,
        Some(index),
    );
}

/// Waits while `checkpoint_id`'s backups are `protecting`; the last listing is returned.
async fn settled(session: &mut Session, checkpoint_id: &str, case: &str) -> Option<Value> {
    let deadline = Instant::now() + session.limits.settle_timeout;
    loop {
        let (_, _, body) =
            call(session, "listBackups", &[], &[("checkpoint_id", checkpoint_id)], None, case)
                .await;
        let items = body
            .as_ref()
            .and_then(|b| b.get("checkpoint_items"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let busy = items.iter().any(|i| {
            matches!(
                i.get("status").and_then(Value::as_str),
                Some("protecting" | "waiting_protect")
            )
        });
        if (!items.is_empty() && !busy) || Instant::now() + session.limits.poll_interval > deadline
        {
            return body;
        }
        tokio::time::sleep(session.limits.poll_interval).await;
    }
}

async fn backup_lifecycle(session: &mut Session, server: &str) {
    let case = "stateful: a new backup";
    let body = json!({"protect": {"backup_name": format!("{}-stateful", session.facts.run_name)}});
    let (_, status, created) = call(
        session,
        "protectResource",
        &[("provider_id", PROVIDER), ("resource_id", server)],
        &[],
        Some(body),
        case,
    )
    .await;
    let Some(checkpoint) = created
        .as_ref()
        .and_then(|b| b.pointer("/checkpoint/id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        session.recorder.skip(
            "protectResource",
            case,
            format!("no backup was started (answer {status:?})"),
        );
        return;
    };
    session.ledger.add_checkpoint(&checkpoint);
    let listing = settled(session, &checkpoint, case).await;
    let listed_ok = listing
        .as_ref()
        .and_then(|b| b.get("checkpoint_items"))
        .and_then(Value::as_array)
        .is_some_and(|i| !i.is_empty());
    let last = session.recorder.exchanges.len() - 1;
    let v = verdict(
        listed_ok,
        "list",
        format!("the list filtered by checkpoint_id {checkpoint} shows no backup"),
    );
    session.recorder.verdict(Check::EnsureResourceAvailability, "listBackups", case, v, Some(last));
    let Some(item) = listing
        .as_ref()
        .and_then(|b| b.pointer("/checkpoint_items/0/id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    let (shown, status, _) =
        call(session, "showBackup", &[("checkpoint_item_id", &item)], &[], None, case).await;
    availability(
        session,
        "showBackup",
        case,
        &shown,
        verdict(
            status == Some(200),
            "get",
            format!("GET of the new backup {item} answered {status:?}"),
        ),
    );
    let (counted, _, body) =
        call(session, "countBackups", &[], &[("checkpoint_id", &checkpoint)], None, case).await;
    let count = body.as_ref().and_then(|b| b.get("count")).and_then(Value::as_i64).unwrap_or(0);
    availability(
        session,
        "countBackups",
        case,
        &counted,
        verdict(
            count >= 1,
            "count",
            format!("the count filtered by checkpoint_id {checkpoint} is {count}"),
        ),
    );
    let (cbr, _, body) =
        call(session, "listCbrBackups", &[], &[("checkpoint_id", &checkpoint)], None, case).await;
    availability(
        session,
        "listCbrBackups",
        case,
        &cbr,
        verdict(
            listed(&body, "backups", &item),
            "list",
            format!("the CBR backup list lacks the new backup {item}"),
        ),
    );
    let (point, status, _) =
        call(session, "showCbrCheckpoint", &[("checkpoint_id", &checkpoint)], &[], None, case)
            .await;
    availability(
        session,
        "showCbrCheckpoint",
        case,
        &point,
        verdict(
            status == Some(200),
            "get",
            format!("the CBR restore point {checkpoint} answered {status:?}"),
        ),
    );

    let case = "stateful: a deleted backup";
    let (_, status, _) = call(
        session,
        "deleteCheckpoint",
        &[("provider_id", PROVIDER), ("checkpoint_id", &checkpoint)],
        &[],
        None,
        case,
    )
    .await;
    if status != Some(200) {
        session.recorder.skip(
            "deleteCheckpoint",
            case,
            format!("the backup was not deleted (answer {status:?})"),
        );
        return;
    }
    let deadline = Instant::now() + session.limits.settle_timeout;
    loop {
        let (_, status, body) =
            call(session, "showBackup", &[("checkpoint_item_id", &item)], &[], None, case).await;
        let index = session.recorder.exchanges.len() - 1;
        let state = body
            .as_ref()
            .and_then(|b| b.pointer("/checkpoint_item/status"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let deleting = matches!(state.as_deref(), Some("deleting" | "waiting_delete" | "deleted"));
        if status == Some(404) {
            session.ledger.remove_checkpoint(&checkpoint);
            session.recorder.verdict(Check::UseAfterFree, "showBackup", case, Ok(()), Some(index));
            return;
        }
        if !deleting || Instant::now() + session.limits.poll_interval > deadline {
            let v = if deleting {
                session.recorder.skip(
                    "showBackup",
                    case,
                    "the deletion did not finish within --wait",
                );
                return;
            } else {
                verdict(
                    false,
                    "404",
                    format!("the deleted backup {item} answered {status:?} with status {state:?}"),
                )
            };
            session.recorder.verdict(Check::UseAfterFree, "showBackup", case, v, Some(index));
            return;
        }
        tokio::time::sleep(session.limits.poll_interval).await;
    }
}

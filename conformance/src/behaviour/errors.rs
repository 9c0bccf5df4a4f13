//! `domain_error_conformance`: each row of an operation's `x-domain-errors` that the run can
//! provoke without harm is provoked (an unknown ID, a name or server already taken, a backup
//! still being made, a restore mapping that is foreign, incomplete or names a disk the server
//! lacks), and must be answered with its code and the status the error table gives that code.
//! Requests that would change something if the endpoint wrongly accepted them are sent only
//! with mutations allowed, and what they make is cleaned up.

use super::support::{id_of, made_up_id, property};
use super::writes::Fixture;
use crate::checks::{Check, Failure, Verdict};
use crate::fixtures;
use crate::replay::settle::settled_items;
use crate::request::ApiRequest;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{domain_errors, Condition, DomainError, Expr};
use csbs_spec::catalogue::is_documented_for;
use csbs_spec::operations::all_operations;
use csbs_spec::Operation;
use serde_json::{json, Value};

/// Every documented domain error the run can provoke.
pub async fn run(session: &mut Session, fixture: &Fixture) {
    let mut busy = Vec::new();
    for op in all_operations() {
        // Duplicate names have their own check (`names.rs`).
        for row in domain_errors(op).into_iter().filter(|r| !super::names::is_name_row(r)) {
            let case = format!(
                "domain_error_conformance: {} when {} {}",
                row.code.as_deref().unwrap_or("an error"),
                label(&row.value),
                row.when.name()
            );
            if let Some(why) = session.refuses(op) {
                session.recorder.skip(Check::DomainErrorConformance, &op.id, &case, why);
                continue;
            }
            if row.when == Condition::Busy {
                busy.push((op, row, case));
                continue;
            }
            match provoke(session, fixture, op, &row) {
                Ok(request) => {
                    send(session, &request, &row, &case).await;
                    if row.when == Condition::NotFound {
                        super::parts::run(session, fixture, op, &row, &case).await;
                    }
                }
                Err(why) => {
                    session.recorder.skip(Check::DomainErrorConformance, &op.id, &case, why)
                }
            }
        }
    }
    if !busy.is_empty() {
        provoke_busy(session, busy).await;
    }
}

/// `policy_id` of `$request.path.policy_id`, for case names.
fn label(expr: &Expr) -> String {
    match expr {
        Expr::RequestPath(name) | Expr::RequestQuery(name) => name.clone(),
        Expr::RequestBody(pointer) | Expr::ResponseBody(pointer) => {
            pointer.trim_start_matches('/').replace('/', ".")
        }
    }
}

pub(super) async fn send(
    session: &mut Session,
    request: &ApiRequest,
    row: &DomainError,
    case: &str,
) {
    let answer = session.call(request, case).await;
    session.made(request, &answer);
    if row.when == Condition::Busy && answer.status == Some(404) {
        let why = "the backup was gone before the request (its deletion was too fast to judge)";
        return session.recorder.skip(
            Check::DomainErrorConformance,
            &request.operation.id,
            case,
            why,
        );
    }
    let verdict = documented(row, &answer);
    session.judge(Check::DomainErrorConformance, &answer, case, verdict);
}

/// The answer meets `row`: its status, and its code (any code the error table documents for
/// that status, where the row names none).
pub(super) fn documented(row: &DomainError, answer: &Answer) -> Verdict {
    let code = answer.text("/error_code");
    let service = answer.operation.service;
    match (answer.status, &row.code, code.as_deref()) {
        (Some(status), Some(wanted), Some(code)) if status == row.status && code == wanted => {
            Ok(())
        }
        (Some(status), None, Some(code))
            if status == row.status && is_documented_for(service, code, status) =>
        {
            Ok(())
        }
        (status, wanted, code) => Err(Failure::new(
            wanted.clone().unwrap_or_else(|| row.status.to_string()),
            format!(
                "expected {} {} ({} {}), got {} {}",
                row.status,
                wanted.as_deref().unwrap_or("with a documented code"),
                label(&row.value),
                row.when.name(),
                crate::session::status_text(status),
                code.unwrap_or("without an error code")
            ),
        )),
    }
}

/// The request that meets `row`'s condition, or why the run cannot make one.
fn provoke(
    session: &Session,
    fixture: &Fixture,
    op: &'static Operation,
    row: &DomainError,
) -> Result<ApiRequest, String> {
    let project = session.project_id();
    let request = ApiRequest::new(op, project);
    let policies = &fixture.policies;
    let need_policies = |n: usize| {
        (policies.len() >= n)
            .then_some(())
            .ok_or_else(|| format!("needs {n} policies this run made (--allow-mutations)"))
    };
    // The backup with the most disk backups: an incomplete mapping needs two.
    let backup =
        fixture.backups().filter(|b| !volumes(b).is_empty()).max_by_key(|b| volumes(b).len());
    if row.when == Condition::NotFound {
        if let Some(request) = naming(session, op, &row.value, &made_up_id(), project) {
            return Ok(request);
        }
    }
    match (row.when, &row.value) {
        (Condition::NotFound, Expr::RequestQuery(name)) => {
            let item = backup.ok_or("needs a backup this run made (--allow-mutations)")?;
            let checkpoint = item.get("checkpoint_id").and_then(Value::as_str).unwrap_or_default();
            Ok(request.path("checkpoint_id", checkpoint).query(name, made_up_id()))
        }
        (
            Condition::NotFound | Condition::Foreign | Condition::Incomplete,
            Expr::RequestBody(pointer),
        ) => {
            let item = backup
                .ok_or("needs a backup with disk backups this run made (--allow-mutations)")?;
            let mut body = restore_body(item);
            let mappings = volumes(item);
            match (row.when, pointer.as_str()) {
                (Condition::NotFound, "/restore/parameters/checkpoint_item_id") => {
                    body["restore"]["parameters"]["checkpoint_item_id"] = json!(made_up_id());
                }
                (Condition::NotFound, p) if p.ends_with("/volume_id") => {
                    body["restore"]["parameters"]["targets"]["volumes"][0]["volume_id"] = json!(made_up_id());
                }
                (Condition::Foreign, _) => {
                    let other = fixture.backups().filter(|b| id_of(b) != id_of(item)).flat_map(volumes).next();
                    let (foreign, _) = other.ok_or("needs two backups this run made")?;
                    body["restore"]["parameters"]["targets"]["volumes"][0]["backup_id"] = json!(foreign);
                }
                (Condition::Incomplete, _) if mappings.len() >= 2 => {
                    if let Some(list) = body["restore"]["parameters"]["targets"]["volumes"].as_array_mut() {
                        list.pop();
                    }
                }
                (Condition::Incomplete, _) => return Err("too little to judge: the backup has one disk backup, and a restore maps at least one".into()),
                _ => return Err(format!("no way to make {pointer} {}", row.when.name())),
            }
            Ok(request.body(body))
        }
        (Condition::Duplicate, Expr::RequestBody(pointer)) => {
            need_policies(if op.id == "updatePolicy" { 2 } else { 1 })?;
            let (a, b) = (&policies[0], policies.get(1));
            let run = &session.record.facts.run_name;
            let taken_server = a
                .servers
                .first()
                .ok_or("needs a policy of this run with a server (--server-id)")?;
            let body = match (op.id.as_str(), pointer.ends_with("/name")) {
                ("createPolicy", true) => {
                    fixtures::policy(&a.name, "behaviour: duplicate name", &[])
                }
                ("createPolicy", false) => fixtures::policy(
                    &format!("{run}-dup"),
                    "behaviour: bound server",
                    std::slice::from_ref(taken_server),
                ),
                (_, true) => fixtures::policy_update(&fixtures::PolicyChange {
                    name: Some(&a.name),
                    ..Default::default()
                }),
                (_, false) => fixtures::policy_update(&fixtures::PolicyChange {
                    servers: Some(std::slice::from_ref(taken_server)),
                    ..Default::default()
                }),
            };
            let request = request.body(body);
            Ok(match b {
                Some(b) if op.id == "updatePolicy" => request.path("policy_id", &b.id),
                _ => request,
            })
        }
        _ => Err(format!("the run has no way to make {} {}", label(&row.value), row.when.name())),
    }
}

/// A request of `op` on `project`'s path in which `value` (a path parameter, or a run's
/// policy in its body) is `id`, valid apart from that ID (an update changes one thing);
/// `None` where the run has no such request.
pub(super) fn naming(
    session: &Session,
    op: &'static Operation,
    value: &Expr,
    id: &str,
    project: &str,
) -> Option<ApiRequest> {
    let request = ApiRequest::new(op, project);
    match value {
        Expr::RequestPath(name) => {
            let mut request = request.path(name, id);
            request.body = filler_body(op, session);
            Some(request)
        }
        Expr::RequestBody(pointer) if op.id == "executePolicy" => {
            Some(request.body(with(fixtures::policy_run(id), pointer, json!(id))))
        }
        _ => None,
    }
}

/// A body that is valid apart from the ID under test (an update that changes one thing).
fn filler_body(op: &Operation, session: &Session) -> Option<Value> {
    op.request_body.as_ref()?;
    Some(match op.id.as_str() {
        "updatePolicy" => fixtures::policy_update(&fixtures::PolicyChange {
            description: Some("behaviour: unknown policy"),
            ..Default::default()
        }),
        _ => fixtures::policy(&format!("{}-x", session.record.facts.run_name), "", &[]),
    })
}

fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    if let Some(Value::Object(map)) = body.pointer_mut(parent) {
        map.insert(key.to_owned(), value);
    }
    body
}

/// `(disk backup id, source disk id)` of a backup item.
pub(super) fn volumes(item: &Value) -> Vec<(String, String)> {
    let list = property(item, "/extend_info/volume_backups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.iter()
        .filter_map(|v| {
            Some((
                v.get("id")?.as_str()?.to_owned(),
                v.get("source_volume_id")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// A restore of `item` onto the server it was made of, every disk to its source.
pub(super) fn restore_body(item: &Value) -> Value {
    let text = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or_default();
    fixtures::restore(&fixtures::Restore {
        checkpoint_id: text("checkpoint_id"),
        checkpoint_item_id: text("id"),
        server_id: text("resource_id"),
        volumes: &volumes(item),
    })
}

/// Rows that need a busy backup: one is made, settles, and its deletion is requested; while
/// it is being deleted (`x-lifecycle` counts that as busy, and a deletion takes longer than a
/// few requests everywhere), each row's request is sent at once. A backup already gone by then
/// (404) is too fast to judge.
async fn provoke_busy(session: &mut Session, rows: Vec<(&'static Operation, DomainError, String)>) {
    let skip_all =
        |session: &mut Session, rows: &[(&'static Operation, DomainError, String)], why: String| {
            for (op, _, case) in rows {
                session.recorder.skip(Check::DomainErrorConformance, &op.id, case, why.clone());
            }
        };
    let Some(server) = session.record.facts.servers.first().cloned() else {
        return skip_all(session, &rows, "needs a server to back up (--server-id)".into());
    };
    let case = "domain_error_conformance: a backup being deleted";
    let body = fixtures::protect(&format!("{}-busy", session.record.facts.run_name), None);
    let protect = session.request("protectResource").path("resource_id", &server).body(body);
    let answer = session.call(&protect, case).await;
    let Some(made) = session.made(&protect, &answer) else {
        let why = format!("the backup could not be made ({:?})", answer.status);
        return skip_all(session, &rows, why);
    };
    let Some(item) =
        settled_items(session, &made.id, None).await.ok().and_then(|s| s.items.into_iter().next())
    else {
        return skip_all(session, &rows, "the backup did not settle within --wait".into());
    };
    let restore = (!volumes(&item).is_empty()).then(|| restore_body(&item));
    let deleted = session.call(&made.delete, case).await;
    if !deleted.ok() {
        let why = format!("its deletion was not accepted ({:?})", deleted.status);
        return skip_all(session, &rows, why);
    }
    for (op, row, case) in rows {
        let request = match op.id.as_str() {
            "deleteCheckpoint" => Some(made.delete.clone()),
            "createRestore" => {
                restore.clone().map(|body| session.request("createRestore").body(body))
            }
            _ => None,
        };
        match request {
            Some(request) => send(session, &request, &row, &case).await,
            None => session.recorder.skip(
                Check::DomainErrorConformance,
                &op.id,
                &case,
                "no way to make this request on a busy backup",
            ),
        }
    }
}

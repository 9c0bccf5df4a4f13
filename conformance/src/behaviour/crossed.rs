//! `project_isolation` with the second project's credential sent towards this project. Every
//! operation that names an object by a path parameter (a `not-found` row of its
//! `x-domain-errors`) and whose path names the project (`x-credential-scope: project`):
//! - on this project's path, naming an ID nobody holds, is answered 403 (whatever it names: a
//!   404 for unknown IDs and 403 for existing ones tells another project which IDs exist);
//! - with mutations allowed, on this project's path naming this project's own objects (made by
//!   the run here), is answered 403, and afterwards every list of this project shows those
//!   objects as before (a refusal that was carried out all the same is a failure);
//! - with mutations allowed, a mutation on the other project's own path naming this project's
//!   object answers that row's not-found and changes nothing either.

use super::errors::{documented, naming};
use super::foreign::{filled, texts, values_of};
use super::support::{fail, id_of, list_all, made_up_id};
use super::theirs;
use crate::checks::{Check, Verdict};
use crate::http::Auth;
use crate::request::ApiRequest;
use crate::session::{status_text, Answer, Session};
use csbs_spec::behaviour::Expr;
use csbs_spec::behaviour::{credential_scope, domain_errors, pagination, Condition, DomainError};
use csbs_spec::operations::all_operations;
use csbs_spec::Operation;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// An operation naming an object (`row.value`, not found when unknown) of the kind path
/// parameter `name` names.
struct Naming {
    op: &'static Operation,
    row: DomainError,
    name: String,
}

/// The operations that name an object by ID, whose path names the project and whose request
/// the run can make (`errors::naming`): reads first, deletions last (so what a refused change
/// did shows in what follows).
fn naming_operations(session: &Session) -> Vec<Naming> {
    let mut out: Vec<Naming> = all_operations()
        .filter(|op| credential_scope(op).is_some())
        .filter_map(|op| {
            let rows = domain_errors(op).into_iter().filter(|r| r.when == Condition::NotFound);
            let (row, name) = rows
                .filter_map(|r| match &r.value {
                    Expr::RequestPath(name) => {
                        let filled = filled(&ApiRequest::new(op, "p").path(name, ""));
                        filled.then(|| (r.clone(), name.clone()))
                    }
                    Expr::RequestBody(pointer) => kind_of(op, &r, pointer).map(|n| (r.clone(), n)),
                    _ => None,
                })
                .next()?;
            naming(session, op, &row.value, "", "").is_some().then_some(Naming { op, row, name })
        })
        .collect();
    out.sort_by_key(|n| (n.op.is_mutation(), n.op.method.eq_ignore_ascii_case("delete")));
    out
}

/// The path parameter that names the kind of object a body value of `op` names: one whose
/// not-found row in the same service has the same code (executePolicy's `plan_id` answers
/// CSBS.3000 as `policy_id` does); of several, the one of the value's own name.
fn kind_of(op: &Operation, row: &DomainError, pointer: &str) -> Option<String> {
    let code = row.code.as_ref()?;
    let mut names = BTreeSet::new();
    for other in all_operations().filter(|o| o.service == op.service) {
        for r in domain_errors(other) {
            if let (Condition::NotFound, Some(c), Expr::RequestPath(n)) =
                (r.when, &r.code, &r.value)
            {
                if c == code {
                    names.insert(n.clone());
                }
            }
        }
    }
    let own = pointer.rsplit('/').next().unwrap_or_default();
    match names.len() {
        1 => names.pop_first(),
        _ => names.take(own),
    }
}

/// On this project's path, the second credential naming IDs nobody holds is refused 403 by
/// every operation the run may send.
pub async fn made_up(session: &mut Session, auth: &Auth) {
    for n in naming_operations(session) {
        if session.refuses(n.op).is_some() {
            continue;
        }
        let name = &n.name;
        let case =
            format!("project_isolation: another project's credential naming a made-up {name}");
        let id = made_up_id();
        let Some(request) = naming(session, n.op, &n.row.value, &id, session.project_id()) else {
            continue;
        };
        let answer = session.call_as(&request, auth.clone(), &case).await;
        let verdict = forbidden(session, &answer, &format!("{name} {id} (which nobody holds)"));
        session.judge(Check::ProjectIsolation, &answer, &case, verdict);
    }
}

/// 403: a credential of another project on this project's path, whatever it names.
fn forbidden(session: &Session, answer: &Answer, named: &str) -> Verdict {
    match answer.status {
        Some(403) => Ok(()),
        other => fail(
            "x-credential-scope",
            format!(
                "{} naming {named} with a credential of another project on project {}'s path was answered {}; expected 403 (a credential of another project is refused whatever the request names)",
                answer.operation.id,
                session.project_id(),
                status_text(other)
            ),
        ),
    }
}

/// The second credential (of `project`) sends every operation naming one of this project's
/// objects the run made (those the run holds, else a policy of `server` and a run of it made
/// here), on this project's path (403) and, for mutations, on its own (not-found); every list
/// of this project must show them unchanged.
pub async fn mutations(session: &mut Session, project: &str, auth: &Auth, server: &str) {
    let own = session.project_id().to_owned();
    let held = session.record.ledger.created.iter();
    let held = held.filter(|o| o.delete.path.get("project_id") == Some(&own));
    let mut ids: Vec<String> = held.map(|o| o.id.clone()).collect();
    let mut mine = theirs::Made::default();
    if ids.is_empty() {
        let credential = session.credential();
        mine = theirs::make(session, &own, &credential, server, "m").await;
        ids = mine.objects.iter().map(|o| o.id.clone()).collect();
    }
    // Lists read twice must agree: the earlier parts' backups stop moving first.
    super::settle_project(session).await;
    let before = snapshot(session, &ids).await;
    let mut sent = Vec::new();
    for n in naming_operations(session) {
        let (op, name) = (n.op, &n.name);
        let lists = before.iter().map(|(list, items, _)| (*list, items.as_slice()));
        let case =
            format!("project_isolation: another project's credential naming this project's {name}");
        let Some(id) = values_of(op, name, lists).into_iter().next() else {
            let why = format!("too little to judge: this project made no object with a {name}");
            session.recorder.skip(Check::ProjectIsolation, &op.id, &case, why);
            continue;
        };
        let Some(request) = naming(session, op, &n.row.value, &id, &own) else { continue };
        let answer = session.call_as(&request, auth.clone(), &case).await;
        let verdict = forbidden(session, &answer, &format!("{name} {id} (this project's own)"));
        session.judge(Check::ProjectIsolation, &answer, &case, verdict);
        if !op.is_mutation() {
            continue;
        }
        sent.push(op.id.clone());
        let case = format!("project_isolation: this project's {name} on another project's path");
        let Some(request) = naming(session, op, &n.row.value, &id, project) else { continue };
        let answer = session.call_as(&request, auth.clone(), &case).await;
        let verdict = documented(&n.row, &answer).map_err(|f| {
            let message = format!(
                "{name} {id}, which only project {own} holds, named on project {project}'s path with its credential: {}",
                f.message
            );
            crate::checks::Failure::new("x-credential-scope", message)
        });
        session.judge(Check::ProjectIsolation, &answer, &case, verdict);
    }
    if !sent.is_empty() {
        let after = snapshot(session, &ids).await;
        unchanged(session, &before, after, &sent);
    }
    theirs::remove(session, mine).await;
}

/// Each list of this project (project-scoped, no other path values) with its items that name
/// one of `ids`, and its first page's answer.
async fn snapshot(
    session: &mut Session,
    ids: &[String],
) -> Vec<(&'static Operation, Vec<Value>, Answer)> {
    let case = "project_isolation: this project's objects";
    let mut out = Vec::new();
    for op in all_operations().filter(|op| !op.is_mutation() && pagination(op).is_some()) {
        let request = session.request(&op.id);
        if ids.is_empty() || !filled(&request) {
            continue;
        }
        let Ok(listing) = list_all(session, &request, case).await else { continue };
        let names_one = |i: &Value| {
            let mut seen = BTreeSet::new();
            texts(i, &mut seen);
            ids.iter().any(|id| seen.contains(id))
        };
        let items = listing.items.into_iter().filter(names_one).collect();
        out.push((op, items, listing.first));
    }
    out
}

/// Each list shows the same items, member for member, as before the refused mutations.
fn unchanged(
    session: &mut Session,
    before: &[(&'static Operation, Vec<Value>, Answer)],
    after: Vec<(&'static Operation, Vec<Value>, Answer)>,
    sent: &[String],
) {
    let case = "project_isolation: this project's objects after another project's mutations";
    let by_id = |items: &[Value]| -> BTreeMap<String, Value> {
        items.iter().filter_map(|i| Some((id_of(i)?.to_owned(), i.clone()))).collect()
    };
    for (op, items, answer) in after {
        let Some((_, was, _)) = before.iter().find(|(o, ..)| o.id == op.id) else { continue };
        // A list that showed none of them has nothing to compare.
        if was.is_empty() {
            continue;
        }
        let (was, now) = (by_id(was), by_id(&items));
        let mut changes = Vec::new();
        for (id, item) in &was {
            match now.get(id) {
                None => changes.push(format!("{id} is gone")),
                Some(new) if new != item => {
                    let members = item.as_object().into_iter().flatten();
                    let differ: Vec<&str> = members
                        .filter(|(k, v)| new.get(k.as_str()) != Some(v))
                        .map(|(k, _)| k.as_str())
                        .collect();
                    changes.push(format!("{id} changed ({})", differ.join(", ")));
                }
                Some(_) => {}
            }
        }
        let added = now.keys().filter(|id| !was.contains_key(*id));
        changes.extend(added.map(|id| format!("{id} is new")));
        let verdict = match changes.is_empty() {
            true => Ok(()),
            false => fail(
                "x-credential-scope",
                format!(
                    "after another project's credential sent {} naming project {}'s objects (each refused), {} shows them changed: {}",
                    sent.join(", "),
                    session.project_id(),
                    op.id,
                    changes.join("; ")
                ),
            ),
        };
        session.judge(Check::ProjectIsolation, &answer, case, verdict);
    }
}

//! `project_isolation` with a second project (`--other-token` / `--other-aksk`): what only
//! the other project holds is never answered to the run's credential on its own path. With
//! mutations allowed the other project first makes objects of its own (`theirs.rs`). Its
//! items are those it lists and no list of this project does (the mock seeds both projects
//! with the documents' examples under the same IDs, which tell nothing). Then the run's
//! credential asks for them on its own path:
//! - by ID: each read with a not-found row (`x-domain-errors`) on a path parameter is sent the
//!   values its lists' links give for the other project's items (showPolicy, showBackup), or
//!   the items' member of the parameter's name (a backup's `checkpoint_id` for
//!   showCbrCheckpoint), and must answer that row's status and code;
//! - through filters: each list's `x-filter` (`equals`, `contains`, `made-by`) is sent a value
//!   of the other project's items (of the request that made them, for `made-by`) that no item
//!   of this project matches, and the list must be empty across its pages, its total and the
//!   counts of it (`x-count-of`) 0.
//!
//! Then the other way round (`crossed.rs`): its credential on this project's path.

use super::errors::documented;
use super::filters::{count_value, parameter_values};
use super::support::{fail, id_of, list_all, list_all_as, made_up_id, property, Listing};
use super::theirs;
use crate::checks::{Check, Permission, Verdict};
use crate::http::Auth;
use crate::request::ApiRequest;
use crate::session::{status_text, Answer, Session};
use csbs_spec::behaviour::{
    count_of, domain_errors, filters, links, pagination, Condition, Expr, FilterRule, Match,
};
use csbs_spec::operations::all_operations;
use csbs_spec::{Location, Operation};
use serde_json::Value;
use std::collections::BTreeSet;

/// The other project's items asked for per list, and values per parameter: the ones its
/// own objects name come first.
const MAX: usize = 3;

/// One list as both projects read it.
struct Both {
    op: &'static Operation,
    ours: Vec<Value>,
    /// The other project's items no list of this project holds (at most [`MAX`]).
    theirs: Vec<Value>,
}

/// True when `request` has a value for every path parameter of its operation.
pub(super) fn filled(request: &ApiRequest) -> bool {
    let op = request.operation;
    let mut path = op.parameters.iter().filter(|p| p.location == Location::Path);
    path.all(|p| request.path.contains_key(&p.name))
}

/// Every text this project's lists show: a value among them is not the other project's alone.
pub(super) fn texts(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
        Value::Object(map) => map.values().for_each(|v| texts(v, out)),
        _ => {}
    }
}

pub async fn run(session: &mut Session) {
    let Some((project, auth)) = session.sender.target.other.clone() else {
        let why = "needs a second project's credential (--other-token TOKEN:PROJECT or --other-aksk AK:SK:PROJECT): nothing else can show that another project's objects stay unseen";
        let case = "project_isolation: another project's objects";
        return session.recorder.skip(Check::ProjectIsolation, "(second project)", case, why);
    };
    let made = match session.allows(Permission::Mutations) {
        true => {
            let before = read(session, &project, &auth, &[]).await;
            let server = own_server(session, &before);
            theirs::make(session, &project, &auth, &server, "o").await
        }
        false => theirs::Made::default(),
    };
    let made_ids: Vec<String> = made.objects.iter().map(|o| o.id.clone()).collect();
    let lists = read(session, &project, &auth, &made_ids).await;
    let mut ours = BTreeSet::new();
    lists.iter().flat_map(|l| &l.ours).for_each(|i| texts(i, &mut ours));
    if lists.iter().all(|l| l.theirs.is_empty()) {
        let why = "too little to judge: the other project lists nothing this project does not (with --allow-mutations it makes objects of its own)";
        let case = "project_isolation: another project's objects";
        session.recorder.skip(Check::ProjectIsolation, "(second project)", case, why);
    } else {
        by_id(session, &project, &lists, &ours).await;
        by_filter(session, &project, &lists, &made.requests).await;
    }
    theirs::remove(session, made).await;
    super::crossed::made_up(session, &auth).await;
    if session.allows(Permission::Mutations) {
        let server = session.record.facts.servers.first().cloned().unwrap_or_else(made_up_id);
        super::crossed::mutations(session, &project, &auth, &server).await;
    }
}

/// A server the other project backs up: `--other-server-id`, else one its own backups name (a
/// server of its own), else the run's first (the mock backs up any server it is asked about;
/// a service that refuses a server of another project leaves the check to what the other
/// project holds, with a note).
fn own_server(session: &Session, lists: &[Both]) -> String {
    if let Some(server) = &session.record.facts.other_server {
        return server.clone();
    }
    let mut ours = BTreeSet::new();
    lists.iter().flat_map(|l| &l.ours).for_each(|i| texts(i, &mut ours));
    let theirs = lists.iter().flat_map(|l| &l.theirs);
    let found = theirs
        .filter_map(|i| i.get("resource_id").and_then(Value::as_str))
        .find(|s| !ours.contains(*s));
    found
        .map(str::to_owned)
        .unwrap_or_else(|| session.record.facts.servers.first().cloned().unwrap_or_else(made_up_id))
}

/// The lists of project-scoped reads without other path values, as each project reads them;
/// the other project's items that name what it made (`made`) first. A list either side
/// cannot read whole is left out.
async fn read(session: &mut Session, project: &str, auth: &Auth, made: &[String]) -> Vec<Both> {
    let case = "project_isolation: the lists of both projects";
    let mut out = Vec::new();
    for op in all_operations().filter(|op| !op.is_mutation() && pagination(op).is_some()) {
        // Only lists whose path the project and the spec's fixed values fill.
        let theirs = ApiRequest::new(op, project);
        if !filled(&theirs) {
            continue;
        }
        let theirs = list_all_as(session, &theirs, auth.clone(), case).await;
        let ours = list_all(session, &session.request(&op.id), case).await;
        let theirs = match theirs {
            Ok(Listing { items, complete: true, .. }) => items,
            Ok(_) => continue,
            Err(why) => {
                let why = format!("project_isolation: the other project's list failed: {why}");
                session.recorder.note(why);
                continue;
            }
        };
        let Ok(ours) = ours else { continue };
        if !ours.complete {
            continue;
        }
        let our_ids: BTreeSet<&str> = ours.items.iter().filter_map(id_of).collect();
        let mut only: Vec<Value> = theirs
            .into_iter()
            .filter(|i| id_of(i).is_some_and(|id| !our_ids.contains(id)))
            .collect();
        let names_made = |i: &Value| {
            let mut seen = BTreeSet::new();
            texts(i, &mut seen);
            made.iter().any(|m| seen.contains(m))
        };
        only.sort_by_key(|i| !names_made(i));
        only.truncate(MAX);
        out.push(Both { op, ours: ours.items, theirs: only });
    }
    out
}

/// Each read by ID, sent IDs only the other project holds, answers its not-found row.
async fn by_id(session: &mut Session, project: &str, lists: &[Both], ours: &BTreeSet<String>) {
    for op in all_operations().filter(|op| !op.is_mutation() && op.request_body.is_none()) {
        for row in domain_errors(op).into_iter().filter(|r| r.when == Condition::NotFound) {
            let Expr::RequestPath(name) = &row.value else { continue };
            // Only reads whose path the project, the spec's fixed values and `name` fill.
            if !filled(&session.request(&op.id).path(name, "")) {
                continue;
            }
            let case = format!("project_isolation: another project's {name} by ID");
            let values = ids_for(op, name, lists, ours);
            if values.is_empty() {
                let why = format!(
                    "too little to judge: the other project holds no {name} this project lacks"
                );
                session.recorder.skip(Check::ProjectIsolation, &op.id, &case, why);
            }
            for value in values {
                let request = session.request(&op.id).path(name, value.clone());
                let answer = session.call(&request, &case).await;
                let verdict = documented(&row, &answer).map_err(|f| {
                    let message = format!(
                        "{name} {value}, which only project {project} holds, asked on project {}'s path: {}",
                        session.project_id(),
                        f.message
                    );
                    crate::checks::Failure::new("x-credential-scope", message)
                });
                session.judge(Check::ProjectIsolation, &answer, &case, verdict);
            }
        }
    }
}

/// Values of path parameter `name` of `op` that only the other project holds.
fn ids_for(op: &Operation, name: &str, lists: &[Both], ours: &BTreeSet<String>) -> Vec<String> {
    let mut values = values_of(op, name, lists.iter().map(|l| (l.op, l.theirs.as_slice())));
    values.retain(|v| !ours.contains(v));
    values.truncate(MAX);
    values
}

/// Values of path parameter `name` of `op` for `items` of lists: what the links of each list
/// give for its items as `name` (to `op`, or to another operation of its service whose path
/// names the object the same way: listPolicies links showPolicy, not updatePolicy), and the
/// items' member `name`; each once.
pub(super) fn values_of<'a>(
    op: &Operation,
    name: &str,
    lists: impl Iterator<Item = (&'a Operation, &'a [Value])>,
) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for (list, items) in lists {
        let to_op = links(list).into_iter().filter(|l| l.operation.service == op.service);
        for link in to_op {
            for item in items {
                let given = link.parameters_of_item(item).unwrap_or_default();
                values.extend(given.into_iter().filter(|(n, _)| n == name).map(|(_, v)| v));
            }
        }
        let members = items.iter().filter_map(|i| i.get(name).and_then(Value::as_str));
        values.extend(members.map(str::to_owned));
    }
    let mut seen = BTreeSet::new();
    values.retain(|v| seen.insert(v.clone()));
    values
}

/// Each list's filters, sent values only the other project's items have, list nothing and
/// count 0.
async fn by_filter(session: &mut Session, project: &str, lists: &[Both], made: &[ApiRequest]) {
    for list in lists {
        for filter in filters(list.op) {
            let name = &filter.parameter.name;
            let values: Vec<String> = match &filter.rule {
                FilterRule::Property { property: pointer, matches } => {
                    let how = *matches;
                    if !matches!(how, Match::Equals | Match::Contains) {
                        continue;
                    }
                    let whole = |i: &Value| {
                        let v = property(i, pointer)?;
                        parameter_values(list.op, &filter, how, v).pop()
                    };
                    let matched = |text: &str| {
                        list.ours
                            .iter()
                            .any(|i| property(i, pointer).is_some_and(|v| how.accepts(v, text)))
                    };
                    list.theirs.iter().filter_map(whole).filter(|t| !matched(t)).collect()
                }
                FilterRule::MadeBy { made_by } => made
                    .iter()
                    .filter(|r| r.operation.id == made_by.operation)
                    .filter_map(|r| made_by.value.text(&r.parts(), None))
                    .collect(),
                FilterRule::Unchecked { .. } => continue,
            };
            let mut seen = BTreeSet::new();
            let values = values.into_iter().filter(|v| seen.insert(v.clone())).take(MAX);
            let case = format!("project_isolation: another project's {name} as a filter");
            for value in values {
                let request = session.request(&list.op.id).query(name, value.clone());
                let said = format!("{name}={value} (a value only project {project}'s items have)");
                empty(session, &request, &said, &case).await;
            }
        }
    }
}

/// The list `request` asks for is empty across its pages, and its total and its counts are 0.
async fn empty(session: &mut Session, request: &ApiRequest, said: &str, case: &str) {
    let op = request.operation;
    let listing = match list_all(session, request, case).await {
        Ok(listing) => listing,
        Err(why) => {
            let why = format!("the list failed: {why}");
            return session.recorder.skip(Check::ProjectIsolation, &op.id, case, why);
        }
    };
    let ids: Vec<&str> = listing.items.iter().filter_map(id_of).collect();
    let verdict = nothing(ids.len(), said, &format!("listed {ids:?}"), session.project_id());
    session.judge(Check::ProjectIsolation, &listing.first, case, verdict);
    let total = pagination(op)
        .and_then(|p| p.total)
        .and_then(|t| listing.first.json.as_ref()?.pointer(&t)?.as_u64());
    if let Some(total) = total {
        let verdict = nothing(
            total as usize,
            said,
            &format!("answered a total of {total}"),
            session.project_id(),
        );
        session.judge(Check::ProjectIsolation, &listing.first, case, verdict);
    }
    let counts = all_operations().filter(|c| count_of(c).is_some_and(|c| c.operation == op.id));
    for count in counts {
        let mut asked = ApiRequest::new(count, session.project_id());
        asked.query = request.query.clone();
        if asked.query.iter().any(|(k, _)| count.parameter(Location::Query, k).is_none()) {
            continue;
        }
        let answer = session.call(&asked, case).await;
        let verdict = counted_none(&answer, said, session.project_id());
        session.judge(Check::ProjectIsolation, &answer, case, verdict);
    }
}

/// A count of nothing.
fn counted_none(answer: &Answer, said: &str, project: &str) -> Verdict {
    match count_value(answer.operation, answer) {
        Some(n) => nothing(n as usize, said, &format!("counted {n}"), project),
        None => fail(
            "x-count-of",
            format!("{said} answered {} without a count", status_text(answer.status)),
        ),
    }
}

/// `n` is 0: a filter only another project's items match selects nothing of this project.
fn nothing(n: usize, said: &str, seen: &str, project: &str) -> Verdict {
    match n {
        0 => Ok(()),
        _ => fail(
            "x-credential-scope",
            format!("{said} {seen} to a credential of project {project}; only that project's items match it, so the answer must be empty"),
        ),
    }
}

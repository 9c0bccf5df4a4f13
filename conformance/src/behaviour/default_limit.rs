//! `pagination_conformance` of a list asked without `limit`: the page holds the `default` the
//! spec documents for the list's `limit` parameter (csbs-v1 `Limit`, `default: 1000`), so a
//! list no longer than that comes whole, with no `next` link. A service that pages by a
//! shorter default (breaker g06: 25) shows only on a list longer than its page: where the run
//! may write, listPolicies is first filled with policies of the run to more than [`SHORT`]
//! items (policies need no server and no wait), and they are deleted right after.

use super::paging::{ids, next_href};
use super::support::{fail, items_of, list_all};
use crate::checks::{Check, Permission};
use crate::created::Created;
use crate::fixtures;
use crate::session::Session;
use csbs_spec::behaviour::Pagination;
use csbs_spec::{Location, Operation};
use serde_json::Value;

/// The longest short page size list APIs commonly default to (10, 20, 25, 50): a list filled
/// past it tells such a default from the documented one.
const SHORT: usize = 50;

/// The list whose items the run makes cheaply, and the operation that makes one.
const FILLED: (&str, &str) = ("listPolicies", "createPolicy");

pub async fn check(session: &mut Session, op: &'static Operation, paging: &Pagination) {
    let case = "pagination_conformance: without limit";
    let Some(default) = op
        .parameter(Location::Query, &paging.limit)
        .and_then(|p| p.schema.get("default"))
        .and_then(Value::as_u64)
    else {
        return; // No documented default: nothing to hold the page to.
    };
    let made = fill(session, op).await;
    let all = list_all(session, &session.request(&op.id), case).await;
    let answer = session.call(&session.request(&op.id), case).await;
    match all {
        Ok(all) if all.complete => {
            let everything = ids(&all.items);
            let wanted = &everything[..everything.len().min(default as usize)];
            let page = ids(&items_of(&answer, paging).unwrap_or_default());
            let link = paging.links.as_deref().and_then(|links| next_href(&answer, links));
            let verdict = if page != wanted {
                fail(
                    "limit",
                    format!(
                        "without {} the list answered {} of its {} items (the parameter's \
                         documented default is {default}): first ids {:?}",
                        paging.limit,
                        page.len(),
                        everything.len(),
                        page.iter().take(3).collect::<Vec<_>>()
                    ),
                )
            } else if let Some(href) = link.filter(|_| everything.len() as u64 <= default) {
                fail(
                    "links",
                    format!(
                        "without {} the page holds all {} items, yet has a next link {href}",
                        paging.limit,
                        everything.len()
                    ),
                )
            } else {
                Ok(())
            };
            session.judge(Check::PaginationConformance, &answer, case, verdict);
        }
        _ => session.recorder.skip(
            Check::PaginationConformance,
            &op.id,
            case,
            "the list could not be read in full to compare with",
        ),
    }
    unfill(session, made, case).await;
}

/// Fills [`FILLED`]'s list with new policies of the run until it holds more than [`SHORT`]
/// items, when the run may write; what it made.
async fn fill(session: &mut Session, op: &Operation) -> Vec<Created> {
    let (list, create) = FILLED;
    if op.id != list || !session.allows(Permission::Mutations) {
        return Vec::new();
    }
    let case = "pagination_conformance: without limit (a list longer than a short page)";
    let held = match list_all(session, &session.request(list), case).await {
        Ok(all) if all.complete => all.items.len(),
        _ => return Vec::new(),
    };
    let run = session.record.facts.run_name.clone();
    let mut made = Vec::new();
    for n in held..=SHORT {
        let body = fixtures::policy(&format!("{run}-page-{n}"), "behaviour: default page", &[]);
        let request = session.request(create).body(body);
        let answer = session.call(&request, case).await;
        match session.made(&request, &answer) {
            Some(object) => made.push(object),
            None => break,
        }
    }
    made
}

/// Deletes what [`fill`] made (the cleanup deletes whatever this leaves).
async fn unfill(session: &mut Session, made: Vec<Created>, case: &str) {
    for object in made {
        let answer = session.call(&object.delete, case).await;
        if answer.ok() {
            session.record.ledger.deleted(&object.delete);
        }
    }
}

//! Several filters at once: every filter of a request selects (the items listed match all of
//! them), a count with the same filters counts those items (`filter_conformance`,
//! `count_conformance`), and the filtered list pages as the whole list does
//! (`pagination_conformance`) (`limit`, `marker`, `offset`, the `next` link keeping the filters, no
//! `next` link on its last page). Two filters are chosen, with values taken from the items, so
//! that each one alone selects more than both together.

use super::filters::{count_value, counted, parameter_values};
use super::support::{fail, id_of, list_all, property, show};
use crate::checks::Check;
use crate::request::ApiRequest;
use crate::session::Session;
use csbs_spec::behaviour::{count_of, filters, FilterRule, Match, Pagination};
use csbs_spec::operations::all_operations;
use csbs_spec::{Location, Operation};
use serde_json::Value;

/// Values tried per filter at most.
const VALUES: usize = 8;

/// One filter with one value, and which items (of the unfiltered list) it selects.
struct Choice {
    name: String,
    pointer: String,
    how: Match,
    value: String,
    selects: Vec<bool>,
}

/// Two filters of the list `op` at once, on its items `all` (the whole unfiltered list, in its
/// default order).
pub(super) async fn run(session: &mut Session, op: &'static Operation, all: &[Value]) {
    let case = "filter_conformance: two filters at once";
    let checkable =
        filters(op).into_iter().filter(|f| matches!(f.rule, FilterRule::Property { .. }));
    if checkable.count() < 2 {
        return; // nothing to combine
    }
    let Some((a, b)) = pair(op, all, false) else {
        let why = "too little to judge: no two filters whose values set items apart";
        return session.recorder.skip(Check::FilterConformance, &op.id, case, why);
    };
    let both: Vec<&Value> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| a.selects[*i] && b.selects[*i])
        .map(|p| p.1)
        .collect();
    let mut wanted: Vec<String> = both.iter().filter_map(|i| id_of(i)).map(str::to_owned).collect();
    // Each order of the two, when the first alone selects more than both (an endpoint that
    // keeps one of them lists too much in one of the orders).
    for (first, second) in [(&a, &b), (&b, &a)] {
        if first.selects.iter().zip(&second.selects).all(|(x, y)| !x || *y) {
            continue;
        }
        let shown = format!("{}={}&{}={}", first.name, first.value, second.name, second.value);
        // Cases are named by the filters, not their values (a case keeps its identity from
        // run to run); the messages give the values.
        let names = format!("{}&{}", first.name, second.name);
        let case = format!("filter_conformance: two filters at once {names}");
        let request = session
            .request(&op.id)
            .query(&first.name, first.value.clone())
            .query(&second.name, second.value.clone());
        let listing = match list_all(session, &request, &case).await {
            Ok(listing) => listing,
            Err(why) => {
                let verdict = fail("list", why);
                session.recorder.verdict(Check::FilterConformance, &op.id, &case, verdict, None);
                continue;
            }
        };
        let listed: Vec<&str> = listing.items.iter().filter_map(id_of).collect();
        if wanted.iter().any(|id| !listed.contains(&id.as_str())) {
            // An item deleted or changed since `all` was read (a slow deletion settling) is
            // not this list's to show: judge against the unfiltered list as it is now.
            let now = session.request(&op.id);
            if let Ok(now) = list_all(session, &now, &case).await {
                let still: Vec<&str> = now
                    .items
                    .iter()
                    .filter(|i| first.accepts(i) && second.accepts(i))
                    .filter_map(id_of)
                    .collect();
                wanted.retain(|id| still.contains(&id.as_str()));
            }
        }
        let missing: Vec<&String> =
            wanted.iter().filter(|id| !listed.contains(&id.as_str())).take(3).collect();
        let wrong = listing.items.iter().find_map(|item| {
            let broken = [first, second].into_iter().find(|c| !c.accepts(item))?;
            Some(format!(
                "{} has {} = {}, which {} does not select",
                id_of(item).unwrap_or("?"),
                broken.pointer,
                property(item, &broken.pointer).map(show).unwrap_or_else(|| "nothing".into()),
                format_args!("{}={}", broken.name, broken.value)
            ))
        });
        let verdict = match (wrong, missing.is_empty()) {
            (Some(wrong), _) => {
                fail(&second.name, format!("{shown} listed {wrong}: every filter selects"))
            }
            (None, false) => {
                fail(&first.name, format!("{shown} left out {missing:?}, which match both filters"))
            }
            (None, true) => Ok(()),
        };
        session.judge(Check::FilterConformance, &listing.first, &case, verdict);
        counts(session, op, &request, wanted.len(), &names, &shown).await;
    }
}

/// The list `op` (its whole default order `all`) with the two filters, paged as the whole list
/// is (`pagination_conformance`): its `next` link keeps them, an offset skips its own items.
pub(super) async fn paged(
    session: &mut Session,
    op: &'static Operation,
    paging: &Pagination,
    all: &[Value],
) {
    let Some((a, b)) = pair(op, all, true) else { return };
    let request =
        session.request(&op.id).query(&a.name, a.value.clone()).query(&b.name, b.value.clone());
    let label = format!(" with {}&{}", a.name, b.name);
    // Paging is judged against the selection as the endpoint lists it whole (whether the
    // filters select the right items is `filter_conformance`'s verdict).
    let case = format!("pagination_conformance: everything{label}");
    let Ok(selected) = list_all(session, &request, &case).await else { return };
    let wanted: Vec<String> = selected.items.iter().filter_map(id_of).map(str::to_owned).collect();
    if !selected.complete || wanted.len() < 2 {
        let why = "too little to judge: no two filters selecting two items or more together";
        let case = "pagination_conformance: two filters at once";
        return session.recorder.skip(Check::PaginationConformance, &op.id, case, why);
    }
    // Pages end where the next selected item is not the next of the whole list.
    let at: Vec<Option<usize>> =
        wanted.iter().map(|id| all.iter().position(|i| id_of(i) == Some(id))).collect();
    let apart = |k: usize| match (at[k - 1], at[k]) {
        (Some(x), Some(y)) => y > x + 1,
        _ => false,
    };
    let small = (1..at.len()).find(|k| apart(*k)).unwrap_or(1);
    super::paging::walk(session, &request, paging, &wanted, small, &label).await;
}

/// Every count of the list with the same two filters counts the items both select.
async fn counts(
    session: &mut Session,
    list: &'static Operation,
    listed: &ApiRequest,
    expected: usize,
    names: &str,
    shown: &str,
) {
    let counters = all_operations()
        .filter(|op| count_of(op).is_some_and(|c| c.operation == list.id))
        .filter(|op| listed.query.iter().all(|(k, _)| op.parameter(Location::Query, k).is_some()));
    for op in counters {
        let case = format!("count_conformance: two filters at once {names}");
        let mut request = ApiRequest::new(op, session.project_id());
        request.query = listed.query.clone();
        let answer = session.call(&request, &case).await;
        let what = format!("{} with {shown} (the items matching both)", list.id);
        let verdict = counted(count_value(op, &answer), expected, &what);
        session.judge(Check::CountConformance, &answer, &case, verdict);
    }
}

impl Choice {
    fn accepts(&self, item: &Value) -> bool {
        property(item, &self.pointer).is_some_and(|v| self.how.accepts(v, &self.value))
    }
}

/// Two filters and values such that one alone selects more than both together, preferring
/// pairs where each does, and both select two items or more. `for_paging` prefers first what
/// shows a page cut on the unfiltered list: items left out before and between the selected
/// ones (a marker or an offset counted on the whole list, or a `next` link without the
/// filters, then lands elsewhere).
fn pair(op: &'static Operation, all: &[Value], for_paging: bool) -> Option<(Choice, Choice)> {
    let by_filter: Vec<Vec<Choice>> = filters(op)
        .into_iter()
        .filter_map(|filter| {
            let FilterRule::Property { property: pointer, matches: how } = &filter.rule else {
                return None;
            };
            let mut values: Vec<String> = Vec::new();
            for item in all {
                let Some(value) = property(item, pointer) else { continue };
                for text in parameter_values(op, &filter, *how, value) {
                    if values.len() < VALUES && !values.contains(&text) {
                        values.push(text);
                    }
                }
            }
            let name = filter.parameter.name.clone();
            let choices = values.into_iter().map(|value| {
                let selects = all
                    .iter()
                    .map(|i| property(i, pointer).is_some_and(|v| how.accepts(v, &value)))
                    .collect();
                Choice { name: name.clone(), pointer: pointer.clone(), how: *how, value, selects }
            });
            Some(choices.collect())
        })
        .collect();
    let mut best: Option<(u8, usize, usize, usize, usize)> = None;
    for (fa, a_choices) in by_filter.iter().enumerate() {
        for (fb, b_choices) in by_filter.iter().enumerate().skip(fa + 1) {
            for (ia, a) in a_choices.iter().enumerate() {
                for (ib, b) in b_choices.iter().enumerate() {
                    let both: Vec<bool> =
                        a.selects.iter().zip(&b.selects).map(|(x, y)| *x && *y).collect();
                    let a_more = a.selects != both;
                    let b_more = b.selects != both;
                    if !a_more && !b_more {
                        continue;
                    }
                    let n = both.iter().filter(|x| **x).count();
                    let selected: Vec<usize> = (0..both.len()).filter(|i| both[*i]).collect();
                    let gapped = selected.windows(2).any(|w| w[1] > w[0] + 1)
                        && selected.first().is_some_and(|f| *f > 0);
                    let each = u8::from(a_more && b_more);
                    let (first, second) = match for_paging {
                        true => (u8::from(gapped), each),
                        false => (each, u8::from(gapped)),
                    };
                    let score = 8 * u8::from(n >= 2) + 4 * first + 2 * second + u8::from(n >= 1);
                    if best.is_none_or(|b| score > b.0) {
                        best = Some((score, fa, ia, fb, ib));
                    }
                }
            }
        }
    }
    let (_, fa, ia, fb, ib) = best?;
    let mut by_filter = by_filter;
    let b = by_filter[fb].swap_remove(ib);
    let a = by_filter[fa].swap_remove(ia);
    Some((a, b))
}

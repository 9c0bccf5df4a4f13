//! `filter_conformance` and the filtered half of `count_conformance`: for each documented
//! filter (`x-filter`) of each list and count, a value is taken from an item (the run's own
//! where it made some), chosen so that some items do not match; the filtered list must hold
//! only matching items and every matching item of the unfiltered list (the item the value came
//! from first), and a count must equal both the matching items and what the list lists.

use super::support::{compare, fail, id_of, list_all, property, show, Listing};
use super::writes::Fixture;
use crate::checks::{Check, Verdict};
use crate::request::ApiRequest;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{
    count_of, filters, pagination, sort_default, Filter, FilterRule, Match,
};
use csbs_spec::operations::{all_operations, find_operation};
use csbs_spec::rules::Direction;
use csbs_spec::validate::Contract;
use csbs_spec::{Location, Operation};
use serde_json::Value;
use std::collections::BTreeMap;

/// One filter value to try, and the item it came from.
struct Probe {
    values: Vec<String>,
    source: Option<String>,
}

/// Every list and count with filters.
pub async fn run(session: &mut Session, fixture: &Fixture) {
    let mut unfiltered: BTreeMap<String, Option<Listing>> = BTreeMap::new();
    for op in all_operations() {
        let list = match (pagination(op), count_of(op)) {
            (Some(_), _) => op,
            (None, Some(count)) => {
                find_operation(&count.operation).expect("the counted list is documented")
            }
            (None, None) => continue,
        };
        if !unfiltered.contains_key(&list.id) {
            let case = format!("filter_conformance: {} unfiltered", list.id);
            let listing = list_all(session, &session.request(&list.id), &case).await;
            if let Err(why) = &listing {
                session.recorder.skip(
                    Check::FilterConformance,
                    &list.id,
                    "filters",
                    format!("the unfiltered list failed: {why}"),
                );
            }
            unfiltered.insert(list.id.clone(), listing.ok());
        }
        let Some(Some(all)) = unfiltered.get(&list.id) else { continue };
        let all = all.items.clone();
        let complete = unfiltered[&list.id].as_ref().is_some_and(|l| l.complete);
        for filter in filters(op) {
            check_filter(session, op, list, &filter, &all, complete, fixture).await;
            if op.id == list.id && filter.repeatable(op) {
                check_repeated(session, op, &filter, &all, complete).await;
            }
        }
        if op.id == list.id && complete {
            super::combined::run(session, op, &all).await;
        }
    }
}

async fn check_filter(
    session: &mut Session,
    op: &'static Operation,
    list: &'static Operation,
    filter: &Filter,
    all: &[Value],
    complete: bool,
    fixture: &Fixture,
) {
    let name = filter.parameter.name.as_str();
    let case = format!("filter_conformance: {name}");
    type Matcher = Box<dyn Fn(&Value) -> Option<bool> + Send + Sync>;
    let (probe, matches): (Probe, Matcher) = match &filter.rule {
        FilterRule::Unchecked { unchecked } => {
            return session.recorder.skip(
                Check::FilterConformance,
                &op.id,
                &case,
                format!("not checkable: {unchecked}"),
            );
        }
        FilterRule::MadeBy { made_by } => {
            let Some(run) =
                fixture.policy_run.as_ref().filter(|r| r.operation.id == made_by.operation)
            else {
                let why = format!(
                    "needs backups this run made with {} (--allow-mutations)",
                    made_by.operation
                );
                return session.recorder.skip(Check::FilterConformance, &op.id, &case, why);
            };
            let Some(value) = made_by.value.text(&run.parts(), None) else { return };
            let mine: Vec<String> =
                fixture.policy_backups.iter().filter_map(id_of).map(str::to_owned).collect();
            let others: Vec<String> =
                fixture.manual_backups.iter().filter_map(id_of).map(str::to_owned).collect();
            // Of the items, only the run's own are known to be made by it or not.
            let check = move |item: &Value| {
                let id = id_of(item)?;
                if mine.iter().any(|m| m == id) {
                    Some(true)
                } else if others.iter().any(|o| o == id) {
                    Some(false)
                } else {
                    None
                }
            };
            let source = fixture.policy_backups.first().and_then(id_of).map(str::to_owned);
            (Probe { values: vec![value], source }, Box::new(check))
        }
        FilterRule::Property { property: pointer, matches: how } => {
            let Some(probe) = choose(op, filter, pointer, *how, all, fixture) else {
                let why = format!("too little to judge: no item to take a value of {pointer} from");
                return session.recorder.skip(Check::FilterConformance, &op.id, &case, why);
            };
            let (pointer, how, wanted) = (pointer.clone(), *how, probe.values.clone());
            let check = move |item: &Value| {
                Some(
                    property(item, &pointer)
                        .is_some_and(|v| wanted.iter().any(|w| how.accepts(v, w))),
                )
            };
            (probe, Box::new(check))
        }
    };
    judge_probe(session, op, list, filter, &probe, &*matches, all, complete, &case).await;
    if let FilterRule::Property { property: pointer, matches: how } = &filter.rule {
        let mut probes: Vec<(String, Probe)> = enum_values(op, filter)
            .into_iter()
            .map(|v| (format!("{name}={v}, every value of its enum"), Probe::of(v)))
            .collect();
        probes.extend(time_probes(op, filter, pointer, *how, all, fixture));
        for (kind, probe) in probes {
            let case = format!("filter_conformance: {kind}");
            let (owned, wanted, how) = (pointer.clone(), probe.values.clone(), *how);
            let matches = move |item: &Value| {
                Some(
                    property(item, &owned)
                        .is_some_and(|v| wanted.iter().any(|w| how.accepts(v, w))),
                )
            };
            judge_probe(session, op, list, filter, &probe, &matches, all, complete, &case).await;
        }
    }
}

impl Probe {
    /// One value, from no particular item.
    fn of(value: String) -> Probe {
        Probe { values: vec![value], source: None }
    }
}

/// A time bound is tried at an item's exact time (an inclusive bound keeps the item: an
/// endpoint that compares strictly leaves it out) and a microsecond past it for at-least,
/// before it for at-most (the parameter takes microseconds: an endpoint that drops the
/// fraction of a second still keeps the item), then with shorter fractions. The item is the
/// run's own where it made some.
fn time_probes(
    op: &Operation,
    filter: &Filter,
    pointer: &str,
    how: Match,
    all: &[Value],
    fixture: &Fixture,
) -> Vec<(String, Probe)> {
    let step = match how {
        Match::AtLeast => 1,
        Match::AtMost => -1,
        _ => return Vec::new(),
    };
    let name = filter.parameter.name.as_str();
    let timed = |item: &Value| {
        let micros = property(item, pointer)
            .and_then(Value::as_str)
            .and_then(csbs_spec::behaviour::instant)?;
        Some((id_of(item)?.to_owned(), micros))
    };
    let mine: Vec<&str> = fixture.backups().filter_map(id_of).collect();
    let own = all.iter().filter(|i| id_of(i).is_some_and(|id| mine.contains(&id)));
    let Some((id, micros)) = own.chain(all).find_map(timed) else { return Vec::new() };
    let past = if step > 0 { "past" } else { "before" };
    let mut probes = vec![
        (format!("{name} at an item's exact time"), micros, 6, Some(id.clone())),
        (format!("{name} a microsecond {past} an item's time"), micros + step, 6, None),
    ];
    // `FilterTimestamp` takes one to six fraction digits: bounds of one and of three digits
    // next to the item's time, one keeping it, one leaving it out (an endpoint that reads `.5`
    // as 5 microseconds, breaker g29, moves them across the item).
    for digits in [1, 3] {
        let unit = 10i64.pow(6 - digits);
        let floor = micros.div_euclid(unit) * unit;
        let ceil = if floor == micros { micros } else { floor + unit };
        let (keep, out) = if step > 0 { (floor, floor + unit) } else { (ceil, ceil - unit) };
        let plural = if digits == 1 { "" } else { "s" };
        let kind =
            |what: &str| format!("{name} with {digits} fraction digit{plural}, {what} an item");
        probes.push((kind("keeping"), keep, digits, Some(id.clone())));
        probes.push((kind("leaving out"), out, digits, None));
    }
    probes
        .into_iter()
        .filter_map(|(kind, at, digits, source)| {
            let text = filter_time(at)?;
            // Six digits of a time on a multiple of the unit: the last (6 - digits) are zeros.
            let text = text[..text.len() - (6 - digits as usize)].to_owned();
            let value = valid_values(op, filter, std::iter::once(text)).pop()?;
            Some((kind, Probe { values: vec![value], source }))
        })
        .collect()
}

/// Microseconds since the epoch as a filter time with all six digits of its fraction, no zone.
fn filter_time(micros: i64) -> Option<String> {
    let time = chrono::DateTime::from_timestamp_micros(micros)?;
    Some(time.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
}

/// The values of the parameter's enum (of its items for a repeated one), in the spec's order.
fn enum_values(op: &Operation, filter: &Filter) -> Vec<String> {
    let schema = value_schema(op, filter);
    let resolved = csbs_spec::document::deref(op.service.document(), &schema);
    let values = resolved.get("enum").and_then(Value::as_array).into_iter().flatten();
    valid_values(op, filter, values.filter_map(Value::as_str).map(str::to_owned))
}

/// Lists (or counts) with the probe's values and judges what comes back against `matches`
/// on the unfiltered items.
#[allow(clippy::too_many_arguments)]
async fn judge_probe(
    session: &mut Session,
    op: &'static Operation,
    list: &'static Operation,
    filter: &Filter,
    probe: &Probe,
    matches: &(dyn Fn(&Value) -> Option<bool> + Send + Sync),
    all: &[Value],
    complete: bool,
    case: &str,
) {
    let name = filter.parameter.name.as_str();
    let case = case.to_owned();
    let expected: Vec<&str> =
        all.iter().filter(|i| matches(i) == Some(true)).filter_map(id_of).collect();
    let mut request = session.request(&op.id);
    for value in &probe.values {
        request = request.query(name, value.clone());
    }
    if op.id != list.id {
        let expected = expected.len();
        let counting = Counting { matches, expected, complete };
        return check_count(session, op, list, filter, &request, counting, &case).await;
    }
    let Some(listing) = listed(session, &request, &case).await else { return };
    let wrong: Vec<String> = listing
        .items
        .iter()
        .filter(|i| matches(i) == Some(false))
        .map(|i| describe(i, &filter.rule))
        .take(3)
        .collect();
    let listed: Vec<&str> = listing.items.iter().filter_map(id_of).collect();
    let mut missing: Vec<String> = probe
        .source
        .iter()
        .map(String::as_str)
        .chain(expected.iter().copied().filter(|_| complete))
        .filter(|id| !listed.contains(id))
        .collect::<std::collections::BTreeSet<&str>>()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if !missing.is_empty() {
        // An item may have changed (a backup settled, deleted) since the unfiltered list:
        // only what still matches in a fresh one is missing.
        let still = matching_now(session, list, matches, &case).await;
        missing.retain(|id| still.contains(id));
        missing.truncate(3);
    }
    let shown = probe.values.join("&");
    let verdict: Verdict = if !wrong.is_empty() {
        fail(name, format!("{name}={shown} listed items that do not match: {}", wrong.join("; ")))
    } else if !missing.is_empty() {
        fail(
            name,
            format!(
                "{name}={shown} left out matching items {missing:?} (the unfiltered list has them)"
            ),
        )
    } else {
        Ok(())
    };
    let passed = verdict.is_ok();
    session.judge(Check::FilterConformance, &listing.first, &case, verdict);
    if passed && listing.complete {
        filtered_page(session, &request, &listing, all.len(), &case).await;
    }
    if let (FilterRule::Property { property: pointer, matches: Match::Equals }, [value]) =
        (&filter.rule, probe.values.as_slice())
    {
        near_misses(session, op, filter, pointer, value, matches, &case).await;
    }
    if let Some(total) = pagination(list).and_then(|p| p.total) {
        let count =
            listing.first.json.as_ref().and_then(|b| b.pointer(&total)).and_then(Value::as_u64);
        if listing.complete {
            let verdict = counted(
                count,
                listing.items.len(),
                &format!("{} with {name}={shown}, across its pages", list.id),
            );
            session.judge(
                Check::CountConformance,
                &listing.first,
                &case.replace("filter_", "count_"),
                verdict,
            );
        }
    }
}

/// A whole-value filter matches the whole value only: the chosen value cut by its last
/// character, and in the other case, must not list the items that have the value (an endpoint
/// that matches by prefix, by part or ignoring case lists them). Values the parameter's schema
/// refuses are not sent.
async fn near_misses(
    session: &mut Session,
    op: &'static Operation,
    filter: &Filter,
    pointer: &str,
    value: &str,
    matches: &(dyn Fn(&Value) -> Option<bool> + Send + Sync),
    case: &str,
) {
    let name = filter.parameter.name.as_str();
    let mut chars = value.chars();
    chars.next_back();
    let upper = value.to_uppercase();
    let other_case = if upper != value { upper } else { value.to_lowercase() };
    let cut = chars.as_str().to_owned();
    let candidates = [cut.clone(), other_case];
    let nears = valid_values(op, filter, candidates.into_iter().filter(|n| n != value));
    for near in nears {
        // The case names the kind of miss, not the value (the message and request show it):
        // a report's history keys on the name.
        let kind = if near == cut { "cut by one character" } else { "in the other case" };
        let case = format!("{case} near miss, {kind}");
        let request = session.request(&op.id).query(name, near.clone());
        let Some(listing) = listed(session, &request, &case).await else { continue };
        let exact =
            |i: &Value| property(i, pointer).is_some_and(|v| Match::Equals.accepts(v, &near));
        let wrong: Vec<String> = listing
            .items
            .iter()
            .filter(|i| !exact(i) && matches(i) == Some(true))
            .map(|i| describe(i, &filter.rule))
            .take(3)
            .collect();
        let verdict = if wrong.is_empty() {
            Ok(())
        } else {
            fail(
                name,
                format!(
                    "{name}={near} listed items whose {name} is {value:?}, not {near:?} (the \
                     documents match the whole value): {}",
                    wrong.join("; ")
                ),
            )
        };
        session.judge(Check::FilterConformance, &listing.first, &case, verdict);
    }
}

/// The filter selects before the page is cut: with `limit` as many as the filtered items, the
/// page holds all of them, in the default order and in its reverse (an endpoint that filters
/// the page after cutting it lists only the matches among the first unfiltered items; the run's
/// own items come first in one of the two orders, so one of them shows it).
async fn filtered_page(
    session: &mut Session,
    request: &ApiRequest,
    listing: &Listing,
    unfiltered: usize,
    case: &str,
) {
    let mut matching: Vec<&str> = listing.items.iter().filter_map(id_of).collect();
    let Some(paging) = pagination(request.operation) else { return };
    if matching.is_empty() || matching.len() >= unfiltered {
        return;
    }
    matching.sort_unstable();
    let limit = matching.len().to_string();
    let mut orders = vec![None];
    if let Some((_, keys)) = sort_default(request.operation) {
        let reversed: Vec<String> = keys
            .iter()
            .map(|(key, d)| format!("{key}:{}", if *d == Direction::Desc { "asc" } else { "desc" }))
            .collect();
        orders.push(Some(reversed.join(",")));
    }
    for order in orders {
        let mut page_request = request.clone().query(&paging.limit, limit.clone());
        let mut shown = format!("{}={limit}", paging.limit);
        let mut case = format!("{case} with a page as long as the matches");
        if let Some(order) = order {
            shown = format!("{shown}&sort={order}");
            page_request = page_request.query("sort", order);
            case.push_str(", in reverse order");
        }
        let answer = session.call(&page_request, &case).await;
        let page: Vec<Value> = super::support::items_of(&answer, &paging).unwrap_or_default();
        let mut page: Vec<&str> = page.iter().filter_map(id_of).collect();
        page.sort_unstable();
        let verdict = if page == matching {
            Ok(())
        } else {
            fail(
                &paging.limit,
                format!(
                    "{shown} listed {page:?}, but the filter selects {matching:?}: the filter \
                     must select before the page is cut"
                ),
            )
        };
        session.judge(Check::FilterConformance, &answer, &case, verdict);
    }
}

/// A repeated parameter (`status=a&status=b`) selects the items that match any of its values:
/// a value no item has, then one some items have, must list all of the latter (an endpoint
/// that keeps only one of the values lists none or too few).
async fn check_repeated(
    session: &mut Session,
    op: &'static Operation,
    filter: &Filter,
    all: &[Value],
    complete: bool,
) {
    let name = filter.parameter.name.as_str();
    let case = format!("filter_conformance: {name} repeated");
    let FilterRule::Property { property: pointer, matches: how } = &filter.rule else { return };
    let present =
        all.iter().find_map(|i| property(i, pointer)).and_then(Value::as_str).map(str::to_owned);
    let other = unmatched(op, filter, *how, pointer, all);
    let (Some(present), Some(other)) = (present, other) else {
        return session.recorder.skip(
            Check::FilterConformance,
            &op.id,
            &case,
            "too little to judge: no item to take a value from",
        );
    };
    let request = session.request(&op.id).query(name, other.clone()).query(name, present.clone());
    let Some(listing) = listed(session, &request, &case).await else { return };
    let wanted = [other.clone(), present.clone()];
    let accepts =
        |i: &Value| property(i, pointer).is_some_and(|v| wanted.iter().any(|w| how.accepts(v, w)));
    let listed: Vec<&str> = listing.items.iter().filter_map(id_of).collect();
    let missing: Vec<&str> = all
        .iter()
        .filter(|i| complete && property(i, pointer).is_some_and(|v| how.accepts(v, &present)))
        .filter_map(id_of)
        .filter(|id| !listed.contains(id))
        .take(3)
        .collect();
    let verdict = if let Some(wrong) = listing.items.iter().find(|i| !accepts(i)) {
        fail(
            name,
            format!("{name}={other}&{name}={present} listed {}", describe(wrong, &filter.rule)),
        )
    } else if !missing.is_empty() {
        fail(name, format!("{name}={other}&{name}={present} left out {missing:?}, which have {name} {present}: a repeated parameter accepts any of its values"))
    } else {
        Ok(())
    };
    session.judge(Check::FilterConformance, &listing.first, &case, verdict);
}

/// Every item `request` lists, or `None` with the failure recorded.
async fn listed(session: &mut Session, request: &ApiRequest, case: &str) -> Option<Listing> {
    match list_all(session, request, case).await {
        Ok(listing) => Some(listing),
        Err(why) => {
            let op = &request.operation.id;
            session.recorder.verdict(Check::FilterConformance, op, case, fail("list", why), None);
            None
        }
    }
}

/// What a filtered count is judged against: the number of matching items of the unfiltered
/// list (judged only when that list was `complete`).
struct Counting<'a> {
    matches: &'a (dyn Fn(&Value) -> Option<bool> + Send + Sync),
    expected: usize,
    complete: bool,
}

/// The IDs of the items of `list`, listed now, that `matches` accepts (none if it fails).
async fn matching_now(
    session: &mut Session,
    list: &'static Operation,
    matches: &(dyn Fn(&Value) -> Option<bool> + Send + Sync),
    case: &str,
) -> Vec<String> {
    let fresh = list_all(session, &session.request(&list.id), case).await;
    let items = fresh.map(|l| l.items).unwrap_or_default();
    items.iter().filter(|i| matches(i) == Some(true)).filter_map(id_of).map(str::to_owned).collect()
}

/// A count with a filter: it equals the matching items of the unfiltered list and what the
/// list lists with the same filter.
async fn check_count(
    session: &mut Session,
    op: &'static Operation,
    list: &'static Operation,
    filter: &Filter,
    request: &ApiRequest,
    counting: Counting<'_>,
    case: &str,
) {
    let answer = session.call(request, case).await;
    let count = count_value(op, &answer);
    let name = &filter.parameter.name;
    if counting.complete {
        let mut expected = counting.expected;
        if count != Some(expected as u64) {
            // The items may have changed since the unfiltered list: count them again.
            expected = matching_now(session, list, counting.matches, case).await.len();
        }
        let verdict = counted(
            count,
            expected,
            &format!("the unfiltered {} (its items matching {name})", list.id),
        );
        session.judge(Check::FilterConformance, &answer, case, verdict);
    }
    if list.parameter(Location::Query, name).is_none() {
        return;
    }
    let mut listed_request = ApiRequest::new(list, session.project_id());
    listed_request.query = request.query.clone();
    let case = case.replace("filter_", "count_");
    match list_all(session, &listed_request, &case).await {
        Ok(listing) if listing.complete => {
            let verdict = counted(
                count,
                listing.items.len(),
                &format!("{} with {name}, across its pages", list.id),
            );
            session.judge(Check::CountConformance, &answer, &case, verdict);
        }
        _ => {}
    }
}

/// The number a count answers (at its `x-count-of` property).
pub fn count_value(op: &Operation, answer: &Answer) -> Option<u64> {
    let pointer = count_of(op).map(|c| c.property)?;
    answer.json.as_ref()?.pointer(&pointer)?.as_u64()
}

pub fn counted(count: Option<u64>, listed: usize, what: &str) -> Verdict {
    match count {
        Some(n) if n == listed as u64 => Ok(()),
        Some(n) => fail("count", format!("the count is {n}, but {what} holds {listed} items")),
        None => fail(
            "count",
            format!("the answer has no count to compare with the {listed} items {what} holds"),
        ),
    }
}

fn describe(item: &Value, rule: &FilterRule) -> String {
    let id = id_of(item).unwrap_or("?");
    match rule {
        FilterRule::Property { property: p, .. } => {
            format!(
                "{id} has {p} = {}",
                property(item, p).map(show).unwrap_or_else(|| "nothing".into())
            )
        }
        _ => format!("{id} was not made by that request"),
    }
}

/// A value of `pointer` that some items have and some do not (the run's own items first),
/// written as the parameter takes it.
fn choose(
    op: &Operation,
    filter: &Filter,
    pointer: &str,
    how: Match,
    all: &[Value],
    fixture: &Fixture,
) -> Option<Probe> {
    let mine: Vec<&str> = fixture
        .backups()
        .filter_map(id_of)
        .chain(fixture.policies.iter().map(|p| p.id.as_str()))
        .collect();
    let mut candidates: Vec<&Value> =
        all.iter().filter(|i| id_of(i).is_some_and(|id| mine.contains(&id))).collect();
    candidates.extend(all.iter().filter(|i| !id_of(i).is_some_and(|id| mine.contains(&id))));
    for item in candidates {
        let Some(value) = property(item, pointer) else { continue };
        for wanted in parameter_values(op, filter, how, value) {
            let matching = all
                .iter()
                .filter(|i| property(i, pointer).is_some_and(|v| how.accepts(v, &wanted)))
                .count();
            let sets_apart = matching < all.len();
            if sets_apart && how.accepts(value, &wanted) {
                let source = id_of(item).map(str::to_owned);
                return Some(Probe { values: vec![wanted], source });
            }
        }
    }
    // Every item shares the value: a value no item has must list nothing.
    let none = unmatched(op, filter, how, pointer, all)?;
    Some(Probe { values: vec![none], source: None })
}

/// A valid value of the parameter that no item matches: another value of its enum, the other
/// boolean, a made-up ID or name; `None` when the list is empty (nothing to set apart).
fn unmatched(
    op: &Operation,
    filter: &Filter,
    how: Match,
    pointer: &str,
    all: &[Value],
) -> Option<String> {
    if all.is_empty() || matches!(how, Match::AtLeast | Match::AtMost) {
        return None;
    }
    let schema = value_schema(op, filter);
    let resolved = csbs_spec::document::deref(op.service.document(), &schema);
    let mut candidates: Vec<String> = resolved
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    candidates.extend(["true", "false"].map(str::to_owned));
    candidates.push(super::support::made_up_id());
    candidates.push(format!("csbs-conformance-{}", &super::support::made_up_project()[..8]));
    candidates.into_iter().find(|c| {
        Contract::check(op.service, &schema, &typed(resolved, c)).is_ok()
            && !all.iter().any(|i| property(i, pointer).is_some_and(|v| how.accepts(v, c)))
    })
}

/// The schema of one value of the parameter (the items' schema for a repeated one).
fn value_schema(op: &Operation, filter: &Filter) -> Value {
    if filter.repeatable(op) {
        filter.parameter.schema.get("items").cloned().unwrap_or_default()
    } else {
        filter.parameter.schema.clone()
    }
}

/// `text` as the JSON value the schema's type reads it as (`true` for a boolean).
fn typed(schema: &Value, text: &str) -> Value {
    match (schema.get("type").and_then(Value::as_str), text) {
        (Some("boolean"), "true") => Value::Bool(true),
        (Some("boolean"), "false") => Value::Bool(false),
        _ => Value::String(text.to_owned()),
    }
}

/// Texts of the parameter that `value` (an item's) matches under `how`, valid for the
/// parameter's schema: the value itself, a part of it, a time bound around it.
pub(super) fn parameter_values(
    op: &Operation,
    filter: &Filter,
    how: Match,
    value: &Value,
) -> Vec<String> {
    let text = match value {
        Value::String(s) if !s.is_empty() => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        _ => return Vec::new(),
    };
    let candidates = match how {
        Match::Equals => vec![text],
        Match::Contains => {
            let chars: Vec<char> = text.chars().collect();
            match chars.len() {
                n if n >= 3 => vec![chars[1..n - 1].iter().collect(), text],
                _ => vec![text],
            }
        }
        Match::AtLeast | Match::AtMost => time_bounds(&text, how),
    };
    valid_values(op, filter, candidates.into_iter())
}

/// The values the parameter's schema accepts (non-empty ones), in order.
fn valid_values(
    op: &Operation,
    filter: &Filter,
    candidates: impl Iterator<Item = String>,
) -> Vec<String> {
    let schema = value_schema(op, filter);
    let resolved = csbs_spec::document::deref(op.service.document(), &schema);
    candidates
        .filter(|c| !c.is_empty())
        .filter(|c| Contract::check(op.service, &schema, &typed(resolved, c)).is_ok())
        .collect()
}

/// Bounds at whole seconds that keep the item in (floor for at-least, ceiling for at-most), in
/// the forms the documents use, with and without a zone.
fn time_bounds(text: &str, how: Match) -> Vec<String> {
    let Some(micros) = csbs_spec::behaviour::instant(text) else { return Vec::new() };
    let seconds = micros.div_euclid(1_000_000);
    let bound = match (how, micros.rem_euclid(1_000_000)) {
        (Match::AtMost, fraction) if fraction > 0 => seconds + 1,
        _ => seconds,
    };
    let Some(time) = chrono::DateTime::from_timestamp(bound, 0) else { return Vec::new() };
    let base = time.format("%Y-%m-%dT%H:%M:%S").to_string();
    let keeps = |t: &str| {
        compare(&Value::String(text.into()), &Value::String(t.into()))
            .is_some_and(|o| how.accepts_ordering(o))
    };
    vec![base.clone(), format!("{base}Z")].into_iter().filter(|t| keeps(t)).collect()
}

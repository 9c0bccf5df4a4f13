//! `sort_conformance`: without `sort` a list is in its documented default order
//! (`x-sort.default`); with each documented key and direction (`x-sort`) it is in that order,
//! and holds the same items. Ties may come in any order. A key no item shows, or a list whose
//! items all share the key's value, is too little to judge and is skipped. Two keys
//! (`<key1>[:<direction>],<key2>[:<direction>]`): the second orders the items the first ties.

use super::support::{compare, fail, id_of, list_all, property, show, Listing};
use crate::checks::{Check, Verdict};
use crate::session::Session;
use csbs_spec::behaviour::{instant, pagination, sort_default};
use csbs_spec::operations::all_operations;
use csbs_spec::rules::{Direction, SortRule};
use serde_json::Value;
use std::cmp::Ordering;

/// Every list with a `sort` parameter.
pub async fn run(session: &mut Session) {
    for op in all_operations().filter(|op| pagination(op).is_some()) {
        let Some((rule, default)) = sort_default(op) else { continue };
        let case = "sort_conformance: the default order";
        let all = match list_all(session, &session.request(&op.id), case).await {
            Ok(all) => all,
            Err(why) => {
                session.recorder.skip(
                    Check::SortConformance,
                    &op.id,
                    "sort",
                    format!("the list failed: {why}"),
                );
                continue;
            }
        };
        let verdict = ordered(&all.items, &rule, &default);
        judge(session, case, &all.first, verdict);
        let unsaid = default_direction(&rule);
        for key in &rule.keys {
            // A key alone, without a direction, sorts in `x-sort.default_direction`.
            let forms = [
                (format!("{key}:asc"), Direction::Asc),
                (format!("{key}:desc"), Direction::Desc),
                (key.clone(), unsaid),
            ];
            for (sort, direction) in forms {
                let case = match sort.contains(':') {
                    true => format!("sort_conformance: {sort}"),
                    false => format!("sort_conformance: {sort} without a direction"),
                };
                let Some(pointer) = rule.property(key) else {
                    let why = format!("not checkable: no item shows what `{key}` sorts by");
                    session.recorder.skip(Check::SortConformance, &op.id, &case, why);
                    continue;
                };
                if !distinct(&all.items, &pointer) {
                    let why = format!(
                        "too little to judge: fewer than two items with different {pointer}"
                    );
                    session.recorder.skip(Check::SortConformance, &op.id, &case, why);
                    continue;
                }
                let request = session.request(&op.id).query("sort", sort);
                let sorted = match list_all(session, &request, &case).await {
                    Ok(sorted) => sorted,
                    Err(why) => {
                        session.recorder.verdict(
                            Check::SortConformance,
                            &op.id,
                            &case,
                            fail("list", why),
                            None,
                        );
                        continue;
                    }
                };
                let mut verdict = ordered(&sorted.items, &rule, &[(key.clone(), direction)]);
                if verdict.is_ok() && all.complete && sorted.complete {
                    verdict = same_items(&all.items, &sorted.items);
                }
                judge(session, &case, &sorted.first, verdict);
            }
        }
        two_keys(session, op, &rule, &all).await;
        three_keys(session, op, &rule, &all).await;
    }
}

/// The grammar's second key (`<key1>[:<direction>],<key2>[:<direction>]`): for each key that
/// can be second, a first key on which some items tie and which the second orders, in both
/// directions of the second (one of them differs from whatever order the ties would come in
/// otherwise); the second form leaves the first key's direction to `default_direction`.
async fn two_keys(
    session: &mut Session,
    op: &'static csbs_spec::Operation,
    rule: &SortRule,
    all: &Listing,
) {
    let chains = tie_chains(&all.items, rule, 2);
    if chains.is_empty() {
        let why =
            "too little to judge: no key on which items tie with another key telling them apart";
        session.recorder.skip(Check::SortConformance, &op.id, "sort_conformance: two keys", why);
        return;
    }
    let default = default_direction(rule);
    for chain in chains {
        let (first, second) = (&chain[0], &chain[1]);
        let forms = [
            (
                format!("{first}:asc,{second}:asc"),
                [(first.clone(), Direction::Asc), (second.clone(), Direction::Asc)],
            ),
            (
                format!("{first},{second}:desc"),
                [(first.clone(), default), (second.clone(), Direction::Desc)],
            ),
        ];
        for (sort, keys) in forms {
            let case = format!("sort_conformance: two keys {sort}");
            judge_sorted(session, op, rule, all, &sort, &keys, &case).await;
        }
    }
}

/// Three keys: the third orders the items the first two tie, in both of its directions (the
/// grammar takes any number of keys, each ordering what the previous ones tie).
async fn three_keys(
    session: &mut Session,
    op: &'static csbs_spec::Operation,
    rule: &SortRule,
    all: &Listing,
) {
    let Some(chain) = tie_chains(&all.items, rule, 3).into_iter().next() else {
        let why =
            "too little to judge: no two keys on which items tie with a third telling them apart";
        return session.recorder.skip(
            Check::SortConformance,
            &op.id,
            "sort_conformance: three keys",
            why,
        );
    };
    for last in [Direction::Asc, Direction::Desc] {
        let keys: Vec<(String, Direction)> = chain
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), if i == 2 { last } else { Direction::Asc }))
            .collect();
        let sort = keys
            .iter()
            .map(|(k, d)| format!("{k}:{}", if *d == Direction::Asc { "asc" } else { "desc" }))
            .collect::<Vec<_>>()
            .join(",");
        let case = format!("sort_conformance: three keys {sort}");
        judge_sorted(session, op, rule, all, &sort, &keys, &case).await;
    }
}

/// Lists with `sort` and judges that the items follow `keys` and are those of `all`.
async fn judge_sorted(
    session: &mut Session,
    op: &'static csbs_spec::Operation,
    rule: &SortRule,
    all: &Listing,
    sort: &str,
    keys: &[(String, Direction)],
    case: &str,
) {
    let request = session.request(&op.id).query("sort", sort);
    match list_all(session, &request, case).await {
        Ok(sorted) => {
            let mut verdict = ordered(&sorted.items, rule, keys);
            if verdict.is_ok() && all.complete && sorted.complete {
                verdict = same_items(&all.items, &sorted.items);
            }
            judge(session, case, &sorted.first, verdict);
        }
        Err(why) => {
            let verdict = fail("list", why);
            session.recorder.verdict(Check::SortConformance, &op.id, case, verdict, None)
        }
    }
}

/// The direction of a key sent without one (`x-sort.default_direction`).
fn default_direction(rule: &SortRule) -> Direction {
    if rule.default_direction == "asc" {
        Direction::Asc
    } else {
        Direction::Desc
    }
}

/// Chains of `n` different keys such that two items tie on all but the last (none a time
/// shown rounded) and differ on the last: for each last key, the first such chain in the order
/// of `x-sort.keys` (so that every key that can order ties is tried).
fn tie_chains(items: &[Value], rule: &SortRule, n: usize) -> Vec<Vec<String>> {
    let mut chains: Vec<Vec<&String>> = vec![Vec::new()];
    for _ in 1..n {
        chains = chains
            .into_iter()
            .flat_map(|c| {
                let free: Vec<&String> = rule.keys.iter().filter(|k| !c.contains(k)).collect();
                free.into_iter().map(move |k| {
                    let mut longer = c.clone();
                    longer.push(k);
                    longer
                })
            })
            .collect();
    }
    let mut found: Vec<Vec<String>> = Vec::new();
    for tied in chains {
        let Some(pointers) = tied.iter().map(|k| rule.property(k)).collect::<Option<Vec<_>>>()
        else {
            continue;
        };
        for last in rule.keys.iter().filter(|k| !tied.contains(k)) {
            if found.iter().any(|c| c.last() == Some(last)) {
                continue;
            }
            let Some(q) = rule.property(last) else { continue };
            // The first item seen with each combination of the tied keys (one pass).
            let mut seen: std::collections::HashMap<String, &Value> = Default::default();
            let tied_apart = items.iter().any(|item| {
                let values: Option<Vec<&Value>> =
                    pointers.iter().map(|p| property(item, p)).collect();
                let (Some(values), Some(y)) = (values, property(item, &q)) else { return false };
                // Times shown rounded (CBR: to the millisecond) that look tied may not be for
                // the service, which then rightly ignores the next key; a time shown to the
                // microsecond (CSBS) is the time itself.
                if values.iter().any(|x| x.as_str().is_some_and(rounded_time)) {
                    return false;
                }
                let earlier = *seen.entry(format!("{values:?}")).or_insert(y);
                compare(earlier, y).is_some_and(|o| o != Ordering::Equal)
            });
            if tied_apart {
                let mut chain: Vec<String> = tied.iter().map(|k| (*k).clone()).collect();
                chain.push(last.clone());
                found.push(chain);
            }
        }
    }
    found
}

/// True for a time shown coarser than the microsecond.
fn rounded_time(text: &str) -> bool {
    let fraction = text.split_once('.').map_or("", |(_, f)| f);
    let digits = fraction.chars().take_while(char::is_ascii_digit).count();
    instant(text).is_some() && digits < 6
}

fn judge(session: &mut Session, case: &str, answer: &crate::session::Answer, verdict: Verdict) {
    session.judge(Check::SortConformance, answer, case, verdict);
}

/// True when at least two items have different comparable values at `pointer`.
fn distinct(items: &[Value], pointer: &str) -> bool {
    let values: Vec<&Value> = items.iter().filter_map(|i| property(i, pointer)).collect();
    let first = values.first();
    values
        .iter()
        .any(|v| first.is_some_and(|f| compare(f, v).is_some_and(|o| o != Ordering::Equal)))
}

/// Checks that consecutive items follow `keys` (each item not after the next).
fn ordered(items: &[Value], rule: &SortRule, keys: &[(String, Direction)]) -> Verdict {
    for (i, pair) in items.windows(2).enumerate() {
        for (key, direction) in keys {
            let Some(pointer) = rule.property(key) else { break };
            let (a, b) = (property(&pair[0], &pointer), property(&pair[1], &pointer));
            let Some(order) = a.zip(b).and_then(|(a, b)| compare(a, b)) else { break };
            let order = if *direction == Direction::Desc { order.reverse() } else { order };
            match order {
                Ordering::Less => break,
                Ordering::Equal => continue,
                Ordering::Greater => {
                    let word =
                        if *direction == Direction::Asc { "ascending" } else { "descending" };
                    let (x, y) = (show(a.expect("compared")), show(b.expect("compared")));
                    let (p, q) = (id_of(&pair[0]).unwrap_or("?"), id_of(&pair[1]).unwrap_or("?"));
                    return fail(
                        key,
                        format!("items {i} and {} are not in {word} {key} order: {p} has {x}, then {q} has {y}", i + 1),
                    );
                }
            }
        }
    }
    Ok(())
}

/// A sorted list holds the same items as the unsorted one.
fn same_items(all: &[Value], sorted: &[Value]) -> Verdict {
    let mut a: Vec<&str> = all.iter().filter_map(id_of).collect();
    let mut b: Vec<&str> = sorted.iter().filter_map(id_of).collect();
    a.sort_unstable();
    b.sort_unstable();
    if a == b {
        return Ok(());
    }
    let lost: Vec<&&str> = a.iter().filter(|id| !b.contains(id)).take(3).collect();
    let extra: Vec<&&str> = b.iter().filter(|id| !a.contains(id)).take(3).collect();
    fail(
        "items",
        format!("sorting changed which items are listed (lost {lost:?}, added {extra:?})"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule() -> SortRule {
        SortRule {
            keys: vec!["created_at".into(), "name".into()],
            default_direction: "desc".into(),
            max_length: 255,
            default: Some("created_at:desc".into()),
            properties: Default::default(),
        }
    }

    #[test]
    fn order_is_checked_key_by_key_with_ties() {
        let items = vec![
            json!({"id": "1", "name": "b", "created_at": "2020-01-02T00:00:00"}),
            json!({"id": "2", "name": "a", "created_at": "2020-01-02 00:00:00"}),
            json!({"id": "3", "name": "c", "created_at": "2020-01-01T00:00:00"}),
        ];
        let desc = [("created_at".to_owned(), Direction::Desc)];
        assert_eq!(ordered(&items, &rule(), &desc), Ok(()));
        let by_name =
            [("created_at".to_owned(), Direction::Desc), ("name".to_owned(), Direction::Asc)];
        assert!(ordered(&items, &rule(), &by_name).unwrap_err().message.contains("ascending name"));
        assert!(ordered(&items, &rule(), &[("name".to_owned(), Direction::Asc)]).is_err());
        assert!(distinct(&items, "/name") && !distinct(&items[..1], "/name"));
    }
}

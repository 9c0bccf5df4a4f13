//! The sweep that ends every history: the reads whose documented values are few, each tried
//! once, so that a rule on one value (a key's default direction, one status, a time bound at
//! a record's exact time) is met on every seed rather than by chance. What they may take is
//! read from the lists' `x-sort` and `x-filter`, as the random reads are.

use super::gen::{enum_values, sort_rule, takes_microseconds, PLACES};
use super::perform::{list, Ctx, Observed};
use super::sides::Side;
use super::step::{Arg, Query};
use csbs_spec::behaviour::{filters, FilterRule, Match};
use csbs_spec::operations::find_operation;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The lists the sweep reads.
const LISTS: [&str; 3] = ["listPolicies", "listBackups", "listCbrBackups"];

/// The sweep's queries, given how many records the history made: every sort key alone, every
/// value of every enumerated filter, and the time bounds of each record (at its first
/// backup's exact time, and just after its last).
pub fn queries(records: usize) -> Vec<(&'static str, Query)> {
    let mut out = Vec::new();
    for operation_id in LISTS {
        let one = |name: &str, arg: Arg| Query {
            filters: vec![(name.to_owned(), arg)],
            ..Query::default()
        };
        for key in sort_rule(operation_id).map(|r| r.keys).unwrap_or_default() {
            out.push((operation_id, Query { sort: Some(key), ..Query::default() }));
        }
        let Some(op) = find_operation(operation_id) else { continue };
        for f in filters(op) {
            let (name, schema) = (&f.parameter.name, &f.parameter.schema);
            let FilterRule::Property { property, matches } = &f.rule else { continue };
            match (property.as_str(), matches) {
                ("/created_at", Match::AtLeast | Match::AtMost)
                    if takes_microseconds(op.service, schema) =>
                {
                    for n in 0..records.min(PLACES) {
                        let arg = match matches {
                            Match::AtLeast => Arg::Since(n),
                            _ => Arg::Until(n),
                        };
                        out.push((operation_id, one(name, arg)));
                    }
                }
                ("/status" | "/resource_type" | "/image_type", _) => {
                    for v in enum_values(schema) {
                        out.push((operation_id, one(name, Arg::Text(v))));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Runs the sweep on `side`: each kind of fact (`status`, `membership`, `count`) holds the
/// answer of every query, by the query's text; the first order fault is kept.
pub async fn sweep(side: &mut Side, ctx: &Ctx<'_>) -> Observed {
    let mut seen = Observed::default();
    let mut kinds: BTreeMap<&'static str, Map<String, Value>> = BTreeMap::new();
    for (operation_id, query) in queries(side.names.records.len()) {
        let label = format!("{operation_id} {query}");
        let o = list(side, operation_id, &query, ctx).await;
        for (kind, value) in o.facts {
            kinds.entry(kind).or_default().insert(label.clone(), value);
        }
        if seen.order.is_none() {
            seen.order = o.order.map(|why| format!("{label}: {why}"));
        }
        seen.replies.extend(o.replies);
    }
    seen.facts = kinds.into_iter().map(|(k, v)| (k, Value::Object(v))).collect();
    seen
}

//! Random histories (proptest): a pool of names and descriptions drawn from the spec's schemas
//! (lengths at the bounds, every allowed character class), then steps that name objects by
//! their place in the history. Filters come from the lists' `x-filter`, sort keys from their
//! `x-sort`, so that a new documented filter or key is exercised without a change here.

use super::step::{Arg, Query, ScheduleChange, Step};
use crate::properties::strings::{generable, matching, rrule};
use csbs_spec::behaviour::{filters, FilterRule, Match};
use csbs_spec::operations::find_operation;
use csbs_spec::rules::{RruleRule, SortRule};
use csbs_spec::{Location, Service};
use proptest::prelude::*;
use serde_json::Value;

/// Names and descriptions a history draws from (few, so that they collide), and an ID nobody
/// has (for steps naming an object before any was made).
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    pub names: Vec<String>,
    pub descriptions: Vec<String>,
    pub unknown: String,
}

/// A history: its pool and its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    pub pool: Pool,
    pub steps: Vec<Step>,
}

/// Places drawn for objects: small, so that steps meet the same objects.
pub(super) const PLACES: usize = 4;

fn text_schema(schema: &str) -> Value {
    let doc = Service::Csbs.document();
    doc.pointer(&format!("/components/schemas/{schema}")).cloned().unwrap_or(Value::Null)
}

fn schema_text(schema: &str) -> BoxedStrategy<String> {
    let s = text_schema(schema);
    let int = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
    matching(
        s.get("pattern").and_then(Value::as_str),
        int("minLength").unwrap_or(0),
        int("maxLength"),
    )
}

/// True when `text` fits the CSBS schema `schema` (its length bounds and pattern), as the
/// pool's texts drawn from it do.
pub fn text_fits(schema: &str, text: &str) -> bool {
    let s = text_schema(schema);
    let n = text.chars().count() as u64;
    let bound = |k: &str| s.get(k).and_then(Value::as_u64);
    let pattern = s.get("pattern").and_then(Value::as_str).map(generable);
    let matches = pattern
        .is_none_or(|p| regex::Regex::new(&format!("^(?:{p})$")).is_ok_and(|r| r.is_match(text)));
    bound("minLength").is_none_or(|m| n >= m)
        && bound("maxLength").is_none_or(|m| n <= m)
        && matches
}

/// Texts of the CSBS schema `schema` at its edges: the longest it allows, one of every
/// character class its pattern allows (with surrounding spaces where it allows a space, which
/// an endpoint must keep), and a typical one; the histories use each.
fn edge_texts(schema: &str) -> BoxedStrategy<Vec<String>> {
    let s = text_schema(schema);
    let max = s.get("maxLength").and_then(Value::as_u64).map(|n| n as usize);
    let pattern = s.get("pattern").and_then(Value::as_str).map(str::to_owned);
    let longest = max.map_or_else(|| schema_text(schema), |m| matching(pattern.as_deref(), m, max));
    let classes: Vec<char> =
        EDGE_CHARS.chars().filter(|c| text_fits(schema, &c.to_string())).collect();
    let padded = text_fits(schema, " a ");
    let fitting = move |mut text: String| {
        if let Some(m) = max {
            text = text.chars().take(m).collect();
        }
        text
    };
    // A typical tail keeps it unlike the texts of other runs (names must be unique).
    let every_class = (Just(classes).prop_shuffle(), schema_text(schema), any::<bool>()).prop_map(
        move |(chars, tail, pad)| {
            let text: String = chars.into_iter().chain(tail.chars()).collect();
            fitting(if padded && pad { format!(" {text} ") } else { text })
        },
    );
    let padded_typical = schema_text(schema).prop_map(move |t| match padded {
        true => format!(" {t} ").chars().take(max.unwrap_or(usize::MAX)).collect(),
        false => t,
    });
    (every_class, longest, padded_typical)
        .prop_map(|(a, b, c)| vec![a, b, c])
        .prop_filter("fits the schema", move |texts| texts.iter().all(|t| !t.is_empty()))
        // Whether names differing only in letter case collide is undocumented (CONVENTIONS).
        .prop_filter("no two differ only in case", |texts| {
            texts.iter().enumerate().all(|(i, a)| {
                texts[..i].iter().all(|b| a == b || a.to_lowercase() != b.to_lowercase())
            })
        })
        .boxed()
}

/// One character of each class an edge text tries (upper, lower, digit, `_`, `-`, space,
/// punctuation, non-ASCII letters): those the schema's pattern allows are used.
const EDGE_CHARS: &str = "Az09_- .!é中";

fn pool() -> impl Strategy<Value = Pool> {
    (edge_texts("Name"), edge_texts("Description"), any::<u128>()).prop_map(
        |(names, descriptions, n)| Pool {
            names,
            descriptions,
            unknown: uuid::Uuid::from_u128(n).to_string(),
        },
    )
}

fn servers(count: usize) -> BoxedStrategy<Vec<usize>> {
    proptest::sample::subsequence((0..count).collect::<Vec<_>>(), 0..=count.min(2)).boxed()
}

/// A retention count (`max_backups`, `retention_duration_days`): the bounds of the spec's
/// `RetentionCount` (-1, no limit, and its maximum) or a small count a few runs reach. (Not 0:
/// a backup kept for 0 days is gone when the endpoint's clock, not the model's, says so.)
fn retention() -> BoxedStrategy<i64> {
    let s = text_schema("RetentionCount");
    let bound = |k: &str| s.get(k).and_then(Value::as_i64);
    let (min, max) = (bound("minimum").unwrap_or(1), bound("maximum").unwrap_or(3));
    prop_oneof![Just(min), 1..=3i64, Just(max)].boxed()
}

/// Schedules (`trigger.properties.pattern`) from the spec's `SchedulePattern` `x-rrule`: the
/// most runs it allows (every day, `max_times_per_day` hours the least interval apart, the
/// last minute), the fewest (one day a week, the first hour and minute), or any valid one.
fn pattern() -> BoxedStrategy<String> {
    let doc = Service::Csbs.document();
    let rule = doc
        .pointer("/components/schemas/SchedulePattern/x-rrule")
        .and_then(|v| RruleRule::from_extension(v).ok());
    let Some(rule) = rule else { return Just(crate::fixtures::schedule()).boxed() };
    let param = |name: &str| rule.parameters.get(name).cloned().unwrap_or_default();
    let (freq, day, hour, minute) =
        (param("FREQ"), param("BYDAY"), param("BYHOUR"), param("BYMINUTE"));
    let (hour_lo, hour_hi) = hour.range.unwrap_or((0, 0));
    let (minute_lo, minute_hi) = minute.range.unwrap_or((0, 0));
    let step = rule.min_interval_minutes.div_ceil(60).max(1) as usize;
    let hours: Vec<String> = (hour_lo..=hour_hi)
        .step_by(step)
        .take(rule.max_times_per_day)
        .map(|h| h.to_string())
        .collect();
    let first = freq.values.first().cloned().unwrap_or_default();
    let most = rule.render(&format!(
        "FREQ={first};BYDAY={};BYHOUR={};BYMINUTE={minute_hi}",
        day.values.join(","),
        hours.join(",")
    ));
    let one_day = day.values.first().cloned().unwrap_or_default();
    let fewest =
        rule.render(&format!("FREQ={first};BYDAY={one_day};BYHOUR={hour_lo};BYMINUTE={minute_lo}"));
    prop_oneof![Just(most), Just(fewest), rrule(rule)].boxed()
}

/// True when the parameter's schema takes a time to the microsecond, as the backups show it:
/// only then can a bound fall between two records on both sides, whose clocks differ (the
/// model's is virtual). A bound in whole seconds (CBR's) could not: records a second apart on
/// the model are milliseconds apart on a fast endpoint.
pub(super) fn takes_microseconds(service: Service, schema: &Value) -> bool {
    let sample = Value::String("2000-01-01T00:00:00.000001".into());
    csbs_spec::Contract::check(service, schema, &sample).is_ok()
}

/// The documented values of an enumerated filter (of its items, when it is repeated).
pub(super) fn enum_values(schema: &Value) -> Vec<String> {
    let items = schema.get("items").unwrap_or(schema);
    let doc = Service::Csbs.document();
    let items = match items.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(items),
        None => items,
    };
    let values = items.get("enum").and_then(Value::as_array);
    values
        .map(|v| v.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The value of one documented filter of `operation`, by what it selects on.
fn filter_arg(
    rule: &FilterRule,
    schema: &Value,
    service: Service,
    servers: usize,
) -> Option<BoxedStrategy<Arg>> {
    let s = match rule {
        FilterRule::MadeBy { .. } => (0..PLACES).prop_map(Arg::Policy).boxed(),
        FilterRule::Property { property, matches } => match property.as_str() {
            "/name" => (0..3usize).prop_map(Arg::Name).boxed(),
            "/resource_id" => (0..servers).prop_map(Arg::Server).boxed(),
            "/checkpoint_id" => (0..PLACES).prop_map(Arg::Record).boxed(),
            "/created_at" if takes_microseconds(service, schema) => match matches {
                Match::AtLeast => (0..PLACES).prop_map(Arg::Since).boxed(),
                Match::AtMost => (0..PLACES).prop_map(Arg::Until).boxed(),
                _ => return None,
            },
            "/status" | "/resource_type" | "/image_type" => {
                let values = enum_values(schema);
                if values.is_empty() {
                    return None;
                }
                proptest::sample::select(values).prop_map(Arg::Text).boxed()
            }
            // What the server decides (its zone, its name) or times the two sides cannot share.
            _ => return None,
        },
        FilterRule::Unchecked { .. } => return None,
    };
    Some(s)
}

/// Filters of `operation_id`: up to two of its documented ones.
fn filter_set(operation_id: &str, servers: usize) -> BoxedStrategy<Vec<(String, Arg)>> {
    let Some(op) = find_operation(operation_id) else { return Just(Vec::new()).boxed() };
    let choices: Vec<BoxedStrategy<(String, Arg)>> = filters(op)
        .into_iter()
        .filter_map(|f| {
            let name = f.parameter.name.clone();
            filter_arg(&f.rule, &f.parameter.schema, op.service, servers)
                .map(|s| s.prop_map(move |a| (name.clone(), a)).boxed())
        })
        .collect();
    if choices.is_empty() {
        return Just(Vec::new()).boxed();
    }
    let one = proptest::strategy::Union::new(choices);
    proptest::collection::vec(one, 0..=2)
        .prop_map(|mut set: Vec<(String, Arg)>| {
            set.dedup_by(|a, b| a.0 == b.0);
            set
        })
        .boxed()
}

/// The sort rule of a list's `sort` parameter.
pub fn sort_rule(operation_id: &str) -> Option<SortRule> {
    let op = find_operation(operation_id)?;
    let sort = op.parameter(Location::Query, "sort")?;
    let ext = sort.extension("x-sort").cloned().or_else(|| {
        let r = sort.schema.get("$ref")?.as_str()?;
        op.service.document().pointer(r.trim_start_matches('#'))?.get("x-sort").cloned()
    })?;
    SortRule::from_extension(&ext).ok()
}

fn sort(operation_id: &str) -> BoxedStrategy<Option<String>> {
    let Some(rule) = sort_rule(operation_id) else { return Just(None).boxed() };
    // Half the keys without a direction: the documented default direction is a rule too.
    let key = (proptest::sample::select(rule.keys.clone()), 0..4usize).prop_map(|(k, d)| match d {
        0 | 1 => k,
        2 => format!("{k}:asc"),
        _ => format!("{k}:desc"),
    });
    let keys = proptest::collection::vec(key, 1..=3).prop_map(|keys| {
        let mut seen: Vec<String> = Vec::new();
        for k in keys {
            let name = k.split(':').next().unwrap_or_default().to_owned();
            if !seen.iter().any(|s| s.split(':').next() == Some(name.as_str())) {
                seen.push(k);
            }
        }
        seen.join(",")
    });
    prop_oneof![1 => Just(None), 3 => keys.prop_map(Some)].boxed()
}

fn query(operation_id: &'static str, servers: usize) -> BoxedStrategy<Query> {
    (
        filter_set(operation_id, servers),
        sort(operation_id),
        proptest::option::weighted(0.4, 1..=3u32),
        proptest::option::weighted(0.2, 0..=3u32),
        proptest::option::weighted(0.2, 0..3usize),
    )
        .prop_map(|(filters, sort, limit, offset, marker)| Query {
            filters,
            sort,
            limit,
            offset,
            marker,
        })
        .boxed()
}

fn create(servers: usize) -> BoxedStrategy<Step> {
    (
        0..3usize,
        0..3usize,
        self::servers(servers),
        retention(),
        proptest::option::weighted(0.3, retention()),
    )
        .prop_map(|(name, description, servers, max_backups, retention_days)| Step::CreatePolicy {
            name,
            description,
            servers,
            max_backups,
            retention_days,
        })
        .boxed()
}

/// A partial update: each member is left out as often as not (it must keep its value),
/// nested ones too (`scheduled_operations` without `enabled`, without `trigger` or without
/// `operation_definition`, and each member of that left out on its own); `enabled` is sent
/// true or false.
fn update(servers: usize) -> BoxedStrategy<Step> {
    let w = |p| proptest::option::weighted(p, 0..3usize);
    let schedule = (
        proptest::option::weighted(0.5, retention()),
        proptest::option::weighted(0.25, retention()),
        proptest::option::weighted(0.25, any::<bool>()),
        proptest::option::weighted(0.25, pattern()),
        proptest::option::weighted(0.3, any::<bool>()),
    )
        .prop_map(|(max_backups, retention_days, permanent, pattern, enabled)| {
            ScheduleChange { max_backups, retention_days, permanent, pattern, enabled }
        });
    (0..PLACES, w(0.4), w(0.3), proptest::option::weighted(0.3, self::servers(servers)), schedule)
        .prop_map(|(policy, name, description, servers, schedule)| Step::UpdatePolicy {
            policy,
            name,
            description,
            servers,
            schedule,
        })
        .boxed()
}

fn single(servers: usize, restores: bool) -> BoxedStrategy<Step> {
    let p = 0..PLACES;
    let restore = match restores {
        true => p.clone().prop_map(|item| Step::Restore { item }).boxed(),
        // A read in its place keeps the weights (and so the other steps' draws) alike.
        false => p.clone().prop_map(|item| Step::Restorable { item }).boxed(),
    };
    prop_oneof![
        4 => create(servers),
        6 => update(servers),
        2 => p.clone().prop_map(|policy| Step::DeletePolicy { policy }),
        1 => p.clone().prop_map(|policy| Step::ShowPolicy { policy }),
        2 => query("listPolicies", servers).prop_map(|query| Step::ListPolicies { query }),
        3 => (0..servers, 0..3usize).prop_map(|(server, name)| Step::Protect { server, name }),
        2 => (p.clone(), proptest::option::weighted(0.4, self::servers(servers)))
            .prop_map(|(policy, servers)| Step::RunPolicy { policy, servers }),
        1 => p.clone().prop_map(|record| Step::DeleteRecord { record }),
        1 => p.clone().prop_map(|item| Step::DeleteItem { item }),
        1 => p.clone().prop_map(|item| Step::ShowBackup { item }),
        4 => query("listBackups", servers).prop_map(|query| Step::ListBackups { query }),
        1 => filter_set("countBackups", servers).prop_map(|filters| Step::CountBackups { filters }),
        1 => query("listCbrBackups", servers).prop_map(|query| Step::ListCbrBackups { query }),
        1 => Just(Step::ShowQuotas),
        1 => self::servers(servers).prop_map(|servers| Step::Capabilities { servers }),
        1 => p.clone().prop_map(|record| Step::ShowCbrCheckpoint { record }),
        2 => restore,
        1 => p.clone().prop_map(|item| Step::Restorable { item }),
        2 => Just(Step::Reshow),
    ]
    .boxed()
}

/// What the second project's credential tries on this project's objects (with restores, a
/// restore of one of its backups too).
fn foreign(restores: bool) -> BoxedStrategy<Step> {
    let p = 0..PLACES;
    let restore = match restores {
        true => p.clone().prop_map(|item| Step::Restore { item }).boxed(),
        false => p.clone().prop_map(|item| Step::Restorable { item }).boxed(),
    };
    prop_oneof![
        restore,
        p.clone().prop_map(|policy| Step::ShowPolicy { policy }),
        (p.clone(), 0..3usize).prop_map(|(policy, n)| Step::UpdatePolicy {
            policy,
            name: Some(n),
            description: None,
            servers: None,
            schedule: ScheduleChange::default(),
        }),
        p.clone().prop_map(|policy| Step::DeletePolicy { policy }),
        p.clone().prop_map(|item| Step::ShowBackup { item }),
        p.prop_map(|record| Step::DeleteRecord { record }),
        Just(Step::ListPolicies { query: Query::default() }),
        Just(Step::ListBackups { query: Query::default() }),
    ]
    .boxed()
}

/// Steps that race: two creates with one name, a protect and a delete of one server's backup,
/// a rename and a create with that name, two deletions of one record, and (with restores) a
/// restore and a deletion of one backup.
fn together(servers: usize, restores: bool) -> BoxedStrategy<Step> {
    let p = 0..PLACES;
    let restore = p
        .clone()
        .prop_map(|item| Step::Together(vec![Step::Restore { item }, Step::DeleteItem { item }]));
    let others = prop_oneof![
        (0..3usize, 0..2usize, self::servers(servers)).prop_map(|(name, description, servers)| {
            let create = |servers: Vec<usize>| Step::CreatePolicy {
                name,
                description,
                servers,
                max_backups: 1,
                retention_days: None,
            };
            Step::Together(vec![create(servers.clone()), create(servers)])
        }),
        (0..servers, 0..3usize, p.clone()).prop_map(|(server, name, item)| Step::Together(vec![
            Step::Protect { server, name },
            Step::DeleteItem { item },
        ])),
        (p.clone(), 0..3usize, 0..2usize).prop_map(|(policy, name, description)| Step::Together(
            vec![
                Step::UpdatePolicy {
                    policy,
                    name: Some(name),
                    description: None,
                    servers: None,
                    schedule: ScheduleChange::default(),
                },
                Step::CreatePolicy {
                    name,
                    description,
                    servers: Vec::new(),
                    max_backups: 1,
                    retention_days: None
                },
            ]
        )),
        p.prop_map(|record| Step::Together(vec![
            Step::DeleteRecord { record },
            Step::DeleteRecord { record },
        ])),
    ];
    match restores {
        true => prop_oneof![4 => others, 2 => restore].boxed(),
        false => others.boxed(),
    }
}

/// Histories of up to `max_steps` steps over `servers` servers (at least one); with a second
/// project (`isolation`), some steps use its credential; with `restores`, some restore.
pub fn histories(
    servers: usize,
    max_steps: usize,
    isolation: bool,
    restores: bool,
) -> BoxedStrategy<History> {
    let servers = servers.max(1);
    let foreign = (foreign(restores), any::<bool>())
        .prop_map(|(step, first_path)| Step::Foreign { step: Box::new(step), first_path });
    let step = match isolation {
        true => prop_oneof![
            9 => single(servers, restores),
            1 => together(servers, restores),
            2 => foreign
        ]
        .boxed(),
        false => {
            prop_oneof![9 => single(servers, restores), 1 => together(servers, restores)].boxed()
        }
    };
    // Every history starts with a policy (so that its updates, runs and binds meet one) and
    // ends with a sweep of the reads whose documented values are few; shrinking drops either
    // when the difference does not need it.
    (
        pool(),
        create(servers),
        proptest::collection::vec(step, 1..=max_steps.saturating_sub(2).max(1)),
    )
        .prop_map(|(pool, first, mut steps)| {
            steps.insert(0, first);
            steps.push(Step::Sweep);
            History { pool, steps }
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn drawn_schedules_follow_x_rrule_and_reach_its_bounds() {
        let doc = Service::Csbs.document();
        let ext = doc.pointer("/components/schemas/SchedulePattern/x-rrule").unwrap();
        let rule = RruleRule::from_extension(ext).unwrap();
        let mut runner = TestRunner::deterministic();
        let mut most = 0;
        let mut fewest = usize::MAX;
        for _ in 0..200 {
            let text = pattern().new_tree(&mut runner).unwrap().current();
            let runs = rule.weekly_runs(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            most = most.max(runs.len());
            fewest = fewest.min(runs.len());
        }
        // Every day at the most runs a day, and once a week.
        assert_eq!(most, 7 * rule.max_times_per_day);
        assert_eq!(fewest, 1);
    }
}

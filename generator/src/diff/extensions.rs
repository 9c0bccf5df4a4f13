//! The `x-` extensions. Those the mock and the runner read as rules are compared by what
//! they allow: `x-rrule` (schedule grammar), `x-sort` (sort keys and grammar),
//! `x-unique-items-by`, `x-error-codes` and `x-gateway-error-codes` (the error table).
//! Documentation extensions (`x-decision`, `x-errata`, `x-verbatim`, `x-source`,
//! `x-sources`, `x-request-examples`, `x-printed-examples`, `x-known-values`) are compatible. Any other extension
//! is a behaviour rule this module does not know yet (filters, pagination, ...): adding one
//! breaks servers (they must now implement it), removing one breaks clients (a promised
//! behaviour is gone), and every changed value in it breaks both.

use crate::diff::change::{Breaks, Direction, Effect};
use crate::diff::json::{or_null, union_keys};
use crate::diff::schema::Differ;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Extensions that only document.
pub const DOCUMENTATION: [&str; 8] = [
    "x-decision",
    "x-errata",
    "x-verbatim",
    "x-source",
    "x-sources",
    "x-request-examples",
    "x-printed-examples",
    "x-known-values",
];

/// Compares one extension. `direction` is the way the values it constrains travel, when it
/// sits on a schema or parameter.
pub fn compare(
    d: &mut Differ<'_>,
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    location: &str,
    direction: Option<Direction>,
) {
    if old == new {
        return;
    }
    let at = format!("{location} {key}").trim().to_owned();
    if DOCUMENTATION.contains(&key) {
        d.push(
            &at,
            &format!("{}-changed", key.trim_start_matches("x-")),
            or_null(old),
            or_null(new),
            Breaks::NONE,
        );
        return;
    }
    let direction = direction.unwrap_or(Direction::Request);
    match key {
        "x-rrule" => rrule(d, old, new, &at, direction),
        "x-sort" => sort(d, old, new, &at, direction),
        "x-unique-items-by" => {
            let effect = match (old, new) {
                (None, Some(_)) => Effect::Narrowed,
                (Some(_), None) => Effect::Widened,
                _ => Effect::Changed,
            };
            d.effect(&at, "unique-items-by-changed", or_null(old), or_null(new), effect, direction);
        }
        "x-error-codes" | "x-gateway-error-codes" => error_codes(d, key, old, new),
        _ => generic(d, old, new, &at),
    }
}

/// Added, removed, or each changed leaf of an extension (or of a key inside a known one)
/// this module has no rule for.
pub fn generic(d: &mut Differ<'_>, old: Option<&Value>, new: Option<&Value>, at: &str) {
    match (old, new) {
        (None, Some(v)) => d.push(at, "extension-added", Value::Null, v.clone(), Breaks::SERVERS),
        (Some(v), None) => d.push(at, "extension-removed", v.clone(), Value::Null, Breaks::CLIENTS),
        (Some(a), Some(b)) => leaves(d, a, b, at),
        (None, None) => {}
    }
}

fn leaves(d: &mut Differ<'_>, a: &Value, b: &Value, at: &str) {
    match (a, b) {
        _ if a == b => {}
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = format!("{at}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => leaves(d, p, q, &path),
                    (p, q) => {
                        d.push(&path, "extension-changed", or_null(p), or_null(q), Breaks::BOTH)
                    }
                }
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y).all(|v| !v.is_object() && !v.is_array()) =>
        {
            for v in x.iter().filter(|v| !y.contains(v)) {
                d.push(at, "extension-value-removed", v.clone(), Value::Null, Breaks::BOTH);
            }
            for v in y.iter().filter(|v| !x.contains(v)) {
                d.push(at, "extension-value-added", Value::Null, v.clone(), Breaks::BOTH);
            }
        }
        _ => d.push(at, "extension-changed", a.clone(), b.clone(), Breaks::BOTH),
    }
}

fn set(v: Option<&Value>) -> BTreeSet<String> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|x| x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string()))
        .collect()
}

/// Values of a list: removed ones narrow, added ones widen.
fn values(
    d: &mut Differ<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    at: &str,
    rule: &str,
    direction: Direction,
) {
    let (a, b) = (set(old), set(new));
    for v in a.difference(&b) {
        d.effect(
            at,
            &format!("{rule}-removed"),
            json!(v),
            Value::Null,
            Effect::Narrowed,
            direction,
        );
    }
    for v in b.difference(&a) {
        d.effect(at, &format!("{rule}-added"), Value::Null, json!(v), Effect::Widened, direction);
    }
}

/// A number whose decrease narrows (`upper`) or whose increase narrows.
fn limit(
    d: &mut Differ<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    at: &str,
    rule: &str,
    upper: bool,
    direction: Direction,
) {
    let (a, b) = (old.and_then(Value::as_f64), new.and_then(Value::as_f64));
    if a == b {
        return;
    }
    let effect = match (a, b) {
        (None, Some(_)) => Effect::Narrowed,
        (Some(_), None) => Effect::Widened,
        (Some(x), Some(y)) if (y < x) == upper => Effect::Narrowed,
        _ => Effect::Widened,
    };
    d.effect(at, &format!("{rule}-changed"), or_null(old), or_null(new), effect, direction);
}

/// Both versions of a validation rule, or `None` after recording that the rule appeared
/// (it narrows) or went away (it widens).
fn both<'v>(
    d: &mut Differ<'_>,
    old: Option<&'v Value>,
    new: Option<&'v Value>,
    at: &str,
    rule: &str,
    direction: Direction,
) -> Option<(&'v Value, &'v Value)> {
    if let (Some(a), Some(b)) = (old, new) {
        return Some((a, b));
    }
    let effect = if new.is_some() { Effect::Narrowed } else { Effect::Widened };
    d.effect(at, rule, or_null(old), or_null(new), effect, direction);
    None
}

/// Keys of a known extension that its rule does not read (a newer member such as
/// `x-sort.default`): compared as an unknown extension.
fn others(d: &mut Differ<'_>, a: &Value, b: &Value, known: &[&str], at: &str) {
    let keys: BTreeSet<&String> = union_keys(a, b);
    for key in keys.into_iter().filter(|k| !known.contains(&k.as_str())) {
        generic(d, a.get(key), b.get(key), &format!("{at}.{key}"));
    }
}

fn rrule(
    d: &mut Differ<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    at: &str,
    direction: Direction,
) {
    let Some((a, b)) = both(d, old, new, at, "rrule-changed", direction) else { return };
    let empty = json!({});
    let (pa, pb) = (a.get("parameters").unwrap_or(&empty), b.get("parameters").unwrap_or(&empty));
    let names: BTreeSet<&String> = union_keys(pa, pb);
    for name in names {
        let here = format!("{at}.parameters.{name}");
        match (pa.get(name), pb.get(name)) {
            (Some(_), None) => d.effect(
                &here,
                "rrule-parameter-removed",
                json!(name),
                Value::Null,
                Effect::Narrowed,
                direction,
            ),
            (None, Some(_)) => d.effect(
                &here,
                "rrule-parameter-added",
                Value::Null,
                json!(name),
                Effect::Widened,
                direction,
            ),
            (Some(x), Some(y)) if x != y => {
                values(d, x.get("values"), y.get("values"), &here, "rrule-value", direction);
                if x.get("range") != y.get("range") {
                    let bound =
                        |v: &Value, i: usize| v.get("range").and_then(|r| r.get(i)).cloned();
                    limit(
                        d,
                        bound(x, 0).as_ref(),
                        bound(y, 0).as_ref(),
                        &format!("{here}.range[0]"),
                        "rrule-range-min",
                        false,
                        direction,
                    );
                    limit(
                        d,
                        bound(x, 1).as_ref(),
                        bound(y, 1).as_ref(),
                        &format!("{here}.range[1]"),
                        "rrule-range-max",
                        true,
                        direction,
                    );
                }
                let flag = |v: &Value, k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
                if flag(x, "required") != flag(y, "required") {
                    let effect =
                        if flag(y, "required") { Effect::Narrowed } else { Effect::Widened };
                    d.effect(
                        &here,
                        "rrule-parameter-required-changed",
                        json!(flag(x, "required")),
                        json!(flag(y, "required")),
                        effect,
                        direction,
                    );
                }
                if flag(x, "list") != flag(y, "list") {
                    let effect = if flag(y, "list") { Effect::Widened } else { Effect::Narrowed };
                    d.effect(
                        &here,
                        "rrule-parameter-list-changed",
                        json!(flag(x, "list")),
                        json!(flag(y, "list")),
                        effect,
                        direction,
                    );
                }
            }
            _ => {}
        }
    }
    limit(
        d,
        a.get("max_times_per_day"),
        b.get("max_times_per_day"),
        &format!("{at}.max_times_per_day"),
        "rrule-max-times-per-day",
        true,
        direction,
    );
    limit(
        d,
        a.get("min_interval_minutes"),
        b.get("min_interval_minutes"),
        &format!("{at}.min_interval_minutes"),
        "rrule-min-interval",
        false,
        direction,
    );
    limit(
        d,
        a.get("max_length"),
        b.get("max_length"),
        &format!("{at}.max_length"),
        "rrule-max-length",
        true,
        direction,
    );
    others(d, a, b, &["parameters", "max_times_per_day", "min_interval_minutes", "max_length"], at);
}

fn sort(
    d: &mut Differ<'_>,
    old: Option<&Value>,
    new: Option<&Value>,
    at: &str,
    direction: Direction,
) {
    let Some((a, b)) = both(d, old, new, at, "sort-changed", direction) else { return };
    values(d, a.get("keys"), b.get("keys"), &format!("{at}.keys"), "sort-key", direction);
    if a.get("default_direction") != b.get("default_direction") {
        // Results come in another order: behaviour on both sides.
        d.push(
            &format!("{at}.default_direction"),
            "sort-default-direction-changed",
            or_null(a.get("default_direction")),
            or_null(b.get("default_direction")),
            Breaks::BOTH,
        );
    }
    limit(
        d,
        a.get("max_length"),
        b.get("max_length"),
        &format!("{at}.max_length"),
        "sort-max-length",
        true,
        direction,
    );
    others(d, a, b, &["keys", "default_direction", "max_length"], at);
}

/// Rows of an error table by code: a code gone breaks servers that answer it, a code
/// answered with another status breaks both, a new code and changed wording break neither.
fn error_codes(d: &mut Differ<'_>, key: &str, old: Option<&Value>, new: Option<&Value>) {
    let rows = |v: Option<&Value>| -> Vec<Value> {
        v.and_then(Value::as_array).cloned().unwrap_or_default()
    };
    let (a, b) = (rows(old), rows(new));
    let code = |r: &Value| r.get("code").and_then(Value::as_str).unwrap_or("").to_owned();
    let codes: BTreeSet<String> = a.iter().chain(&b).map(code).collect();
    for c in codes {
        let at = format!("{key}.{c}");
        let ra: Vec<&Value> = a.iter().filter(|r| code(r) == c).collect();
        let rb: Vec<&Value> = b.iter().filter(|r| code(r) == c).collect();
        let statuses = |rs: &[&Value]| -> BTreeSet<u64> {
            rs.iter().filter_map(|r| r.get("status").and_then(Value::as_u64)).collect()
        };
        match (ra.is_empty(), rb.is_empty()) {
            (false, true) => {
                d.push(&at, "error-code-removed", json!(ra), Value::Null, Breaks::SERVERS)
            }
            (true, false) => d.push(&at, "error-code-added", Value::Null, json!(rb), Breaks::NONE),
            _ => {
                if statuses(&ra) != statuses(&rb) {
                    d.push(
                        &at,
                        "error-code-status-changed",
                        json!(statuses(&ra)),
                        json!(statuses(&rb)),
                        Breaks::BOTH,
                    );
                } else if ra != rb {
                    d.push(&at, "error-code-text-changed", json!(ra), json!(rb), Breaks::NONE);
                }
            }
        }
    }
}

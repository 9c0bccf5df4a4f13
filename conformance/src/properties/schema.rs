//! Strategies for values that satisfy an OpenAPI schema of the spec: types, required fields,
//! patterns, lengths, ranges, enums, array sizes, nested objects, and the `x-` rules.

use super::strings;
use csbs_spec::document::deref;
use csbs_spec::rules::{RruleRule, SortRule};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};

/// How far recursive schemas are followed before optional parts are dropped.
const MAX_DEPTH: u32 = 6;

/// How optional parts are generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// Optional properties present or not, arrays of any allowed size.
    Any,
    /// Every optional property present and every array non-empty, so that any field can be
    /// broken (the base of an invalid case).
    Full,
}

/// One schema with `$ref`s followed and a single-level `allOf` merged into it.
pub fn resolve(doc: &Value, schema: &Value) -> Map<String, Value> {
    let schema = deref(doc, schema);
    let mut merged = Map::new();
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            merged.extend(resolve(doc, part));
        }
    }
    if let Some(obj) = schema.as_object() {
        for (k, v) in obj {
            if k != "allOf" {
                merged.insert(k.clone(), v.clone());
            }
        }
    }
    merged
}

fn int(schema: &Map<String, Value>, key: &str) -> Option<i64> {
    schema.get(key).and_then(Value::as_i64)
}

/// A strategy for valid values of `schema` (an OpenAPI schema of `doc`).
pub fn valid(doc: &'static Value, schema: &Value, fill: Fill) -> BoxedStrategy<Value> {
    valid_at(doc, &resolve(doc, schema), fill, 0)
}

fn valid_at(
    doc: &'static Value,
    s: &Map<String, Value>,
    fill: Fill,
    depth: u32,
) -> BoxedStrategy<Value> {
    if let Some(values) = s.get("enum").and_then(Value::as_array).filter(|v| !v.is_empty()) {
        return select(values.clone()).boxed();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array).filter(|b| !b.is_empty()) {
            let strategies: Vec<BoxedStrategy<Value>> =
                branches.iter().map(|b| valid_at(doc, &resolve(doc, b), fill, depth + 1)).collect();
            return proptest::strategy::Union::new(strategies).boxed();
        }
    }
    match s.get("type").and_then(Value::as_str) {
        Some("object") => object(doc, s, fill, depth),
        Some("array") => array(doc, s, fill, depth),
        Some("integer") => integer(s),
        Some("number") => {
            integer(s).prop_map(|v| Value::from(v.as_i64().unwrap_or(0) as f64 + 0.5)).boxed()
        }
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("string") => string(s),
        _ => Just(Value::Null).boxed(),
    }
}

fn integer(s: &Map<String, Value>) -> BoxedStrategy<Value> {
    let lo = int(s, "minimum").unwrap_or(-1000);
    let hi = int(s, "maximum").unwrap_or(lo.saturating_add(100_000));
    // Boundaries are where validators go wrong; weigh them in.
    prop_oneof![2 => Just(lo), 2 => Just(hi), 6 => lo..=hi].prop_map(Value::from).boxed()
}

fn string(s: &Map<String, Value>) -> BoxedStrategy<Value> {
    if let Some(rule) = s.get("x-rrule").and_then(|v| RruleRule::from_extension(v).ok()) {
        return strings::rrule(rule).prop_map(Value::String).boxed();
    }
    if let Some(rule) = s.get("x-sort").and_then(|v| SortRule::from_extension(v).ok()) {
        return strings::sort(rule).prop_map(Value::String).boxed();
    }
    let min = int(s, "minLength").unwrap_or(0).max(0) as usize;
    let max = int(s, "maxLength").map(|m| m as usize);
    let pattern = s.get("pattern").and_then(Value::as_str);
    if s.get("format").and_then(Value::as_str) == Some("service-datetime") {
        return strings::service_datetime(pattern).prop_map(Value::String).boxed();
    }
    if s.get("format").and_then(Value::as_str) == Some("uuid") {
        return strings::uuid().prop_map(Value::String).boxed();
    }
    strings::matching(pattern, min, max).prop_map(Value::String).boxed()
}

fn array(
    doc: &'static Value,
    s: &Map<String, Value>,
    fill: Fill,
    depth: u32,
) -> BoxedStrategy<Value> {
    let items = resolve(doc, s.get("items").unwrap_or(&Value::Null));
    let mut min = int(s, "minItems").unwrap_or(0).max(0) as usize;
    if fill == Fill::Full {
        min = min.max(1);
    }
    let max = int(s, "maxItems").map_or(min + 3, |m| (m as usize).min(min + 3)).max(min);
    let max = if depth >= MAX_DEPTH { min } else { max };
    let unique_by = s.get("x-unique-items-by").and_then(Value::as_str).map(str::to_owned);
    proptest::collection::vec(valid_at(doc, &items, fill, depth + 1), min..=max)
        .prop_filter("items must differ in the x-unique-items-by property", move |list| {
            match &unique_by {
                Some(p) => csbs_spec::rules::check_unique_by(p, list).is_ok(),
                None => true,
            }
        })
        .prop_map(Value::Array)
        .boxed()
}

fn object(
    doc: &'static Value,
    s: &Map<String, Value>,
    fill: Fill,
    depth: u32,
) -> BoxedStrategy<Value> {
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, prop) in s.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let is_required = required.contains(name);
        if !is_required && depth >= MAX_DEPTH {
            continue;
        }
        let key = name.clone();
        let value =
            valid_at(doc, &resolve(doc, prop), fill, depth + 1).prop_map(move |v| (key.clone(), v));
        fields.push(if is_required || fill == Fill::Full {
            value.prop_map(Some).boxed()
        } else {
            proptest::option::of(value).boxed()
        });
    }
    fields.prop_map(|pairs| Value::Object(pairs.into_iter().flatten().collect())).boxed()
}

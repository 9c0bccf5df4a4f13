//! Small helpers over JSON values shared by the comparisons.

use serde_json::Value;
use std::collections::BTreeSet;

/// The value, or `null` when absent.
pub fn or_null(v: Option<&Value>) -> Value {
    v.cloned().unwrap_or(Value::Null)
}

/// The keys of two objects together (a non-object has none), in order.
pub fn union_keys<'v>(a: &'v Value, b: &'v Value) -> BTreeSet<&'v String> {
    a.as_object()
        .into_iter()
        .flatten()
        .chain(b.as_object().into_iter().flatten())
        .map(|(k, _)| k)
        .collect()
}

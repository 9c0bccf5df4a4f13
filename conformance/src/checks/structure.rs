//! `example_structure`: the body has the keys of the documented example response, at every
//! depth where the example has them. Types and values are the schema check's business.

use serde_json::{Map, Value};

/// Paths of the example's keys that the body lacks (`policy.scheduled_operations[].id`).
pub fn missing_keys(example: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(example, actual, "body", &mut out);
    out.dedup();
    out
}

fn walk(example: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (example, actual) {
        (Value::Object(expected), Value::Object(found)) => {
            for (key, sub) in expected {
                let here = format!("{path}.{key}");
                match found.get(key) {
                    None => out.push(here),
                    Some(value) => walk(sub, value, &here, out),
                }
            }
        }
        (Value::Array(expected), Value::Array(found)) => {
            let Some(shape) = common_shape(expected) else { return };
            let here = format!("{path}[]");
            for item in found {
                walk(&shape, item, &here, out);
            }
        }
        _ => {}
    }
}

/// What every item of an example array has in common: the keys all of them carry. The
/// examples' items differ (one resource shows `extra_info`, the next does not).
fn common_shape(items: &[Value]) -> Option<Value> {
    let (first, rest) = items.split_first()?;
    Some(rest.iter().fold(first.clone(), |acc, item| intersect(&acc, item)))
}

fn intersect(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let kept: Map<String, Value> = a
                .iter()
                .filter_map(|(k, v)| b.get(k).map(|w| (k.clone(), intersect(v, w))))
                .collect();
            Value::Object(kept)
        }
        (Value::Array(a), Value::Array(b)) => Value::Array(a.iter().chain(b).cloned().collect()),
        (Value::Object(_), _) | (Value::Array(_), _) => b.clone(),
        _ => a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_compared_at_every_depth_where_the_example_has_them() {
        let example = json!({"policy": {"id": "x", "resources": [{"id": 1, "extra": {}}, {"id": 2}], "tags": []}});
        let good =
            json!({"policy": {"id": "y", "more": 1, "resources": [{"id": 3}], "tags": [{"k": 1}]}});
        assert!(missing_keys(&example, &good).is_empty());
        let bad = json!({"policy": {"resources": [{"name": 3}, {"name": 4}]}});
        assert_eq!(
            missing_keys(&example, &bad),
            vec!["body.policy.id", "body.policy.resources[].id", "body.policy.tags"]
        );
    }

    #[test]
    fn null_or_differently_typed_values_are_left_to_the_schema() {
        let example = json!({"a": {"b": 1}, "c": [{"d": 1}]});
        assert!(missing_keys(&example, &json!({"a": null, "c": "text"})).is_empty());
    }
}

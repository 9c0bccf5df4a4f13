//! How the generated parameter structs of [`crate::operations`] read a parameter's validated
//! JSON value (hand-written; the generator names one reader per schema type). Values that
//! passed validation always have their schema's type: a value of another type reads as absent.

use serde_json::Value;

/// A required string (`""` if absent, which validation has refused).
pub fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_default()
}

pub fn optional_text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str)
}

pub fn optional_bool(value: Option<&Value>) -> Option<bool> {
    value.and_then(Value::as_bool)
}

/// A non-negative integer; one beyond `u64` (read as a float) saturates.
pub fn optional_count(value: Option<&Value>) -> Option<u64> {
    let value = value?;
    value.as_u64().or_else(|| value.as_f64().map(|f| if f > 0.0 { u64::MAX } else { 0 }))
}

/// Every value of a repeated parameter (an array), or the one value.
pub fn texts(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_follow_the_schema_types_and_saturate_counts() {
        assert_eq!(text(Some(&json!("a"))), "a");
        assert_eq!(text(None), "");
        assert_eq!(optional_count(Some(&json!(5))), Some(5));
        assert_eq!(optional_count(Some(&json!(1e30))), Some(u64::MAX));
        assert_eq!(texts(Some(&json!(["a", "b"]))), ["a", "b"]);
        assert_eq!(texts(Some(&json!("a"))), ["a"]);
        assert_eq!(optional_bool(Some(&json!("true"))), None);
    }
}

//! OpenAPI 3.0 schemas to JSON Schema (2020-12), so that a standard validator can check them.
//!
//! The differences handled: `nullable: true` (OpenAPI's way of allowing null) becomes
//! `anyOf: [schema, {type: null}]`; annotation-only keywords (`example`, `discriminator`, `xml`,
//! `externalDocs`) are dropped. `x-` rules stay: the validator registers them as keywords.

use serde_json::{json, Map, Value};

const DROPPED: [&str; 6] =
    ["example", "discriminator", "xml", "externalDocs", "readOnly", "writeOnly"];
const SUBSCHEMA_LISTS: [&str; 3] = ["allOf", "oneOf", "anyOf"];
const SUBSCHEMAS: [&str; 3] = ["items", "not", "additionalProperties"];

/// Converts one OpenAPI schema (and everything nested in it).
pub fn to_json_schema(schema: &Value) -> Value {
    let Value::Object(obj) = schema else { return schema.clone() };
    let mut out = Map::new();
    let mut nullable = false;
    for (key, value) in obj {
        match key.as_str() {
            "nullable" => nullable = value.as_bool().unwrap_or(false),
            k if DROPPED.contains(&k) => {}
            "properties" => {
                let props = value
                    .as_object()
                    .map(|p| p.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Object(props));
            }
            k if SUBSCHEMA_LISTS.contains(&k) => {
                let list = value
                    .as_array()
                    .map(|l| l.iter().map(to_json_schema).collect())
                    .unwrap_or_default();
                out.insert(key.clone(), Value::Array(list));
            }
            k if SUBSCHEMAS.contains(&k) => {
                out.insert(key.clone(), to_json_schema(value));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if nullable {
        json!({"anyOf": [Value::Object(out), {"type": "null"}]})
    } else {
        Value::Object(out)
    }
}

/// A self-contained JSON Schema for `target` (an OpenAPI schema of `document`): the target
/// inline, and every component schema converted under the same pointer
/// (`#/components/schemas/...`), so `$ref`s resolve unchanged.
pub fn standalone(document: &Value, target: &Value) -> Value {
    let components: Map<String, Value> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|c| c.iter().map(|(k, v)| (k.clone(), to_json_schema(v))).collect())
        .unwrap_or_default();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [to_json_schema(target)],
        "components": {"schemas": components},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_becomes_a_union_with_null() {
        let converted =
            to_json_schema(&json!({"type": "string", "nullable": true, "example": "x"}));
        assert_eq!(converted, json!({"anyOf": [{"type": "string"}, {"type": "null"}]}));
    }

    #[test]
    fn nested_schemas_are_converted() {
        let converted = to_json_schema(&json!({
            "type": "object",
            "properties": {"a": {"type": "integer", "nullable": true}},
            "items": {"nullable": true},
            "oneOf": [{"type": "string", "nullable": true}],
        }));
        assert_eq!(converted["properties"]["a"]["anyOf"][1], json!({"type": "null"}));
        assert_eq!(converted["items"]["anyOf"][1], json!({"type": "null"}));
        assert_eq!(converted["oneOf"][0]["anyOf"][0], json!({"type": "string"}));
    }
}

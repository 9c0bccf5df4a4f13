//! A plain-text listing of the API surface (operations, parameters, bodies, responses and
//! every schema with its constraints). Snapshot-tested, so any change to the contract shows
//! up as a reviewable diff.

use crate::document::deref;
use crate::operations::operations;
use crate::Service;
use serde_json::Value;
use std::fmt::Write;

const CONSTRAINTS: [&str; 18] = [
    "format",
    "nullable",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "enum",
    "default",
    "minItems",
    "maxItems",
    "additionalProperties",
    "x-known-values",
    "x-rrule",
    "x-sort",
    "x-unique-items-by",
    "x-overrides",
    "readOnly",
];

/// One line describing a schema: its type or reference, then its constraints.
pub fn describe(schema: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        parts.push(r.rsplit('/').next().unwrap_or(r).to_owned());
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        match (t, schema.get("items")) {
            ("array", Some(items)) => parts.push(format!("array of {}", describe(items))),
            _ => parts.push(t.to_owned()),
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            let inner: Vec<String> = list.iter().map(describe).collect();
            parts.push(format!("{key}[{}]", inner.join(" | ")));
        }
    }
    if parts.is_empty() {
        // No type: any JSON value (the spec's form for fields sent in several shapes).
        parts.push("any".to_owned());
    }
    for key in CONSTRAINTS {
        if let Some(v) = schema.get(key) {
            parts.push(format!("{key}={}", compact(v)));
        }
    }
    parts.join(", ")
}

fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 160 {
        format!(
            "{}... ({} chars)",
            &text[..text.char_indices().nth(150).map_or(text.len(), |(i, _)| i)],
            text.len()
        )
    } else {
        text
    }
}

/// The whole surface of one document.
pub fn render(service: Service) -> String {
    let doc = service.document();
    let mut out = String::new();
    let _ = writeln!(out, "# {} operations", service.file_name());
    for op in operations(service) {
        let _ = writeln!(out, "\n{} {}  {}  [{}]", op.method, op.path, op.id, op.tag);
        for p in &op.parameters {
            let req = if p.required { " required" } else { "" };
            let _ = writeln!(
                out,
                "  {} {}{}: {}",
                p.location.as_str(),
                p.name,
                req,
                describe(deref(doc, &p.schema))
            );
        }
        if let Some((required, schema)) = &op.request_body {
            let _ = writeln!(
                out,
                "  body{}: {}",
                if *required { " required" } else { "" },
                describe(schema)
            );
        }
        for (status, schema) in &op.responses {
            let body = schema.as_ref().map(describe).unwrap_or_else(|| "no body".to_owned());
            let _ = writeln!(out, "  {status}: {body}");
        }
    }
    let _ = writeln!(out, "\n# {} schemas", service.file_name());
    for (name, schema) in
        doc.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten()
    {
        let _ = writeln!(out, "\n{name}: {}", describe(schema));
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (prop, pschema) in
            schema.get("properties").and_then(Value::as_object).into_iter().flatten()
        {
            let req = if required.contains(&prop.as_str()) { " required" } else { "" };
            let _ = writeln!(out, "  {prop}{req}: {}", describe(pschema));
        }
    }
    out
}

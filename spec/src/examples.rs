//! The documented examples attached to the operations, with their verbatim text and errata.

use crate::operations::{operations, Operation};
use crate::Service;
use serde::Deserialize;
use serde_json::Value;

/// Where an example sits in its operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExampleKind {
    /// A request body.
    Request,
    /// A response body with this status.
    Response(u16),
    /// A request without a body: a URL with path and query values (`x-request-examples`).
    Url,
    /// An error body not tied to one operation: a shared response's documented example
    /// (`components/responses/<name>`, the operation id), or an error body the documents print
    /// outside the operations, kept as `x-printed-examples` of a schema but not served as an
    /// example (operation id `components/schemas/<name>`).
    Error,
}

/// One repair made to a documented example.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Erratum {
    pub defect: String,
    pub repair: String,
}

/// Document and section an example or operation was transcribed from.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct Source {
    pub document: String,
    pub section: String,
}

/// A documented example.
#[derive(Clone, Debug)]
pub struct Example {
    pub service: Service,
    pub operation_id: String,
    pub kind: ExampleKind,
    pub name: String,
    pub summary: Option<String>,
    /// The repaired body (request/response) or `None` for URL examples.
    pub value: Option<Value>,
    /// Path parameter values of a URL example.
    pub path: serde_json::Map<String, Value>,
    /// Query values of a URL example (arrays for repeated keys).
    pub query: serde_json::Map<String, Value>,
    /// The text as the document printed it.
    pub verbatim: Option<String>,
    pub source: Option<Source>,
    pub errata: Vec<Erratum>,
}

impl Example {
    fn from_object(op: &Operation, kind: ExampleKind, name: &str, obj: &Value) -> Example {
        Example::build(op.service, op.id.clone(), kind, name, obj)
    }

    fn build(
        service: Service,
        operation_id: String,
        kind: ExampleKind,
        name: &str,
        obj: &Value,
    ) -> Example {
        let str_of = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
        let map_of =
            |key: &str| obj.get(key).and_then(Value::as_object).cloned().unwrap_or_default();
        Example {
            service,
            operation_id,
            kind,
            name: name.to_owned(),
            summary: str_of("summary"),
            value: obj.get("value").cloned(),
            path: map_of("path"),
            query: map_of("query"),
            verbatim: str_of("x-verbatim"),
            source: obj.get("x-source").and_then(|v| serde_json::from_value(v.clone()).ok()),
            errata: obj
                .get("x-errata")
                .and_then(|v| serde_json::from_value(v.clone()).ok())
                .unwrap_or_default(),
        }
    }
}

fn media_examples(content: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    content
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|media| media.values())
        .filter_map(|m| m.get("examples").and_then(Value::as_object))
        .flat_map(|ex| ex.iter())
}

/// Every documented example of every operation of `service`, in document order.
pub fn examples(service: Service) -> Vec<Example> {
    let doc = service.document();
    let mut out = Vec::new();
    for op in operations(service) {
        let raw = op.raw();
        if let Some(body) = raw.get("requestBody").map(|b| crate::document::deref(doc, b)) {
            for (name, ex) in media_examples(body.get("content")) {
                out.push(Example::from_object(op, ExampleKind::Request, name, ex));
            }
        }
        for (status, resp) in raw.get("responses").and_then(Value::as_object).into_iter().flatten()
        {
            let Ok(code) = status.parse::<u16>() else { continue };
            // Shared error responses carry one illustrative example, not a documented one.
            if resp.get("$ref").is_some() {
                continue;
            }
            for (name, ex) in media_examples(resp.get("content")) {
                out.push(Example::from_object(op, ExampleKind::Response(code), name, ex));
            }
        }
        for ex in raw.get("x-request-examples").and_then(Value::as_array).into_iter().flatten() {
            let name = ex.get("name").and_then(Value::as_str).unwrap_or_default();
            out.push(Example::from_object(op, ExampleKind::Url, name, ex));
        }
    }
    for (name, resp) in
        doc.pointer("/components/responses").and_then(Value::as_object).into_iter().flatten()
    {
        for (ex_name, ex) in media_examples(resp.get("content")) {
            // Only documented examples (with a source) count; the others illustrate.
            if ex.get("x-source").is_some() {
                let id = format!("components/responses/{name}");
                out.push(Example::build(service, id, ExampleKind::Error, ex_name, ex));
            }
        }
    }
    for (name, schema) in
        doc.pointer("/components/schemas").and_then(Value::as_object).into_iter().flatten()
    {
        let printed = schema.get("x-printed-examples").and_then(Value::as_object);
        for (ex_name, ex) in printed.into_iter().flatten() {
            let id = format!("components/schemas/{name}");
            out.push(Example::build(service, id, ExampleKind::Error, ex_name, ex));
        }
    }
    out
}

/// Every documented example of both services.
pub fn all_examples() -> Vec<Example> {
    Service::ALL.into_iter().flat_map(examples).collect()
}

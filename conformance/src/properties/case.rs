//! Whole requests for an operation: valid ones, and invalid ones that break exactly one rule
//! of one input (a path or query parameter, or a body field), saying which.

use super::mutate::{apply, field, mutations, Edit, Mutation, Seg};
use super::schema::{valid, Fill};
use crate::request::ApiRequest;
use csbs_spec::operations::{Location, Operation};
use csbs_spec::validate::Contract;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The rule an invalid case breaks.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// `body.policy.name`, `query.limit`, `path.provider_id`.
    pub field: String,
    pub rule: String,
    pub what: String,
}

/// A generated request, and the rule it breaks (`None` for a valid one).
#[derive(Clone, Debug)]
pub struct Case {
    pub request: ApiRequest,
    pub broken: Option<Broken>,
    /// Send it with its object references bound to real objects (see `bind`), so that a
    /// valid body meets an existing policy or backup rather than a 404.
    pub bound: bool,
}

impl Case {
    /// What the case is, for reports: `createPolicy with body.policy.name too long (maxLength)`.
    pub fn describe(&self) -> String {
        let id = &self.request.operation.id;
        match &self.broken {
            None => format!("{id} with valid input"),
            Some(b) => format!("{id} with {} {} ({})", b.field, b.what, b.rule),
        }
    }
}

/// The text a parameter value travels as; arrays become repeated pairs.
fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(texts).collect(),
        Value::String(s) => vec![s.clone()],
        Value::Null => vec![],
        other => vec![other.to_string()],
    }
}

/// Inputs of an operation as one JSON object `{path: {...}, query: {...}, body: ...}`, so one
/// mutation mechanism serves parameters and bodies alike.
fn input_schema(op: &Operation, fixed: &BTreeMap<String, String>) -> Value {
    let mut path_props = Map::new();
    let mut query_props = Map::new();
    let mut path_required = Vec::new();
    for p in &op.parameters {
        match p.location {
            Location::Path if !fixed.contains_key(&p.name) => {
                path_props.insert(p.name.clone(), segment_schema(&p.schema));
                path_required.push(Value::String(p.name.clone()));
            }
            Location::Query => {
                query_props.insert(p.name.clone(), p.schema.clone());
            }
            _ => {}
        }
    }
    let mut props = Map::new();
    props.insert(
        "path".into(),
        serde_json::json!({"type": "object", "required": path_required, "properties": path_props}),
    );
    props.insert("query".into(), serde_json::json!({"type": "object", "properties": query_props}));
    let mut required = vec![Value::from("path")];
    if let Some((body_required, schema)) = &op.request_body {
        props.insert("body".into(), schema.clone());
        if *body_required {
            required.push(Value::from("body"));
        }
    }
    serde_json::json!({"type": "object", "required": required, "properties": props})
}

/// A path parameter's schema as generated: its value fills its segment whatever the schema
/// allows (CBR's `checkpoint_id` is any string: an empty one was sent as `/checkpoints/`,
/// which names no operation, and its 404 `APIGW.0101` counted as a documented refusal).
fn segment_schema(schema: &Value) -> Value {
    let mut schema = schema.clone();
    if let Some(s) = schema.as_object_mut().filter(|s| s.get("type") == Some(&"string".into())) {
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0).max(1);
        s.insert("minLength".into(), min.into());
    }
    schema
}

fn to_case(
    op: &'static Operation,
    fixed: &BTreeMap<String, String>,
    input: &Value,
    broken: Option<Broken>,
) -> Case {
    let mut path = fixed.clone();
    for (k, v) in input.get("path").and_then(Value::as_object).into_iter().flatten() {
        if let Some(text) = texts(v).into_iter().next() {
            path.insert(k.clone(), text);
        }
    }
    let query = input
        .get("query")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(k, v)| texts(v).into_iter().map(move |t| (k.clone(), t)))
        .collect();
    let request = ApiRequest { operation: op, path, query, body: input.get("body").cloned() };
    Case { request, broken, bound: false }
}

/// Valid requests of `op`; `fixed` path parameters (the project) are kept as given.
pub fn valid_cases(op: &'static Operation, fixed: BTreeMap<String, String>) -> BoxedStrategy<Case> {
    let doc = op.service.document();
    let schema = input_schema(op, &fixed);
    // Most valid cases meet real objects; some keep their made-up IDs (the 404 path).
    (valid(doc, &schema, Fill::Any), proptest::bool::weighted(0.8))
        .prop_map(move |(input, bound)| Case { bound, ..to_case(op, &fixed, &input, None) })
        .boxed()
}

/// True when the local contract rejects the case, and only at the broken field. A path value
/// that URL normalisation would resolve away (`.`, `..`) cannot be sent as such.
fn breaks_only(case: &Case, broken_field: &str) -> bool {
    let request = &case.request;
    if request.path.values().any(|v| v == "." || v == "..") {
        return false;
    }
    let Some(compiled) = Contract::global().operation(&request.operation.id) else { return false };
    match compiled.validate_request(&request.path, &request.query, request.body.as_ref()) {
        Ok(_) => false,
        Err(found) => found
            .iter()
            .all(|v| v.field.starts_with(broken_field) || broken_field.starts_with(&v.field)),
    }
}

/// Whether a broken input can travel in a request: the wrapper objects are not inputs, and
/// a path parameter cannot be left out or emptied without changing the route.
fn expressible(path: &[Seg], rule: &str) -> bool {
    match path.first() {
        Some(Seg::Key(k)) if k == "body" => true,
        Some(Seg::Key(k)) if k == "path" => {
            path.len() == 2 && !matches!(rule, "required" | "minLength")
        }
        Some(Seg::Key(k)) if k == "query" => path.len() >= 2,
        _ => false,
    }
}

/// Requests of `op` that each break exactly one rule; `None` when the operation has no input
/// that can be broken.
pub fn invalid_cases(
    op: &'static Operation,
    fixed: BTreeMap<String, String>,
) -> Option<BoxedStrategy<Case>> {
    let doc = op.service.document();
    let schema = input_schema(op, &fixed);
    let mut found = Vec::new();
    mutations(doc, &schema, Vec::new(), false, &mut found);
    found.retain(|m| expressible(&m.path, m.rule));
    let fixed = Arc::new(fixed);
    let base = valid(doc, &schema, Fill::Full);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut strategies = Vec::new();
    for Mutation { path, rule, what, edit } in found {
        let name = field(&path);
        let broken = Broken { field: name.clone(), rule: rule.to_owned(), what };
        let make = {
            let (fixed, broken) = (fixed.clone(), broken.clone());
            move |input: &Value, edit: &Edit| -> Option<Case> {
                let mutated = apply(input, &path, edit)?;
                let case = to_case(op, &fixed, &mutated, Some(broken.clone()));
                breaks_only(&case, &broken.field).then_some(case)
            }
        };
        // A mutation that never yields a rejected request (a number sent as text is still
        // text) breaks no rule on the wire: drop it rather than spin on rejections.
        let works = (0..16).any(|_| {
            let sample = (base.new_tree(&mut runner), edit.new_tree(&mut runner));
            matches!(sample, (Ok(b), Ok(e)) if make(&b.current(), &e.current()).is_some())
        });
        if works {
            let strategy = (base.clone(), edit)
                .prop_filter_map("the mutation breaks only its field", move |(input, edit)| {
                    make(&input, &edit)
                })
                .boxed();
            strategies.push(strategy);
        }
    }
    if strategies.is_empty() {
        return None;
    }
    Some(proptest::strategy::Union::new(strategies).boxed())
}

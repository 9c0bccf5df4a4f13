//! Turns a documented example into a concrete request for the target: path, query and body
//! values from the facts where the bindings say so, the example's own values elsewhere.

use super::bindings::{bindings_for, fact_for, Slot};
use super::facts::{Fact, Facts};
use crate::request::ApiRequest;
use csbs_spec::behaviour::provider_id;
use csbs_spec::{Example, ExampleKind, Location, Operation};
use serde_json::Value;
use std::collections::BTreeMap;

/// What to do with a value the facts cannot give.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// Give up: the request would not mean what the example means.
    Refuse,
    /// Keep the example's value, or a dummy id for a placeholder (auth probes, where any id
    /// will do because the answer must be 401 before any lookup).
    Dummy,
}

const DUMMY_ID: &str = "00000000-0000-0000-0000-000000000000";

/// `{project_id}`: a value the document left for the reader to fill.
fn is_placeholder(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() > 2 && s.starts_with('{') && s.ends_with('}'))
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A stand-in for a value the facts cannot give, where `missing` allows one.
fn substitute(missing: Missing, literal: Option<&Value>) -> Option<String> {
    match (missing, literal) {
        (Missing::Refuse, _) => None,
        (Missing::Dummy, Some(v)) if !is_placeholder(v) => Some(text_of(v)),
        (Missing::Dummy, _) => Some(DUMMY_ID.to_owned()),
    }
}

/// The value of one path or query parameter.
fn parameter_value(
    op: &Operation,
    location: Location,
    name: &str,
    literal: Option<&Value>,
    facts: &Facts,
    created_only: bool,
    missing: Missing,
) -> Result<String, String> {
    if let Some(fact) = fact_for(&op.id, location, name) {
        return facts
            .resolve(fact, 0, created_only)
            .or_else(|why| substitute(missing, literal).ok_or(why));
    }
    if location == Location::Path {
        if let Some(value) = provider_id(op, name) {
            return Ok(value);
        }
    }
    match literal {
        Some(v) if !is_placeholder(v) => Ok(text_of(v)),
        _ => substitute(missing, literal).ok_or_else(|| {
            format!("the example leaves the {} parameter {name} to fill", location.as_str())
        }),
    }
}

/// Fills `example` for `op`. `created_only`: objects must be the run's own (mutations).
pub fn fill(
    op: &'static Operation,
    example: &Example,
    facts: &Facts,
    created_only: bool,
    missing: Missing,
) -> Result<ApiRequest, String> {
    let mut path = BTreeMap::new();
    for p in op.parameters.iter().filter(|p| p.location == Location::Path) {
        let value = parameter_value(
            op,
            Location::Path,
            &p.name,
            example.path.get(&p.name),
            facts,
            created_only,
            missing,
        )?;
        path.insert(p.name.clone(), value);
    }
    let mut query = Vec::new();
    for (name, value) in &example.query {
        let values = match value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for value in values {
            let text = parameter_value(
                op,
                Location::Query,
                name,
                Some(&value),
                facts,
                created_only,
                missing,
            )?;
            query.push((name.clone(), text));
        }
    }
    let body = match &example.value {
        Some(value) if example.kind == ExampleKind::Request => {
            Some(fill_body(op, value, facts, created_only, missing)?)
        }
        _ => None,
    };
    Ok(ApiRequest { operation: op, path, query, body })
}

/// A generated request with its references to objects (path and query IDs, IDs in the body)
/// replaced by objects the facts know, so that a valid body meets a real object. Values the
/// facts cannot give, names and servers keep their generated values.
pub fn bind(request: &ApiRequest, facts: &Facts, created_only: bool) -> ApiRequest {
    let op = request.operation;
    let mut bound = request.clone();
    for (location, values) in [(Location::Path, &mut bound.path)] {
        for (name, value) in values.iter_mut() {
            let fact = fact_for(&op.id, location, name).filter(|f| f.is_object());
            if let Some(Ok(v)) = fact.map(|f| facts.resolve(f, 0, created_only)) {
                *value = v;
            }
        }
    }
    for (name, value) in bound.query.iter_mut() {
        let fact = fact_for(&op.id, Location::Query, name).filter(|f| f.is_object());
        if let Some(Ok(v)) = fact.map(|f| facts.resolve(f, 0, created_only)) {
            *value = v;
        }
    }
    if let Some(body) = &request.body {
        let objects = |f: Fact| f.is_object();
        if let Ok(filled) = fill_body_with(op, body, facts, created_only, Missing::Dummy, &objects)
        {
            bound.body = Some(filled);
        }
    }
    bound
}

fn fill_body(
    op: &Operation,
    value: &Value,
    facts: &Facts,
    created_only: bool,
    missing: Missing,
) -> Result<Value, String> {
    fill_body_with(op, value, facts, created_only, missing, &|_| true)
}

fn fill_body_with(
    op: &Operation,
    value: &Value,
    facts: &Facts,
    created_only: bool,
    missing: Missing,
    wanted: &dyn Fn(Fact) -> bool,
) -> Result<Value, String> {
    let mut body = value.clone();
    for binding in bindings_for(&op.id).filter(|b| wanted(b.fact)) {
        let Slot::Body(pattern) = binding.slot else { continue };
        let segments: Vec<&str> = pattern.split('/').skip(1).collect();
        if let (Some(count), Some(last)) =
            (facts.count(binding.fact, created_only), segments.iter().rposition(|s| *s == "*"))
        {
            // The example maps as many items as its own backup had; the target's may have more.
            visit(&mut body, &segments[..last], None, &mut |array, _| {
                resize(array, count);
                Ok(())
            })?;
        }
        visit(&mut body, &segments, None, &mut |slot, index| {
            let filled = match facts.resolve(binding.fact, index, created_only) {
                Ok(v) => v,
                Err(_) if missing == Missing::Dummy => return Ok(()),
                Err(why) => return Err(why),
            };
            *slot = Value::String(filled);
            Ok(())
        })?;
    }
    Ok(body)
}

/// Makes an array `count` items long, repeating its first item.
fn resize(array: &mut Value, count: usize) {
    if let Value::Array(items) = array {
        if let Some(first) = items.first().cloned() {
            items.resize(count.max(1), first);
        }
    }
}

type Setter<'a> = dyn FnMut(&mut Value, usize) -> Result<(), String> + 'a;

/// Calls `set` on every value matching the pointer segments; `*` matches each array item and
/// the innermost `*`'s index is passed on (it picks the n-th server or disk).
fn visit(
    value: &mut Value,
    segments: &[&str],
    index: Option<usize>,
    set: &mut Setter<'_>,
) -> Result<(), String> {
    let Some((head, rest)) = segments.split_first() else {
        return set(value, index.unwrap_or(0));
    };
    match (head, value) {
        (&"*", Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                visit(item, rest, Some(i), set)?;
            }
            Ok(())
        }
        (key, Value::Object(map)) => match map.get_mut(*key) {
            Some(child) => visit(child, rest, index, set),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::facts::{BackupFact, PolicyFact};
    use crate::replay::plan::plan;
    use csbs_spec::validate::Contract;

    fn facts() -> Facts {
        let id = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
        Facts {
            project_id: "0605767b5780d5762fc5c0118072a564".into(),
            run_name: "csbs-conformance-1a2b3c4d".into(),
            servers: vec![id(1), id(2)],
            other_server: None,
            policies: vec![PolicyFact {
                id: id(3),
                scheduled_operation_id: Some(id(4)),
                resources: vec![id(1), id(2)],
                created: true,
            }],
            backups: vec![BackupFact {
                id: id(5),
                checkpoint_id: id(6),
                server_id: Some(id(1)),
                volumes: vec![(id(7), id(8)), (id(9), id(10))],
                created: true,
            }],
            cbr_checkpoints: vec![id(11)],
        }
    }

    #[test]
    fn every_documented_request_fills_into_a_valid_request() {
        let facts = facts();
        for case in plan() {
            let op = case.operation;
            let name = format!("{} {}", op.id, case.example.name);
            let filled = fill(op, &case.example, &facts, op.is_mutation(), Missing::Refuse)
                .unwrap_or_else(|why| panic!("{name}: {why}"));
            let target = filled.target();
            assert!(!target.contains('{') && !target.contains("%7B"), "{name}: {target}");
            let compiled = Contract::global().operation(&op.id).expect("compiled");
            if let Err(found) =
                compiled.validate_request(&filled.path, &filled.query, filled.body.as_ref())
            {
                panic!(
                    "{name}: {}",
                    found.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; ")
                );
            }
        }
    }

    #[test]
    fn a_restore_maps_every_disk_of_the_backup() {
        let case = plan()
            .into_iter()
            .find(|c| c.operation.id == "createRestore")
            .expect("a restore example");
        let filled =
            fill(case.operation, &case.example, &facts(), true, Missing::Refuse).expect("fills");
        let volumes = filled
            .body
            .as_ref()
            .and_then(|b| b.pointer("/restore/parameters/targets/volumes"))
            .cloned();
        let expected = serde_json::json!([
            {"backup_id": "00000000-0000-4000-8000-000000000007", "volume_id": "00000000-0000-4000-8000-000000000008"},
            {"backup_id": "00000000-0000-4000-8000-000000000009", "volume_id": "00000000-0000-4000-8000-000000000010"}
        ]);
        assert_eq!(volumes, Some(expected));
    }

    #[test]
    fn a_mutation_refuses_objects_the_run_did_not_create() {
        let mut facts = facts();
        facts.policies[0].created = false;
        let case = plan()
            .into_iter()
            .find(|c| c.operation.id == "deletePolicy")
            .expect("a delete example");
        let why = fill(case.operation, &case.example, &facts, true, Missing::Refuse)
            .expect_err("not ours");
        assert!(why.contains("this run created"), "{why}");
        let probe = fill(case.operation, &case.example, &Facts::default(), false, Missing::Dummy)
            .expect("any id will do");
        assert!(probe.target().ends_with(DUMMY_ID), "{}", probe.target());
    }
}

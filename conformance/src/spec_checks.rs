//! The offline phase: checks of the spec itself. Every documented example validates against
//! its schema, and every operation has examples to replay.

use crate::checks::{Check, Failure, Verdict};
use crate::report::Recorder;
use csbs_spec::examples::all_examples;
use csbs_spec::operations::{all_operations, find_operation};
use csbs_spec::validate::Contract;
use csbs_spec::{Example, ExampleKind, Operation, Violation};
use serde_json::Value;
use std::collections::BTreeMap;

pub(crate) fn run(recorder: &mut Recorder) {
    let examples = all_examples();
    for example in &examples {
        if let Some(verdict) = validity(example) {
            let case = format!("{} {}", kind_label(&example.kind), example.name);
            recorder.verdict(Check::ExampleValidity, &example.operation_id, &case, verdict, None);
        }
    }
    for op in all_operations() {
        recorder.verdict(Check::ExampleCoverage, &op.id, "examples", coverage(op, &examples), None);
    }
}

fn kind_label(kind: &ExampleKind) -> String {
    match kind {
        ExampleKind::Request => "request".to_owned(),
        ExampleKind::Response(status) => format!("response {status}"),
        ExampleKind::Url => "url".to_owned(),
        ExampleKind::Error => "error".to_owned(),
    }
}

/// The example against its schema; `None` when there is nothing to validate.
fn validity(example: &Example) -> Option<Verdict> {
    let service = example.service;
    let found = match &example.kind {
        ExampleKind::Url => url_violations(example)?,
        ExampleKind::Request => {
            let schema = &find_operation(&example.operation_id)?.request_body.as_ref()?.1;
            check(service, schema, example.value.as_ref()?)
        }
        ExampleKind::Response(status) => {
            let schema = find_operation(&example.operation_id)?.responses.get(status)?.as_ref()?;
            check(service, schema, example.value.as_ref()?)
        }
        ExampleKind::Error => {
            let pointer = format!("/{}/content/application~1json/schema", example.operation_id);
            let schema = service.document().pointer(&pointer)?;
            check(service, schema, example.value.as_ref()?)
        }
    };
    Some(verdict(found))
}

fn check(service: csbs_spec::Service, schema: &Value, value: &Value) -> Vec<Violation> {
    Contract::check(service, schema, value).err().unwrap_or_default()
}

/// A URL example's path and query values; placeholders (`{project_id}`) are the reader's to
/// fill and are not judged.
fn url_violations(example: &Example) -> Option<Vec<Violation>> {
    let compiled = Contract::global().operation(&example.operation_id)?;
    let is_placeholder =
        |v: &Value| v.as_str().is_some_and(|s| s.starts_with('{') && s.ends_with('}'));
    let text = |v: &Value| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
    let path: BTreeMap<String, String> =
        example.path.iter().map(|(k, v)| (k.clone(), text(v))).collect();
    let mut query = Vec::new();
    for (k, v) in &example.query {
        let values = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
        query.extend(values.iter().filter(|v| !is_placeholder(v)).map(|v| (k.clone(), text(v))));
    }
    let placeholders: Vec<String> = example
        .path
        .iter()
        .chain(&example.query)
        .filter(|(_, v)| is_placeholder(v))
        .flat_map(|(k, _)| [format!("path.{k}"), format!("query.{k}")])
        .collect();
    let found = compiled.validate_request(&path, &query, None).err().unwrap_or_default();
    Some(found.into_iter().filter(|v| !placeholders.contains(&v.field)).collect())
}

fn verdict(found: Vec<Violation>) -> Verdict {
    let Some(first) = found.first() else { return Ok(()) };
    let shown: Vec<String> = found.iter().take(5).map(|v| v.to_string()).collect();
    Err(Failure::new(first.rule.clone(), shown.join("; ")))
}

/// The operation has a request to replay and, where its success answer has a body, a
/// response to compare with.
fn coverage(op: &Operation, examples: &[Example]) -> Verdict {
    let mine: Vec<&Example> = examples.iter().filter(|e| e.operation_id == op.id).collect();
    let mut missing = Vec::new();
    if !mine.iter().any(|e| e.kind == ExampleKind::Request || e.kind == ExampleKind::Url) {
        missing.push("a request example (requestBody examples or x-request-examples)".to_owned());
    }
    let success = op.success_status();
    if matches!(op.responses.get(&success), Some(Some(_)))
        && !mine.iter().any(|e| e.kind == ExampleKind::Response(success))
    {
        missing.push(format!("a {success} response example"));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(
            "examples",
            format!("{} documents no {}", op.id, missing.join(" and no ")),
        ))
    }
}

use csbs_spec::examples::{all_examples, Example, ExampleKind};
use csbs_spec::operations::{all_operations, find_operation};
use csbs_spec::seeds;
use csbs_spec::validate::Contract;
use csbs_spec::Service;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn validate(example: &Example) -> Result<(), String> {
    let report = |v: Vec<csbs_spec::Violation>| {
        v.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    };
    match example.kind {
        ExampleKind::Error => {
            let schema = json!({"$ref": "#/components/schemas/ErrorResponse"});
            Contract::check(example.service, &schema, example.value.as_ref().unwrap())
                .map_err(report)
        }
        ExampleKind::Request => {
            let op = find_operation(&example.operation_id).unwrap();
            let schema =
                &op.request_body.as_ref().expect("a request example needs a request body").1;
            Contract::check(example.service, schema, example.value.as_ref().unwrap())
                .map_err(report)
        }
        ExampleKind::Response(status) => Contract::global()
            .operation(&example.operation_id)
            .unwrap()
            .validate_response(status, example.value.as_ref())
            .map_err(report),
        ExampleKind::Url => {
            // Placeholders such as `{project_id}` stand for any value: only concrete path
            // values and the query are checked.
            let concrete = |v: &Value| v.as_str().is_none_or(|s| !s.starts_with('{'));
            let path: BTreeMap<String, String> = example
                .path
                .iter()
                .filter(|(_, v)| concrete(v))
                .map(|(k, v)| {
                    (k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
                })
                .collect();
            let mut query = Vec::new();
            for (k, v) in &example.query {
                let values = v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]);
                for v in values.iter().filter(|v| concrete(v)) {
                    query.push((
                        k.clone(),
                        v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()),
                    ));
                }
            }
            let op = Contract::global().operation(&example.operation_id).unwrap();
            match op.validate_request(&path, &query, None) {
                Ok(_) => Ok(()),
                Err(found) => {
                    let real: Vec<_> = found
                        .into_iter()
                        .filter(|v| {
                            !(v.rule == "required"
                                && (v.field.starts_with("path.") || v.field == "body"))
                        })
                        .collect();
                    if real.is_empty() {
                        Ok(())
                    } else {
                        Err(report(real))
                    }
                }
            }
        }
    }
}

#[test]
fn every_repaired_example_validates_against_its_schema() {
    let examples = all_examples();
    assert!(examples.len() >= 45, "only {} examples", examples.len());
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|e| {
            validate(e)
                .err()
                .map(|why| format!("{} {:?} {}: {why}", e.operation_id, e.kind, e.name))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_operation_has_examples() {
    let examples = all_examples();
    for op in all_operations() {
        assert!(
            examples.iter().any(|e| e.operation_id == op.id),
            "{} has no documented example",
            op.id
        );
    }
}

#[test]
fn every_verbatim_text_is_cut_from_its_document() {
    if !seeds::available() {
        return;
    }
    for e in all_examples() {
        let source = e
            .source
            .as_ref()
            .unwrap_or_else(|| panic!("{} {} has no x-source", e.operation_id, e.name));
        let verbatim = e
            .verbatim
            .as_ref()
            .unwrap_or_else(|| panic!("{} {} has no x-verbatim", e.operation_id, e.name));
        assert!(
            seeds::read(&source.document).contains(verbatim.as_str()),
            "{} {}: x-verbatim is not in {} as printed",
            e.operation_id,
            e.name,
            source.document
        );
    }
}

/// The JSON text of a printed body example: from its first line opening an object on,
/// without page-break fences.
fn printed_json(verbatim: &str) -> Option<Value> {
    let lines: Vec<&str> =
        verbatim.lines().skip_while(|l| !l.trim_start().starts_with('{')).collect();
    let text: String =
        lines.into_iter().filter(|l| l.trim() != "```").collect::<Vec<_>>().join("\n");
    serde_json::from_str(&text).ok()
}

#[test]
fn an_example_without_errata_is_exactly_what_the_document_printed() {
    for e in all_examples().iter().filter(|e| e.errata.is_empty() && e.value.is_some()) {
        let printed = printed_json(e.verbatim.as_deref().unwrap_or_default());
        assert_eq!(
            printed.as_ref(),
            e.value.as_ref(),
            "{} {}: changed without an erratum",
            e.operation_id,
            e.name
        );
    }
}

#[test]
fn an_example_with_errata_really_needed_a_repair() {
    for e in all_examples().iter().filter(|e| !e.errata.is_empty() && e.value.is_some()) {
        let printed = printed_json(e.verbatim.as_deref().unwrap_or_default());
        assert_ne!(
            printed.as_ref(),
            e.value.as_ref(),
            "{} {}: listed errata but the print is already this value",
            e.operation_id,
            e.name
        );
        for erratum in &e.errata {
            assert!(
                !erratum.defect.is_empty() && !erratum.repair.is_empty(),
                "{} {}: empty erratum",
                e.operation_id,
                e.name
            );
        }
    }
}

/// `(document, section, "request"|"response")` of every example marker the documents print,
/// except markers followed by "None".
fn printed_markers() -> Vec<(String, String, &'static str)> {
    let mut found = Vec::new();
    for document in seeds::ALL {
        let text = seeds::read(document);
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let mut section = lines
            .iter()
            .find(|l| !l.is_empty() && !l.starts_with("Updated on"))
            .copied()
            .unwrap_or_default()
            .to_owned();
        for (i, line) in lines.iter().enumerate() {
            let numbered = line.len() > 6
                && line.as_bytes()[0].is_ascii_digit()
                && line.as_bytes()[1] == b'.'
                && !line.contains('\t')
                && line.split(' ').next().is_some_and(|n| n.split('.').count() == 3);
            if numbered {
                section = (*line).to_owned();
            }
            let lower = line.trim_start_matches(['-', '•', ' ']).to_lowercase();
            let kind = match lower.as_str() {
                "example request" | "example requests" => "request",
                "example response" | "example responses" => "response",
                _ => continue,
            };
            let next = lines[i + 1..].iter().find(|l| !l.is_empty()).copied().unwrap_or_default();
            if next != "None" {
                found.push((document.to_owned(), section.clone(), kind));
            }
        }
    }
    found
}

#[test]
fn every_documented_example_is_present() {
    if !seeds::available() {
        return;
    }
    let markers = printed_markers();
    assert!(markers.len() >= 34, "the marker scan found only {}", markers.len());
    let examples = all_examples();
    for (document, section, kind) in markers {
        let present = examples.iter().any(|e| {
            let same_place =
                e.source.as_ref().is_some_and(|s| s.document == document && s.section == section);
            let same_kind = match kind {
                "request" => matches!(e.kind, ExampleKind::Request | ExampleKind::Url),
                _ => matches!(e.kind, ExampleKind::Response(_)),
            };
            same_place && same_kind
        });
        assert!(present, "no {kind} example from {document} § {section}");
    }
}

#[test]
fn the_documented_service_quirks_are_kept_in_the_examples() {
    let show = all_examples()
        .into_iter()
        .find(|e| e.operation_id == "updatePolicy" && matches!(e.kind, ExampleKind::Response(200)))
        .unwrap();
    let definition =
        &show.value.unwrap()["policy"]["scheduled_operations"][0]["operation_definition"];
    assert_eq!(
        definition["max_backups"],
        json!("20"),
        "numbers as strings are the wire truth, not a defect"
    );
    assert_eq!(definition["permanent"], json!("False"));
    assert!(all_examples().iter().all(|e| e.service == Service::Csbs || e.service == Service::Cbr));
}

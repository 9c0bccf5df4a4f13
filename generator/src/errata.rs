//! `spec/ERRATA.md`: every repair made to a documented example (`x-errata`) and every
//! decision that departs from the documents' tables (`x-decision`), collected from the specs.

use csbs_spec::Service;
use serde_json::Value;

struct Found {
    pointer: String,
    source: Option<String>,
    value: Value,
}

fn source_of(obj: &serde_json::Map<String, Value>) -> Option<String> {
    let src = obj.get("x-source")?;
    Some(format!("{} § {}", src.get("document")?.as_str()?, src.get("section")?.as_str()?))
}

/// Depth-first walk collecting `key` with the pointer of its holder and the nearest `x-source`.
fn collect(value: &Value, key: &str, pointer: &str, source: Option<String>, out: &mut Vec<Found>) {
    match value {
        Value::Object(obj) => {
            let source = source_of(obj).or(source);
            if let Some(found) = obj.get(key) {
                out.push(Found {
                    pointer: pointer.to_owned(),
                    source: source.clone(),
                    value: found.clone(),
                });
            }
            for (k, v) in obj {
                if k != key {
                    collect(
                        v,
                        key,
                        &format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                        source.clone(),
                        out,
                    );
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(v, key, &format!("{pointer}/{i}"), source.clone(), out);
            }
        }
        _ => {}
    }
}

/// A reader's name for a JSON pointer into a document: `POST /v1/{project_id}/policies,
/// request example weekly_policy` rather than `/paths/~1v1~1.../post/requestBody/...`.
fn location(doc: &Value, pointer: &str) -> String {
    let segments: Vec<String> =
        pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    let words = |rest: &[String]| -> String {
        rest.iter()
            .filter(|s| {
                !matches!(
                    s.as_str(),
                    "content" | "application/json" | "examples" | "properties" | "schema"
                )
            })
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" > ")
    };
    match segments.first().map(String::as_str) {
        Some("paths") if segments.len() >= 3 => {
            let op = format!("{} {}", segments[2].to_uppercase(), segments[1]);
            let rest = &segments[3..];
            match rest.first().map(String::as_str) {
                Some("requestBody") => {
                    format!("{op}, request example `{}`", rest.last().unwrap_or(&String::new()))
                }
                Some("responses") if rest.len() > 1 => {
                    format!(
                        "{op}, {} response example `{}`",
                        rest[1],
                        rest.last().unwrap_or(&String::new())
                    )
                }
                Some("x-request-examples") => {
                    let name = doc
                        .pointer(pointer)
                        .and_then(|v| v.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    format!("{op}, example request `{name}`")
                }
                Some("parameters") => {
                    let holder = doc.pointer(pointer);
                    let field = |k: &str| {
                        holder
                            .and_then(|v| v.get(k))
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_owned()
                    };
                    format!("{op}, {} parameter `{}`", field("in"), field("name"))
                }
                _ if rest.is_empty() => op,
                _ => format!("{op}: {}", words(rest)),
            }
        }
        Some("x-error-codes") => {
            let code = doc
                .pointer(pointer)
                .and_then(|v| v.get("code"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            format!("error-code table, {code}")
        }
        _ if segments.is_empty() => "the document".to_owned(),
        _ => words(&segments),
    }
}

fn text(value: &Value) -> String {
    value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string())
}

/// What an explanation's premises say the document stated: `(range or length: document
/// {"maxLength":255}; type at size: document "Integer")`; empty without premises.
fn premises(explains: Option<&Value>) -> String {
    let items: Vec<String> = explains
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let kind = p.get("kind").map(text).unwrap_or_default().replace('_', " ");
            let at = p.get("at").map(|a| format!(" at `{}`", text(a))).unwrap_or_default();
            let sections: Vec<String> = p
                .get("in")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("section").map(text))
                .collect();
            let at =
                if sections.is_empty() { at } else { format!("{at} in {}", sections.join(", ")) };
            match p.get("document") {
                None | Some(Value::Null) => format!("{kind}{at}: the document has none"),
                Some(document) => format!("{kind}{at}: the document says `{document}`"),
            }
        })
        .collect();
    if items.is_empty() {
        String::new()
    } else {
        format!(" (explains {})", items.join("; "))
    }
}

/// One `x-decision` as a line: its reason and what it explains (a text, `{explains,
/// because}`, or a list of those).
fn decision(value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(decision).collect::<Vec<_>>().join(" "),
        Value::Object(map) => format!(
            "{}{}",
            map.get("because").map(text).unwrap_or_default(),
            premises(map.get("explains"))
        ),
        other => text(other),
    }
}

/// Renders the errata list of both documents.
pub fn render() -> String {
    let mut out = String::from(
        "<!-- @generated by csbs-generator from the x-errata and x-decision entries of spec/*.yaml; do not edit. -->\n\
         # Errata of the vendor documents\n\n\
         What was wrong in the documents the spec transcribes, and what the spec does instead.\n\
         Part 1 lists every repair made to a documented example (the printed text is kept in the\n\
         spec as `x-verbatim` beside the repaired `value`). Part 2 lists every place where the spec\n\
         departs from a table, mostly because the live service sends something else.\n",
    );
    for service in Service::ALL {
        let doc = service.document();
        let mut errata = Vec::new();
        collect(doc, "x-errata", "", None, &mut errata);
        let mut decisions = Vec::new();
        collect(doc, "x-decision", "", None, &mut decisions);
        out.push_str(&format!(
            "\n## spec/{}\n\n### 1. Repaired examples ({} examples)\n",
            service.file_name(),
            errata.len()
        ));
        for found in &errata {
            let source = found.source.as_deref().unwrap_or("(no source)");
            out.push_str(&format!("\n**{source}**: {}\n\n", location(doc, &found.pointer)));
            for item in found.value.as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "- Defect: {}\n  Repair: {}{}\n",
                    text(item.get("defect").unwrap_or(&Value::Null)),
                    text(item.get("repair").unwrap_or(&Value::Null)),
                    premises(item.get("explains"))
                ));
            }
        }
        out.push_str(&format!("\n### 2. Decisions against the tables ({})\n\n", decisions.len()));
        for found in &decisions {
            out.push_str(&format!(
                "- **{}**: {}\n",
                location(doc, &found.pointer),
                decision(&found.value).replace('\n', " ")
            ));
        }
    }
    out
}

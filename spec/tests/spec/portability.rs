//! The documents use only forms that the mainstream generators (openapi-python-client,
//! openapi-generator's python, typescript-fetch and go, openapi-typescript, progenitor) read
//! the way JSON Schema means them. Each rule names a construct that broke one of them, measured
//! with default settings (scripts/interop.sh drives the clients; Go and Java cannot be built
//! here, so their rules live only in this file).

use csbs_spec::document::{deref, resolve};
use csbs_spec::Service;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

type Findings = Vec<String>;

/// Calls `visit(pointer, object)` for every object of the document that can be a schema:
/// examples, verbatim texts and `x-` extensions are skipped.
fn walk(node: &Value, pointer: &str, visit: &mut dyn FnMut(&str, &Map<String, Value>)) {
    match node {
        Value::Object(map) => {
            visit(pointer, map);
            for (key, value) in map {
                if key.starts_with("x-") || key == "example" || key == "examples" {
                    continue;
                }
                walk(value, &format!("{pointer}/{key}"), visit);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{pointer}/{i}"), visit);
            }
        }
        _ => {}
    }
}

fn each(doc: &Value, mut visit: impl FnMut(&str, &Map<String, Value>, &mut Findings)) -> Findings {
    let mut found = Vec::new();
    walk(doc, "", &mut |pointer, map| visit(pointer, map, &mut found));
    found
}

/// openapi-generator's Python models match a pattern from the start of the string (`re.match`),
/// JSON Schema searches anywhere: only a pattern anchored at both ends means the same to both.
fn unanchored_patterns(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        if let Some(p) = map.get("pattern").and_then(Value::as_str) {
            if !(p.starts_with('^') && p.ends_with('$') && !p.ends_with("\\$")) {
                found.push(format!("{pointer}: pattern {p:?} is not anchored with ^...$"));
            }
        }
    })
}

/// Enum values become identifiers: upper-cased, with everything but letters and digits
/// turned into `_` (openapi-python-client refused `True` beside `true`).
fn colliding_enum_values(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        let Some(values) = map.get("enum").and_then(Value::as_array) else { return };
        let mut seen = BTreeMap::new();
        for value in values {
            let text = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
            let ident: String = text
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
                .collect();
            if let Some(other) = seen.insert(ident.clone(), text.clone()) {
                found.push(format!(
                    "{pointer}: enum values {other:?} and {text:?} both become {ident}"
                ));
            }
        }
    })
}

/// What one alternative of a oneOf/anyOf is, for [`mixed_unions`].
fn kind_of(doc: &Value, schema: &Value) -> &'static str {
    let s = deref(doc, schema);
    match s.get("type").and_then(Value::as_str) {
        Some("object") => "object",
        Some("array") => "array",
        Some(_) => "primitive",
        None if s.get("properties").is_some() => "object",
        None => "untyped",
    }
}

/// A oneOf/anyOf either chooses among primitives or among objects that each require a
/// property. openapi-generator's Go client cannot put `{}` into a union that has an object
/// alternative accepting it, and the Python generators try alternatives in different orders.
fn mixed_unions(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        for key in ["oneOf", "anyOf"] {
            let Some(list) = map.get(key).and_then(Value::as_array) else { continue };
            let kinds: BTreeSet<&str> = list.iter().map(|s| kind_of(doc, s)).collect();
            if kinds.len() > 1 || kinds.contains("untyped") || kinds.contains("array") {
                found.push(format!("{pointer}: {key} mixes {kinds:?}"));
            }
            for alternative in list.iter().map(|s| deref(doc, s)) {
                let required = alternative.get("required").and_then(Value::as_array);
                if kind_of(doc, alternative) == "object" && required.is_none_or(|r| r.is_empty()) {
                    found.push(format!("{pointer}: a {key} alternative accepts {{}}"));
                }
            }
        }
    })
}

/// OpenAPI 3.0.3 gives `nullable` effect only beside a `type`; beside `$ref`, `allOf`,
/// `oneOf` or `anyOf` generators disagree whether null is allowed.
fn nullable_without_type(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        if map.get("nullable") == Some(&json!(true)) && !map.contains_key("type") {
            found.push(format!("{pointer}: nullable without a type"));
        }
    })
}

/// A `default` on a request-body property: openapi-typescript (default settings) makes the
/// property required, and both Python generators send the default on every call.
fn defaults_in_request_bodies(doc: &Value) -> Findings {
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    fn visit(
        doc: &Value,
        schema: &Value,
        at: String,
        seen: &mut BTreeSet<String>,
        found: &mut Findings,
    ) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            if seen.insert(r.to_owned()) {
                if let Some(target) = resolve(doc, r) {
                    visit(doc, target, r.to_owned(), seen, found);
                }
            }
            return;
        }
        if schema.get("default").is_some() {
            found.push(format!("{at}: default in a request body"));
        }
        for (key, value) in schema.as_object().into_iter().flatten() {
            match (key.as_str(), value) {
                ("properties", Value::Object(props)) => {
                    for (name, prop) in props {
                        visit(doc, prop, format!("{at}/properties/{name}"), seen, found);
                    }
                }
                ("items" | "additionalProperties", v) => {
                    visit(doc, v, format!("{at}/{key}"), seen, found)
                }
                ("allOf" | "oneOf" | "anyOf", Value::Array(list)) => {
                    for (i, v) in list.iter().enumerate() {
                        visit(doc, v, format!("{at}/{key}/{i}"), seen, found);
                    }
                }
                _ => {}
            }
        }
    }
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                let at = format!("{method} {path} {media}");
                visit(doc, &content["schema"], at, &mut seen, &mut found);
            }
        }
    }
    found
}

/// `properties` beside an explicit `additionalProperties`: typescript-fetch models then write
/// every named property back twice (as sent and in camelCase). Other keys are allowed by
/// JSON Schema's default anyway.
fn properties_with_explicit_additional(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        let additional = map.get("additionalProperties");
        if map.contains_key("properties") && additional.is_some_and(|a| a != &json!(false)) {
            found.push(format!("{pointer}: properties beside additionalProperties"));
        }
    })
}

/// Names that generated code already uses: language built-ins and the runtime exports of
/// the generated packages (typescript-fetch's `export *` breaks on a clash, the Python
/// packages shadow their own modules).
const RESERVED: [&str; 28] = [
    "Any",
    "Array",
    "ApiClient",
    "ApiResponse",
    "AuthenticatedClient",
    "BaseAPI",
    "Boolean",
    "Client",
    "Configuration",
    "Date",
    "Error",
    "FetchError",
    "Function",
    "Integer",
    "List",
    "Map",
    "Number",
    "Object",
    "Promise",
    "Record",
    "Request",
    "RequiredError",
    "Response",
    "ResponseError",
    "Set",
    "String",
    "Type",
    "Unset",
];

/// Component names and titles (titles name the generated classes) avoid [`RESERVED`].
fn reserved_names(doc: &Value) -> Findings {
    let mut found: Findings = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| RESERVED.contains(&name.as_str()))
        .map(|(name, _)| format!("/components/schemas/{name}: reserved name"))
        .collect();
    found.extend(each(doc, |pointer, map, found| {
        if let Some(title) = map.get("title").and_then(Value::as_str) {
            if RESERVED.contains(&title) && pointer != "/info" {
                found.push(format!("{pointer}: title {title:?} is a reserved name"));
            }
        }
    }));
    found
}

/// Property names of one object stay distinct once case and separators are dropped
/// (`snake_case`, `camelCase` and `PascalCase` identifiers of the generated models).
fn colliding_property_names(doc: &Value) -> Findings {
    each(doc, |pointer, map, found| {
        let Some(props) = map.get("properties").and_then(Value::as_object) else { return };
        let mut seen = BTreeMap::new();
        for name in props.keys() {
            let key: String = name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if let Some(other) = seen.insert(key, name) {
                found.push(format!(
                    "{pointer}: properties {other:?} and {name:?} become one identifier"
                ));
            }
        }
    })
}

/// A rule: the findings of one kind of construct in a document.
type Rule = fn(&Value) -> Findings;

const RULES: [(&str, Rule); 8] = [
    ("unanchored pattern", unanchored_patterns),
    ("enum values that collide as identifiers", colliding_enum_values),
    ("oneOf/anyOf mixing kinds or accepting {}", mixed_unions),
    ("nullable without a type", nullable_without_type),
    ("default in a request body", defaults_in_request_bodies),
    ("properties beside additionalProperties", properties_with_explicit_additional),
    ("reserved name", reserved_names),
    ("property names that collide as identifiers", colliding_property_names),
];

#[test]
fn both_documents_use_only_forms_every_generator_reads_alike() {
    let mut problems = Vec::new();
    for service in Service::ALL {
        for (rule, check) in RULES {
            for finding in check(service.document()) {
                problems.push(format!("{} ({rule}): {finding}", service.file_name()));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A small document holding one instance of every construct the rules refuse.
fn hostile() -> Value {
    json!({
        "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Body"}}}}}}},
        "components": {"schemas": {
            "Body": {"type": "object", "properties": {
                "kind": {"type": "string", "default": "a"},
                "rrule": {"type": "string", "pattern": "RRULE:"},
                "flag": {"type": "string", "enum": ["True", "true", "False"]},
                "extra": {"oneOf": [{"title": "Object", "type": "object"}, {"type": "string"}]},
                "count": {"allOf": [{"$ref": "#/components/schemas/Count"}], "nullable": true},
                "open": {"type": "object", "properties": {"a": {"type": "string"}},
                    "additionalProperties": true},
                "Code": {"type": "integer"}, "code": {"type": "string"}
            }},
            "Count": {"type": "integer"},
            "Error": {"type": "object"}
        }}
    })
}

#[test]
fn each_rule_finds_its_construct() {
    let doc = hostile();
    let expect = |rule: Rule, fragment: &str| {
        let found = rule(&doc);
        assert!(found.iter().any(|f| f.contains(fragment)), "{fragment}: {found:#?}");
    };
    expect(unanchored_patterns, "/properties/rrule: pattern \"RRULE:\"");
    expect(colliding_enum_values, "\"True\" and \"true\" both become TRUE");
    expect(mixed_unions, "/properties/extra: oneOf mixes {\"object\", \"primitive\"}");
    expect(mixed_unions, "/properties/extra: a oneOf alternative accepts {}");
    expect(nullable_without_type, "/properties/count: nullable without a type");
    expect(defaults_in_request_bodies, "#/components/schemas/Body/properties/kind: default");
    expect(properties_with_explicit_additional, "/properties/open: properties beside");
    expect(reserved_names, "/components/schemas/Error: reserved name");
    expect(reserved_names, "title \"Object\" is a reserved name");
    expect(colliding_property_names, "properties \"Code\" and \"code\"");
}

#[test]
fn the_accepted_forms_pass_every_rule() {
    let doc = json!({
        "paths": {"/x": {"post": {"requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}}}},
        "components": {"schemas": {
            "Lenient": {"oneOf": [{"type": "integer", "nullable": true},
                {"type": "string", "pattern": "^-?[0-9]+$"}]},
            "Either": {"oneOf": [
                {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}},
                {"type": "object", "required": ["b"], "properties": {"b": {"type": "string"}}}]},
            "Word": {"type": "string", "pattern": "^(True|False)$"},
            "Free": {"type": "object", "additionalProperties": true},
            "Anything": {"description": "any JSON value"}
        }}
    });
    for (rule, check) in RULES {
        assert_eq!(check(&doc), Vec::<String>::new(), "{rule}");
    }
}

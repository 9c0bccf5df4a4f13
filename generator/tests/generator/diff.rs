//! `diff`: each rule with a pair of small specs, and the real spec against itself.

use csbs_generator::diff::{diff, Breaks, Change};
use serde_json::{json, Value};

/// A document with `POST /things` (parameters, request schema) answering `response`, and
/// the given components.
fn doc(parameters: Value, request: Value, response: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things/{id}": {"post": {
            "operationId": "createThing",
            "parameters": parameters,
            "requestBody": {"required": true, "content": {"application/json": {"schema": request}}},
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": response}}},
                "400": {"description": "bad"}
            }
        }}},
        "components": {"schemas": schemas}
    })
}

fn body(request: Value) -> Value {
    doc(json!([]), request, json!({"type": "object"}), json!({}))
}

fn answer(response: Value) -> Value {
    doc(json!([]), json!({"type": "object"}), response, json!({}))
}

fn params(parameters: Value) -> Value {
    doc(parameters, json!({"type": "object"}), json!({"type": "object"}), json!({}))
}

fn object(props: Value) -> Value {
    json!({"type": "object", "properties": props})
}

/// The one change between `old` and `new`, checked for location, rule and classification.
fn only(old: &Value, new: &Value, location: &str, rule: &str, breaks: Breaks) -> Change {
    let changes = diff(old, new);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let c = changes.into_iter().next().unwrap();
    assert_eq!(
        (c.location.as_str(), c.rule.as_str(), c.breaks),
        (location, rule, breaks),
        "{c:#?}"
    );
    c
}

fn string(extra: Value) -> Value {
    let mut s = json!({"type": "string"});
    s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    s
}

#[test]
fn identical_documents_have_no_changes() {
    let d = body(object(json!({"name": string(json!({"maxLength": 10}))})));
    assert!(diff(&d, &d).is_empty());
    for service in csbs_spec::Service::ALL {
        assert!(diff(service.document(), service.document()).is_empty());
    }
}

#[test]
fn operations_removed_added_and_renamed() {
    let d = body(json!({"type": "object"}));
    let empty = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}});
    let c = only(&d, &empty, "operation", "operation-removed", Breaks::CLIENTS);
    assert_eq!(c.operation.as_deref(), Some("createThing"));
    only(&empty, &d, "operation", "operation-added", Breaks::SERVERS);
    let mut renamed = d.clone();
    renamed["paths"]["/things/{id}"]["post"]["operationId"] = json!("makeThing");
    only(&d, &renamed, "operationId", "operation-id-changed", Breaks::CLIENTS);
}

#[test]
fn a_narrowed_request_max_length_breaks_clients() {
    // Specmatic's backward-compatibility check misses this one.
    let old = body(object(json!({"name": string(json!({"maxLength": 255}))})));
    let new = body(object(json!({"name": string(json!({"maxLength": 100}))})));
    only(&old, &new, "body.name", "request-max-length-decreased", Breaks::CLIENTS);
    only(&new, &old, "body.name", "request-max-length-increased", Breaks::SERVERS);
}

#[test]
fn bounds_in_requests_and_responses() {
    let old = body(object(json!({"n": {"type": "integer", "maximum": 10, "minimum": 0}})));
    let new = body(object(json!({"n": {"type": "integer", "maximum": 10, "minimum": 1}})));
    only(&old, &new, "body.n", "request-min-increased", Breaks::CLIENTS);
    let new = body(object(json!({"n": {"type": "integer", "minimum": 0}})));
    only(&old, &new, "body.n", "request-max-removed", Breaks::SERVERS);
    // A response bound removed: a client may now receive what it never had to handle.
    let old = answer(object(json!({"n": {"type": "integer", "maximum": 100}})));
    let new = answer(object(json!({"n": {"type": "integer"}})));
    only(&old, &new, "response.200.n", "response-max-removed", Breaks::CLIENTS);
    only(&new, &old, "response.200.n", "response-max-set", Breaks::SERVERS);
    let old =
        answer(object(json!({"s": {"type": "array", "items": {"type": "string"}, "maxItems": 5}})));
    let new =
        answer(object(json!({"s": {"type": "array", "items": {"type": "string"}, "maxItems": 9}})));
    only(&old, &new, "response.200.s", "response-max-items-increased", Breaks::CLIENTS);
}

#[test]
fn patterns_and_formats() {
    let old = body(object(json!({"id": string(json!({}))})));
    let new = body(object(json!({"id": string(json!({"pattern": "^[a-z]+$"}))})));
    only(&old, &new, "body.id", "request-pattern-added", Breaks::CLIENTS);
    let other = body(object(json!({"id": string(json!({"pattern": "^[a-z0-9]+$"}))})));
    only(&new, &other, "body.id", "request-pattern-changed", Breaks::BOTH);
    let old = answer(object(json!({"at": string(json!({"format": "uuid"}))})));
    let new = answer(object(json!({"at": string(json!({}))})));
    only(&old, &new, "response.200.at", "response-format-removed", Breaks::CLIENTS);
}

#[test]
fn enum_values_by_direction() {
    let e = |values: Value| object(json!({"status": {"type": "string", "enum": values}}));
    only(
        &body(e(json!(["a", "b"]))),
        &body(e(json!(["a"]))),
        "body.status",
        "request-enum-value-removed",
        Breaks::CLIENTS,
    );
    only(
        &body(e(json!(["a"]))),
        &body(e(json!(["a", "b"]))),
        "body.status",
        "request-enum-value-added",
        Breaks::SERVERS,
    );
    // A value added to a closed response enum fails clients' parsers.
    only(
        &answer(e(json!(["a"]))),
        &answer(e(json!(["a", "b"]))),
        "response.200.status",
        "response-enum-value-added",
        Breaks::CLIENTS,
    );
    // An open status (x-known-values) documents values; adding one is compatible.
    let k = |values: Value| object(json!({"status": {"type": "string", "x-known-values": values}}));
    only(
        &answer(k(json!(["a"]))),
        &answer(k(json!(["a", "b"]))),
        "response.200.status x-known-values",
        "known-values-changed",
        Breaks::NONE,
    );
}

#[test]
fn types_and_nullability() {
    let t = |ty: &str| object(json!({"n": {"type": ty}}));
    only(&body(t("integer")), &body(t("string")), "body.n", "request-type-changed", Breaks::BOTH);
    only(
        &body(t("integer")),
        &body(t("number")),
        "body.n",
        "request-type-changed",
        Breaks::SERVERS,
    );
    only(
        &answer(t("integer")),
        &answer(t("number")),
        "response.200.n",
        "response-type-changed",
        Breaks::CLIENTS,
    );
    let n = answer(object(json!({"n": {"type": "string", "nullable": true}})));
    only(&answer(t("string")), &n, "response.200.n", "response-nullable-changed", Breaks::CLIENTS);
}

#[test]
fn properties_added_removed_and_required() {
    let one = object(json!({"a": string(json!({}))}));
    let two = object(json!({"a": string(json!({})), "b": string(json!({}))}));
    only(
        &answer(two.clone()),
        &answer(one.clone()),
        "response.200.b",
        "response-property-removed",
        Breaks::CLIENTS,
    );
    only(
        &answer(one.clone()),
        &answer(two.clone()),
        "response.200.b",
        "response-property-added",
        Breaks::NONE,
    );
    only(
        &body(one.clone()),
        &body(two.clone()),
        "body.b",
        "request-property-added",
        Breaks::SERVERS,
    );
    only(
        &body(two.clone()),
        &body(one.clone()),
        "body.b",
        "request-property-removed",
        Breaks::CLIENTS,
    );
    let mut required_two = two.clone();
    required_two["required"] = json!(["b"]);
    only(
        &body(one.clone()),
        &body(required_two.clone()),
        "body.b",
        "request-property-added-required",
        Breaks::BOTH,
    );
    only(
        &body(two.clone()),
        &body(required_two.clone()),
        "body.b",
        "request-property-became-required",
        Breaks::CLIENTS,
    );
    // A response field that is no longer always there breaks clients relying on it.
    only(
        &answer(required_two.clone()),
        &answer(two.clone()),
        "response.200.b",
        "response-property-became-optional",
        Breaks::CLIENTS,
    );
    only(
        &answer(two),
        &answer(required_two),
        "response.200.b",
        "response-property-became-required",
        Breaks::SERVERS,
    );
}

#[test]
fn parameters() {
    let p = |required: bool, schema: Value| json!([{"name": "limit", "in": "query", "required": required, "schema": schema}]);
    let int = json!({"type": "integer"});
    only(
        &params(json!([])),
        &params(p(false, int.clone())),
        "query.limit",
        "request-parameter-added",
        Breaks::SERVERS,
    );
    only(
        &params(json!([])),
        &params(p(true, int.clone())),
        "query.limit",
        "request-parameter-added-required",
        Breaks::BOTH,
    );
    only(
        &params(p(false, int.clone())),
        &params(json!([])),
        "query.limit",
        "request-parameter-removed",
        Breaks::CLIENTS,
    );
    only(
        &params(p(false, int.clone())),
        &params(p(true, int.clone())),
        "query.limit",
        "request-parameter-became-required",
        Breaks::CLIENTS,
    );
    only(
        &params(p(true, int.clone())),
        &params(p(false, int.clone())),
        "query.limit",
        "request-parameter-became-optional",
        Breaks::SERVERS,
    );
    only(
        &params(p(false, int.clone())),
        &params(p(false, json!({"type": "integer", "maximum": 100}))),
        "query.limit",
        "request-max-set",
        Breaks::CLIENTS,
    );
    let exploded = json!([{"name": "limit", "in": "query", "explode": false, "schema": int}]);
    only(
        &params(p(false, json!({"type": "integer"}))),
        &params(exploded),
        "query.limit",
        "request-parameter-serialization-changed",
        Breaks::BOTH,
    );
}

#[test]
fn changes_behind_refs_and_all_of_are_found_at_every_use() {
    let schemas = |max: u64| {
        json!({
            "Name": {"type": "string", "maxLength": max},
            "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {"label": {"$ref": "#/components/schemas/Name"}}},
            "Base": {"type": "object", "properties": {"name": {"$ref": "#/components/schemas/Name"}}}
        })
    };
    let thing = json!({"$ref": "#/components/schemas/Thing"});
    let old = doc(json!([]), thing.clone(), thing.clone(), schemas(255));
    let new = doc(json!([]), thing.clone(), thing, schemas(100));
    let mut found: Vec<(String, String, Breaks)> =
        diff(&old, &new).into_iter().map(|c| (c.location, c.rule, c.breaks)).collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        vec![
            ("body.label".into(), "request-max-length-decreased".into(), Breaks::CLIENTS),
            ("body.name".into(), "request-max-length-decreased".into(), Breaks::CLIENTS),
            ("response.200.label".into(), "response-max-length-decreased".into(), Breaks::SERVERS),
            ("response.200.name".into(), "response-max-length-decreased".into(), Breaks::SERVERS),
        ]
    );
}

#[test]
fn recursive_schemas_end() {
    let schemas = |t: &str| {
        json!({"Node": {"type": "object", "properties": {
            "id": {"type": t},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
        }}})
    };
    let node = json!({"$ref": "#/components/schemas/Node"});
    let old = doc(json!([]), json!({"type": "object"}), node.clone(), schemas("string"));
    let new = doc(json!([]), json!({"type": "object"}), node, schemas("integer"));
    only(&old, &new, "response.200.id", "response-type-changed", Breaks::BOTH);
}

#[test]
fn one_of_variants() {
    let lenient =
        json!({"oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^-?[0-9]+$"}]});
    let old = answer(object(json!({"n": {"type": "integer"}})));
    let new = answer(object(json!({"n": lenient.clone()})));
    // The number may now come as a string: clients must parse more.
    only(&old, &new, "response.200.n", "response-variant-added", Breaks::CLIENTS);
    let refs = |names: &[&str]| {
        let branches: Vec<Value> =
            names.iter().map(|n| json!({"$ref": format!("#/components/schemas/{n}")})).collect();
        doc(
            json!([]),
            json!({"oneOf": branches}),
            json!({"type": "object"}),
            json!({"A": object(json!({})), "B": object(json!({}))}),
        )
    };
    only(&refs(&["A", "B"]), &refs(&["A"]), "body", "request-variant-removed", Breaks::CLIENTS);
    only(&refs(&["A"]), &refs(&["A", "B"]), "body", "request-variant-added", Breaks::SERVERS);
}

#[test]
fn additional_properties_and_defaults() {
    let closed = body(json!({"type": "object", "additionalProperties": false}));
    only(
        &body(json!({"type": "object"})),
        &closed,
        "body",
        "request-additional-properties-changed",
        Breaks::CLIENTS,
    );
    let d = |v: u64| body(object(json!({"limit": {"type": "integer", "default": v}})));
    only(&d(1000), &d(100), "body.limit", "request-default-changed", Breaks::BOTH);
    let r = |v: u64| answer(object(json!({"limit": {"type": "integer", "default": v}})));
    only(&r(1000), &r(100), "response.200.limit", "response-default-changed", Breaks::NONE);
}

#[test]
fn statuses_and_bodies() {
    let d = body(json!({"type": "object"}));
    let mut added = d.clone();
    added["paths"]["/things/{id}"]["post"]["responses"]["202"] = json!({"description": "accepted"});
    only(&d, &added, "response.202", "response-success-status-added", Breaks::CLIENTS);
    let mut error = d.clone();
    error["paths"]["/things/{id}"]["post"]["responses"]["409"] = json!({"description": "conflict"});
    only(&d, &error, "response.409", "response-error-status-added", Breaks::NONE);
    only(&error, &d, "response.409", "response-status-removed", Breaks::SERVERS);
    let mut optional = d.clone();
    optional["paths"]["/things/{id}"]["post"]["requestBody"]["required"] = json!(false);
    only(&d, &optional, "body", "request-body-became-optional", Breaks::SERVERS);
}

fn pattern(rule: Value) -> Value {
    body(object(json!({"pattern": {"type": "string", "x-rrule": rule}})))
}

#[test]
fn x_rrule_rules() {
    let rule = |freq: Value, hours: Value, times: u64, interval: u64| {
        json!({
            "parameters": {"FREQ": {"required": true, "values": freq}, "BYHOUR": {"list": true, "range": hours}},
            "max_times_per_day": times, "min_interval_minutes": interval
        })
    };
    let base = rule(json!(["WEEKLY", "DAILY"]), json!([0, 23]), 24, 60);
    only(
        &pattern(base.clone()),
        &pattern(rule(json!(["WEEKLY"]), json!([0, 23]), 24, 60)),
        "body.pattern x-rrule.parameters.FREQ",
        "request-rrule-value-removed",
        Breaks::CLIENTS,
    );
    only(
        &pattern(base.clone()),
        &pattern(rule(json!(["WEEKLY", "DAILY", "HOURLY"]), json!([0, 23]), 24, 60)),
        "body.pattern x-rrule.parameters.FREQ",
        "request-rrule-value-added",
        Breaks::SERVERS,
    );
    only(
        &pattern(base.clone()),
        &pattern(rule(json!(["WEEKLY", "DAILY"]), json!([6, 23]), 24, 60)),
        "body.pattern x-rrule.parameters.BYHOUR.range[0]",
        "request-rrule-range-min-changed",
        Breaks::CLIENTS,
    );
    only(
        &pattern(base.clone()),
        &pattern(rule(json!(["WEEKLY", "DAILY"]), json!([0, 23]), 12, 60)),
        "body.pattern x-rrule.max_times_per_day",
        "request-rrule-max-times-per-day-changed",
        Breaks::CLIENTS,
    );
    only(
        &pattern(base.clone()),
        &pattern(rule(json!(["WEEKLY", "DAILY"]), json!([0, 23]), 24, 30)),
        "body.pattern x-rrule.min_interval_minutes",
        "request-rrule-min-interval-changed",
        Breaks::SERVERS,
    );
}

#[test]
fn x_sort_rules() {
    let sort = |keys: Value, direction: &str| {
        params(json!([{"name": "sort", "in": "query", "schema": {"type": "string"},
        "x-sort": {"keys": keys, "default_direction": direction, "max_length": 255}}]))
    };
    only(
        &sort(json!(["id", "name"]), "desc"),
        &sort(json!(["id"]), "desc"),
        "query.sort x-sort.keys",
        "request-sort-key-removed",
        Breaks::CLIENTS,
    );
    only(
        &sort(json!(["id"]), "desc"),
        &sort(json!(["id", "name"]), "desc"),
        "query.sort x-sort.keys",
        "request-sort-key-added",
        Breaks::SERVERS,
    );
    only(
        &sort(json!(["id"]), "desc"),
        &sort(json!(["id"]), "asc"),
        "query.sort x-sort.default_direction",
        "sort-default-direction-changed",
        Breaks::BOTH,
    );
    // A member the rule does not read yet (the lead's `default`) is compared like an
    // unknown extension.
    let mut with_default = sort(json!(["id"]), "desc");
    with_default["paths"]["/things/{id}"]["post"]["parameters"][0]["x-sort"]["default"] =
        json!("id:desc");
    only(
        &sort(json!(["id"]), "desc"),
        &with_default,
        "query.sort x-sort.default",
        "extension-added",
        Breaks::SERVERS,
    );
}

#[test]
fn response_links_are_behaviour() {
    let d = body(json!({"type": "object"}));
    let mut linked = d.clone();
    linked["paths"]["/things/{id}"]["post"]["responses"]["200"]["links"] = json!({"showThing": {"operationId": "showThing", "parameters": {"id": "$response.body#/id"}}});
    only(&d, &linked, "response.200 links", "extension-added", Breaks::SERVERS);
    only(&linked, &d, "response.200 links", "extension-removed", Breaks::CLIENTS);
}

#[test]
fn x_unique_items_by_and_unknown_extensions() {
    let list = |ext: Value| {
        let mut s = json!({"type": "array", "items": object(json!({"id": {"type": "string"}}))});
        s.as_object_mut().unwrap().extend(ext.as_object().unwrap().clone());
        body(object(json!({"tags": s})))
    };
    only(
        &list(json!({})),
        &list(json!({"x-unique-items-by": "id"})),
        "body.tags x-unique-items-by",
        "request-unique-items-by-changed",
        Breaks::CLIENTS,
    );
    // A behaviour rule the tool does not know (the lead's filter and paging rules): added
    // breaks implementations, removed breaks clients, a changed value breaks both.
    let filter = |ext: Value| {
        params(
            json!([{"name": "name", "in": "query", "schema": {"type": "string"}, "x-filter": ext}]),
        )
    };
    let none = params(json!([{"name": "name", "in": "query", "schema": {"type": "string"}}]));
    only(
        &none,
        &filter(json!({"match": "fuzzy"})),
        "query.name x-filter",
        "extension-added",
        Breaks::SERVERS,
    );
    only(
        &filter(json!({"match": "fuzzy"})),
        &none,
        "query.name x-filter",
        "extension-removed",
        Breaks::CLIENTS,
    );
    only(
        &filter(json!({"match": "fuzzy"})),
        &filter(json!({"match": "exact"})),
        "query.name x-filter.match",
        "extension-changed",
        Breaks::BOTH,
    );
    let mut paged = body(json!({"type": "object"}));
    paged["paths"]["/things/{id}"]["post"]["x-pagination"] =
        json!({"style": "marker", "sizes": [10, 100]});
    let mut repaged = paged.clone();
    repaged["paths"]["/things/{id}"]["post"]["x-pagination"]["sizes"] = json!([10]);
    only(&paged, &repaged, "x-pagination.sizes", "extension-value-removed", Breaks::BOTH);
}

#[test]
fn x_error_codes() {
    let table = |rows: Value| {
        let mut d = body(json!({"type": "object"}));
        d["x-error-codes"] = rows;
        d
    };
    let row = |code: &str, status: u64, message: &str| json!({"code": code, "status": status, "message": message});
    let base = table(json!([row("CSBS.9007", 400, "duplicate service name")]));
    only(
        &base,
        &table(json!([])),
        "x-error-codes.CSBS.9007",
        "error-code-removed",
        Breaks::SERVERS,
    );
    only(&table(json!([])), &base, "x-error-codes.CSBS.9007", "error-code-added", Breaks::NONE);
    only(
        &base,
        &table(json!([row("CSBS.9007", 409, "duplicate service name")])),
        "x-error-codes.CSBS.9007",
        "error-code-status-changed",
        Breaks::BOTH,
    );
    only(
        &base,
        &table(json!([row("CSBS.9007", 400, "name in use")])),
        "x-error-codes.CSBS.9007",
        "error-code-text-changed",
        Breaks::NONE,
    );
}

#[test]
fn documentation_is_compatible() {
    let old = answer(object(json!({"n": {"type": "string", "description": "A"}})));
    let new =
        answer(object(json!({"n": {"type": "string", "description": "B", "x-decision": "why"}})));
    let changes = diff(&old, &new);
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert!(changes.iter().all(|c| c.breaks == Breaks::NONE));
}

#[test]
fn the_real_spec_reports_a_narrowed_name_at_every_operation_using_it() {
    let old = csbs_spec::Service::Csbs.document().clone();
    let mut new = old.clone();
    new["components"]["schemas"]["Name"]["maxLength"] = json!(100);
    let changes = diff(&old, &new);
    let operations: std::collections::BTreeSet<&str> =
        changes.iter().filter_map(|c| c.operation.as_deref()).collect();
    assert_eq!(
        operations,
        ["createPolicy", "protectResource", "updatePolicy"].into_iter().collect()
    );
    assert!(changes
        .iter()
        .all(|c| c.rule == "request-max-length-decreased" && c.breaks == Breaks::CLIENTS));
    assert!(changes.iter().any(|c| c.location == "body.policy.scheduled_operations[].name"));
}

#[test]
fn the_changelog_acknowledges_breaking_changes_by_subject() {
    let old = body(object(json!({"name": string(json!({"maxLength": 255}))})));
    let new = body(object(json!({"name": string(json!({"maxLength": 100}))})));
    let changes = diff(&old, &new);
    use csbs_generator::diff::release::unacknowledged;
    assert_eq!(unacknowledged(&changes, "### Breaking\n- nothing yet\n").len(), 1);
    assert!(unacknowledged(
        &changes,
        "### Breaking\n- `createThing`: name at most 100 characters\n"
    )
    .is_empty());
    let log = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/CHANGELOG.md"))
        .expect("spec/CHANGELOG.md");
    let parsed = csbs_generator::diff::release::parse(&log);
    let base = parsed.baseline.expect("spec/CHANGELOG.md records the release commit");
    assert_eq!(base.len(), 40, "a full commit hash: {base}");
}

fn run(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_csbs-generator"))
        .args(args)
        .output()
        .expect("the generator runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn the_command_exits_by_what_breaks_and_what_the_changelog_acknowledges() {
    let dir = std::env::temp_dir().join(format!("csbs-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: String| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let old = write(
        "old.json",
        body(object(json!({"name": string(json!({"maxLength": 255}))}))).to_string(),
    );
    let new = write(
        "new.json",
        body(object(json!({"name": string(json!({"maxLength": 100}))}))).to_string(),
    );
    assert_eq!(run(&["diff", &old, &old]).0, 0);
    assert_eq!(run(&["diff", &old, &new]).0, 1);
    let silent = write("silent.md", "## Unreleased\n\n## 0.1.0\n".to_owned());
    let (code, err) = run(&["diff", &old, &new, "--changelog", &silent]);
    assert_eq!(code, 1);
    assert!(err.contains("`createThing`"), "{err}");
    let noted =
        write("noted.md", "## Unreleased\n\n- `createThing`: name at most 100\n".to_owned());
    assert_eq!(run(&["diff", &old, &new, "--changelog", &noted]).0, 0);
    let (code, err) = run(&["diff", &old, "/nonexistent/new.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/new.yaml"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! The behaviour extensions (`x-filter`, `x-pagination`, `x-count-of`, `links`, `x-echo`,
//! `x-domain-errors`, `x-usage`, `x-sort`) name properties, parameters and operations that
//! exist: a renamed field breaks this test, not a run.

use csbs_spec::behaviour::{
    binding, cbr_status_view, count_of, domain_errors, filters, first_backup, leaves, links,
    pagination, protectable, response_echo, response_keeps, retention, subset, usage, Echo, Expr,
    FilterRule, Same, UsageKind,
};
use csbs_spec::document::deref;
use csbs_spec::operations::{all_operations, find_operation};
use csbs_spec::{Location, Operation};
use serde_json::Value;
use std::collections::BTreeSet;

/// The schema at `pointer` below `schema` (`*` and indexes step into `items`; `allOf` and
/// `$ref` are followed), or `None` when the schema has no such property.
fn schema_at(doc: &'static Value, schema: &'static Value, pointer: &str) -> Option<&'static Value> {
    let mut here = deref(doc, schema);
    for segment in pointer.split('/').skip(1) {
        here = step(doc, here, segment)?;
    }
    Some(here)
}

fn step(doc: &'static Value, schema: &'static Value, segment: &str) -> Option<&'static Value> {
    let schema = deref(doc, schema);
    let numeric = segment == "*" || segment.bytes().all(|b| b.is_ascii_digit());
    if numeric {
        if let Some(items) = schema.get("items") {
            return Some(deref(doc, items));
        }
    } else if let Some(p) = schema.get("properties").and_then(|p| p.get(segment)) {
        return Some(deref(doc, p));
    }
    ["allOf", "oneOf", "anyOf"].iter().find_map(|key| {
        schema.get(*key).and_then(Value::as_array)?.iter().find_map(|s| step(doc, s, segment))
    })
}

fn response_schema(op: &Operation) -> &'static Value {
    let schema = op.responses.get(&op.success_status()).cloned().flatten().expect("a success body");
    Box::leak(Box::new(schema))
}

fn request_schema(op: &Operation) -> Option<&'static Value> {
    op.request_body.as_ref().map(|(_, s)| &*Box::leak(Box::new(s.clone())))
}

/// The schema of one item of a list operation's answer.
fn item_schema(list: &Operation) -> &'static Value {
    let doc = list.service.document();
    let paging = pagination(list).unwrap_or_else(|| panic!("{} has no x-pagination", list.id));
    let array = schema_at(doc, response_schema(list), &paging.items).expect("the items exist");
    deref(doc, array.get("items").expect("an array"))
}

fn check_request_expr(op: &Operation, expr: &Expr, what: &str) {
    let doc = op.service.document();
    match expr {
        Expr::RequestPath(name) => {
            assert!(op.parameter(Location::Path, name).is_some(), "{what}: no path {name}")
        }
        Expr::RequestQuery(name) => {
            assert!(op.parameter(Location::Query, name).is_some(), "{what}: no query {name}")
        }
        Expr::RequestBody(pointer) => {
            let body =
                request_schema(op).unwrap_or_else(|| panic!("{what}: {} has no body", op.id));
            assert!(schema_at(doc, body, pointer).is_some(), "{what}: no body {pointer}");
        }
        Expr::ResponseBody(pointer) => {
            assert!(
                schema_at(doc, response_schema(op), pointer).is_some(),
                "{what}: no response {pointer}"
            )
        }
    }
}

fn check_echo(source: &Operation, target: &Operation, echo: &Echo, what: &str) {
    let doc = target.service.document();
    let objects = schema_at(doc, response_schema(target), &echo.objects)
        .unwrap_or_else(|| panic!("{what}: {} answers nothing at {}", target.id, echo.objects));
    for field in &echo.fields {
        check_request_expr(source, &field.request, what);
        assert!(
            schema_at(doc, objects, &field.property).is_some(),
            "{what}: objects have no {}",
            field.property
        );
    }
}

#[test]
fn filters_name_properties_of_the_items_listed() {
    let mut checked = 0;
    for op in all_operations() {
        let list = match count_of(op) {
            Some(count) => find_operation(&count.operation).expect("the counted list exists"),
            None => op,
        };
        for filter in filters(op) {
            let what = format!("{} {}", op.id, filter.parameter.name);
            match &filter.rule {
                FilterRule::Property { property, .. } => {
                    let doc = list.service.document();
                    assert!(
                        schema_at(doc, item_schema(list), property).is_some(),
                        "{what}: no item {property}"
                    );
                }
                FilterRule::MadeBy { made_by } => {
                    let maker = find_operation(&made_by.operation).expect("the maker exists");
                    check_request_expr(maker, &made_by.value, &what);
                }
                FilterRule::Unchecked { unchecked } => assert!(!unchecked.is_empty(), "{what}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} filters");
}

#[test]
fn sort_keys_name_properties_of_the_items() {
    for op in all_operations().filter(|op| pagination(op).is_some()) {
        let rule = op
            .parameter(Location::Query, "sort")
            .and_then(|p| p.extension("x-sort"))
            .expect("x-sort");
        let rule = csbs_spec::rules::SortRule::from_extension(rule).unwrap();
        assert!(rule.default.is_some(), "{} has no default order", op.id);
        for key in &rule.keys {
            if let Some(property) = rule.property(key) {
                let doc = op.service.document();
                assert!(
                    schema_at(doc, item_schema(op), &property).is_some(),
                    "{} sorts by {key}",
                    op.id
                );
            }
        }
        let paging = pagination(op).unwrap();
        for name in [Some(&paging.limit), Some(&paging.marker), paging.offset.as_ref()]
            .into_iter()
            .flatten()
        {
            assert!(op.parameter(Location::Query, name).is_some(), "{} pages by {name}", op.id);
        }
    }
}

#[test]
fn links_and_echoes_name_what_exists() {
    let (mut echoes, mut sames) = (0, 0);
    for op in all_operations() {
        if let Some(echo) = response_echo(op) {
            check_echo(op, op, &echo, &format!("{} x-echo", op.id));
            echoes += 1;
        }
        for link in links(op) {
            let what = format!("{} link {}", op.id, link.name);
            for (name, expr) in &link.parameters {
                assert!(
                    link.operation.parameters.iter().any(|p| &p.name == name),
                    "{what}: no parameter {name}"
                );
                check_request_expr(op, expr, &what);
            }
            if let Some(echo) = &link.echo {
                check_echo(op, link.operation, echo, &what);
                echoes += 1;
            }
            if let Some(same) = &link.same {
                check_same(op, link.operation, same, &what);
                sames += 1;
            }
        }
    }
    assert!(echoes >= 9, "{echoes} echoes");
    let update = find_operation("updatePolicy").expect("documented");
    let keeps = response_keeps(update).expect("updatePolicy keeps what it does not send");
    let doc = update.service.document();
    assert!(schema_at(doc, response_schema(update), &keeps.objects).is_some(), "x-keeps objects");
    check_request_expr(update, &keeps.unsent, "updatePolicy x-keeps");
    assert!(links(update)
        .iter()
        .any(|l| l.echo.as_ref().is_some_and(|e| e.objects == keeps.objects)));
    assert_eq!(sames, 2, "listBackups and listPolicies link their items to their shows");
}

/// `x-same`: the objects are the list's items, the shown object is in the show's answer, and
/// every `except` member exists in both.
fn check_same(list: &Operation, show: &Operation, same: &Same, what: &str) {
    let doc = list.service.document();
    let paging = pagination(list).unwrap_or_else(|| panic!("{what}: x-same on a non-list"));
    assert_eq!(same.objects, format!("{}/*", paging.items), "{what}: objects");
    let shown = schema_at(doc, response_schema(show), &same.shown)
        .unwrap_or_else(|| panic!("{what}: {} is not in {}'s answer", same.shown, show.id));
    for pointer in &same.except {
        assert!(schema_at(doc, item_schema(list), pointer).is_some(), "{what}: listed {pointer}");
        assert!(schema_at(doc, shown, pointer).is_some(), "{what}: shown {pointer}");
    }
}

#[test]
fn domain_errors_and_usage_name_what_exists() {
    for op in all_operations() {
        for error in domain_errors(op) {
            check_request_expr(op, &error.value, &format!("{} x-domain-errors", op.id));
        }
        for row in usage(op) {
            let list = find_operation(&row.operation).expect("the counted list exists");
            if let UsageKind::Sums { sums, .. } = &row.kind {
                assert!(
                    schema_at(list.service.document(), item_schema(list), sums).is_some(),
                    "{sums}"
                );
            }
        }
    }
}

/// `x-view-of` on the CBR backup status names an operation, a path parameter and a status
/// that exist, maps every status the CSBS document knows (and nothing else), and each to a
/// status the CBR document knows.
#[test]
fn the_cbr_status_view_maps_every_csbs_status() {
    let view = cbr_status_view();
    let show = find_operation(&view.operation).expect("the viewed operation exists");
    assert!(show.parameter(Location::Path, &view.parameter).is_some(), "{}", view.parameter);
    let doc = show.service.document();
    let status = schema_at(doc, response_schema(show), &view.property).expect("the status exists");
    let known = |schema: &Value| -> Vec<String> {
        serde_json::from_value(schema["x-known-values"].clone()).expect("x-known-values")
    };
    let csbs: BTreeSet<String> = known(status).into_iter().collect();
    assert_eq!(view.statuses.keys().cloned().collect::<BTreeSet<_>>(), csbs);
    let cbr = csbs_spec::Service::Cbr.document();
    let shown = known(&cbr["components"]["schemas"]["BackupResp"]["properties"]["status"]);
    for (from, to) in &view.statuses {
        assert!(to.as_ref().is_none_or(|s| shown.contains(s)), "{from} -> {to:?}");
    }
    // Its `instants` pair a CBR backup member with a member of the show, both times.
    assert!(!view.instants.is_empty());
    let backup = &cbr["components"]["schemas"]["BackupResp"];
    for (cbr_member, csbs_member) in &view.instants {
        let theirs = schema_at(cbr, backup, cbr_member).expect("the CBR member exists");
        let ours = schema_at(doc, response_schema(show), csbs_member).expect("the member exists");
        for (time, doc) in [(theirs, cbr), (ours, doc)] {
            assert_eq!(deref(doc, time)["format"], "service-datetime", "{cbr_member}");
        }
    }
}

/// `x-binding`, `x-subset`, `x-leaves`, `x-protectable`, `x-first-backup` and `x-retention`
/// name request values, answer properties, operations and members that exist.
#[test]
fn bindings_subsets_and_retention_name_what_exists() {
    for op in all_operations() {
        let what = |name: &str| format!("{} {name}", op.id);
        if let Some(rule) = binding(op) {
            check_request_expr(op, &rule.policy, &what("x-binding"));
            if let Some(servers) = &rule.servers {
                check_request_expr(op, servers, &what("x-binding"));
            }
        }
        if let Some(rule) = subset(op) {
            check_request_expr(op, &rule.of, &what("x-subset"));
            check_request_expr(op, &rule.chosen, &what("x-subset"));
            if let Some(made) = &rule.made {
                check_request_expr(op, made, &what("x-subset"));
            }
        }
        if let Some(rule) = leaves(op) {
            let list = find_operation(&rule.operation).expect("x-leaves names a list");
            for (name, expr) in &rule.query {
                check_request_expr(op, expr, &what("x-leaves"));
                assert!(
                    list.parameter(Location::Query, name).is_some(),
                    "{}: {} has no parameter {name}",
                    what("x-leaves"),
                    list.id
                );
            }
        }
        if let Some(rule) = protectable(op) {
            check_request_expr(op, &rule.asked, &what("x-protectable"));
            let doc = op.service.document();
            let items = schema_at(doc, response_schema(op), &format!("{}/*", rule.answers))
                .unwrap_or_else(|| {
                    panic!("{}: no answer items at {}", what("x-protectable"), rule.answers)
                });
            for pointer in [&rule.resource, &rule.result, &rule.code] {
                assert!(schema_at(doc, items, pointer).is_some(), "x-protectable: no {pointer}");
            }
            assert!(
                csbs_spec::catalogue::error_codes(op.service).iter().any(|c| c.code == rule.bound),
                "x-protectable names {}, which is not in x-error-codes",
                rule.bound
            );
        }
        if let Some(rule) = first_backup(op) {
            for expr in [&rule.of, &rule.asked, &rule.made] {
                check_request_expr(op, expr, &what("x-first-backup"));
            }
            for view in &rule.shown {
                let list = find_operation(&view.operation)
                    .unwrap_or_else(|| panic!("x-first-backup: no operation {}", view.operation));
                let filter = list.parameter(Location::Query, &view.filter);
                assert!(filter.is_some(), "x-first-backup: {} has no {}", list.id, view.filter);
                let doc = list.service.document();
                let shown = schema_at(doc, item_schema(list), &view.property);
                assert!(shown.is_some(), "x-first-backup: no {} in {}", view.property, list.id);
            }
        }
    }
    let definition = csbs_spec::Service::Csbs
        .document()
        .pointer("/components/schemas/OperationDefinition")
        .expect("OperationDefinition");
    let rules = retention();
    assert!(!rules.rules.is_empty(), "x-retention is read");
    for rule in &rules.rules {
        assert!(
            definition["properties"].get(&rule.property).is_some(),
            "x-retention: no {}",
            rule.property
        );
        for op in &rule.applied_by {
            assert!(find_operation(op).is_some(), "x-retention: no operation {op}");
        }
    }
    for o in &rules.overrides {
        for member in o.ignores.iter().chain(o.when.keys().filter(|k| *k != "absent")) {
            assert!(definition["properties"].get(member).is_some(), "x-overrides: no {member}");
        }
    }
}

use csbs_spec::operations::{all_operations, operations};
use csbs_spec::surface;
use csbs_spec::Service;
use std::collections::BTreeSet;

#[test]
fn csbs_has_the_fourteen_documented_operations_and_cbr_two() {
    let pairs = |s: Service| -> BTreeSet<String> {
        operations(s).iter().map(|o| format!("{} {}", o.method, o.path)).collect()
    };
    assert_eq!(pairs(Service::Csbs).len(), 14, "{:#?}", pairs(Service::Csbs));
    assert_eq!(
        pairs(Service::Cbr),
        BTreeSet::from([
            "GET /v3/{project_id}/backups".to_owned(),
            "GET /v3/{project_id}/checkpoints/{checkpoint_id}".to_owned()
        ])
    );
}

#[test]
fn every_operation_is_identified_tagged_described_and_sourced() {
    let mut ids = BTreeSet::new();
    for op in all_operations() {
        assert!(ids.insert(op.id.clone()), "operationId {} is not unique", op.id);
        let raw = op.raw();
        for key in ["summary", "description"] {
            assert!(
                raw.get(key).and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty()),
                "{} lacks {key}",
                op.id
            );
        }
        assert!(!op.tag.is_empty(), "{} has no tag", op.id);
        assert!(raw.get("x-source").is_some(), "{} has no x-source", op.id);
        let statuses: BTreeSet<u16> = op.responses.keys().copied().collect();
        assert_eq!(statuses, BTreeSet::from([200, 400, 401, 403, 404, 429, 500, 503]), "{}", op.id);
    }
}

#[test]
fn the_shared_capability_path_serves_both_questions() {
    let op = csbs_spec::operations::find_operation("checkResourceCapabilities").unwrap();
    let sections: Vec<String> = op.raw()["x-sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["section"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        sections.iter().any(|s| s.starts_with("5.1.2"))
            && sections.iter().any(|s| s.starts_with("5.1.3"))
    );
}

#[test]
fn cbr_lists_backups_with_all_twenty_three_query_parameters() {
    let op = csbs_spec::operations::find_operation("listCbrBackups").unwrap();
    let query: Vec<&str> = op
        .parameters
        .iter()
        .filter(|p| p.location == csbs_spec::Location::Query)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(query.len(), 23, "{query:?}");
    let status = op.parameter(csbs_spec::Location::Query, "status").unwrap();
    assert!(
        status.explode && status.schema["type"] == "array",
        "status must be a repeatable array parameter"
    );
}

#[test]
fn api_surface() {
    for service in Service::ALL {
        insta::assert_snapshot!(format!("surface_{}", service.name()), surface::render(service));
    }
}

#[test]
fn the_routing_maps_concrete_paths_to_operations() {
    use csbs_spec::operations::route;
    let (op, params) = route("GET", "/v1/p1/checkpoint_items/count").unwrap();
    assert_eq!(op.id, "countBackups");
    assert_eq!(params.get("project_id"), Some("p1"));
    let (op, params) = route("get", "/v1/p1/checkpoint_items/abc%20d").unwrap();
    assert_eq!((op.id.as_str(), params.get("checkpoint_item_id")), ("showBackup", Some("abc d")));
    assert!(matches!(route("GET", "/v2/nothing"), Err(csbs_spec::RouteError::NotFound)));
    match route("PATCH", "/v1/p1/policies") {
        Err(csbs_spec::RouteError::MethodNotAllowed(allowed)) => {
            assert_eq!(allowed, vec!["GET", "POST"])
        }
        other => panic!("expected 405, got {:?}", other.map(|(o, _)| &o.id)),
    }
}

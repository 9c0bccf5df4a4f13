//! The body types against the documents: every documented request and 200 answer reads into
//! its operation's type without losing a member, so a member the types do not know (one the
//! spec renamed while the types were not regenerated) fails here.

use csbs_spec::{ExampleKind, Service};
use serde_json::{json, Value};

fn lost_members(service: Service, operation_id: &str, response: bool, body: &Value) -> Vec<String> {
    csbs_types::unknown_members(service.name(), operation_id, response, body)
        .unwrap_or_else(|e| vec![e])
}

#[test]
fn every_documented_body_reads_without_losing_a_member() {
    let mut read = 0;
    for example in csbs_spec::examples::all_examples() {
        let response = match example.kind {
            ExampleKind::Request => false,
            ExampleKind::Response(200) => true,
            _ => continue,
        };
        let Some(body) = &example.value else { continue };
        let lost = lost_members(example.service, &example.operation_id, response, body);
        assert!(lost.is_empty(), "{} {}: {lost:?}", example.operation_id, example.name);
        read += 1;
    }
    assert!(read >= 20, "only {read} documented bodies read");
}

#[test]
fn a_member_the_types_do_not_know_is_found() {
    // As if the spec had renamed `backup_name` (schema and example) and the types were stale.
    let body = json!({"protect": {"backup_title": "nightly", "incremental": true}});
    let lost = lost_members(Service::Csbs, "protectResource", false, &body);
    assert_eq!(lost, vec!["protect.backup_title"]);
}

#[test]
fn an_absent_member_stays_absent() {
    // A server must tell "left out" from a default: an update without `enabled` keeps it.
    let body = json!({"policy": {"scheduled_operations": [{"id": "op"}], "resources": []}});
    let sent: csbs_types::csbs::request::UpdatePolicy =
        serde::Deserialize::deserialize(&body).unwrap();
    let op = &sent.policy.scheduled_operations.as_ref().unwrap()[0];
    assert_eq!((op.id, op.enabled), ("op", None));
    assert_eq!(sent.policy.resources.as_deref().map(<[_]>::len), Some(0));
    assert_eq!(sent.policy.name, None);
}

#[test]
fn every_operation_of_the_spec_has_an_identifier_and_reads_its_parameters() {
    use csbs_types::operations::{ListCbrBackupsQuery, OperationId, ShowPolicyPath};
    let spec: Vec<&str> =
        csbs_spec::operations::all_operations().map(|op| op.id.as_str()).collect();
    let typed: Vec<&str> = OperationId::ALL.iter().map(|id| id.as_str()).collect();
    assert_eq!(spec, typed);
    for id in OperationId::ALL {
        assert_eq!(OperationId::from_id(id.as_str()), Some(id));
    }
    assert_eq!(OperationId::from_id("showPolcy"), None);
    fn pairs(values: &Value) -> impl Iterator<Item = (&str, &Value)> {
        values.as_object().unwrap().iter().map(|(name, value)| (name.as_str(), value))
    }
    let path = json!({"project_id": "p", "policy_id": "x"});
    assert_eq!(
        ShowPolicyPath::read(pairs(&path)),
        ShowPolicyPath { project_id: "p", policy_id: "x" }
    );
    // Names the operation lacks are ignored; absent parameters read as absent.
    let query = json!({"status": ["available", "error"], "limit": 2, "dec": true, "other": 1});
    let read = ListCbrBackupsQuery::read(pairs(&query));
    assert_eq!(
        (read.status, read.limit, read.dec, read.marker),
        (vec!["available", "error"], Some(2), Some(true), None)
    );
}

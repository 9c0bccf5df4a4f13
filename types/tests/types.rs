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

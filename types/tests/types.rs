//! The body types against the documents: every documented request and 200 answer reads into
//! its operation's type without losing a member, so a member the types do not know (one the
//! spec renamed while the types were not regenerated) fails here.

use csbs_spec::{ExampleKind, Service};
use serde_json::{json, Value};

/// The paths of every member of `value` (`protect.backup_name`, `policies[0].id`) but those
/// that are null (an absent optional member reads as null too).
fn member_paths(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter().filter(|(_, m)| !m.is_null()) {
                let path = if at.is_empty() { name.clone() } else { format!("{at}.{name}") };
                member_paths(member, &path, out);
                out.push(path);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                member_paths(item, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The members of `body` that do not survive reading it as the `operation_id` body type of
/// `service` (the wire types write `"20"` back as `20`: values may change, members may not).
fn lost_members(service: Service, operation_id: &str, response: bool, body: &Value) -> Vec<String> {
    let reread = match service {
        Service::Csbs => csbs_types::csbs::reread(operation_id, response, body),
        Service::Cbr => csbs_types::cbr::reread(operation_id, response, body),
    };
    let written = match reread {
        None => return vec![format!("{operation_id} has no body type")],
        Some(Err(e)) => return vec![format!("does not read: {e}")],
        Some(Ok(written)) => written,
    };
    let (mut sent, mut kept) = (Vec::new(), Vec::new());
    member_paths(body, "", &mut sent);
    member_paths(&written, "", &mut kept);
    sent.into_iter().filter(|p| !kept.contains(p)).collect()
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

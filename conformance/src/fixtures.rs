//! Bodies of the requests the runner makes itself (policies, backups, policy runs, restores),
//! built as the generated request types of `csbs-types` (the ones the mock reads), so that a
//! member renamed or removed in the spec breaks the runner's build as it breaks the mock's;
//! valid by construction and made from the spec: the provider ID its enum fixes, a schedule
//! rendered with its `x-rrule` rule. No other module writes a request body by hand (a test
//! holds every module to it).

use csbs_spec::behaviour::provider_id;
use csbs_spec::operations::find_operation;
use csbs_spec::rules::RruleRule;
use csbs_spec::Service;
use csbs_types::csbs::{self as types, request};
use serde_json::{json, Value};

/// The weekly run of the runner's policies (they are created disabled and never run by
/// themselves).
const RRULE: &str = "FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27";

/// The CSBS provider ID (the one value the `provider_id` path parameter allows).
pub fn provider() -> String {
    find_operation("protectResource")
        .and_then(|op| provider_id(op, "provider_id"))
        .unwrap_or_default()
}

/// A schedule in the iCalendar form the spec's `x-rrule` describes.
pub fn schedule() -> String {
    schedule_at(RRULE)
}

/// The schedule of an RRULE (`FREQ=DAILY;BYHOUR=3;BYMINUTE=15`), in that form.
pub fn schedule_at(rrule: &str) -> String {
    let doc = Service::Csbs.document();
    let rule = doc
        .pointer("/components/schemas/SchedulePattern/x-rrule")
        .and_then(|v| RruleRule::from_extension(v).ok());
    match rule {
        Some(rule) => rule.render(rrule),
        None => format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{rrule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
    }
}

/// `body` as JSON (the request types hold only text, numbers and JSON values).
fn json_of(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The servers `ids` as a policy's resources.
fn resources(ids: &[String]) -> Vec<types::PolicyResource<'_>> {
    ids.iter()
        .map(|id| types::PolicyResource {
            id,
            type_: "OS::Nova::Server",
            name: id,
            extra_info: None,
        })
        .collect()
}

/// A disabled policy named `name` backing up `servers` (`createPolicy`).
pub fn policy(name: &str, description: &str, servers: &[String]) -> Value {
    let (provider, pattern) = (provider(), schedule());
    json_of(&request::CreatePolicy {
        policy: types::PolicyCreate {
            name,
            description: Some(description),
            provider_id: &provider,
            parameters: types::PolicyParameters { common: Some(json!({})) },
            resources: resources(servers),
            scheduled_operations: vec![types::ScheduledOperationCreate {
                enabled: false,
                operation_type: "backup",
                operation_definition: types::OperationDefinition {
                    max_backups: Some(1),
                    retention_duration_days: None,
                    permanent: None,
                    plan_id: None,
                    provider_id: None,
                },
                trigger: types::Trigger {
                    properties: types::TriggerProperties { pattern: &pattern },
                },
                description: None,
                name: None,
            }],
        },
    })
}

/// [`policy`] whose `operation_definition` also sends `member: true` (the spec's overriding
/// member, `permanent`) beside its `max_backups`.
pub fn policy_overridden(name: &str, description: &str, servers: &[String], member: &str) -> Value {
    let mut body = policy(name, description, servers);
    let definition = body.pointer_mut("/policy/scheduled_operations/0/operation_definition");
    if let Some(definition) = definition.and_then(Value::as_object_mut) {
        definition.insert(member.to_owned(), Value::Bool(true));
    }
    body
}

/// What a policy update changes (`updatePolicy`); `None` members are not sent.
#[derive(Default)]
pub struct PolicyChange<'a> {
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub servers: Option<&'a [String]>,
    /// The scheduled operation to change: its id, whether it is enabled, and its new RRULE.
    pub schedule: Option<(&'a str, bool, &'a str)>,
    /// The scheduled operation's retention to change: its id, `max_backups` and `permanent`
    /// (`None`: not sent).
    pub retention: Option<(&'a str, Option<i64>, Option<bool>)>,
    /// `retention_duration_days` sent with that retention (`None`: not sent).
    pub retention_days: Option<i64>,
}

/// The body of `change` (`updatePolicy`).
pub fn policy_update(change: &PolicyChange<'_>) -> Value {
    let pattern = change.schedule.map(|(_, _, rrule)| schedule_at(rrule));
    let id = change.schedule.map(|(id, ..)| id).or(change.retention.map(|(id, ..)| id));
    let scheduled = id.map(|id| {
        vec![types::ScheduledOperationUpdate {
            id,
            enabled: change.schedule.map(|(_, enabled, _)| enabled),
            trigger: pattern
                .as_deref()
                .map(|pattern| types::Trigger { properties: types::TriggerProperties { pattern } }),
            description: None,
            name: None,
            operation_definition: change.retention.map(|(_, max_backups, permanent)| {
                types::OperationDefinition {
                    max_backups,
                    retention_duration_days: change.retention_days,
                    permanent,
                    plan_id: None,
                    provider_id: None,
                }
            }),
        }]
    });
    json_of(&request::UpdatePolicy {
        policy: types::PolicyUpdate {
            name: change.name,
            description: change.description,
            parameters: None,
            resources: change.servers.map(resources),
            scheduled_operations: scheduled,
        },
    })
}

/// A one-off backup named `name` (`protectResource`).
pub fn protect(name: &str, description: Option<&str>) -> Value {
    json_of(&request::ProtectResource {
        protect: types::ProtectParam {
            backup_name: Some(name),
            description,
            incremental: None,
            resource_type: None,
            extra_info: None,
        },
    })
}

/// Can `servers` be backed up? (`checkResourceCapabilities`).
pub fn protectable_check(servers: &[String]) -> Value {
    let asked = servers
        .iter()
        .map(|s| types::ProtectableQuery { resource_id: s, resource_type: "OS::Nova::Server" })
        .collect();
    json_of(&types::CheckProtectableRequest { check_protectable: asked })
}

/// A run of policy `plan_id` (`executePolicy`).
pub fn policy_run(plan_id: &str) -> Value {
    json_of(&request::ExecutePolicy {
        checkpoint: types::CheckpointCreate {
            plan_id,
            parameters: types::CheckpointParameters { auto_trigger: None, resources: None },
        },
    })
}

/// A run of policy `plan_id` over the servers `chosen` only (`parameters.resources`).
pub fn policy_run_over(plan_id: &str, chosen: &[String]) -> Value {
    let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
    json_of(&request::ExecutePolicy {
        checkpoint: types::CheckpointCreate {
            plan_id,
            parameters: types::CheckpointParameters { auto_trigger: None, resources: Some(chosen) },
        },
    })
}

/// A backup to restore: its record, its id, its server, and each disk backup with the disk it
/// goes to.
pub struct Restore<'a> {
    pub checkpoint_id: &'a str,
    pub checkpoint_item_id: &'a str,
    pub server_id: &'a str,
    pub volumes: &'a [(String, String)],
}

/// Could `what` be restored? (`checkResourceCapabilities`, `check_restorable`).
pub fn restorable_check(what: &Restore<'_>) -> Value {
    let volumes = what
        .volumes
        .iter()
        .map(|(backup_id, volume_id)| types::VolumeMapping { backup_id, volume_id });
    json_of(&types::CheckRestorableRequest {
        check_restorable: vec![types::RestorableQuery {
            checkpoint_item_id: what.checkpoint_item_id,
            target: types::RestorableTarget {
                resource_id: what.server_id,
                resource_type: "OS::Nova::Server",
                volumes: volumes.collect(),
            },
        }],
    })
}

/// A restore of `what`, without starting the server (`createRestore`).
pub fn restore(what: &Restore<'_>) -> Value {
    let provider = provider();
    let volumes = what
        .volumes
        .iter()
        .map(|(backup_id, volume_id)| types::VolumeMapping { backup_id, volume_id });
    json_of(&request::CreateRestore {
        restore: types::RestoreCreate {
            checkpoint_id: what.checkpoint_id,
            provider_id: &provider,
            restore_target: None,
            parameters: types::RestoreParameters {
                checkpoint_item_id: what.checkpoint_item_id,
                power_on: false,
                targets: types::RestoreTargets {
                    server_id: what.server_id,
                    volumes: volumes.collect(),
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::validate::Contract;

    fn assert_valid(operation_id: &str, body: &Value) {
        let op = find_operation(operation_id).unwrap();
        let path: std::collections::BTreeMap<String, String> = op
            .parameters
            .iter()
            .filter(|p| p.location == csbs_spec::Location::Path)
            .map(|p| (p.name.clone(), provider_id(op, &p.name).unwrap_or_else(|| "x".into())))
            .collect();
        let compiled = Contract::global().operation(operation_id).unwrap();
        let no_query: [(String, String); 0] = [];
        let verdict = compiled.validate_request(&path, &no_query, Some(body));
        assert!(verdict.is_ok(), "{operation_id} {body}: {verdict:?}");
    }

    #[test]
    fn every_body_the_runner_builds_is_valid() {
        let servers = ["s1".to_owned()];
        assert_valid("createPolicy", &policy("n", "d", &servers));
        let renamed = PolicyChange { name: Some("n2"), ..PolicyChange::default() };
        assert_valid("updatePolicy", &policy_update(&renamed));
        let change = PolicyChange {
            description: Some("d2"),
            servers: Some(&servers),
            schedule: Some(("op", false, "FREQ=DAILY;BYHOUR=3;BYMINUTE=15")),
            ..PolicyChange::default()
        };
        let body = policy_update(&change);
        assert_valid("updatePolicy", &body);
        assert_eq!(body.pointer("/policy/scheduled_operations/0/enabled"), Some(&json!(false)));
        assert!(body.pointer("/policy/name").is_none(), "what is not changed is not sent");
        assert_valid("protectResource", &protect("b", Some("d")));
        assert_valid("executePolicy", &policy_run("plan"));
        assert_valid("executePolicy", &policy_run_over("plan", &servers));
        assert_valid("checkResourceCapabilities", &protectable_check(&servers));
        let kept =
            PolicyChange { retention: Some(("op", Some(1), Some(false))), ..Default::default() };
        let body = policy_update(&kept);
        assert_valid("updatePolicy", &body);
        assert_eq!(
            body.pointer("/policy/scheduled_operations/0/operation_definition"),
            Some(&json!({"max_backups": 1, "permanent": false}))
        );
        let volumes = [("vb".to_owned(), "v".to_owned())];
        let what = Restore {
            checkpoint_id: "c",
            checkpoint_item_id: "i",
            server_id: "s",
            volumes: &volumes,
        };
        assert_valid("createRestore", &restore(&what));
        assert_valid("checkResourceCapabilities", &restorable_check(&what));
        assert!(schedule().contains("RRULE:FREQ=WEEKLY"));
        assert_eq!(provider(), "fc4d5750-22e7-4798-8a46-f48f62c4c1da");
    }

    /// The build breaks on a renamed member only where a body is built through the generated
    /// types: no other module of the runner may write a request body as a JSON literal. The
    /// request bodies' top-level members (`policy`, `protect`, `checkpoint`, `restore`, ...)
    /// are read from the spec; what follows `#[cfg(test)]` in a file is a test's data.
    #[test]
    fn request_bodies_are_built_here_only() {
        let mut members = std::collections::BTreeSet::new();
        for op in csbs_spec::operations::all_operations() {
            let Some((_, schema)) = op.request_body.as_ref() else { continue };
            let schema = csbs_spec::document::deref(op.service.document(), schema);
            for name in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
                members.insert(name.0.clone());
            }
        }
        assert!(members.contains("protect") && members.contains("policy"), "{members:?}");
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        let mut folders = vec![src];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                if path.file_name().is_some_and(|n| n == "fixtures.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for member in &members {
                    if code.contains(&format!("json!({{\"{member}\"")) {
                        offenders.push(format!("{}: {member}", path.display()));
                    }
                }
            }
        }
        assert!(offenders.is_empty(), "request bodies written by hand: {offenders:?}");
    }
}

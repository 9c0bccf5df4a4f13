//! Bodies of the requests the runner makes itself (policies, backups), valid by construction
//! and made from the spec: the provider ID its enum fixes, a schedule rendered with its
//! `x-rrule` rule.

use csbs_spec::behaviour::provider_id;
use csbs_spec::operations::find_operation;
use csbs_spec::rules::RruleRule;
use csbs_spec::Service;
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

/// A disabled policy named `name` backing up `servers`.
pub fn policy(name: &str, description: &str, servers: &[String]) -> Value {
    let resources: Vec<Value> =
        servers.iter().map(|s| json!({"id": s, "type": "OS::Nova::Server", "name": s})).collect();
    json!({"policy": {
        "name": name, "description": description, "provider_id": provider(),
        "parameters": {"common": {}}, "resources": resources,
        "scheduled_operations": [{"enabled": false, "operation_type": "backup",
            "operation_definition": {"max_backups": 1},
            "trigger": {"properties": {"pattern": schedule()}}}]
    }})
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::validate::Contract;

    #[test]
    fn the_policy_body_is_valid() {
        let op = find_operation("createPolicy").unwrap();
        let body = policy("n", "d", &["s1".to_owned()]);
        let path = std::collections::BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
        let compiled = Contract::global().operation(&op.id).unwrap();
        let no_query: [(String, String); 0] = [];
        assert!(compiled.validate_request(&path, &no_query, Some(&body)).is_ok());
        assert!(schedule().contains("RRULE:FREQ=WEEKLY"));
        assert_eq!(provider(), "fc4d5750-22e7-4798-8a46-f48f62c4c1da");
    }
}

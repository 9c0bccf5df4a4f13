use csbs_spec::validate::Contract;
use csbs_spec::{Service, Violation};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const PROVIDER: &str = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";

#[test]
fn the_tests_provider_id_is_the_one_the_spec_fixes() {
    let op = csbs_spec::operations::find_operation("protectResource").unwrap();
    assert_eq!(csbs_spec::behaviour::provider_id(op, "provider_id").as_deref(), Some(PROVIDER));
}
const WEEKLY: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn policy(name: &str, pattern: &str) -> Value {
    json!({"policy": {
        "name": name, "provider_id": PROVIDER, "parameters": {"common": {}}, "resources": [],
        "scheduled_operations": [{"enabled": true, "operation_type": "backup",
            "operation_definition": {"max_backups": 20}, "trigger": {"properties": {"pattern": pattern}}}]
    }})
}

fn create(body: &Value) -> Result<(), Vec<Violation>> {
    let path = BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
    Contract::global()
        .operation("createPolicy")
        .unwrap()
        .validate_request(&path, &[] as &[(&str, &str)], Some(body))
        .map(|_| ())
}

fn list(query: &[(&str, &str)]) -> Result<(), Vec<Violation>> {
    let path = BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
    let query: Vec<(String, String)> =
        query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Contract::global()
        .operation("listBackups")
        .unwrap()
        .validate_request(&path, &query, None)
        .map(|_| ())
}

fn only(result: Result<(), Vec<Violation>>) -> Violation {
    let found = result.expect_err("expected a violation");
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap()
}

#[test]
fn a_valid_policy_passes() {
    assert_eq!(create(&policy("my-plan", WEEKLY)), Ok(()));
}

#[test]
fn each_broken_rule_is_named_with_field_and_value() {
    let v = only(create(&policy(&"a".repeat(256), WEEKLY)));
    assert_eq!((v.field.as_str(), v.rule.as_str()), ("body.policy.name", "maxLength"));
    let v = only(create(&policy("bad name!", WEEKLY)));
    assert_eq!(
        (v.field.as_str(), v.rule.as_str(), v.value.clone()),
        ("body.policy.name", "pattern", json!("bad name!"))
    );
    let v = only(create(&policy("ok", &WEEKLY.replace("BYHOUR=12", "BYHOUR=24"))));
    assert_eq!(
        (v.field.as_str(), v.rule.as_str()),
        ("body.policy.scheduled_operations[0].trigger.properties.pattern", "x-rrule")
    );
    assert!(v.message.contains("BYHOUR value `24`"), "{}", v.message);
    assert!(v
        .to_string()
        .starts_with("body.policy.scheduled_operations[0].trigger.properties.pattern: "));
}

#[test]
fn missing_required_fields_are_reported() {
    let mut body = policy("ok", WEEKLY);
    body["policy"].as_object_mut().unwrap().remove("provider_id");
    let v = only(create(&body));
    assert_eq!((v.field.as_str(), v.rule.as_str()), ("body.policy", "required"));
    assert!(v.message.contains("provider_id"));
}

#[test]
fn retention_is_minus_one_or_zero_to_99999() {
    for (value, ok) in [(-1, true), (0, true), (99999, true), (-2, false), (100000, false)] {
        let mut body = policy("ok", WEEKLY);
        body["policy"]["scheduled_operations"][0]["operation_definition"]
            ["retention_duration_days"] = json!(value);
        assert_eq!(create(&body).is_ok(), ok, "retention {value}");
    }
}

#[test]
fn query_values_are_typed_then_checked() {
    assert_eq!(
        list(&[("limit", "10"), ("sort", "created_at:asc,name"), ("status", "available")]),
        Ok(())
    );
    let v = only(list(&[("limit", "0")]));
    assert_eq!((v.field.as_str(), v.rule.as_str()), ("query.limit", "minimum"));
    let v = only(list(&[("limit", "ten")]));
    assert_eq!((v.field.as_str(), v.rule.as_str()), ("query.limit", "type"));
    assert_eq!(only(list(&[("sort", "size:asc")])).rule, "pattern");
    assert_eq!(only(list(&[("status", "sleeping")])).rule, "enum");
    assert_eq!(
        only(list(&[("start_time", "2017-02-30T01:00:00")])).rule,
        "format",
        "a day February lacks"
    );
    assert!(list(&[("start_time", "2017-13-45T01:00:00")])
        .unwrap_err()
        .iter()
        .any(|v| v.rule == "pattern"));
    assert_eq!(only(list(&[("all_tenants", "yes")])).rule, "type");
}

#[test]
fn a_single_valued_query_parameter_given_twice_is_refused_with_both_values() {
    let v = only(list(&[("limit", "5"), ("status", "available"), ("limit", "7")]));
    assert_eq!(
        (v.field.as_str(), v.rule.as_str(), v.value),
        ("query.limit", "maxItems", json!("5,7"))
    );
    assert!(list(&[("limit", "5")]).is_ok());
}

#[test]
fn cbr_status_repeats() {
    let path = BTreeMap::from([("project_id".to_owned(), "p".to_owned())]);
    let op = Contract::global().operation("listCbrBackups").unwrap();
    let query = vec![
        ("status".to_owned(), "available".to_owned()),
        ("status".to_owned(), "error".to_owned()),
    ];
    let valid = op.validate_request(&path, &query, None).unwrap();
    assert_eq!(valid.query["status"], json!(["available", "error"]));
    let bad = vec![
        ("status".to_owned(), "available".to_owned()),
        ("status".to_owned(), "nope".to_owned()),
    ];
    assert_eq!(only(op.validate_request(&path, &bad, None).map(|_| ())).field, "query.status[1]");
}

#[test]
fn responses_accept_the_wire_forms_and_reject_garbage() {
    let op = Contract::global().operation("showPolicy").unwrap();
    let with = |max: Value| {
        json!({"policy": {"id": "1", "name": "n", "status": "suspended", "scheduled_operations": [
            {"operation_definition": {"max_backups": max, "permanent": "False"}, "trigger": {"properties": {"start_time": "2018-08-20 07:31:32"}}}
        ]}})
    };
    assert_eq!(op.validate_response(200, Some(&with(json!(20)))), Ok(()));
    assert_eq!(op.validate_response(200, Some(&with(json!("-1")))), Ok(()));
    assert!(op.validate_response(200, Some(&with(json!("twenty")))).is_err());
    assert_eq!(only(op.validate_response(201, Some(&with(json!(1))))).rule, "responses");
}

#[test]
fn unique_items_rule_applies_to_tags_and_mappings() {
    let schema = json!({"$ref": "#/components/schemas/RestoreTargets"});
    let mapping = |a: &str, b: &str| json!({"server_id": "s", "volumes": [{"backup_id": a, "volume_id": "v1"}, {"backup_id": b, "volume_id": "v2"}]});
    assert_eq!(Contract::check(Service::Csbs, &schema, &mapping("b1", "b2")), Ok(()));
    assert_eq!(
        only(Contract::check(Service::Csbs, &schema, &mapping("b1", "b1"))).rule,
        "x-unique-items-by"
    );
}

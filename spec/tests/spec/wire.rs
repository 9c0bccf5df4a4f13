//! The spec accepts what the live service sends (`tests/data/wire_shapes.json`, shared with
//! the client's decode tests and scripts/interop.sh), and each construct rewritten for the
//! generators (see portability.rs) still means what it meant.

use csbs_spec::validate::Contract;
use csbs_spec::{Service, Violation};
use serde_json::{json, Value};

/// `[{operation_id, status, name, why, value}]`: payloads shaped like the live service's.
pub const WIRE_SHAPES: &str = include_str!("../data/wire_shapes.json");

fn response(op: &str, status: u16, body: &Value) -> Result<(), Vec<Violation>> {
    Contract::global()
        .operation(op)
        .unwrap_or_else(|| panic!("no operation {op}"))
        .validate_response(status, Some(body))
}

fn schema(service: Service, name: &str, value: &Value) -> Result<(), Vec<Violation>> {
    Contract::check(service, &json!({"$ref": format!("#/components/schemas/{name}")}), value)
}

#[test]
fn every_live_shaped_payload_is_accepted() {
    let shapes: Vec<Value> = serde_json::from_str(WIRE_SHAPES).unwrap();
    assert!(shapes.len() >= 10, "only {} wire shapes", shapes.len());
    for shape in &shapes {
        let op = shape["operation_id"].as_str().unwrap();
        let status = shape["status"].as_u64().unwrap() as u16;
        let result = response(op, status, &shape["value"]);
        assert_eq!(result, Ok(()), "{op} {}", shape["name"]);
    }
}

#[test]
fn every_field_of_cbr_extend_info_may_be_null() {
    let doc = Service::Cbr.document();
    let properties =
        doc["components"]["schemas"]["BackupExtendInfo"]["properties"].as_object().unwrap();
    assert!(properties.contains_key("progress") && properties.contains_key("architecture"));
    let all_null: Value = properties.keys().map(|k| (k.clone(), Value::Null)).collect();
    assert_eq!(schema(Service::Cbr, "BackupExtendInfo", &all_null), Ok(()));
    let extra = json!({"name": null, "description": null, "retention_duration": null});
    let checkpoint = &doc["components"]["schemas"]["CbrCheckpoint"]["properties"]["extra_info"];
    assert_eq!(Contract::check(Service::Cbr, checkpoint, &extra), Ok(()));
}

#[test]
fn nullable_lenient_integers_take_numbers_digit_strings_and_null_only() {
    for service in [Service::Cbr] {
        for ok in [json!(null), json!(50), json!("50"), json!("-1")] {
            assert_eq!(schema(service, "NullableLenientInteger", &ok), Ok(()), "{ok}");
        }
        for bad in [json!("fifty"), json!(""), json!(2.5), json!(true), json!({})] {
            assert!(schema(service, "NullableLenientInteger", &bad).is_err(), "{bad} accepted");
        }
    }
    let progress = |p: Value| schema(Service::Cbr, "BackupExtendInfo", &json!({"progress": p}));
    assert_eq!(progress(json!(null)), Ok(()));
    assert!(progress(json!("half")).is_err());
}

#[test]
fn lenient_booleans_take_booleans_and_the_four_words_only() {
    for ok in
        [json!(true), json!(false), json!("True"), json!("False"), json!("true"), json!("false")]
    {
        assert_eq!(schema(Service::Csbs, "LenientBoolean", &ok), Ok(()), "{ok}");
    }
    for bad in [json!("TRUE"), json!("yes"), json!(""), json!(1), json!(null), json!(" True")] {
        assert!(schema(Service::Csbs, "LenientBoolean", &bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn the_anchored_schedule_pattern_still_finds_rrule_anywhere() {
    let pattern = |text: &str| schema(Service::Csbs, "SchedulePattern", &json!(text));
    let weekly = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    assert_eq!(pattern(weekly), Ok(()));
    let refused = pattern("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        .expect_err("a calendar without RRULE must be refused");
    assert!(refused.iter().any(|v| v.rule == "pattern"), "{refused:#?}");
}

#[test]
fn extra_info_and_restore_status_take_objects_strings_and_null() {
    for extra in [json!({}), json!({"k": "v"}), json!("{}"), json!(null)] {
        let resource = json!({"id": "s", "type": "OS::Nova::Server", "extra_info": extra});
        assert_eq!(schema(Service::Csbs, "PlanResource", &resource), Ok(()), "{extra}");
    }
    for status in [json!("in_progress"), json!({"server": "in_progress"})] {
        let restore = json!({"id": "r", "status": "in_progress", "resources_status": status});
        assert_eq!(schema(Service::Csbs, "Restore", &restore), Ok(()), "{status}");
    }
}

#[test]
fn request_fields_without_a_schema_default_may_be_left_out() {
    let protect = json!({"protect": {"backup_name": "b"}});
    assert_eq!(schema(Service::Csbs, "ProtectRequest", &protect), Ok(()));
    let bad_type = json!({"protect": {"resource_type": "OS::Cinder::Volume"}});
    assert!(schema(Service::Csbs, "ProtectRequest", &bad_type).is_err());
    let update = json!({"policy": {"scheduled_operations": [{"id": "op", "name": "renamed"}]}});
    assert_eq!(schema(Service::Csbs, "PolicyUpdateRequest", &update), Ok(()));
}

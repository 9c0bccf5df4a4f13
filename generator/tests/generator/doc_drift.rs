//! `doc-drift` over the vendor documents: the spec explains everything they say, and a
//! document changed the way vendors change them yields exactly the findings of the change.

use csbs_generator::doc_drift::model::VendorDocument;
use csbs_generator::doc_drift::parse::parse;
use csbs_generator::doc_drift::spec_view::SpecDoc;
use csbs_generator::doc_drift::{compare_documents, Finding, Kind};
use csbs_spec::seeds;
use serde_json::json;
use std::process::Command;

fn findings(docs: &[VendorDocument]) -> Vec<Finding> {
    compare_documents(docs, &SpecDoc::embedded()).findings
}

/// Each place of each finding as a finding of its own (grouping undone), without stale lists.
fn places(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .flat_map(|f| {
            f.places()
                .into_iter()
                .map(|p| Finding {
                    operation: p.operation,
                    location: p.location,
                    section: p.section,
                    places: Vec::new(),
                    stale: Vec::new(),
                    ..f.clone()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The findings (one per place) of `changed` that the unchanged document does not have.
fn new_findings(name: &str, original: &str, changed: &str) -> Vec<Finding> {
    assert_ne!(original, changed, "the change to {name} did not apply");
    let before = places(findings(&[parse(name, original)]));
    places(findings(&[parse(name, changed)])).into_iter().filter(|f| !before.contains(f)).collect()
}

/// The one finding that changing `from` into `to` in document `name` makes, or `None` (after
/// the skip line) where the documents are absent.
fn only_finding(name: &str, from: &str, to: &str) -> Option<Finding> {
    if !seeds::available() {
        return None;
    }
    let text = seeds::read(name);
    let found = new_findings(name, &text, &replace_once(&text, from, to));
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next()
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

#[test]
fn the_five_documents_leave_nothing_unexplained() {
    if !seeds::available() {
        return;
    }
    let docs: Vec<VendorDocument> = seeds::ALL.iter().map(|n| parse(n, &seeds::read(n))).collect();
    let report = compare_documents(&docs, &SpecDoc::embedded());
    let unexplained: Vec<String> = report
        .findings
        .iter()
        .filter(|f| !f.is_explained())
        .map(|f| format!("{} {:?} {} {:?}", f.document, f.operation, f.location, f.kind))
        .collect();
    assert!(unexplained.is_empty(), "unexplained findings:\n{}", unexplained.join("\n"));
    assert!(report.stale().is_empty(), "stale explanations: {:#?}", report.stale());
    // Every section was recognised and found in the spec.
    assert_eq!(report.described.len(), 19);
    assert!(report.described.iter().all(|d| d.operation.is_some()), "{:?}", report.described);
    // The reference and the newer pages describe listBackups and countBackups twice; where
    // they disagree it is reported (and explained).
    assert!(report
        .findings
        .iter()
        .any(|f| f.kind == Kind::DocumentsDisagree && f.location.ends_with("support_ild")));
    assert!(report
        .findings
        .iter()
        .any(|f| f.kind == Kind::DocumentsDisagree && f.location.ends_with("tags")));
}

#[test]
fn each_document_alone_leaves_nothing_unexplained() {
    if !seeds::available() {
        return;
    }
    for name in seeds::ALL {
        let found = findings(&[parse(name, &seeds::read(name))]);
        let open: Vec<&Finding> = found.iter().filter(|f| !f.is_explained()).collect();
        assert!(open.is_empty(), "{name}: {open:#?}");
    }
}

#[test]
fn the_full_reference_is_read_section_by_section() {
    if !seeds::available() {
        return;
    }
    let doc = parse("004_2d09f3b3e42cc2b5.txt", &seeds::read("004_2d09f3b3e42cc2b5.txt"));
    assert_eq!(doc.operations.len(), 15);
    assert_eq!(doc.error_codes.len(), 50);
    let create =
        doc.operations.iter().find(|o| o.title == "5.2.1 Creating a Backup Policy").unwrap();
    let policy = &create.request_body.as_ref().unwrap()[0];
    let ops = policy
        .children
        .as_ref()
        .unwrap()
        .iter()
        .find(|f| f.name == "scheduled_operations")
        .unwrap();
    let trigger = ops.children.as_ref().unwrap().iter().find(|f| f.name == "trigger").unwrap();
    let properties = &trigger.children.as_ref().unwrap()[0];
    assert_eq!(properties.children.as_ref().unwrap()[0].name, "pattern");
}

#[test]
fn a_parameter_added_is_only_in_the_document() {
    let Some(f) = only_finding("002_c583bb78bba21bc5.txt", "    checkpoint_id\n\n    No\n",
        "    vault_id\n\n    No\n\n    String\n\n    Filtering based on the vault is supported.\n\n    checkpoint_id\n\n    No\n") else { return };
    assert_eq!(
        (f.operation.as_deref(), f.location.as_str(), f.kind),
        (Some("countBackups"), "query.vault_id", Kind::OnlyInDocument)
    );
    assert_eq!(f.document_value, json!("String"));
    assert!(!f.is_explained());
}

#[test]
fn a_type_changed_is_a_type_finding() {
    let Some(f) = only_finding(
        "002_c583bb78bba21bc5.txt",
        "    count\n\n    Integer\n",
        "    count\n\n    String\n",
    ) else {
        return;
    };
    assert_eq!((f.location.as_str(), f.kind), ("response.count", Kind::Type));
    assert_eq!((&f.document_value, &f.spec_value), (&json!("String"), &json!("integer")));
}

#[test]
fn a_field_made_mandatory_is_a_required_finding() {
    let Some(f) = only_finding(
        "002_c583bb78bba21bc5.txt",
        "    status\n\n    No\n",
        "    status\n\n    Yes\n",
    ) else {
        return;
    };
    assert_eq!((f.location.as_str(), f.kind), ("query.status", Kind::Required));
    assert_eq!((&f.document_value, &f.spec_value), (&json!(true), &json!(false)));
}

#[test]
fn a_response_field_removed_is_only_in_the_spec() {
    let Some(f) = only_finding(
        "000_4809adb80e0ea2cd.txt",
        "    resource_id\n\n    String\n\n    Backup object ID\n\n",
        "",
    ) else {
        return;
    };
    assert_eq!(
        (f.location.as_str(), f.kind),
        ("response.checkpoint_items[].resource_id", Kind::OnlyInSpec)
    );
    assert!(f
        .spec_pointer
        .as_deref()
        .unwrap()
        .ends_with("/components/schemas/Backup/properties/resource_id"));
}

#[test]
fn an_example_edited_is_an_example_changed() {
    let Some(f) = only_finding("002_c583bb78bba21bc5.txt", "\"count\" : 10", "\"count\" : 12")
    else {
        return;
    };
    assert_eq!(
        (f.location.as_str(), f.kind),
        ("example.response.count_newer_page", Kind::ExampleChanged)
    );
    assert!(f.document_value.as_str().unwrap().contains("\"count\" : 12"));
    assert!(f.spec_value.as_str().unwrap().contains("\"count\" : 10"));
}

#[test]
fn a_range_narrowed_in_the_description_is_a_range_finding() {
    let Some(f) = only_finding(
        "000_4809adb80e0ea2cd.txt",
        "It consists of up to 36 characters.",
        "It consists of up to 20 characters.",
    ) else {
        return;
    };
    assert_eq!(
        (f.location.as_str(), f.kind),
        ("response.checkpoint_items[].tags[].key", Kind::RangeOrLength)
    );
    assert_eq!(
        (&f.document_value, &f.spec_value),
        (&json!({"minLength": 1, "maxLength": 20}), &json!({"minLength": 1, "maxLength": 36}))
    );
}

#[test]
fn a_request_range_narrowed_in_the_full_reference_is_found_where_it_is_printed() {
    if !seeds::available() {
        return;
    }
    let name = "004_2d09f3b3e42cc2b5.txt";
    let text = seeds::read(name);
    // Only the row of Table 5-26 (creating a policy) changes.
    let row = "max_backups\tNo\tInteger\tMaximum number of backups that can be automatically created for a backup object. The value can be -1 or ranges from 0 to 99999 .";
    let at = text.find(row).expect("the row of Table 5-26");
    let mut changed = text.clone();
    changed.replace_range(at..at + row.len(), &row.replace("99999", "9999"));
    let found = new_findings(name, &text, &changed);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.operation.as_deref(), Some("createPolicy"));
    assert_eq!(f.location, "body.policy.scheduled_operations[].operation_definition.max_backups");
    assert_eq!(
        (&f.document_value, &f.spec_value),
        (&json!({"minimum": -1, "maximum": 9999}), &json!({"minimum": -1, "maximum": 99999}))
    );
}

#[test]
fn two_documents_of_one_operation_disagreeing_are_reported() {
    if !seeds::available() {
        return;
    }
    let newer = "002_c583bb78bba21bc5.txt";
    let reference = "004_2d09f3b3e42cc2b5.txt";
    let text = seeds::read(newer);
    let changed = replace_once(&text, "    ip\n\n    No\n\n    String\n\n    Searching based on the VM's IP address is supported.\n\n", "");
    let docs = [parse(newer, &changed), parse(reference, &seeds::read(reference))];
    let found = findings(&docs);
    let disagreement = found
        .iter()
        .find(|f| f.kind == Kind::DocumentsDisagree && f.location == "query.ip")
        .expect("the newer page no longer lists ip, the reference does");
    assert_eq!(disagreement.other_document.as_deref(), Some(reference));
    assert!(!disagreement.is_explained());
    assert!(found
        .iter()
        .any(|f| f.document == newer && f.kind == Kind::OnlyInSpec && f.location == "query.ip"));
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_csbs-generator"))
        .args(args)
        .output()
        .expect("the generator runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("csbs-doc-drift-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_document_that_cannot_be_read_or_recognised_exits_2_saying_which_and_why() {
    let (code, _, err) = run(&["doc-drift", "/nonexistent/page.txt"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/page.txt"), "{err}");
    let path = temp("notes.txt", "Release notes\n\nNothing here looks like an API page.\n");
    let (code, _, err) = run(&["doc-drift", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("notes.txt is not a vendor document") && err.contains("no operation section"),
        "{err}"
    );
}

#[test]
fn the_command_exits_0_when_everything_is_explained_and_1_otherwise() {
    if !seeds::available() {
        return;
    }
    let all: Vec<String> =
        seeds::ALL.iter().map(|n| seeds::dir().join(n).display().to_string()).collect();
    let mut args = vec!["doc-drift"];
    args.extend(all.iter().map(String::as_str));
    let (code, out, _) = run(&args);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 unexplained"), "{out}");
    let name = "002_c583bb78bba21bc5.txt";
    let changed = replace_once(
        &seeds::read(name),
        "    count\n\n    Integer\n",
        "    count\n\n    Boolean\n",
    );
    let path = temp(name, &changed);
    let (code, out, _) = run(&["doc-drift", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    let open: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["explained_by"].is_null())
        .collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["location"], "response.count");
    assert_eq!(open[0]["kind"], "type");
    for key in [
        "document",
        "operation",
        "location",
        "kind",
        "document_value",
        "spec_value",
        "explained_by",
    ] {
        assert!(open[0].get(key).is_some(), "{key} missing");
    }
    let (_, text, _) = run(&["doc-drift", path.to_str().unwrap()]);
    let unexplained = text.find("Unexplained (1)").expect("unexplained first");
    assert!(unexplained < text.find("Explained (").unwrap());
    assert!(
        text.contains(
            "-> set the type at spec/csbs-v1.yaml#/components/schemas/BackupCount/properties/count"
        ),
        "{text}"
    );
}

#[test]
fn an_example_outside_the_operation_sections_must_still_be_printed() {
    // The getting-started walkthrough prints a protect request outside section 5.1.1.
    let Some(f) =
        only_finding("004_2d09f3b3e42cc2b5.txt", "\"database_backup\"", "\"database_copy\"")
    else {
        return;
    };
    assert_eq!((f.operation.as_deref(), f.kind), (Some("protectResource"), Kind::OnlyInSpec));
    assert_eq!(f.location, "example.request.getting_started");
    assert!(f.spec_value.as_str().unwrap().contains("database_backup"));
}

#[test]
fn an_example_added_is_only_in_the_document() {
    let Some(f) = only_finding(
        "002_c583bb78bba21bc5.txt",
        "    GET https://{endpoint}/v1/{project_id}/checkpoint_items/count?status=error\n",
        "    GET https://{endpoint}/v1/{project_id}/checkpoint_items/count?status=error\n    \
         Querying the number of backups of one server:\n    \
         GET https://{endpoint}/v1/{project_id}/checkpoint_items/count?resource_id=x\n",
    ) else {
        return;
    };
    assert_eq!((f.location.as_str(), f.kind), ("example.request", Kind::OnlyInDocument));
    assert!(f.document_value.as_str().unwrap().contains("resource_id=x"));
}

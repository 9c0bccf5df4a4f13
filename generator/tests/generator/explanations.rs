//! `doc-drift`'s explanations cover the difference they were written for and nothing else: a
//! document changed at a place whose explanation is about another kind of finding yields one
//! unexplained finding; a change of the value an explanation was made against yields one
//! unexplained finding and one stale explanation; findings are one per difference.

use csbs_generator::doc_drift::explain::malformed;
use csbs_generator::doc_drift::parse::parse;
use csbs_generator::doc_drift::spec_view::SpecDoc;
use csbs_generator::doc_drift::{compare_documents, Finding, Kind, Report};
use csbs_spec::seeds;
use serde_json::json;

const REFERENCE: &str = "004_2d09f3b3e42cc2b5.txt";
const NEWER_LIST: &str = "000_4809adb80e0ea2cd.txt";
const CBR_LIST: &str = "001_463ed4b7a451d002.txt";

fn report_of(name: &str, text: &str) -> Report {
    compare_documents(&[parse(name, text)], &SpecDoc::embedded())
}

/// The report of document `name` with `from` replaced by `to` (which must occur once), or
/// `None` where the documents are absent.
fn changed(name: &str, from: &str, to: &str) -> Option<Report> {
    if !seeds::available() {
        return None;
    }
    let text = seeds::read(name);
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once in {name}");
    Some(report_of(name, &text.replacen(from, to, 1)))
}

fn unexplained(report: &Report) -> Vec<&Finding> {
    report.findings.iter().filter(|f| !f.is_explained()).collect()
}

/// The one unexplained finding of a changed document, its kind and location checked.
fn one_unexplained(report: &Report, kind: Kind, location: &str) -> Finding {
    let open = unexplained(report);
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!((open[0].kind, open[0].location.as_str()), (kind, location), "{:#?}", open[0]);
    open[0].clone()
}

#[test]
fn an_edit_of_each_kind_where_another_kind_is_explained_is_unexplained() {
    // (document, from, to, kind, location): each place carries an explanation of another
    // kind (or of another place) that the old rules let through.
    let edits: [(&str, &str, &str, Kind, &str); 9] = [
        // A new value in the CBR status list: the operation's decision is about HTTP status
        // codes, the parameter's about its type.
        (
            CBR_LIST,
            "  • waiting_restore: The backup is waiting to be restored.\n",
            "  • waiting_restore: The backup is waiting to be restored.\n\n  • frozen: The backup is frozen.\n",
            Kind::EnumValues,
            "query.status[]",
        ),
        // The CBR backup name cut to 64: its decision is about the character set.
        (
            CBR_LIST,
            "Backup name. The value can contain a maximum of 255 characters, including digits",
            "Backup name. The value can contain a maximum of 64 characters, including digits",
            Kind::RangeOrLength,
            "response.backups[].name",
        ),
        // The type of fail_op changed: its decision is about its values.
        (
            NEWER_LIST,
            "    fail_op\n\n    String\n",
            "    fail_op\n\n    Integer\n",
            Kind::Type,
            "response.checkpoint_items[].extend_info.fail_op",
        ),
        // fail_op said to be a UUID: a pattern finding where the values are explained.
        (
            NEWER_LIST,
            "    Type of the failed operation\n",
            "    Type of the failed operation, in UUID format\n",
            Kind::Pattern,
            "response.checkpoint_items[].extend_info.fail_op",
        ),
        // offset made mandatory: its decision is about its range.
        (NEWER_LIST, "    offset\n\n    No\n", "    offset\n\n    Yes\n", Kind::Required, "query.offset"),
        // offset given a default: its decision is about its range.
        (
            NEWER_LIST,
            "    Offset value, which is a positive integer.\n",
            "    Offset value, which is a positive integer. The default value is 5.\n",
            Kind::Default,
            "query.offset",
        ),
        // average_speed removed: its decision is about its type.
        (
            NEWER_LIST,
            "    average_speed\n\n    Integer\n\n    Average rate. The unit is kb/s\n\n",
            "",
            Kind::OnlyInSpec,
            "response.checkpoint_items[].extend_info.average_speed",
        ),
        // A row added to Table 5-34, whose object explains other rows.
        (
            REFERENCE,
            "Table 5-34 Parameter description of field **operation_definition**\n\nParameter\tType\tDescription\n",
            "Table 5-34 Parameter description of field **operation_definition**\n\nParameter\tType\tDescription\ncopy_backups\tInteger\tReplicas kept\n",
            Kind::OnlyInDocument,
            "response.policy.scheduled_operations[].operation_definition.copy_backups",
        ),
        // CSBS.6018 answered with another status: its erratum is about the message.
        (
            REFERENCE,
            "400\tCSBS.6018\t",
            "500\tCSBS.6018\t",
            Kind::ErrorStatus,
            "error.CSBS.6018",
        ),
    ];
    for (name, from, to, kind, location) in edits {
        let Some(report) = changed(name, from, to) else { return };
        let f = one_unexplained(&report, kind, location);
        assert!(
            f.stale.is_empty() && report.stale().is_empty(),
            "{location}: {:#?}",
            report.stale()
        );
    }
}

#[test]
fn a_field_removed_from_the_one_table_that_lists_it_is_unexplained() {
    // "Only Table 5-33 lists trigger_id" holds for the other sections, not for 5.2.1.
    let Some(report) = changed(REFERENCE, "trigger_id\tString\tScheduler ID\n", "") else {
        return;
    };
    let f = one_unexplained(
        &report,
        Kind::OnlyInSpec,
        "response.policy.scheduled_operations[].trigger_id",
    );
    assert_eq!(f.operation.as_deref(), Some("createPolicy"));
}

#[test]
fn an_edit_of_the_value_an_explanation_was_made_against_makes_it_stale() {
    let cases: [(&str, &str, &str, &str); 3] = [
        // One of the four policy tables cuts the name to 64 characters.
        (
            REFERENCE,
            "policy name The value consists of 1 to 255 characters and can contain only letters, digits, underscores (_), and hyphens (-).\nparameters\tpolicy_par am",
            "policy name The value consists of 1 to 64 characters and can contain only letters, digits, underscores (_), and hyphens (-).\nparameters\tpolicy_par am",
            "/components/schemas/Policy/properties/name/x-decision",
        ),
        // The message's stray quote is fixed the wrong way.
        (
            REFERENCE,
            "partial restore is not supported.\"",
            "partial restore is not supported!",
            "/x-error-codes/41/x-errata/0",
        ),
        // The newer page types average_speed as a string.
        (
            NEWER_LIST,
            "    average_speed\n\n    Integer\n\n    Average rate. The unit is kb/s\n",
            "    average_speed\n\n    String\n\n    Average rate. The unit is kb/s\n",
            "/components/schemas/BackupExtendInfo/properties/average_speed/x-decision",
        ),
    ];
    for (name, from, to, pointer) in cases {
        let Some(report) = changed(name, from, to) else { return };
        let open = unexplained(&report);
        assert_eq!(open.len(), 1, "{open:#?}");
        let stale = report.stale();
        assert_eq!(stale.len(), 1, "{stale:#?}");
        assert!(stale[0].explanation.ends_with(pointer), "{stale:#?}");
        assert_eq!(&open[0].stale[0], stale[0]);
        assert_eq!(stale[0].now, open[0].document_value);
    }
}

#[test]
fn every_explanation_is_well_formed_and_every_premise_is_used() {
    for spec in SpecDoc::embedded() {
        let bad = malformed(&spec.value);
        assert!(bad.is_empty(), "{}: {bad:#?}", spec.file);
    }
    if !seeds::available() {
        return;
    }
    let docs: Vec<_> = seeds::ALL.iter().map(|n| parse(n, &seeds::read(n))).collect();
    let report = compare_documents(&docs, &SpecDoc::embedded());
    // Each explanation that names premises explains at least one finding of the five
    // documents: none was written against a value they do not state.
    for spec in SpecDoc::embedded() {
        for pointer in premised(&spec.value, String::new()) {
            let used = format!("spec/{}#{pointer}:", spec.file);
            assert!(
                report
                    .findings
                    .iter()
                    .any(|f| f.explained_by.as_deref().is_some_and(|e| e.starts_with(&used))),
                "{used} explains nothing"
            );
        }
    }
}

/// Pointers of the explanation entries that name premises.
fn premised(value: &serde_json::Value, pointer: String) -> Vec<String> {
    use csbs_generator::doc_drift::explain::of;
    let mut out: Vec<String> = Vec::new();
    match value {
        serde_json::Value::Object(map) => {
            out.extend(
                of(value, &pointer)
                    .into_iter()
                    .filter(|e| !e.premises.is_empty())
                    .map(|e| e.pointer),
            );
            for (k, v) in map {
                out.extend(premised(
                    v,
                    format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1")),
                ));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                out.extend(premised(v, format!("{pointer}/{i}")));
            }
        }
        _ => {}
    }
    out
}

#[test]
fn a_difference_is_one_finding_listing_its_places() {
    if !seeds::available() {
        return;
    }
    // The CBR children[] recursion: the backup name's pattern finding at both levels.
    let report = report_of(CBR_LIST, &seeds::read(CBR_LIST));
    let name: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.kind == Kind::Pattern && f.location.ends_with("].name"))
        .collect();
    assert_eq!(name.len(), 1, "{name:#?}");
    let at: Vec<String> = name[0].places().into_iter().map(|p| p.location).collect();
    assert_eq!(at, ["response.backups[].name", "response.backups[].children[].name"]);
    // The four policy answers repeat the name rule: one finding, four places.
    let report = report_of(REFERENCE, &seeds::read(REFERENCE));
    let rule: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            f.kind == Kind::RangeOrLength
                && f.spec_pointer.as_deref().is_some_and(|p| p.ends_with("/Policy/properties/name"))
        })
        .collect();
    assert_eq!(rule.len(), 1, "{rule:#?}");
    let ops: Vec<Option<String>> = rule[0].places().into_iter().map(|p| p.operation).collect();
    assert_eq!(ops.len(), 4, "{ops:?}");
    assert_eq!(rule[0].document_value, json!({"minLength": 1, "maxLength": 255}));
}

#[test]
fn a_finding_is_printed_under_the_heading_of_its_section() {
    // A type changed in 5.1.3 (restoration capabilities) is printed under 5.1.3, not under
    // 5.1.2, which describes the same operation.
    let Some(report) = changed(
        REFERENCE,
        "resource_type\tYes\tString\tType of the target to which the backup is restored",
        "resource_type\tYes\tInteger\tType of the target to which the backup is restored",
    ) else {
        return;
    };
    let f = one_unexplained(&report, Kind::Type, "body.check_restorable[].target.resource_type");
    assert_eq!(f.section.as_deref(), Some("5.1.3 Querying Restoration Capabilities of Resources"));
    let text = csbs_generator::doc_drift::report::text(&report);
    let unexplained =
        &text[text.find("Unexplained (1)").unwrap()..text.find("Explained (").unwrap()];
    let heading = unexplained.lines().nth(1).unwrap();
    assert!(heading.contains("§ 5.1.3 Querying Restoration Capabilities"), "{unexplained}");
}

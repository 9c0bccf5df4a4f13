use csbs_spec::catalogue::{error_codes, gateway_code, is_documented, lookup};
use csbs_spec::seeds;
use csbs_spec::Service;
use regex::Regex;

/// `(status, code, message, description)` rows of the printed table 6-1.
fn printed_rows() -> Vec<(u16, String, String, String)> {
    let row = Regex::new(r"(?m)^(\d{3})\t(CSBS\.\d{4})\t([^\t]*)\t([^\t]*)\t[^\t]*$").unwrap();
    row.captures_iter(&seeds::read("004_2d09f3b3e42cc2b5.txt"))
        .map(|c| (c[1].parse().unwrap(), c[2].to_owned(), c[3].to_owned(), c[4].to_owned()))
        .collect()
}

#[test]
fn the_whole_error_table_is_in_the_spec() {
    if !seeds::available() {
        return;
    }
    let printed = printed_rows();
    let spec = error_codes(Service::Csbs);
    assert_eq!(printed.len(), 50);
    assert_eq!(spec.len(), printed.len());
    for ((status, code, message, description), row) in printed.iter().zip(&spec) {
        assert_eq!((row.status, &row.code), (*status, code));
        assert_eq!(row.message.trim_end_matches('"'), message.trim_end_matches('"'), "{code}");
        assert!(
            !row.meaning.is_empty() && row.meaning != *description,
            "{code}: meaning must be in our own words"
        );
        assert!(!row.solution.is_empty(), "{code}");
    }
}

#[test]
fn a_code_with_two_statuses_keeps_both() {
    let rows = lookup("CSBS.9009");
    assert_eq!(rows.iter().map(|r| r.status).collect::<Vec<_>>(), vec![403, 400]);
    assert!(is_documented("CSBS.9009", 400) && is_documented("CSBS.3000", 404));
    assert!(!is_documented("CSBS.3000", 400));
}

#[test]
fn gateway_codes_cover_what_the_table_does_not() {
    for status in [401, 403, 404, 405, 413] {
        let row = gateway_code(status).unwrap_or_else(|| panic!("no gateway code for {status}"));
        assert!(row.code.starts_with("APIGW."));
    }
}

#[test]
fn validation_codes_and_code_forms_come_from_the_documents() {
    use csbs_spec::catalogue::{is_documented_for, validation_code};
    assert_eq!(validation_code(Service::Csbs).as_deref(), Some("CSBS.9001"));
    assert_eq!(validation_code(Service::Cbr).as_deref(), Some("BackupService.9001"));
    assert!(is_documented_for(Service::Csbs, "CSBS.9001", 400));
    assert!(!is_documented_for(Service::Csbs, "CSBS.9001", 404));
    assert!(!is_documented_for(Service::Csbs, "CSBS.1234", 400), "not in the table");
    assert!(is_documented_for(Service::Cbr, "BackupService.6302", 404));
    assert!(!is_documented_for(Service::Cbr, "CSBS.9001", 400));
}

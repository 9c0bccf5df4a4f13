//! The runner's tests, one binary: the suite against the embedded mock, against broken
//! loopback servers and a tampering proxy, the reports, the secret, the CLI and snapshots.

#[path = "conformance/behaviour.rs"]
mod behaviour;
#[path = "conformance/broken.rs"]
mod broken;
#[path = "conformance/browser.rs"]
mod browser;
#[path = "conformance/cli.rs"]
mod cli;
#[path = "conformance/deletions.rs"]
mod deletions;
#[path = "conformance/families.rs"]
mod families;
#[path = "conformance/first_contact.rs"]
mod first_contact;
#[path = "conformance/isolation.rs"]
mod isolation;
#[path = "conformance/letter_case.rs"]
mod letter_case;
#[path = "conformance/list_misses.rs"]
mod list_misses;
#[path = "conformance/misses.rs"]
mod misses;
#[path = "conformance/mock_suite.rs"]
mod mock_suite;
#[path = "conformance/oracle.rs"]
mod oracle;
#[path = "conformance/properties.rs"]
mod properties;
#[path = "conformance/report_files.rs"]
mod report_files;
#[path = "conformance/reports.rs"]
mod reports;
#[path = "conformance/secrets.rs"]
mod secrets;
#[path = "conformance/selection.rs"]
mod selection;
#[path = "conformance/slow_endpoint.rs"]
mod slow_endpoint;
#[path = "conformance/snapshots.rs"]
mod snapshots;
#[path = "conformance/standalone.rs"]
mod standalone;
#[path = "conformance/support.rs"]
mod support;
#[path = "conformance/tampered.rs"]
mod tampered;
#[path = "conformance/view_misses.rs"]
mod view_misses;

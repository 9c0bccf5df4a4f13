//! Checks a CSBS v1 / CBR v3 endpoint, real or mock, against the contract in `spec/`.
//!
//! A run has six parts ([`Phase`]): offline checks of the spec itself, auth probes
//! (`ignored_auth`), the replay of every documented example request with its response
//! checked (`not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
//! `response_headers_conformance`, `response_schema_conformance`, `positive_data_acceptance`, `example_structure`), generated
//! requests that follow every validation rule or break exactly one (`positive_data_acceptance`,
//! `negative_data_rejection`), the documented behaviour, and stateful scenarios
//! (`ensure_resource_availability`, `use_after_free`). The check registry ([`Check`]) is the
//! dispatch: the checks a run selects (all, or [`RunOptions::checks`]) name the scenarios that
//! run, and what each needs allowed. Without an endpoint the reference mock runs in-process on
//! loopback. Against a real endpoint a run is read-only unless mutations are allowed, and
//! deletes what it created.
//!
//! Inside, each job has one mechanism: one sender (every request), one wait (every poll,
//! within `--wait`), one record of what the run knows and made (read by every part, emptied by
//! the cleanup), and request bodies built as the generated `csbs-types` request types.
//!
//! From another crate's tests:
//!
//! ```no_run
//! # async fn demo() {
//! use csbs_conformance::{run_suite, RunOptions, Secret};
//!
//! let options = RunOptions::against("http://127.0.0.1:8080", "project-id", Secret::new("token"));
//! let report = run_suite(options).await.expect("the endpoint is reachable");
//! assert!(report.passed(), "{}", report.summary());
//! // Or with every request signed with an access key and its secret key (SDK-HMAC-SHA256):
//! let options = RunOptions::against_with_keys("http://127.0.0.1:8080", "project-id", "AK", "SK");
//! # let _ = options;
//! # }
//! ```

mod auth;
mod behaviour;
pub mod checks;
mod cleanup;
pub mod cli;
pub mod cli_credentials;
pub mod cli_replay;
mod created;
mod dispatch;
mod embedded;
mod error;
mod fixtures;
mod guardrails;
pub mod http;
pub mod model;
mod names;
mod options;
mod poll;
mod preflight;
mod progress;
pub mod properties;
mod record;
pub mod replay;
pub mod report;
pub mod request;
mod runner;
mod secret;
mod sender;
mod session;
mod spec_checks;
mod stateful;
mod target;

pub use auth::{INVALID_SECRET_KEY, INVALID_TOKEN};
pub use checks::Check;
pub use error::RunError;
pub use options::{Limits, OtherCredential, Phase, RunOptions};
pub use progress::ProgressMode;
pub use report::{
    Report, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_NOT_RUN, EXIT_PASSED,
};
pub use runner::{run_suite, CTRL_C, MOCK_SERVERS};
pub use secret::{
    Redactor, Secret, AK_PLACEHOLDER, SIGNATURE_PLACEHOLDER, SK_PLACEHOLDER, TOKEN_PLACEHOLDER,
};

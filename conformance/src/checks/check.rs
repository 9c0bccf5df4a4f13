//! The checks, named as Schemathesis users know them where Schemathesis has one.

use serde::Serialize;
use std::fmt;

/// One kind of check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A complete response arrived: no refused, reset or closed connection.
    ResponseReceived,
    /// The response arrived within the per-request timeout.
    MaxResponseTime,
    /// The body fits the size cap.
    MaxResponseSize,
    /// The status is not 5xx.
    NotAServerError,
    /// The status is documented for the operation.
    StatusCodeConformance,
    /// The `Content-Type` is a media type documented for that status.
    ContentTypeConformance,
    /// The body validates against the documented schema for that status.
    ResponseSchemaConformance,
    /// A documented example request is answered with a documented 2xx status.
    PositiveDataAcceptance,
    /// The body has the keys of the documented example response, recursively.
    ExampleStructure,
    /// A request without a token, or with an invalid one, is answered 401.
    IgnoredAuth,
    /// Every documented example validates against its schema (offline).
    ExampleValidity,
    /// Every operation has documented examples (offline).
    ExampleCoverage,
    /// A generated request that breaks one rule is answered 400 with a documented error.
    NegativeDataRejection,
    /// A created object shows up in get, list and count.
    EnsureResourceAvailability,
    /// A deleted object answers 404 afterwards.
    UseAfterFree,
}

impl Check {
    pub const ALL: [Check; 15] = [
        Check::ResponseReceived,
        Check::MaxResponseTime,
        Check::MaxResponseSize,
        Check::NotAServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
        Check::PositiveDataAcceptance,
        Check::ExampleStructure,
        Check::IgnoredAuth,
        Check::ExampleValidity,
        Check::ExampleCoverage,
        Check::NegativeDataRejection,
        Check::EnsureResourceAvailability,
        Check::UseAfterFree,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Check::ResponseReceived => "response_received",
            Check::MaxResponseTime => "max_response_time",
            Check::MaxResponseSize => "max_response_size",
            Check::NotAServerError => "not_a_server_error",
            Check::StatusCodeConformance => "status_code_conformance",
            Check::ContentTypeConformance => "content_type_conformance",
            Check::ResponseSchemaConformance => "response_schema_conformance",
            Check::PositiveDataAcceptance => "positive_data_acceptance",
            Check::ExampleStructure => "example_structure",
            Check::IgnoredAuth => "ignored_auth",
            Check::ExampleValidity => "example_validity",
            Check::ExampleCoverage => "example_coverage",
            Check::NegativeDataRejection => "negative_data_rejection",
            Check::EnsureResourceAvailability => "ensure_resource_availability",
            Check::UseAfterFree => "use_after_free",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a check failed: the rule broken (a schema keyword, a status, a header) and what was seen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub rule: String,
    pub message: String,
}

impl Failure {
    pub fn new(rule: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure { rule: rule.into(), message: message.into() }
    }
}

/// The verdict of one check on one exchange (or one spec item).
pub type Verdict = Result<(), Failure>;

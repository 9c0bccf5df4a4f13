//! Why a run could not happen at all (as opposed to checks that failed, which are in the
//! report). Each message says what went wrong, why, and how to fix it; none holds a secret.

/// A run that could not start or could not reach its target.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The options contradict each other or lack something.
    #[error("{what}: {why}. {fix}")]
    InvalidOptions { what: String, why: String, fix: String },
    /// Nothing answered at the endpoint.
    #[error(
        "the endpoint {url} cannot be reached: {cause}. Check the URL and that the service is \
         running there, or leave out --endpoint to run against the embedded mock"
    )]
    Unreachable { url: String, cause: String },
    /// The endpoint answered the first authenticated read in a way no run can get past
    /// (credential or project refused, not this API, a base URL with a path): see
    /// `preflight.rs`. Nothing else was sent.
    #[error("{url}: {what}. {fix}")]
    FirstContact { url: String, what: String, fix: String },
    /// The in-process mock did not start.
    #[error("the embedded mock could not start: {0}. Pass --endpoint to check another endpoint")]
    Mock(String),
    /// The HTTP client could not be built (TLS back end missing, invalid settings).
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
    /// A report file could not be created (the message names the file and the cause).
    #[error("{0}")]
    Report(String),
}

impl RunError {
    pub(crate) fn invalid(
        what: impl Into<String>,
        why: impl Into<String>,
        fix: impl Into<String>,
    ) -> RunError {
        RunError::InvalidOptions { what: what.into(), why: why.into(), fix: fix.into() }
    }
}

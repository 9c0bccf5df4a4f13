//! The checks: named verdicts on exchanges and on the spec itself; the registry that says,
//! per check, its part, what it needs allowed and which scenarios judge it.

mod check;
mod expect;
mod headers;
mod permission;
mod response;
mod scenario;
mod structure;

pub use check::{Check, Failure, Verdict};
pub use expect::{accepted, refused};
pub use permission::Permission;
pub use response::{checks_for, response_checks};
pub use scenario::Scenario;
pub use structure::missing_keys;

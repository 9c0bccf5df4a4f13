//! The checks: named verdicts on exchanges and on the spec itself.

mod check;
mod expect;
mod response;
mod structure;

pub use check::{Check, Failure, Verdict};
pub use expect::{accepted, refused};
pub use response::{checks_for, response_checks};
pub use structure::missing_keys;

//! Property-based testing of every documented validation rule (`--only properties`): from the
//! spec's schemas, requests that respect every rule (`positive_data_acceptance`) and requests
//! that break exactly one (`negative_data_rejection`), generated and shrunk with proptest.

pub mod case;
mod expect;
pub mod mutate;
mod run;
pub mod schema;
mod shared;
pub mod strings;

pub use case::{invalid_cases, valid_cases, Broken, Case};
pub use expect::{judge_invalid, judge_valid, Judged};
pub(crate) use run::run;

/// How many cases, from which seed, and where proptest keeps the seeds of failures.
#[derive(Clone, Debug)]
pub struct PropertyOptions {
    /// Cases per operation and kind (valid, invalid).
    pub cases: u32,
    /// The seed of the run; random when absent (the report prints it).
    pub seed: Option<u64>,
    /// Folder of proptest's regression files (`<operation>.txt`), replayed first next time.
    pub regressions: Option<std::path::PathBuf>,
    /// Only these operations (`operationId`s); all when empty.
    pub operations: Vec<String>,
}

impl Default for PropertyOptions {
    fn default() -> PropertyOptions {
        PropertyOptions { cases: 100, seed: None, regressions: None, operations: Vec::new() }
    }
}

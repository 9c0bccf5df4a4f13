//! Everything derived from `spec/`: the progenitor client modules of `generated/`, the body
//! types, error codes and typed operations of `types/`, and the errata list `spec/ERRATA.md`. Outputs are
//! deterministic, so `--check` can compare them with what is committed.

pub mod bodies;
pub mod client;
pub mod codes;
pub mod diff;
pub mod doc_drift;
pub mod errata;
pub mod operations;
pub mod output;
pub mod show;

pub use output::{check, outputs, write, Drift, Output};

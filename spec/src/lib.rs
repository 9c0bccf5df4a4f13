//! The contract of CSBS v1 and CBR v3: the two hand-maintained OpenAPI documents of `spec/`,
//! embedded, and what programs read from them (operations, examples, the error-code catalogue,
//! validators that enforce every schema keyword and the `x-` rules).
//!
//! The mock and the conformance runner both validate through [`Contract`], so a rule lives in
//! the YAML once and is enforced the same way on both sides.

pub mod behaviour;
pub mod catalogue;
pub mod document;
pub mod examples;
pub mod operations;
pub mod pairing;
pub mod params;
pub mod rules;
pub mod schema;
pub mod seeds;
pub mod surface;
pub mod validate;

pub use catalogue::ErrorCode;
pub use document::Service;
pub use examples::{Erratum, Example, ExampleKind};
pub use operations::{Location, Operation, Parameter, RouteError, UndocumentedStatus};
pub use params::{PathParams, PathValues, Values};
pub use validate::{Contract, Violation};

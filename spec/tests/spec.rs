//! The contract's own tests: structure of the documents, every documented example present
//! and valid, the errata honest, the error table complete, validation messages precise, and a
//! snapshot of the API surface.

#[path = "spec/behaviour.rs"]
mod behaviour;
#[path = "spec/catalogue.rs"]
mod catalogue;
#[path = "spec/documents.rs"]
mod documents;
#[path = "spec/examples.rs"]
mod examples;
#[path = "spec/seeds.rs"]
mod seeds;
#[path = "spec/validation.rs"]
mod validation;

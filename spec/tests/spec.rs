//! The contract's own tests: structure of the documents, every documented example present
//! and valid, the errata honest, the error table complete, validation messages precise, the
//! live service's shapes accepted, only generator-portable forms used, and a snapshot of the
//! API surface.

#[path = "spec/behaviour.rs"]
mod behaviour;
#[path = "spec/catalogue.rs"]
mod catalogue;
#[path = "spec/documents.rs"]
mod documents;
#[path = "spec/error_examples.rs"]
mod error_examples;
#[path = "spec/examples.rs"]
mod examples;
#[path = "spec/portability.rs"]
mod portability;
#[path = "spec/validation.rs"]
mod validation;
#[path = "spec/wire.rs"]
mod wire;

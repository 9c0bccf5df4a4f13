//! The generator's tests: the derived files (and the body types' tie to the code that reads
//! them), `doc-drift` over the vendor documents (where they are found) and over documents
//! changed the way vendors change them, and `diff`'s rules, each with a pair of small specs.

#[path = "generator/bodies.rs"]
mod bodies;
#[path = "generator/diff.rs"]
mod diff;
#[path = "generator/doc_drift.rs"]
mod doc_drift;
#[path = "generator/explanations.rs"]
mod explanations;
#[path = "generator/outputs.rs"]
mod outputs;

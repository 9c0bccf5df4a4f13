//! `doc-drift`: vendor documents compared with the spec. A document is read as published
//! (layout, cells, field trees, description rules), the operations it describes are found
//! in the spec by method and path, and every row, example and error code is compared.

pub mod cells;
pub mod compare;
pub mod cross;
pub mod errors;
pub mod examples;
pub mod explain;
pub mod finding;
pub mod group;
pub mod layout;
pub mod model;
pub mod parse;
pub mod report;
pub mod rules;
pub mod run;
pub mod schedule;
pub mod spec_view;
pub mod tree;

pub use finding::{Finding, Kind};
pub use run::{compare as compare_documents, read, DocumentError, Report};

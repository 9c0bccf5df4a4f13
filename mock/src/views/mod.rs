//! Response bodies rendered from the stored records, one module per document.

pub mod cbr;
pub mod csbs;

//! `diff`: two versions of a spec compared, every difference classified as breaking for
//! clients, breaking for servers (implementations), or compatible. Anchored on oasdiff's
//! breaking-change rules and Specmatic's backward-compatibility check, with both sides of
//! the contract and the project's `x-` rules.

pub mod change;
pub mod extensions;
pub mod json;
pub mod release;
pub mod report;
pub mod schema;
pub mod walk;

pub use change::{Breaks, Change, Direction, Effect};
pub use walk::diff;

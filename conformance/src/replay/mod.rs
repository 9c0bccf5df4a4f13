//! Replay of the documented examples: the plan, the facts and bindings that fill in real ids,
//! what answers teach, and waiting for backups.

mod bindings;
mod facts;
mod fill;
mod learn;
mod plan;
mod run;
mod settle;

pub use bindings::{Binding, Slot, BINDINGS};
pub use facts::{BackupFact, Fact, Facts, PolicyFact};
pub(crate) use fill::fixed_path_value;
pub use fill::{fill, Filled, Missing};
pub use plan::{plan, Case, ORDER};
pub(crate) use run::run;

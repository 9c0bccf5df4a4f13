//! Replay of the documented examples: the plan, the facts and bindings that fill in real ids,
//! what answers teach, and waiting for backups.

mod bindings;
mod facts;
mod fill;
mod learn;
mod plan;
mod run;
pub(crate) mod settle;

pub use bindings::{bindings_for, Binding, Slot, BINDINGS};
pub use facts::{BackupFact, Fact, Facts, PolicyFact};
pub use fill::{bind, fill, Missing};
pub use plan::{plan, Planned, ORDER};
pub(crate) use run::run;

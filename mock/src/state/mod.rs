//! The mock's state: per-project policies, backups and checkpoints, their lifecycles, and the
//! list machinery (filters, sort, pages) they share.
//!
//! Maps are keyed with foldhash (seeded per process) rather than SipHash, which cost a create
//! a few percent of its instructions; keys come from clients, so a seeded hash is kept.

pub mod bulk;
mod lifecycle;
mod make;
mod model;
mod page;
mod rendered;
mod schedule;
mod servers;
mod store;
mod table;

pub use lifecycle::{Lifecycle, Status};
pub use make::{new_backup, NewBackup};
pub use model::{
    retention_end, Backup, CheckpointInfo, Disk, OperationDef, Policy, PolicyResource, ScheduledOp,
    Server, Vault, VolumeBackup,
};
pub use page::{select, select_ordered, Order, PageRequest, Selected, Sortable};
pub use rendered::View;
pub use servers::{name_uuid, provider_of, SERVER_TYPE};
pub use store::{read, write, Project, Store};

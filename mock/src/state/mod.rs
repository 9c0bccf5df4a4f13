//! The mock's state: per-project policies, backups and checkpoints, their lifecycles, and the
//! list machinery (filters, sort, pages) they share.
//!
//! Maps are keyed with foldhash (seeded per process) rather than SipHash, which cost a create
//! a few percent of its instructions; keys come from clients, so a seeded hash is kept.

pub mod bulk;
mod changes;
mod check;
// Without a backend (feature `state-file`) nothing constructs a durable store.
#[cfg_attr(not(feature = "state-file"), allow(dead_code))]
mod durable;
mod lifecycle;
mod make;
mod model;
mod page;
#[cfg_attr(not(feature = "state-file"), allow(dead_code))]
mod persist;
mod rendered;
mod run;
mod schedule;
mod servers;
mod shared;
mod snapshot;
#[cfg(feature = "state-file")]
mod sqlite;
mod store;
mod table;

pub use check::check as check_import;
pub use lifecycle::{Lifecycle, Status};
pub use make::{new_backup, NewBackup};
pub use model::{
    json_len, retention_end, Backup, CheckpointInfo, Disk, OperationDef, Policy, PolicyResource,
    ScheduledOp, Server, Vault, VolumeBackup,
};
pub use page::{select, select_ordered, Order, PageRequest, Selected, Sortable};
pub use persist::ClockError;
pub use rendered::View;
pub use run::Run;
pub use servers::{name_uuid, provider_of, SERVER_TYPE};
pub use snapshot::Snapshot;
#[cfg(feature = "state-file")]
pub use sqlite::Sqlite;
pub use store::{change, first_places, made_of, read, surplus, Made, Project, Store};

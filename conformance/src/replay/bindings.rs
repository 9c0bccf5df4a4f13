//! Where a documented example's ids are replaced with the target's: the project, the servers,
//! and the objects the run found or created. The spec says what a request looks like; this
//! table says where its values come from (OpenAPI links would, were they in the documents).

use super::facts::Fact;
use csbs_spec::Location;

/// A place in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Path(&'static str),
    Query(&'static str),
    /// A JSON pointer into the body; `*` stands for every index of an array.
    Body(&'static str),
}

/// One place and the fact that fills it, for one operation or (`None`) for all.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub operation: Option<&'static str>,
    pub slot: Slot,
    pub fact: Fact,
}

const fn all(slot: Slot, fact: Fact) -> Binding {
    Binding { operation: None, slot, fact }
}

const fn on(operation: &'static str, slot: Slot, fact: Fact) -> Binding {
    Binding { operation: Some(operation), slot, fact }
}

use Fact::*;
use Slot::{Body, Path, Query};

pub const BINDINGS: &[Binding] = &[
    all(Path("project_id"), ProjectId),
    all(Path("policy_id"), PolicyId),
    all(Path("checkpoint_item_id"), BackupId),
    on("deleteCheckpoint", Path("checkpoint_id"), BackupCheckpointId),
    on("deleteCheckpoint", Query("checkpoint_items"), BackupId),
    on("showCbrCheckpoint", Path("checkpoint_id"), CbrCheckpointId),
    on("protectResource", Path("resource_id"), Server),
    on("protectResource", Body("/protect/backup_name"), RunName),
    on("createPolicy", Body("/policy/name"), RunName),
    on("createPolicy", Body("/policy/resources/*/id"), Server),
    on("updatePolicy", Body("/policy/name"), RunName),
    on("updatePolicy", Body("/policy/scheduled_operations/*/id"), ScheduledOperationId),
    on("executePolicy", Body("/checkpoint/plan_id"), PolicyId),
    on("executePolicy", Body("/checkpoint/parameters/resources/*"), PolicyResource),
    on("checkResourceCapabilities", Body("/check_protectable/*/resource_id"), Server),
    on("checkResourceCapabilities", Body("/check_restorable/*/checkpoint_item_id"), BackupId),
    on("checkResourceCapabilities", Body("/check_restorable/*/target/resource_id"), BackupServerId),
    on(
        "checkResourceCapabilities",
        Body("/check_restorable/*/target/volumes/*/backup_id"),
        VolumeBackupId,
    ),
    on(
        "checkResourceCapabilities",
        Body("/check_restorable/*/target/volumes/*/volume_id"),
        SourceVolumeId,
    ),
    on("createRestore", Body("/restore/checkpoint_id"), BackupCheckpointId),
    on("createRestore", Body("/restore/parameters/checkpoint_item_id"), BackupId),
    on("createRestore", Body("/restore/parameters/targets/server_id"), BackupServerId),
    on("createRestore", Body("/restore/parameters/targets/volumes/*/backup_id"), VolumeBackupId),
    on("createRestore", Body("/restore/parameters/targets/volumes/*/volume_id"), SourceVolumeId),
];

/// The bindings that apply to an operation.
pub fn bindings_for(operation: &str) -> impl Iterator<Item = &'static Binding> + '_ {
    BINDINGS.iter().filter(move |b| b.operation.is_none_or(|o| o == operation))
}

impl Fact {
    /// True for a reference to an object of the target (a policy, a backup, a disk), as
    /// opposed to a name or a server the run chooses.
    pub fn is_object(self) -> bool {
        !matches!(self, Fact::ProjectId | Fact::RunName | Fact::Server)
    }
}

/// The fact that fills a path or query parameter of an operation.
pub fn fact_for(operation: &str, location: Location, name: &str) -> Option<Fact> {
    bindings_for(operation)
        .find(|b| match (b.slot, location) {
            (Slot::Path(n), Location::Path) | (Slot::Query(n), Location::Query) => n == name,
            _ => false,
        })
        .map(|b| b.fact)
}

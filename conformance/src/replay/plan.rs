//! The order in which the documented examples are replayed: creations first, so that reads,
//! updates and deletions meet real objects; deletions last.

use csbs_spec::examples::all_examples;
use csbs_spec::operations::find_operation;
use csbs_spec::pairing::paired_response;
use csbs_spec::{Example, ExampleKind, Operation};

/// Operations in replay order. An operation missing here is replayed after these (a test
/// keeps the list complete).
pub const ORDER: &[&str] = &[
    "createPolicy",
    "protectResource",
    "executePolicy",
    "showQuotas",
    "listPolicies",
    "showPolicy",
    "listBackups",
    "countBackups",
    "showBackup",
    "listCbrBackups",
    "showCbrCheckpoint",
    "checkResourceCapabilities",
    "updatePolicy",
    "createRestore",
    "deleteCheckpoint",
    "deletePolicy",
];

/// Operations whose examples only start backups (they read none): the replay sends them while
/// the backups started before are still settling, and waits for all of them together before
/// the next example of another operation, so that their waits overlap.
pub const START_BACKUPS: &[&str] = &["protectResource", "executePolicy"];

/// One documented request to replay, with the response it should resemble.
#[derive(Clone, Debug)]
pub struct Planned {
    pub operation: &'static Operation,
    pub example: Example,
    pub paired: Option<Example>,
}

/// Every documented request (bodies and URL examples) in replay order, document order within
/// an operation.
pub fn plan() -> Vec<Planned> {
    let mut cases: Vec<Planned> = all_examples()
        .into_iter()
        .filter(|e| e.kind == ExampleKind::Request || e.kind == ExampleKind::Url)
        .filter_map(|example| {
            let operation = find_operation(&example.operation_id)?;
            let paired = paired_response(&example);
            Some(Planned { operation, example, paired })
        })
        .collect();
    cases.sort_by_key(|c| ORDER.iter().position(|id| *id == c.operation.id).unwrap_or(ORDER.len()));
    cases
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::operations::all_operations;

    #[test]
    fn every_operation_has_a_place_in_the_order() {
        for op in all_operations() {
            assert!(ORDER.contains(&op.id.as_str()), "{} is missing from ORDER", op.id);
        }
    }

    #[test]
    fn what_goes_ahead_while_backups_settle_reads_no_backup() {
        use crate::replay::{bindings_for, Binding, Fact, Slot};
        let backups =
            [Fact::BackupId, Fact::BackupCheckpointId, Fact::BackupServerId, Fact::VolumeBackupId];
        for id in START_BACKUPS {
            assert!(ORDER.contains(id), "{id}");
            let op = find_operation(id).expect("documented");
            // The bindings that apply: the operation's own, and the path parameters it has.
            let applies = |b: &&Binding| match b.slot {
                _ if b.operation.is_some() => true,
                Slot::Path(name) => op.path.contains(&format!("{{{name}}}")),
                _ => false,
            };
            let reads = bindings_for(id).filter(applies).filter(|b| backups.contains(&b.fact));
            assert_eq!(reads.count(), 0, "{id} is filled from a backup: it must wait for them");
        }
    }

    #[test]
    fn deletions_come_after_everything_that_needs_the_objects() {
        let ids: Vec<&str> = plan().iter().map(|c| c.operation.id.as_str()).collect();
        let last_delete = ids.iter().position(|id| *id == "deleteCheckpoint").unwrap();
        assert!(ids[last_delete..].iter().all(|id| id.starts_with("delete")));
        assert_eq!(ids.first(), Some(&"createPolicy"));
    }
}

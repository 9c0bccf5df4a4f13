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
    fn deletions_come_after_everything_that_needs_the_objects() {
        let ids: Vec<&str> = plan().iter().map(|c| c.operation.id.as_str()).collect();
        let last_delete = ids.iter().position(|id| *id == "deleteCheckpoint").unwrap();
        assert!(ids[last_delete..].iter().all(|id| id.starts_with("delete")));
        assert_eq!(ids.first(), Some(&"createPolicy"));
    }
}

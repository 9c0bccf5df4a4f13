//! What the run created and how to delete it, read from the spec: a success of an operation
//! whose answer links to a `DELETE` operation made an object, and that link (its parameters
//! filled from the request and the answer) deletes it. The ledger keeps what is not deleted
//! yet, for cleanup.

use crate::request::ApiRequest;
use csbs_spec::behaviour::{deletion, Expr, RequestParts};
use csbs_spec::Operation;
use serde_json::Value;

/// An object the run created.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    /// What it is, from the parameter its deletion names (`policy`, `checkpoint`).
    pub kind: String,
    pub id: String,
    /// The request that deletes it.
    pub delete: ApiRequest,
}

impl Created {
    /// `policy 4f2c…`, for reports.
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.id)
    }
}

/// What a successful `op` (sent as `request`, answered `answer`) created, if it creates.
pub fn created(op: &Operation, request: &RequestParts<'_>, answer: &Value) -> Option<Created> {
    let link = deletion(op)?;
    let project = request.path.get("project_id")?;
    let mut delete = ApiRequest::new(link.operation, project);
    let mut made = None;
    for (name, expr) in &link.parameters {
        let value = expr.text(request, Some(answer))?;
        if matches!(expr, Expr::ResponseBody(_)) {
            made = Some((name.trim_end_matches("_id").to_owned(), value.clone()));
        }
        delete = delete.parameter(name, value);
    }
    let (kind, id) = made?;
    Some(Created { kind, id, delete })
}

/// Objects the run created and has not deleted yet, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub created: Vec<Created>,
}

impl Ledger {
    pub fn add(&mut self, created: Created) {
        if !self.created.iter().any(|c| c.delete == created.delete) {
            self.created.push(created);
        }
    }

    /// Forgets what `delete` (a successful deletion, whoever sent it) deleted.
    pub fn deleted(&mut self, delete: &ApiRequest) {
        self.created.retain(|c| c.delete != *delete);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::operations::find_operation;
    use serde_json::json;

    #[test]
    fn creations_are_deleted_by_their_links() {
        let op = find_operation("protectResource").unwrap();
        let request = ApiRequest::new(op, "p1").path("resource_id", "s1");
        let made = created(op, &request.parts(), &json!({"checkpoint": {"id": "c1"}})).unwrap();
        assert_eq!(made.describe(), "checkpoint c1");
        assert_eq!(made.delete.operation.id, "deleteCheckpoint");
        assert_eq!(made.delete.path.get("checkpoint_id").map(String::as_str), Some("c1"));
        assert!(made.delete.target().starts_with("/v1/p1/providers/fc4d5750"));
        let show = find_operation("showPolicy").unwrap();
        assert!(created(show, &ApiRequest::new(show, "p1").parts(), &json!({})).is_none());
        let mut ledger = Ledger::default();
        ledger.add(made.clone());
        ledger.add(made.clone());
        assert_eq!(ledger.created.len(), 1);
        ledger.deleted(&made.delete);
        assert!(ledger.created.is_empty());
    }
}

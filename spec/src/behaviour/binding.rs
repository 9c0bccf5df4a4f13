//! Which policy a server belongs to (`x-binding` on the operations that bind and release
//! servers), what the capability check answers for a bound one (`x-protectable`), and which
//! parts of an object a request acts on (`x-subset`).

use super::expr::Expr;
use super::{operation_extension, typed};
use crate::Operation;
use serde::Deserialize;

/// What an operation does to the servers of a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// The servers named become bound to the (new) policy.
    Bind,
    /// When servers are named, exactly those are bound to the policy: the policy's others
    /// are released. When none are named (the member absent), nothing changes.
    Rebind,
    /// Every server of the policy is released.
    Release,
}

/// `x-binding`: a server is bound to one policy at most; binding one that another policy
/// holds is the operation's `duplicate` domain error of `servers`. A released server can be
/// bound to another policy, and is protectable again.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Binding {
    pub effect: Effect,
    /// The policy whose servers change.
    pub policy: Expr,
    /// The servers named (absent for a release).
    #[serde(default)]
    pub servers: Option<Expr>,
}

/// How `op` binds or releases servers, if it does.
pub fn binding(op: &Operation) -> Option<Binding> {
    operation_extension(op, "x-binding").map(|v| typed(op, "x-binding", v))
}

/// `x-protectable`: the capability check answers, for each server asked about, whether it
/// can be backed up: `false` with the code `bound` for a server bound to a policy, `true`
/// for a server of the project that no policy holds.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Protectable {
    /// The IDs asked about.
    pub asked: Expr,
    /// Pointer to the answer's items (one per server asked).
    pub answers: String,
    /// Pointers into one answer item.
    pub resource: String,
    pub result: String,
    pub code: String,
    /// The code of an answer about a bound server.
    pub bound: String,
}

/// What `op` answers about servers' protectability, if it does.
pub fn protectable(op: &Operation) -> Option<Protectable> {
    operation_extension(op, "x-protectable").map(|v| typed(op, "x-protectable", v))
}

/// What an operation does when its request names none of the parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoneChosen {
    /// Every part of the object (an absent or empty list names none).
    All,
}

/// `x-subset`: the operation acts on exactly the parts of the object `of` that `chosen`
/// names (the servers of a policy to back up, the backups of a record to delete), and on
/// all of them when it names none.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Subset {
    pub of: Expr,
    pub chosen: Expr,
    /// What the operation made of the parts (the backup record of a run), when it makes.
    #[serde(default)]
    pub made: Option<Expr>,
    pub none_chosen: NoneChosen,
}

/// Which parts `op` acts on, if it acts on a chosen few.
pub fn subset(op: &Operation) -> Option<Subset> {
    operation_extension(op, "x-subset").map(|v| typed(op, "x-subset", v))
}

/// `x-leaves`: what `operation` lists for `query` before the request succeeds is still
/// listed after it, unchanged (a deleted policy's backups stay).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Leaves {
    /// The list operation that shows what stays.
    pub operation: String,
    /// Its query parameters, each a runtime expression of the deleting request.
    pub query: std::collections::BTreeMap<String, Expr>,
}

/// What `op` leaves in place, if the documents say.
pub fn leaves(op: &Operation) -> Option<Leaves> {
    operation_extension(op, "x-leaves").map(|v| typed(op, "x-leaves", v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{all_operations, find_operation};

    #[test]
    fn bindings_subsets_and_protectability_read() {
        let op = |id| find_operation(id).unwrap();
        let effects: Vec<Effect> = ["createPolicy", "updatePolicy", "deletePolicy"]
            .into_iter()
            .map(|id| binding(op(id)).expect("x-binding").effect)
            .collect();
        assert_eq!(effects, [Effect::Bind, Effect::Rebind, Effect::Release]);
        let run = subset(op("executePolicy")).expect("x-subset");
        assert_eq!(
            run.chosen,
            Expr::parse("$request.body#/checkpoint/parameters/resources/*").unwrap()
        );
        let delete = subset(op("deleteCheckpoint")).expect("x-subset");
        assert_eq!(delete.chosen, Expr::RequestQuery("checkpoint_items".into()));
        assert_eq!(
            protectable(op("checkResourceCapabilities")).expect("x-protectable").bound,
            "CSBS.6004"
        );
        let stays = leaves(op("deletePolicy")).expect("x-leaves");
        assert_eq!(stays.operation, "listBackups");
        assert_eq!(stays.query["policy_id"], Expr::parse("$request.path.policy_id").unwrap());
        for op in all_operations() {
            binding(op);
            protectable(op);
            subset(op);
            leaves(op);
        }
    }
}

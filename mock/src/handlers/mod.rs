//! Operation handlers, one module per tag; each gets a request already routed,
//! authenticated and validated against the contract.

mod backups;
mod call;
mod cbr;
mod filters;
mod listing;
mod policies;
mod quotas;
mod resources;
mod restores;
mod scheduled;
mod scope;

pub use call::{Call, Reply};

use crate::errors::ApiError;
use crate::server::App;
use csbs_types::codes::gateway::APIGW_0101;

/// Runs the operation named by `call.op.id`.
pub fn handle(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    scheduled::catch_up(app, call);
    match call.op.id.as_str() {
        "protectResource" => resources::protect(app, call),
        "checkResourceCapabilities" => resources::capabilities(app, call),
        "createPolicy" => policies::create(app, call),
        "listPolicies" => policies::list(app, call),
        "showPolicy" => policies::show(app, call),
        "updatePolicy" => policies::update(app, call),
        "deletePolicy" => policies::delete(app, call),
        "executePolicy" => backups::execute(app, call),
        "deleteCheckpoint" => backups::delete_checkpoint(app, call),
        "countBackups" => backups::count(app, call),
        "showBackup" => backups::show(app, call),
        "listBackups" => backups::list(app, call),
        "createRestore" => restores::create(app, call),
        "showQuotas" => quotas::show(app, call),
        "listCbrBackups" => cbr::list_backups(app, call),
        "showCbrCheckpoint" => cbr::show_checkpoint(app, call),
        other => Err(ApiError::gateway(
            APIGW_0101,
            &format!("operation {other} is not served by this mock"),
        )),
    }
}

/// Operation IDs this mock serves (a test checks that it is every operation of the spec).
#[cfg(test)]
const SERVED: [&str; 16] = [
    "protectResource",
    "checkResourceCapabilities",
    "createPolicy",
    "listPolicies",
    "showPolicy",
    "updatePolicy",
    "deletePolicy",
    "executePolicy",
    "deleteCheckpoint",
    "countBackups",
    "showBackup",
    "listBackups",
    "createRestore",
    "showQuotas",
    "listCbrBackups",
    "showCbrCheckpoint",
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_of_the_spec_is_served() {
        let mut spec: Vec<&str> =
            csbs_spec::operations::all_operations().map(|op| op.id.as_str()).collect();
        let mut served = super::SERVED.to_vec();
        spec.sort_unstable();
        served.sort_unstable();
        assert_eq!(spec, served);
    }
}

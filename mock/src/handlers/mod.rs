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

/// What failed when a change could not be kept in the state file (500 `CSBS.9999`).
pub const KEEPING: &str = "keeping the change in the state file (see GET /_mock/ready)";

use crate::errors::ApiError;
use crate::server::App;
use csbs_types::codes::gateway::APIGW_0101;
use csbs_types::operations::{self as op, dispatch, OperationId, Operations};
use listing::list_query;

/// Runs the operation `call` names, through the spec's generated [`Operations`] trait.
pub fn handle(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let Some(id) = OperationId::from_id(&call.op.id) else {
        let message = format!("operation {} is not served by this mock", call.op.id);
        return Err(ApiError::gateway(APIGW_0101, &message));
    };
    scheduled::catch_up(app, call, id);
    dispatch(&Served(app), id, call, call.path.iter(), call.query.iter())
}

/// The mock's answer to every operation of the spec: one method each, so an operation or a
/// parameter added, removed or renamed in the spec does not compile here.
struct Served<'a>(&'a App);

type Answer = Result<Reply, ApiError>;

impl<'c> Operations<Call<'c>> for Served<'_> {
    type Answer = Answer;

    fn protect_resource(&self, call: &Call<'c>, path: op::ProtectResourcePath<'_>) -> Answer {
        resources::protect(self.0, call, path.resource_id)
    }

    fn check_resource_capabilities(
        &self,
        call: &Call<'c>,
        _: op::CheckResourceCapabilitiesPath<'_>,
    ) -> Answer {
        resources::capabilities(self.0, call)
    }

    fn create_policy(&self, call: &Call<'c>, _: op::CreatePolicyPath<'_>) -> Answer {
        policies::create(self.0, call)
    }

    fn list_policies(
        &self,
        call: &Call<'c>,
        _: op::ListPoliciesPath<'_>,
        query: op::ListPoliciesQuery<'_>,
    ) -> Answer {
        policies::list(self.0, call, query)
    }

    fn show_policy(&self, call: &Call<'c>, path: op::ShowPolicyPath<'_>) -> Answer {
        policies::show(self.0, call, path.policy_id)
    }

    fn update_policy(&self, call: &Call<'c>, path: op::UpdatePolicyPath<'_>) -> Answer {
        policies::update(self.0, call, path.policy_id)
    }

    fn delete_policy(&self, call: &Call<'c>, path: op::DeletePolicyPath<'_>) -> Answer {
        policies::delete(self.0, call, path.policy_id)
    }

    fn execute_policy(&self, call: &Call<'c>, _: op::ExecutePolicyPath<'_>) -> Answer {
        backups::execute(self.0, call)
    }

    fn delete_checkpoint(
        &self,
        call: &Call<'c>,
        path: op::DeleteCheckpointPath<'_>,
        query: op::DeleteCheckpointQuery<'_>,
    ) -> Answer {
        backups::delete_checkpoint(self.0, call, path.checkpoint_id, query.checkpoint_items)
    }

    fn count_backups(
        &self,
        call: &Call<'c>,
        _: op::CountBackupsPath<'_>,
        _: op::CountBackupsQuery<'_>,
    ) -> Answer {
        backups::count(self.0, call)
    }

    fn show_backup(&self, call: &Call<'c>, path: op::ShowBackupPath<'_>) -> Answer {
        backups::show(self.0, call, path.checkpoint_item_id)
    }

    fn list_backups(
        &self,
        call: &Call<'c>,
        _: op::ListBackupsPath<'_>,
        query: op::ListBackupsQuery<'_>,
    ) -> Answer {
        backups::list(self.0, call, list_query!(query))
    }

    fn create_restore(&self, call: &Call<'c>, _: op::CreateRestorePath<'_>) -> Answer {
        restores::create(self.0, call)
    }

    fn show_quotas(&self, call: &Call<'c>, _: op::ShowQuotasPath<'_>) -> Answer {
        quotas::show(self.0, call)
    }

    fn list_cbr_backups(
        &self,
        call: &Call<'c>,
        _: op::ListCbrBackupsPath<'_>,
        query: op::ListCbrBackupsQuery<'_>,
    ) -> Answer {
        cbr::list_backups(self.0, call, list_query!(query))
    }

    fn show_cbr_checkpoint(&self, call: &Call<'c>, path: op::ShowCbrCheckpointPath<'_>) -> Answer {
        cbr::show_checkpoint(self.0, call, path.checkpoint_id)
    }
}

//! Statuses and scopes: a backup's life (`x-lifecycle`), admin-only parameters
//! (`x-admin-only`), the parameter a credential is scoped to (`x-credential-scope`), and the
//! fixed provider ID.

use crate::document::deref;
use crate::{Location, Operation, Parameter, Service};
use serde::Deserialize;
use serde_json::Value;

/// The statuses of a backup's life (`x-lifecycle` on the CSBS `Backup.status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Lifecycle {
    /// A new backup, before it settles.
    pub pending: Vec<String>,
    /// Where a backup stays without anyone acting.
    pub settled: Vec<String>,
    /// A backup whose deletion was accepted, before it is gone.
    pub deleting: Vec<String>,
    /// A task runs on the backup; deleting or restoring it is refused.
    pub busy: Vec<String>,
}

/// The life of a backup as the CSBS document states it.
pub fn backup_lifecycle() -> Lifecycle {
    let doc = Service::Csbs.document();
    let value = doc.pointer("/components/schemas/Backup/properties/status/x-lifecycle");
    value
        .map(|v| {
            serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("x-lifecycle is malformed: {e}"))
        })
        .unwrap_or_default()
}

fn flagged<'o>(
    op: &'o Operation,
    location: Location,
    name: &str,
) -> impl Iterator<Item = &'o Parameter> + 'o {
    let name = name.to_owned();
    op.parameters.iter().filter(move |p| p.location == location && p.extension(&name).is_some())
}

/// Query parameters only an administrator may use (`x-admin-only: true`); others are refused 403.
pub fn admin_only(op: &Operation) -> Vec<&Parameter> {
    flagged(op, Location::Query, "x-admin-only")
        .filter(|p| p.extension("x-admin-only") == Some(&Value::Bool(true)))
        .collect()
}

/// The path parameter naming the project the credential must be scoped to
/// (`x-credential-scope: project`); a credential of another project is refused 403.
pub fn credential_scope(op: &Operation) -> Option<&Parameter> {
    flagged(op, Location::Path, "x-credential-scope").next()
}

/// The one value a path parameter's schema allows (`provider_id`, fixed for CSBS).
pub fn provider_id(op: &Operation, name: &str) -> Option<String> {
    let schema = &op.parameter(Location::Path, name)?.schema;
    match deref(op.service.document(), schema).get("enum")?.as_array()?.as_slice() {
        [Value::String(only)] => Some(only.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::find_operation;

    #[test]
    fn lifecycle_and_scopes_read() {
        let life = backup_lifecycle();
        assert!(
            life.settled.contains(&"available".to_owned())
                && life.deleting.contains(&"deleting".to_owned())
        );
        let list = find_operation("listBackups").unwrap();
        assert_eq!(
            admin_only(list).iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            ["all_tenants"]
        );
        assert_eq!(credential_scope(list).map(|p| p.name.as_str()), Some("project_id"));
        assert_eq!(
            credential_scope(find_operation("listCbrBackups").unwrap()).map(|p| p.name.as_str()),
            Some("project_id")
        );
        let protect = find_operation("protectResource").unwrap();
        assert_eq!(
            provider_id(protect, "provider_id").as_deref(),
            Some("fc4d5750-22e7-4798-8a46-f48f62c4c1da")
        );
    }
}

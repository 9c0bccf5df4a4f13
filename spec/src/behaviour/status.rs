//! Statuses and scopes: a backup's life (`x-lifecycle`), the status the CBR view shows of it
//! (`x-view-of`), admin-only parameters (`x-admin-only`), the parameter a credential is scoped
//! to (`x-credential-scope`), and the fixed provider ID.

use crate::document::deref;
use crate::{Location, Operation, Parameter, Service};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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

/// How the CBR view shows a CSBS backup's status (`x-view-of` on the CBR `BackupResp.status`):
/// a CBR backup is the CSBS backup whose `operation` answers for its `id` (passed as the path
/// `parameter`), and shows the CBR status `statuses` maps that answer's `property` to.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct StatusView {
    /// The CSBS operation showing the same backup (`showBackup`).
    pub operation: String,
    /// Its path parameter that takes the CBR backup's `id`.
    pub parameter: String,
    /// Pointer to the status in that operation's answer.
    pub property: String,
    /// CSBS status to the CBR status shown; `None`: the CBR view does not list the backup.
    pub statuses: BTreeMap<String, Option<String>>,
}

impl StatusView {
    /// What the CBR view shows of a backup CSBS shows as `csbs`: `Some(Some(status))`,
    /// `Some(None)` when CBR does not list it, `None` for a status the rule does not name.
    pub fn cbr(&self, csbs: &str) -> Option<Option<&str>> {
        self.statuses.get(csbs).map(Option::as_deref)
    }
}

/// The CBR view's rule for a backup's status, read once from the CBR document.
pub fn cbr_status_view() -> &'static StatusView {
    static VIEW: OnceLock<StatusView> = OnceLock::new();
    VIEW.get_or_init(|| {
        let doc = Service::Cbr.document();
        let at = "/components/schemas/BackupResp/properties/status/x-view-of";
        let value = doc.pointer(at).unwrap_or_else(|| panic!("cbr-v3.yaml has no {at}"));
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("x-view-of in cbr-v3.yaml is malformed: {e}"))
    })
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
        let view = cbr_status_view();
        assert_eq!(view.cbr("restoring"), Some(Some("restoring")));
        assert_eq!(view.cbr("deleted"), Some(None));
        assert_eq!(view.cbr("unknown"), None);
        let protect = find_operation("protectResource").unwrap();
        assert_eq!(
            provider_id(protect, "provider_id").as_deref(),
            Some("fc4d5750-22e7-4798-8a46-f48f62c4c1da")
        );
    }
}

//! Tag `policies`: create, list, show, update and delete backup policies. Names are unique
//! in a project (CSBS.9007) and a server is bound to one policy at most (CSBS.6004).

use super::call::{Call, Reply};
use super::listing::{next_link, order, page, Link, PolicyKey};
use super::scope::read_scope;
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{
    read, select, write, OperationDef, Policy, PolicyResource, Project, ScheduledOp, SERVER_TYPE,
};
use crate::views::csbs;
use csbs_types::codes::csbs::{CSBS_0001, CSBS_3000, CSBS_6004, CSBS_9007};
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(Serialize)]
struct PolicyBody<'a> {
    policy: csbs::PolicyView<'a>,
}

fn reply(policy: &Policy) -> Reply {
    Reply::json(&PolicyBody { policy: csbs::policy(policy) })
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn status_of(enabled: bool) -> &'static str {
    if enabled {
        "started"
    } else {
        "suspended"
    }
}

fn resources_of(value: &Value) -> Vec<PolicyResource> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| PolicyResource {
            id: text(r, "id").unwrap_or_default().to_owned(),
            name: text(r, "name").unwrap_or_default().to_owned(),
            resource_type: text(r, "type").unwrap_or(SERVER_TYPE).to_owned(),
            extra_info: r.get("extra_info").cloned().unwrap_or_else(|| json!({})),
        })
        .collect()
}

/// Applies the members of an `operation_definition` that are present.
fn apply_definition(def: &mut OperationDef, value: Option<&Value>) {
    let Some(value) = value else { return };
    if let Some(n) = value.get("max_backups").and_then(Value::as_i64) {
        def.max_backups = Some(n);
    }
    if let Some(n) = value.get("retention_duration_days").and_then(Value::as_i64) {
        def.retention_duration_days = Some(n);
    }
    if let Some(b) = value.get("permanent").and_then(Value::as_bool) {
        def.permanent = Some(b);
    }
}

/// CSBS.9007 if another policy has `name`; CSBS.6004 if a server is bound to another policy.
fn check_conflicts(
    project: &Project,
    own_id: &str,
    name: Option<&str>,
    resources: &[PolicyResource],
) -> Result<(), ApiError> {
    let others = || project.policies.values().filter(|p| p.id != own_id && !p.seeded);
    if let Some(name) = name {
        if others().any(|p| p.name == name) {
            return Err(ApiError::documented(CSBS_9007, &[name]));
        }
    }
    for r in resources {
        if others().any(|p| p.resources.iter().any(|o| o.id == r.id)) {
            return Err(ApiError::documented(CSBS_6004, &[&r.id]));
        }
    }
    Ok(())
}

/// `createPolicy`.
pub fn create(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let empty = json!({});
    let body = call.body_at("/policy").unwrap_or(&empty);
    let name = text(body, "name").unwrap_or_default();
    let resources = resources_of(body.get("resources").unwrap_or(&Value::Null));
    let lock = app.store.project(call.project_id());
    let mut project = write(&lock);
    check_conflicts(&project, "", Some(name), &resources)?;
    let limit = app.config.quotas.policies;
    // Seeded policies stay out of the count as they stay out of the name and binding checks.
    if limit >= 0
        && project.policies.values().filter(|p| !p.seeded).count() as u64 >= limit.unsigned_abs()
    {
        return Err(ApiError::documented(CSBS_0001, &[]));
    }
    let op = body.pointer("/scheduled_operations/0").unwrap_or(&empty);
    let enabled = op.get("enabled").and_then(Value::as_bool).unwrap_or(true);
    let mut definition = OperationDef::default();
    apply_definition(&mut definition, op.get("operation_definition"));
    let trigger_id = Uuid::new_v4().to_string();
    let policy = Policy {
        id: Uuid::new_v4().to_string(),
        name: name.to_owned(),
        description: text(body, "description").unwrap_or_default().to_owned(),
        created_at: call.now,
        project_id: call.project_id().to_owned(),
        provider_id: text(body, "provider_id").unwrap_or_default().to_owned(),
        parameters: body.get("parameters").cloned().unwrap_or_else(|| json!({"common": {}})),
        resources,
        operation: ScheduledOp {
            id: Uuid::new_v4().to_string(),
            name: text(op, "name").unwrap_or("default").to_owned(),
            description: text(op, "description").unwrap_or_default().to_owned(),
            enabled,
            definition,
            trigger_id,
            trigger_name: "default".to_owned(),
            pattern: op
                .pointer("/trigger/properties/pattern")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            start_time: call.now,
        },
        status: status_of(enabled).to_owned(),
        seeded: false,
    };
    let answer = reply(&policy);
    let id = policy.id.clone();
    project.policies.insert(id.clone(), policy);
    project.track_schedule(&id, call.now);
    Ok(answer)
}

/// `listPolicies`: exact `name`, sorted, paged by `marker` or `offset`.
pub fn list(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    #[derive(Serialize)]
    struct Body<'a> {
        policies: Vec<csbs::PolicyView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        policies_links: Option<Vec<Link>>,
    }
    let order = order(call, PolicyKey::parse, PolicyKey::CreatedAt)?;
    let name = call.query_str("name");
    read_scope(app, call, |projects| {
        let marker = match call.query_str("marker") {
            None => None,
            Some(m) => Some(
                projects
                    .iter()
                    .find_map(|p| p.policies.get(m))
                    .ok_or_else(|| ApiError::documented(CSBS_3000, &[m]))?,
            ),
        };
        let candidates = projects
            .iter()
            .flat_map(|p| p.policies.values())
            .filter(|p| name.is_none_or(|n| p.name == n));
        let page = select(candidates, marker, &order, page(call));
        let last = page.items.last().map(|p| p.id.clone());
        Ok(Reply::json(&Body {
            policies: page.items.iter().map(|p| csbs::policy(p)).collect(),
            policies_links: next_link(call, page.more, last),
        }))
    })
}

/// `showPolicy`.
pub fn show(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let id = call.path_str("policy_id");
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    project.policies.get(id).map(reply).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))
}

/// `updatePolicy`: fields left out keep their values; the scheduled operation is named by
/// its ID and must be the policy's.
pub fn update(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let id = call.path_str("policy_id");
    let empty = json!({});
    let body = call.body_at("/policy").unwrap_or(&empty);
    let lock = app.store.project(call.project_id());
    let mut project = write(&lock);
    let current = project.policies.get(id).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))?;
    let resources = body.get("resources").map(resources_of);
    check_conflicts(&project, id, text(body, "name"), resources.as_deref().unwrap_or_default())?;
    let op = body.pointer("/scheduled_operations/0");
    if let Some(op_id) = op.and_then(|o| text(o, "id")) {
        if op_id != current.operation.id {
            let message = format!(
                "policy {id} has no scheduled operation with this ID (its operation is {})",
                current.operation.id
            );
            let field = "body.policy.scheduled_operations[0].id";
            return Err(ApiError::invalid_field(
                call.op.service,
                field,
                "scheduled-operation",
                &message,
                Value::from(op_id),
            ));
        }
    }
    let mut policy = current.clone();
    if let Some(name) = text(body, "name") {
        policy.name = name.to_owned();
    }
    if let Some(description) = text(body, "description") {
        policy.description = description.to_owned();
    }
    if let Some(parameters) = body.get("parameters") {
        policy.parameters = parameters.clone();
    }
    if let Some(resources) = resources {
        policy.resources = resources;
    }
    if let Some(op) = op {
        let target = &mut policy.operation;
        if let Some(name) = text(op, "name") {
            target.name = name.to_owned();
        }
        if let Some(description) = text(op, "description") {
            target.description = description.to_owned();
        }
        if let Some(enabled) = op.get("enabled").and_then(Value::as_bool) {
            target.enabled = enabled;
            policy.status = status_of(enabled).to_owned();
        }
        apply_definition(&mut target.definition, op.get("operation_definition"));
        if let Some(pattern) = op.pointer("/trigger/properties/pattern").and_then(Value::as_str) {
            target.pattern = pattern.to_owned();
        }
    }
    let answer = reply(&policy);
    project.policies.insert(policy.id.clone(), policy);
    // A changed schedule (or one enabled again) starts from now: no run is made up.
    project.track_schedule(id, call.now);
    Ok(answer)
}

/// `deletePolicy`: 200 without a body; its backups stay.
pub fn delete(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let id = call.path_str("policy_id");
    let lock = app.store.project(call.project_id());
    let mut project = write(&lock);
    project.policies.remove(id).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))?;
    project.untrack_schedule(id);
    Ok(Reply::Empty)
}

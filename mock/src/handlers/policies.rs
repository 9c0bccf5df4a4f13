//! Tag `policies`: create, list, show, update and delete backup policies. Names are unique
//! in a project (CSBS.9007) and a server is bound to one policy at most (CSBS.6004).

use super::call::{Call, Reply};
use super::listing::{list_query, next_link, order, page, Link, PolicyKey};
use super::scope::read_scope;
use crate::errors::ApiError;
use crate::server::App;
use crate::state::{
    change, json_len, read, select, OperationDef, Policy, PolicyResource, Project, ScheduledOp,
};
use crate::views::csbs;
use csbs_types::codes::csbs::{CSBS_0001, CSBS_3000, CSBS_6004, CSBS_9006, CSBS_9007};
use csbs_types::csbs::{self as body, request};
use csbs_types::operations::ListPoliciesQuery;
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

fn status_of(enabled: bool) -> &'static str {
    if enabled {
        "started"
    } else {
        "suspended"
    }
}

/// A server of a policy, as a request names it.
fn resource(r: &body::PolicyResource<'_>) -> PolicyResource {
    PolicyResource {
        id: r.id.to_owned(),
        name: r.name.to_owned(),
        resource_type: r.type_.to_owned(),
        extra_info: r.extra_info.clone().unwrap_or_else(|| json!({})),
    }
}

/// The policy's `parameters` as sent (the typed members only).
fn parameters(p: &body::PolicyParameters) -> Value {
    serde_json::to_value(p).unwrap_or_else(|_| json!({}))
}

/// 400 when the free-form members of `policy` (its `parameters` and its servers'
/// `extra_info`, as JSON text; an empty object counts nothing) hold more than
/// [`crate::Limits::max_free_form_bytes`]: the spec bounds neither, and the mock keeps them
/// in memory (about six times their text) and renders them in every page (ten policies of
/// 11 MB `parameters` once held 788 MB). Counting stops at the limit.
fn check_free_form(app: &App, call: &Call<'_>, policy: &Policy) -> Result<(), ApiError> {
    let limit = app.config.limits.max_free_form_bytes;
    let mut left = limit;
    let members =
        std::iter::once(&policy.parameters).chain(policy.resources.iter().map(|r| &r.extra_info));
    for member in members.filter(|v| v.as_object().is_none_or(|o| !o.is_empty())) {
        match json_len(member, left) {
            Some(bytes) => left -= bytes,
            None => {
                let message = format!(
                    "holds more than {limit} bytes of free-form JSON (parameters and the \
                     servers' extra_info), the most the mock keeps per policy \
                     (limits.max_free_form_bytes)"
                );
                return Err(ApiError::invalid_field(
                    call.op.service,
                    "body.policy",
                    "max-free-form-bytes",
                    &message,
                    Value::from(limit),
                ));
            }
        }
    }
    Ok(())
}

/// CSBS.9006 (`policy_bytes`) when the project's policies would take more than
/// `limits.max_project_policy_bytes` in the state with `bytes` for the policy `id` (new, or
/// replacing what it took).
fn check_policy_bytes(app: &App, project: &Project, id: &str, bytes: u64) -> Result<(), ApiError> {
    let total = project.policy_bytes.saturating_sub(project.policy_size(id)).saturating_add(bytes);
    if total > app.config.limits.max_project_policy_bytes {
        return Err(ApiError::documented(CSBS_9006, &["policy_bytes"]));
    }
    Ok(())
}

/// Applies the members of an `operation_definition` that are present.
fn apply_definition(def: &mut OperationDef, sent: &body::OperationDefinition<'_>) {
    def.max_backups = sent.max_backups.or(def.max_backups);
    def.retention_duration_days = sent.retention_duration_days.or(def.retention_duration_days);
    def.permanent = sent.permanent.or(def.permanent);
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
    // One pass over the bound servers, not one per new server: policies of tens of
    // thousands of servers stay linear.
    let bound: std::collections::HashSet<&str> =
        others().flat_map(|p| p.resources.iter().map(|o| o.id.as_str())).collect();
    match resources.iter().find(|r| bound.contains(r.id.as_str())) {
        Some(r) => Err(ApiError::documented(CSBS_6004, &[&r.id])),
        None => Ok(()),
    }
}

/// CSBS.9007, CSBS.6004, CSBS.0001 (the policy quota), then CSBS.9006 (the project's policy
/// bytes, the new one taking `bytes`) for a new policy.
fn admit_new(app: &App, project: &Project, policy: &Policy, bytes: u64) -> Result<(), ApiError> {
    check_conflicts(project, "", Some(&policy.name), &policy.resources)?;
    let limit = app.config.quotas.policies;
    // Seeded policies stay out of the count as they stay out of the name and binding checks.
    if limit >= 0
        && project.policies.values().filter(|p| !p.seeded).count() as u64 >= limit.unsigned_abs()
    {
        return Err(ApiError::documented(CSBS_0001, &[]));
    }
    check_policy_bytes(app, project, &policy.id, bytes)
}

/// `createPolicy`.
///
/// The work grows with the policy (tens of thousands of servers): the policy and its answer
/// are built holding no lock, the conflicts are checked under the read lock, and only storing
/// it takes the write lock, so the project's other requests are answered meanwhile. If
/// another request changed the project in between, the checks are made again under the write
/// lock, as if the policy came after that request.
pub fn create(app: &App, call: &Call<'_>) -> Result<Reply, ApiError> {
    let sent: request::CreatePolicy = call.decode()?;
    let policy = new_policy(&sent.policy, call);
    check_free_form(app, call, &policy)?;
    let answer = reply(&policy);
    let bytes = policy.stored_bytes();
    let lock = app.store.project(call.project_id());
    let seen = {
        let project = read(&lock);
        admit_new(app, &project, &policy, bytes)?;
        project.generation
    };
    app.config.hooks.policy_unlocked();
    let id = policy.id.clone();
    let mut project = change(&lock);
    if project.changed_since(seen) {
        admit_new(app, &project, &policy, bytes)?;
    }
    let _absent = project.put_policy(policy, bytes);
    project.track_schedule(&id, call.now);
    Ok(answer)
}

/// The policy a `createPolicy` body describes, with new IDs.
fn new_policy(body: &body::PolicyCreate<'_>, call: &Call<'_>) -> Policy {
    let op = body.scheduled_operations.first();
    let enabled = op.is_none_or(|op| op.enabled);
    let mut definition = OperationDef::default();
    if let Some(op) = op {
        apply_definition(&mut definition, &op.operation_definition);
    }
    Policy {
        id: Uuid::new_v4().to_string(),
        name: body.name.to_owned(),
        description: body.description.unwrap_or_default().to_owned(),
        created_at: call.now,
        project_id: call.project_id().to_owned(),
        provider_id: body.provider_id.to_owned(),
        parameters: parameters(&body.parameters),
        resources: body.resources.iter().map(resource).collect(),
        operation: ScheduledOp {
            id: Uuid::new_v4().to_string(),
            name: op.and_then(|op| op.name).unwrap_or("default").to_owned(),
            description: op.and_then(|op| op.description).unwrap_or_default().to_owned(),
            enabled,
            definition,
            trigger_id: Uuid::new_v4().to_string(),
            trigger_name: "default".to_owned(),
            pattern: op.map(|op| op.trigger.properties.pattern).unwrap_or_default().to_owned(),
            start_time: call.now,
        },
        status: status_of(enabled).to_owned(),
        seeded: false,
    }
}

/// `listPolicies`: exact `name`, sorted, paged by `marker` or `offset`.
pub fn list(app: &App, call: &Call<'_>, query: ListPoliciesQuery<'_>) -> Result<Reply, ApiError> {
    #[derive(Serialize)]
    struct Body<'a> {
        policies: Vec<csbs::PolicyView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        policies_links: Option<Vec<Link>>,
    }
    let list = list_query!(query);
    let order = order(call, list.sort, PolicyKey::parse, PolicyKey::CreatedAt)?;
    let name = query.name;
    read_scope(app, call, |projects| {
        let marker = match list.marker {
            None => None,
            Some(m) => Some(
                projects
                    .iter()
                    .find_map(|p| p.policies.get(m).map(|p| &**p))
                    .ok_or_else(|| ApiError::documented(CSBS_3000, &[m]))?,
            ),
        };
        let candidates = projects
            .iter()
            .flat_map(|p| p.policies.values().map(|p| &**p))
            .filter(|p| name.is_none_or(|n| p.name == n));
        let page = select(candidates, marker, &order, page(call, &list));
        let last = page.items.last().map(|p| p.id.clone());
        Ok(Reply::json(&Body {
            policies: page.items.iter().map(|p| csbs::policy(p)).collect(),
            policies_links: next_link(call, page.more, last),
        }))
    })
}

/// `showPolicy`.
pub fn show(app: &App, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let project = read(&lock);
    project.policies.get(id).map(|p| reply(p)).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))
}

/// `updatePolicy`: fields left out keep their values; the scheduled operation is named by
/// its ID and must be the policy's. Built and checked like [`create`]'s policy: under the read
/// lock, stored under the write lock, built again there only if the project changed meanwhile.
pub fn update(app: &App, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let sent: request::UpdatePolicy = call.decode()?;
    let body = &sent.policy;
    let resources: Option<Vec<PolicyResource>> =
        body.resources.as_ref().map(|r| r.iter().map(resource).collect());
    let lock = app.store.project(call.project_id());
    let (mut policy, seen) = {
        let project = read(&lock);
        (updated(&project, call, id, body, resources)?, project.generation)
    };
    // A rebuild below changes no free-form member: checked once.
    check_free_form(app, call, &policy)?;
    let mut answer = reply(&policy);
    let mut bytes = policy.stored_bytes();
    check_policy_bytes(app, &read(&lock), id, bytes)?;
    app.config.hooks.policy_unlocked();
    let mut project = change(&lock);
    if project.changed_since(seen) {
        let resources = body.resources.is_some().then(|| std::mem::take(&mut policy.resources));
        policy = updated(&project, call, id, body, resources)?;
        answer = reply(&policy);
        bytes = policy.stored_bytes();
        check_policy_bytes(app, &project, id, bytes)?;
    }
    let replaced = project.put_policy(policy, bytes);
    // A changed schedule (or one enabled again) starts from now: no run is made up.
    project.track_schedule(id, call.now);
    drop(project);
    drop(replaced);
    Ok(answer)
}

/// The policy `id` as `body` changes it (with `resources`, the servers it sent), checked
/// against the project's other policies.
fn updated(
    project: &Project,
    call: &Call<'_>,
    id: &str,
    body: &body::PolicyUpdate<'_>,
    resources: Option<Vec<PolicyResource>>,
) -> Result<Policy, ApiError> {
    let current = project.policies.get(id).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))?;
    check_conflicts(project, id, body.name, resources.as_deref().unwrap_or_default())?;
    let op = body.scheduled_operations.as_ref().and_then(|ops| ops.first());
    if let Some(op) = op.filter(|op| op.id != current.operation.id) {
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
            Value::from(op.id),
        ));
    }
    let mut policy = match resources {
        Some(resources) => current.with_resources(resources),
        None => (**current).clone(),
    };
    if let Some(name) = body.name {
        policy.name = name.to_owned();
    }
    if let Some(description) = body.description {
        policy.description = description.to_owned();
    }
    if let Some(sent) = &body.parameters {
        policy.parameters = parameters(sent);
    }
    if let Some(op) = op {
        let target = &mut policy.operation;
        if let Some(name) = op.name {
            target.name = name.to_owned();
        }
        if let Some(description) = op.description {
            target.description = description.to_owned();
        }
        if let Some(enabled) = op.enabled {
            target.enabled = enabled;
            policy.status = status_of(enabled).to_owned();
        }
        if let Some(definition) = &op.operation_definition {
            apply_definition(&mut target.definition, definition);
        }
        if let Some(trigger) = &op.trigger {
            target.pattern = trigger.properties.pattern.to_owned();
        }
    }
    Ok(policy)
}

/// `deletePolicy`: 200 without a body; removes the policy alone, so what `x-leaves` names
/// (the backups it made) stays.
pub fn delete(app: &App, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let lock = app.store.project(call.project_id());
    let mut project = change(&lock);
    let removed =
        project.remove_policy(id).ok_or_else(|| ApiError::documented(CSBS_3000, &[id]))?;
    project.untrack_schedule(id);
    // A big policy takes a while to free: not while the project is locked.
    drop(project);
    drop(removed);
    Ok(Reply::Empty)
}

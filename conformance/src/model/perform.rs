//! One step on one side: the requests it sends there, resolved with that side's IDs, and what
//! its answers determine by the documents (the facts the two sides must agree on), with every
//! ID replaced by its place in the history (`policy#0`) so that the two sides compare.

use super::gen::{sort_rule, Pool};
use super::sides::{MadeItem, MadePolicy, Names, Reply, Side};
use super::step::{Arg, Query, ScheduleChange, Step};
use crate::behaviour::support::{compare, id_of, property};
use crate::fixtures;
use crate::request::ApiRequest;
use csbs_spec::behaviour::{pagination, usage, UsageKind};
use csbs_spec::operations::find_operation;
use serde_json::{json, Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What a step's answers on one side determine, by kind of comparison (`status`, `code`,
/// `echo`, `binding`, `membership`, `count`, `usage`, `scope`, `capabilities`).
#[derive(Clone, Debug, Default)]
pub struct Observed {
    pub facts: BTreeMap<&'static str, Value>,
    /// The answers, the step's own first.
    pub replies: Vec<Reply>,
    /// An order or paging fault the side's own answers show (judged on the endpoint only).
    pub order: Option<String>,
}

/// What every step needs besides its side.
pub struct Ctx<'a> {
    pub pool: &'a Pool,
    pub servers: &'a [String],
    /// The project held only the history's objects when it started: lists and counts compare
    /// whole; otherwise only the history's own objects are compared and counts are skipped.
    pub exact: bool,
    /// Servers already bound to a policy the history did not make when it started (only when
    /// not exact): the model is given a policy of its own for each (see `history::fresh_model`).
    pub bound: &'a [String],
}

impl Observed {
    fn answer(reply: Reply) -> Observed {
        let mut facts = BTreeMap::new();
        facts.insert("status", json!(reply.status));
        facts.insert("code", json!(reply.code()));
        Observed { facts, replies: vec![reply], order: None }
    }

    fn ok(&self) -> bool {
        self.replies.first().is_some_and(Reply::ok)
    }
}

/// Strings that are IDs of the history's objects or the run's servers, replaced by their
/// places; `(generated)` for any other ID-like value is left to the caller.
fn abstracted(value: &Value, names: &Names, servers: &[String]) -> Value {
    match value {
        Value::String(s) => {
            if let Some(n) = names.name_of(s) {
                return Value::String(n);
            }
            match servers.iter().position(|x| x == s) {
                Some(n) => Value::String(format!("server#{n}")),
                None => value.clone(),
            }
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| abstracted(v, names, servers)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| (k.clone(), abstracted(v, names, servers))).collect(),
        ),
        other => other.clone(),
    }
}

/// A lenient wire value as the documents mean it: `"20"` is 20, `"True"` is true.
fn lenient(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(s)) => match (s.parse::<i64>(), s.to_ascii_lowercase().as_str()) {
            (Ok(n), _) => json!(n),
            (_, "true") => json!(true),
            (_, "false") => json!(false),
            _ => json!(s),
        },
        Some(v) => v.clone(),
        None => Value::Null,
    }
}

fn sorted_texts(values: Vec<Value>) -> Value {
    let mut texts: Vec<String> =
        values.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect();
    texts.sort();
    json!(texts)
}

/// A policy's documented members: echo (name, description, retention) and binding (servers).
fn policy_facts(
    policy: &Value,
    side: &Side,
    ctx: &Ctx<'_>,
    out: &mut BTreeMap<&'static str, Value>,
) {
    let a = |v: &Value| abstracted(v, &side.names, ctx.servers);
    let definition = policy.pointer("/scheduled_operations/0/operation_definition");
    let def = |k: &str| lenient(definition.and_then(|d| d.get(k)));
    out.insert(
        "echo",
        json!({
            "name": policy.get("name"),
            "description": policy.get("description"),
            "max_backups": def("max_backups"),
            "retention_duration_days": def("retention_duration_days"),
            // Absent is not permanent (the view always answers it; `False` unless set).
            "permanent": match def("permanent") {
                Value::Null => json!(false),
                p => p,
            },
            "pattern": policy.pointer("/scheduled_operations/0/trigger/properties/pattern"),
            "enabled": lenient(policy.pointer("/scheduled_operations/0/enabled")),
        }),
    );
    let resources: Vec<Value> = policy
        .get("resources")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|x| x.get("id")).map(a).collect())
        .unwrap_or_default();
    out.insert("binding", sorted_texts(resources));
}

/// A backup's documented members (CSBS item or CBR backup). Names not given by the history
/// are not compared (the documents leave generated names open).
fn item_facts(item: &Value, side: &Side, ctx: &Ctx<'_>, with_status: bool) -> Value {
    let a = |v: Option<&Value>| v.map_or(Value::Null, |v| abstracted(v, &side.names, ctx.servers));
    let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
    let given = ctx.pool.names.iter().any(|n| n == name);
    json!({
        "id": a(item.get("id")),
        "status": if with_status { item.get("status").cloned().unwrap_or(Value::Null) } else { Value::Null },
        "resource_id": a(item.get("resource_id")),
        "checkpoint_id": a(item.get("checkpoint_id")),
        "name": if given { json!(name) } else { json!("(generated)") },
    })
}

fn servers_of(places: &[usize], ctx: &Ctx<'_>) -> Vec<String> {
    places.iter().filter_map(|p| ctx.servers.get(p % ctx.servers.len().max(1)).cloned()).collect()
}

fn resolve(arg: &Arg, side: &Side, ctx: &Ctx<'_>) -> String {
    let unknown = || ctx.pool.unknown.clone();
    match arg {
        Arg::Text(t) => t.clone(),
        Arg::Policy(n) => side.names.policy(*n).map_or_else(unknown, |p| p.id.clone()),
        Arg::Record(n) => side.names.record(*n).cloned().unwrap_or_else(unknown),
        Arg::Server(n) => servers_of(&[*n], ctx).pop().unwrap_or_else(unknown),
        Arg::Name(n) => ctx.pool.names[n % ctx.pool.names.len()].clone(),
        Arg::Since(n) | Arg::Until(n) => {
            let spans = &side.names.spans;
            let span = (!spans.is_empty()).then(|| spans[n % spans.len()]).flatten();
            let Some((first, last)) = span else { return unknown() };
            // Just after the last: a service that keeps finer times than it shows still
            // counts the record's last backup as made before the bound.
            let at = if matches!(arg, Arg::Since(_)) { first } else { last + 1 };
            chrono::DateTime::from_timestamp_micros(at)
                .map_or_else(unknown, |t| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
        }
    }
}

/// The backup at `place` on `side` (its index in `items`), or an unknown one.
fn made_item(place: usize, side: &Side, ctx: &Ctx<'_>) -> (Option<usize>, MadeItem) {
    let items = &side.names.items;
    match items.is_empty() {
        true => (
            None,
            MadeItem {
                id: ctx.pool.unknown.clone(),
                record: ctx.pool.unknown.clone(),
                server: ctx.servers.first().cloned().unwrap_or_default(),
                listed: Vec::new(),
            },
        ),
        false => (Some(place % items.len()), items[place % items.len()].clone()),
    }
}

/// Reads the disk backups of the backup a restore step names, once (its show lists them with
/// the disks they came from); the show's answer, when one was sent.
pub async fn prepare(step: &Step, side: &mut Side, ctx: &Ctx<'_>) -> Option<Reply> {
    let (Step::Restore { item } | Step::Restorable { item }) = step else { return None };
    let (Some(index), made) = made_item(*item, side, ctx) else { return None };
    if side.names.volumes_of(index).is_some() {
        return None;
    }
    let reply = side.send(&side.request("showBackup").path("checkpoint_item_id", made.id)).await;
    if let (true, Some(item)) =
        (reply.ok(), reply.json.as_ref().and_then(|b| b.get("checkpoint_item")))
    {
        side.names.volumes.push((index, volume_backups(item)));
    }
    Some(reply)
}

/// A backup's disk backups and the disks they came from.
fn volume_backups(item: &Value) -> Vec<(String, String)> {
    let listed = item.pointer("/extend_info/volume_backups").and_then(Value::as_array);
    listed
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            Some((text("id")?, text("source_volume_id")?))
        })
        .collect()
}

/// The restore of a backup to its server, every disk backup to its source disk.
struct RestoreOf {
    item: MadeItem,
    volumes: Vec<(String, String)>,
}

impl RestoreOf {
    fn of(item: usize, side: &Side, ctx: &Ctx<'_>) -> RestoreOf {
        let (index, item) = made_item(item, side, ctx);
        // A backup whose show failed (gone) is restored as it was listed: the answer is then
        // its absence, not an empty mapping's 400.
        let shown = index.and_then(|i| side.names.volumes_of(i)).map(<[_]>::to_vec);
        let volumes = shown.unwrap_or_else(|| item.listed.clone());
        RestoreOf { item, volumes }
    }

    fn as_restore(&self) -> fixtures::Restore<'_> {
        fixtures::Restore {
            checkpoint_id: &self.item.record,
            checkpoint_item_id: &self.item.id,
            server_id: &self.item.server,
            volumes: &self.volumes,
        }
    }
}

/// The scheduled operation `id` as a partial update sends it: only the members `change` has.
fn scheduled_operation(id: &str, change: &ScheduleChange) -> Value {
    let mut item = json!({"id": id});
    if change.sends_definition() {
        let mut definition = Map::new();
        let members = [
            ("max_backups", change.max_backups.map(Value::from)),
            ("retention_duration_days", change.retention_days.map(Value::from)),
            ("permanent", change.permanent.map(Value::from)),
        ];
        for (member, value) in members {
            if let Some(value) = value {
                definition.insert(member.to_owned(), value);
            }
        }
        item["operation_definition"] = Value::Object(definition);
    }
    if let Some(pattern) = &change.pattern {
        item["trigger"] = json!({"properties": {"pattern": pattern}});
    }
    if let Some(enabled) = change.enabled {
        item["enabled"] = json!(enabled);
    }
    item
}

fn policy_id(place: usize, side: &Side, ctx: &Ctx<'_>) -> (String, String) {
    match side.names.policy(place) {
        Some(p) => (p.id.clone(), p.schedule.clone()),
        None => (ctx.pool.unknown.clone(), ctx.pool.unknown.clone()),
    }
}

/// The request a single (not list) step sends on `side`.
pub fn request(step: &Step, side: &Side, ctx: &Ctx<'_>) -> Option<ApiRequest> {
    let pool = ctx.pool;
    let name = |n: usize| pool.names[n % pool.names.len()].clone();
    let description = |n: usize| pool.descriptions[n % pool.descriptions.len()].clone();
    let r = match step {
        Step::CreatePolicy { name: n, description: d, servers, max_backups, retention_days } => {
            let mut body = fixtures::policy(&name(*n), &description(*d), &servers_of(servers, ctx));
            if let Some(def) =
                body.pointer_mut("/policy/scheduled_operations/0/operation_definition")
            {
                def["max_backups"] = json!(max_backups);
                if let Some(days) = retention_days {
                    def["retention_duration_days"] = json!(days);
                }
            }
            side.request("createPolicy").body(body)
        }
        Step::UpdatePolicy { policy, name: n, description: d, servers, schedule: change } => {
            let (id, schedule) = policy_id(*policy, side, ctx);
            let (name, description) = (n.map(name), d.map(description));
            let servers = servers.as_ref().map(|s| servers_of(s, ctx));
            let mut body = fixtures::policy_update(&fixtures::PolicyChange {
                name: name.as_deref(),
                description: description.as_deref(),
                servers: servers.as_deref(),
                schedule: None,
                retention: None,
                retention_days: None,
            });
            if let (true, Some(p)) = (change.sends(), body.get_mut("policy")) {
                p["scheduled_operations"] = json!([scheduled_operation(&schedule, change)]);
            }
            side.request("updatePolicy").path("policy_id", id).body(body)
        }
        Step::DeletePolicy { policy } => {
            side.request("deletePolicy").path("policy_id", policy_id(*policy, side, ctx).0)
        }
        Step::ShowPolicy { policy } => {
            side.request("showPolicy").path("policy_id", policy_id(*policy, side, ctx).0)
        }
        Step::Protect { server, name: n } => side
            .request("protectResource")
            .path("resource_id", resolve(&Arg::Server(*server), side, ctx))
            .body(fixtures::protect(&name(*n), None)),
        Step::RunPolicy { policy, servers } => {
            let mut body = fixtures::policy_run(&policy_id(*policy, side, ctx).0);
            if let Some(parameters) = body.pointer_mut("/checkpoint/parameters") {
                parameters["auto_trigger"] = json!(false);
                if let Some(s) = servers {
                    parameters["resources"] = json!(servers_of(s, ctx));
                }
            }
            side.request("executePolicy").body(body)
        }
        Step::DeleteRecord { record } => side
            .request("deleteCheckpoint")
            .path("checkpoint_id", resolve(&Arg::Record(*record), side, ctx)),
        Step::DeleteItem { item } => {
            let made = made_item(*item, side, ctx).1;
            side.request("deleteCheckpoint")
                .path("checkpoint_id", made.record)
                .query("checkpoint_items", made.id)
        }
        Step::ShowBackup { item } => {
            let id = side.names.item(*item).map_or_else(|| pool.unknown.clone(), |i| i.id.clone());
            side.request("showBackup").path("checkpoint_item_id", id)
        }
        Step::CountBackups { filters } => {
            let mut r = side.request("countBackups");
            for (k, v) in filters {
                r = r.query(k, resolve(v, side, ctx));
            }
            r
        }
        Step::ShowQuotas => side.request("showQuotas"),
        Step::ShowCbrCheckpoint { record } => side
            .request("showCbrCheckpoint")
            .path("checkpoint_id", resolve(&Arg::Record(*record), side, ctx)),
        Step::Restore { item } => side
            .request("createRestore")
            .body(fixtures::restore(&RestoreOf::of(*item, side, ctx).as_restore())),
        Step::Restorable { item } => side
            .request("checkResourceCapabilities")
            .body(fixtures::restorable_check(&RestoreOf::of(*item, side, ctx).as_restore())),
        Step::Capabilities { servers } => side
            .request("checkResourceCapabilities")
            .body(fixtures::protectable_check(&servers_of(servers, ctx))),
        Step::ListPolicies { .. } => side.request("listPolicies"),
        Step::ListBackups { .. } => side.request("listBackups"),
        Step::ListCbrBackups { .. }
        | Step::Reshow
        | Step::Sweep
        | Step::Together(_)
        | Step::Foreign { .. } => return None,
    };
    Some(r)
}

/// Performs `step` on `side` and records what the history made there.
pub async fn perform(step: &Step, side: &mut Side, ctx: &Ctx<'_>) -> Observed {
    match step {
        Step::ListPolicies { query } => return list(side, "listPolicies", query, ctx).await,
        Step::ListBackups { query } => return list(side, "listBackups", query, ctx).await,
        Step::ListCbrBackups { query } => return list(side, "listCbrBackups", query, ctx).await,
        Step::Together(_) => return Observed::default(),
        Step::Foreign { step, first_path } => return foreign(step, *first_path, side, ctx).await,
        Step::Reshow => return reshow(side).await,
        Step::Sweep => return super::sweep::sweep(side, ctx).await,
        _ => {}
    }
    let shown = prepare(step, side, ctx).await;
    let Some(request) = request(step, side, ctx) else { return Observed::default() };
    let reply = side.send(&request).await;
    let mut seen = absorb(step, side, ctx, reply).await;
    // The show that read the disk backups went first, and is compared too.
    if let Some(shown) = shown {
        seen.facts.insert("shown", shown_fact(&shown));
        seen.replies.insert(0, shown);
    }
    seen
}

/// What the show a step needed first answered (`shown`): its status and code.
pub fn shown_fact(reply: &Reply) -> Value {
    json!({"status": reply.status, "code": reply.code()})
}

/// Shows by ID what the side's history deleted (each must be gone, answering the documented
/// code) and the backups it restored (settled again, as the documents' statuses say).
async fn reshow(side: &Side) -> Observed {
    let mut seen = Observed::default();
    let mut entries = Vec::new();
    let names = &side.names;
    let policies = dedup(&names.deleted_policies);
    for p in policies {
        let id = names.policies[p].id.clone();
        let reply = side.send(&side.request("showPolicy").path("policy_id", id)).await;
        entries.push(json!([format!("policy#{p}"), reply.status, reply.code()]));
        seen.replies.push(reply);
    }
    let deleted = dedup(&names.deleted_items);
    let restored = dedup(&names.restored_items).into_iter().filter(|i| !deleted.contains(i));
    for i in deleted.iter().copied().chain(restored) {
        let id = names.items[i].id.clone();
        let reply = side.send(&side.request("showBackup").path("checkpoint_item_id", id)).await;
        let status =
            reply.json.as_ref().and_then(|b| b.pointer("/checkpoint_item/status")).cloned();
        entries.push(json!([format!("item#{i}"), reply.status, reply.code(), status]));
        seen.replies.push(reply);
    }
    seen.facts.insert("reshow", json!(entries));
    seen
}

fn dedup(places: &[usize]) -> Vec<usize> {
    let mut places = places.to_vec();
    places.sort_unstable();
    places.dedup();
    places
}

/// What a single step's `reply` on `side` determines; records what it made there.
pub async fn absorb(step: &Step, side: &mut Side, ctx: &Ctx<'_>, reply: Reply) -> Observed {
    let mut seen = Observed::answer(reply.clone());
    if !seen.ok() {
        return seen;
    }
    let body = reply.json.clone().unwrap_or_default();
    let names = &mut side.names;
    match step {
        Step::DeletePolicy { policy } if !names.policies.is_empty() => {
            let place = policy % names.policies.len();
            names.deleted_policies.push(place);
            // A policy has no lifecycle (`x-lifecycle` is the backups'): it is gone at once.
            let id = names.policies[place].id.clone();
            let again = side.send(&side.request("showPolicy").path("policy_id", id)).await;
            seen.facts.insert("gone", json!({"status": again.status, "code": again.code()}));
            seen.replies.push(again);
        }
        Step::DeleteRecord { record } if !names.records.is_empty() => {
            let record = &names.records[record % names.records.len()];
            let of: Vec<usize> =
                (0..names.items.len()).filter(|&i| names.items[i].record == *record).collect();
            names.deleted_items.extend(of);
        }
        Step::DeleteItem { item } if !names.items.is_empty() => {
            names.deleted_items.push(item % names.items.len());
        }
        Step::Restore { item } if !names.items.is_empty() => {
            names.restored_items.push(item % names.items.len());
        }
        _ => {}
    }
    match step {
        Step::CreatePolicy { .. } => {
            if let Some(id) = reply.text("/policy/id") {
                let schedule = reply.text("/policy/scheduled_operations/0/id").unwrap_or_default();
                side.names.policies.push(MadePolicy { id, schedule });
            }
            if let Some(p) = body.get("policy") {
                policy_facts(p, side, ctx, &mut seen.facts);
            }
        }
        Step::UpdatePolicy { policy, schedule, .. } => {
            if let Some(p) = body.get("policy") {
                policy_facts(p, side, ctx, &mut seen.facts);
            }
            if schedule.enabled == Some(true) {
                disable_again(*policy, side, ctx, &mut seen).await;
            }
        }
        Step::ShowPolicy { .. } => {
            if let Some(p) = body.get("policy") {
                policy_facts(p, side, ctx, &mut seen.facts);
            }
        }
        Step::Protect { .. } | Step::RunPolicy { .. } => {
            let plan: Vec<Value> = body
                .pointer("/checkpoint/protection_plan/resources")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.get("id"))
                        .map(|v| abstracted(v, &side.names, ctx.servers))
                        .collect()
                })
                .unwrap_or_default();
            seen.facts.insert("scope", sorted_texts(plan));
            if let Some(record) = reply.text("/checkpoint/id") {
                discover(side, &record, ctx, &mut seen).await;
            }
        }
        Step::ShowBackup { .. } => {
            if let Some(item) = body.get("checkpoint_item") {
                seen.facts.insert("echo", item_facts(item, side, ctx, true));
            }
        }
        Step::CountBackups { .. } if ctx.exact => {
            seen.facts.insert("count", lenient(body.get("count")));
        }
        Step::ShowQuotas => {
            seen.facts.insert("usage", usage_of(&body, side, ctx));
        }
        Step::ShowCbrCheckpoint { .. } => {
            let a = |v: Option<&Value>| {
                v.map_or(Value::Null, |v| abstracted(v, &side.names, ctx.servers))
            };
            let resources: Vec<Value> = body
                .pointer("/checkpoint/vault/resources")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter().map(|x| json!([a(x.get("id")), x.get("protect_status")])).collect()
                })
                .unwrap_or_default();
            seen.facts.insert(
                "echo",
                json!({
                    "id": a(body.pointer("/checkpoint/id")),
                    "status": body.pointer("/checkpoint/status"),
                    "resources": sorted_texts(resources),
                }),
            );
        }
        Step::Restorable { .. } => {
            seen.facts.insert("capabilities", capability_results(&body, "/restorable", side, ctx));
        }
        Step::Capabilities { .. } => {
            seen.facts.insert("capabilities", capability_results(&body, "/protectable", side, ctx));
        }
        _ => {}
    }
    seen
}

/// A capability answer's items: the resource asked about, the result, and the code of a
/// false one.
/// After an update that enabled policy `place`'s schedule was compared, disables it again
/// (compared too, `disabled`): when an enabled schedule runs is the side's clock, not an
/// outcome of the history (the model's clock runs ahead; see CONVENTIONS, "Schedules").
async fn disable_again(place: usize, side: &mut Side, ctx: &Ctx<'_>, seen: &mut Observed) {
    let schedule = ScheduleChange { enabled: Some(false), ..ScheduleChange::default() };
    let update = Step::UpdatePolicy {
        policy: place,
        name: None,
        description: None,
        servers: None,
        schedule,
    };
    let Some(request) = request(&update, side, ctx) else { return };
    let reply = side.send(&request).await;
    seen.facts.insert("disabled", json!({"status": reply.status, "code": reply.code()}));
    seen.replies.push(reply);
}

fn capability_results(body: &Value, pointer: &str, side: &Side, ctx: &Ctx<'_>) -> Value {
    let items = body.pointer(pointer).and_then(Value::as_array).cloned().unwrap_or_default();
    let results: Vec<Value> = items
        .iter()
        .map(|x| {
            let resource =
                abstracted(x.get("resource_id").unwrap_or(&Value::Null), &side.names, ctx.servers);
            let result = lenient(x.get("result"));
            let code = match result {
                Value::Bool(false) => x.get("error_code").cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            };
            json!([resource, result, code])
        })
        .collect();
    json!(results)
}

/// A step with the second project's credential: it must neither answer nor list this
/// project's objects, nor change them (`isolation`: its status and code, and which of the
/// history's objects its answer shows).
async fn foreign(step: &Step, first_path: bool, side: &mut Side, ctx: &Ctx<'_>) -> Observed {
    let (Some(other), Some(mut r)) = (side.other_project.clone(), request(step, side, ctx)) else {
        return Observed::default();
    };
    if !first_path {
        r = r.path("project_id", other);
    }
    let reply = side.send_as_other(&r).await;
    let shown: Vec<String> = reply
        .json
        .as_ref()
        .map(|b| {
            let mut ids = Vec::new();
            collect_own(b, &side.names, &mut ids);
            ids
        })
        .unwrap_or_default();
    let mut seen = Observed { replies: vec![reply.clone()], ..Observed::default() };
    seen.facts
        .insert("isolation", json!({"status": reply.status, "code": reply.code(), "shows": shown}));
    seen
}

/// The history's objects a value names (by ID), each once.
fn collect_own(value: &Value, names: &Names, out: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if let Some(n) = names.name_of(s).filter(|n| !out.contains(n)) {
                out.push(n);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_own(v, names, out)),
        Value::Object(map) => map.values().for_each(|v| collect_own(v, names, out)),
        _ => {}
    }
}

/// The backups of a new record: listed by its ID, each remembered (ordered by server, so that
/// the two sides number them alike); the servers they back up are compared.
async fn discover(side: &mut Side, record: &str, ctx: &Ctx<'_>, seen: &mut Observed) {
    side.names.records.push(record.to_owned());
    let request = side.request("listBackups").query("checkpoint_id", record);
    let reply = side.send(&request).await;
    let mut items: Vec<Value> = reply
        .json
        .as_ref()
        .and_then(|b| b.get("checkpoint_items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    items.sort_by_key(|i| {
        i.get("resource_id").and_then(Value::as_str).unwrap_or_default().to_owned()
    });
    for item in &items {
        if let Some(id) = id_of(item) {
            let server = item.get("resource_id").and_then(Value::as_str).unwrap_or_default();
            let (record, server) = (record.to_owned(), server.to_owned());
            let listed = volume_backups(item);
            side.names.items.push(MadeItem { id: id.to_owned(), record, server, listed });
        }
    }
    let times: Vec<i64> = items
        .iter()
        .filter_map(|i| i.get("created_at")?.as_str().and_then(csbs_spec::behaviour::instant))
        .collect();
    let span = times.iter().min().zip(times.iter().max()).map(|(a, b)| (*a, *b));
    side.names.spans.push(span);
    let facts: Vec<Value> = items.iter().map(|i| item_facts(i, side, ctx, false)).collect();
    seen.facts.insert("membership", json!(facts));
    seen.replies.push(reply);
}

/// The quotas' used counts (`x-usage` kinds that count items; sums depend on the servers'
/// disks, which the model makes up), less the side's own starting point when not exact.
fn usage_of(body: &Value, side: &Side, ctx: &Ctx<'_>) -> Value {
    let Some(op) = find_operation("showQuotas") else { return Value::Null };
    let mut out = Map::new();
    let rows =
        body.pointer("/quotas/resources").and_then(Value::as_array).cloned().unwrap_or_default();
    for u in usage(op) {
        if !matches!(u.kind, UsageKind::Counts { .. }) {
            continue;
        }
        let used = rows
            .iter()
            .find(|r| r.get("type").and_then(Value::as_str) == Some(u.quota_type.as_str()))
            .and_then(|r| lenient(r.get("used")).as_i64());
        let base = if ctx.exact {
            0
        } else {
            side.baseline_usage.get(&u.quota_type).copied().unwrap_or(0)
        };
        out.insert(u.quota_type.clone(), json!(used.map(|n| n - base)));
    }
    Value::Object(out)
}

/// The items of a list answer at `pointer` (none when it has no such array).
fn items_at(reply: &Reply, pointer: &str) -> Vec<Value> {
    let items = reply.json.as_ref().and_then(|b| b.pointer(pointer));
    items.and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The used counts of a quotas answer, by type (the starting point of a history).
pub fn usage_counts(body: &Value) -> BTreeMap<String, i64> {
    let rows =
        body.pointer("/quotas/resources").and_then(Value::as_array).cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            Some((r.get("type")?.as_str()?.to_owned(), lenient(r.get("used")).as_i64()?))
        })
        .collect()
}

/// A list step: the whole list (same filters and sort, no paging) and, when the step pages,
/// the page. Membership and members compare with the other side; the order and the page are
/// judged on the side's own values by the documented sort (ties and IDs are the side's own).
pub(super) async fn list(
    side: &mut Side,
    operation_id: &str,
    query: &Query,
    ctx: &Ctx<'_>,
) -> Observed {
    let Some(op) = find_operation(operation_id) else { return Observed::default() };
    let Some(paging) = pagination(op) else { return Observed::default() };
    let mut base = side.request(operation_id);
    for (k, v) in &query.filters {
        base = base.query(k, resolve(v, side, ctx));
    }
    if let Some(s) = &query.sort {
        base = base.query("sort", s.clone());
    }
    let reply = side.send(&base).await;
    let mut seen = Observed::answer(reply.clone());
    if !seen.ok() {
        return seen;
    }
    let all = items_at(&reply, &paging.items);
    let own: Vec<&Value> = all
        .iter()
        .filter(|i| ctx.exact || id_of(i).and_then(|id| side.names.name_of(id)).is_some())
        .collect();
    let is_policy = operation_id == "listPolicies";
    let mut members: Vec<Value> = own
        .iter()
        .map(|i| {
            if is_policy {
                let mut f = BTreeMap::new();
                policy_facts(i, side, ctx, &mut f);
                json!({"id": abstracted(i.get("id").unwrap_or(&Value::Null), &side.names, ctx.servers), "facts": f})
            } else {
                item_facts(i, side, ctx, true)
            }
        })
        .collect();
    members.sort_by_key(Value::to_string);
    seen.facts.insert("membership", json!(members));
    if let (Some(total), true) = (&paging.total, ctx.exact) {
        let count = reply.json.as_ref().and_then(|b| b.pointer(total)).cloned();
        seen.facts.insert("count", lenient(count.as_ref()));
    }
    let rule = sort_rule(operation_id);
    let keys =
        rule.as_ref().and_then(|r| r.parse(query.sort.as_deref().or(r.default.as_deref())?).ok());
    if let (Some(rule), Some(keys)) = (&rule, &keys) {
        seen.order = unsorted(&all, rule, keys);
    }
    let paged = query.limit.is_some() || query.offset.is_some() || query.marker.is_some();
    if !paged {
        return seen;
    }
    // The marker: a made object the whole list holds (past the end of a list is not documented).
    let marker = query.marker.and_then(|n| {
        let ids: Vec<&str> = all.iter().filter_map(id_of).collect();
        let made: Vec<String> = match is_policy {
            true => side.names.policies.iter().map(|p| p.id.clone()).collect(),
            false => side.names.items.iter().map(|i| i.id.clone()).collect(),
        };
        let chosen = made.get(n % made.len().max(1))?.clone();
        ids.contains(&chosen.as_str()).then_some(chosen)
    });
    let mut page_request = base.clone();
    let mut start = 0;
    if let Some(m) = &marker {
        page_request = page_request.query(&paging.marker, m.clone());
        start = all.iter().position(|i| id_of(i) == Some(m.as_str())).map_or(0, |p| p + 1);
    } else if let (Some(o), Some(name)) = (query.offset, &paging.offset) {
        page_request = page_request.query(name, o.to_string());
        start = o as usize;
    }
    if let Some(l) = query.limit {
        page_request = page_request.query(&paging.limit, l.to_string());
    }
    let page_reply = side.send(&page_request).await;
    seen.facts.insert("page status", json!(page_reply.status));
    let page = items_at(&page_reply, &paging.items);
    let end = query.limit.map_or(all.len(), |l| (start + l as usize).min(all.len()));
    let expected: Vec<Value> =
        all.get(start.min(all.len())..end).map(<[Value]>::to_vec).unwrap_or_default();
    if let (true, None, Some(rule), Some(keys)) = (page_reply.ok(), &seen.order, &rule, &keys) {
        seen.order = page_fault(&page, &expected, rule, keys);
    }
    seen.replies.push(page_reply);
    seen
}

type Keys = [(String, csbs_spec::rules::Direction)];

/// How two items compare under the sort; `Equal` also when a key's property is not shown
/// (nothing after it can be judged).
fn order_of(a: &Value, b: &Value, rule: &csbs_spec::rules::SortRule, keys: &Keys) -> Ordering {
    for (key, direction) in keys {
        let Some(pointer) = rule.property(key) else { return Ordering::Equal };
        let (Some(x), Some(y)) = (property(a, &pointer), property(b, &pointer)) else {
            return Ordering::Equal;
        };
        let ord = compare(x, y).unwrap_or(Ordering::Equal);
        let ord = match direction {
            csbs_spec::rules::Direction::Asc => ord,
            csbs_spec::rules::Direction::Desc => ord.reverse(),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn key_text(item: &Value, rule: &csbs_spec::rules::SortRule, keys: &Keys) -> String {
    let shown: Vec<String> = keys
        .iter()
        .map(|(k, _)| {
            rule.property(k)
                .and_then(|p| property(item, &p).cloned())
                .unwrap_or(Value::Null)
                .to_string()
        })
        .collect();
    shown.join(", ")
}

/// The first pair of neighbours out of the documented order, if any.
fn unsorted(items: &[Value], rule: &csbs_spec::rules::SortRule, keys: &Keys) -> Option<String> {
    items.windows(2).find(|w| order_of(&w[0], &w[1], rule, keys) == Ordering::Greater).map(|w| {
        format!(
            "{} ({}) is listed before {} ({}), against the sort",
            id_of(&w[0]).unwrap_or("?"),
            key_text(&w[0], rule, keys),
            id_of(&w[1]).unwrap_or("?"),
            key_text(&w[1], rule, keys)
        )
    })
}

/// A page that is not the slice of the whole list it names (items that tie may swap).
fn page_fault(
    page: &[Value],
    expected: &[Value],
    rule: &csbs_spec::rules::SortRule,
    keys: &Keys,
) -> Option<String> {
    let ids = |items: &[Value]| {
        items.iter().map(|i| id_of(i).unwrap_or("?").to_owned()).collect::<Vec<_>>()
    };
    if ids(page) == ids(expected) {
        return None;
    }
    let tie = page.len() == expected.len()
        && page.iter().zip(expected).all(|(a, b)| order_of(a, b, rule, keys) == Ordering::Equal);
    (!tie).then(|| {
        format!(
            "the page holds [{}] where the whole list in the same order gives [{}]",
            ids(page).join(", "),
            ids(expected).join(", ")
        )
    })
}

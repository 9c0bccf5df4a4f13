//! One history on both sides, step by step: the endpoint and a fresh model get each step, the
//! facts their answers determine are compared, and the first difference ends the history.
//! Backups are settled on both sides before a step that reads or touches them (the endpoint
//! by waiting, the model by moving its clock), so that a slow service is judged like the mock.
//! Steps sent at once are compared with every serial order of them, with and without their
//! transitions ending in between.

use super::gen::History;
use super::perform::{absorb, perform, prepare, request, shown_fact, usage_counts, Ctx, Observed};
use super::sides::{Names, Reply, Side};
use super::step::Step;
use crate::options::Limits;
use crate::poll::Poller;
use csbs_spec::behaviour::backup_lifecycle;
use serde_json::Value;
use std::collections::BTreeMap;

/// What a history runs with.
#[derive(Clone)]
pub struct Setup {
    pub endpoint: Side,
    pub servers: Vec<String>,
    pub limits: Limits,
    /// Makes a fresh model for the endpoint's project.
    pub model: std::sync::Arc<dyn Fn(&str) -> Side + Send + Sync>,
    /// Histories may restore (the run allows what the check's registry row says restores
    /// need).
    pub restores: bool,
}

/// The first difference of a history.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Index of the step in the history.
    pub step: usize,
    /// The comparison that differs (`status`, `code`, `echo`, `membership`, `order`, ...).
    pub comparison: String,
    pub endpoint: String,
    pub model: String,
}

/// What running one history gave.
#[derive(Clone, Debug, Default)]
pub struct Ran {
    pub steps: usize,
    /// Requests sent to the endpoint.
    pub requests: usize,
    pub finding: Option<Finding>,
    /// The endpoint's requests, each after the step it belongs to (`# step 3: ...`).
    pub sent: Vec<(usize, crate::http::RequestRecord)>,
    /// Whether the comparison was exact (the project held nothing else).
    pub exact: bool,
    /// Variables of the reproduction script and the endpoint IDs they stand for.
    pub variables: Vec<(String, String)>,
    /// Which request (its place in `sent`) made which variable, and the jq filter of its ID.
    pub captures: Vec<(usize, String, String)>,
}

/// What the model went through, to make a fresh one in the same state.
#[derive(Clone, Debug)]
enum Action {
    Step(Step),
    Settle,
    /// Steps sent at once, in the serial order that explained the endpoint's answers.
    Together {
        steps: Vec<Step>,
        order: Vec<usize>,
        settle_between: bool,
    },
}

fn moving() -> Vec<String> {
    let life = backup_lifecycle();
    life.pending.into_iter().chain(life.deleting).chain(life.busy).collect()
}

/// Waits until none of the history's backups on the endpoint is moving; `Err` with what was
/// seen last when --wait runs out.
async fn settle_endpoint(side: &Side, limits: &Limits, sent: &mut usize) -> Result<(), String> {
    let moving = moving();
    let list = side.request("listBackups");
    let mut poller = Poller::new(limits);
    loop {
        let reply = side.send(&list).await;
        *sent += 1;
        let items =
            reply.json.as_ref().and_then(|b| b.get("checkpoint_items")).and_then(Value::as_array);
        let busy: Vec<String> = items
            .map(|items| {
                items
                    .iter()
                    .filter(|i| {
                        let own = i
                            .get("id")
                            .and_then(Value::as_str)
                            .is_some_and(|id| side.names.name_of(id).is_some());
                        let status = i.get("status").and_then(Value::as_str).unwrap_or_default();
                        own && moving.iter().any(|m| m == status)
                    })
                    .map(|i| format!("{} {}", i["id"], i["status"]))
                    .collect()
            })
            .unwrap_or_default();
        if reply.ok() && busy.is_empty() {
            return Ok(());
        }
        poller.wait(format!("still moving: {}", busy.join(", "))).await?;
    }
}

fn settle_model(side: &Side) {
    #[cfg(feature = "embedded-mock")]
    if let super::sides::Wire::Model { model, .. } = &side.wire {
        model.settle();
    }
    let _ = side;
}

/// The first differing entry of two facts that hold one answer per query (a sweep's), so
/// that the report shows the query that differs rather than every answer.
fn narrowed(e: Option<&Value>, m: Option<&Value>) -> Option<(String, String)> {
    let (Some(Value::Object(e)), Some(Value::Object(m))) = (e, m) else { return None };
    if !e.keys().chain(m.keys()).all(|k| k.starts_with("list")) {
        return None;
    }
    let mut keys: Vec<&String> = e.keys().chain(m.keys()).collect();
    keys.sort();
    keys.dedup();
    let k = keys.into_iter().find(|k| e.get(*k) != m.get(*k))?;
    let side = |x: &serde_json::Map<String, Value>| format!("{k}: {}", describe(x.get(k)));
    Some((side(e), side(m)))
}

fn describe(facts: Option<&Value>) -> String {
    facts.map_or_else(|| "(nothing)".to_owned(), |v| v.to_string())
}

/// A status shown with its code, the answer's first words of explanation.
fn answer_of(o: &Observed) -> String {
    match o.facts.get("code") {
        Some(Value::String(code)) => format!("{} {code}", describe(o.facts.get("status"))),
        _ => describe(o.facts.get("status")),
    }
}

/// The first comparison on which the two observations differ.
fn differ(endpoint: &Observed, model: &Observed) -> Option<(String, String, String)> {
    let keys: Vec<&&str> = endpoint.facts.keys().chain(model.facts.keys()).collect();
    let order = [
        "shown",
        "status",
        "code",
        "gone",
        "isolation",
        "page status",
        "scope",
        "binding",
        "echo",
        "disabled",
        "membership",
        "count",
        "usage",
        "capabilities",
        "reshow",
    ];
    let mut keys: Vec<&str> = keys.into_iter().copied().collect();
    keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
    keys.dedup();
    // A status shows with its code, the answer's first words of explanation.
    for key in keys {
        // nothing else reliably.
        if let (Some(why), "page status") = (&endpoint.order, key) {
            return Some(("order".into(), why.clone(), "(the documented sort)".into()));
        }
        let (e, m) = (endpoint.facts.get(key), model.facts.get(key));
        if e != m {
            return Some(match (key, narrowed(e, m)) {
                (_, Some((e, m))) => (key.to_owned(), e, m),
                ("status" | "code", _) => (key.to_owned(), answer_of(endpoint), answer_of(model)),
                _ => (key.to_owned(), describe(e), describe(m)),
            });
        }
    }
    if let Some(why) = &endpoint.order {
        return Some(("order".into(), why.clone(), "(the documented sort)".into()));
    }
    None
}

/// Runs `history` on the endpoint and a fresh model; cleans up what it made on the endpoint.
pub async fn run(setup: &Setup, history: &History) -> Ran {
    let mut endpoint = setup.endpoint.clone();
    endpoint.names = Names::default();
    let mut ran = Ran::default();
    let policies = endpoint.send(&endpoint.request("listPolicies")).await;
    let backups = endpoint.send(&endpoint.request("listBackups")).await;
    let quotas = endpoint.send(&endpoint.request("showQuotas")).await;
    ran.requests += 3;
    let empty = |r: &Reply, p: &str| {
        r.json.as_ref().and_then(|b| b.get(p)).and_then(Value::as_array).is_some_and(Vec::is_empty)
    };
    let exact = empty(&policies, "policies") && empty(&backups, "checkpoint_items");
    ran.exact = exact;
    endpoint.baseline_usage = quotas.json.as_ref().map(usage_counts).unwrap_or_default();
    let bound = match exact {
        true => Vec::new(),
        false => {
            ran.requests += 1;
            bound_servers(&endpoint, &setup.servers).await
        }
    };
    let ctx = Ctx { pool: &history.pool, servers: &setup.servers, exact, bound: &bound };
    let mut model = fresh_model(setup, &ctx, &endpoint.project).await;
    let mut log: Vec<Action> = Vec::new();
    let mut dirty = false;
    for (index, step) in history.steps.iter().enumerate() {
        ran.steps += 1;
        if dirty && step.reads_backups() {
            if let Err(last) = settle_endpoint(&endpoint, &setup.limits, &mut ran.requests).await {
                ran.finding = Some(Finding {
                    step: index,
                    comparison: "status".into(),
                    endpoint: format!("backups still moving after --wait ({last})"),
                    model: "every backup settled".into(),
                });
                break;
            }
            settle_model(&model);
            log.push(Action::Settle);
            dirty = false;
        }
        let finding = match step {
            Step::Together(steps) => {
                together(setup, &ctx, steps, &mut endpoint, &mut model, &mut log, &mut ran, index)
                    .await
            }
            _ => {
                let before = counts(&endpoint.names);
                let e = perform(step, &mut endpoint, &ctx).await;
                let m = perform(step, &mut model, &ctx).await;
                capture(&mut ran, before, &endpoint.names);
                record_sent(&mut ran, index, &e);
                log.push(Action::Step(step.clone()));
                differ(&e, &m).map(|(comparison, endpoint, model)| Finding {
                    step: index,
                    comparison,
                    endpoint,
                    model,
                })
            }
        };
        dirty |= step.moves_backups();
        if finding.is_some() {
            ran.finding = finding;
            break;
        }
    }
    cleanup(setup, &endpoint, &mut ran).await;
    ran
}

type Counts = (usize, usize, usize, usize);

fn counts(names: &Names) -> Counts {
    (names.policies.len(), names.records.len(), names.items.len(), names.volumes.len())
}

/// The variables a step's answers fill in the script: its first answer made the new policy or
/// record (or, for a restore, showed the backup's disk backups), its second (the record's
/// backups listed) the new backups.
fn capture(ran: &mut Ran, before: Counts, names: &Names) {
    let first = ran.sent.len();
    for (k, p) in names.policies.iter().enumerate().skip(before.0) {
        ran.variables.push((format!("policy_{k}"), p.id.clone()));
        ran.captures.push((first, format!("policy_{k}"), ".policy.id".into()));
        ran.variables.push((format!("schedule_{k}"), p.schedule.clone()));
        ran.captures.push((
            first,
            format!("schedule_{k}"),
            ".policy.scheduled_operations[0].id".into(),
        ));
    }
    for (k, r) in names.records.iter().enumerate().skip(before.1) {
        ran.variables.push((format!("record_{k}"), r.clone()));
        ran.captures.push((first, format!("record_{k}"), ".checkpoint.id".into()));
    }
    for (j, (k, i)) in names.items.iter().enumerate().skip(before.2).enumerate() {
        ran.variables.push((format!("item_{k}"), i.id.clone()));
        let filter = format!("[.checkpoint_items | sort_by(.resource_id)[].id][{j}]");
        ran.captures.push((first + 1, format!("item_{k}"), filter));
    }
    for (k, (_, volumes)) in names.volumes.iter().enumerate().skip(before.3) {
        for (j, (id, _)) in volumes.iter().enumerate() {
            ran.variables.push((format!("volume_backup_{k}_{j}"), id.clone()));
            let filter = format!(".checkpoint_item.extend_info.volume_backups[{j}].id");
            ran.captures.push((first, format!("volume_backup_{k}_{j}"), filter));
        }
    }
}

fn record_sent(ran: &mut Ran, index: usize, seen: &Observed) {
    for reply in &seen.replies {
        if let Some(sent) = &reply.sent {
            ran.requests += 1;
            ran.sent.push((index, sent.clone()));
        }
    }
}

/// The servers of `servers` the endpoint says are bound to a policy (`check_protectable`
/// answers false): in a project that holds other objects, an earlier part's or another
/// user's policy may hold them.
async fn bound_servers(endpoint: &Side, servers: &[String]) -> Vec<String> {
    let check = endpoint
        .request("checkResourceCapabilities")
        .body(crate::fixtures::protectable_check(servers));
    let reply = endpoint.send(&check).await;
    let answers = reply.json.as_ref().and_then(|b| b.get("protectable")).and_then(Value::as_array);
    let free = |a: &Value| {
        matches!(a.get("result"), Some(Value::Bool(true)))
            || a.get("result")
                .and_then(Value::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    };
    answers
        .into_iter()
        .flatten()
        .filter(|a| !free(a))
        .filter_map(|a| a.get("resource_id").and_then(Value::as_str).map(str::to_owned))
        .filter(|id| servers.contains(id))
        .collect()
}

/// A fresh model for `project`, starting as the endpoint does where the comparison is not
/// exact: each server bound on the endpoint is bound in the model too, by a policy of the
/// model's own that no comparison sees (lists are restricted to the history's objects), and
/// the model's quotas after that are its starting point.
async fn fresh_model(setup: &Setup, ctx: &Ctx<'_>, project: &str) -> Side {
    let mut model = (setup.model)(project);
    for (i, server) in ctx.bound.iter().enumerate() {
        let name = format!("bound-before-the-history-{i}-{}", uuid::Uuid::new_v4().simple());
        let body = crate::fixtures::policy(
            &name,
            "bound before the history",
            std::slice::from_ref(server),
        );
        model.send(&model.request("createPolicy").body(body)).await;
    }
    if !ctx.bound.is_empty() {
        let quotas = model.send(&model.request("showQuotas")).await;
        model.baseline_usage = quotas.json.as_ref().map(usage_counts).unwrap_or_default();
    }
    model
}

/// A fresh model in the state `log` leads to.
async fn replay(setup: &Setup, ctx: &Ctx<'_>, project: &str, log: &[Action]) -> Side {
    let mut model = fresh_model(setup, ctx, project).await;
    for action in log {
        match action {
            Action::Step(step) => {
                perform(step, &mut model, ctx).await;
            }
            Action::Settle => settle_model(&model),
            Action::Together { steps, order, settle_between } => {
                serial(&mut model, ctx, steps, order, *settle_between).await;
            }
        }
    }
    model
}

/// `steps` one after the other in `order`; the answers by step index.
async fn serial(
    model: &mut Side,
    ctx: &Ctx<'_>,
    steps: &[Step],
    order: &[usize],
    settle_between: bool,
) -> Vec<Observed> {
    for step in steps {
        prepare(step, model, ctx).await;
    }
    // Every step names its objects as they were before the steps were sent.
    let requests: Vec<_> = steps.iter().map(|s| request(s, model, ctx)).collect();
    let mut seen: Vec<Observed> = vec![Observed::default(); steps.len()];
    for (n, &i) in order.iter().enumerate() {
        if n > 0 && settle_between {
            settle_model(model);
        }
        if let Some(r) = &requests[i] {
            let reply = model.send(r).await;
            seen[i] = absorb(&steps[i], model, ctx, reply).await;
        }
    }
    seen
}

fn outcome(seen: &[Observed]) -> Vec<(Option<&Value>, Option<&Value>)> {
    seen.iter().map(|o| (o.facts.get("status"), o.facts.get("code"))).collect()
}

fn show_outcome(seen: &[Observed]) -> String {
    let parts: Vec<String> =
        outcome(seen).iter().map(|(s, c)| format!("{} {}", describe(*s), describe(*c))).collect();
    parts.join(" | ")
}

/// Steps sent to the endpoint at once; the model tries every serial order (with and without
/// the transitions ending in between) and keeps the first that answers the same.
#[allow(clippy::too_many_arguments)]
async fn together(
    setup: &Setup,
    ctx: &Ctx<'_>,
    steps: &[Step],
    endpoint: &mut Side,
    model: &mut Side,
    log: &mut Vec<Action>,
    ran: &mut Ran,
    index: usize,
) -> Option<Finding> {
    // What a step needs read first (a restore's disk backups) is read on both sides before
    // they are sent, and compared.
    for step in steps {
        let before = counts(&endpoint.names);
        let shown = prepare(step, endpoint, ctx).await;
        let model_shown = prepare(step, model, ctx).await;
        if let Some(shown) = &shown {
            capture(ran, before, &endpoint.names);
            let observed = Observed { replies: vec![shown.clone()], ..Observed::default() };
            record_sent(ran, index, &observed);
        }
        let (e, m) = (shown.as_ref().map(shown_fact), model_shown.as_ref().map(shown_fact));
        if e != m {
            return Some(Finding {
                step: index,
                comparison: "shown".into(),
                endpoint: describe(e.as_ref()),
                model: describe(m.as_ref()),
            });
        }
    }
    let requests: Vec<_> = steps.iter().filter_map(|s| request(s, endpoint, ctx)).collect();
    if requests.len() != 2 || steps.len() != 2 {
        return None;
    }
    let (a, b) = tokio::join!(endpoint.send(&requests[0]), endpoint.send(&requests[1]));
    let mut seen = Vec::new();
    for (step, reply) in steps.iter().zip([a, b]) {
        let before = counts(&endpoint.names);
        let observed = absorb(step, endpoint, ctx, reply).await;
        capture(ran, before, &endpoint.names);
        record_sent(ran, index, &observed);
        seen.push(observed);
    }
    let wanted = outcome(&seen);
    let mut tried = Vec::new();
    // Per step, the answers (status, code) some serial order gives it.
    let mut possible: Vec<Vec<(Option<Value>, Option<Value>)>> = vec![Vec::new(); steps.len()];
    for order in [vec![0, 1], vec![1, 0]] {
        for settle_between in [false, true] {
            let mut candidate = replay(setup, ctx, &endpoint.project, log).await;
            let answers = serial(&mut candidate, ctx, steps, &order, settle_between).await;
            if outcome(&answers) == wanted {
                // The order that explains the answers must also explain what they show.
                for (e, m) in seen.iter().zip(&answers) {
                    if let Some((comparison, endpoint, model)) = differ(e, m) {
                        return Some(Finding { step: index, comparison, endpoint, model });
                    }
                }
                *model = candidate;
                log.push(Action::Together { steps: steps.to_vec(), order, settle_between });
                return None;
            }
            for (i, (status, code)) in outcome(&answers).into_iter().enumerate() {
                possible[i].push((status.cloned(), code.cloned()));
            }
            tried.push(format!(
                "in the order {order:?}{}: {}",
                if settle_between { " (settled between)" } else { "" },
                show_outcome(&answers)
            ));
        }
    }
    // A status no order gives the step, or a code where every order gives one answer, is a
    // difference of that step, not of the race. (Which code answers a request that breaks two
    // rules is open: where the orders' codes differ, it stays a difference of the race.)
    for (i, (status, code)) in outcome(&seen).into_iter().enumerate() {
        let (status, code) = (status.cloned(), code.cloned());
        let one = possible[i].iter().all(|p| *p == possible[i][0]);
        let comparison = match possible[i].iter().any(|(s, _)| *s == status) {
            false => "status",
            true if one && possible[i][0].1 != code => "code",
            true => continue,
        };
        let shown: Vec<String> = possible[i]
            .iter()
            .map(|(s, c)| format!("{} {}", describe(s.as_ref()), describe(c.as_ref())))
            .collect();
        return Some(Finding {
            step: index,
            comparison: comparison.into(),
            endpoint: format!("{} to {}", answer_of(&seen[i]), steps[i]),
            model: format!("only {} in any serial order", shown.join(" or ")),
        });
    }
    Some(Finding {
        step: index,
        comparison: "concurrency".into(),
        endpoint: show_outcome(&seen),
        model: format!("no serial order answers so; {}", tried.join("; ")),
    })
}

/// Deletes what the history made on the endpoint and waits until its backups are gone.
async fn cleanup(setup: &Setup, endpoint: &Side, ran: &mut Ran) {
    let _ = settle_endpoint(endpoint, &setup.limits, &mut ran.requests).await;
    for p in &endpoint.names.policies {
        endpoint.send(&endpoint.request("deletePolicy").path("policy_id", p.id.clone())).await;
        ran.requests += 1;
    }
    let mut records: BTreeMap<&str, ()> = BTreeMap::new();
    for r in &endpoint.names.records {
        if records.insert(r, ()).is_none() {
            endpoint
                .send(&endpoint.request("deleteCheckpoint").path("checkpoint_id", r.clone()))
                .await;
            ran.requests += 1;
        }
    }
    let _ = settle_endpoint(endpoint, &setup.limits, &mut ran.requests).await;
}

/// Empties the embedded mock's oracle project of its seeded examples (never used against a
/// real endpoint: the project's own objects are not the run's to delete).
pub async fn empty_embedded_project(setup: &Setup) {
    let side = &setup.endpoint;
    let policies = side.send(&side.request("listPolicies")).await;
    let ids = |r: &Reply, list: &str, key: &str| -> Vec<String> {
        let items = r
            .json
            .as_ref()
            .and_then(|b| b.get(list))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut ids: Vec<String> =
            items.iter().filter_map(|i| i.get(key)?.as_str().map(str::to_owned)).collect();
        ids.dedup();
        ids
    };
    for id in ids(&policies, "policies", "id") {
        side.send(&side.request("deletePolicy").path("policy_id", id)).await;
    }
    let mut poller = Poller::new(&setup.limits);
    loop {
        let backups = side.send(&side.request("listBackups")).await;
        let records = ids(&backups, "checkpoint_items", "checkpoint_id");
        if records.is_empty() || poller.wait("seeded backups left".into()).await.is_err() {
            return;
        }
        for id in records {
            side.send(&side.request("deleteCheckpoint").path("checkpoint_id", id)).await;
        }
    }
}

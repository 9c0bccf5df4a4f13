//! `read_after_write`: what the run writes is what it reads. A policy is created, shown,
//! listed, changed, shown and listed again; a server is protected and its backup listed; the
//! policy is run and its backups listed. Each answer, and each answer the spec's links reach,
//! must carry the request's values (`x-echo`). The objects made here are the fixture the other
//! behaviour checks work on.

use super::support::{echoed, fail, id_of, property};
use crate::checks::Check;
use crate::fixtures;
use crate::replay::settle::settled_items;
use crate::request::ApiRequest;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{links, response_echo, select};
use serde_json::Value;

/// What the run made for the behaviour checks.
#[derive(Clone, Debug, Default)]
pub struct Fixture {
    /// Policy `a` (the run's first server) and `b` (its second, if any).
    pub policies: Vec<Policy>,
    /// Backups made by running policy `a`, settled.
    pub policy_backups: Vec<Value>,
    /// The `executePolicy` request that made them.
    pub policy_run: Option<ApiRequest>,
    /// The backup made by protecting a server by hand, settled.
    pub manual_backups: Vec<Value>,
    /// Policy a once `Bindings` gave it every server (the families after it run it).
    pub holding_all: Option<Policy>,
    /// The records of the runs of that policy the families made, oldest first.
    pub runs: Vec<String>,
    /// The last settled run of it, for `Deletion`.
    pub last_run: Option<super::records::Run>,
}

/// A policy of the run, as last answered.
#[derive(Clone, Debug)]
pub struct Policy {
    pub id: String,
    pub name: String,
    pub servers: Vec<String>,
    pub scheduled_operation_id: Option<String>,
}

impl Fixture {
    /// Every backup the run made here.
    pub fn backups(&self) -> impl Iterator<Item = &Value> {
        self.policy_backups.iter().chain(&self.manual_backups)
    }
}

/// Sends `request`, judges its answer and every linked answer against `x-echo`; returns the
/// answer when it is a success.
async fn written(session: &mut Session, request: &ApiRequest, case: &str) -> Option<Answer> {
    let op = request.operation;
    let answer = session.call(request, case).await;
    let body = answer.json.clone().filter(|_| answer.ok());
    let Some(body) = body else {
        let why = format!(
            "{case}: answered {}; what depends on it is skipped",
            crate::session::status_text(answer.status)
        );
        session.judge(
            Check::ReadAfterWrite,
            &answer,
            case,
            fail(&answer.status.unwrap_or(0).to_string(), why),
        );
        return None;
    };
    session.record.made(request, &body);
    if let Some(echo) = response_echo(op) {
        let verdict =
            echoed(&echo, &request.parts(), Some(&body), &body).map(|_| ()).map_err(|why| {
                crate::checks::Failure::new(
                    "x-echo",
                    format!("the {} answer differs from the request: {why}", op.id),
                )
            });
        session.judge(Check::ReadAfterWrite, &answer, &format!("{case}: the answer"), verdict);
    }
    for link in links(op) {
        let Some(echo) = link.echo.clone() else { continue };
        let mut linked = ApiRequest::new(link.operation, session.project_id());
        for (name, expr) in &link.parameters {
            let Some(value) = expr.text(&request.parts(), Some(&body)) else { continue };
            linked = linked.parameter(name, value);
        }
        let what = format!("{case}: then {}", link.operation.id);
        let reached = reach(session, &linked, &what, &echo, request, &body).await;
        match reached {
            Ok(linked_answer) => {
                let verdict = match &linked_answer.json {
                    Some(read) if linked_answer.ok() => {
                        echoed(&echo, &request.parts(), Some(&body), read).map(|_| ()).map_err(
                            |why| {
                                crate::checks::Failure::new(
                                    "x-echo",
                                    format!("after {}: {why}", op.id),
                                )
                            },
                        )
                    }
                    _ => fail(
                        "status",
                        format!(
                            "{} answered {}",
                            link.operation.id,
                            crate::session::status_text(linked_answer.status)
                        ),
                    ),
                };
                session.judge(Check::ReadAfterWrite, &linked_answer, &what, verdict);
            }
            Err(last) => session.recorder.verdict(
                Check::ReadAfterWrite,
                &link.operation.id,
                &what,
                fail(
                    "x-echo",
                    format!("after {} ({}): {last} within --wait", op.id, link.description),
                ),
                None,
            ),
        }
    }
    Some(answer)
}

/// Asks `linked` until it shows an object at `echo.objects`, within --wait: a list may show a
/// new object a moment later. Ends early when it shows nothing while the same list without its
/// parameters (its first page) already shows the written object carrying the echoed values:
/// then the parameters, not a lag, leave it out (an answer of that list would never change).
async fn reach(
    session: &mut Session,
    linked: &ApiRequest,
    what: &str,
    echo: &csbs_spec::behaviour::Echo,
    request: &ApiRequest,
    body: &Value,
) -> Result<Answer, String> {
    let written_id = response_echo(request.operation)
        .and_then(|e| select(body, &e.objects).first().and_then(|o| id_of(o)).map(str::to_owned));
    let unfiltered = ApiRequest::new(linked.operation, session.project_id());
    let mut poller = crate::poll::Poller::new(&session.limits);
    loop {
        let answer = session.call(linked, what).await;
        let found = answer.json.as_ref().is_some_and(|b| !select(b, &echo.objects).is_empty());
        if found || !answer.ok() {
            return Ok(answer);
        }
        let seen = format!("{} shows nothing at {}", linked.operation.id, echo.objects);
        let list = echo.objects.strip_suffix("/*").filter(|_| !linked.query.is_empty());
        if let (Some(id), Some(list)) = (&written_id, list) {
            let all = session.call(&unfiltered, what).await;
            let mut only = all.json.clone().unwrap_or_default();
            // The unfiltered answer with the written object alone in its list.
            if let Some(Value::Array(items)) = only.pointer_mut(list) {
                items.retain(|o| id_of(o) == Some(id.as_str()));
            }
            if echoed(echo, &request.parts(), Some(body), &only).is_ok() {
                return Err(format!(
                    "{seen}, though the list without its parameters shows {id} with the values sent"
                ));
            }
        }
        poller.wait(seen).await?;
    }
}

fn policy_of(body: &Value) -> Option<Policy> {
    let policy = body.get("policy")?;
    Some(Policy {
        id: id_of(policy)?.to_owned(),
        name: policy.get("name")?.as_str()?.to_owned(),
        servers: select(policy, "/resources/*/id")
            .into_iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        scheduled_operation_id: property(policy, "/scheduled_operations/0/id")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Creates and changes the run's policies, protects a server and runs a policy, judging
/// `read_after_write` all along; returns what it made.
pub async fn run(session: &mut Session) -> Fixture {
    let mut fixture = Fixture::default();
    let servers = session.record.facts.servers.clone();
    let run = session.record.facts.run_name.clone();
    for (n, label) in ["a", "b"].into_iter().enumerate() {
        let name = format!("{run}-{label}");
        let own: Vec<String> = servers.get(n).cloned().into_iter().collect();
        let body = fixtures::policy(&name, &edge_description(&format!("policy {label}")), &own);
        let create = session.request("createPolicy").body(body);
        let case = format!("read_after_write: create policy {label}");
        if let Some(answer) = written(session, &create, &case).await {
            fixture.policies.extend(answer.json.as_ref().and_then(policy_of));
        }
    }
    if let Some(a) = fixture.policies.first().cloned() {
        let name = format!("{run}-a2");
        let change = fixtures::policy_update(&fixtures::PolicyChange {
            name: Some(&name),
            description: Some("behaviour: policy a, changed"),
            servers: None,
            schedule: a
                .scheduled_operation_id
                .as_deref()
                .map(|id| (id, false, "FREQ=DAILY;BYHOUR=3;BYMINUTE=15")),
            // A first count of days, so that a later change of it shows (breaker fa19 kept
            // the old value).
            retention: a.scheduled_operation_id.as_deref().map(|id| (id, None, None)),
            retention_days: Some(60),
        });
        change_policy(session, &mut fixture, &a.id, change, "read_after_write: change policy a")
            .await;
    }
    // A second change sends neither name nor description, and of the (disabled) schedule only
    // one member of its retention: what it leaves out, nested members too, must stay.
    let schedule = fixture
        .policies
        .first()
        .and_then(|a| Some((a.id.clone(), a.scheduled_operation_id.clone()?)));
    if let Some((policy, schedule)) = schedule {
        let change = fixtures::policy_update(&fixtures::PolicyChange {
            retention: Some((&schedule, None, Some(false))),
            ..Default::default()
        });
        let case = "read_after_write: change only the retention of policy a";
        change_policy(session, &mut fixture, &policy, change, case).await;
        // Enabled again, with a pattern whose lists are out of order (shown exactly as sent) and
        // both limits of its retention at once, then disabled again: a scheduled run must not
        // add backups the checks do not expect.
        for (enabled, rrule, what) in [
            (true, "FREQ=WEEKLY;BYDAY=TU,MO;BYHOUR=14,3;BYMINUTE=15", "enable the schedule again"),
            (false, "FREQ=DAILY;BYHOUR=3;BYMINUTE=15", "disable the schedule again"),
        ] {
            let change = fixtures::policy_update(&fixtures::PolicyChange {
                schedule: Some((&schedule, enabled, rrule)),
                retention: enabled.then_some((&schedule, Some(1), None)),
                retention_days: enabled.then_some(30),
                ..Default::default()
            });
            let case = format!("read_after_write: {what} of policy a");
            change_policy(session, &mut fixture, &policy, change, &case).await;
        }
    }
    // Both backups are started before either is waited for: against a real service each
    // takes minutes, and the waits overlap.
    let mut manual = None;
    if let Some(server) = servers.get(1).or(servers.first()) {
        let description = edge_description("manual backup");
        let body = fixtures::protect(&format!("{run}-manual"), Some(&description));
        let protect = session.request("protectResource").path("resource_id", server).body(body);
        if let Some(answer) = written(session, &protect, "read_after_write: protect a server").await
        {
            manual = answer.text("/checkpoint/id");
        }
    }
    let mut policy_run = None;
    if let Some(a) = fixture.policies.first().filter(|p| !p.servers.is_empty()).cloned() {
        let body = fixtures::policy_run(&a.id);
        let run_request = session.request("executePolicy").body(body);
        if let Some(answer) = written(session, &run_request, "read_after_write: run policy a").await
        {
            if let Some(checkpoint) = answer.text("/checkpoint/id") {
                policy_run = Some((a, answer, run_request, checkpoint));
            }
        }
    }
    if let Some(checkpoint) = manual {
        fixture.manual_backups = settled(session, &checkpoint).await;
    }
    if let Some((a, answer, run_request, checkpoint)) = policy_run {
        fixture.policy_backups = settled(session, &checkpoint).await;
        judge_run(session, &answer, &a, &fixture.policy_backups);
        fixture.policy_run = Some(run_request);
    }
    fixture
}

/// The description `behaviour: {what}`, surrounded by white space and holding every class of
/// character the spec's `Description` schema allows (punctuation, quotes, non-ASCII letters,
/// a character beyond the Basic Multilingual Plane), so that the echo judges an endpoint that
/// trims, escapes or re-encodes it; a plain one if the schema refuses it.
fn edge_description(what: &str) -> String {
    let plain = format!("behaviour: {what}");
    let edge =
        format!(" \t{plain}: \"quoted\" 'single' & / \\ % + # ? = ; Ünïcödé 中文 \u{1F600} ");
    let schema = serde_json::json!({"$ref": "#/components/schemas/Description"});
    let service = csbs_spec::Service::Csbs;
    match csbs_spec::validate::Contract::check(service, &schema, &Value::String(edge.clone())) {
        Ok(()) => edge,
        Err(_) => plain,
    }
}

/// Sends `change` to the policy `id` (the fixture's first), judging its echo and `x-keeps`.
async fn change_policy(
    session: &mut Session,
    fixture: &mut Fixture,
    id: &str,
    change: Value,
    case: &str,
) {
    let update = session.request("updatePolicy").path("policy_id", id).body(change);
    let before = super::keeps::before(session, &update, case).await;
    if let Some(answer) = written(session, &update, case).await {
        if let Some(changed) = answer.json.as_ref().and_then(policy_of) {
            fixture.policies[0] = changed;
        }
        if let Some(before) = before {
            super::keeps::judge(session, &update, before, case).await;
        }
    }
}

/// The settled backups of a record; a record that does not settle is noted.
async fn settled(session: &mut Session, checkpoint: &str) -> Vec<Value> {
    match settled_items(session, checkpoint, None).await {
        Ok(settled) => settled.items,
        Err(last) => {
            session.recorder.note(format!(
                "the backups of {checkpoint} did not settle within --wait ({last}); checks on them were skipped"
            ));
            Vec::new()
        }
    }
}

/// A policy run backs up exactly the policy's servers.
fn judge_run(session: &mut Session, answer: &Answer, policy: &Policy, backups: &[Value]) {
    let verdict = super::records::backs_up(&policy.id, backups, &policy.servers, "resources");
    let case = "read_after_write: a run backs up the policy's servers";
    session.judge(Check::ReadAfterWrite, answer, case, verdict);
}

//! `binding_release` and `capability_conformance`: a server belongs to one policy at most
//! (`x-binding`); an update that drops it, or the deletion of its policy, releases it, so
//! that another policy can take it; and the capability check (`x-protectable`) answers
//! `false` with the binding's code for a bound server and `true` for a released one.
//!
//! With the run's two policies (a: the first server, b: the second): b drops its server, a
//! new policy c takes it, c is deleted, and a takes it. With one server, a itself drops and
//! takes it back. Afterwards a holds every server (the policy the later checks run).

use super::support::{fail, show};
use super::writes::{Fixture, Policy};
use crate::checks::Check;
use crate::fixtures;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{binding, protectable, select, Effect, Protectable};
use csbs_spec::operations::all_operations;
use serde_json::Value;

/// What a server should be, for the capability check.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    Bound,
    Free,
}

/// Runs the sequence; policy a holding every server when it got there.
pub async fn run(session: &mut Session, fixture: &Fixture) -> Option<Policy> {
    let (Some(a), b) = (fixture.policies.first().cloned(), fixture.policies.get(1).cloned()) else {
        skip_all(session, "needs the policies read_after_write makes");
        return None;
    };
    let effects: Vec<Effect> = all_operations().filter_map(binding).map(|b| b.effect).collect();
    if ![Effect::Bind, Effect::Rebind, Effect::Release].iter().all(|e| effects.contains(e)) {
        skip_all(
            session,
            "the spec names no operation that binds, rebinds and releases servers (x-binding)",
        );
        return None;
    }
    let held: Vec<String> = fixture.policies.iter().flat_map(|p| p.servers.clone()).collect();
    if held.is_empty() {
        skip_all(session, "needs a server to bind (--server-id)");
        return None;
    }
    capable(session, &held, Expect::Bound, "servers bound to the run's policies").await;
    // The policy that lets a server go: b when it holds one, else a.
    let releasing = b.filter(|b| !b.servers.is_empty()).unwrap_or_else(|| a.clone());
    let server = releasing.servers[0].clone();
    let rest: Vec<String> = releasing.servers.iter().filter(|s| **s != server).cloned().collect();
    let case = "binding_release: an update drops a server";
    let dropped = update(session, &releasing, &rest, case).await?;
    if !dropped.ok() {
        let why = format!("the update answered {}", crate::session::status_text(dropped.status));
        session.judge(Check::BindingRelease, &dropped, case, fail("updatePolicy", why));
        return None;
    }
    capable(session, std::slice::from_ref(&server), Expect::Free, "a server an update dropped")
        .await;
    let name = format!("{}-c", session.record.facts.run_name);
    // Made with the count's overriding member true (`permanent`), when retention is judged:
    // its runs must keep every backup.
    let description = "behaviour: takes a released server";
    let only = std::slice::from_ref(&server);
    let overriding = super::retention::overriding()
        .filter(|_| session.recorder.selects(Check::RetentionConformance));
    let body = match &overriding {
        Some(member) => fixtures::policy_overridden(&name, description, only, member),
        None => fixtures::policy(&name, description, only),
    };
    let create = session.request("createPolicy").body(body);
    let case = "binding_release: another policy takes a server an update dropped";
    let answer = session.call(&create, case).await;
    let made = session.made(&create, &answer);
    judge_taken(session, &answer, case, &server);
    let made = made?;
    if let Some(member) = overriding {
        super::retention::overridden_at_creation(session, &made.id, &member).await;
    }
    let case = "binding_release: the policy holding a server is deleted";
    let deleted = session.call(&made.delete, case).await;
    if !deleted.ok() {
        let why = format!(
            "deleting policy {} answered {}",
            made.id,
            crate::session::status_text(deleted.status)
        );
        session.judge(Check::BindingRelease, &deleted, case, fail("deletePolicy", why));
        return None;
    }
    session.record.ledger.deleted(&made.delete);
    capable(
        session,
        std::slice::from_ref(&server),
        Expect::Free,
        "a server whose policy was deleted",
    )
    .await;
    let mut all = if releasing.id == a.id { rest } else { a.servers.clone() };
    all.push(server.clone());
    let case = "binding_release: another policy takes a server whose policy was deleted";
    let taken = update(session, &a, &all, case).await?;
    judge_taken(session, &taken, case, &server);
    if !taken.ok() {
        return None;
    }
    capable(session, std::slice::from_ref(&server), Expect::Bound, "a server bound again").await;
    Some(Policy { servers: all, ..a })
}

fn skip_all(session: &mut Session, why: &str) {
    for check in [Check::BindingRelease, Check::CapabilityConformance] {
        session.recorder.skip(check, "updatePolicy", check.name(), why);
    }
}

/// Sets `policy`'s servers to `servers`; the answer, or `None` (judged) when it had no answer.
async fn update(
    session: &mut Session,
    policy: &Policy,
    servers: &[String],
    case: &str,
) -> Option<Answer> {
    let change = fixtures::PolicyChange { servers: Some(servers), ..Default::default() };
    let body = fixtures::policy_update(&change);
    let request = session.request("updatePolicy").path("policy_id", &policy.id).body(body);
    let answer = session.call(&request, case).await;
    if answer.status.is_none() {
        session.judge(Check::BindingRelease, &answer, case, fail("updatePolicy", "no answer"));
        return None;
    }
    Some(answer)
}

/// A released server was taken by another policy: the answer must be a success.
fn judge_taken(session: &mut Session, answer: &Answer, case: &str, server: &str) {
    let verdict = if answer.ok() {
        Ok(())
    } else {
        let code = answer.text("/error_code").unwrap_or_default();
        fail(
            "x-binding",
            format!(
                "server {server} was released, but binding it answered {} {code}",
                crate::session::status_text(answer.status)
            ),
        )
    };
    session.judge(Check::BindingRelease, answer, case, verdict);
}

/// Asks whether `servers` can be backed up and judges each answer item against `expect`.
async fn capable(session: &mut Session, servers: &[String], expect: Expect, what: &str) {
    let Some((op, rule)) = all_operations().find_map(|op| protectable(op).map(|r| (op, r))) else {
        return;
    };
    let request = session.request(&op.id).body(fixtures::protectable_check(servers));
    let case = format!("capability_conformance: {what}");
    let answer = session.call(&request, &case).await;
    let verdict = match answer.json.as_ref().filter(|_| answer.ok()) {
        Some(body) => judge_items(&rule, body, servers, expect),
        None => fail(
            "status",
            format!("{} answered {}", op.id, crate::session::status_text(answer.status)),
        ),
    };
    session.judge(Check::CapabilityConformance, &answer, &case, verdict);
}

fn judge_items(
    rule: &Protectable,
    body: &Value,
    servers: &[String],
    expect: Expect,
) -> crate::checks::Verdict {
    let items = select(body, &format!("{}/*", rule.answers));
    for server in servers {
        let Some(item) = items
            .iter()
            .find(|i| i.pointer(&rule.resource).and_then(Value::as_str) == Some(server))
        else {
            return fail(&rule.answers, format!("the answer says nothing of server {server}"));
        };
        let result = item.pointer(&rule.result);
        let code = item.pointer(&rule.code).and_then(Value::as_str).unwrap_or_default();
        let right = match expect {
            Expect::Free => result == Some(&Value::Bool(true)),
            Expect::Bound => result == Some(&Value::Bool(false)) && code == rule.bound,
        };
        if !right {
            let wanted = match expect {
                Expect::Free => "result true (no policy holds it)".to_owned(),
                Expect::Bound => format!("result false with {} (a policy holds it)", rule.bound),
            };
            let got =
                format!("result {} {code}", result.map(show).unwrap_or_else(|| "absent".into()));
            return fail(&rule.result, format!("server {server}: expected {wanted}, got {got}"));
        }
    }
    Ok(())
}

//! `retention_conformance`: what a policy's runs keep (`x-retention`, `x-overrides` on the
//! `operation_definition`). The policy is set to keep one backup per server and run: within
//! --wait, each server keeps only the newest of the policy's backups (the older ones are
//! deleted). Then `permanent: true` overrides the count: after another run, and after as long
//! as the endpoint took to delete before, the backups it kept before are all still there.

use super::records::{describe, id, items, kept, run_policy, server, Run};
use super::support::fail;
use super::writes::Policy;
use crate::checks::{Check, Verdict};
use crate::fixtures;
use crate::poll::Poll;
use crate::session::Session;
use csbs_spec::behaviour::{retention, RetentionKind};
use serde_json::Value;
use std::time::Instant;

/// The backups a policy keeps of one server.
const KEEP: u64 = 1;

/// Judges retention on `policy`, whose earlier runs made `earlier` (records); the permanent
/// run, for the checks after.
pub async fn run(session: &mut Session, policy: &Policy, earlier: &[String]) -> Option<Run> {
    let rules = retention();
    let (Some(count), Some(scheduled)) =
        (rules.rule(RetentionKind::NewestPerResource), policy.scheduled_operation_id.clone())
    else {
        let why = "needs the spec's x-retention and the policy's scheduled operation";
        let check = Check::RetentionConformance;
        session.recorder.skip(check, "executePolicy", check.name(), why);
        return None;
    };
    // The member whose `true` overrides the count (`permanent`).
    let overriding = rules.overrides.iter().find_map(|o| {
        o.when.iter().find(|(_, v)| **v == Value::Bool(true)).map(|(k, _)| k.clone())
    });
    let case = format!("retention_conformance: {} {KEEP}, then a run", count.property);
    let permanent = overriding.as_ref().map(|_| false);
    if !define(session, policy, (&scheduled, Some(KEEP as i64), permanent), &case).await {
        return None;
    }
    let newest = run_policy(session, &policy.id, None, Check::RetentionConformance, &case).await?;
    let started = Instant::now();
    let verdict = trimmed(session, earlier, &newest, &case).await;
    session.judge(Check::RetentionConformance, &newest.answer, &case, verdict);
    let took = started.elapsed();
    let Some(member) = overriding else { return Some(newest) };
    let case = format!("retention_conformance: {member} true overrides {} {KEEP}", count.property);
    if !define(session, policy, (&scheduled, None, Some(true)), &case).await {
        return None;
    }
    let last = run_policy(session, &policy.id, None, Check::RetentionConformance, &case).await?;
    tokio::time::sleep(took + session.limits.poll_interval).await;
    let now = items(session, &newest.record, &case).await.unwrap_or_default();
    let lost: Vec<&Value> = newest
        .items
        .iter()
        .filter(|before| {
            !now.iter().any(|i| super::records::id(i) == super::records::id(before) && kept(i))
        })
        .collect();
    let verdict = if lost.is_empty() {
        Ok(())
    } else {
        fail(
            &format!("x-overrides {member}"),
            format!(
                "with {member} true, a run deleted the policy's earlier backups {} (it keeps every backup)",
                describe(&lost)
            ),
        )
    };
    session.judge(Check::RetentionConformance, &last.answer, &case, verdict);
    Some(last)
}

/// Sets the policy's retention (`operation_definition`: scheduled operation, `max_backups`,
/// `permanent`); false (judged) when the endpoint refuses. A count the spec's rule does not
/// read as keeping [`KEEP`] per server is skipped: the check would mean nothing.
async fn define(
    session: &mut Session,
    policy: &Policy,
    retention: (&str, Option<i64>, Option<bool>),
    case: &str,
) -> bool {
    let change = fixtures::PolicyChange { retention: Some(retention), ..Default::default() };
    let body = fixtures::policy_update(&change);
    let definition = body
        .pointer("/policy/scheduled_operations/0/operation_definition")
        .cloned()
        .unwrap_or_default();
    let kept =
        csbs_spec::behaviour::retention().limit(RetentionKind::NewestPerResource, &definition);
    if retention.1.is_some() && kept != Some(KEEP) {
        let why = format!("the spec's x-retention does not read {definition} as keeping {KEEP}");
        session.recorder.skip(Check::RetentionConformance, "updatePolicy", case, why);
        return false;
    }
    let request = session.request("updatePolicy").path("policy_id", &policy.id).body(body);
    let answer = session.call(&request, case).await;
    if !answer.ok() {
        let why =
            format!("setting {definition} answered {}", crate::session::status_text(answer.status));
        session.judge(Check::RetentionConformance, &answer, case, fail("updatePolicy", why));
    }
    answer.ok()
}

/// With one backup kept per server, every backup of `earlier` records of a server the newest
/// run backed up goes (within --wait), and the newest run's stay.
async fn trimmed(session: &mut Session, earlier: &[String], newest: &Run, case: &str) -> Verdict {
    let servers: Vec<String> = newest.items.iter().map(server).collect();
    for record in earlier {
        let list = session.request("listBackups").query("checkpoint_id", record);
        let ready = |answer: &crate::session::Answer| {
            let items = answer.json.as_ref().and_then(|b| b.get("checkpoint_items"));
            let listed = items.and_then(Value::as_array).cloned().unwrap_or_default();
            let left: Vec<&Value> =
                listed.iter().filter(|i| servers.contains(&server(i)) && kept(i)).collect();
            match left.is_empty() {
                true => Poll::Ready(()),
                false => Poll::Pending(describe(&left)),
            }
        };
        if let Err(left) = session.poll(&list, Some(case), ready).await {
            return fail(
                "x-retention",
                format!("after a newer run, the policy still keeps its older backups {left} after --wait; it keeps the newest {KEEP} of each server"),
            );
        }
    }
    let now = items(session, &newest.record, case).await.unwrap_or_default();
    let lost: Vec<&Value> =
        newest.items.iter().filter(|n| !now.iter().any(|i| id(i) == id(n) && kept(i))).collect();
    match lost.is_empty() {
        true => Ok(()),
        false => fail("x-retention", format!("the newest run's backups went: {}", describe(&lost))),
    }
}

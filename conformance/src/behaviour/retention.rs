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
use crate::poll::Poller;
use crate::session::Session;
use csbs_spec::behaviour::{backup_lifecycle, retention, RetentionKind};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The backups a policy keeps of one server.
const KEEP: u64 = 1;

/// Judges retention on `policy`, whose earlier runs made `earlier` (records); the permanent
/// run, for the checks after.
pub async fn run(
    session: &mut Session,
    policy: &Policy,
    earlier: &[String],
    manual: &[Value],
) -> Option<Run> {
    let rules = retention();
    let (Some(count), Some(scheduled)) =
        (rules.rule(RetentionKind::NewestPerResource), policy.scheduled_operation_id.clone())
    else {
        let why = "needs the spec's x-retention and the policy's scheduled operation";
        let check = Check::RetentionConformance;
        session.recorder.skip(check, "executePolicy", check.name(), why);
        return None;
    };
    let overriding = overriding();
    let case = format!("retention_conformance: {} {KEEP}, then a run", count.property);
    // Older records enough that a pass keeping too many still deletes some: the answer is
    // then decided without waiting out --wait (made while every backup is kept).
    let mut earlier = earlier.to_vec();
    if earlier.len() <= KEEP as usize && overriding.is_some() {
        if !define(session, policy, (&scheduled, None, Some(true)), &case).await {
            return None;
        }
        while earlier.len() <= KEEP as usize {
            let run = run_policy(session, &policy.id, None, Check::RetentionConformance, &case);
            earlier.push(run.await?.record);
        }
    }
    let permanent = overriding.as_ref().map(|_| false);
    if !define(session, policy, (&scheduled, Some(KEEP as i64), permanent), &case).await {
        return None;
    }
    let before = listed(session, &earlier, &case).await;
    let newest = run_policy(session, &policy.id, None, Check::RetentionConformance, &case).await?;
    let (verdict, took) = trimmed(session, &earlier, &before, &newest, &case).await;
    session.judge(Check::RetentionConformance, &newest.answer, &case, verdict);
    not_counted(session, manual, &newest).await;
    let Some(member) = overriding else { return Some(newest) };
    // What the permanent run must keep: the newest run's backups a run of one server left.
    let newest = per_server(session, policy, newest, took).await;
    let case = format!("retention_conformance: {member} true overrides {} {KEEP}", count.property);
    if !define(session, policy, (&scheduled, None, Some(true)), &case).await {
        return None;
    }
    let last = run_policy(session, &policy.id, None, Check::RetentionConformance, &case).await?;
    tokio::time::sleep(took + session.limits.poll_interval).await;
    let lost = gone(session, &newest, &case).await;
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

/// Passes when nothing was `lost`; else fails `rule`, saying `why` of what was.
fn none_lost(lost: &[&Value], rule: &str, why: impl FnOnce(String) -> String) -> Verdict {
    match lost.is_empty() {
        true => Ok(()),
        false => fail(rule, why(describe(lost))),
    }
}

/// The backups of `run` no longer kept in its record's list.
async fn gone<'a>(session: &mut Session, run: &'a Run, case: &str) -> Vec<&'a Value> {
    let now = items(session, &run.record, case).await.unwrap_or_default();
    run.items.iter().filter(|r| !now.iter().any(|i| id(i) == id(r) && kept(i))).collect()
}

/// The member whose `true` overrides the count (`permanent`), from the spec's `x-overrides`.
pub fn overriding() -> Option<String> {
    retention()
        .overrides
        .iter()
        .find_map(|o| o.when.iter().find(|(_, v)| **v == Value::Bool(true)).map(|(k, _)| k.clone()))
}

/// The overriding member sent at creation works as one set by an update: `policy`, just made
/// with it true and `max_backups` [`KEEP`], is run twice, and the first run's backups are
/// still there once the second settled (an endpoint that trims later is not seen here).
pub async fn overridden_at_creation(session: &mut Session, policy: &str, member: &str) {
    let check = Check::RetentionConformance;
    let case =
        format!("retention_conformance: {member} true at creation overrides a count of {KEEP}");
    let Some(first) = run_policy(session, policy, None, check, &case).await else { return };
    let Some(second) = run_policy(session, policy, None, check, &case).await else { return };
    let lost = gone(session, &first, &case).await;
    let verdict = match lost.is_empty() {
        true => Ok(()),
        false => fail(
            &format!("x-overrides {member}"),
            format!(
                "a policy made with {member} true deleted its earlier backups {} after a newer run (it keeps every backup)",
                describe(&lost)
            ),
        ),
    };
    session.judge(check, &second.answer, &case, verdict);
}

/// The count is per server: a run of the policy's last server alone (still keeping [`KEEP`])
/// leaves the other servers' backups of the `newest` run, though that run's record is no longer
/// among the newest. Judged after as long as the endpoint took to trim before; `newest` with
/// the backups that must stay.
async fn per_server(
    session: &mut Session,
    policy: &Policy,
    mut newest: Run,
    took: Duration,
) -> Run {
    let servers: Vec<String> = newest.items.iter().map(server).collect();
    let [_, .., last] = servers.as_slice() else { return newest };
    let check = Check::RetentionConformance;
    let case =
        format!("retention_conformance: a run of server {last} alone keeps the others' backups");
    let only = std::slice::from_ref(last);
    let Some(alone) = run_policy(session, &policy.id, Some(only), check, &case).await else {
        return newest;
    };
    tokio::time::sleep(took + session.limits.poll_interval).await;
    newest.items.retain(|i| server(i) != *last);
    let lost = gone(session, &newest, &case).await;
    let verdict = none_lost(&lost, "x-retention", |seen| {
        format!("a run of {last} alone deleted other servers' backups {seen} (the policy keeps the newest {KEEP} of each server)")
    });
    session.judge(check, &alone.answer, &case, verdict);
    // What went here is not blamed on the permanent run again.
    let went: Vec<String> = lost.iter().map(|i| id(i)).collect();
    newest.items.retain(|i| !went.contains(&id(i)));
    newest
}

/// After a run that trimmed, the backups made by `protectResource` (`manual`, settled) of the
/// servers it backed up are all still there: the count is of the policy's own backups.
async fn not_counted(session: &mut Session, manual: &[Value], newest: &Run) {
    let servers: Vec<String> = newest.items.iter().map(server).collect();
    let case = "retention_conformance: backups made by protectResource are not counted";
    let settled = backup_lifecycle().settled;
    let mut lost = Vec::new();
    for made in manual.iter().filter(|m| servers.contains(&server(m))) {
        let Some(record) = super::records::record_of(made) else { continue };
        let now = items(session, &record, case).await.unwrap_or_default();
        let there = now.iter().find(|i| id(i) == id(made));
        let status = there.and_then(|i| i.get("status")).and_then(Value::as_str);
        if !status.is_some_and(|st| settled.iter().any(|s| s == st)) {
            lost.push(there.cloned().unwrap_or_else(|| made.clone()));
        }
    }
    let verdict = none_lost(&lost.iter().collect::<Vec<_>>(), "x-retention", |seen| {
        format!("a run of the policy deleted backups made by protectResource: {seen} (only the policy's own backups are counted)")
    });
    session.judge(Check::RetentionConformance, &newest.answer, case, verdict);
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

/// The backups of `records` listed now (kept or not).
async fn listed(session: &mut Session, records: &[String], case: &str) -> Vec<Value> {
    let mut all = Vec::new();
    for record in records {
        all.extend(items(session, record, case).await.unwrap_or_default());
    }
    all
}

/// With one backup kept per server, every backup of `earlier` records (listed `before` the
/// newest run) of a server the newest run backed up goes, and the newest run's stay. One
/// wait of --wait for them all, ended early once the answer is decided: the endpoint deleted
/// some of them, then nothing moved for as long again as it took to start (a pass that
/// keeps one too many is done, not slow). Also how long the endpoint took to act (the later
/// check waits that long for a deletion that must not come).
async fn trimmed(
    session: &mut Session,
    earlier: &[String],
    before: &[Value],
    newest: &Run,
    case: &str,
) -> (Verdict, Duration) {
    let servers: Vec<String> = newest.items.iter().map(server).collect();
    let started = Instant::now();
    let mut poller = Poller::new(&session.limits);
    let (mut acted, mut quiet): (Option<Duration>, Option<Instant>) = (None, None);
    let settled = backup_lifecycle().settled;
    let outcome = loop {
        let now: Vec<Value> = listed(session, earlier, case)
            .await
            .into_iter()
            .filter(|i| servers.contains(&server(i)))
            .collect();
        let left: Vec<&Value> = now.iter().filter(|i| kept(i)).collect();
        if left.is_empty() {
            break Ok(());
        }
        let went = before.iter().any(|b| {
            servers.contains(&server(b)) && !now.iter().any(|i| id(i) == id(b) && kept(i))
        });
        let moving = now.iter().any(|i| {
            let status = i.get("status").and_then(Value::as_str).unwrap_or_default();
            !settled.iter().any(|s| s == status)
        });
        if went && acted.is_none() {
            acted = Some(started.elapsed());
        }
        let acted_after = acted.unwrap_or_default();
        quiet = match (went, moving) {
            (true, false) => quiet.or(Some(Instant::now())),
            _ => None,
        };
        let decided =
            quiet.is_some_and(|q| q.elapsed() >= acted_after.max(session.limits.poll_interval));
        let seen = describe(&left);
        if decided {
            break Err(format!("{seen}, though it deleted others of them and nothing moved since"));
        }
        if let Err(seen) = poller.wait(seen).await {
            break Err(format!("{seen} after --wait"));
        }
    };
    let took = acted.unwrap_or_default();
    if let Err(left) = outcome {
        let why = format!("after a newer run, the policy still keeps its older backups {left}; it keeps the newest {KEEP} of each server");
        return (fail("x-retention", why), took);
    }
    let lost = gone(session, newest, case).await;
    let verdict = match lost.is_empty() {
        true => Ok(()),
        false => fail("x-retention", format!("the newest run's backups went: {}", describe(&lost))),
    };
    (verdict, started.elapsed())
}

//! `lifecycle_conformance` and `quota_usage`, on one backup made for them: it goes from a
//! pending status to `available` within `--wait` (`x-lifecycle`); the quotas' `used` grows by
//! it (`x-usage`: one more backup, its size in the capacity); deleting it is accepted, deleting
//! it again meanwhile is a documented 4xx (never 200, never 5xx), it goes through `deleting`
//! to gone; and `used` falls back. Summed quotas are judged exactly at each point
//! (`capacity`), and the CBR view of the backup against its CSBS view (`views`).

use super::support::fail;
use crate::checks::{Check, Permission, Verdict};
use crate::poll::Poll;
use crate::replay::settle::{settled_items, Settled};
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{backup_lifecycle, usage, Usage, UsageKind};
use csbs_spec::catalogue::is_documented_for;
use serde_json::Value;
use std::collections::BTreeMap;

/// `used` per quota type.
type Used = BTreeMap<String, u64>;

pub async fn run(session: &mut Session) {
    let Some(server) = session.record.facts.servers.first().cloned() else {
        return session.recorder.skip(
            Check::LifecycleConformance,
            "protectResource",
            "lifecycle",
            "needs a server to back up (--server-id)",
        );
    };
    let life = backup_lifecycle();
    super::settle_project(session).await;
    let quotas = session.request("showQuotas");
    let rows = usage(quotas.operation);
    let before = used(session, "quota_usage: before").await;
    judge_listed(session, &rows, &before).await;
    super::capacity::judge(session, &rows, "quota_usage: before").await;
    let case = "lifecycle_conformance: a new backup";
    let body = crate::fixtures::protect(&format!("{}-life", session.record.facts.run_name), None);
    let protect = session.request("protectResource").path("resource_id", &server).body(body);
    let answer = session.call(&protect, case).await;
    let Some(made) = session.made(&protect, &answer) else {
        return session.recorder.skip(
            Check::LifecycleConformance,
            "protectResource",
            case,
            format!("no backup was started ({:?})", answer.status),
        );
    };
    let settled = settled_items(session, &made.id, Some(case)).await;
    let (listed, items, seen) = match settled {
        Ok(Settled { answer: Some(answer), items, seen }) => (answer, items, seen),
        Ok(_) => return,
        Err(last) => {
            let verdict = fail(
                "available",
                format!(
                    "the new backup did not settle ({:?}) within --wait ({last})",
                    life.settled
                ),
            );
            return session.recorder.verdict(
                Check::LifecycleConformance,
                "listBackups",
                case,
                verdict,
                None,
            );
        }
    };
    let unknown: Vec<&String> =
        seen.iter().filter(|s| !life.pending.contains(s) && !life.settled.contains(s)).collect();
    let verdict = match items
        .iter()
        .map(|i| i.get("status").and_then(Value::as_str).unwrap_or(""))
        .find(|s| *s != "available")
    {
        Some(other) => {
            fail("available", format!("the new backup settled as {other}, not available"))
        }
        None if !unknown.is_empty() => fail(
            "status",
            format!("the new backup went through {unknown:?}, neither pending nor settled"),
        ),
        None => Ok(()),
    };
    session.judge(Check::LifecycleConformance, &listed, case, verdict);
    let item = items
        .first()
        .and_then(|i| i.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let view = "lifecycle_conformance: the CBR view of the new backup";
    super::views::judge(session, &item, &made.id, view).await;
    let grown = used(session, "quota_usage: after a backup").await;
    judge_usage(session, &rows, &before, &grown, &items, 1, "quota_usage: after a backup");
    super::capacity::judge(session, &rows, "quota_usage: after a backup").await;
    if session.allows(Permission::Restores) {
        restored_twice(session, &made.id, &items).await;
    }

    let case = "lifecycle_conformance: a deleted backup";
    let first = session.call(&made.delete, case).await;
    if !first.ok() {
        let verdict = fail(
            "2xx",
            format!(
                "deleting the new, available backup was answered {}",
                crate::session::status_text(first.status)
            ),
        );
        return session.judge(Check::LifecycleConformance, &first, case, verdict);
    }
    let again = session.call(&made.delete, "lifecycle_conformance: deleting it again").await;
    let service = again.operation.service;
    let code = again.text("/error_code").unwrap_or_default();
    let verdict = match again.status {
        Some(s) if (400..500).contains(&s) && (s == 404 || is_documented_for(service, &code, s)) => Ok(()),
        Some(s) if (200..300).contains(&s) => fail("4xx", format!("a second deletion while the first is under way was accepted ({s}); the live service refuses it (400)")),
        other => fail("4xx", format!("a second deletion while the first is under way was answered {other:?} {code}; expected a documented 4xx")),
    };
    session.judge(
        Check::LifecycleConformance,
        &again,
        "lifecycle_conformance: deleting it again",
        verdict,
    );
    let show = session.request("showBackup").path("checkpoint_item_id", &item);
    let gone = session
        .poll(&show, Some(case), |answer| {
            let status = answer.text("/checkpoint_item/status");
            match (answer.status, status) {
                (Some(404), _) => Poll::Ready(Ok(answer.clone())),
                (Some(200), Some(st)) if life.deleting.contains(&st) => {
                    Poll::Pending(format!("still {st}"))
                }
                (code, st) => Poll::Ready(Err((
                    answer.clone(),
                    format!("answered {code:?} with status {st:?} after the deletion was accepted"),
                ))),
            }
        })
        .await;
    match gone {
        Ok(Ok(answer)) => {
            session.judge(Check::LifecycleConformance, &answer, case, Ok(()));
            let view = "lifecycle_conformance: the CBR view of the deleted backup";
            super::views::judge(session, &item, &made.id, view).await;
        }
        Ok(Err((answer, what))) => {
            session.judge(Check::LifecycleConformance, &answer, case, fail("deleting", what))
        }
        Err(last) => {
            let verdict =
                fail("gone", format!("the deleted backup was not gone within --wait ({last})"));
            session.recorder.verdict(
                Check::LifecycleConformance,
                "showBackup",
                case,
                verdict,
                None,
            );
        }
    }
    session.record.ledger.deleted(&made.delete);
    let after = used(session, "quota_usage: after the deletion").await;
    judge_usage(session, &rows, &before, &after, &[], 0, "quota_usage: after the deletion");
    super::capacity::judge(session, &rows, "quota_usage: after the deletion").await;
}

/// A settled backup can be restored, and once that restore settled (`x-lifecycle`: back in a
/// settled status), restored again: busy (`CSBS.2003`) is only for a backup in a busy status.
/// After each, the CBR view shows the backup as its CSBS view does (`x-view-of`).
async fn restored_twice(session: &mut Session, record: &str, items: &[Value]) {
    let Some(item) = items.first().filter(|i| !super::errors::volumes(i).is_empty()) else {
        return;
    };
    let body = super::errors::restore_body(item);
    let restores = ["a settled backup", "it again once that restore settled"];
    for (when, nth) in restores.into_iter().zip(["first", "second"]) {
        let case = format!("lifecycle_conformance: restore {when}");
        let restore = session.request("createRestore").body(body.clone());
        let answer = session.call(&restore, &case).await;
        if !answer.ok() {
            let code = answer.text("/error_code").unwrap_or_default();
            let why = format!(
                "restoring {when} was answered {} {code}",
                crate::session::status_text(answer.status)
            );
            return session.judge(
                Check::LifecycleConformance,
                &answer,
                &case,
                fail("x-lifecycle", why),
            );
        }
        let verdict = match settled_items(session, record, Some(&case)).await {
            Ok(_) => Ok(()),
            Err(last) => fail(
                "x-lifecycle",
                format!("the restored backup did not settle within --wait ({last})"),
            ),
        };
        let settled = verdict.is_ok();
        session.judge(Check::LifecycleConformance, &answer, &case, verdict);
        if settled {
            let view =
                format!("lifecycle_conformance: the CBR view after the {nth} restore settled");
            let id = item.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            super::views::judge(session, &id, record, &view).await;
        }
    }
}

/// The quotas' `used` by type, with the answer.
async fn used(session: &mut Session, case: &str) -> (Option<Answer>, Used) {
    let answer = session.call(&session.request("showQuotas"), case).await;
    let rows = answer
        .json
        .as_ref()
        .and_then(|b| b.pointer("/quotas/resources"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let used = rows
        .iter()
        .filter_map(|r| Some((r.get("type")?.as_str()?.to_owned(), r.get("used")?.as_u64()?)))
        .collect();
    (Some(answer), used)
}

/// A counted `used` is the number of items its `x-usage` list shows of the project, read on a
/// quiet project (not only how it moves: a `used` that also counts another project's backups
/// moves alike). Summed ones are judged by `capacity`.
async fn judge_listed(session: &mut Session, rows: &[Usage], now: &(Option<Answer>, Used)) {
    let case = "quota_usage: the project's listed backups";
    for row in rows.iter().filter(|r| matches!(r.kind, UsageKind::Counts { .. })) {
        let list = session.request(&row.operation);
        let Ok(listing) = super::support::list_all(session, &list, case).await else { continue };
        if !listing.complete {
            continue;
        }
        let none: Used = [(row.quota_type.clone(), 0)].into();
        let row = std::slice::from_ref(row);
        judge_usage(session, row, &(None, none), now, &listing.items, 1, case);
    }
}

/// A counted `used` moved by the `backups` (with `sign` 1, added; 0, back to `before`).
fn judge_usage(
    session: &mut Session,
    rows: &[Usage],
    before: &(Option<Answer>, Used),
    after: &(Option<Answer>, Used),
    backups: &[Value],
    sign: u64,
    case: &str,
) {
    let Some(answer) = after.0.clone() else { return };
    // Summed rows are judged exactly by `capacity` (a rounded total does not move by each
    // backup's own rounding).
    for row in rows.iter().filter(|r| matches!(r.kind, UsageKind::Counts { .. })) {
        let case = format!("{case}: {}", row.quota_type);
        let (Some(b), Some(a)) = (before.1.get(&row.quota_type), after.1.get(&row.quota_type))
        else {
            let verdict = fail("used", format!("the quotas have no used {}", row.quota_type));
            session.judge(Check::QuotaUsage, &answer, &case, verdict);
            continue;
        };
        let wanted = b + sign * backups.len() as u64;
        let verdict: Verdict = if *a == wanted {
            Ok(())
        } else {
            fail(
                "used",
                format!(
                    "{} used is {a}; it was {b}, and {} backups were {}",
                    row.quota_type,
                    backups.len().max(1),
                    if sign == 1 { "added" } else { "added and deleted" }
                ),
            )
        };
        session.judge(Check::QuotaUsage, &answer, &case, verdict);
    }
}

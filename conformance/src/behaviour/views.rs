//! `lifecycle_conformance` on the CBR view of a backup: the CBR list shows the backup CSBS
//! shows under the same ID, with the status the spec's `x-view-of` maps the CSBS status to
//! (`null`: not listed). Judged once the CSBS view settled: after a protect, after each
//! restore, and once the backup is deleted. Both views are of one backup, so no lag is
//! allowed between them.

use super::support::{fail, id_of, list_all};
use crate::checks::Check;
use crate::session::Session;
use csbs_spec::behaviour::cbr_status_view;
use serde_json::Value;

/// The CBR list that shows the backups (`BackupResp`, where `x-view-of` sits).
const CBR_LIST: &str = "listCbrBackups";

/// Compares the CBR view of backup `item` (of record `record`) with its CSBS show.
pub async fn judge(session: &mut Session, item: &str, record: &str, case: &str) {
    let rule = cbr_status_view();
    let show = session.request(&rule.operation).path(&rule.parameter, item);
    let shown = session.call(&show, case).await;
    // A backup the CSBS show no longer finds is `deleted`: the status CBR does not list.
    let csbs = match shown.status {
        Some(404) => "deleted".to_owned(),
        Some(200) => match shown.text(&rule.property) {
            Some(status) => status,
            None => return,
        },
        _ => return,
    };
    let Some(wanted) = rule.cbr(&csbs) else {
        let why = format!("the CSBS status {csbs:?} is not one x-view-of maps");
        return session.recorder.skip(Check::LifecycleConformance, CBR_LIST, case, why);
    };
    let list = session.request(CBR_LIST).query("checkpoint_id", record);
    let Ok(listing) = list_all(session, &list, case).await else { return };
    let listed = listing.items.iter().find(|i| id_of(i) == Some(item));
    let status = listed.map(|i| i.get("status").and_then(Value::as_str).unwrap_or_default());
    let verdict = match (wanted, status) {
        (Some(w), Some(s)) if w == s => Ok(()),
        (None, None) => Ok(()),
        (Some(w), Some(s)) => fail(
            "x-view-of",
            format!("the CBR view shows backup {item} {s}, while CSBS shows it {csbs} (CBR: {w})"),
        ),
        (Some(w), None) => fail(
            "x-view-of",
            format!("the CBR view does not list backup {item}, which CSBS shows {csbs} (CBR: {w})"),
        ),
        (None, Some(s)) => fail(
            "x-view-of",
            format!("the CBR view lists backup {item} as {s}, though CSBS shows it {csbs}"),
        ),
    };
    session.judge(Check::LifecycleConformance, &listing.first, case, verdict);
}

//! `lifecycle_conformance` on the CBR view of a backup: the CBR list shows the backup CSBS
//! shows under the same ID, with the status the spec's `x-view-of` maps the CSBS status to
//! (`null`: not listed). Judged once the CSBS view settled: after a protect, after each
//! restore, and once the backup is deleted. Both views are of one backup, so no lag is
//! allowed between them; the members `x-view-of` names in `instants` (`created_at`) show one
//! instant in both.

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
    if let (Some(listed), Some(shown)) = (listed, shown.json.as_ref()) {
        let verdict = instants(&rule.instants, listed, shown, item);
        session.judge(Check::LifecycleConformance, &listing.first, case, verdict);
    }
}

/// The members `x-view-of` names as one instant in both views (`instants`, CBR member to the
/// CSBS show's) agree: a clock that is hours off behind a `+00:00` (breaker g08) differs.
fn instants(
    pairs: &std::collections::BTreeMap<String, String>,
    listed: &Value,
    shown: &Value,
    item: &str,
) -> crate::checks::Verdict {
    for (theirs, ours) in pairs {
        let text = |v: &Value, at: &str| v.pointer(at).and_then(Value::as_str).map(str::to_owned);
        let (Some(cbr), Some(csbs)) = (text(listed, theirs), text(shown, ours)) else { continue };
        if same_instant(&cbr, &csbs) == Some(false) {
            return fail(
                "x-view-of",
                format!(
                    "the CBR view shows backup {item} {theirs} {cbr}, while CSBS shows it \
                     {ours} {csbs}: one backup, one instant"
                ),
            );
        }
    }
    Ok(())
}

/// Two texts of one instant, each written to its own precision: less than one unit of the
/// coarser one's last fraction digit apart (one view may cut, the other round); `None` when
/// one is not a time.
fn same_instant(a: &str, b: &str) -> Option<bool> {
    use csbs_spec::behaviour::instant;
    let digits = |t: &str| {
        t.split_once('.').map_or(0, |(_, f)| f.bytes().take_while(u8::is_ascii_digit).count())
    };
    let coarser = digits(a).min(digits(b)).min(6) as u32;
    let unit = 10i64.pow(6 - coarser);
    Some((instant(a)? - instant(b)?).abs() < unit)
}

#[cfg(test)]
mod tests {
    use super::same_instant;

    #[test]
    fn one_instant_is_compared_to_the_coarser_precision() {
        let csbs = "2026-12-06T23:18:41.123456";
        assert_eq!(same_instant("2026-12-06T23:18:41.123+00:00", csbs), Some(true));
        assert_eq!(same_instant("2026-12-06T23:18:41Z", csbs), Some(true));
        assert_eq!(same_instant("2026-12-07T07:18:41.123+00:00", csbs), Some(false));
        assert_eq!(same_instant("2026-12-07T07:18:41.123+08:00", csbs), Some(true));
        assert_eq!(same_instant("2026-12-06T23:18:41.125+00:00", csbs), Some(false));
        assert_eq!(same_instant("yesterday", csbs), None);
    }
}

//! `quota_usage` on summed quotas (`x-usage` `sums`): `used` is exactly the rule applied to
//! what its list shows of the project, read on a quiet project (the list first, then the
//! quotas): the items' total converted to the quota's unit and rounded up
//! (`csbs_spec::behaviour::Usage::sum`). A total that is a whole number of the quota's unit
//! cannot tell rounding up from down: said as a skip rather than passed.

use super::support::{fail, list_all, property};
use crate::checks::Check;
use crate::session::Session;
use csbs_spec::behaviour::{Usage, UsageKind};
use serde_json::Value;

/// A size as the list shows it: a number, or a numeric string (`LenientInteger`).
fn size(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| value.as_str()?.parse().ok())
}

/// Judges every `sums` row of `rows` against its list, in `case`.
pub async fn judge(session: &mut Session, rows: &[Usage], case: &str) {
    for row in rows {
        let UsageKind::Sums { sums, unit, quota_unit } = &row.kind else { continue };
        let case = format!("{case}: {}", row.quota_type);
        let list = session.request(&row.operation);
        let Ok(listing) = list_all(session, &list, &case).await else { continue };
        if !listing.complete {
            continue;
        }
        let values = listing.items.iter().filter_map(|i| property(i, sums)).filter_map(size);
        let Some(wanted) = row.sum(values) else { continue };
        let quotas = session.call(&session.request("showQuotas"), &case).await;
        let rows = quotas.json.as_ref().and_then(|b| b.pointer("/quotas/resources"));
        let used = rows
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("type").and_then(Value::as_str) == Some(&row.quota_type))
            .and_then(|r| r.get("used"))
            .and_then(size);
        let (total, n) = (wanted.total, listing.items.len());
        let verdict = match used {
            None => fail("used", format!("the quotas have no used {}", row.quota_type)),
            Some(u) if u != wanted.used => fail(
                "x-usage",
                format!(
                    "{} used is {u} {quota_unit}; the {n} listed backups' {sums} add {total} {unit}, which is {} {quota_unit} rounded up",
                    row.quota_type, wanted.used
                ),
            ),
            Some(_) if !wanted.rounded => {
                let why = format!(
                    "{} used is {} {quota_unit}, as the {n} listed backups' {sums} add {total} {unit}: a whole number of {quota_unit}, so rounding up was not exercised",
                    row.quota_type, wanted.used
                );
                session.recorder.skip(Check::QuotaUsage, &quotas.operation.id, &case, why);
                continue;
            }
            Some(_) => Ok(()),
        };
        session.judge(Check::QuotaUsage, &quotas, &case, verdict);
    }
}

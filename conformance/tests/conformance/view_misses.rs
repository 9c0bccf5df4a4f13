//! Faults of the breaker's second round that no `x-` rule named: the CBR view of a backup
//! keeps `restoring` once the restore settled (fa30), or keeps listing a deleted backup; the
//! capacity quota rounds its total down (fa43). Each, in front of the mock, fails the check
//! that now reads the rule (`x-view-of`: `lifecycle_conformance`; `x-usage`: `quota_usage`);
//! the unbroken mock passes them in `behaviour.rs`.

use crate::behaviour::{assert_each_fails, run_broken, unchanged, Rewrite, Tamper};
use crate::support::Answer;
use csbs_conformance::Check;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The query pairs of a path.
fn query(path: &str) -> Vec<(String, String)> {
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The CBR list shows every backup ever restored from as `restoring`, also once the restore
/// settled and CSBS shows it `available` (breaker fa30).
fn cbr_restoring_for_ever() -> Tamper {
    let restored: Arc<Mutex<Vec<String>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        if a.is("POST", "/restores") && a.status == 200 {
            let sent: Value = serde_json::from_slice(&a.request).unwrap_or_default();
            let item = sent.pointer("/restore/parameters/checkpoint_item_id");
            if let Some(item) = item.and_then(Value::as_str) {
                restored.lock().unwrap().push(item.to_owned());
            }
        } else if a.is("GET", "/backups") && a.path.starts_with("/v3/") {
            let restored = restored.lock().unwrap();
            a.edit_json(|v| {
                for b in v["backups"].as_array_mut().into_iter().flatten() {
                    let id = b["id"].as_str().unwrap_or_default();
                    if restored.iter().any(|r| r == id) && b["status"] == "available" {
                        b["status"] = json!("restoring");
                    }
                }
            });
        }
    })
}

/// The CBR list by `checkpoint_id` keeps showing, `available`, a backup it showed before,
/// after CSBS deleted it.
fn cbr_keeps_deleted() -> Tamper {
    let seen: Arc<Mutex<HashMap<String, Vec<Value>>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        if !(a.is("GET", "/backups") && a.path.starts_with("/v3/") && a.status == 200) {
            return;
        }
        let Some((_, record)) = query(&a.path).into_iter().find(|(k, _)| k == "checkpoint_id")
        else {
            return;
        };
        let mut seen = seen.lock().unwrap();
        let before = seen.entry(record).or_default();
        a.edit_json(|v| {
            let Some(items) = v["backups"].as_array_mut() else { return };
            for old in before.iter() {
                if !items.iter().any(|i| i["id"] == old["id"]) {
                    let mut kept = old.clone();
                    kept["status"] = json!("available");
                    items.push(kept);
                }
            }
            before
                .extend(items.iter().filter(|i| !before.contains(i)).cloned().collect::<Vec<_>>());
        });
    })
}

/// showQuotas answers the capacity as the total of the backups' `extend_info.size` (MB)
/// rounded DOWN to GB (breaker fa43); the total is the one the last whole unfiltered
/// listBackups showed (page after page by marker).
fn capacity_rounded_down() -> Tamper {
    let pages: Arc<Mutex<(u64, bool)>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        if a.is("GET", "/checkpoint_items") && a.status == 200 {
            let q = query(&a.path);
            if q.iter().any(|(k, _)| !["limit", "marker"].contains(&k.as_str())) {
                return;
            }
            let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
            let mb: u64 = body["checkpoint_items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i.pointer("/extend_info/size").and_then(Value::as_u64))
                .sum();
            let mut pages = pages.lock().unwrap();
            let first = !q.iter().any(|(k, _)| k == "marker");
            *pages = (if first { mb } else { pages.0 + mb }, true);
        } else if a.is("GET", "/quotas") && a.status == 200 {
            let (mb, known) = *pages.lock().unwrap();
            if !known || mb.is_multiple_of(1024) {
                return;
            }
            a.edit_json(|v| {
                let rows = v.pointer_mut("/quotas/resources").and_then(Value::as_array_mut);
                for row in rows.into_iter().flatten() {
                    if row["type"] == "backup_capacity" && row["used"] == json!(mb.div_ceil(1024)) {
                        row["used"] = json!(mb / 1024);
                    }
                }
            });
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_view_or_capacity_fault_fails_its_check() {
    let none: Rewrite = unchanged();
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        (
            none.clone(),
            cbr_restoring_for_ever(),
            "listCbrBackups",
            Check::LifecycleConformance,
            "the CBR view after the first restore settled",
        ),
        (
            none.clone(),
            cbr_keeps_deleted(),
            "listCbrBackups",
            Check::LifecycleConformance,
            "the CBR view of the deleted backup",
        ),
        (none, capacity_rounded_down(), "showQuotas", Check::QuotaUsage, "backup_capacity"),
    ];
    assert_each_fails(cases).await;
}

/// Sizes of whole GB cannot tell rounding up from rounding down: `quota_usage` says so with a
/// skip naming it, and does not pass the capacity silently (nor fail it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_gb_sizes_leave_the_capacity_rounding_unexercised() {
    let whole_gb: Tamper = Arc::new(|a: &mut Answer| {
        if a.is("GET", "/checkpoint_items") {
            a.edit_json(|v| {
                for item in v["checkpoint_items"].as_array_mut().into_iter().flatten() {
                    item["extend_info"]["size"] = json!(2048);
                }
            });
        } else if a.is("GET", "/quotas") {
            a.edit_json(|v| {
                let rows = v.pointer_mut("/quotas/resources").and_then(Value::as_array_mut);
                let rows = rows.expect("quota rows");
                let count = rows.iter().find(|r| r["type"] == "backups").map(|r| r["used"].clone());
                let count = count.and_then(|c| c.as_u64()).unwrap_or(0);
                for row in rows.iter_mut().filter(|r| r["type"] == "backup_capacity") {
                    row["used"] = json!(2 * count);
                }
            });
        }
    });
    let report = run_broken(&[Check::QuotaUsage], unchanged(), whole_gb).await;
    let failed: Vec<_> = report.failures().map(|r| r.case.clone()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    let unexercised = report.skipped.iter().filter(|s| {
        s.check == Check::QuotaUsage && s.reason.contains("rounding up was not exercised")
    });
    assert_eq!(unexercised.count(), 3, "{:?}", report.skipped);
    assert!(!report.results_of(Check::QuotaUsage).any(|r| r.case.contains("backup_capacity")));
}

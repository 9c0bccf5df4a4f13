//! The list faults an adversary's endpoints slipped past the dedicated checks (issue 20's
//! second and third breaker rounds): several filters at once, a second sort key `name`, a
//! third one, a `next` link that drops the filters, names an internal host or comes on the
//! last page, a short page without `limit`, a time bound's short fraction misread, a marker
//! or an offset counted on another list than the one asked, a total less the offset. Each is
//! broken on its own in front of the mock and fails the check that owns the rule; the
//! unbroken mock passes them in `behaviour.rs`.

use crate::behaviour::{answers_of, assert_each_fails, on, unchanged, untouched, Rewrite, Tamper};
use crate::support::{Answer, Sent};
use csbs_conformance::Check;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Parameters that page or order a list; the others select.
const PAGING: [&str; 5] = ["limit", "offset", "marker", "sort", "all_tenants"];

/// The decoded query pairs of a path, in order.
fn pairs(path: &str) -> Vec<(String, String)> {
    let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The filters sent, in the order first sent.
fn filter_names(path: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (k, _) in pairs(path) {
        if !PAGING.contains(&k.as_str()) && !names.contains(&k) {
            names.push(k);
        }
    }
    names
}

/// `operation` applies only the first filter it is sent when sent several.
fn first_filter_only(operation: &'static str) -> Rewrite {
    on(operation, |s: &mut Sent| {
        for name in filter_names(&s.path).into_iter().skip(1) {
            s.drop_query(&name);
        }
    })
}

/// The list's items, where `pointer` holds them.
fn items(body: &Value, pointer: &str) -> Vec<Value> {
    body.pointer(pointer).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// A query key without the paging parameters, for remembering whole lists.
fn selection(path: &str, keep_sort: bool) -> String {
    let mut kept: Vec<(String, String)> = pairs(path)
        .into_iter()
        .filter(|(k, _)| !["limit", "offset", "marker"].contains(&k.as_str()))
        .filter(|(k, _)| keep_sort || k != "sort")
        .collect();
    kept.sort();
    format!("{kept:?}")
}

/// Whole lists answered so far (no marker, no offset), by their selection.
type Lists = Arc<Mutex<HashMap<String, Vec<Value>>>>;

/// Remembers `a` when it is a whole list (its first page, no marker or offset).
fn remember(lists: &Lists, a: &Answer, pointer: &str) {
    let paged = pairs(&a.path).iter().any(|(k, _)| k == "marker" || k == "offset");
    let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
    let limit = pairs(&a.path).iter().find(|(k, _)| k == "limit").map(|(_, v)| v.clone());
    if a.status == 200 && !paged && limit.is_none_or(|l| l == "1000") {
        lists.lock().unwrap().insert(selection(&a.path, true), items(&body, pointer));
    }
}

/// listBackups with a filter and `offset`: the offset skips items of the unfiltered list
/// (default order), then the filter applies to what is left (breaker fa54).
fn offset_before_filter() -> Tamper {
    let lists: Lists = Arc::default();
    answers_of("listBackups", move |a: &mut Answer| {
        remember(&lists, a, "/checkpoint_items");
        let query = pairs(&a.path);
        let value = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let offset: usize = value("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        let names = filter_names(&a.path);
        if offset == 0 || names.is_empty() || value("marker").is_some() || value("sort").is_some() {
            return;
        }
        let known = lists.lock().unwrap();
        let unfiltered = "[]".to_owned();
        let (Some(all), Some(filtered)) =
            (known.get(&unfiltered), known.get(&selection(&a.path, true)))
        else {
            return;
        };
        let keep: Vec<&Value> = filtered.iter().map(|i| &i["id"]).collect();
        let limit: usize = value("limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
        let page: Vec<Value> = all
            .iter()
            .skip(offset)
            .filter(|i| keep.contains(&&i["id"]))
            .take(limit)
            .cloned()
            .collect();
        a.body = json!({ "checkpoint_items": page }).to_string().into_bytes();
    })
}

/// listBackups and listPolicies with `marker` and a `sort` other than the default: the page
/// starts after the marker's place in the default order (breaker fa06).
fn marker_in_default_order(operation: &'static str, pointer: &'static str) -> Tamper {
    let lists: Lists = Arc::default();
    answers_of(operation, move |a: &mut Answer| {
        remember(&lists, a, pointer);
        let query = pairs(&a.path);
        let value = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        let (Some(marker), Some(sort)) = (value("marker"), value("sort")) else { return };
        if sort == "created_at:desc" || sort == "created_at" {
            return;
        }
        let known = lists.lock().unwrap();
        let (Some(default), Some(sorted)) =
            (known.get(&selection(&a.path, false)), known.get(&selection(&a.path, true)))
        else {
            return;
        };
        let Some(at) = default.iter().position(|i| i["id"] == marker.as_str()) else { return };
        let limit: usize = value("limit").and_then(|l| l.parse().ok()).unwrap_or(1000);
        let page: Vec<Value> = sorted.iter().skip(at + 1).take(limit).cloned().collect();
        a.edit_json(|v| v[pointer.trim_start_matches('/')] = Value::Array(page));
    })
}

/// listBackups: the `next` link keeps limit, marker and sort, and drops the filters (breaker
/// fa01).
fn next_link_drops_filters() -> Tamper {
    answers_of("listBackups", |a: &mut Answer| {
        a.edit_json(|v| {
            for link in v["checkpoint_items_links"].as_array_mut().into_iter().flatten() {
                let Some((path, query)) = link["href"].as_str().and_then(|h| h.split_once('?'))
                else {
                    continue;
                };
                let kept: Vec<(String, String)> = pairs(&format!("?{query}"))
                    .into_iter()
                    .filter(|(k, _)| ["limit", "marker", "sort"].contains(&k.as_str()))
                    .collect();
                let query =
                    form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
                link["href"] = json!(format!("{path}?{query}"));
            }
        })
    })
}

/// listBackups: a `next` link on the last page too, leading to an empty page (breaker fa61).
fn next_link_on_last_page() -> Tamper {
    answers_of("listBackups", |a: &mut Answer| {
        let path = a.path.clone();
        a.edit_json(|v| {
            let last = items(v, "/checkpoint_items").last().map(|i| i["id"].clone());
            let has_link = v["checkpoint_items_links"].as_array().is_some_and(|l| !l.is_empty());
            let (Some(Value::String(last)), false) = (last, has_link) else { return };
            let mut query: Vec<(String, String)> =
                pairs(&path).into_iter().filter(|(k, _)| k != "marker" && k != "offset").collect();
            query.push(("marker".into(), last));
            let query =
                form_urlencoded::Serializer::new(String::new()).extend_pairs(query).finish();
            let base = path.split('?').next().unwrap_or_default();
            v["checkpoint_items_links"] =
                json!([{"href": format!("{base}?{query}"), "rel": "next"}]);
        })
    })
}

/// listPolicies: the `next` link is an absolute URL on an internal host the client cannot reach
/// (breaker g07); its query is right.
fn next_link_on_internal_host() -> Tamper {
    answers_of("listPolicies", |a: &mut Answer| {
        a.edit_json(|v| {
            for link in v["policies_links"].as_array_mut().into_iter().flatten() {
                if let Some(href) = link["href"].as_str().filter(|h| h.starts_with('/')) {
                    link["href"] = json!(format!("http://10.0.0.7:8080{href}"));
                }
            }
        })
    })
}

/// listBackups reads the fraction of a time bound with fewer than six digits as a count of
/// microseconds (`.5` as 5 µs; breaker g29).
fn fraction_as_micros() -> Rewrite {
    on("listBackups", |s: &mut Sent| {
        for key in ["start_time", "end_time"] {
            let Some(value) = s.query(key).pop() else { continue };
            let Some((whole, digits)) = value.rsplit_once('.') else { continue };
            if (1..6).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                let micros: u32 = digits.parse().unwrap_or(0);
                s.set_query(key, &format!("{whole}.{micros:06}"));
            }
        }
    })
}

/// listCbrBackups: `count` is the matches left after `offset` (breaker fa14).
fn count_minus_offset() -> Tamper {
    answers_of("listCbrBackups", |a: &mut Answer| {
        let offset: u64 = pairs(&a.path)
            .iter()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if offset > 0 {
            a.edit_json(|v| {
                let count = v["count"].as_u64().unwrap_or(0);
                v["count"] = json!(count.saturating_sub(offset));
            })
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_missed_list_fault_fails_its_check() {
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        // listBackups with two filters applies only the first (breaker fa04).
        (
            first_filter_only("listBackups"),
            untouched(),
            "listBackups",
            Check::FilterConformance,
            "two filters at once",
        ),
        // listBackups with two filters leaves out its first item: judged even though the
        // runner rereads the unfiltered list before calling an item missing.
        (
            on("listBackups", |_: &mut Sent| {}),
            answers_of("listBackups", |a: &mut Answer| {
                if filter_names(&a.path).len() >= 2 {
                    a.edit_json(|v| {
                        if let Some(items) = v["checkpoint_items"].as_array_mut() {
                            if !items.is_empty() {
                                items.remove(0);
                            }
                        }
                    })
                }
            }),
            "listBackups",
            Check::FilterConformance,
            "two filters at once",
        ),
        // countBackups with two filters counts with the first only (breaker fa03).
        (
            first_filter_only("countBackups"),
            untouched(),
            "countBackups",
            Check::CountConformance,
            "two filters at once",
        ),
        // A sort of three keys applied with its first two (breaker fa05).
        (
            on("listPolicies", |s: &mut Sent| {
                let sort = s.query("sort");
                if let Some(keys) = sort.first().filter(|k| k.matches(',').count() >= 2) {
                    let two = keys.split(',').take(2).collect::<Vec<_>>().join(",");
                    s.set_query("sort", &two);
                }
            }),
            untouched(),
            "listPolicies",
            Check::SortConformance,
            "three keys",
        ),
        // A second sort key `name` ignored; other second keys work (breaker fa62).
        (
            on("listBackups", |s: &mut Sent| {
                let sort = s.query("sort");
                let Some(keys) = sort.first() else { return };
                let keys: Vec<&str> = keys.split(',').collect();
                if keys.len() >= 2 && keys[1].split(':').next() == Some("name") {
                    let kept: Vec<&str> =
                        keys.iter().enumerate().filter(|(i, _)| *i != 1).map(|p| *p.1).collect();
                    s.set_query("sort", &kept.join(","));
                }
            }),
            untouched(),
            "listBackups",
            Check::SortConformance,
            "two keys",
        ),
        (
            unchanged(),
            next_link_drops_filters(),
            "listBackups",
            Check::PaginationConformance,
            "next link with",
        ),
        (
            fraction_as_micros(),
            untouched(),
            "listBackups",
            Check::FilterConformance,
            "fraction digit",
        ),
        // listPolicies without `limit` pages by 25, not the documented default (breaker g06).
        (
            on("listPolicies", |s: &mut Sent| {
                if s.query("limit").is_empty() {
                    s.set_query("limit", "25");
                }
            }),
            untouched(),
            "listPolicies",
            Check::PaginationConformance,
            "without limit",
        ),
        (
            unchanged(),
            next_link_on_internal_host(),
            "listPolicies",
            Check::PaginationConformance,
            "next link",
        ),
        (
            unchanged(),
            next_link_on_last_page(),
            "listBackups",
            Check::PaginationConformance,
            "no next link on the last page",
        ),
        (
            unchanged(),
            offset_before_filter(),
            "listBackups",
            Check::PaginationConformance,
            "offset",
        ),
        (
            unchanged(),
            marker_in_default_order("listPolicies", "/policies"),
            "listPolicies",
            Check::PaginationConformance,
            "marker with sort=",
        ),
        (
            unchanged(),
            marker_in_default_order("listBackups", "/checkpoint_items"),
            "listBackups",
            Check::PaginationConformance,
            "marker with sort=",
        ),
        (
            unchanged(),
            count_minus_offset(),
            "listCbrBackups",
            Check::CountConformance,
            "after an offset",
        ),
    ];
    assert_each_fails(cases).await;
}

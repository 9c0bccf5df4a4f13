//! The documented families each broken on its own (retention, bindings, capabilities, the
//! scope of runs and deletions, duplicate names, two sort keys): each endpoint fails its
//! check by name. The unbroken mock passes them in `behaviour.rs`.

use crate::behaviour::{answers_of, assert_each_fails, on, unchanged, untouched, Rewrite, Tamper};
use crate::support::{Answer, Sent};
use csbs_conformance::Check;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Drops a member of every `operation_definition` a policy request sends.
fn without_definition_member(member: &'static str) -> Rewrite {
    on_policy_writes(move |def| {
        def.as_object_mut().map(|d| d.remove(member));
    })
}

/// Edits every `operation_definition` a policy request sends.
fn on_policy_writes(edit: impl Fn(&mut Value) + Send + Sync + 'static) -> Rewrite {
    Arc::new(move |s: &mut Sent| {
        if matches!(s.operation(), Some("createPolicy" | "updatePolicy")) {
            s.edit_json(|v| {
                let ops =
                    v.pointer_mut("/policy/scheduled_operations").and_then(Value::as_array_mut);
                for def in ops.into_iter().flatten().map(|op| &mut op["operation_definition"]) {
                    if def.is_object() {
                        edit(def);
                    }
                }
            })
        }
    })
}

/// The servers of a policy request.
fn servers(body: &[u8]) -> Option<Vec<String>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let list = v["policy"]["resources"].as_array()?;
    Some(list.iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect())
}

/// An endpoint that keeps the servers of a deleted policy bound: binding them again answers
/// CSBS.6004.
fn deleted_policies_keep_their_servers() -> Tamper {
    let held: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let zombies: Arc<Mutex<HashSet<String>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        let policy_id =
            |a: &Answer| a.path.split('?').next()?.rsplit('/').next().map(str::to_owned);
        let binds =
            a.is("POST", "/policies") || (a.method == "PUT" && a.path.contains("/policies/"));
        if binds {
            let named = servers(&a.request).unwrap_or_default();
            if named.iter().any(|s| zombies.lock().unwrap().contains(s)) {
                a.status = 400;
                a.body =
                    br#"{"error_code":"CSBS.6004","error_msg":"Server is already in service."}"#
                        .to_vec();
                return;
            }
            let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
            if let (Some(id), true) = (body["policy"]["id"].as_str(), a.status == 200) {
                let now: Vec<String> = body["policy"]["resources"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["id"].as_str().map(str::to_owned))
                    .collect();
                held.lock().unwrap().insert(id.to_owned(), now);
            }
        } else if a.method == "DELETE" && a.path.contains("/policies/") && a.status == 200 {
            if let Some(gone) = policy_id(a).and_then(|id| held.lock().unwrap().remove(&id)) {
                zombies.lock().unwrap().extend(gone);
            }
        }
    })
}

/// Leaves the backups of `records` out of a listBackups answer (as if deleted).
fn hide_records(a: &mut Answer, records: &HashSet<String>) {
    a.edit_json(|v| {
        if let Some(items) = v["checkpoint_items"].as_array_mut() {
            items.retain(|i| !i["checkpoint_id"].as_str().is_some_and(|c| records.contains(c)));
        }
    })
}

/// A policy run counts the backups made by protectResource: after a run over a server, the
/// backups protected of it before are gone from the lists (breaker fa22).
fn runs_delete_protected_backups() -> Tamper {
    // Records made by protectResource, with their server; the records a later run took.
    let protected: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let taken: Arc<Mutex<HashSet<String>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        let path = a.path.split('?').next().unwrap_or_default().to_owned();
        let op = csbs_spec::operations::route(&a.method, &path).ok().map(|(op, _)| op.id.as_str());
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        match (op, a.status) {
            (Some("protectResource"), 200) => {
                let server = path.rsplit('/').nth(1).unwrap_or_default().to_owned();
                if let Some(record) = body["checkpoint"]["id"].as_str() {
                    protected.lock().unwrap().push((record.to_owned(), server));
                }
            }
            (Some("executePolicy"), 200) => {
                let ran = body.pointer("/checkpoint/protection_plan/resources");
                let ran: Vec<&str> = ran
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r["id"].as_str())
                    .collect();
                let mut taken = taken.lock().unwrap();
                for (record, server) in protected.lock().unwrap().iter() {
                    if ran.contains(&server.as_str()) {
                        taken.insert(record.clone());
                    }
                }
            }
            (Some("listBackups"), 200) => hide_records(a, &taken.lock().unwrap()),
            _ => {}
        }
    })
}

/// Retention by records (breaker fa21): after a run of a policy keeping `max_backups` N (not
/// permanent), only its N newest records stay listed, whatever servers they backed up.
fn retention_by_records() -> Tamper {
    // Per policy: the count it keeps (None: every backup) and its runs' records, oldest first.
    let kept: Arc<Mutex<HashMap<String, Option<usize>>>> = Arc::default();
    let runs: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let hidden: Arc<Mutex<HashSet<String>>> = Arc::default();
    Arc::new(move |a: &mut Answer| {
        let path = a.path.split('?').next().unwrap_or_default().to_owned();
        let op = csbs_spec::operations::route(&a.method, &path).ok().map(|(op, _)| op.id.as_str());
        let sent: Value = serde_json::from_slice(&a.request).unwrap_or_default();
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        match (op, a.status) {
            (Some("createPolicy" | "updatePolicy"), 200) => {
                let def = sent.pointer("/policy/scheduled_operations/0/operation_definition");
                let (Some(def), Some(id)) = (def, body["policy"]["id"].as_str()) else { return };
                let mut kept = kept.lock().unwrap();
                let count = kept.entry(id.to_owned()).or_default();
                if let Some(n) = def["max_backups"].as_u64() {
                    *count = Some(n as usize);
                }
                if def["permanent"] == json!(true) {
                    *count = None;
                }
            }
            (Some("executePolicy"), 200) => {
                let (Some(plan), Some(record)) =
                    (sent["checkpoint"]["plan_id"].as_str(), body["checkpoint"]["id"].as_str())
                else {
                    return;
                };
                let mut runs = runs.lock().unwrap();
                let records = runs.entry(plan.to_owned()).or_default();
                records.push(record.to_owned());
                if let Some(Some(n)) = kept.lock().unwrap().get(plan) {
                    let older = records.len().saturating_sub(*n);
                    hidden.lock().unwrap().extend(records[..older].iter().cloned());
                }
            }
            (Some("listBackups"), 200) => hide_records(a, &hidden.lock().unwrap()),
            _ => {}
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_family_broken_fails_its_check() {
    let cases: Vec<(Rewrite, Tamper, &str, Check, &str)> = vec![
        // max_backups stored but never applied: every run keeps every backup.
        (
            without_definition_member("max_backups"),
            untouched(),
            "executePolicy",
            Check::RetentionConformance,
            "max_backups 1, then a run",
        ),
        // max_backups off by one: a count of N keeps N+1 (the older backups past N+1 go, so
        // the pass is seen done, one backup too many).
        (
            on_policy_writes(|def| {
                if let Some(n) = def["max_backups"].as_i64().filter(|n| (0..99_999).contains(n)) {
                    def["max_backups"] = json!(n + 1);
                }
            }),
            untouched(),
            "executePolicy",
            Check::RetentionConformance,
            "max_backups 1, then a run",
        ),
        // permanent ignored: the count trims anyway.
        (
            without_definition_member("permanent"),
            untouched(),
            "executePolicy",
            Check::RetentionConformance,
            "permanent true overrides",
        ),
        // permanent sent at creation ignored (breaker fa26): only an update's is applied.
        (
            on("createPolicy", |s| {
                s.edit_json(|v| {
                    let op = v.pointer_mut("/policy/scheduled_operations/0/operation_definition");
                    op.and_then(Value::as_object_mut).map(|d| d.remove("permanent"));
                })
            }),
            untouched(),
            "executePolicy",
            Check::RetentionConformance,
            "permanent true at creation overrides",
        ),
        // Retention keeps the newest records, not the newest backups of each server.
        (
            unchanged(),
            retention_by_records(),
            "executePolicy",
            Check::RetentionConformance,
            "alone keeps the others' backups",
        ),
        // A run counts (and deletes) the backups protectResource made.
        (
            unchanged(),
            runs_delete_protected_backups(),
            "executePolicy",
            Check::RetentionConformance,
            "backups made by protectResource are not counted",
        ),
        // An update that drops a server keeps it bound.
        (
            on("updatePolicy", |s| {
                s.edit_json(|v| {
                    if v.pointer("/policy/resources")
                        .and_then(Value::as_array)
                        .is_some_and(Vec::is_empty)
                    {
                        v.pointer_mut("/policy")
                            .and_then(Value::as_object_mut)
                            .map(|p| p.remove("resources"));
                    }
                })
            }),
            untouched(),
            "createPolicy",
            Check::BindingRelease,
            "takes a server an update dropped",
        ),
        // A deleted policy keeps its servers bound.
        (
            unchanged(),
            deleted_policies_keep_their_servers(),
            "updatePolicy",
            Check::BindingRelease,
            "takes a server whose policy was deleted",
        ),
        // Every server protectable, bound or not.
        (
            unchanged(),
            answers_of("checkResourceCapabilities", |a| {
                a.edit_json(|v| {
                    let items = v.pointer_mut("/protectable").and_then(Value::as_array_mut);
                    for item in items.into_iter().flatten() {
                        item["result"] = json!(true);
                        item["error_code"] = json!("");
                    }
                })
            }),
            "checkResourceCapabilities",
            Check::CapabilityConformance,
            "servers bound",
        ),
        // parameters.resources ignored: every server of the policy is backed up.
        (
            on("executePolicy", |s| {
                s.edit_json(|v| {
                    let parameters = v.pointer_mut("/checkpoint/parameters");
                    parameters.and_then(Value::as_object_mut).map(|p| p.remove("resources"));
                })
            }),
            untouched(),
            "executePolicy",
            Check::PolicyRunScope,
            "names its last server only",
        ),
        // Only the first server named is backed up.
        (
            on("executePolicy", |s| {
                s.edit_json(|v| {
                    let list = v.pointer_mut("/checkpoint/parameters/resources");
                    if let Some(list) = list.and_then(Value::as_array_mut) {
                        list.truncate(1);
                    }
                })
            }),
            untouched(),
            "executePolicy",
            Check::PolicyRunScope,
            "names all its servers, last first",
        ),
        // checkpoint_items ignored: the whole record is deleted.
        (
            on("deleteCheckpoint", |s| s.drop_query("checkpoint_items")),
            untouched(),
            "deleteCheckpoint",
            Check::DeletionScope,
            "names one backup of two",
        ),
        // A name taken at creation accepted on create (only renamed names are checked).
        (
            on("createPolicy", |s| {
                s.edit_json(|v| {
                    let taken = v["policy"]["name"].as_str().is_some_and(|n| n.ends_with("-b"));
                    if taken && v["policy"]["description"] == "behaviour: duplicate name" {
                        v["policy"]["name"] = json!("made-unique-by-the-proxy");
                    }
                })
            }),
            untouched(),
            "createPolicy",
            Check::DuplicateNameRejection,
            "createPolicy with the name of a policy created with it",
        ),
        // A taken name accepted on rename.
        (
            on("updatePolicy", |s| {
                s.edit_json(|v| {
                    let only_name = v["policy"].as_object().is_some_and(|p| p.len() == 1);
                    if only_name && v["policy"]["name"].as_str().is_some_and(|n| n.ends_with("-b"))
                    {
                        v["policy"]["name"] = json!("made-unique-by-the-proxy");
                    }
                })
            }),
            untouched(),
            "updatePolicy",
            Check::DuplicateNameRejection,
            "updatePolicy with the name of a policy created with it",
        ),
        // A sort of two keys that honours only the first.
        (
            Arc::new(|s: &mut Sent| {
                if let Some(sort) = s.query("sort").first().filter(|v| v.contains(',')) {
                    let first = sort.split(',').next().unwrap_or_default().to_owned();
                    s.set_query("sort", &first);
                }
            }),
            untouched(),
            "listPolicies",
            Check::SortConformance,
            "two keys",
        ),
        // A sort of two keys whose answer drops its last item (in order, but not all).
        (
            unchanged(),
            Arc::new(|a: &mut Answer| {
                let query = a.path.split_once('?').map(|(_, q)| q).unwrap_or_default();
                let sort = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "sort")
                    .map(|(_, v)| v.into_owned());
                if a.is("GET", "/policies") && sort.is_some_and(|s| s.contains(',')) {
                    a.edit_json(|v| {
                        if let Some(list) = v["policies"].as_array_mut() {
                            list.pop();
                        }
                    });
                }
            }),
            "listPolicies",
            Check::SortConformance,
            "two keys",
        ),
    ];
    assert_each_fails(cases).await;
}

//! The oracle (`--only model`, `model_conformance`): an endpoint that breaks exactly one of
//! the comparisons fails the run naming the check, the comparison and the shrunk history; the
//! mock passes seed after seed; the endpoint and the model may be different builds; and a
//! wrong model is named as the side that said what.

use super::support::{
    bounded, failed, mock_configured, proxied_options, proxy_rewriting, Answer, Sent,
};
use csbs_conformance::model::ModelOptions;
use csbs_conformance::{run_suite, OtherCredential, Phase, Report, RunOptions};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Few, short histories, little shrinking: enough to meet each fault, modest in time.
fn options(seed: u64, cases: u32) -> ModelOptions {
    ModelOptions {
        cases,
        max_steps: 12,
        seed: Some(seed),
        max_shrink_iters: 16,
        ..ModelOptions::default()
    }
}

/// `--only model` through a proxy in front of a fresh, unseeded mock (an empty project, so the
/// comparison is exact).
async fn through(
    model: ModelOptions,
    rewrite: impl Fn(&mut Sent) + Send + Sync + 'static,
    tamper: impl Fn(&mut Answer) + Send + Sync + 'static,
) -> Report {
    through_with(|_| {}, model, rewrite, tamper).await
}

/// [`through`], with the run's options changed by `edit`.
async fn through_with(
    edit: impl FnOnce(&mut RunOptions),
    model: ModelOptions,
    rewrite: impl Fn(&mut Sent) + Send + Sync + 'static,
    tamper: impl Fn(&mut Answer) + Send + Sync + 'static,
) -> Report {
    let mock = mock_configured(|c| c.seed_examples = false).await;
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, tamper).await;
    let mut options = RunOptions { only: vec![Phase::Model], model, ..proxied_options(&proxy.url) };
    edit(&mut options);
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

/// The run failed `model_conformance` on `comparison` (any when empty), printing the shrunk history and the
/// script; returns the failure's message.
fn assert_oracle_failed(report: &Report, comparison: &str) -> String {
    let failure = report
        .failures()
        .find(|r| r.check.name() == "model_conformance")
        .and_then(|r| r.failure.clone())
        .unwrap_or_else(|| {
            panic!("model_conformance did not fail: {:?}\n{}", failed(report), report.summary())
        });
    let message = failure.message;
    eprintln!(
        "MSG {}",
        message
            .lines()
            .take_while(|l| !l.starts_with("reproduce"))
            .collect::<Vec<_>>()
            .join("\nMSG ")
    );
    let wanted = match comparison {
        "" => "differ on ".to_owned(),
        c => format!("differ on {c} at step"),
    };
    assert!(message.contains(&wanted), "{message}");
    assert!(message.contains("shortest history found"), "{message}");
    assert!(
        message.contains("endpoint answered:") && message.contains("model answered:"),
        "{message}"
    );
    assert!(message.contains("#!/bin/sh") && message.contains("curl -sS"), "{message}");
    assert!(report.summary().contains("model_conformance"), "{}", report.summary());
    message
}

fn edit_body(answer: &mut Answer, when: impl Fn(&Answer) -> bool, edit: impl FnOnce(&mut Value)) {
    if when(answer) {
        answer.edit_json(edit);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_passes_twenty_seeds_in_a_row() {
    for seed in 0..20 {
        let options = RunOptions {
            only: vec![Phase::Model],
            model: options(seed, 2),
            limits: super::support::quick_limits(),
            ..RunOptions::default()
        };
        let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
        assert!(report.passed(), "seed {seed}: {}", report.summary());
        assert!(report.summary().contains("model_conformance"), "{}", report.summary());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_broken_comparison_fails_the_oracle() {
    type Tamper = Box<dyn Fn(&mut Answer) + Send + Sync>;
    let cases: Vec<(&str, Tamper)> = vec![
        // A created policy answered 201 (the documents say 200).
        (
            "status",
            Box::new(|a: &mut Answer| {
                if a.is("POST", "/policies") && a.status == 200 {
                    a.status = 201;
                }
            }),
        ),
        // An unknown policy answered with the backup's code.
        (
            "code",
            Box::new(|a: &mut Answer| {
                a.edit_json(|b| {
                    if b.get("error_code") == Some(&json!("CSBS.3000")) {
                        b["error_code"] = json!("CSBS.3001");
                    }
                })
            }),
        ),
        // The created policy's description is not what was sent.
        (
            "echo",
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("POST", "/policies"),
                    |b| {
                        if let Some(d) = b.pointer_mut("/policy/description") {
                            *d = json!(format!("{}x", d.as_str().unwrap_or_default()));
                        }
                    },
                )
            }),
        ),
        // A list leaves out its last backup.
        (
            "membership",
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("GET", "/checkpoint_items"),
                    |b| {
                        if let Some(items) =
                            b.get_mut("checkpoint_items").and_then(Value::as_array_mut)
                        {
                            items.pop();
                        }
                    },
                )
            }),
        ),
        // Lists come in the reverse of the documented order.
        (
            "order",
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("GET", "/checkpoint_items") || a.is("GET", "/policies"),
                    |b| {
                        for key in ["checkpoint_items", "policies"] {
                            if let Some(items) = b.get_mut(key).and_then(Value::as_array_mut) {
                                if items.len() > 1
                                    && items[0].get("id") != items[items.len() - 1].get("id")
                                {
                                    items.reverse();
                                }
                            }
                        }
                    },
                )
            }),
        ),
        // Counts one too many.
        (
            "count",
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("GET", "/checkpoint_items/count") || a.is("GET", "/backups"),
                    |b| {
                        if let Some(n) = b.get("count").and_then(Value::as_i64) {
                            b["count"] = json!(n + 1);
                        }
                    },
                )
            }),
        ),
        // The quotas count one backup more than stored.
        (
            "usage",
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("GET", "/quotas"),
                    |b| {
                        if let Some(rows) =
                            b.pointer_mut("/quotas/resources").and_then(Value::as_array_mut)
                        {
                            for row in rows.iter_mut().filter(|r| r["type"] == "backups") {
                                row["used"] = json!(row["used"].as_i64().unwrap_or(0) + 1);
                            }
                        }
                    },
                )
            }),
        ),
    ];
    for (comparison, tamper) in cases {
        // (With seed 7 a list hiding its last backup first shows as the quotas counting one
        // more than the next history's lists show: a backup still being deleted.)
        let seed = if comparison == "membership" { 1 } else { 7 };
        let report = through(options(seed, 20), |_| {}, tamper).await;
        // A wrong code for an unknown policy shows first where a deleted policy is shown
        // again (`gone`: the status and code of that show).
        let message = assert_oracle_failed(&report, "");
        let first = first_line(&message);
        let named = |c: &str| first.contains(&format!("differ on {c} at step"));
        assert!(named(comparison) || (comparison == "code" && named("gone")), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_keeps_its_servers_fails_on_binding() {
    // The update's new servers are dropped on the way: the policy keeps the old ones.
    let rewrite = |s: &mut Sent| {
        if s.method == "PUT" && s.path.contains("/policies/") {
            s.edit_json(|b| {
                if let Some(p) = b.get_mut("policy").and_then(Value::as_object_mut) {
                    p.remove("resources");
                }
            });
        }
    };
    let report = through(options(12, 16), rewrite, |_| {}).await;
    let message = assert_oracle_failed(&report, "binding");
    assert!(message.contains("updatePolicy"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_run_that_ignores_its_resources_fails_on_scope() {
    // `parameters.resources` is dropped: every server of the policy is backed up.
    let rewrite = |s: &mut Sent| {
        if s.method == "POST" && s.path.ends_with("/checkpoints") {
            s.edit_json(|b| {
                if let Some(p) =
                    b.pointer_mut("/checkpoint/parameters").and_then(Value::as_object_mut)
                {
                    p.remove("resources");
                }
            });
        }
    };
    let report = through(options(5, 24), rewrite, |_| {}).await;
    // A run of some servers backs up all of them (scope), or, for a policy of none, fails
    // as a run without servers does: either way the step that differs is the run.
    let message = assert_oracle_failed(&report, "");
    let first = message.lines().next().unwrap_or_default();
    assert!(first.contains("executePolicy") && first.contains("resources"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_creates_with_one_name_at_once_both_accepted_fail_on_concurrency() {
    // A create whose name another create in flight has is renamed on the way (so the mock
    // accepts it) and answered with the name it asked for: both are accepted, which no
    // serial order allows. One after the other, a taken name is still refused.
    let in_flight: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let renamed: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let (flight, names) = (in_flight.clone(), renamed.clone());
    let rewrite = move |s: &mut Sent| {
        if s.method == "POST" && s.path.ends_with("/policies") {
            let mut flight = flight.lock().unwrap();
            s.edit_json(|b| {
                let name = b["policy"]["name"].as_str().unwrap_or_default().to_owned();
                if !flight.insert(name.clone()) {
                    let other = format!("{name}-{}", names.lock().unwrap().len());
                    names.lock().unwrap().push((other.clone(), name));
                    b["policy"]["name"] = json!(other);
                }
            });
        }
    };
    let tamper = move |a: &mut Answer| {
        if a.is("POST", "/policies") {
            // Held a moment, so that a create sent at the same time is still in flight.
            std::thread::sleep(Duration::from_millis(30));
            let sent: Value = serde_json::from_slice(&a.request).unwrap_or_default();
            let name = sent["policy"]["name"].as_str().unwrap_or_default().to_owned();
            let original =
                renamed.lock().unwrap().iter().find(|(o, _)| *o == name).map(|(_, n)| n.clone());
            in_flight.lock().unwrap().remove(original.as_ref().unwrap_or(&name));
            if let Some(original) = original {
                a.edit_json(|b| b["policy"]["name"] = json!(original));
            }
        }
    };
    let report = through(options(6, 24), rewrite, tamper).await;
    let message = assert_oracle_failed(&report, "concurrency");
    assert!(message.contains("no serial order answers so"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_differently_configured_endpoint_passes_and_one_changed_behaviour_fails() {
    // The endpoint is another mock, with its own delays (the model's clock is virtual), in
    // its own process' state; it agrees with the model until a proxy changes one behaviour.
    let endpoint = |c: &mut csbs_mock::MockConfig| {
        c.seed_examples = false;
        c.protect_delay = Duration::from_millis(70);
        c.delete_delay = Duration::from_millis(90);
    };
    let agree = mock_configured(endpoint).await;
    let proxy =
        proxy_rewriting(agree.base_url().trim_end_matches('/').to_owned(), |_| {}, |_| {}).await;
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(2, 4),
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run)).await.expect("reachable");
    assert!(report.passed(), "{}", report.summary());
    drop(proxy);
    agree.shutdown().await;
    // The same endpoint answering `result: true` for every server, bound or not.
    let differ = mock_configured(endpoint).await;
    let tamper = |a: &mut Answer| {
        edit_body(
            a,
            |a| a.is("POST", "/resources/action"),
            |b| {
                for r in
                    b.get_mut("protectable").and_then(Value::as_array_mut).into_iter().flatten()
                {
                    r["result"] = json!(true);
                }
            },
        )
    };
    let proxy =
        proxy_rewriting(differ.base_url().trim_end_matches('/').to_owned(), |_| {}, tamper).await;
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(4, 24),
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run)).await.expect("reachable");
    let message = assert_oracle_failed(&report, "capabilities");
    let first = message.lines().next().unwrap_or_default();
    assert!(first.contains("checkResourceCapabilities"), "{message}");
    drop(proxy);
    differ.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_mock_binary_passes_and_fails_when_a_proxy_changes_one_behaviour() {
    // The endpoint is another build than the model: the csbs-mock binary in its own process,
    // with its own (real) lifecycle delays.
    let endpoint = super::standalone::start(
        super::support::PROXY_TOKEN,
        &["--protect-delay-ms", "30", "--delete-delay-ms", "50"],
    );
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(2, 6),
        ..proxied_options(&endpoint.url)
    };
    let report = bounded(run_suite(run)).await.expect("the binary is reachable");
    assert!(report.passed(), "{}", report.summary());
    assert!(report.summary().contains("model_conformance"), "{}", report.summary());
    // Behind a proxy, updatePolicy loses the new name: the policy keeps its old one.
    let rewrite = |s: &mut Sent| {
        if s.method == "PUT" && s.path.contains("/policies/") {
            s.edit_json(|b| {
                if let Some(p) = b.get_mut("policy").and_then(Value::as_object_mut) {
                    p.remove("name");
                }
            });
        }
    };
    let proxy = proxy_rewriting(endpoint.url.clone(), rewrite, |_| {}).await;
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(1, 12),
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run)).await.expect("the proxy is reachable");
    let message = assert_oracle_failed(&report, "");
    let first = message.lines().next().unwrap_or_default();
    assert!(first.contains("updatePolicy") && first.contains(" name#"), "{message}");
    drop(proxy);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_model_is_named_as_the_side_that_refused() {
    // The endpoint is right; the model is told to allow one policy per project. The report
    // says the endpoint accepted and the model refused, with the model's code.
    let model = ModelOptions { model_policy_quota: Some(1), ..options(9, 12) };
    let report = through(model, |_| {}, |_| {}).await;
    let message = assert_oracle_failed(&report, "");
    let line = |side: &str| {
        message.lines().find(|l| l.contains(&format!("{side} answered:"))).unwrap_or_default()
    };
    assert!(
        line("endpoint").contains("200") && !line("endpoint").contains("CSBS.0001"),
        "{message}"
    );
    assert!(line("model").contains("CSBS.0001"), "{message}");
    assert!(message.lines().next().unwrap_or_default().contains("createPolicy"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_credential_that_reaches_the_first_project_fails_on_isolation() {
    // The endpoint scopes the second credential to the first project (a gateway mapping both
    // keys to one project): it shows, changes and deletes the first project's objects.
    const OTHER: &str = "other-credential-0123456789abcdef";
    let mock = mock_configured(|c| {
        c.seed_examples = false;
        c.tokens.push(csbs_mock::TokenGrant {
            token: OTHER.to_owned(),
            project_id: csbs_mock::DEFAULT_PROJECT_ID.to_owned(),
            admin: false,
        });
    })
    .await;
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), |_| {}, |_| {}).await;
    let other =
        OtherCredential::token(&format!("{OTHER}:1f2e3d4c5b6a79881f2e3d4c5b6a7988")).unwrap();
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(6, 12),
        other: Some(other),
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run)).await.expect("reachable");
    let message = assert_oracle_failed(&report, "isolation");
    assert!(message.contains("with the other project's credential"), "{message}");
    let notes = report.notes.join("\n");
    let said = "isolation checked against the second project 1f2e3d4c5b6a79881f2e3d4c5b6a7988";
    assert!(notes.contains(said), "{notes}");
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(OTHER) && !report.summary().contains(OTHER), "the second token leaked");
    drop(proxy);
    mock.shutdown().await;
}

/// A project that holds objects besides the histories' (the seeded examples, and the
/// behaviour part's policies, which still bind the run's servers) is compared on the
/// histories' own objects: quotas as each side's difference from its own start, and the
/// servers bound before the history bound in the model too. (Before, the endpoint's start was
/// subtracted from the model's answers, and the model found the servers free: an honest
/// endpoint failed on usage and on capabilities.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_holding_other_objects_is_judged_on_the_histories_own() {
    let mock = super::support::mock().await;
    let proxy =
        super::support::proxy(mock.base_url().trim_end_matches('/').to_owned(), |_| {}).await;
    for seed in [22, 1] {
        let model = ModelOptions { seed: Some(seed), ..ModelOptions::default() };
        let options = RunOptions {
            only: vec![Phase::Behaviour, Phase::Model],
            model,
            ..proxied_options(&proxy.url)
        };
        let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
        assert!(report.passed(), "seed {seed}: {}", report.summary());
        let notes = report.notes.join("\n");
        assert!(notes.contains("restricted to the histories' own objects"), "{notes}");
        assert!(notes.contains("no second project (--other-token"), "{notes}");
    }
    drop(proxy);
    mock.shutdown().await;
}

/// The first line of a failure (the comparison and the step that differ).
fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

/// The last path segment of an answer's path (an object's ID), without the query.
fn last_segment(answer: &Answer) -> String {
    let path = answer.path.split('?').next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

/// An endpoint that keeps answering a deleted object's show with what it last showed of it
/// (`member`: `policy` or `checkpoint_item`, read from every answer that holds one, and from
/// the lists at `list`).
fn shows_the_deleted(
    member: &'static str,
    list: &'static str,
    path_part: &'static str,
) -> impl Fn(&mut Answer) + Send + Sync + 'static {
    let known: Arc<Mutex<std::collections::HashMap<String, Value>>> = Arc::default();
    move |a: &mut Answer| {
        let Ok(body) = serde_json::from_slice::<Value>(&a.body) else { return };
        let mut known = known.lock().unwrap();
        if a.status == 200 {
            let listed = body.get(list).and_then(Value::as_array).cloned().unwrap_or_default();
            for object in body.get(member).into_iter().chain(listed.iter()) {
                if let Some(id) = object.get("id").and_then(Value::as_str) {
                    known.insert(id.to_owned(), object.clone());
                }
            }
        } else if a.status == 404 && a.method == "GET" && a.path.contains(path_part) {
            if let Some(object) = known.get(&last_segment(a)) {
                a.status = 200;
                a.body = json!({ member: object }).to_string().into_bytes();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_policy_still_shown_by_id_fails_on_gone() {
    // The newcomer's fault: deletePolicy is answered 200 and lists drop the policy, but its
    // show still answers it. The delete step re-shows the policy at once.
    let tamper = shows_the_deleted("policy", "policies", "/policies/");
    let report = through(options(1, 12), |_| {}, tamper).await;
    let message = assert_oracle_failed(&report, "gone");
    assert!(first_line(&message).contains("deletePolicy"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_backup_still_shown_by_id_fails_on_reshow_or_shown() {
    // A deleted backup, gone from the lists once its deletion settled, is still shown by ID.
    // Without restores, so that a re-read meets it (seed 6), or the show a check_restorable
    // reads the disk backups with (seed 1, compared as `shown`).
    let no_restores = |o: &mut RunOptions| o.allow_restore = false;
    for (seed, wanted) in [(6, "reread"), (1, "shown")] {
        let tamper = shows_the_deleted("checkpoint_item", "checkpoint_items", "/checkpoint_items/");
        let report = through_with(no_restores, options(seed, 24), |_| {}, tamper).await;
        let message = assert_oracle_failed(&report, "");
        let first = first_line(&message);
        let found = match wanted {
            "reread" => first.contains("differ on reshow") || first.contains("(showBackup"),
            _ => first.contains("differ on shown") && first.contains("check_restorable"),
        };
        assert!(found, "the failing step re-reads a deleted backup ({wanted}): {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_backup_that_settles_in_error_fails() {
    // After a restore the backup settles as `error` instead of `available` again.
    let restored: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let tamper = move |a: &mut Answer| {
        let mut restored = restored.lock().unwrap();
        if a.is("POST", "/restores") && a.status == 200 {
            let sent: Value = serde_json::from_slice(&a.request).unwrap_or_default();
            let item = &sent["restore"]["parameters"]["checkpoint_item_id"];
            restored.insert(item.as_str().unwrap_or_default().to_owned());
        }
        if a.method == "GET" && a.path.contains("/checkpoint_items") {
            a.edit_json(|b| {
                let Some(b) = b.as_object_mut() else { return };
                for (key, value) in b.iter_mut() {
                    let items: Vec<&mut Value> = match (key.as_str(), value) {
                        ("checkpoint_items", Value::Array(items)) => items.iter_mut().collect(),
                        ("checkpoint_item", item) => vec![item],
                        _ => continue,
                    };
                    for item in items {
                        if item["status"] == "available"
                            && restored.contains(item["id"].as_str().unwrap_or_default())
                        {
                            item["status"] = json!("error");
                        }
                    }
                }
            });
        }
    };
    // Seed 6 draws restores on their own (one in a pair sent at once may lose the race).
    let report = through(options(5, 16), |_| {}, tamper).await;
    let message = assert_oracle_failed(&report, "");
    assert!(message.contains("createRestore item#"), "the shrunk history restores: {message}");
    assert!(message.contains("\"error\""), "the endpoint's status is shown: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_and_a_delete_of_one_backup_at_once_both_refused_fail_on_concurrency() {
    // Sent at once, a restore and a deletion of one backup each refuse the other as busy
    // (CSBS.2003): in any serial order the first of them is accepted. One after the other,
    // or where the backup cannot be restored or deleted anyway, the endpoint answers as the
    // mock does.
    #[derive(Default)]
    struct Flight {
        restores: usize,
        deletes: usize,
        clash: bool,
    }
    let flight: Arc<Mutex<Flight>> = Arc::default();
    let seen = flight.clone();
    let rewrite = move |s: &mut Sent| {
        let mut f = seen.lock().unwrap();
        if s.method == "POST" && s.path.ends_with("/restores") {
            f.restores += 1;
            f.clash |= f.deletes > 0;
        } else if s.method == "DELETE" && s.path.contains("/checkpoints/") {
            f.deletes += 1;
            f.clash |= f.restores > 0;
        }
    };
    let tamper = move |a: &mut Answer| {
        let restore = a.is("POST", "/restores");
        let delete = a.method == "DELETE" && a.path.contains("/checkpoints/");
        if !restore && !delete {
            return;
        }
        // Held a moment, so that a request sent at the same time has arrived too.
        std::thread::sleep(Duration::from_millis(80));
        let mut f = flight.lock().unwrap();
        // What the endpoint accepted (what it refuses, it refuses as the mock does).
        if f.clash && a.status == 200 {
            a.status = 400;
            a.body = json!({"error_code": "CSBS.2003", "error_msg": "item in executing"})
                .to_string()
                .into_bytes();
        }
        if restore {
            f.restores -= 1;
        } else {
            f.deletes -= 1;
        }
        if f.restores == 0 && f.deletes == 0 {
            f.clash = false;
        }
    };
    let report = through(options(7, 24), rewrite, tamper).await;
    let message = assert_oracle_failed(&report, "concurrency");
    assert!(message.contains("no serial order answers so"), "{message}");
    assert!(first_line(&message).contains("createRestore"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_new_read_broken_fails_the_oracle() {
    type Rewrite = Box<dyn Fn(&mut Sent) + Send + Sync>;
    type Tamper = Box<dyn Fn(&mut Answer) + Send + Sync>;
    let none = || -> Rewrite { Box::new(|_| {}) };
    // (comparison, the failing step's text, seed, the fault)
    let cases: Vec<(&str, &str, u64, Rewrite, Tamper)> = vec![
        // The CBR view of a record leaves out one of its servers.
        (
            "echo",
            "showCbrCheckpoint",
            1,
            none(),
            Box::new(|a: &mut Answer| {
                if a.method == "GET" && a.path.contains("/v3/") && a.path.contains("/checkpoints/")
                {
                    a.edit_json(|b| {
                        let resources = b.pointer_mut("/checkpoint/vault/resources");
                        if let Some(r) = resources.and_then(Value::as_array_mut) {
                            r.pop();
                        }
                    });
                }
            }),
        ),
        // check_restorable answers true for every backup, restorable or not.
        (
            "capabilities",
            "check_restorable",
            7,
            none(),
            Box::new(|a: &mut Answer| {
                edit_body(
                    a,
                    |a| a.is("POST", "/resources/action"),
                    |b| {
                        let answers = b.get_mut("restorable").and_then(Value::as_array_mut);
                        for r in answers.into_iter().flatten() {
                            r["result"] = json!(true);
                            if let Some(r) = r.as_object_mut() {
                                r.remove("error_code");
                                r.remove("error_msg");
                            }
                        }
                    },
                )
            }),
        ),
        // The time bounds of backup lists and counts are ignored: the sweep's lists at each
        // record's exact time bounds hold other backups.
        (
            "membership",
            "each record's time bounds",
            7,
            Box::new(|s: &mut Sent| {
                s.drop_query("start_time");
                s.drop_query("end_time");
            }),
            Box::new(|_: &mut Answer| {}),
        ),
    ];
    for (comparison, step, seed, rewrite, tamper) in cases {
        let report = through(options(seed, 24), rewrite, tamper).await;
        let message = assert_oracle_failed(&report, comparison);
        assert!(first_line(&message).contains(step), "{step}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_restore_only_with_allow_restore() {
    // The registry row says restores need `--allow-restore`: without it no history restores
    // (and the note says so); with it, some do.
    for allow_restore in [false, true] {
        let restores: Arc<Mutex<usize>> = Arc::default();
        let counted = restores.clone();
        let rewrite = move |s: &mut Sent| {
            if s.method == "POST" && s.path.ends_with("/restores") {
                *counted.lock().unwrap() += 1;
            }
        };
        let edit = |o: &mut RunOptions| o.allow_restore = allow_restore;
        let report = through_with(edit, options(3, 12), rewrite, |_| {}).await;
        assert!(report.passed(), "{}", report.summary());
        let sent = *restores.lock().unwrap();
        let notes = report.notes.join("\n");
        assert_eq!(notes.contains("histories without createRestore"), !allow_restore, "{notes}");
        assert_eq!(sent > 0, allow_restore, "{sent} restores sent; allowed: {allow_restore}");
    }
}

/// The numbered steps of a failure's shrunk history.
fn shrunk_steps(message: &str) -> Vec<&str> {
    let steps = message.lines().skip_while(|l| !l.starts_with("shortest history found"));
    steps.skip(1).take_while(|l| l.starts_with("  ")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_repetition_repeats_the_same_failure() {
    // A run with a random seed fails; the flags its failure prints, read by the CLI's own
    // parser, repeat the same comparison on the same shrunk history.
    let echo = || {
        |a: &mut Answer| {
            edit_body(
                a,
                |a| a.is("POST", "/policies"),
                |b| {
                    if let Some(d) = b.pointer_mut("/policy/description") {
                        *d = json!(format!("{}x", d.as_str().unwrap_or_default()));
                    }
                },
            )
        }
    };
    let first = ModelOptions { cases: 8, max_shrink_iters: 16, ..ModelOptions::default() };
    let report = through(first, |_| {}, echo()).await;
    let message = assert_oracle_failed(&report, "echo");
    let line = message.lines().find(|l| l.starts_with("repeat it exactly")).expect("printed");
    let flags = line.split_once(" and: ").map(|(_, f)| f).expect("the flags");
    let args = std::iter::once("csbs-conformance").chain(flags.split_whitespace());
    use clap::Parser;
    let cli = csbs_conformance::cli::Cli::try_parse_from(args).expect("the CLI reads them");
    let (parsed, _) = cli.into_options().expect("valid options");
    assert_eq!(parsed.only, vec![Phase::Model]);
    let again = ModelOptions { max_shrink_iters: 16, ..parsed.model };
    let repeated = through(again, |_| {}, echo()).await;
    let repeated = assert_oracle_failed(&repeated, "echo");
    assert_eq!(first_line(&repeated), first_line(&message));
    assert_eq!(shrunk_steps(&repeated), shrunk_steps(&message), "{message}\n---\n{repeated}");
    assert!(!shrunk_steps(&message).is_empty());
}

/// An endpoint that ignores one member of an update's scheduled operation (`member` of the
/// object at `parent`, under `scheduled_operations[0]`): the policy keeps the old value.
fn dropping_on_update(
    parent: &'static str,
    member: &'static str,
) -> impl Fn(&mut Sent) + Send + Sync + 'static {
    move |s: &mut Sent| {
        if s.method == "PUT" && s.path.contains("/policies/") {
            s.edit_json(|b| {
                let at = format!("/policy/scheduled_operations/0{parent}");
                if let Some(o) = b.pointer_mut(&at).and_then(Value::as_object_mut) {
                    o.remove(member);
                }
            });
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_ignores_a_scheduled_operation_member_fails_on_echo() {
    // Each member an update may send of the scheduled operation, ignored on its own: the
    // update's answer (or a later show) still shows the old value.
    let cases = [
        ("/operation_definition", "retention_duration_days", 7),
        ("/operation_definition", "permanent", 7),
        ("", "trigger", 7),
        // Seen only since updates send `enabled: true` (policies are made disabled; breaker
        // fa12 ignored it).
        ("", "enabled", 7),
    ];
    for (parent, member, seed) in cases {
        let report = through(options(seed, 16), dropping_on_update(parent, member), |_| {}).await;
        let message = assert_oracle_failed(&report, "echo");
        let first = first_line(&message);
        let shows = |s: &str| message.lines().any(|l| l.contains("answered:") && l.contains(s));
        assert!(first.contains("updatePolicy") && first.contains(member), "{member}: {message}");
        let compared = if member == "trigger" { "pattern" } else { member };
        assert!(shows(compared), "{member}: {message}");
    }
}

/// `--only model` with a second project (its own token and project on the mock), through a
/// proxy; with `wrong`, the proxy lets the second credential restore the first project's
/// backups: a restore sent with it goes to the first project's path with the first token.
async fn restoring_across_projects(seed: u64, wrong: bool) -> Report {
    const OTHER: &str = "other-project-token-7c1d2e3f4a5b";
    const OTHER_PROJECT: &str = "2a3b4c5d6e7f80912a3b4c5d6e7f8091";
    let mock = mock_configured(|c| {
        c.seed_examples = false;
        c.tokens.push(csbs_mock::TokenGrant {
            token: OTHER.to_owned(),
            project_id: OTHER_PROJECT.to_owned(),
            admin: false,
        });
    })
    .await;
    let rewrite = move |s: &mut Sent| {
        let restore = s.method == "POST" && s.path.ends_with("/restores");
        // Only restores of backups that exist (which name their disk backups): others are
        // refused as they should be, so that the shrunk history must make the backup.
        let body: Value = serde_json::from_slice(&s.body).unwrap_or_default();
        let volumes = body.pointer("/restore/parameters/targets/volumes").and_then(Value::as_array);
        let of_a_backup = volumes.is_some_and(|v| !v.is_empty());
        if wrong && restore && of_a_backup && s.header("x-auth-token") == Some(OTHER) {
            s.path = format!("/v1/{}/restores", csbs_mock::DEFAULT_PROJECT_ID);
            s.set_header("x-auth-token", super::support::PROXY_TOKEN);
        }
    };
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, |_| {}).await;
    let other = OtherCredential::token(&format!("{OTHER}:{OTHER_PROJECT}")).unwrap();
    let run = RunOptions {
        only: vec![Phase::Model],
        model: options(seed, 24),
        other: Some(other),
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run)).await.expect("reachable");
    drop(proxy);
    mock.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_credential_that_restores_the_first_projects_backup_fails_on_isolation() {
    // Two projects, each with its own token: the mock keeps them apart and passes. Behind a
    // gateway that lets the second credential restore the first project's backups (and
    // nothing else), the run fails on that restore.
    let seed = 4;
    let right = restoring_across_projects(seed, false).await;
    assert!(right.passed(), "{}", right.summary());
    assert!(right.notes.join("\n").contains("isolation checked against the second project"));
    let report = restoring_across_projects(seed, true).await;
    let message = assert_oracle_failed(&report, "isolation");
    let first = first_line(&message);
    assert!(first.contains("with the other project's credential"), "{message}");
    assert!(first.contains("createRestore"), "{message}");
    // The endpoint restored it; the model refused.
    assert!(message.contains("endpoint answered: {\"status\":200"), "{message}");
    assert!(shrunk_steps(&message).len() > 1, "the backup is made first: {message}");
}

/// The printed curl script of a failure, run with `sh` against the endpoint it was printed
/// for (the proxy's token); its output, or `None` where `curl` or `jq` is not installed.
fn run_script(message: &str) -> Option<String> {
    let script = message.split_once("reproduce on the endpoint:\n").map(|(_, s)| s)?;
    let has = |tool: &str| std::process::Command::new(tool).arg("--version").output().is_ok();
    if !has("curl") || !has("jq") {
        eprintln!("curl or jq not installed: the script was not run");
        return None;
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("CSBS_TOKEN", super::support::PROXY_TOKEN)
        .output()
        .expect("sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The last JSON body a script's output shows (its last request's answer).
fn last_answer(output: &str) -> Value {
    let line = output.lines().rev().find(|l| l.starts_with('{')).unwrap_or("null");
    serde_json::from_str(line).unwrap_or(Value::Null)
}

/// An endpoint whose fault needs one body member (updatePolicy ignores a new description) or
/// one query parameter (policy lists ignore `name`): the shrunk history's
/// failing step holds only that member or parameter, though the random step that first
/// failed held others; the difference still shows, and the printed script repeats it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shrunk_step_keeps_only_the_member_or_parameter_its_fault_needs() {
    // Each update's members as sent, before the proxy drops its description.
    let updates: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = updates.clone();
    let rewrite = move |s: &mut Sent| {
        if s.method == "PUT" && s.path.contains("/policies/") {
            s.edit_json(|b| {
                seen.lock().unwrap().push(b["policy"].clone());
                if let Some(p) = b.get_mut("policy").and_then(Value::as_object_mut) {
                    p.remove("description");
                }
            });
        }
    };
    let mock = mock_configured(|c| c.seed_examples = false).await;
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, |_| {}).await;
    let run = |seed| RunOptions {
        only: vec![Phase::Model],
        model: ModelOptions { max_shrink_iters: 48, ..options(seed, 24) },
        ..proxied_options(&proxy.url)
    };
    let report = bounded(run_suite(run(3))).await.expect("reachable");
    let message = assert_oracle_failed(&report, "echo");
    let steps = shrunk_steps(&message);
    let failing = steps.last().expect("a shrunk step").split_once(": ").expect("numbered").1;
    let words: Vec<&str> = failing.split(' ').collect();
    assert!(
        matches!(words.as_slice(), ["updatePolicy", p, d] if p.starts_with("policy#") && d.starts_with("description#")),
        "the failing update holds only its description: {message}"
    );
    let sent = updates.lock().unwrap().clone();
    assert!(
        sent.iter().any(|p| p.get("description").is_some() && p.as_object().unwrap().len() > 1),
        "some update sent a description with other members: {sent:?}"
    );
    updates.lock().unwrap().clear();
    if let Some(output) = run_script(&message) {
        let sent = updates.lock().unwrap().clone();
        let last = sent.last().expect("the script updates");
        assert_eq!(last.as_object().unwrap().keys().collect::<Vec<_>>(), ["description"]);
        let shown = last_answer(&output);
        assert_ne!(shown["policy"]["description"], last["description"], "{output}");
        assert!(shown["policy"]["description"].is_string(), "{output}");
    }
    drop(proxy);
    mock.shutdown().await;

    // Policy lists that ignore the `name` filter.
    let rewrite = |s: &mut Sent| {
        if s.method == "GET" && s.path.contains("/policies") {
            s.drop_query("name");
        }
    };
    let mock = mock_configured(|c| c.seed_examples = false).await;
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, |_| {}).await;
    let report = bounded(run_suite(RunOptions {
        only: vec![Phase::Model],
        model: ModelOptions { max_shrink_iters: 48, ..options(1, 24) },
        ..proxied_options(&proxy.url)
    }))
    .await
    .expect("reachable");
    let message = assert_oracle_failed(&report, "membership");
    let steps = shrunk_steps(&message);
    let failing = steps.last().expect("a shrunk step").split_once(": ").expect("numbered").1;
    let query = failing.strip_prefix("listPolicies ").unwrap_or_default();
    assert!(
        query.starts_with("name=name#") && !query.contains('&'),
        "the failing list asks only for a name: {message}"
    );
    if let Some(output) = run_script(&message) {
        // The list's answer holds a policy of another name.
        let script = message.split_once("reproduce on the endpoint:\n").unwrap().1;
        let last = script.lines().rev().find(|l| l.contains("name=")).unwrap();
        let name = last.split("name=").nth(1).unwrap();
        let name: String = name.chars().take_while(|c| *c != '\'' && *c != '&').collect();
        let listed = last_answer(&output)["policies"].as_array().cloned().unwrap_or_default();
        assert!(listed.iter().any(|p| p["name"] != json!(name)), "{name}: {output}");
    }
    drop(proxy);
    mock.shutdown().await;
}

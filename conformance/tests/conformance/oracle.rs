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
    let mock = mock_configured(|c| c.seed_examples = false).await;
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, tamper).await;
    let options = RunOptions { only: vec![Phase::Model], model, ..proxied_options(&proxy.url) };
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
        let report = through(options(7, 12), |_| {}, tamper).await;
        assert_oracle_failed(&report, comparison);
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
    let report = through(options(11, 16), rewrite, |_| {}).await;
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
    let report = through(options(3, 24), rewrite, |_| {}).await;
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
    let report = through(options(5, 24), rewrite, tamper).await;
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
    }
    drop(proxy);
    mock.shutdown().await;
}

//! Snapshots of the exchanges against the embedded mock, normalized: ids, timestamps, the run
//! name and the port redacted, so that a change in what is sent or answered shows as a diff.

use crate::support::bounded;
use csbs_conformance::report::ExchangeView;
use csbs_conformance::{run_suite, Phase, RunOptions};
use regex::Regex;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn patterns() -> &'static [(Regex, &'static str)] {
    static PATTERNS: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        [
            (r"https?://127\.0\.0\.1:\d+", "[mock]"),
            (r"csbs-conformance-[0-9a-f]{8}", "[run_name]"),
            (r"(manual|auto)bk_[0-9a-f]{4}", "${1}bk_[id]"),
            (
                r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                "[uuid]",
            ),
            (r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?", "[timestamp]"),
        ]
        .into_iter()
        .map(|(p, r)| (Regex::new(p).expect("a valid pattern"), r))
        .collect()
    })
}

fn redact_text(text: &str) -> String {
    patterns().iter().fold(text.to_owned(), |t, (re, with)| re.replace_all(&t, *with).into_owned())
}

/// Redacts every string; arrays of objects are sorted, because the mock breaks ties between
/// objects made in the same instant by their random ids.
fn redact(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(redact_text(s)),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(redact).collect();
            if items.iter().all(Value::is_object) {
                items.sort_by_cached_key(Value::to_string);
            }
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), redact(v))).collect())
        }
        other => other.clone(),
    }
}

fn normalized(x: &ExchangeView) -> Value {
    let content_type = x
        .response_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v);
    let body = serde_json::from_str::<Value>(&x.body)
        .map(|b| redact(&b))
        .unwrap_or_else(|_| json!(redact_text(&x.body)));
    json!({
        "case": format!("{} {}", x.operation, x.case),
        "request": format!("{} {}", x.request.method, redact_text(&x.request.url)),
        "request_body": x.request.body.as_ref().map(redact),
        "status": x.status,
        "content_type": content_type,
        "response_body": body,
    })
}

async fn exchanges(phase: Phase) -> Vec<Value> {
    let options = RunOptions { only: vec![phase], ..RunOptions::default() };
    let report = bounded(run_suite(options)).await.expect("the embedded mock runs");
    report.exchanges.iter().map(normalized).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_examples_against_the_mock() {
    insta::assert_yaml_snapshot!("example_exchanges", exchanges(Phase::Examples).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_probes_against_the_mock() {
    insta::assert_yaml_snapshot!("auth_exchanges", exchanges(Phase::Auth).await);
}

#[test]
fn normalization_redacts_what_changes_between_runs() {
    let text = "csbs-conformance-1a2b3c4d at http://127.0.0.1:4242 made 4468f4b8-7c78-4222-a2ca-346b5d557dd2 on 2017-04-18T01:21:52.701973";
    assert_eq!(redact_text(text), "[run_name] at [mock] made [uuid] on [timestamp]");
    assert_eq!(redact_text("manualbk_7802"), "manualbk_[id]");
}

//! `project_isolation` with a second project: the other project makes objects of its own, and
//! the run's credential asking for them on its own path (by ID, through a filter) must get the
//! documented not-found or an empty list. Each endpoint below leaks one way (the breaker's
//! fa10 and fa11: it answers from the other project when asked for an ID only that project
//! holds) and fails the check by name; the mock with two projects passes; without a second
//! credential the check says what it skipped and why.

use crate::support::{
    bounded, mock_configured, proxied_options, proxy_rewriting, Answer, Sent, PROXY_TOKEN,
};
use csbs_conformance::{run_suite, Check, OtherCredential, Phase, Report, RunOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

const OTHER_TOKEN: &str = "other-project-token-4b1e9d";
const OTHER_AK: &str = "OTHERACCESSKEY4B1E9D";
const OTHER_SK: &str = "other-secret-key-7f3a2c";
const OTHER_PROJECT: &str = "0ther0000000000000000000000000001";
const OTHER_SERVER: &str = "5e7e0009-c0f0-4a11-8000-0000000000aa";

/// How the run gets the second project's credential, if at all.
#[derive(Clone, Copy)]
enum Second {
    None,
    Token,
    AkSk,
}

/// The backup records the other project made (learnt from its answers on its own path).
type Records = Arc<Mutex<BTreeSet<String>>>;

/// Runs `project_isolation` (behaviour part) through a proxy in front of a mock serving both
/// projects; `leak` names the operation whose requests for the other project's records are
/// answered from that project (`None`: the mock as it is).
async fn run(leak: Option<&'static str>, second: Second) -> Report {
    let mock = mock_configured(|c| {
        c.tokens.push(csbs_mock::TokenGrant {
            token: OTHER_TOKEN.to_owned(),
            project_id: OTHER_PROJECT.to_owned(),
            admin: false,
        });
        c.aksk.push(csbs_mock::KeyGrant {
            access_key: OTHER_AK.to_owned(),
            secret_key: OTHER_SK.to_owned(),
            project_id: OTHER_PROJECT.to_owned(),
            admin: false,
        });
    })
    .await;
    let records: Records = Arc::default();
    let learnt = records.clone();
    let own = format!("/{}/", csbs_mock::DEFAULT_PROJECT_ID);
    let rewrite = move |s: &mut Sent| {
        let Some(op) = leak.filter(|op| s.operation() == Some(*op)) else { return };
        let asked = match op {
            "listBackups" => s.query("checkpoint_id").into_iter().next(),
            _ => s.path.split('?').next().and_then(|p| p.rsplit('/').next()).map(str::to_owned),
        };
        if asked.is_some_and(|id| records.lock().unwrap().contains(&id)) {
            s.path = s.path.replacen(&own, &format!("/{OTHER_PROJECT}/"), 1);
            s.set_header("x-auth-token", OTHER_TOKEN);
        }
    };
    let learn = move |a: &mut Answer| {
        let theirs = a.path.contains(&format!("/{OTHER_PROJECT}/"));
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        if let (true, Some(id)) = (theirs, body.pointer("/checkpoint/id").and_then(Value::as_str)) {
            learnt.lock().unwrap().insert(id.to_owned());
        }
    };
    let proxy =
        proxy_rewriting(mock.base_url().trim_end_matches('/').to_owned(), rewrite, learn).await;
    let other = match second {
        Second::None => None,
        Second::Token => OtherCredential::token(&format!("{OTHER_TOKEN}:{OTHER_PROJECT}")).ok(),
        Second::AkSk => {
            OtherCredential::aksk(&format!("{OTHER_AK}:{OTHER_SK}:{OTHER_PROJECT}")).ok()
        }
    };
    // Without a leak the run goes to the mock itself: a request signed with an AK/SK pair
    // covers the Host, which the proxy changes.
    let upstream = mock.base_url().trim_end_matches('/').to_owned();
    let url = if leak.is_some() { &proxy.url } else { &upstream };
    // The AK/SK run also names the other project's own server (`--other-server-id`).
    let other_server_id = matches!(second, Second::AkSk).then(|| OTHER_SERVER.to_owned());
    let options = RunOptions {
        only: vec![Phase::Behaviour],
        checks: vec![Check::ProjectIsolation],
        other,
        other_server_id,
        ..proxied_options(url)
    };
    let report = bounded(run_suite(options)).await.expect("the proxy is reachable");
    drop(proxy);
    mock.shutdown().await;
    let json = serde_json::to_string(&report).expect("a report");
    for secret in [OTHER_TOKEN, OTHER_SK, PROXY_TOKEN] {
        assert!(!json.contains(secret) && !report.summary().contains(secret), "a secret leaked");
    }
    report
}

/// `(operation, case, message)` of each project_isolation failure.
fn isolation_failures(report: &Report) -> Vec<(String, String, String)> {
    report
        .failures()
        .filter(|r| r.check == Check::ProjectIsolation)
        .map(|r| {
            let message = r.failure.as_ref().map(|f| f.message.clone()).unwrap_or_default();
            (r.operation.clone(), r.case.clone(), message)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_projects_record_answered_through_a_filter_or_by_id_fails_project_isolation() {
    // fa10: listBackups filtered by the other project's record lists that project's backups;
    // fa11: showCbrCheckpoint of the other project's record answers it (200) on this path.
    for (op, case) in [
        ("listBackups", "another project's checkpoint_id as a filter"),
        ("showCbrCheckpoint", "another project's checkpoint_id by ID"),
    ] {
        let report = run(Some(op), Second::Token).await;
        let failed = isolation_failures(&report);
        let named = failed.iter().find(|(o, c, _)| o == op && c.contains(case));
        let (_, _, message) = named.unwrap_or_else(|| panic!("{op}: {failed:?}"));
        assert!(message.contains(OTHER_PROJECT), "{message}");
        assert!(!report.passed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mock_keeps_the_second_projects_objects_unseen() {
    // The second credential as a token, and as an AK/SK pair (its creates and deletions
    // signed).
    for second in [Second::Token, Second::AkSk] {
        let report = run(None, second).await;
        judges_every_way(&report);
        // The policy the other project made holds its own server when one is named, else
        // the run's first.
        let made = report.exchanges.iter().find(|e| {
            e.operation == "createPolicy" && e.request.url.contains(&format!("/{OTHER_PROJECT}/"))
        });
        let body = made.and_then(|e| e.request.body.as_ref()).map(Value::to_string);
        let server = match second {
            Second::AkSk => OTHER_SERVER,
            _ => csbs_conformance::MOCK_SERVERS[0],
        };
        assert!(body.as_deref().is_some_and(|b| b.contains(server)), "{body:?}");
    }
}

fn judges_every_way(report: &Report) {
    assert!(report.passed(), "{}", report.summary());
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let judged: BTreeSet<(String, String)> = report
        .results_of(Check::ProjectIsolation)
        .map(|r| (r.operation.clone(), r.case.clone()))
        .collect();
    // Every read by ID, and the filters that take an ID of what the other project made.
    for (op, case) in [
        ("showPolicy", "policy_id by ID"),
        ("showBackup", "checkpoint_item_id by ID"),
        ("showCbrCheckpoint", "checkpoint_id by ID"),
        ("listBackups", "checkpoint_id as a filter"),
        ("countBackups", "checkpoint_id as a filter"),
        ("listBackups", "policy_id as a filter"),
        ("listCbrBackups", "checkpoint_id as a filter"),
        ("listPolicies", "name as a filter"),
    ] {
        assert!(
            judged.iter().any(|(o, c)| o == op && c.contains(case)),
            "{op} {case} not judged: {judged:?}"
        );
    }
    // What the other project made is gone again.
    assert!(report.cleanup.left_behind.is_empty(), "{:?}", report.cleanup);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_second_credential_the_check_says_what_it_skips() {
    let report = run(None, Second::None).await;
    assert!(report.passed(), "{}", report.summary());
    let skip = report.skipped.iter().find(|s| s.check == Check::ProjectIsolation);
    let reason = skip.map(|s| s.reason.as_str()).unwrap_or_default();
    assert!(reason.contains("--other-token"), "{:?}", report.skipped);
}

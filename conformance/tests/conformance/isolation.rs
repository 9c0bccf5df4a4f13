//! `project_isolation` with a second project: the other project makes objects of its own, and
//! the run's credential asking for them on its own path (by ID, through a filter) must get the
//! documented not-found or an empty list; the other project's credential on this project's
//! path is refused 403 whatever it names, and what it is refused is not carried out. Each
//! endpoint below breaks one of these (the breaker's fa10 and fa11: it answers from the other
//! project when asked for an ID only that project holds; g15: it refuses another project's
//! change 403 but carries it out; g25: it answers another project's credential 404 for an ID
//! nobody holds) and fails the check by name; the mock with two projects passes; without a
//! second credential the check says what it skipped and why.

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

/// What the endpoint in front of the mock breaks.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    /// Nothing: the run goes to the mock itself.
    None,
    /// Requests of this operation for the other project's records are answered from that
    /// project (fa10, fa11).
    Leak(&'static str),
    /// A change (POST, PUT, DELETE) sent with the other project's credential on this
    /// project's path is carried out, and answered 403 (g15).
    Carried,
    /// The other project's credential on this project's path is answered 404 CSBS.3000 for
    /// an ID no answer has shown, 403 only for existing ones (g25).
    Existence,
}

/// The backup records the other project made (learnt from its answers on its own path).
type Records = Arc<Mutex<BTreeSet<String>>>;
/// `(method, path)` of the requests sent with the other project's credential on this
/// project's path, and whether the proxy carried them out with this project's token.
type Crossed = Arc<Mutex<Vec<(String, String, bool)>>>;

/// Runs `project_isolation` (behaviour part) through a proxy in front of a mock serving both
/// projects, the proxy breaking what `fault` says.
async fn run(fault: Fault, second: Second) -> Report {
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
    let crossed: Crossed = Arc::default();
    let crossing = crossed.clone();
    // Every answer's body so far: an ID none of them showed exists nowhere.
    let seen: Arc<Mutex<String>> = Arc::default();
    let seeing = seen.clone();
    let own = format!("/{}/", csbs_mock::DEFAULT_PROJECT_ID);
    let theirs = format!("/{OTHER_PROJECT}/");
    let on_own = own.clone();
    let rewrite = move |s: &mut Sent| {
        if s.header("x-auth-token") == Some(OTHER_TOKEN) && s.path.contains(&own) {
            let carry =
                fault == Fault::Carried && matches!(s.method.as_str(), "POST" | "PUT" | "DELETE");
            if carry {
                s.set_header("x-auth-token", PROXY_TOKEN);
            }
            crossing.lock().unwrap().push((s.method.clone(), s.path.clone(), carry));
        }
        let Fault::Leak(leak) = fault else { return };
        if s.operation() != Some(leak) {
            return;
        }
        let asked = match leak {
            "listBackups" => s.query("checkpoint_id").into_iter().next(),
            _ => s.path.split('?').next().and_then(|p| p.rsplit('/').next()).map(str::to_owned),
        };
        if asked.is_some_and(|id| records.lock().unwrap().contains(&id)) {
            s.path = s.path.replacen(&own, &theirs, 1);
            s.set_header("x-auth-token", OTHER_TOKEN);
        }
    };
    let learn = move |a: &mut Answer| {
        let body: Value = serde_json::from_slice(&a.body).unwrap_or_default();
        seeing.lock().unwrap().push_str(&String::from_utf8_lossy(&a.body));
        let theirs = a.path.contains(&format!("/{OTHER_PROJECT}/"));
        if let (true, Some(id)) = (theirs, body.pointer("/checkpoint/id").and_then(Value::as_str)) {
            learnt.lock().unwrap().insert(id.to_owned());
        }
        // Each crossing is answered once (this project's own request to the same path is not).
        let mut crossings = crossed.lock().unwrap();
        let at = crossings.iter().position(|(m, p, _)| *m == a.method && *p == a.path);
        let found = at.map(|at| crossings.remove(at));
        drop(crossings);
        let Some((_, path, carried)) = found.filter(|_| a.path.contains(&on_own)) else { return };
        if carried {
            a.status = 403;
            a.body = br#"{"error_code":"APIGW.0302","error_msg":"The IAM user is not authorized to access the API."}"#.to_vec();
        }
        // What the request names: the policy a run names in its body, else the path's last ID.
        let sent: Value = serde_json::from_slice(&a.request).unwrap_or_default();
        let last = path.split('?').next().and_then(|p| p.rsplit('/').next()).unwrap_or_default();
        let named = sent.pointer("/checkpoint/plan_id").and_then(Value::as_str).unwrap_or(last);
        if fault == Fault::Existence && a.status == 403 && !seen.lock().unwrap().contains(named) {
            a.status = 404;
            a.body =
                br#"{"error_code":"CSBS.3000","error_msg":"The policy does not exist."}"#.to_vec();
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
    let url = if fault != Fault::None { &proxy.url } else { &upstream };
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
        let report = run(Fault::Leak(op), Second::Token).await;
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
        let report = run(Fault::None, second).await;
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
        // The other project's credential naming IDs nobody holds and this project's own, on
        // this project's path; its changes also on its own path; this project's lists after.
        ("showPolicy", "naming a made-up policy_id"),
        ("deleteCheckpoint", "naming a made-up checkpoint_id"),
        ("showBackup", "naming this project's checkpoint_item_id"),
        ("updatePolicy", "naming this project's policy_id"),
        ("executePolicy", "naming this project's policy_id"),
        ("executePolicy", "this project's policy_id on another project's path"),
        ("deletePolicy", "naming this project's policy_id"),
        ("deleteCheckpoint", "naming this project's checkpoint_id"),
        ("deletePolicy", "this project's policy_id on another project's path"),
        ("deleteCheckpoint", "this project's checkpoint_id on another project's path"),
        ("listPolicies", "this project's objects after another project's mutations"),
        ("listBackups", "this project's objects after another project's mutations"),
    ] {
        assert!(
            judged.iter().any(|(o, c)| o == op && c.contains(case)),
            "{op} {case} not judged: {judged:?}"
        );
    }
    // What either project made is gone again.
    assert!(report.cleanup.left_behind.is_empty(), "{:?}", report.cleanup);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_second_credential_the_check_says_what_it_skips() {
    let report = run(Fault::None, Second::None).await;
    assert!(report.passed(), "{}", report.summary());
    let skip = report.skipped.iter().find(|s| s.check == Check::ProjectIsolation);
    let reason = skip.map(|s| s.reason.as_str()).unwrap_or_default();
    assert!(reason.contains("--other-token"), "{:?}", report.skipped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_projects_change_refused_but_carried_out_fails_project_isolation() {
    // g15: executePolicy, updatePolicy, deletePolicy and deleteCheckpoint of this project's
    // objects, sent with the other project's credential on this project's path, are answered
    // 403 but done.
    let report = run(Fault::Carried, Second::Token).await;
    assert!(!report.passed());
    let failed = isolation_failures(&report);
    let case = "this project's objects after another project's mutations";
    let changed: Vec<_> = failed.iter().filter(|(_, c, _)| c.contains(case)).collect();
    // The policy is gone from listPolicies, its backups from listBackups.
    for op in ["listPolicies", "listBackups"] {
        let named = changed.iter().find(|(o, ..)| o == op);
        let (_, _, message) = named.unwrap_or_else(|| panic!("{op}: {failed:?}"));
        for sent in ["executePolicy", "updatePolicy", "deletePolicy", "deleteCheckpoint"] {
            assert!(message.contains(sent), "{message}");
        }
        assert!(message.contains("is gone") || message.contains("changed"), "{message}");
    }
    // Every 403 itself was right: only what it changed fails.
    assert!(failed.iter().all(|(_, c, _)| c.contains(case)), "{failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_projects_credential_told_which_ids_exist_fails_project_isolation() {
    // g25: the other project's credential on this project's path gets 404 for an ID nobody
    // holds (403 only for this project's objects): every read and change by ID fails.
    let report = run(Fault::Existence, Second::Token).await;
    assert!(!report.passed());
    let failed = isolation_failures(&report);
    for op in [
        "showPolicy",
        "showBackup",
        "showCbrCheckpoint",
        "executePolicy",
        "updatePolicy",
        "deletePolicy",
        "deleteCheckpoint",
    ] {
        let named = failed.iter().find(|(o, c, _)| o == op && c.contains("naming a made-up"));
        let (_, _, message) = named.unwrap_or_else(|| panic!("{op}: {failed:?}"));
        assert!(message.contains("expected 403") && message.contains("404"), "{message}");
    }
    assert!(failed.iter().all(|(_, c, _)| c.contains("naming a made-up")), "{failed:?}");
}

//! Policy runs with a state file: a run is written to the file before it is stored, so no
//! reader waits for its commit; a run whose project changed meanwhile is made again and the
//! file follows; a process killed during runs keeps each run whole or not at all; a scheduled
//! run and its schedule's record of it are one transaction.

use crate::durable::{daily_policy, export, start_binary_with, Killed, StateFile};
use crate::support::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A mock on `file` without a backups quota, whose state-file writes pause once armed.
async fn paused_writes(file: &StateFile) -> (Mock, Pause, Arc<AtomicBool>) {
    let (writing, pause) = Pause::new();
    let armed = Arc::new(AtomicBool::new(false));
    let hook = once(&armed, pause);
    let path = file.0.clone();
    let mock = Mock::with(move |c| {
        c.state_file = Some(path);
        c.quotas.backups = -1;
        c.hooks = csbs_mock::Hooks { state_writing: Some(hook), ..Default::default() };
    })
    .await;
    (mock, writing, armed)
}

fn servers(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("srv-{i}")).collect()
}

async fn big_policy(mock: &Mock, n: usize) -> Value {
    let servers = servers(n);
    let names: Vec<&str> = servers.iter().map(String::as_str).collect();
    mock.create_policy("big", &names).await
}

fn run_body(policy: &Value) -> Value {
    json!({"checkpoint": {"plan_id": policy["id"], "parameters": {}}})
}

fn items(listed: &Value) -> usize {
    listed["checkpoint_items"].as_array().map_or(0, Vec::len)
}

/// A policy run's write to the state file, held where its rows are made and the writer is
/// taken (see [`Pause`]), holds up no read: another project's, and the run's own project's,
/// which does not show the run yet. The run is answered once its write is committed, and a
/// read of its project then shows it without waiting for any write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runs_own_project_is_read_while_the_run_is_written_to_the_state_file() {
    let file = StateFile::new("run-written");
    let (mock, writing, armed) = paused_writes(&file).await;
    let policy = big_policy(&mock, 1_000).await;
    let other = |rest: &str| format!("/v1/{OTHER_PROJECT}{rest}");
    let small = policy_body("small", &["srv-other"]);
    let created = mock.call("POST", &other("/policies"), Some(OTHER_TOKEN), Some(small)).await;
    let small = other(&format!("/policies/{}", created.body["policy"]["id"].as_str().unwrap()));

    armed.store(true, Ordering::Release);
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let run = in_flight(&mock, reqwest::Method::POST, &path, Some(run_body(&policy)));
    writing.reached("the run's write to the state file");
    for (path, token) in [
        (small, OTHER_TOKEN),
        (other("/checkpoint_items"), OTHER_TOKEN),
        (v1("/checkpoint_items?limit=1000"), TOKEN),
    ] {
        let read = mock.call("GET", &path, Some(token), None);
        let answer = tokio::time::timeout(PATIENCE, read)
            .await
            .unwrap_or_else(|_| panic!("{path} is answered while the run is written"));
        assert_eq!(answer.status, 200, "{}", answer.text);
        if token == TOKEN {
            assert_eq!(items(&answer.body), 0, "the run is not shown before it is kept");
        }
    }
    assert!(!run.is_finished(), "the run is answered before its write is committed");
    writing.resume();
    let made = answered(run).await;
    assert_eq!(
        made["checkpoint"]["protection_plan"]["resources"].as_array().map(Vec::len),
        Some(1_000)
    );
    // Held again: a read now shows the run, and waits for no write (the next one is held).
    armed.store(true, Ordering::Release);
    let all = v1("/checkpoint_items?limit=1000");
    let read = mock.get(&all);
    let listed = tokio::time::timeout(PATIENCE, read).await.expect("the read waits for no write");
    assert_eq!(items(&listed.body), 1_000, "it shows the run");
    armed.store(false, Ordering::Release);
    let kept = export(&mock).await;
    let project = kept["projects"].as_array().unwrap().iter().find(|p| p["id"] == PROJECT).unwrap();
    assert_eq!(project["backups"].as_array().map(Vec::len), Some(1_000));
}

/// A run written to the file, then found outdated (another write of its project came in while
/// it was written): it is planned and stored again, and the file ends up holding exactly what
/// memory holds (the first rows undone), as a restart shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_project_changed_while_it_was_written_is_made_again_and_the_file_follows() {
    let file = StateFile::new("run-redone");
    let (mock, writing, armed) = paused_writes(&file).await;
    let policy = big_policy(&mock, 300).await;
    armed.store(true, Ordering::Release);
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    let run = in_flight(&mock, reqwest::Method::POST, &path, Some(run_body(&policy)));
    writing.reached("the run's write to the state file");
    // A write of the run's project: stored in memory at once, kept after the run's write.
    let protect = v1(&format!("/providers/{PROVIDER}/resources/srv-new/action"));
    let other_write =
        in_flight(&mock, reqwest::Method::POST, &protect, Some(json!({"protect": {}})));
    // Seen in an export (which waits for no write; a read of the project would wait for the
    // protect's, held behind the run's).
    let started = Instant::now();
    let protected = |state: &Value| {
        state["projects"][0]["backups"]
            .as_array()
            .is_some_and(|b| b.iter().any(|b| b["server"]["id"] == "srv-new"))
    };
    while !protected(&export(&mock).await) {
        assert!(started.elapsed() < PATIENCE, "the protect is stored while the run is written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    writing.resume();
    let made = answered(run).await;
    answered(other_write).await;
    let checkpoint = made["checkpoint"]["id"].as_str().unwrap();
    let listed = mock.get(&v1(&format!("/checkpoint_items?checkpoint_id={checkpoint}"))).await;
    assert_eq!(items(&listed.body), 300, "the answered run is the one stored");
    let before = export(&mock).await;
    let backups = |state: &Value| state["projects"][0]["backups"].as_array().map_or(0, Vec::len);
    assert_eq!(backups(&before), 301, "one run and the protect");
    let Mock { running, .. } = mock;
    running.shutdown().await;
    let (mock, _, _) = paused_writes(&file).await;
    let after = export(&mock).await;
    assert_eq!(backups(&after), 301, "the first write of the run was undone in the file");
    assert_eq!(after, before, "the file holds exactly the state");
}

/// Runs executePolicy over `url`'s policy until a request fails; each checkpoint answered 200
/// is noted.
async fn run_until_killed(url: String, policy: String, acked: Arc<Mutex<Vec<String>>>) {
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let path = v1(&format!("/providers/{PROVIDER}/checkpoints"));
    loop {
        let body = json!({"checkpoint": {"plan_id": policy, "parameters": {}}});
        let sent = http.post(format!("{url}{path}")).header("X-Auth-Token", TOKEN).json(&body);
        let Ok(answer) = sent.send().await else { return };
        if answer.status().as_u16() != 200 {
            return;
        }
        let Ok(body) = answer.json::<Value>().await else { return };
        if let Some(id) = body["checkpoint"]["id"].as_str() {
            acked.lock().unwrap().push(id.to_owned());
        }
    }
}

/// The binary killed with SIGKILL while policy runs are written to its state file (each run
/// is written before it is stored): restarted, every run answered 200 is there whole, and
/// every checkpoint in the file holds a whole run.
#[tokio::test]
async fn a_mock_killed_during_policy_runs_keeps_each_run_whole() {
    const SERVERS: usize = 200;
    let file = StateFile::new("run-sigkill");
    let config = file.0.with_extension("yaml");
    std::fs::write(&config, "quotas: {backups: -1}\n").unwrap();
    let config_arg = config.to_str().unwrap();
    let (child, url) = start_binary_with(&file, &["--config", config_arg]);
    let mut child = Killed(child);
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let servers = servers(SERVERS);
    let names: Vec<&str> = servers.iter().map(String::as_str).collect();
    let mut body = policy_body("runs", &names);
    body["policy"]["scheduled_operations"][0]["operation_definition"] = json!({"max_backups": -1});
    let created = http.post(format!("{url}{}", v1("/policies"))).header("X-Auth-Token", TOKEN);
    let created: Value = created.json(&body).send().await.unwrap().json().await.unwrap();
    let policy = created["policy"]["id"].as_str().unwrap().to_owned();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let runners: Vec<_> = (0..3)
        .map(|_| tokio::spawn(run_until_killed(url.clone(), policy.clone(), acked.clone())))
        .collect();
    let started = Instant::now();
    while acked.lock().unwrap().len() < 6 && started.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    child.0.kill().expect("SIGKILL");
    let _ = child.0.wait();
    for runner in runners {
        let _ = runner.await;
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.len() >= 6, "the load ran: {}", acked.len());

    let (restarted, url) = start_binary_with(&file, &["--config", config_arg]);
    let _restarted = Killed(restarted);
    let state: Value =
        http.get(format!("{url}/_mock/state")).send().await.unwrap().json().await.unwrap();
    let mut per_checkpoint = std::collections::HashMap::<String, usize>::new();
    for b in state["projects"][0]["backups"].as_array().unwrap() {
        *per_checkpoint.entry(b["checkpoint"]["id"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    for id in &acked {
        assert_eq!(per_checkpoint.get(id), Some(&SERVERS), "answered run {id} kept whole");
    }
    assert!(per_checkpoint.values().all(|n| *n == SERVERS), "a run half kept: {per_checkpoint:?}");
    println!("runs answered before SIGKILL: {}; kept: {}", acked.len(), per_checkpoint.len());
    let _ = std::fs::remove_file(config);
}

/// A crash right after a scheduled run is kept (simulated: the state file copied at that
/// point, with another project's write committed meanwhile, as a crash could find it) does not
/// make the run again on restart: the run and its schedule's record of it are one write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_a_scheduled_run_does_not_make_it_again() {
    let file = StateFile::new("scheduled-crash");
    let copy = StateFile::new("scheduled-crash-copy");
    let (stored, pause) = Pause::new();
    let path = file.0.clone();
    let mock = Mock::with(move |c| {
        c.state_file = Some(path);
        c.hooks = csbs_mock::Hooks { scheduled_run_stored: Some(pause), ..Default::default() };
    })
    .await;
    let made = mock.post(&v1("/policies"), daily_policy("daily", &["srv-1", "srv-2"])).await;
    let policy_id = made.body["policy"]["id"].as_str().unwrap().to_owned();
    let made_by_policy = v1(&format!("/checkpoint_items?policy_id={policy_id}"));
    mock.running.advance_clock(Duration::from_secs(86_400));
    let read = in_flight(&mock, reqwest::Method::GET, &made_by_policy, None);
    stored.reached("the scheduled run");
    // Another project's write commits whatever is pending.
    let other = format!("/v1/{OTHER_PROJECT}/providers/{PROVIDER}/resources/srv-o/action");
    let protected = mock.call("POST", &other, Some(OTHER_TOKEN), Some(json!({"protect": {}})));
    assert_eq!(protected.await.status, 200);
    for suffix in ["", "-wal"] {
        let (mut from, mut to) = (file.0.clone().into_os_string(), copy.0.clone().into_os_string());
        from.push(suffix);
        to.push(suffix);
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, &to).unwrap();
        }
    }
    stored.resume();
    assert_eq!(items(&answered(read).await), 2, "one run of two servers");

    let path = copy.0.clone();
    let restarted = Mock::with(move |c| c.state_file = Some(path)).await;
    let listed = restarted.get(&made_by_policy).await;
    assert_eq!(items(&listed.body), 2, "the run is kept and not made again");
}

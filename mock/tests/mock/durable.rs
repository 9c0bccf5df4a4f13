//! The state file (`--state`, feature `state-file`): a restart restores the state exactly,
//! lifecycles and schedules resume on the mock's clock, and a process killed with SIGKILL
//! under write load loses no acknowledged write.

use crate::support::*;
use serde_json::{json, Value};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A state file path of its own, removed (with its WAL files) when dropped.
pub struct StateFile(pub PathBuf);

impl StateFile {
    pub fn new(name: &str) -> StateFile {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("csbs-mock-{name}-{}.sqlite", uuid::Uuid::new_v4().simple()));
        StateFile(path)
    }
}

impl Drop for StateFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
}

pub async fn on_file(file: &StateFile, protect_delay: Duration) -> Mock {
    let path = file.0.clone();
    Mock::with(move |c| {
        c.state_file = Some(path);
        c.protect_delay = protect_delay;
        c.delete_delay = Duration::from_secs(600);
    })
    .await
}

pub async fn export(mock: &Mock) -> Value {
    let answer = mock.http.get(mock.url("/_mock/state")).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    answer.json().await.unwrap()
}

pub fn daily_policy(name: &str, servers: &[&str]) -> Value {
    let mut body = policy_body(name, servers);
    body["policy"]["scheduled_operations"][0]["trigger"]["properties"]["pattern"] = json!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR=3;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    body["policy"]["scheduled_operations"][0]["operation_definition"] = json!({"max_backups": -1});
    body
}

#[tokio::test]
async fn a_restart_restores_the_state_and_resumes_on_the_mocks_clock() {
    let file = StateFile::new("restart");
    let hour = Duration::from_secs(3600);
    let mock = on_file(&file, hour).await;
    let ready: Value =
        mock.http.get(mock.url("/_mock/ready")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["state"], "file");
    let policy = mock.post(&v1("/policies"), daily_policy("daily", &["srv-1", "srv-2"])).await;
    let policy_id = policy.body["policy"]["id"].as_str().unwrap().to_owned();
    let protecting = mock.protect_backup("srv-3").await;
    assert_eq!(protecting["status"], "protecting");
    mock.running.advance_clock(hour);
    let deleted = mock.protect_backup("srv-4").await;
    let deleting = v1(&format!("/checkpoint_items/{}", deleted["id"].as_str().unwrap()));
    mock.running.advance_clock(hour);
    let checkpoint = deleted["checkpoint_id"].as_str().unwrap();
    let delete = v1(&format!("/providers/{PROVIDER}/checkpoints/{checkpoint}"));
    assert_eq!(mock.delete(&delete).await.status, 200);
    let before = export(&mock).await;
    let Mock { running, .. } = mock;
    running.shutdown().await;

    let mock = on_file(&file, hour).await;
    assert_eq!(export(&mock).await, before, "the file holds exactly the state");
    let shown = mock.get(&deleting).await;
    assert_eq!(shown.body["checkpoint_item"]["status"], "deleting", "{}", shown.text);
    let shown =
        mock.get(&v1(&format!("/checkpoint_items/{}", protecting["id"].as_str().unwrap()))).await;
    assert_eq!(shown.body["checkpoint_item"]["status"], "available", "the clock was kept");
    // The schedule resumes: a day on, the policy has run once more (two servers). Counted from
    // what it made before, since the two hours above cross 03:00 when the test starts between
    // 01:00 and 03:00 UTC.
    let made_by_policy = v1(&format!("/checkpoint_items?policy_id={policy_id}"));
    let count = |answer: &Value| answer["checkpoint_items"].as_array().map(Vec::len);
    let earlier = count(&mock.get(&made_by_policy).await.body).unwrap();
    mock.running.advance_clock(Duration::from_secs(86_400));
    let made = mock.get(&made_by_policy).await;
    assert_eq!(count(&made.body), Some(earlier + 2), "{}", made.text);
    assert_eq!(mock.get(&deleting).await.status, 404, "its deletion completed");
    let after = export(&mock).await;
    let Mock { running, .. } = mock;
    running.shutdown().await;
    let mock = on_file(&file, hour).await;
    assert_eq!(export(&mock).await, after, "what the restarted mock did is kept too");
}

/// The `csbs-mock` binary on a state file; its base URL.
pub fn start_binary(file: &StateFile) -> (Child, String) {
    start_binary_with(file, &[])
}

/// [`start_binary`] with more arguments.
pub fn start_binary_with(file: &StateFile, args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_csbs-mock"))
        .args(["--listen", "127.0.0.1:0", "--token", &format!("{TOKEN}:{PROJECT}"), "--state"])
        .arg(&file.0)
        .args(args)
        .stdout(Stdio::piped())
        // Its request log would fill the test command's output with hundreds of lines.
        .stderr(Stdio::null())
        .spawn()
        .expect("the mock binary starts");
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // The rest of what it prints, read so that it never writes into a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first.trim().strip_prefix("csbs-mock listening on ").expect(&first).to_owned();
    (child, url)
}

#[derive(Default)]
struct Acknowledged {
    policies: Vec<(String, String)>,
    checkpoints: Vec<(String, String)>,
}

/// Writes as fast as it can (policies and backups, alternately) until a request fails; every
/// write answered 200 is noted.
async fn write_until_killed(url: String, worker: usize, acked: Arc<Mutex<Acknowledged>>) {
    let http = csbs_auth::tls::client_builder().build().unwrap();
    for i in 0.. {
        let server = format!("srv-{worker}-{i}");
        let (path, body) = if i % 2 == 0 {
            (v1("/policies"), policy_body(&format!("p-{worker}-{i}"), &[&server]))
        } else {
            let path = v1(&format!("/providers/{PROVIDER}/resources/{server}/action"));
            (path, json!({"protect": {}}))
        };
        let sent =
            http.post(format!("{url}{path}")).header("X-Auth-Token", TOKEN).json(&body).send();
        let Ok(answer) = sent.await else { return };
        if answer.status().as_u16() != 200 {
            return;
        }
        let Ok(body) = answer.json::<Value>().await else { return };
        let mut acked = acked.lock().unwrap();
        if let Some(id) = body["policy"]["id"].as_str() {
            acked.policies.push((id.to_owned(), format!("p-{worker}-{i}")));
        } else if let Some(id) = body["checkpoint"]["id"].as_str() {
            acked.checkpoints.push((id.to_owned(), server));
        }
    }
}

#[tokio::test]
async fn a_mock_killed_under_write_load_keeps_every_acknowledged_write() {
    let file = StateFile::new("sigkill");
    let (mut child, url) = start_binary(&file);
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let writers: Vec<_> =
        (0..8).map(|w| tokio::spawn(write_until_killed(url.clone(), w, acked.clone()))).collect();
    let started = Instant::now();
    while acked.lock().unwrap().checkpoints.len() < 50
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    let _ = child.wait();
    for writer in writers {
        let _ = writer.await;
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(acked.checkpoints.len() >= 50, "the load wrote: {}", acked.checkpoints.len());

    let (mut child, url) = start_binary(&file);
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let get = |path: String| {
        let request = http.get(format!("{url}{path}")).header("X-Auth-Token", TOKEN);
        async move {
            let answer = request.send().await.unwrap();
            (answer.status().as_u16(), answer.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    for (id, name) in &acked.policies {
        let (status, body) = get(v1(&format!("/policies/{id}"))).await;
        assert_eq!((status, body["policy"]["name"].as_str()), (200, Some(name.as_str())), "{body}");
    }
    for (id, server) in &acked.checkpoints {
        let (status, body) = get(v1(&format!("/checkpoint_items?checkpoint_id={id}"))).await;
        let items = body["checkpoint_items"].as_array().cloned().unwrap_or_default();
        assert_eq!((status, items.len()), (200, 1), "checkpoint {id}: {body}");
        assert_eq!(items[0]["resource_id"], server.as_str());
    }
    // Nothing half-written: every record of the file reads back, every backup with its
    // checkpoint and server.
    let (_, state) = {
        let answer = http.get(format!("{url}/_mock/state")).send().await.unwrap();
        (answer.status(), answer.json::<Value>().await.unwrap())
    };
    let project = &state["projects"][0];
    let backups = project["backups"].as_array().unwrap();
    assert!(backups.len() >= acked.checkpoints.len());
    assert!(backups
        .iter()
        .all(|b| b["checkpoint"]["id"].is_string() && b["server"]["id"].is_string()));
    println!(
        "acknowledged before SIGKILL: {} policies, {} backups; restored: {} policies, {} backups",
        acked.policies.len(),
        acked.checkpoints.len(),
        project["policies"].as_array().unwrap().len(),
        backups.len()
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The binary on `file` (expected to refuse to start): its exit status and standard error.
/// A binary that starts after all is killed after [`PATIENCE`], so that the test fails
/// rather than waits for ever.
pub fn refused_start(file: &StateFile) -> (std::process::ExitStatus, String) {
    // RUST_BACKTRACE=1 (a common setting) once added a backtrace to the one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_csbs-mock"))
        .args(["--listen", "127.0.0.1:0", "--token", &format!("{TOKEN}:{PROJECT}"), "--state"])
        .arg(&file.0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "1")
        .spawn()
        .expect("the mock binary runs");
    let mut stderr = child.stderr.take().unwrap();
    let read = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, read.join().unwrap())
}

#[tokio::test]
async fn a_second_mock_on_the_same_state_file_refuses_to_start() {
    let file = StateFile::new("twice");
    let (first, url) = start_binary(&file);
    let mut first = Killed(first);
    let (status, stderr) = refused_start(&file);
    assert!(!status.success(), "the second mock started: {stderr}");
    assert!(stderr.contains("is in use by another process"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    // The first one still serves and keeps its writes.
    let http = csbs_auth::tls::client_builder().build().unwrap();
    let protect = v1(&format!("/providers/{PROVIDER}/resources/srv-1/action"));
    let sent = http.post(format!("{url}{protect}")).header("X-Auth-Token", TOKEN);
    let answer = sent.json(&json!({"protect": {}})).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    // Its lock goes with it, even killed with SIGKILL: the next mock starts on the file.
    first.0.kill().expect("SIGKILL");
    let _ = first.0.wait();
    let (next, url) = start_binary(&file);
    let _next = Killed(next);
    let listed =
        http.get(format!("{url}{}", v1("/checkpoint_items"))).header("X-Auth-Token", TOKEN);
    let body: Value = listed.send().await.unwrap().json().await.unwrap();
    assert_eq!(body["checkpoint_items"].as_array().map(Vec::len), Some(1), "{body}");
}

/// A mock process killed (SIGKILL) when dropped, a failed assertion included.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn another_programs_sqlite_file_is_refused_and_left_as_it_was() {
    let file = StateFile::new("foreign");
    {
        let db = rusqlite::Connection::open(&file.0).unwrap();
        db.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);").unwrap();
    }
    let (status, stderr) = refused_start(&file);
    assert!(!status.success());
    assert!(stderr.contains("is another program's SQLite database"), "{stderr}");
    let db = rusqlite::Connection::open(&file.0).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tables, ["t"], "no table of the mock's added");
    let mode: String = db.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete", "its journal mode untouched");
}

#[tokio::test]
async fn emptied_projects_export_the_same_after_a_restart() {
    let file = StateFile::new("empty");
    let mock = on_file(&file, Duration::ZERO).await;
    mock.create_policy("gone", &["srv-e"]).await;
    mock.protect("srv-f").await;
    mock.protect("srv-kept").await;
    let reset = |project: &str| mock.http.delete(mock.url(&format!("/_mock/projects/{project}")));
    assert_eq!(reset(PROJECT).send().await.unwrap().status().as_u16(), 204);
    assert_eq!(reset("never-used").send().await.unwrap().status().as_u16(), 204);
    mock.protect("srv-after-reset").await;
    let before = export(&mock).await;
    assert_eq!(before["projects"].as_array().map(Vec::len), Some(1), "{before}");
    let Mock { running, .. } = mock;
    running.shutdown().await;
    let mock = on_file(&file, Duration::ZERO).await;
    assert_eq!(export(&mock).await, before);
    let Mock { running, .. } = mock;
    running.shutdown().await;
}

/// A state file edited by hand into a value an import would refuse is refused at start with
/// one line naming the table, the row, the field, the rule and the value; nothing is served.
#[tokio::test]
async fn a_tampered_state_file_is_refused_naming_the_row_field_and_rule() {
    let file = StateFile::new("tampered");
    let mock = on_file(&file, Duration::ZERO).await;
    let policy = mock.create_policy("kept", &["srv-t"]).await;
    let Mock { running, .. } = mock;
    running.shutdown().await;
    let cases = [
        ("policies", "json_set(body, '$.status', 'bogus')", ".status: must be one of"),
        ("policies", "json_set(body, '$.operation.definition.max_backups', -2)", "RetentionCount"),
    ];
    for (table, edit, rule) in cases {
        let original: String = {
            let db = rusqlite::Connection::open(&file.0).unwrap();
            let body = db.query_row("SELECT body FROM policies", [], |r| r.get(0)).unwrap();
            db.execute(&format!("UPDATE {table} SET body = {edit}"), []).unwrap();
            body
        };
        let (status, stderr) = refused_start(&file);
        assert!(!status.success(), "started on a tampered file: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
        let row = format!(
            "{table} row (project \"{PROJECT}\", id \"{}\")",
            policy["id"].as_str().unwrap()
        );
        assert!(stderr.contains(&row) && stderr.contains(rule), "{stderr}");
        let db = rusqlite::Connection::open(&file.0).unwrap();
        db.execute("UPDATE policies SET body = ?1", [original]).unwrap();
    }
    // Put back, the file is served again.
    let mock = on_file(&file, Duration::ZERO).await;
    assert_eq!(
        mock.get(&v1(&format!("/policies/{}", policy["id"].as_str().unwrap()))).await.status,
        200
    );
    let Mock { running, .. } = mock;
    running.shutdown().await;
}

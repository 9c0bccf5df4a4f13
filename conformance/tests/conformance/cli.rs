//! The binary: exit codes, reports, the secret, and Ctrl-C with cleanup.

use crate::mock_suite::KNOWN_MOCK_DEFECTS;
use crate::support::{bounded, mock, proxy, PROXY_TOKEN};
use csbs_conformance::MOCK_SERVERS;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "cli-SECRET-0c4b8a1e77";

/// The binary, without the environment variables a developer's shell may have set.
pub fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_csbs-conformance"));
    for var in
        ["CSBS_ENDPOINT", "CBR_ENDPOINT", "CSBS_PROJECT_ID", "CSBS_TOKEN", "CSBS_AK", "CSBS_SK"]
    {
        command.env_remove(var);
    }
    command.stdin(Stdio::null());
    command
}

/// Runs `command` to its end, within the tests' bound.
pub async fn run(mut command: Command) -> Output {
    bounded(tokio::task::spawn_blocking(move || command.output().expect("the binary runs")))
        .await
        .expect("joined")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn temp_dir() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_run_prints_a_summary_writes_reports_and_keeps_the_secret() {
    let dir = temp_dir();
    let (junit, json) = (dir.join("run.xml"), dir.join("run.json"));
    let mut command = binary();
    command.env("CSBS_TOKEN", SECRET).arg("--report").arg(format!("junit={}", junit.display()));
    command.arg("--report").arg(format!("json={}", json.display()));
    let output = run(command).await;
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("JSON");
    let failed =
        report["results"].as_array().into_iter().flatten().filter(|r| r["passed"] == false).count();
    assert_eq!(output.status.code(), Some(if failed == 0 { 0 } else { 1 }), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("(embedded mock)")
            && stdout.contains("By operation")
            && stdout.contains("By check")
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().all(|l| l.starts_with('[') && l.contains(" requests, ")),
        "only progress lines when stderr is not a terminal: {stderr}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    for written in [text(&output), xml, report.to_string()] {
        assert!(!written.contains(SECRET));
    }
}

const SECRET_KEY: &str = "cli-SECRET-KEY-91f0d3b6e2";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_signed_with_ak_sk_keeps_the_secret_key_out_of_stdout_and_reports() {
    let dir = temp_dir();
    let (junit, json) = (dir.join("signed.xml"), dir.join("signed.json"));
    let mut command = binary();
    command
        .env("CSBS_AK", "AKCLITEST")
        .env("CSBS_SK", SECRET_KEY)
        .args(["--only", "auth,examples"]);
    command.arg("--report").arg(format!("junit={}", junit.display()));
    command.arg("--report").arg(format!("json={}", json.display()));
    let output = run(command).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("requests signed with AK/SK"), "{stdout}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json written")).expect("JSON");
    assert_eq!(report["target"]["credential"], "ak_sk");
    // The embedded mock accepts every signature: what fails is only its known defects.
    let failed: Vec<&Value> = report["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["passed"] == false)
        .collect();
    let known = |r: &&Value| {
        KNOWN_MOCK_DEFECTS
            .iter()
            .any(|(op, check, _)| r["operation"] == *op && r["check"] == *check)
    };
    assert!(failed.iter().all(known), "{}", text(&output));
    assert_eq!(
        output.status.code(),
        Some(if failed.is_empty() { 0 } else { 1 }),
        "{}",
        text(&output)
    );
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    for written in [text(&output), xml, report.to_string()] {
        assert!(!written.contains(SECRET_KEY));
    }

    // --help shows the flags and their variables, never the values.
    let mut help = binary();
    help.env("CSBS_AK", "AKCLITEST").env("CSBS_SK", SECRET_KEY).arg("--help");
    let output = run(help).await;
    let shown = text(&output);
    assert!(
        shown.contains("--ak") && shown.contains("--sk") && shown.contains("CSBS_SK"),
        "{shown}"
    );
    assert!(!shown.contains(SECRET_KEY) && !shown.contains("AKCLITEST"), "{shown}");

    // Half a pair is refused, naming both flags.
    let mut half = binary();
    half.env("CSBS_SK", SECRET_KEY);
    let output = run(half).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("--ak") && !text(&output).contains(SECRET_KEY),
        "{}",
        text(&output)
    );
    // Against an endpoint, the error without credentials names both ways.
    let mut none = binary();
    none.args(["--endpoint", "http://127.0.0.1:9", "--project-id", "p"]);
    let output = run(none).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("--ak and --sk"), "{}", text(&output));
    let mut closed = binary();
    closed.env("CSBS_AK", "AKCLITEST").env("CSBS_SK", SECRET_KEY).args([
        "--endpoint",
        "http://127.0.0.1:9",
        "--project-id",
        "p",
    ]);
    let output = run(closed).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("cannot be reached") && !text(&output).contains(SECRET_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_part_alone_passes_offline() {
    let mut command = binary();
    command.args(["--only", "spec"]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("example_validity"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_flags_and_unreachable_endpoints_exit_2() {
    let mut bogus = binary();
    bogus.arg("--bogus");
    assert_eq!(run(bogus).await.status.code(), Some(2));
    let mut part = binary();
    part.args(["--only", "everything"]);
    let output = run(part).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("spec, auth, examples"));
    let mut no_token = binary();
    no_token.args(["--endpoint", "http://127.0.0.1:9", "--project-id", "p"]);
    let output = run(no_token).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("CSBS_TOKEN"), "{}", text(&output));
    let mut closed = binary();
    closed.env("CSBS_TOKEN", SECRET).args([
        "--endpoint",
        "http://127.0.0.1:9",
        "--project-id",
        "p",
    ]);
    let output = run(closed).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("cannot be reached") && !text(&output).contains(SECRET));
    let mut report_dir = binary();
    report_dir.args(["--report", "json=/nonexistent-folder-for-sure/r.json"]);
    assert_eq!(run(report_dir).await.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_run_and_cleans_up() {
    let mock = mock().await;
    let base = mock.base_url().trim_end_matches('/').to_owned();
    let reached = Arc::new(tokio::sync::Notify::new());
    let signal = reached.clone();
    // The CBR list hangs: by then the run has created a policy and backups. (The first one
    // is the preflight's, before the run and its Ctrl-C handler begin.)
    let lists = std::sync::atomic::AtomicUsize::new(0);
    let proxy = proxy(base.clone(), move |a| {
        if a.is("GET", "/v3/0605767b5780d5762fc5c0118072a564/backups")
            && lists.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0
        {
            a.delay = Duration::from_secs(30);
            signal.notify_one();
        }
    })
    .await;
    let mut command = binary();
    command.env("CSBS_TOKEN", PROXY_TOKEN).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.args([
        "--endpoint",
        &proxy.url,
        "--project-id",
        "0605767b5780d5762fc5c0118072a564",
        "--allow-mutations",
    ]);
    command.args([
        "--timeout",
        "60s",
        "--server-id",
        MOCK_SERVERS[0],
        "--server-id",
        MOCK_SERVERS[1],
        "--only",
        "examples",
    ]);
    let child = command.spawn().expect("the binary starts");
    let pid = child.id();
    bounded(reached.notified()).await;
    let kill =
        Command::new("sh").arg("-c").arg(format!("kill -INT {pid}")).status().expect("kill runs");
    assert!(kill.success());
    let output =
        bounded(tokio::task::spawn_blocking(move || child.wait_with_output().expect("waits")))
            .await
            .expect("joined");
    let shown = text(&output);
    assert_eq!(output.status.code(), Some(130), "{shown}");
    assert!(shown.contains("Interrupted: Ctrl-C"), "{shown}");
    assert!(shown.contains("Cleanup deleted") && shown.contains("policy"), "{shown}");
    // The mock holds no policy of the run any more.
    let policies: Value = csbs_auth::tls::client_builder()
        .no_proxy()
        .build()
        .expect("a client")
        .get(format!("{base}/v1/0605767b5780d5762fc5c0118072a564/policies"))
        .header("X-Auth-Token", PROXY_TOKEN)
        .send()
        .await
        .expect("the mock answers")
        .json()
        .await
        .expect("JSON");
    let names: Vec<&str> = policies["policies"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with("csbs-conformance-")), "{names:?}");
    drop(proxy);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_re_sends_a_reported_failure_and_judges_it_again() {
    let mock = mock().await;
    let base = mock.base_url().trim_end_matches('/').to_owned();
    let proxy = proxy(base.clone(), crate::report_files::quotas_as_text).await;
    let dir = crate::report_files::temp_dir("cli-replay");
    let json = dir.join("report.json");
    let mut command = binary();
    command.env("CSBS_TOKEN", PROXY_TOKEN).args([
        "--endpoint",
        &proxy.url,
        "--project-id",
        csbs_mock::DEFAULT_PROJECT_ID,
        "--only",
        "examples",
        "--report",
        &format!("json={}", json.display()),
    ]);
    let output = run(command).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the report")).expect("JSON");
    let failure = report["failures"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["operation"] == "showQuotas"))
        .expect("a showQuotas failure");
    let replay_command = failure["replay"].as_str().expect("a replay command");
    let number = failure["number"].to_string();
    assert!(replay_command.ends_with(&format!("--failure {number}")), "{replay_command}");
    // The environment of a run (CSBS_ENDPOINT included) does not get in the subcommand's way.
    let replay = |endpoint: Option<&str>| {
        let mut command = binary();
        command.env("CSBS_TOKEN", PROXY_TOKEN).env("CSBS_ENDPOINT", "http://127.0.0.1:9");
        command.args(["replay", &json.display().to_string(), "--failure", &number]);
        command.args(endpoint.map(|e| vec!["--endpoint", e]).unwrap_or_default());
        run(command)
    };
    let again = replay(None).await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(
        text(&again).contains("FAILS AGAIN") && text(&again).contains("content_type_conformance")
    );
    let fixed = replay(Some(&base)).await;
    assert_eq!(fixed.status.code(), Some(0), "{}", text(&fixed));
    assert!(text(&fixed).contains("passes now"), "{}", text(&fixed));
    assert!(!text(&again).contains(PROXY_TOKEN) && !text(&fixed).contains(PROXY_TOKEN));
    drop(proxy);
    mock.shutdown().await;
}

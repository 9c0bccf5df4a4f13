//! Requests per second on loopback, in one run: the mock's list and create calls, a bare
//! axum handler answering the same bodies, and (when `PRISM_URL` is set, see
//! `scripts/bench.sh`) Prism serving the same spec.
//!
//! The load generator is `wrk` (one thread) when it is installed, else a small HTTP/1.1
//! keep-alive client on its own runtime thread; the servers get one runtime thread, so each
//! side has one of the machine's two cores. Each pair (mock, bare) is measured in turns,
//! `BENCH_ROUNDS` times (default 3), so that load from other processes hits both sides alike;
//! the medians are compared, and the spread of the per-round ratios is printed beside them
//! (on a shared VM it is wide). `BENCH_SECONDS` (default 3 per measurement) and
//! `BENCH_CONNECTIONS` (default 32) tune it. Both servers run on the binary's allocator
//! (mimalloc, see `fixture`).

mod fixture;

use axum::body::Bytes;
use fixture::{bare_router, config, create_path, list_path, CREATE_BODY, TOKEN};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// One request, as bytes on the wire.
fn request(method: &str, host: SocketAddr, path: &str, body: &str) -> Vec<u8> {
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nX-Auth-Token: {TOKEN}\r\n");
    if !body.is_empty() {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

/// Reads one response; its status and body.
async fn read_response(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let header_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 16384];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_ascii_lowercase();
    let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let mut chunk = [0u8; 16384];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[header_end..header_end + length].to_vec();
    buffer.drain(..header_end + length);
    Ok((status, body))
}

/// One exchange on a fresh connection (setting up, capturing bodies).
async fn exchange(addr: SocketAddr, bytes: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("the server listens");
    stream.write_all(bytes).await.expect("the request is sent");
    read_response(&mut stream, &mut Vec::new()).await.expect("the server answers")
}

/// Requests per second over `connections` keep-alive connections for `seconds`; answers
/// other than 200 are counted as errors.
async fn load(addr: SocketAddr, bytes: Vec<u8>, connections: u64, seconds: u64) -> (f64, u64) {
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(bytes);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (done, errors, bytes) = (done.clone(), errors.clone(), bytes.clone());
            tokio::spawn(async move {
                let Ok(mut stream) = TcpStream::connect(addr).await else { return };
                let mut buffer = Vec::new();
                while Instant::now() < deadline {
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                    match read_response(&mut stream, &mut buffer).await {
                        Ok((200, _)) => done.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => errors.fetch_add(1, Ordering::Relaxed),
                        Err(_) => return,
                    };
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    (done.load(Ordering::Relaxed) as f64 / elapsed, errors.load(Ordering::Relaxed))
}

fn wrk_available() -> bool {
    std::process::Command::new("wrk").arg("--version").output().is_ok()
}

/// CPU time this process has used (user and system, all threads), in seconds; `None` off Linux.
/// While `wrk` runs, the process's only busy thread is the servers' runtime, so the CPU used
/// over a run divided by the requests answered is the server's CPU per request: steadier on a
/// shared machine than requests per second, which also move with the load generator's share.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and
    // 13th, in clock ticks (USER_HZ, 100 on Linux).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// What one measurement found: requests per second, answers other than 2xx, and the server's
/// CPU time per request in µs (with `wrk` on Linux).
struct Run {
    rps: f64,
    errors: u64,
    cpu_us: Option<f64>,
}

/// Requests per second measured by `wrk`, its count of non-2xx answers, and the servers' CPU.
fn wrk(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
    connections: u64,
    seconds: u64,
) -> Run {
    let lua = |text: &str| format!("{text:?}");
    let script = format!(
        "wrk.method = {}\nwrk.body = {}\nwrk.headers[\"X-Auth-Token\"] = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
        lua(method),
        lua(body),
        lua(TOKEN)
    );
    let file = std::env::temp_dir().join(format!("csbs-bench-{}.lua", std::process::id()));
    std::fs::write(&file, script).expect("a temporary wrk script");
    let cpu_before = process_cpu_seconds();
    let output = std::process::Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s"), "-s"])
        .arg(&file)
        .arg(format!("http://{addr}{path}"))
        .output()
        .expect("wrk runs");
    let cpu = process_cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    let _ = std::fs::remove_file(&file);
    let text = String::from_utf8_lossy(&output.stdout);
    let number = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    // "123456 requests in 3.00s, ..."
    let answered = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse::<f64>().ok());
    Run {
        rps: number("Requests/sec:").unwrap_or(0.0),
        errors: number("Non-2xx or 3xx responses:").unwrap_or(0.0) as u64,
        cpu_us: cpu.zip(answered.filter(|n| *n > 0.0)).map(|(cpu, n)| cpu * 1e6 / n),
    }
}

/// One target's runs of a comparison: median requests per second, median server CPU per
/// request, and requests per second in round order.
struct Summary {
    median: f64,
    cpu: Option<f64>,
    in_order: Vec<f64>,
}

/// The bare axum handler (see `fixture::bare_router`), serving on loopback.
async fn bare_server(lists: Vec<(usize, Bytes)>, create_answer: Bytes) -> SocketAddr {
    let router = bare_router(lists, create_answer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn main() {
    let seconds = env_number("BENCH_SECONDS", 3);
    let rounds = env_number("BENCH_ROUNDS", 3).max(1);
    let connections = env_number("BENCH_CONNECTIONS", 32);
    let servers = runtime();
    let clients = runtime();
    let mut mock_config = config();
    // `BENCH_STATE=FILE`: the mock keeps its state in FILE (`--state`; emptied first), to
    // measure what the state file costs against the in-memory default.
    if let Some(file) = std::env::var_os("BENCH_STATE") {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = file.clone();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
        println!("state kept in {}", std::path::Path::new(&file).display());
        mock_config.state_file = Some(file.into());
    }
    let mock = servers.block_on(csbs_mock::spawn(mock_config)).expect("the mock starts");
    let addr = mock.addr;
    let create_path = create_path();
    let create_body = CREATE_BODY;
    let create = request("POST", addr, &create_path, create_body);
    for _ in 0..20 {
        clients.block_on(exchange(addr, &create));
    }
    let limits = [1usize, 10];
    let lists: Vec<(usize, Bytes)> = limits
        .iter()
        .map(|&l| {
            (
                l,
                Bytes::from(
                    clients.block_on(exchange(addr, &request("GET", addr, &list_path(l), ""))).1,
                ),
            )
        })
        .collect();
    let (_, create_answer) = clients.block_on(exchange(addr, &create));
    let bare = servers.block_on(bare_server(lists.clone(), Bytes::from(create_answer)));

    println!("loopback, {connections} connections, {seconds} s each; create = POST {create_path}");
    let use_wrk = wrk_available();
    println!("load generator: {}", if use_wrk { "wrk -t1" } else { "built-in tokio client" });
    let measure = |addr: SocketAddr, method: &str, path: &str, body: &str| {
        if use_wrk {
            wrk(addr, method, path, body, connections, seconds)
        } else {
            // The built-in client shares the process: its CPU cannot be told from the server's.
            let (rps, errors) = clients.block_on(load(
                addr,
                request(method, addr, path, body),
                connections,
                seconds,
            ));
            Run { rps, errors, cpu_us: None }
        }
    };
    // Each target measured in turns, `rounds` times: its median requests per second (and server
    // CPU per request), and its runs in round order, so that the spread of the per-round ratios
    // can be shown beside the ratio of the medians.
    let compare = |label: &str, targets: &[(&str, SocketAddr, &str, &str, &str)]| -> Vec<Summary> {
        let mut samples: Vec<Vec<Run>> = targets.iter().map(|_| Vec::new()).collect();
        for _ in 0..rounds {
            for (i, (_, addr, method, path, body)) in targets.iter().enumerate() {
                let run = measure(*addr, method, path, body);
                assert_eq!(run.errors, 0, "{label}: answers other than 2xx");
                samples[i].push(run);
            }
        }
        println!("{label}");
        samples
            .iter()
            .zip(targets)
            .map(|(runs, (name, ..))| {
                let in_order: Vec<f64> = runs.iter().map(|r| r.rps).collect();
                let mut rps = in_order.clone();
                rps.sort_by(f64::total_cmp);
                let median = rps[rps.len() / 2];
                let all: Vec<String> = rps.iter().map(|r| format!("{r:.0}")).collect();
                let mut cpu: Vec<f64> = runs.iter().filter_map(|r| r.cpu_us).collect();
                cpu.sort_by(f64::total_cmp);
                let cpu = (cpu.len() == runs.len()).then(|| cpu[cpu.len() / 2]);
                let cpu_text =
                    cpu.map(|c| format!(", server CPU {c:.1} µs/request")).unwrap_or_default();
                println!(
                    "  {name:<26} {median:>9.0} req/s (median of {}){cpu_text}",
                    all.join(", ")
                );
                Summary { median, cpu, in_order }
            })
            .collect()
    };
    let ratios = |summaries: &[Summary]| {
        let (mock, bare) = (&summaries[0], &summaries[1]);
        let cpu = mock
            .cpu
            .zip(bare.cpu)
            .map(|(m, b)| format!("; bare / mock CPU per request: {:.0}%", 100.0 * b / m))
            .unwrap_or_default();
        let per_round: Vec<f64> =
            mock.in_order.iter().zip(&bare.in_order).map(|(m, b)| 100.0 * m / b).collect();
        let (low, high) =
            per_round.iter().fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
        println!(
            "  mock / bare axum: {:.0}% (rounds {low:.0}-{high:.0}%){cpu}",
            100.0 * mock.median / bare.median
        );
    };
    let prism = std::env::var("PRISM_URL").ok().and_then(|u| {
        u.trim_start_matches("http://").trim_end_matches('/').parse::<SocketAddr>().ok()
    });
    for (limit, body) in &lists {
        let path = list_path(*limit);
        let bare_path = format!("/list/{limit}");
        let summaries = compare(
            &format!("list GET {path} ({} bytes)", body.len()),
            &[
                ("mock", addr, "GET", &path, ""),
                ("bare axum, same body", bare, "GET", &bare_path, ""),
            ],
        );
        ratios(&summaries);
        if let Some(prism) = prism {
            let prism_rps = measure(prism, "GET", &path, "").rps;
            println!(
                "  {:<26} {prism_rps:>9.0} req/s; mock / prism: {:.1}x",
                "prism",
                summaries[0].median / prism_rps
            );
        }
    }
    let summaries = compare(
        "create (protectResource)",
        &[
            ("mock", addr, "POST", &create_path, create_body),
            ("bare axum, same body", bare, "POST", "/create", create_body),
        ],
    );
    ratios(&summaries);
    servers.block_on(mock.shutdown());
}

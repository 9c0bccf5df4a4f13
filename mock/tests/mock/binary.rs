//! The `csbs-mock` command as a shell runs it: standard output closed before the mock prints
//! its startup lines (`csbs-mock | head -1` once `head` has exited) does not stop it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

#[test]
fn a_closed_standard_output_does_not_stop_the_mock() {
    // A pipe whose reader is gone before the mock starts: every write to it fails with EPIPE.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_csbs-mock"))
        .args(["--listen", "127.0.0.1:0", "--token", "t:p-pipe"])
        .env("RUST_LOG", "csbs_mock=debug")
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mock binary starts");
    // The log (standard error) names the address, then says the startup lines were not
    // printed; a mock that panicked on the write ends its log with the panic instead.
    let mut log = BufReader::new(child.stderr.take().unwrap());
    let (mut seen, mut address) = (String::new(), None);
    loop {
        let mut line = String::new();
        if log.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("the mock stopped: {:?}\n{seen}", child.wait());
        }
        seen.push_str(&line);
        if let Some(at) = line.find("address=http://") {
            address =
                line[at + "address=http://".len()..].split_whitespace().next().map(str::to_owned);
        }
        if line.contains("standard output closed") {
            break;
        }
    }
    // The rest of the log, read so that it never fills the pipe.
    std::thread::spawn(move || std::io::copy(&mut log, &mut std::io::sink()));
    let address = address.expect("the log names the address");
    let mut stream = TcpStream::connect(&address).expect("the mock still listens");
    stream
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(child.try_wait().unwrap().is_none(), "the mock is still running");
    child.kill().unwrap();
    child.wait().unwrap();
}

/// The binary started with `args`, expected to refuse: its exit status and standard error.
fn refused(args: &[&str]) -> (std::process::ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_csbs-mock"))
        .args(["--listen", "127.0.0.1:0", "--token", "t:p-limits"])
        .args(args)
        .stdin(Stdio::null())
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("the mock binary runs");
    (output.status, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn connection_limits_beyond_the_listeners_range_are_refused_at_start() {
    // 2^64 - 1 made the listener panic while the process stayed up, serving nothing.
    for n in ["18446744073709551615", "2305843009213693952", "0"] {
        let (status, stderr) = refused(&["--max-connections", n]);
        assert!(!status.success(), "{n}: {stderr}");
        assert!(
            stderr.contains("--max-connections") && stderr.contains("1..=2305843009213693951"),
            "{n}: {stderr}"
        );
    }
    let dir = std::env::temp_dir();
    let file = dir.join(format!("csbs-mock-limits-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"limits": {"max_connections": 18446744073709551615}}"#).unwrap();
    let (status, stderr) = refused(&["--config", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("limits.max_connections must be from 1 to 2305843009213693951, got 18446744073709551615"),
        "{stderr}"
    );
}

#[test]
fn an_address_in_use_is_named_in_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_csbs-mock"))
        .args(["--listen", &address, "--token", "t:p-in-use"])
        .stdin(Stdio::null())
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the mock binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let says = format!("cannot listen on {address} (--listen, config `listen`): ");
    assert!(stderr.contains(&says) && stderr.contains("in use"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
}

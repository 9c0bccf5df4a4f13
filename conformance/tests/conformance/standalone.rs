//! The standalone `csbs-mock` binary as an endpoint: another build than the mock the runner
//! embeds (the binary's own features, allocator and listener, its real clock), in a process of
//! its own. Only the mock crate's tests are told where cargo put it (`CARGO_BIN_EXE_csbs-mock`),
//! so cargo is asked, with the selection under which `cargo test --workspace` builds it (the
//! mock's integration test needs it): there it is fresh and nothing is built (about 0.7 s);
//! after `cargo test -p csbs-conformance` alone, cargo builds what is missing.

use csbs_mock::DEFAULT_PROJECT_ID;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// Where cargo put the `csbs-mock` binary, built if it was missing or stale.
pub fn binary() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let mut build = Command::new(cargo);
        // What cargo sets for this test process only (its package's variables, the test's
        // library path): inherited, they would make cargo rebuild what `cargo test
        // --workspace` built.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let own = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_BIN_EXE_", "CARGO_CRATE_"];
            if own.iter().any(|p| key.starts_with(p))
                || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "LD_LIBRARY_PATH"]
                    .contains(&key.as_ref())
            {
                build.env_remove(key.as_ref());
            }
        }
        build
            .args(["test", "--workspace", "--no-run", "--test", "mock"])
            .args(["--message-format=json-render-diagnostics", "--manifest-path"])
            .arg(manifest);
        // The profile this test binary was built with: target/<profile>/deps/<binary>.
        let exe = std::env::current_exe().expect("the test binary's path");
        if exe.parent().and_then(Path::parent).and_then(Path::file_name) == Some("release".as_ref())
        {
            build.arg("--release");
        }
        let out = build.stderr(Stdio::inherit()).output().expect("cargo runs");
        assert!(out.status.success(), "cargo could not build the csbs-mock binary");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "csbs-mock" && m["target"]["kind"][0] == "bin")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the csbs-mock binary it built")
    })
}

/// A running `csbs-mock` process on a free loopback port, killed when dropped.
pub struct Standalone {
    child: Child,
    /// Its base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary for `token` in the mock's default project, with `args` besides.
pub fn start(token: &str, args: &[&str]) -> Standalone {
    let mut child = Command::new(binary())
        .args(["--listen", "127.0.0.1:0", "--token", &format!("{token}:{DEFAULT_PROJECT_ID}")])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the csbs-mock binary starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("its first line");
    // Read on, so that what it prints later never meets a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first
        .trim()
        .strip_prefix("csbs-mock listening on ")
        .unwrap_or_else(|| panic!("csbs-mock printed {first:?} instead of its address"))
        .trim_end_matches('/')
        .to_owned();
    Standalone { child, url }
}

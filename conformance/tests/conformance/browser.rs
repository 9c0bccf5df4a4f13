//! The HTML report in a real browser: headless Chromium loads the page with the network
//! off, and a script reads what is rendered (`innerText` holds only what is displayed) and
//! which resources the page loaded. Without a browser the check is skipped with its reason,
//! unless CI requires it (`CI=true` or `CSBS_REQUIRE_BROWSER=1`). A screenshot of the page is
//! saved in the target folder (`target/tmp/html-report.png`).

use csbs_conformance::Report;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The browsers looked for, in order (`CSBS_BROWSER` first when set).
const BROWSERS: [&str; 4] =
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The page the browser opens: it frames the report and writes what it sees into `#result`.
const HARNESS: &str = r#"<!DOCTYPE html><html><body><pre id="result">not loaded</pre>
<iframe id="page" src="PAGE" style="width:1280px;height:4000px"></iframe>
<script>
document.getElementById('page').addEventListener('load', function () {
  var out = document.getElementById('result');
  try {
    out.textContent = JSON.stringify({
      text: this.contentDocument.body.innerText,
      title: this.contentDocument.title,
      resources: this.contentWindow.performance.getEntriesByType('resource').map(function (r) { return r.name; })
    });
  } catch (e) { out.textContent = JSON.stringify({error: String(e)}); }
});
</script></body></html>"#;

/// Flags that keep the browser off the network: every host name fails to resolve and every
/// connection goes to a closed loopback port.
const OFFLINE: [&str; 2] = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"];

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("CSBS_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let mut names: Vec<String> = std::env::var("CSBS_BROWSER").into_iter().collect();
    names.extend(BROWSERS.map(String::from));
    names.into_iter().find_map(|name| {
        let direct = Path::new(&name);
        if direct.is_absolute() && direct.is_file() {
            return Some(direct.to_owned());
        }
        std::env::split_paths(&path).map(|dir| dir.join(&name)).find(|p| p.is_file())
    })
}

fn headless(browser: &Path) -> Command {
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
    ]);
    command.args(OFFLINE);
    command
}

/// Asserts what a reader sees of `page`, the HTML of `report`: the verdict, the failure count,
/// each failing check, a curl command, no `secret`, nothing loaded from anywhere.
pub fn assert_page_shows(page: &Path, report: &Report, secret: &str) {
    let Some(browser) = find() else {
        let why = "no headless browser (install Debian's chromium, or set CSBS_BROWSER)";
        assert!(!required(), "{why}; CI (CI=true or CSBS_REQUIRE_BROWSER=1) requires one");
        eprintln!("skipped: {why}");
        return;
    };
    let dir = page.parent().expect("the page's folder");
    let harness = dir.join("harness.html");
    let name = page.file_name().and_then(|n| n.to_str()).expect("a file name");
    std::fs::write(&harness, HARNESS.replace("PAGE", name)).expect("the harness");
    let output = headless(&browser)
        .args(["--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", harness.display()))
        .output()
        .expect("the browser runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<pre id=\"result\">").map(|i| i + "<pre id=\"result\">".len());
    let result = start.and_then(|s| dom[s..].find("</pre>").map(|e| &dom[s..s + e]));
    let result = result.unwrap_or_else(|| {
        panic!("no result from the browser:\n{dom}\n{}", String::from_utf8_lossy(&output.stderr))
    });
    let result = result
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let seen: Value = serde_json::from_str(&result).unwrap_or_else(|e| panic!("{e}: {result}"));
    let text = seen["text"].as_str().unwrap_or_else(|| panic!("the page was not read: {seen}"));
    assert!(text.contains("FAILED"), "no verdict shown:\n{text}");
    let count = format!("{} failed", report.failed_count());
    assert!(text.contains(&count), "`{count}` not shown:\n{text}");
    for check in crate::report_files::failing_checks(report) {
        assert!(text.contains(check), "the failing check {check} is not shown");
    }
    assert!(text.contains("curl -sS -i -X "), "no curl command shown");
    assert!(text.contains("csbs-conformance replay "), "no replay command shown");
    assert!(!text.contains(secret), "the secret is shown");
    assert_eq!(seen["resources"], serde_json::json!([]), "the page loaded resources");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report.png");
    let status = headless(&browser)
        .args(["--window-size=1280,2400", &format!("--screenshot={}", shot.display())])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("the browser runs");
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&status.stderr));
    eprintln!("screenshot of the HTML report: {}", shot.display());
}

//! `--report har=FILE`: every exchange of the run as HAR 1.2 (the format browsers' dev tools
//! and HAR viewers read), secrets redacted. The client hands each attempt to a [`HarWriter`]
//! as it completes, which writes it to the file at once: memory stays flat however long the
//! run, and each body is at most `--max-body`.

use crate::http::{Exchange, RequestRecord};
use crate::secret::Redactor;
use serde_json::{json, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Writes a HAR file entry by entry.
#[derive(Debug)]
pub struct HarWriter {
    path: PathBuf,
    redactor: Redactor,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: Option<BufWriter<File>>,
    entries: u64,
    /// The first write error; the file is abandoned after it.
    error: Option<String>,
}

impl HarWriter {
    /// Creates `path` and writes the log's head; `redactor` cleans every text of the entries.
    pub fn create(path: &Path, redactor: Redactor) -> Result<HarWriter, String> {
        let error = |e: std::io::Error| {
            format!("the HAR report {} could not be written: {e}", path.display())
        };
        let mut file = BufWriter::new(File::create(path).map_err(error)?);
        let creator = json!({"name": "csbs-conformance", "version": env!("CARGO_PKG_VERSION")});
        write!(file, r#"{{"log":{{"version":"1.2","creator":{creator},"pages":[],"entries":["#)
            .map_err(error)?;
        let state = State { file: Some(file), entries: 0, error: None };
        Ok(HarWriter { path: path.to_owned(), redactor, state: Mutex::new(state) })
    }

    /// Appends one exchange, started at `started` (wall clock); `label` (what the request was
    /// for: operationId and case) becomes the entry's `comment` when not empty.
    pub fn add(&self, exchange: &Exchange, label: &str, started: chrono::DateTime<chrono::Utc>) {
        let mut entry = entry(exchange, started, &self.redactor);
        if !label.is_empty() {
            entry["comment"] = json!(self.redactor.redact(label));
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let comma = if state.entries == 0 { "" } else { "," };
        let Some(file) = state.file.as_mut() else { return };
        match write!(file, "{comma}\n{entry}") {
            Ok(()) => state.entries += 1,
            Err(e) => {
                state.error = Some(e.to_string());
                state.file = None;
            }
        }
    }

    /// Closes the log; returns the number of entries written.
    pub fn finish(&self) -> Result<u64, String> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let closed = match state.file.take() {
            Some(mut file) => write!(file, "\n]}}}}\n").and_then(|()| file.flush()),
            None => Ok(()),
        };
        match state.error.take().or(closed.err().map(|e| e.to_string())) {
            Some(e) => {
                Err(format!("the HAR report {} could not be written: {e}", self.path.display()))
            }
            None => Ok(state.entries),
        }
    }
}

/// One HAR entry. A request that got no answer has status 0 and the reason in `_error`, as
/// browsers write it.
fn entry(exchange: &Exchange, started: chrono::DateTime<chrono::Utc>, r: &Redactor) -> Value {
    let elapsed = exchange.elapsed.as_secs_f64() * 1000.0;
    let response = match &exchange.outcome {
        Ok(x) => {
            let text = r.redact(&String::from_utf8_lossy(&x.body));
            let mime = x.header("content-type").unwrap_or("application/octet-stream");
            let mut content = json!({"size": x.body.len(), "mimeType": mime, "text": text});
            if x.truncated {
                content["comment"] = json!("cut at --max-body; the rest was not read");
            }
            json!({
                "status": x.status,
                "statusText": reqwest::StatusCode::from_u16(x.status).ok().and_then(|s| s.canonical_reason()).unwrap_or(""),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": headers(&x.headers, r),
                "content": content,
                "redirectURL": x.header("location").map(|l| r.redact(l)).unwrap_or_default(),
                "headersSize": -1,
                "bodySize": x.body.len(),
            })
        }
        Err(e) => json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": r.redact(&e.to_string()),
        }),
    };
    json!({
        "startedDateTime": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "time": elapsed,
        "request": request(&exchange.request, r),
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": elapsed, "receive": 0},
    })
}

fn request(request: &RequestRecord, r: &Redactor) -> Value {
    let url = r.redact(&request.url);
    let query: Vec<Value> = url
        .split_once('?')
        .map(|(_, q)| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect()
        })
        .unwrap_or_default();
    let mut out = json!({
        "method": request.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&request.headers, r),
        "queryString": query,
        "headersSize": -1,
        "bodySize": 0,
    });
    if let Some(body) = &request.body {
        let text = r.redact_json(body).to_string();
        out["bodySize"] = json!(text.len());
        out["postData"] = json!({"mimeType": "application/json", "text": text});
    }
    out
}

fn headers(headers: &[(String, String)], r: &Redactor) -> Vec<Value> {
    headers.iter().map(|(k, v)| json!({"name": k, "value": r.redact(v)})).collect()
}

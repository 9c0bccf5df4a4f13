//! The request journal: the last [`crate::MockConfig::journal_size`] requests to the API, each
//! with its operation, status, error code and validation verdict, served filtered at
//! `GET /_mock/journal` (and emptied by `DELETE /_mock/journal`, see `admin/journal.rs`), as
//! WireMock's request journal is used to assert what a client sent.

use crate::clock::Micros;
use axum::http::Method;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// What validation said of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Path, query and body follow the contract.
    Valid,
    /// They break it, or a `Prefer` header asks for what the spec does not document for the
    /// operation (field `header.Prefer`): `violations` says how.
    Invalid,
    /// Refused before validation (unknown path, credentials, body size, throttling).
    NotValidated,
}

/// One request as the journal keeps it.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// Its number, counting from 1 since the mock started (not reset by a clear).
    pub seq: u64,
    /// When it arrived, on the mock's clock (RFC 3339, UTC).
    #[serde(serialize_with = "as_time")]
    pub at: Micros,
    #[serde(serialize_with = "as_method")]
    pub method: Method,
    /// The path and query as sent, each cut to an excerpt of [`MAX_TARGET_EXCERPT`] bytes
    /// (serialized as `path`, `query`, `path_bytes` and `query_bytes`).
    #[serde(flatten)]
    pub target: Target,
    /// Its `operationId`, when the path and method name one.
    pub operation: Option<&'static str>,
    pub status: u16,
    /// The answer's `error_code`, when it is an error.
    pub error_code: Option<&'static str>,
    pub verdict: Verdict,
    /// Each violation of the contract, in the words of the error message (at most ten, then
    /// how many more; see `csbs_spec::validate::MAX_VIOLATIONS`).
    pub violations: Vec<String>,
    /// `Prefer header` or `configured fault` when a fault was injected.
    pub fault: Option<&'static str>,
    /// Time to the answer's head, in milliseconds.
    pub ms: f64,
}

/// A request's path and query, kept in one string: an entry is made for every request, and
/// each allocation shows in the mock's throughput (a full journal reuses the string of the
/// entry it forgets, see [`Journal::record`]). A path or query longer than
/// [`MAX_TARGET_EXCERPT`] bytes is kept as an excerpt (ending `...`) beside its length as
/// sent: an unauthenticated request of a 64 KB query once held 64 KB in the journal, and a
/// read of 1,000 of them answered 130 MB.
#[derive(Clone, Debug)]
pub struct Target {
    text: String,
    path_len: usize,
    path_bytes: usize,
    query_bytes: usize,
}

/// The longest path, and the longest query, an entry keeps, in bytes (an excerpt of a longer
/// one, `...` marking the cut, within this many bytes).
pub const MAX_TARGET_EXCERPT: usize = 512;

impl Target {
    /// `path` and `query` in `text`'s buffer (emptied first), each cut to an excerpt when
    /// longer than [`MAX_TARGET_EXCERPT`] (the common short line is copied as is).
    fn reusing(mut text: String, path: &str, query: Option<&str>) -> Target {
        let query = query.unwrap_or_default();
        text.clear();
        if path.len() <= MAX_TARGET_EXCERPT && query.len() <= MAX_TARGET_EXCERPT {
            text.reserve(path.len() + query.len());
            text.push_str(path);
            text.push_str(query);
            return Target {
                text,
                path_len: path.len(),
                path_bytes: path.len(),
                query_bytes: query.len(),
            };
        }
        push_excerpt(&mut text, path);
        let path_len = text.len();
        push_excerpt(&mut text, query);
        Target { text, path_len, path_bytes: path.len(), query_bytes: query.len() }
    }

    /// The path as sent (no query), or its excerpt.
    pub fn path(&self) -> &str {
        &self.text[..self.path_len]
    }

    /// The query as sent (empty without one), or its excerpt.
    pub fn query(&self) -> &str {
        &self.text[self.path_len..]
    }
}

/// Appends `part`, or when longer than [`MAX_TARGET_EXCERPT`] its excerpt.
fn push_excerpt(text: &mut String, part: &str) {
    text.push_str(&crate::errors::excerpt(part, MAX_TARGET_EXCERPT));
}

/// `path` as the request log quotes it: itself, or its excerpt when longer than
/// [`MAX_TARGET_EXCERPT`] bytes.
pub fn path_excerpt(path: &str) -> std::borrow::Cow<'_, str> {
    crate::errors::excerpt(path, MAX_TARGET_EXCERPT)
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("path", self.path())?;
        map.serialize_entry("query", self.query())?;
        map.serialize_entry("path_bytes", &self.path_bytes)?;
        map.serialize_entry("query_bytes", &self.query_bytes)?;
        map.end()
    }
}

fn as_method<S: serde::Serializer>(method: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(method.as_str())
}

fn as_time<S: serde::Serializer>(at: &Micros, s: S) -> Result<S::Ok, S::Error> {
    let time = chrono::DateTime::from_timestamp_micros(*at).unwrap_or_default();
    s.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}

/// The longest string of a forgotten entry that a new one reuses, in bytes (request lines
/// are mostly far shorter).
const REUSED_BYTES: usize = 1024;

/// The most entries one read of the journal answers (the default journal size): a read of a
/// larger journal pages with `since` (or takes the newest with `limit`).
pub const MAX_PAGE: usize = 1000;

/// What a read of the journal answers.
#[derive(Debug, Serialize)]
pub struct Page {
    /// The entries answered, oldest first.
    pub requests: Vec<Entry>,
    /// How many more passed the filters but were left out beyond [`MAX_PAGE`] or `limit`
    /// (newer ones without `limit`: read again with `since` the last `seq`; older ones with it).
    pub more: usize,
}

/// The last requests, oldest first.
pub struct Journal {
    size: usize,
    kept: Mutex<(u64, VecDeque<Entry>)>,
}

impl Journal {
    /// A journal of the last `size` requests (0: none kept).
    pub fn new(size: usize) -> Journal {
        Journal { size, kept: Mutex::new((0, VecDeque::with_capacity(size.min(4096)))) }
    }

    /// True when it keeps requests (the dispatcher then gathers what an entry needs).
    pub fn is_on(&self) -> bool {
        self.size > 0
    }

    /// Keeps the entry `make` returns for a request to `path` and `query` (given its
    /// [`Target`]; its `seq` is assigned here), forgetting the oldest beyond the size, whose
    /// string the new target reuses: a full journal allocates nothing per request. A string
    /// longer than [`REUSED_BYTES`] is freed instead, so that a few long request lines do not
    /// hold their memory in later entries for good.
    pub fn record(&self, path: &str, query: Option<&str>, make: impl FnOnce(Target) -> Entry) {
        if self.size == 0 {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let forgotten = if kept.1.len() == self.size { kept.1.pop_front() } else { None };
        let text = forgotten
            .map(|e| e.target.text)
            .filter(|t| t.capacity() <= REUSED_BYTES)
            .unwrap_or_default();
        let mut entry = make(Target::reusing(text, path, query));
        kept.0 += 1;
        entry.seq = kept.0;
        kept.1.push_back(entry);
    }

    /// The kept entries that pass `filter`, oldest first: with its `limit`, the newest that
    /// many, else the oldest; at most [`MAX_PAGE`] either way. Only the answered entries are
    /// copied under the lock (each bounded, see [`Target`]); the caller serialises the copy.
    pub fn select(&self, filter: &Filter) -> Page {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let matched: Vec<&Entry> = kept.1.iter().filter(|e| filter.admits(e)).collect();
        let wanted = filter.limit.unwrap_or(MAX_PAGE).min(MAX_PAGE).min(matched.len());
        let window = match filter.limit {
            Some(_) => &matched[matched.len() - wanted..],
            None => &matched[..wanted],
        };
        let more = matched.len() - window.len();
        Page { requests: window.iter().map(|e| (*e).clone()).collect(), more }
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.kept.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }
}

/// The journal's query parameters; each given one must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// `method=POST` (any case).
    pub method: Option<String>,
    /// `operation=createPolicy`.
    pub operation: Option<String>,
    /// `path=/v1/p/policies`: paths starting with it.
    pub path: Option<String>,
    /// `status=400`.
    pub status: Option<u16>,
    /// `error_code=CSBS.9001`.
    pub error_code: Option<String>,
    /// `verdict=invalid`.
    pub verdict: Option<String>,
    /// `since=41`: entries after that `seq`.
    pub since: Option<u64>,
    /// `limit=10`: the newest ten.
    pub limit: Option<usize>,
}

impl Filter {
    /// Reads a query string; an unknown key or a value of the wrong kind is an error naming it.
    pub fn parse(query: &str) -> Result<Filter, String> {
        let mut filter = Filter::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let number = |what: &str| {
                value.parse::<u64>().map_err(|_| format!("{key}: {value:?} is not {what}"))
            };
            match key.as_ref() {
                "method" => filter.method = Some(value.to_ascii_uppercase()),
                "operation" => filter.operation = Some(value.into_owned()),
                "path" => filter.path = Some(value.into_owned()),
                "status" => {
                    filter.status = Some(
                        value.parse().map_err(|_| format!("status: {value:?} is not a status"))?,
                    )
                }
                "error_code" => filter.error_code = Some(value.into_owned()),
                "verdict" => match value.as_ref() {
                    "valid" | "invalid" | "not_validated" => {
                        filter.verdict = Some(value.into_owned())
                    }
                    _ => {
                        return Err(format!(
                            "verdict: {value:?} is not one of valid, invalid, not_validated"
                        ))
                    }
                },
                "since" => filter.since = Some(number("a sequence number")?),
                "limit" => filter.limit = Some(number("a count")? as usize),
                other => {
                    return Err(format!(
                        "{other} is not a journal filter (method, operation, path, status, \
                         error_code, verdict, since, limit)"
                    ))
                }
            }
        }
        Ok(filter)
    }

    fn admits(&self, e: &Entry) -> bool {
        let verdict = match e.verdict {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::NotValidated => "not_validated",
        };
        self.method.as_ref().is_none_or(|m| m == e.method.as_str())
            && self.operation.as_ref().is_none_or(|o| e.operation == Some(o.as_str()))
            && self.path.as_ref().is_none_or(|p| e.target.path().starts_with(p.as_str()))
            && self.status.is_none_or(|s| s == e.status)
            && self.error_code.as_ref().is_none_or(|c| e.error_code == Some(c.as_str()))
            && self.verdict.as_ref().is_none_or(|v| v == verdict)
            && self.since.is_none_or(|s| e.seq > s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(target: Target, method: &str, status: u16) -> Entry {
        Entry {
            seq: 0,
            at: 0,
            method: method.parse().unwrap(),
            target,
            operation: Some("listPolicies"),
            status,
            error_code: None,
            verdict: Verdict::Valid,
            violations: Vec::new(),
            fault: None,
            ms: 0.0,
        }
    }

    #[test]
    fn the_journal_keeps_the_last_entries_and_filters_them() {
        let journal = Journal::new(3);
        for (status, query) in
            [(200, Some("limit=1")), (400, None), (200, Some("a=b")), (404, None)]
        {
            journal.record("/v1/p/policies", query, |target| entry(target, "GET", status));
        }
        let all = journal.select(&Filter::default()).requests;
        assert_eq!(
            all.iter().map(|e| (e.seq, e.status)).collect::<Vec<_>>(),
            [(2, 400), (3, 200), (4, 404)]
        );
        // The last target, in the string of the forgotten first, holds only its own.
        let targets: Vec<_> = all.iter().map(|e| (e.target.path(), e.target.query())).collect();
        assert_eq!(
            targets,
            [("/v1/p/policies", ""), ("/v1/p/policies", "a=b"), ("/v1/p/policies", "")]
        );
        let filter = Filter::parse("status=200&method=get").unwrap();
        assert_eq!(journal.select(&filter).requests.len(), 1);
        assert_eq!(journal.select(&Filter::parse("since=3").unwrap()).requests[0].seq, 4);
        let newest = journal.select(&Filter::parse("limit=1").unwrap());
        assert_eq!((newest.requests[0].seq, newest.more), (4, 2));
        assert!(Filter::parse("colour=red").unwrap_err().contains("colour"));
        assert!(Filter::parse("verdict=maybe").unwrap_err().contains("verdict"));
        journal.clear();
        assert!(journal.select(&Filter::default()).requests.is_empty());
        assert!(!Journal::new(0).is_on());
    }
}

//! The record of one request and its outcome, as the checks and the report see it.

use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// A request as sent, with the token already replaced by its placeholder.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RequestRecord {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// A response: status, headers and the body up to the cap.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, or its first `max_body_bytes` when `truncated`.
    pub body: Vec<u8>,
    /// The body was larger than the cap; the rest was not read.
    pub truncated: bool,
}

impl ResponseRecord {
    /// The first value of a header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The media type of `Content-Type` without parameters, lowercased (`application/json`).
    pub fn media_type(&self) -> Option<String> {
        let value = self.header("content-type")?;
        let media = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        (!media.is_empty()).then_some(media)
    }

    /// The body as JSON, or why it is not JSON.
    pub fn json(&self) -> Result<Value, String> {
        if self.truncated {
            return Err(format!(
                "the body is larger than the cap and was cut after {} bytes",
                self.body.len()
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| format!("the body is not JSON: {e}"))
    }
}

/// Why no complete response came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TransportError {
    /// Nothing complete arrived within the per-request timeout.
    Timeout { after_ms: u64 },
    /// The connection was refused, reset or closed, or the HTTP was malformed.
    Connection { message: String },
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::Timeout { after_ms } => {
                write!(f, "no complete response within {after_ms} ms")
            }
            TransportError::Connection { message } => write!(f, "connection failed: {message}"),
        }
    }
}

/// One request and what came of it.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub request: RequestRecord,
    pub outcome: Result<ResponseRecord, TransportError>,
    pub elapsed: Duration,
    /// The 429 answers waited out before this attempt (oldest first): the client sent the
    /// request again, so no other check sees them.
    pub waited: Vec<ResponseRecord>,
}

impl Exchange {
    pub fn response(&self) -> Option<&ResponseRecord> {
        self.outcome.as_ref().ok()
    }

    pub fn status(&self) -> Option<u16> {
        self.response().map(|r| r.status)
    }
}

//! Credentials every client carries, applied to each request by the `ClientHooks` impls below
//! (the generated clients require them): a token in `X-Auth-Token`, or an AK/SK signature.
//! Secrets never appear in `Debug` output.

use crate::signer::{self, SigningInput, DATE_FORMAT, DATE_HEADER};
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};
use std::fmt;

/// How requests authenticate.
#[derive(Clone, Default)]
pub enum Credentials {
    /// No authentication header (for endpoints in front of which a gateway authenticates).
    #[default]
    Anonymous,
    /// An IAM token, sent as `X-Auth-Token`.
    Token(String),
    /// An access key and secret key: each request is signed (SDK-HMAC-SHA256).
    AkSk {
        access_key: String,
        secret_key: String,
        /// Sent as `X-Project-Id` (and signed) when set.
        project_id: Option<String>,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::Token(_) => f.write_str("Token(<redacted>)"),
            Credentials::AkSk { access_key, project_id, .. } => f
                .debug_struct("AkSk")
                .field("access_key", access_key)
                .field("secret_key", &"<redacted>")
                .field("project_id", project_id)
                .finish(),
        }
    }
}

/// Why a request could not be authenticated.
#[derive(Debug)]
pub struct AuthError(String);

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AuthError {}

fn header_value(name: &str, value: &str) -> Result<HeaderValue, AuthError> {
    HeaderValue::from_str(value).map_err(|_| AuthError(format!("the {name} header value has characters HTTP forbids")))
}

impl Credentials {
    /// Adds the authentication headers to a request, signing it at the current time.
    pub fn apply(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        self.apply_at(request, chrono::Utc::now())
    }

    /// Adds the authentication headers, signing as if at `now` (for reproducible signatures).
    pub fn apply_at(&self, request: &mut reqwest::Request, now: chrono::DateTime<chrono::Utc>) -> Result<(), AuthError> {
        match self {
            Credentials::Anonymous => Ok(()),
            Credentials::Token(token) => {
                request.headers_mut().insert(HeaderName::from_static("x-auth-token"), header_value("X-Auth-Token", token)?);
                Ok(())
            }
            Credentials::AkSk { access_key, secret_key, project_id } => {
                sign(request, access_key, secret_key, project_id.as_deref(), &now.format(DATE_FORMAT).to_string())
            }
        }
    }
}

fn sign(request: &mut reqwest::Request, ak: &str, sk: &str, project_id: Option<&str>, date: &str) -> Result<(), AuthError> {
    let url = request.url().clone();
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(AuthError("the URL has no host to sign".into())),
    };
    let headers = request.headers_mut();
    headers.insert(HOST, header_value("Host", &host)?);
    headers.insert(HeaderName::from_static("x-sdk-date"), header_value(DATE_HEADER, date)?);
    if let Some(project) = project_id {
        headers.insert(HeaderName::from_static("x-project-id"), header_value("X-Project-Id", project)?);
    }
    let signed: Vec<(String, String)> = ["host", "x-sdk-date", "x-project-id", "content-type"]
        .iter()
        .filter_map(|name| Some((name.to_string(), headers.get(*name)?.to_str().ok()?.to_owned())))
        .collect();
    let body = match request.body() {
        None => &[][..],
        Some(b) => b.as_bytes().ok_or_else(|| AuthError("a streamed body cannot be signed".into()))?,
    };
    let input = SigningInput {
        method: request.method().as_str(),
        path: url.path(),
        query: url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
        headers: signed,
        body,
    };
    let value = signer::authorization(ak, sk, &input, date);
    request.headers_mut().insert(AUTHORIZATION, header_value("Authorization", &value)?);
    Ok(())
}

macro_rules! hooks_for {
    ($client:ty) => {
        impl ClientHooks<Credentials> for $client {
            async fn pre<E>(&self, request: &mut reqwest::Request, _info: &OperationInfo) -> Result<(), Error<E>> {
                self.inner().apply(request).map_err(|e| Error::Custom(e.to_string()))
            }
        }
    };
}

hooks_for!(crate::csbs::Client);
hooks_for!(crate::cbr::Client);

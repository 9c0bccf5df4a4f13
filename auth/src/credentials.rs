//! Credentials a client carries, applied to each reqwest request (by the generated client's
//! hooks, by the runner): a token in `X-Auth-Token`, or an AK/SK signature. Secrets never
//! appear in `Debug` output.

use crate::signer::{self, SigningInput, DATE_FORMAT, DATE_HEADER};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST};
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
    HeaderValue::from_str(value)
        .map_err(|_| AuthError(format!("the {name} header value has characters HTTP forbids")))
}

impl Credentials {
    /// Adds the authentication headers to a request, signing it at the current time.
    pub fn apply(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        self.apply_at(request, chrono::Utc::now())
    }

    /// Adds the authentication headers, signing as if at `now` (for reproducible signatures).
    pub fn apply_at(
        &self,
        request: &mut reqwest::Request,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AuthError> {
        match self {
            Credentials::Anonymous => Ok(()),
            Credentials::Token(token) => {
                request.headers_mut().insert(
                    HeaderName::from_static("x-auth-token"),
                    header_value("X-Auth-Token", token)?,
                );
                Ok(())
            }
            Credentials::AkSk { access_key, secret_key, project_id } => sign(
                request,
                access_key,
                secret_key,
                project_id.as_deref(),
                &now.format(DATE_FORMAT).to_string(),
            ),
        }
    }
}

/// Signs `request` as the vendor's SDK does: `Host`, `X-Sdk-Date`, `X-Project-Id` (when set) and,
/// for a `Content-Type` that is neither JSON nor BSON, `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`
/// are added, then every header the request carries is signed (but names with an `_`), and
/// the query is rewritten in its canonical form (sorted, every reserved byte escaped, so a
/// space is `%20` and a `+` is `%2B`), which is also what the SDK sends.
fn sign(
    request: &mut reqwest::Request,
    ak: &str,
    sk: &str,
    project_id: Option<&str>,
    date: &str,
) -> Result<(), AuthError> {
    let host = match (request.url().host_str(), request.url().port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        (None, _) => return Err(AuthError("the URL has no host to sign".into())),
    };
    let headers = request.headers_mut();
    // A request signed before (a retry) is signed anew; the old signature is not a header to sign.
    headers.remove(AUTHORIZATION);
    headers.insert(HOST, header_value("Host", &host)?);
    headers.insert(HeaderName::from_static("x-sdk-date"), header_value(DATE_HEADER, date)?);
    if let Some(project) = project_id {
        headers.insert(
            HeaderName::from_static("x-project-id"),
            header_value("X-Project-Id", project)?,
        );
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .map(|v| v.to_str().map_err(|_| not_utf8("Content-Type")))
        .transpose()?;
    if signer::is_unsigned_payload_content_type(content_type) {
        headers.insert(
            HeaderName::from_static("x-sdk-content-sha256"),
            HeaderValue::from_static(signer::UNSIGNED_PAYLOAD),
        );
    }

    let mut signed = Vec::with_capacity(headers.len());
    for name in headers.keys() {
        if !signer::is_signed_header_name(name.as_str()) {
            continue;
        }
        let mut values = headers.get_all(name).iter();
        let value = values.next().expect("a key of the map has a value");
        if values.next().is_some() {
            return Err(AuthError(format!(
                "the {name} header is given more than once; such a request cannot be signed"
            )));
        }
        let value = std::str::from_utf8(value.as_bytes()).map_err(|_| not_utf8(name.as_str()))?;
        signed.push((name.as_str().to_owned(), value.to_owned()));
    }

    let query: Vec<(String, String)> =
        request.url().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let canonical_query = signer::canonical_query(&query);
    request.url_mut().set_query(if canonical_query.is_empty() {
        None
    } else {
        Some(&canonical_query)
    });

    let body = match request.body() {
        None => &[][..],
        Some(b) => {
            b.as_bytes().ok_or_else(|| AuthError("a streamed body cannot be signed".into()))?
        }
    };
    let input = SigningInput {
        method: request.method().as_str(),
        path: request.url().path(),
        query,
        headers: signed,
        body,
    };
    let value = signer::authorization(ak, sk, &input, date);
    request.headers_mut().insert(AUTHORIZATION, header_value("Authorization", &value)?);
    Ok(())
}

fn not_utf8(name: &str) -> AuthError {
    AuthError(format!("the {name} header value is not UTF-8 and cannot be signed"))
}

//! AK/SK request signing, SDK-HMAC-SHA256, as the vendor's SDKs do it:
//!
//! ```text
//! canonical request = METHOD \n canonical URI \n canonical query \n canonical headers \n
//!                     signed headers \n hex(sha256(body))
//! string to sign    = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical request))
//! Authorization     = SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex(hmac(SK, string to sign))
//! ```
//! The hashing is RustCrypto's (`sha2`, `hmac`); only the canonical form is written here.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const DATE_HEADER: &str = "X-Sdk-Date";
/// `YYYYMMDDTHHMMSSZ`, UTC.
pub const DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Everything but RFC 3986 unreserved characters is percent-encoded (Python's
/// `quote(s, safe='~')`).
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, ENCODE).to_string()
}

/// The parts of a request the signature covers.
#[derive(Clone, Debug)]
pub struct SigningInput<'a> {
    pub method: &'a str,
    /// The URL path, as sent (percent-encoded or not).
    pub path: &'a str,
    /// Decoded query pairs in any order; repeated keys allowed.
    pub query: Vec<(String, String)>,
    /// Headers to sign (name, value), including `host` and `x-sdk-date`.
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

/// The canonical URI: each decoded segment re-encoded, always ending in `/`.
pub fn canonical_uri(path: &str) -> String {
    let decoded = percent_decode_str(path).decode_utf8_lossy();
    let mut uri = decoded.split('/').map(encode).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query: encoded `key=value` pairs sorted by key, then by value.
pub fn canonical_query(query: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    pairs.sort();
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// Lowercased, sorted `name:value` lines and the `;`-joined names.
pub fn canonical_headers(headers: &[(String, String)]) -> (String, String) {
    let mut lines: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned())).collect();
    lines.sort();
    lines.dedup_by(|a, b| a.0 == b.0);
    let canonical = lines.iter().map(|(k, v)| format!("{k}:{v}\n")).collect::<String>();
    let signed = lines.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(";");
    (canonical, signed)
}

pub fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The canonical request text.
pub fn canonical_request(input: &SigningInput<'_>) -> (String, String) {
    let (headers, signed) = canonical_headers(&input.headers);
    let text = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        input.method.to_ascii_uppercase(),
        canonical_uri(input.path),
        canonical_query(&input.query),
        headers,
        signed,
        hex_sha256(input.body)
    );
    (text, signed)
}

/// The string to sign for a canonical request made at `sdk_date`.
pub fn string_to_sign(canonical_request: &str, sdk_date: &str) -> String {
    format!("{ALGORITHM}\n{sdk_date}\n{}", hex_sha256(canonical_request.as_bytes()))
}

/// The hex HMAC-SHA256 of `text` keyed by the secret key.
pub fn signature(secret_key: &str, text: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value for a request. `input.headers` must hold the
/// `X-Sdk-Date` the request carries.
pub fn authorization(access_key: &str, secret_key: &str, input: &SigningInput<'_>, sdk_date: &str) -> String {
    let (canonical, signed) = canonical_request(input);
    let sig = signature(secret_key, &string_to_sign(&canonical, sdk_date));
    format!("{ALGORITHM} Access={access_key}, SignedHeaders={signed}, Signature={sig}")
}

/// The parts of an `Authorization: SDK-HMAC-SHA256 ...` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    pub access_key: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Parses an `Authorization` header of this scheme; `None` if it is another scheme or malformed.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let (mut access, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Access" => access = Some(v.to_owned()),
            "SignedHeaders" => signed = Some(v.split(';').map(str::to_owned).collect()),
            "Signature" => sig = Some(v.to_owned()),
            _ => return None,
        }
    }
    Some(ParsedAuthorization { access_key: access?, signed_headers: signed?, signature: sig? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_always_ends_in_a_slash_and_segments_are_encoded() {
        assert_eq!(canonical_uri("/v1/p/policies"), "/v1/p/policies/");
        assert_eq!(canonical_uri("/v1/p/a b/"), "/v1/p/a%20b/");
        assert_eq!(canonical_uri("/v1/p/a%20b"), "/v1/p/a%20b/");
        assert_eq!(canonical_uri("/v1/p:x"), "/v1/p%3Ax/");
    }

    #[test]
    fn query_is_sorted_by_key_then_value_and_keeps_repeats() {
        let q = vec![
            ("status".to_owned(), "error".to_owned()),
            ("limit".to_owned(), "2".to_owned()),
            ("status".to_owned(), "available".to_owned()),
            ("sort".to_owned(), "created_at:asc".to_owned()),
        ];
        assert_eq!(canonical_query(&q), "limit=2&sort=created_at%3Aasc&status=available&status=error");
    }

    #[test]
    fn authorization_round_trips_through_the_parser() {
        let input = SigningInput {
            method: "get",
            path: "/v3/p/backups",
            query: vec![],
            headers: vec![("Host".into(), "example.test".into()), ("X-Sdk-Date".into(), "20200101T000000Z".into())],
            body: b"",
        };
        let header = authorization("AK", "SK", &input, "20200101T000000Z");
        let parsed = parse_authorization(&header).unwrap();
        assert_eq!(parsed.access_key, "AK");
        assert_eq!(parsed.signed_headers, vec!["host", "x-sdk-date"]);
        assert_eq!(parsed.signature.len(), 64);
        assert!(parse_authorization("Bearer x").is_none());
    }
}

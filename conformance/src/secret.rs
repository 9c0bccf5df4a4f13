//! Credentials and their redaction: a token or a secret key never reaches output, reports or
//! errors; where a reproduction needs one, a shell placeholder stands in its place.

use regex::Regex;
use std::fmt;
use std::sync::OnceLock;

/// The placeholder printed instead of the token (`curl -H "X-Auth-Token: $CSBS_TOKEN"`).
pub const TOKEN_PLACEHOLDER: &str = "$CSBS_TOKEN";
/// The placeholder printed instead of the secret key.
pub const SK_PLACEHOLDER: &str = "$CSBS_SK";
/// The placeholder printed instead of the access key in a reproduction's `Authorization`.
pub const AK_PLACEHOLDER: &str = "$CSBS_AK";
/// The placeholder of an SDK-HMAC-SHA256 signature: a reproduction must be signed again.
pub const SIGNATURE_PLACEHOLDER: &str = "$CSBS_SIGNATURE";
/// The placeholder of an `X-Sdk-Date` not known in advance (a command to delete what a run
/// left behind).
pub const SDK_DATE_PLACEHOLDER: &str = "$CSBS_SDK_DATE";

/// Every placeholder, for the shell quoting of reproductions (they must expand).
pub const PLACEHOLDERS: [&str; 5] = [
    TOKEN_PLACEHOLDER,
    SK_PLACEHOLDER,
    AK_PLACEHOLDER,
    SIGNATURE_PLACEHOLDER,
    SDK_DATE_PLACEHOLDER,
];

/// A credential. `Debug` never shows it, `Display` shows its placeholder; only
/// [`Secret::expose`] gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    placeholder: &'static str,
}

impl Secret {
    /// A token (shown as `$CSBS_TOKEN`).
    pub fn new(value: impl Into<String>) -> Secret {
        Secret::shown_as(value, TOKEN_PLACEHOLDER)
    }

    /// A secret key (shown as `$CSBS_SK`).
    pub fn secret_key(value: impl Into<String>) -> Secret {
        Secret::shown_as(value, SK_PLACEHOLDER)
    }

    /// A secret shown as `placeholder`.
    pub fn shown_as(value: impl Into<String>, placeholder: &'static str) -> Secret {
        Secret { value: value.into(), placeholder }
    }

    /// The value itself, for the one place that needs it: the request header or signature.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// What output shows instead of the value.
    pub fn placeholder(&self) -> &'static str {
        self.placeholder
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.placeholder)
    }
}

/// The `Authorization` value a reproduction shows for an SDK-HMAC-SHA256 signature over
/// `signed_headers`: the access key and the signature as placeholders.
pub fn authorization_placeholder(signed_headers: &str) -> String {
    format!("SDK-HMAC-SHA256 Access={AK_PLACEHOLDER}, SignedHeaders={signed_headers}, Signature={SIGNATURE_PLACEHOLDER}")
}

/// Any SDK-HMAC-SHA256 `Authorization` value: access key and signature are replaced.
fn authorization_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(r"SDK-HMAC-SHA256\s+Access=[^\s,]*\s*,\s*SignedHeaders=([^\s,]*)\s*,\s*Signature=[^\s,;'\x22]*")
            .expect("a valid pattern")
    })
}

/// Secrets at least this long are replaced wherever they occur, also inside other text: a
/// string that long found in an answer is the secret itself, not a coincidence. Shorter ones
/// are replaced only as a whole value (see [`Redactor::redact`]).
pub const ANYWHERE_FROM_CHARS: usize = 16;

/// Replaces known secrets in any text with their placeholders, and every SDK-HMAC-SHA256
/// `Authorization` value (a signature is a credential for 15 minutes) with
/// [`authorization_placeholder`]. A server may echo a credential in a body or a header, so
/// every text that leaves the runner goes through one.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
}

/// True for characters that continue a word, a token or an ID: a secret next to one is part
/// of other text, not a value of its own.
fn joins(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret, replaced by its placeholder; empty secrets are ignored (they would
    /// match everywhere).
    pub fn add(&mut self, secret: &Secret) {
        if !secret.value.is_empty() && !self.secrets.contains(secret) {
            self.secrets.push(secret.clone());
            // The longest first, so that a secret that contains another goes whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.value.len()));
        }
    }

    /// `text` with each secret replaced where it stands as a value of its own: a header or
    /// query value, a JSON string, a word of a message (delimited by anything but letters,
    /// digits, `-` and `_`), also percent-encoded. A secret inside other text (`x` in
    /// `example`) is left alone unless it is [`ANYWHERE_FROM_CHARS`] long or longer, so a
    /// one-character token damages nothing.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            let value = secret.expose();
            let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            for needle in [value, encoded.as_str()] {
                if out.contains(needle) {
                    let anywhere = needle.chars().count() >= ANYWHERE_FROM_CHARS;
                    out = replace_whole(&out, needle, secret.placeholder, anywhere);
                }
            }
        }
        if out.contains("SDK-HMAC-SHA256") {
            out = authorization_pattern()
                .replace_all(&out, |c: &regex::Captures<'_>| authorization_placeholder(&c[1]))
                .into_owned();
        }
        out
    }

    /// A JSON value with every string redacted (keys included), its structure kept whatever
    /// the secret holds (quotes, backslashes).
    pub fn redact_json(&self, value: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter().map(|(k, v)| (self.redact(k), self.redact_json(v))).collect(),
            ),
            other => other.clone(),
        }
    }
}

/// `text` with `needle` replaced by `placeholder` where nothing that [`joins`] touches it on
/// either side (or everywhere, with `anywhere`).
fn replace_whole(text: &str, needle: &str, placeholder: &str, anywhere: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in text.match_indices(needle) {
        if at < rest {
            continue;
        }
        let end = at + needle.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let alone = !before.is_some_and(joins) && !after.is_some_and(joins);
        if anywhere || alone {
            out.push_str(&text[rest..at]);
            out.push_str(placeholder);
            rest = end;
        }
    }
    out.push_str(&text[rest..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_itself() {
        let secret = Secret::new("s3cr3t-token");
        assert!(!format!("{secret:?} {secret}").contains("s3cr3t"));
        let key = Secret::secret_key("s3cr3t-key");
        assert_eq!(format!("{key:?} {key}"), "Secret(<redacted>) $CSBS_SK");
        let mut redactor = Redactor::new();
        redactor.add(&secret);
        redactor.add(&key);
        redactor.add(&Secret::new(""));
        assert_eq!(redactor.redact("echo s3cr3t-token! s3cr3t-key"), "echo $CSBS_TOKEN! $CSBS_SK");
    }

    #[test]
    fn a_short_secret_is_replaced_only_as_a_whole_value() {
        let mut redactor = Redactor::new();
        redactor.add(&Secret::new("x"));
        let untouched = "example x-filter max_backups xx 0x1f /v1/x1/policies";
        assert_eq!(redactor.redact(untouched), untouched);
        assert_eq!(redactor.redact("x"), "$CSBS_TOKEN");
        assert_eq!(redactor.redact("token x refused"), "token $CSBS_TOKEN refused");
        assert_eq!(redactor.redact("?token=x&y=1"), "?token=$CSBS_TOKEN&y=1");
        let body = serde_json::json!({"name": "example", "token": "x", "x": ["x", "box"]});
        let shown = redactor.redact_json(&body);
        assert_eq!(
            shown,
            serde_json::json!({"name": "example", "token": "$CSBS_TOKEN", "$CSBS_TOKEN": ["$CSBS_TOKEN", "box"]})
        );
    }

    #[test]
    fn a_long_secret_goes_wherever_it_stands_also_encoded() {
        let mut redactor = Redactor::new();
        redactor.add(&Secret::new("MIIlongTOKEN+with/slashes=="));
        let echoed =
            "prefixMIIlongTOKEN+with/slashes==suffix ?t=MIIlongTOKEN%2Bwith%2Fslashes%3D%3D";
        assert_eq!(redactor.redact(echoed), "prefix$CSBS_TOKENsuffix ?t=$CSBS_TOKEN");
        let quoted = Secret::new(r#"a"b"#);
        let mut redactor = Redactor::new();
        redactor.add(&quoted);
        let body = serde_json::json!({"v": r#"a"b"#});
        assert_eq!(redactor.redact_json(&body), serde_json::json!({"v": "$CSBS_TOKEN"}));
    }

    #[test]
    fn signatures_are_replaced_wherever_they_appear() {
        let redactor = Redactor::new();
        let sent =
            "SDK-HMAC-SHA256 Access=AKREAL, SignedHeaders=host;x-sdk-date, Signature=0123abcd";
        let shown = "SDK-HMAC-SHA256 Access=$CSBS_AK, SignedHeaders=host;x-sdk-date, Signature=$CSBS_SIGNATURE";
        assert_eq!(redactor.redact(sent), shown);
        assert_eq!(redactor.redact(shown), shown, "a placeholder stays as it is");
        let echoed = format!(r#"{{"error_msg": "you sent {sent}", "auth":"{sent}"}}"#);
        let redacted = redactor.redact(&echoed);
        assert!(!redacted.contains("AKREAL") && !redacted.contains("0123abcd"), "{redacted}");
        assert!(redacted.ends_with(r#"Signature=$CSBS_SIGNATURE"}"#), "{redacted}");
    }
}

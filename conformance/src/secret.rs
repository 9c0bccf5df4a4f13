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

/// Replaces known secrets in any text with their placeholders, and every SDK-HMAC-SHA256
/// `Authorization` value (a signature is a credential for 15 minutes) with
/// [`authorization_placeholder`]. A server may echo a credential in a body or a header, so
/// every text that leaves the runner goes through one.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<Secret>,
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

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), secret.placeholder);
            }
        }
        if out.contains("SDK-HMAC-SHA256") {
            out = authorization_pattern()
                .replace_all(&out, |c: &regex::Captures<'_>| authorization_placeholder(&c[1]))
                .into_owned();
        }
        out
    }
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

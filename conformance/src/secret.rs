//! Credentials and their redaction: a token never reaches output, reports or errors; where a
//! reproduction needs it, a shell placeholder stands in its place.

use std::fmt;

/// The placeholder printed instead of the token (`curl -H "X-Auth-Token: $CSBS_TOKEN"`).
pub const TOKEN_PLACEHOLDER: &str = "$CSBS_TOKEN";

/// A credential. `Debug` and `Display` never show it; only [`Secret::expose`] does.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it: the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(TOKEN_PLACEHOLDER)
    }
}

/// Replaces known secrets in any text with their placeholders. A server may echo a token in
/// a body or a header, so every text that leaves the runner goes through one.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<(Secret, &'static str)>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Adds a secret; empty secrets are ignored (they would match everywhere).
    pub fn add(&mut self, secret: &Secret, placeholder: &'static str) {
        if !secret.0.is_empty() {
            self.secrets.push((secret.clone(), placeholder));
        }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (secret, placeholder) in &self.secrets {
            if out.contains(secret.expose()) {
                out = out.replace(secret.expose(), placeholder);
            }
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
        let mut redactor = Redactor::new();
        redactor.add(&secret, TOKEN_PLACEHOLDER);
        redactor.add(&Secret::new(""), TOKEN_PLACEHOLDER);
        assert_eq!(redactor.redact("echo s3cr3t-token!"), "echo $CSBS_TOKEN!");
    }
}

//! A shell command that repeats a request, with the token as `$CSBS_TOKEN`. A request signed
//! with AK/SK shows its `Authorization` as `SDK-HMAC-SHA256 Access=$CSBS_AK, SignedHeaders=…,
//! Signature=$CSBS_SIGNATURE`, with a note: the secret key is never printed, so the request
//! has to be signed again (its signature covers `X-Sdk-Date`, valid for 15 minutes).

use crate::http::RequestRecord;
use crate::secret::PLACEHOLDERS;

/// The note after a reproduction of a signed request.
pub const RESIGN_NOTE: &str =
    "# signed with AK/SK: sign it again with $CSBS_AK and $CSBS_SK (e.g. with the vendor's SDK) \
     and set X-Sdk-Date and $CSBS_SIGNATURE; a signature is valid for 15 minutes";

/// `curl -sS -i -X POST 'url' -H "X-Auth-Token: $CSBS_TOKEN" -d '{...}'`.
pub fn curl(request: &RequestRecord) -> String {
    let mut parts = vec![
        "curl -sS -i".to_owned(),
        format!("-X {}", request.method),
        single_quoted(&request.url),
    ];
    let mut signed = false;
    for (name, value) in &request.headers {
        signed |=
            name.eq_ignore_ascii_case("authorization") && value.starts_with("SDK-HMAC-SHA256");
        let header = format!("{name}: {value}");
        // A placeholder must expand in the shell; anything else must not.
        let quoted = if PLACEHOLDERS.iter().any(|p| header.contains(p)) {
            double_quoted(&header)
        } else {
            single_quoted(&header)
        };
        parts.push(format!("-H {quoted}"));
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-binary {}", single_quoted(&body.to_string())));
    }
    if signed {
        parts.push(RESIGN_NOTE.to_owned());
    }
    parts.join(" ")
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Double quotes in which the placeholders expand and nothing else does.
fn double_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let placeholder = PLACEHOLDERS.iter().find(|p| {
            rest.starts_with(**p)
                && !rest[p.len()..].starts_with(|n: char| n.is_ascii_alphanumeric() || n == '_')
        });
        if let Some(p) = placeholder {
            out.push_str(p);
            rest = &rest[p.len()..];
            continue;
        }
        if matches!(c, '"' | '\\' | '`' | '$') {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_token_placeholder_expands_and_quotes_are_escaped() {
        let request = RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:1/v1/p/policies".into(),
            headers: vec![
                ("X-Auth-Token".into(), "$CSBS_TOKEN".into()),
                ("Accept".into(), "application/json".into()),
            ],
            body: Some(json!({"name": "it's"})),
        };
        assert_eq!(
            curl(&request),
            r#"curl -sS -i -X POST 'http://127.0.0.1:1/v1/p/policies' -H "X-Auth-Token: $CSBS_TOKEN" -H 'Accept: application/json' --data-binary '{"name":"it'\''s"}'"#
        );
    }

    #[test]
    fn a_signed_request_shows_placeholders_and_says_to_sign_again() {
        let authorization = "SDK-HMAC-SHA256 Access=$CSBS_AK, SignedHeaders=accept;host;x-project-id;x-sdk-date, Signature=$CSBS_SIGNATURE";
        let request = RequestRecord {
            method: "GET".into(),
            url: "http://127.0.0.1:1/v1/p/policies?limit=1".into(),
            headers: vec![
                ("X-Project-Id".into(), "p".into()),
                ("X-Sdk-Date".into(), "20261123T080910Z".into()),
                ("Authorization".into(), authorization.into()),
            ],
            body: None,
        };
        let command = curl(&request);
        assert!(command.contains(&format!(r#"-H "Authorization: {authorization}""#)), "{command}");
        assert!(command.contains("-H 'X-Sdk-Date: 20261123T080910Z'"), "{command}");
        assert!(command.ends_with(RESIGN_NOTE), "{command}");
        assert_eq!(
            double_quoted(r#"a "$x" `y` \ $CSBS_SK $CSBS_SKY"#),
            r#""a \"\$x\" \`y\` \\ $CSBS_SK \$CSBS_SKY""#
        );
    }
}

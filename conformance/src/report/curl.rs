//! A shell command that repeats a request, with the token as `$CSBS_TOKEN`.

use crate::http::RequestRecord;

/// `curl -sS -i -X POST 'url' -H "X-Auth-Token: $CSBS_TOKEN" -d '{...}'`.
pub fn curl(request: &RequestRecord) -> String {
    let mut parts = vec!["curl -sS -i".to_owned(), format!("-X {}", request.method), single_quoted(&request.url)];
    for (name, value) in &request.headers {
        let header = format!("{name}: {value}");
        // A placeholder must expand in the shell; anything else must not.
        let quoted = if value.starts_with('$') && value[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            format!("\"{header}\"")
        } else {
            single_quoted(&header)
        };
        parts.push(format!("-H {quoted}"));
    }
    if let Some(body) = &request.body {
        parts.push(format!("--data-binary {}", single_quoted(&body.to_string())));
    }
    parts.join(" ")
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
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
            headers: vec![("X-Auth-Token".into(), "$CSBS_TOKEN".into()), ("Accept".into(), "application/json".into())],
            body: Some(json!({"name": "it's"})),
        };
        assert_eq!(
            curl(&request),
            r#"curl -sS -i -X POST 'http://127.0.0.1:1/v1/p/policies' -H "X-Auth-Token: $CSBS_TOKEN" -H 'Accept: application/json' --data-binary '{"name":"it'\''s"}'"#
        );
    }
}

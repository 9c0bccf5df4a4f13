//! `response_headers_conformance`: the headers an operation's response documents for its
//! status (OpenAPI `headers`; here `Retry-After` of the gateway's 429, `type: integer`,
//! seconds) validate against their schemas when present, and are present when `required`.

use super::check::{Failure, Verdict};
use crate::http::ResponseRecord;
use csbs_spec::document::deref;
use csbs_spec::validate::Contract;
use csbs_spec::Operation;
use serde_json::Value;

/// The verdict on `response`'s documented headers; `None` when its status documents none.
pub fn documented_headers(op: &Operation, response: &ResponseRecord) -> Option<Verdict> {
    let doc = op.service.document();
    let status = response.status;
    let documented = op.raw().get("responses")?.get(status.to_string())?;
    let headers = deref(doc, documented).get("headers")?.as_object()?;
    for (name, header) in headers {
        let header = deref(doc, header);
        let Some(text) = response.header(name) else {
            if header.get("required") == Some(&Value::Bool(true)) {
                let why = format!("the {status} answer has no {name} header (documented required)");
                return Some(Err(Failure::new(name, why)));
            }
            continue;
        };
        let Some(schema) = header.get("schema") else { continue };
        if let Err(violations) = Contract::check(op.service, schema, &typed(doc, schema, text)) {
            let why = violations.first().map(|v| v.message.clone()).unwrap_or_default();
            let message = format!(
                "the {status} answer has {name}: {text:?}, which its documented schema {} \
                 refuses ({why})",
                deref(doc, schema)
            );
            return Some(Err(Failure::new(name, message)));
        }
    }
    Some(Ok(()))
}

/// A header's text as the JSON value its schema types (simple style): a number for an
/// integer or number schema when it reads as one, else the text.
fn typed(doc: &Value, schema: &Value, text: &str) -> Value {
    let numeric = matches!(
        deref(doc, schema).get("type").and_then(Value::as_str),
        Some("integer" | "number")
    );
    let number = text.trim().parse::<serde_json::Number>().ok().filter(|_| numeric);
    number.map_or_else(|| Value::String(text.to_owned()), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::operations::find_operation;

    fn throttled(retry_after: Option<&str>) -> ResponseRecord {
        let headers = retry_after.map(|v| ("Retry-After".to_owned(), v.to_owned()));
        ResponseRecord {
            status: 429,
            headers: headers.into_iter().collect(),
            body: Vec::new(),
            truncated: false,
        }
    }

    #[test]
    fn retry_after_is_seconds_as_documented() {
        for op in ["listPolicies", "listCbrBackups"] {
            let op = find_operation(op).unwrap();
            assert_eq!(documented_headers(op, &throttled(Some("1"))), Some(Ok(())));
            assert_eq!(documented_headers(op, &throttled(None)), Some(Ok(())));
            let date = documented_headers(op, &throttled(Some("Sun, 06 Dec 2026 23:55:01 GMT")));
            let failure = date.unwrap().unwrap_err();
            assert_eq!(failure.rule, "Retry-After");
            assert!(
                failure.message.contains("\"Sun, 06 Dec 2026 23:55:01 GMT\""),
                "{}",
                failure.message
            );
            assert!(documented_headers(op, &throttled(Some("-1"))).unwrap().is_err());
        }
        let ok = ResponseRecord { status: 200, ..throttled(Some("x")) };
        assert_eq!(documented_headers(find_operation("listPolicies").unwrap(), &ok), None);
    }
}

//! What the behaviour checks share: listing every page of a list, comparing values the way the
//! documents order and match them, made-up IDs, and echo comparisons.

use crate::checks::{Failure, Verdict};
use crate::http::Auth;
use crate::request::ApiRequest;
use crate::session::{Answer, Session};
use csbs_spec::behaviour::{pagination, select, Echo, Pagination, RequestParts};
use serde_json::Value;
use std::cmp::Ordering;

/// Pages walked at most when listing everything (at the page size below).
const MAX_PAGES: usize = 20;
/// Page size when listing everything.
const PAGE: usize = 1000;

/// A failed verdict.
pub fn fail(rule: &str, message: impl Into<String>) -> Verdict {
    Err(Failure::new(rule, message.into()))
}

/// An ID no object has: a random UUID (never a real project's or object's).
pub fn made_up_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A project ID nobody has: 32 random hex digits, the form of the service's project IDs.
pub fn made_up_project() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The `id` of an item.
pub fn id_of(item: &Value) -> Option<&str> {
    item.get("id").and_then(Value::as_str)
}

/// The items of a list answer.
pub fn items_of(answer: &Answer, paging: &Pagination) -> Option<Vec<Value>> {
    let body = answer.json.as_ref()?;
    body.pointer(&paging.items)?.as_array().cloned()
}

/// Every item a list answers for `base` (its filters), page after page by marker.
pub struct Listing {
    pub items: Vec<Value>,
    /// The last page was reached (not cut at [`MAX_PAGES`]).
    pub complete: bool,
    /// The first page's answer (its `count`, for a list that has one).
    pub first: Answer,
}

/// Lists everything `base` selects, following the marker; `Err` says why it could not.
pub async fn list_all(
    session: &mut Session,
    base: &ApiRequest,
    case: &str,
) -> Result<Listing, String> {
    list_all_as(session, base, session.credential(), case).await
}

/// [`list_all`] with `auth` (the second project's credential, on its own path).
pub async fn list_all_as(
    session: &mut Session,
    base: &ApiRequest,
    auth: Auth,
    case: &str,
) -> Result<Listing, String> {
    let paging = pagination(base.operation)
        .ok_or_else(|| format!("{} is not a list (no x-pagination)", base.operation.id))?;
    let mut items: Vec<Value> = Vec::new();
    let mut first = None;
    let mut marker: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut request = base.clone().query(&paging.limit, PAGE.to_string());
        if let Some(m) = &marker {
            request = request.query(&paging.marker, m.clone());
        }
        let answer = session.call_as(&request, auth.clone(), case).await;
        let page = match (answer.status, items_of(&answer, &paging)) {
            (Some(200), Some(page)) => page,
            (status, _) => {
                return Err(format!(
                    "{} answered {} without a list",
                    base.operation.id,
                    crate::session::status_text(status)
                ))
            }
        };
        let full = page.len() >= PAGE;
        let last = page.last().and_then(id_of).map(str::to_owned);
        if first.is_none() {
            first = Some(answer);
        }
        items.extend(page);
        match (full, last) {
            (true, Some(last)) if marker.as_deref() != Some(last.as_str()) => marker = Some(last),
            _ => {
                let first = first.expect("one page was read");
                return Ok(Listing { items, complete: true, first });
            }
        }
    }
    let first = first.expect("pages were read");
    Ok(Listing { items, complete: false, first })
}

/// Compares two values as the documents order them: times as instants, numbers as numbers,
/// text as text; `None` when they cannot be compared (a null, an object).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use csbs_spec::behaviour::instant;
    match (a, b) {
        (Value::String(x), Value::String(y)) => match (instant(x), instant(y)) {
            (Some(p), Some(q)) => Some(p.cmp(&q)),
            _ => Some(x.as_str().cmp(y.as_str())),
        },
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The first value at `pointer` of an item.
pub fn property<'v>(item: &'v Value, pointer: &str) -> Option<&'v Value> {
    select(item, pointer).into_iter().next()
}

/// Short text of a value for messages.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 80 {
        format!("{}…", &text[..text.char_indices().nth(80).map_or(text.len(), |(i, _)| i)])
    } else {
        text
    }
}

/// Checks that every object `echo` names in `answer` carries the request's values. `Ok(n)`
/// with the number of objects compared; `Err` names the first difference.
pub fn echoed(
    echo: &Echo,
    request: &RequestParts<'_>,
    first: Option<&Value>,
    answer: &Value,
) -> Result<usize, String> {
    let objects = select(answer, &echo.objects);
    if objects.is_empty() {
        return Err(format!("the answer has no object at {}", echo.objects));
    }
    for object in &objects {
        for field in &echo.fields {
            let mut sent = field.request.values(request, first);
            if sent.is_empty() {
                continue;
            }
            let mut read: Vec<Value> =
                select(object, &field.property).into_iter().map(|v| as_sent(&sent, v)).collect();
            sent.sort_by_key(|v| v.to_string());
            read.sort_by_key(|v| v.to_string());
            if sent != read {
                let sent = sent.iter().map(show).collect::<Vec<_>>().join(", ");
                let read = read.iter().map(show).collect::<Vec<_>>().join(", ");
                let id = id_of(object).unwrap_or("?");
                return Err(format!(
                    "object {id} has {} = [{read}], but the request sent [{sent}]",
                    field.property
                ));
            }
        }
    }
    Ok(objects.len())
}

/// `read` in the form of what was `sent`: a number or boolean the service answers as a string
/// (the spec's `LenientInteger`/`LenientBoolean`, read by `csbs_wire`) is that number or
/// boolean; anything else as read.
fn as_sent(sent: &[Value], read: &Value) -> Value {
    let Some(text) = read.as_str() else { return read.clone() };
    let parsed = match sent.first() {
        Some(Value::Number(_)) => {
            text.parse::<csbs_wire::LenientInteger>().ok().map(|n| n.get().into())
        }
        Some(Value::Bool(_)) => {
            text.parse::<csbs_wire::LenientBoolean>().ok().map(|b| b.get().into())
        }
        _ => None,
    };
    parsed.unwrap_or_else(|| read.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use csbs_spec::behaviour::{EchoField, Expr};
    use serde_json::json;
    use std::collections::BTreeMap;

    #[test]
    fn values_compare_as_times_numbers_and_text() {
        let (a, b) = (json!("2017-04-18T01:21:52.7"), json!("2017-04-18 01:21:53"));
        assert_eq!(compare(&a, &b), Some(Ordering::Less));
        assert_eq!(compare(&json!("b"), &json!("a")), Some(Ordering::Greater));
        assert_eq!(compare(&json!(10), &json!(9.5)), Some(Ordering::Greater));
        assert_eq!(compare(&Value::Null, &json!("a")), None);
    }

    #[test]
    fn echoes_compare_multisets_and_skip_what_was_not_sent() {
        let echo = Echo {
            objects: "/items/*".into(),
            fields: vec![
                EchoField {
                    request: Expr::parse("$request.body#/ids/*").unwrap(),
                    property: "/ids/*".into(),
                },
                EchoField {
                    request: Expr::parse("$request.body#/absent").unwrap(),
                    property: "/x".into(),
                },
            ],
        };
        let path = BTreeMap::new();
        let body = json!({"ids": ["a", "b"]});
        let request = RequestParts { path: &path, query: &[], body: Some(&body) };
        assert_eq!(echoed(&echo, &request, None, &json!({"items": [{"ids": ["b", "a"]}]})), Ok(1));
        let wrong = echoed(&echo, &request, None, &json!({"items": [{"id": "o", "ids": ["a"]}]}));
        assert!(wrong.unwrap_err().contains("object o has /ids/*"));
        assert!(echoed(&echo, &request, None, &json!({"items": []})).is_err());
    }

    #[test]
    fn numbers_and_booleans_echo_in_either_form() {
        let field = |name: &str| EchoField {
            request: Expr::parse(&format!("$request.body#/{name}")).unwrap(),
            property: format!("/{name}"),
        };
        let echo = Echo { objects: "/p".into(), fields: vec![field("n"), field("b"), field("t")] };
        let path = BTreeMap::new();
        let body = json!({"n": 30, "b": false, "t": "20"});
        let request = RequestParts { path: &path, query: &[], body: Some(&body) };
        let answer = |n: Value| json!({"p": {"n": n, "b": "False", "t": "20"}});
        assert_eq!(echoed(&echo, &request, None, &answer(json!("30"))), Ok(1));
        assert!(echoed(&echo, &request, None, &answer(json!("20"))).is_err());
        // Text sent is compared as text: 20 is not "20".
        let number = json!({"p": {"n": 30, "b": false, "t": 20}});
        assert!(echoed(&echo, &request, None, &number).is_err());
    }
}

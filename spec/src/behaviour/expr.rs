//! OpenAPI runtime expressions (`$request.path.id`, `$request.query.name`,
//! `$request.body#/policy/name`, `$response.body#/policy/id`) as links and the `x-`
//! extensions use them, and JSON pointers with `*` for every item of an array.

use serde_json::Value;
use std::collections::BTreeMap;

/// A runtime expression: where a value of a request or of its response is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    RequestPath(String),
    RequestQuery(String),
    /// A pointer into the request body; `*` stands for every index of an array.
    RequestBody(String),
    ResponseBody(String),
}

/// The parts of a sent request that expressions read.
#[derive(Clone, Copy, Debug)]
pub struct RequestParts<'a> {
    pub path: &'a BTreeMap<String, String>,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
}

impl Expr {
    /// Parses an expression; the error names the text and the forms allowed.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let parsed = if let Some(name) = text.strip_prefix("$request.path.") {
            Expr::RequestPath(name.to_owned())
        } else if let Some(name) = text.strip_prefix("$request.query.") {
            Expr::RequestQuery(name.to_owned())
        } else if let Some(pointer) = text.strip_prefix("$request.body#") {
            Expr::RequestBody(pointer.to_owned())
        } else if let Some(pointer) = text.strip_prefix("$response.body#") {
            Expr::ResponseBody(pointer.to_owned())
        } else {
            return Err(format!(
                "`{text}` is not a runtime expression of the forms $request.path.NAME, \
                 $request.query.NAME, $request.body#/POINTER, $response.body#/POINTER"
            ));
        };
        Ok(parsed)
    }

    /// Every value the expression names (several where a pointer has `*`, none where the
    /// request or response lacks it). Path and query values are strings.
    pub fn values(&self, request: &RequestParts<'_>, response: Option<&Value>) -> Vec<Value> {
        match self {
            Expr::RequestPath(name) => {
                request.path.get(name).map(|v| Value::String(v.clone())).into_iter().collect()
            }
            Expr::RequestQuery(name) => request
                .query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v.clone()))
                .collect(),
            Expr::RequestBody(pointer) => request
                .body
                .map(|b| select(b, pointer))
                .unwrap_or_default()
                .into_iter()
                .cloned()
                .collect(),
            Expr::ResponseBody(pointer) => response
                .map(|b| select(b, pointer))
                .unwrap_or_default()
                .into_iter()
                .cloned()
                .collect(),
        }
    }

    /// The one value the expression names, as text (a path or query value to send).
    pub fn text(&self, request: &RequestParts<'_>, response: Option<&Value>) -> Option<String> {
        match self.values(request, response).into_iter().next()? {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// True when the expression reads the request (not its answer).
    pub fn is_request(&self) -> bool {
        !matches!(self, Expr::ResponseBody(_))
    }
}

impl<'de> serde::Deserialize<'de> for Expr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Expr, D::Error> {
        let text = String::deserialize(d)?;
        Expr::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The values at `pointer` (a JSON pointer where `*` stands for every index of an array).
/// `""` is the value itself; a missing member yields nothing.
pub fn select<'v>(value: &'v Value, pointer: &str) -> Vec<&'v Value> {
    let mut here = vec![value];
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        here = here
            .into_iter()
            .flat_map(|v| match (v, segment.as_str()) {
                (Value::Array(items), "*") => items.iter().collect(),
                (Value::Array(items), index) => {
                    index.parse::<usize>().ok().and_then(|i| items.get(i)).into_iter().collect()
                }
                (Value::Object(map), key) => map.get(key).into_iter().collect(),
                _ => Vec::new(),
            })
            .collect();
    }
    here
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_read_requests_and_answers() {
        let path = BTreeMap::from([("policy_id".to_owned(), "p1".to_owned())]);
        let query =
            vec![("status".to_owned(), "a".to_owned()), ("status".to_owned(), "b".to_owned())];
        let body = json!({"policy": {"resources": [{"id": "s1"}, {"id": "s2"}]}});
        let request = RequestParts { path: &path, query: &query, body: Some(&body) };
        let answer = json!({"policy": {"id": "new"}});
        let values = |text: &str| Expr::parse(text).unwrap().values(&request, Some(&answer));
        assert_eq!(values("$request.path.policy_id"), vec![json!("p1")]);
        assert_eq!(values("$request.query.status"), vec![json!("a"), json!("b")]);
        assert_eq!(values("$request.body#/policy/resources/*/id"), vec![json!("s1"), json!("s2")]);
        assert_eq!(values("$request.body#/policy/name"), Vec::<Value>::new());
        assert_eq!(
            Expr::parse("$response.body#/policy/id").unwrap().text(&request, Some(&answer)),
            Some("new".into())
        );
        assert!(Expr::parse("$url").unwrap_err().contains("$request.path.NAME"));
    }

    #[test]
    fn pointers_fan_out_over_arrays() {
        let v = json!({"items": [{"a": 1}, {"a": 2}, {"b": 3}]});
        assert_eq!(select(&v, "/items/*/a"), vec![&json!(1), &json!(2)]);
        assert_eq!(select(&v, "/items/1/a"), vec![&json!(2)]);
        assert_eq!(select(&v, ""), vec![&v]);
        assert!(select(&v, "/missing/*").is_empty());
    }
}

//! One way to build a request of an operation: path values, query pairs and a JSON body,
//! rendered for a target. Every part of the runner (examples, properties, behaviour, cleanup)
//! builds its requests with it.

use csbs_spec::behaviour::{provider_id, Link, RequestParts};
use csbs_spec::operations::{find_operation, percent_encode_segment};
use csbs_spec::{Location, Operation};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A request of one operation, before it is sent.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub operation: &'static Operation,
    pub path: BTreeMap<String, String>,
    /// Pairs in order; a key repeats for several values.
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl PartialEq for ApiRequest {
    fn eq(&self, other: &ApiRequest) -> bool {
        self.operation.id == other.operation.id
            && (&self.path, &self.query, &self.body) == (&other.path, &other.query, &other.body)
    }
}

impl ApiRequest {
    /// A request of `operation` with the path values the spec fixes (`provider_id`) and the
    /// project filled in.
    pub fn new(operation: &'static Operation, project_id: &str) -> ApiRequest {
        let mut path = BTreeMap::new();
        for p in operation.parameters.iter().filter(|p| p.location == Location::Path) {
            if let Some(fixed) = provider_id(operation, &p.name) {
                path.insert(p.name.clone(), fixed);
            }
        }
        path.insert("project_id".to_owned(), project_id.to_owned());
        ApiRequest { operation, path, query: Vec::new(), body: None }
    }

    /// [`ApiRequest::new`] for an `operationId` of the documents; the runner only names
    /// documented operations, so an unknown one is a defect of the runner.
    pub fn of(operation_id: &str, project_id: &str) -> ApiRequest {
        let op = find_operation(operation_id)
            .unwrap_or_else(|| panic!("the runner names an undocumented operation {operation_id}"));
        ApiRequest::new(op, project_id)
    }

    pub fn path(mut self, name: &str, value: impl Into<String>) -> ApiRequest {
        self.path.insert(name.to_owned(), value.into());
        self
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> ApiRequest {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// A link's parameter: a path parameter where the operation has one by that name, else a
    /// query parameter (OpenAPI link parameters name either).
    pub fn parameter(self, name: &str, value: impl Into<String>) -> ApiRequest {
        match self.operation.parameter(csbs_spec::Location::Path, name) {
            Some(_) => self.path(name, value),
            None => self.query(name, value),
        }
    }

    /// The request `link` (an OpenAPI link of `request`'s operation) leads to, its parameters
    /// filled from `request` and its `answer`; `None` when one cannot be filled.
    pub fn follow(request: &ApiRequest, answer: Option<&Value>, link: &Link) -> Option<ApiRequest> {
        let project = request.path.get("project_id")?;
        let mut linked = ApiRequest::new(link.operation, project);
        for (name, expr) in &link.parameters {
            linked = linked.parameter(name, expr.text(&request.parts(), answer)?);
        }
        Some(linked)
    }

    pub fn body(mut self, body: Value) -> ApiRequest {
        self.body = Some(body);
        self
    }

    /// The rendered path and query, to append to the service's base URL.
    pub fn target(&self) -> String {
        let values: Map<String, Value> =
            self.path.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut target = self.operation.render_path(&values);
        let pairs: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode_segment(k), percent_encode_segment(v)))
            .collect();
        if !pairs.is_empty() {
            target.push('?');
            target.push_str(&pairs.join("&"));
        }
        target
    }

    /// The request as runtime expressions read it.
    pub fn parts(&self) -> RequestParts<'_> {
        RequestParts { path: &self.path, query: &self.query, body: self.body.as_ref() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_path_values_and_queries_are_rendered() {
        let request = ApiRequest::of("deleteCheckpoint", "p 1")
            .path("checkpoint_id", "c/1")
            .query("checkpoint_items", "a b");
        assert_eq!(
            request.target(),
            "/v1/p%201/providers/fc4d5750-22e7-4798-8a46-f48f62c4c1da/checkpoints/c%2F1?checkpoint_items=a%20b"
        );
    }
}

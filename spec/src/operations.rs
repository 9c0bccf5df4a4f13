//! The operations of a document: method, path template, parameters, body and responses, and
//! the routing of a concrete request path to its operation.

use crate::document::deref;
use crate::params::PathParams;
use crate::Service;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Header,
}

impl Location {
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
        }
    }
}

/// A parameter with its `$ref` resolved.
#[derive(Clone, Debug)]
pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// The parameter's OpenAPI schema (may itself be a `$ref`).
    pub schema: Value,
    /// `explode` of a form-style array: `status=a&status=b`.
    pub explode: bool,
    pub description: String,
    /// The `x-` extensions of the parameter object and of its (dereferenced) schema; the
    /// parameter's own win. The documents put `x-sort` in either place.
    pub extensions: BTreeMap<String, Value>,
}

impl Parameter {
    /// An `x-` extension of the parameter or of its schema (`x-sort`, `x-decision`).
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.extensions.get(name)
    }
}

fn extensions_of(doc: &Value, parameter: &Value) -> BTreeMap<String, Value> {
    let schema = parameter.get("schema").map(|s| deref(doc, s));
    let mut out = BTreeMap::new();
    for holder in [schema, Some(parameter)].into_iter().flatten() {
        for (key, value) in holder.as_object().into_iter().flatten() {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    out
}

/// One operation (path + method) of a document.
#[derive(Clone, Debug)]
pub struct Operation {
    pub service: Service,
    pub id: String,
    /// Uppercase HTTP method.
    pub method: String,
    /// Path template as in the document, `/v1/{project_id}/policies`.
    pub path: String,
    pub tag: String,
    pub summary: String,
    pub parameters: Vec<Parameter>,
    /// `(required, schema)` of the JSON request body.
    pub request_body: Option<(bool, Value)>,
    /// Status -> JSON body schema (None when the response has no body).
    pub responses: BTreeMap<u16, Option<Value>>,
    /// `x-safe: true`: the operation changes nothing although its method is not safe.
    pub safe: bool,
    pointer: String,
}

/// A status an operation does not document: not among the `responses` of its OpenAPI
/// operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndocumentedStatus {
    pub operation_id: String,
    pub status: u16,
    /// The statuses it documents, ascending.
    pub documented: Vec<u16>,
}

impl std::fmt::Display for UndocumentedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let documented: Vec<String> = self.documented.iter().map(u16::to_string).collect();
        write!(
            f,
            "status {} is not documented for {} (documented: {})",
            self.status,
            self.operation_id,
            documented.join(", ")
        )
    }
}

impl Operation {
    /// The raw operation object of the document.
    pub fn raw(&self) -> &'static Value {
        self.service
            .document()
            .pointer(&self.pointer)
            .expect("operation pointer is valid by construction")
    }

    /// Success status (the lowest 2xx).
    pub fn success_status(&self) -> u16 {
        self.responses.keys().copied().find(|s| (200..300).contains(s)).unwrap_or(200)
    }

    /// True if the operation may change state (create, update, delete, run): its method is
    /// not safe in HTTP's sense (RFC 9110 9.2.1: GET, HEAD and OPTIONS are) and it does not say
    /// `x-safe: true` (a POST that only asks, like the capability checks).
    pub fn is_mutation(&self) -> bool {
        !(matches!(self.method.as_str(), "GET" | "HEAD" | "OPTIONS") || self.safe)
    }

    /// Whether `status` is one the operation documents; the undocumented status otherwise.
    pub fn check_status(&self, status: u16) -> Result<(), UndocumentedStatus> {
        if self.responses.contains_key(&status) {
            return Ok(());
        }
        Err(UndocumentedStatus {
            operation_id: self.id.clone(),
            status,
            documented: self.responses.keys().copied().collect(),
        })
    }

    pub fn parameter(&self, location: Location, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.location == location && p.name == name)
    }

    /// Fills the path template with values; missing values are left as `{name}`.
    pub fn render_path(&self, values: &serde_json::Map<String, Value>) -> String {
        let mut path = self.path.clone();
        for (name, value) in values {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let encoded = percent_encode_segment(&text);
            path = path.replace(&format!("{{{name}}}"), &encoded);
        }
        path
    }
}

/// Percent-encodes a path segment or a query value (`csbs_wire::percent_encode`: everything
/// but RFC 3986 unreserved characters, as the vendor's SDK sends and signs it).
pub use csbs_wire::percent_encode as percent_encode_segment;

fn parse_parameter(doc: &Value, raw: &Value) -> Option<Parameter> {
    let p = deref(doc, raw);
    let location = match p.get("in")?.as_str()? {
        "path" => Location::Path,
        "query" => Location::Query,
        "header" => Location::Header,
        _ => return None,
    };
    Some(Parameter {
        name: p.get("name")?.as_str()?.to_owned(),
        location,
        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
        schema: p.get("schema").cloned().unwrap_or(Value::Object(Default::default())),
        explode: p.get("explode").and_then(Value::as_bool).unwrap_or(true),
        description: p.get("description").and_then(Value::as_str).unwrap_or_default().to_owned(),
        extensions: extensions_of(doc, p),
    })
}

fn json_schema_of(doc: &Value, content_holder: &Value) -> Option<Value> {
    let holder = deref(doc, content_holder);
    holder.get("content")?.get("application/json")?.get("schema").cloned()
}

/// The operations of `doc`, a document of `service` as JSON, in document order. [`operations`]
/// reads the embedded documents once; this reads any copy (a test's edited one, say): its
/// operations' [`Operation::raw`] still point into the embedded document.
pub fn parse_operations(service: Service, doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    let paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, item) in &paths {
        let shared: Vec<Parameter> = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| parse_parameter(doc, p))
            .collect();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut parameters = shared.clone();
            for p in op.get("parameters").and_then(Value::as_array).into_iter().flatten() {
                if let Some(p) = parse_parameter(doc, p) {
                    parameters.retain(|q| !(q.name == p.name && q.location == p.location));
                    parameters.push(p);
                }
            }
            let request_body = op.get("requestBody").and_then(|b| {
                let b = deref(doc, b);
                let required = b.get("required").and_then(Value::as_bool).unwrap_or(false);
                json_schema_of(doc, b).map(|s| (required, s))
            });
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(status, r)| Some((status.parse().ok()?, json_schema_of(doc, r))))
                .collect();
            let text =
                |key: &str| op.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            out.push(Operation {
                service,
                id: text("operationId"),
                method: method.to_uppercase(),
                path: path.clone(),
                tag: op
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                summary: text("summary"),
                parameters,
                request_body,
                responses,
                safe: op.get("x-safe").and_then(Value::as_bool).unwrap_or(false),
                pointer: format!("/paths/{}/{method}", path.replace('~', "~0").replace('/', "~1")),
            });
        }
    }
    out
}

/// The operations of one document, in document order.
pub fn operations(service: Service) -> &'static [Operation] {
    static CSBS: OnceLock<Vec<Operation>> = OnceLock::new();
    static CBR: OnceLock<Vec<Operation>> = OnceLock::new();
    match service {
        Service::Csbs => CSBS.get_or_init(|| parse_operations(service, service.document())),
        Service::Cbr => CBR.get_or_init(|| parse_operations(service, service.document())),
    }
}

/// Every operation of both documents.
pub fn all_operations() -> impl Iterator<Item = &'static Operation> {
    Service::ALL.into_iter().flat_map(operations)
}

/// The operation with this `operationId`.
pub fn find_operation(id: &str) -> Option<&'static Operation> {
    all_operations().find(|op| op.id == id)
}

/// Why a request path did not map to an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// No path of either document matches.
    NotFound,
    /// The path exists but not with this method; the allowed methods.
    MethodNotAllowed(Vec<String>),
}

struct Router {
    router: matchit::Router<Vec<&'static Operation>>,
}

fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut by_path: BTreeMap<&str, Vec<&'static Operation>> = BTreeMap::new();
        for op in all_operations() {
            by_path.entry(op.path.as_str()).or_default().push(op);
        }
        let mut router = matchit::Router::new();
        for (path, ops) in by_path {
            router
                .insert(path, ops)
                .unwrap_or_else(|e| panic!("path template {path} cannot be routed: {e}"));
        }
        Router { router }
    })
}

/// Maps a method and a raw request path to its operation and its (percent-decoded) path
/// parameters.
pub fn route<'p>(
    method: &str,
    path: &'p str,
) -> Result<(&'static Operation, PathParams<'p>), RouteError> {
    let matched = router().router.at(path).map_err(|_| RouteError::NotFound)?;
    // Decoding is skipped for the usual value with nothing encoded: it costs more than the match.
    let decode = |v: &'p str| {
        if v.contains('%') {
            percent_encoding::percent_decode_str(v).decode_utf8_lossy()
        } else {
            Cow::Borrowed(v)
        }
    };
    let params = matched.params.iter().map(|(k, v)| (k, decode(v))).collect();
    let params = PathParams(params);
    match matched.value.iter().find(|op| op.method.eq_ignore_ascii_case(method)) {
        Some(op) => Ok((op, params)),
        None => Err(RouteError::MethodNotAllowed(
            matched.value.iter().map(|op| op.method.clone()).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_told_by_the_method_and_x_safe() {
        let mutation = |id: &str| find_operation(id).unwrap().is_mutation();
        assert!(!mutation("listPolicies") && !mutation("listCbrBackups"));
        assert!(mutation("createPolicy") && mutation("deletePolicy") && mutation("updatePolicy"));
        // A POST marked `x-safe: true` in the document.
        assert!(!mutation("checkResourceCapabilities"));
        let safe: Vec<&str> =
            all_operations().filter(|op| op.safe).map(|op| op.id.as_str()).collect();
        assert_eq!(safe, ["checkResourceCapabilities"]);
    }

    #[test]
    fn an_undocumented_status_names_the_documented_ones() {
        let op = find_operation("showPolicy").unwrap();
        assert_eq!(op.check_status(200), Ok(()));
        let error = op.check_status(201).unwrap_err();
        assert_eq!(error.documented, op.responses.keys().copied().collect::<Vec<_>>());
        assert!(error.to_string().starts_with("status 201 is not documented for showPolicy"));
    }

    #[test]
    fn sort_rules_are_found_on_the_parameter_or_its_schema() {
        for id in ["listPolicies", "listBackups", "listCbrBackups"] {
            let op = find_operation(id).unwrap();
            let sort = op.parameter(Location::Query, "sort").unwrap();
            let keys =
                sort.extension("x-sort").and_then(|s| s.get("keys")).and_then(Value::as_array);
            assert!(keys.is_some_and(|k| k.iter().any(|k| k == "created_at")), "{id}");
        }
    }
}

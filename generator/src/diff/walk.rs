//! The structure of two documents, side by side: operations (matched by method and path
//! template), their parameters, request bodies and responses, and the document-level
//! parts (error tables, security, servers).

use crate::diff::change::{Breaks, Change, Direction};
use crate::diff::extensions;
use crate::diff::json::{or_null, union_keys};
use crate::diff::schema::{resolve, Differ};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// `GET /v1/{}/policies` for a method and a path template (parameter names dropped).
fn key(method: &str, path: &str) -> String {
    let template: Vec<&str> = path
        .split('/')
        .map(|s| if s.starts_with('{') && s.ends_with('}') { "{}" } else { s })
        .collect();
    format!("{} {}", method.to_uppercase(), template.join("/"))
}

struct Op<'v> {
    method: String,
    path: String,
    node: &'v Value,
    item: &'v Value,
}

fn operations(doc: &Value) -> BTreeMap<String, Op<'_>> {
    let mut out = BTreeMap::new();
    for (path, item) in doc.get("paths").and_then(Value::as_object).into_iter().flatten() {
        for method in METHODS {
            if let Some(node) = item.get(method) {
                out.insert(
                    key(method, path),
                    Op { method: method.to_uppercase(), path: path.clone(), node, item },
                );
            }
        }
    }
    out
}

fn id(op: &Op<'_>) -> Option<String> {
    op.node.get("operationId").and_then(Value::as_str).map(str::to_owned)
}

/// Parameters of an operation by `(in, name)`, path-item ones included, `$ref`s followed.
fn parameters<'v>(doc: &'v Value, op: &Op<'v>) -> BTreeMap<(String, String), &'v Value> {
    let mut out = BTreeMap::new();
    for holder in [op.node, op.item] {
        for p in holder.get("parameters").and_then(Value::as_array).into_iter().flatten() {
            let (p, _) = resolve(doc, p);
            let name = p.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            let location = p.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
            out.entry((location, name)).or_insert(p);
        }
    }
    out
}

/// `style` and `explode` with their defaults filled in.
fn serialization(p: &Value) -> (String, bool) {
    let location = p.get("in").and_then(Value::as_str).unwrap_or("");
    let default_style = if matches!(location, "query" | "cookie") { "form" } else { "simple" };
    let style = p.get("style").and_then(Value::as_str).unwrap_or(default_style).to_owned();
    let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(style == "form");
    (style, explode)
}

/// Keys of an object that are only documentation.
const DOCUMENTATION: [&str; 6] =
    ["description", "summary", "tags", "externalDocs", "example", "examples"];

impl Differ<'_> {
    /// Documentation keys, extensions and unknown keys of two objects; `known` keys are
    /// compared by the caller.
    fn members(
        &mut self,
        a: &Value,
        b: &Value,
        location: &str,
        known: &[&str],
        direction: Option<Direction>,
    ) {
        let keys: BTreeSet<&String> = union_keys(a, b);
        for k in keys {
            let (x, y) = (a.get(k), b.get(k));
            if x == y || known.contains(&k.as_str()) {
                continue;
            }
            if k.starts_with("x-") {
                extensions::compare(self, k, x, y, location, direction);
            } else if matches!(k.as_str(), "links" | "callbacks") {
                // Behaviour the runner follows (links carry x-echo): like an extension.
                let at = format!("{location} {k}");
                extensions::generic(self, x, y, at.trim());
            } else if DOCUMENTATION.contains(&k.as_str()) || k == "deprecated" {
                self.push(
                    format!("{location} {k}").trim(),
                    &format!("{k}-changed"),
                    or_null(x),
                    or_null(y),
                    Breaks::NONE,
                );
            } else {
                self.push(
                    format!("{location} {k}").trim(),
                    &format!("{k}-changed"),
                    or_null(x),
                    or_null(y),
                    Breaks::BOTH,
                );
            }
        }
    }

    fn parameter(&mut self, a: &Value, b: &Value, at: &str) {
        let required = |p: &Value| p.get("required").and_then(Value::as_bool).unwrap_or(false);
        match (required(a), required(b)) {
            (false, true) => self.push(
                at,
                "request-parameter-became-required",
                json!(false),
                json!(true),
                Breaks::CLIENTS,
            ),
            (true, false) => self.push(
                at,
                "request-parameter-became-optional",
                json!(true),
                json!(false),
                Breaks::SERVERS,
            ),
            _ => {}
        }
        if serialization(a) != serialization(b) {
            let show = |s: (String, bool)| json!({"style": s.0, "explode": s.1});
            self.push(
                at,
                "request-parameter-serialization-changed",
                show(serialization(a)),
                show(serialization(b)),
                Breaks::BOTH,
            );
        }
        let null = Value::Null;
        self.schema(
            a.get("schema").unwrap_or(&null),
            b.get("schema").unwrap_or(&null),
            at,
            Direction::Request,
        );
        self.members(
            a,
            b,
            at,
            &["name", "in", "required", "style", "explode", "schema"],
            Some(Direction::Request),
        );
    }

    fn parameters(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let (a, b) = (parameters(self.old, old), parameters(self.new, new));
        let keys: BTreeSet<&(String, String)> = a.keys().chain(b.keys()).collect();
        for k in keys {
            let at = format!("{}.{}", k.0, k.1);
            match (a.get(k), b.get(k)) {
                (Some(_), None) => self.push(
                    &at,
                    "request-parameter-removed",
                    json!(k.1),
                    Value::Null,
                    Breaks::CLIENTS,
                ),
                (None, Some(p)) => {
                    if p.get("required").and_then(Value::as_bool).unwrap_or(false) {
                        self.push(
                            &at,
                            "request-parameter-added-required",
                            Value::Null,
                            json!(k.1),
                            Breaks::BOTH,
                        );
                    } else {
                        self.push(
                            &at,
                            "request-parameter-added",
                            Value::Null,
                            json!(k.1),
                            Breaks::SERVERS,
                        );
                    }
                }
                (Some(x), Some(y)) => self.parameter(x, y, &at),
                (None, None) => {}
            }
        }
    }

    /// The `content` maps of a body or response: media types and their schemas.
    fn content(&mut self, a: &Value, b: &Value, at: &str, direction: Direction) {
        let media = |v: &Value| -> BTreeMap<String, Value> {
            v.get("content")
                .and_then(Value::as_object)
                .map(|m| m.clone().into_iter().collect())
                .unwrap_or_default()
        };
        let (ma, mb) = (media(a), media(b));
        let single = ma.len() <= 1 && mb.len() <= 1 && ma.keys().eq(mb.keys());
        let keys: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
        for k in keys {
            let here = if single { at.to_owned() } else { format!("{at} ({k})") };
            let s = if direction == Direction::Request { "request" } else { "response" };
            match (ma.get(k), mb.get(k)) {
                (Some(_), None) => {
                    let breaks = if direction == Direction::Request {
                        Breaks::CLIENTS
                    } else {
                        Breaks::SERVERS
                    };
                    self.push(
                        &here,
                        &format!("{s}-media-type-removed"),
                        json!(k),
                        Value::Null,
                        breaks,
                    );
                }
                (None, Some(_)) => {
                    let breaks = if direction == Direction::Request {
                        Breaks::SERVERS
                    } else {
                        Breaks::CLIENTS
                    };
                    self.push(
                        &here,
                        &format!("{s}-media-type-added"),
                        Value::Null,
                        json!(k),
                        breaks,
                    );
                }
                (Some(x), Some(y)) => {
                    let null = Value::Null;
                    self.schema(
                        x.get("schema").unwrap_or(&null),
                        y.get("schema").unwrap_or(&null),
                        &here,
                        direction,
                    );
                    self.members(x, y, &here, &["schema"], Some(direction));
                }
                (None, None) => {}
            }
        }
    }

    fn request_body(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let a = old.node.get("requestBody").map(|b| resolve(self.old, b).0);
        let b = new.node.get("requestBody").map(|b| resolve(self.new, b).0);
        let required = |v: &Value| v.get("required").and_then(Value::as_bool).unwrap_or(false);
        match (a, b) {
            (Some(_), None) => {
                self.push("body", "request-body-removed", json!(true), Value::Null, Breaks::CLIENTS)
            }
            (None, Some(y)) => {
                let breaks = if required(y) { Breaks::BOTH } else { Breaks::SERVERS };
                self.push("body", "request-body-added", Value::Null, json!(true), breaks);
            }
            (Some(x), Some(y)) => {
                match (required(x), required(y)) {
                    (false, true) => self.push(
                        "body",
                        "request-body-became-required",
                        json!(false),
                        json!(true),
                        Breaks::CLIENTS,
                    ),
                    (true, false) => self.push(
                        "body",
                        "request-body-became-optional",
                        json!(true),
                        json!(false),
                        Breaks::SERVERS,
                    ),
                    _ => {}
                }
                self.content(x, y, "body", Direction::Request);
                self.members(x, y, "body", &["content", "required"], Some(Direction::Request));
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, old: &Op<'_>, new: &Op<'_>) {
        let map = |op: &Op<'_>| -> BTreeMap<String, Value> {
            op.node
                .get("responses")
                .and_then(Value::as_object)
                .map(|m| m.clone().into_iter().collect())
                .unwrap_or_default()
        };
        let (a, b) = (map(old), map(new));
        let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for status in keys {
            let at = format!("response.{status}");
            let success = status.starts_with('2') || status == "default";
            match (a.get(status), b.get(status)) {
                (Some(_), None) => self.push(
                    &at,
                    "response-status-removed",
                    json!(status),
                    Value::Null,
                    Breaks::SERVERS,
                ),
                (None, Some(_)) => {
                    // A new success status is an undocumented answer to an old client; a new
                    // error status is still an error to it.
                    let (rule, breaks) = if success {
                        ("response-success-status-added", Breaks::CLIENTS)
                    } else {
                        ("response-error-status-added", Breaks::NONE)
                    };
                    self.push(&at, rule, Value::Null, json!(status), breaks);
                }
                (Some(x), Some(y)) => {
                    let (x, _) = resolve(self.old, x);
                    let (y, _) = resolve(self.new, y);
                    self.content(x, y, &at, Direction::Response);
                    self.headers(x, y, &at);
                    self.members(x, y, &at, &["content", "headers"], Some(Direction::Response));
                }
                (None, None) => {}
            }
        }
    }

    fn headers(&mut self, a: &Value, b: &Value, at: &str) {
        let map = |v: &Value| -> BTreeMap<String, Value> {
            v.get("headers")
                .and_then(Value::as_object)
                .map(|m| m.clone().into_iter().collect())
                .unwrap_or_default()
        };
        let (ha, hb) = (map(a), map(b));
        for name in ha.keys().chain(hb.keys()).collect::<BTreeSet<_>>() {
            let here = format!("{at} header {name}");
            match (ha.get(name), hb.get(name)) {
                (Some(_), None) => self.push(
                    &here,
                    "response-header-removed",
                    json!(name),
                    Value::Null,
                    Breaks::CLIENTS,
                ),
                (None, Some(_)) => self.push(
                    &here,
                    "response-header-added",
                    Value::Null,
                    json!(name),
                    Breaks::NONE,
                ),
                (Some(x), Some(y)) => {
                    let (x, _) = resolve(self.old, x);
                    let (y, _) = resolve(self.new, y);
                    let null = Value::Null;
                    self.schema(
                        x.get("schema").unwrap_or(&null),
                        y.get("schema").unwrap_or(&null),
                        &here,
                        Direction::Response,
                    );
                }
                (None, None) => {}
            }
        }
    }

    fn operation(&mut self, old: &Op<'_>, new: &Op<'_>) {
        self.operation = id(new).or_else(|| id(old));
        self.scope = format!("{} {}", new.method, new.path);
        if id(old) != id(new) {
            self.push(
                "operationId",
                "operation-id-changed",
                json!(id(old)),
                json!(id(new)),
                Breaks::CLIENTS,
            );
        }
        self.parameters(old, new);
        self.request_body(old, new);
        self.responses(old, new);
        self.members(
            old.node,
            new.node,
            "",
            &["operationId", "parameters", "requestBody", "responses"],
            None,
        );
    }
}

/// Every difference between two OpenAPI 3.0 documents, classified.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut d = Differ::new(old, new);
    let (a, b) = (operations(old), operations(new));
    for k in a.keys().chain(b.keys()).collect::<BTreeSet<_>>() {
        match (a.get(k), b.get(k)) {
            (Some(o), None) => {
                d.operation = id(o);
                d.scope = format!("{} {}", o.method, o.path);
                d.push(
                    "operation",
                    "operation-removed",
                    json!(d.scope),
                    Value::Null,
                    Breaks::CLIENTS,
                );
            }
            (None, Some(n)) => {
                d.operation = id(n);
                d.scope = format!("{} {}", n.method, n.path);
                d.push(
                    "operation",
                    "operation-added",
                    Value::Null,
                    json!(d.scope),
                    Breaks::SERVERS,
                );
            }
            (Some(o), Some(n)) => d.operation(o, n),
            (None, None) => {}
        }
    }
    d.operation = None;
    let empty = json!({});
    // Document level: what is not reached through an operation.
    for part in ["openapi", "info", "servers", "security", "tags"] {
        let (x, y) = (old.get(part), new.get(part));
        if x != y {
            d.scope = part.to_owned();
            let breaks = if matches!(part, "info" | "tags") { Breaks::NONE } else { Breaks::BOTH };
            d.push(part, &format!("{part}-changed"), or_null(x), or_null(y), breaks);
        }
    }
    let schemes =
        |v: &Value| v.pointer("/components/securitySchemes").cloned().unwrap_or(Value::Null);
    if schemes(old) != schemes(new) {
        d.scope = "components.securitySchemes".into();
        extensions_like_generic(&mut d, &schemes(old), &schemes(new));
    }
    let keys: BTreeSet<&String> = old
        .as_object()
        .unwrap_or(empty.as_object().expect("object"))
        .keys()
        .chain(new.as_object().unwrap_or(empty.as_object().expect("object")).keys())
        .collect();
    for k in keys.into_iter().filter(|k| k.starts_with("x-")) {
        d.scope = k.clone();
        extensions::compare(&mut d, k, old.get(k), new.get(k), "", None);
    }
    d.out
}

/// Security schemes: every changed member breaks both sides (credentials are sent and
/// checked).
fn extensions_like_generic(d: &mut Differ<'_>, a: &Value, b: &Value) {
    let names: BTreeSet<&String> = union_keys(a, b);
    for name in names {
        if a.get(name) != b.get(name) {
            d.push(
                &format!("securitySchemes.{name}"),
                "security-scheme-changed",
                or_null(a.get(name)),
                or_null(b.get(name)),
                Breaks::BOTH,
            );
        }
    }
}

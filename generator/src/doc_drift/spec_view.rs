//! The spec side of a comparison: finding the operation a document describes, its
//! parameters, and a view of a schema through `$ref` and `allOf` that keeps the JSON
//! pointer of every node it passed, so that a finding can name where to edit and which
//! `x-decision` or `x-errata` explains it.

use crate::doc_drift::explain::{self, Explanation};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One OpenAPI document, as a file name under `spec/` and its content.
pub struct SpecDoc {
    pub file: String,
    pub value: Value,
}

impl SpecDoc {
    /// The embedded documents of the `csbs-spec` crate.
    pub fn embedded() -> Vec<SpecDoc> {
        csbs_spec::Service::ALL
            .into_iter()
            .map(|s| SpecDoc { file: s.file_name().to_owned(), value: s.document().clone() })
            .collect()
    }

    /// The node at a JSON pointer.
    pub fn at(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }
}

/// A spec node and its JSON pointer.
pub type Node<'a> = (&'a Value, String);

/// Escapes one JSON-pointer segment.
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// An operation of a spec.
pub struct SpecOperation<'a> {
    pub spec: &'a SpecDoc,
    pub id: String,
    pub method: String,
    pub path: String,
    /// Pointer to the operation object.
    pub pointer: String,
}

impl<'a> SpecOperation<'a> {
    /// The operation object.
    pub fn node(&self) -> &'a Value {
        self.spec.at(&self.pointer).unwrap_or(&Value::Null)
    }
}

const METHODS: [&str; 6] = ["get", "put", "post", "delete", "patch", "head"];

/// True when two path templates have the same literal segments and parameters in the same
/// places (parameter names may differ).
pub fn same_template(a: &str, b: &str) -> bool {
    let segs = |p: &str| -> Vec<String> {
        p.trim_matches('/')
            .split('/')
            .map(|s| {
                if s.starts_with('{') && s.ends_with('}') {
                    "{}".to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect()
    };
    segs(a) == segs(b)
}

/// Every operation of every spec.
pub fn operations(specs: &[SpecDoc]) -> Vec<SpecOperation<'_>> {
    let mut out = Vec::new();
    for spec in specs {
        let Some(paths) = spec.value.get("paths").and_then(Value::as_object) else { continue };
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    out.push(SpecOperation {
                        spec,
                        id: op.get("operationId").and_then(Value::as_str).unwrap_or("").to_owned(),
                        method: method.to_uppercase(),
                        path: path.clone(),
                        pointer: format!("/paths/{}/{method}", escape(path)),
                    });
                }
            }
        }
    }
    out
}

/// The operation with this method and path template.
pub fn find_operation<'a>(
    specs: &'a [SpecDoc],
    method: &str,
    path: &str,
) -> Option<SpecOperation<'a>> {
    operations(specs).into_iter().find(|op| op.method == method && same_template(&op.path, path))
}

/// A schema (or parameter) seen through its `$ref`s and `allOf` members: every node passed,
/// declaration first.
#[derive(Clone)]
pub struct View<'a> {
    pub spec: &'a SpecDoc,
    pub nodes: Vec<Node<'a>>,
}

impl<'a> View<'a> {
    /// The view of `node`, declared at `pointer`.
    pub fn new(spec: &'a SpecDoc, node: &'a Value, pointer: String) -> View<'a> {
        let mut nodes = Vec::new();
        collect(spec, node, pointer, &mut nodes, 0);
        View { spec, nodes }
    }

    /// The pointer of the declaration.
    pub fn pointer(&self) -> &str {
        self.nodes.first().map(|(_, p)| p.as_str()).unwrap_or("")
    }

    /// The first value of `key` along the nodes (the declaration's own wins).
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.nodes.iter().find_map(|(n, _)| n.get(key))
    }

    fn branches(&self) -> Vec<View<'a>> {
        let mut out = Vec::new();
        for (node, pointer) in &self.nodes {
            for key in ["oneOf", "anyOf"] {
                for (i, b) in
                    node.get(key).and_then(Value::as_array).into_iter().flatten().enumerate()
                {
                    out.push(View::new(self.spec, b, format!("{pointer}/{key}/{i}")));
                }
            }
        }
        out
    }

    /// The JSON types the schema accepts (`null` left out); empty for any value.
    pub fn types(&self) -> BTreeSet<String> {
        if let Some(t) = self.get("type") {
            let mut set = BTreeSet::new();
            match t {
                Value::String(s) => {
                    set.insert(s.clone());
                }
                Value::Array(items) => {
                    set.extend(items.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ => {}
            }
            set.remove("null");
            return set;
        }
        let branches = self.branches();
        if !branches.is_empty() {
            return branches.iter().flat_map(View::types).collect();
        }
        if self.get("properties").is_some() {
            return BTreeSet::from(["object".to_owned()]);
        }
        BTreeSet::new()
    }

    /// Declared properties, merged over the nodes (the first declaration of a name wins).
    pub fn properties(&self) -> BTreeMap<String, Node<'a>> {
        let mut out = BTreeMap::new();
        for (node, pointer) in &self.nodes {
            for (name, schema) in
                node.get("properties").and_then(Value::as_object).into_iter().flatten()
            {
                out.entry(name.clone())
                    .or_insert_with(|| (schema, format!("{pointer}/properties/{}", escape(name))));
            }
        }
        out
    }

    /// Names in `required`, over all nodes.
    pub fn required(&self) -> BTreeSet<String> {
        self.nodes
            .iter()
            .flat_map(|(n, _)| n.get("required").and_then(Value::as_array).into_iter().flatten())
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    }

    /// The view of `items`.
    pub fn items(&self) -> Option<View<'a>> {
        self.nodes.iter().find_map(|(n, p)| {
            n.get("items").map(|items| View::new(self.spec, items, format!("{p}/items")))
        })
    }

    /// For an object given as `oneOf`/`anyOf` branches, the branch whose properties share
    /// the most names with `names`; the view itself otherwise.
    pub fn branch_for(&self, names: &[&str]) -> View<'a> {
        if self.get("properties").is_some() {
            return self.clone();
        }
        let branches = self.branches();
        branches
            .into_iter()
            .filter(|b| b.types().contains("object") || b.get("properties").is_some())
            .max_by_key(|b| {
                let props = b.properties();
                names.iter().filter(|n| props.contains_key(**n)).count()
            })
            .unwrap_or_else(|| self.clone())
    }

    /// Values of `enum` (and, when `open` is set, of `x-known-values`), over the view and
    /// its branches.
    pub fn values(&self, open: bool) -> Option<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        let mut found = false;
        let mut keys = vec!["enum"];
        if open {
            keys.push("x-known-values");
        }
        for view in std::iter::once(self.clone()).chain(self.branches()) {
            for key in &keys {
                if let Some(items) = view.get(key).and_then(Value::as_array) {
                    found = true;
                    for v in items {
                        let text = scalar_text(v);
                        if !out.contains(&text) {
                            out.push(text);
                        }
                    }
                }
            }
        }
        found.then_some(out)
    }

    /// `x-decision` and `x-errata` along the nodes.
    pub fn explanations(&self) -> Vec<Explanation> {
        self.nodes.iter().flat_map(|(n, p)| explain::of(n, p)).collect()
    }
}

/// A JSON scalar as text (`"a"` is `a`, `1000` is `1000`).
pub fn scalar_text(v: &Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

fn collect<'a>(
    spec: &'a SpecDoc,
    node: &'a Value,
    pointer: String,
    out: &mut Vec<Node<'a>>,
    depth: usize,
) {
    if depth > 16 {
        return;
    }
    out.push((node, pointer.clone()));
    if let Some(target) = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'))
    {
        if let Some(resolved) = spec.at(target) {
            collect(spec, resolved, target.to_owned(), out, depth + 1);
        }
    }
    for (i, member) in node.get("allOf").and_then(Value::as_array).into_iter().flatten().enumerate()
    {
        collect(spec, member, format!("{pointer}/allOf/{i}"), out, depth + 1);
    }
}

/// A parameter of an operation (path-item parameters included) as a view whose nodes are
/// the parameter object(s) followed by its schema's nodes.
pub struct SpecParameter<'a> {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub view: View<'a>,
}

/// The parameters of an operation, its path item's included (the operation's own win).
pub fn parameters<'a>(op: &SpecOperation<'a>) -> Vec<SpecParameter<'a>> {
    let item_pointer = op.pointer.rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
    let mut out: Vec<SpecParameter<'a>> = Vec::new();
    for holder in [op.pointer.clone(), item_pointer] {
        let Some(list) =
            op.spec.at(&holder).and_then(|n| n.get("parameters")).and_then(Value::as_array)
        else {
            continue;
        };
        for (i, p) in list.iter().enumerate() {
            let mut view = View::new(op.spec, p, format!("{holder}/parameters/{i}"));
            let name = view.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
            let location = view.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
            if out.iter().any(|q| q.name == name && q.location == location) {
                continue; // the operation's own parameter overrides the path item's
            }
            let required = view.get("required").and_then(Value::as_bool).unwrap_or(false);
            let schema = view
                .nodes
                .iter()
                .find_map(|(n, ptr)| n.get("schema").map(|s| (s, format!("{ptr}/schema"))));
            if let Some((schema, pointer)) = schema {
                view.nodes.extend(View::new(op.spec, schema, pointer).nodes);
            }
            out.push(SpecParameter { name, location, required, view });
        }
    }
    out
}

/// The JSON body schema of the request, if any.
pub fn request_body<'a>(op: &SpecOperation<'a>) -> Option<View<'a>> {
    let body =
        View::new(op.spec, op.node().get("requestBody")?, format!("{}/requestBody", op.pointer));
    let content = body.get("content")?.get("application/json")?.get("schema")?;
    let pointer =
        body.nodes.iter().find(|(n, _)| n.get("content").is_some()).map(|(_, p)| p.clone())?;
    Some(View::new(op.spec, content, format!("{pointer}/content/application~1json/schema")))
}

/// The JSON body schema of the lowest 2xx response, if any.
pub fn success_body<'a>(op: &SpecOperation<'a>) -> Option<View<'a>> {
    let responses = op.node().get("responses")?.as_object()?;
    let (status, response) =
        responses.iter().filter(|(s, _)| s.starts_with('2')).min_by_key(|(s, _)| s.as_str())?;
    let view = View::new(op.spec, response, format!("{}/responses/{status}", op.pointer));
    let (holder, pointer) = view.nodes.iter().find(|(n, _)| n.get("content").is_some())?;
    let schema = holder.get("content")?.get("application/json")?.get("schema")?;
    Some(View::new(op.spec, schema, format!("{pointer}/content/application~1json/schema")))
}

/// Status codes of the operation's responses.
pub fn statuses(op: &SpecOperation<'_>) -> Vec<u16> {
    op.node()
        .get("responses")
        .and_then(Value::as_object)
        .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
        .unwrap_or_default()
}

/// Header names the security schemes carry (`X-Auth-Token`, `Authorization`).
pub fn security_headers(spec: &SpecDoc) -> Vec<String> {
    spec.at("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s.get("in").and_then(Value::as_str) == Some("header"))
        .filter_map(|(_, s)| s.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

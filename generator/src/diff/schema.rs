//! Two versions of a schema, compared keyword by keyword through `$ref`s and `allOf`
//! (flattened), `oneOf`/`anyOf` variants (matched by name or type), properties, items and
//! the `x-` rules a schema carries. Each difference is classified by what it does to the
//! values accepted and the direction the values travel (see [`crate::diff::change`]).

use crate::diff::change::{Breaks, Change, Direction, Effect};
use crate::diff::extensions;
use crate::diff::json::or_null;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Compares two documents; holds the current operation and the changes found.
pub struct Differ<'a> {
    pub old: &'a Value,
    pub new: &'a Value,
    pub operation: Option<String>,
    pub scope: String,
    pub out: Vec<Change>,
    /// `$ref` pairs being compared, so that recursive schemas end.
    visiting: Vec<(String, String)>,
}

/// Follows `$ref`s to the node they name; returns the node and the last reference.
pub fn resolve<'v>(doc: &'v Value, node: &'v Value) -> (&'v Value, Option<String>) {
    let mut node = node;
    let mut last = None;
    for _ in 0..16 {
        let Some(r) = node.get("$ref").and_then(Value::as_str) else { break };
        match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
            Some(target) => {
                last = Some(r.to_owned());
                node = target;
            }
            None => break,
        }
    }
    (node, last)
}

/// A schema with its `$ref`s followed and its `allOf` members merged: the outer keywords
/// win, properties are merged by name, `required` lists are joined.
pub struct Flat {
    pub map: Map<String, Value>,
    pub reference: Option<String>,
}

/// Flattens a schema of `doc` (see [`Flat`]).
pub fn flatten(doc: &Value, node: &Value) -> Flat {
    fn visit(
        doc: &Value,
        node: &Value,
        map: &mut Map<String, Value>,
        reference: &mut Option<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        let Some(obj) = node.as_object() else { return };
        for (key, value) in obj {
            match key.as_str() {
                "$ref" | "allOf" => {}
                "properties" => {
                    let entry = map.entry("properties").or_insert_with(|| json!({}));
                    if let (Some(into), Some(from)) = (entry.as_object_mut(), value.as_object()) {
                        for (name, schema) in from {
                            into.entry(name.clone()).or_insert_with(|| schema.clone());
                        }
                    }
                }
                "required" => {
                    let entry = map.entry("required").or_insert_with(|| json!([]));
                    if let (Some(into), Some(from)) = (entry.as_array_mut(), value.as_array()) {
                        for name in from {
                            if !into.contains(name) {
                                into.push(name.clone());
                            }
                        }
                    }
                }
                _ => {
                    map.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            if reference.is_none() {
                *reference = Some(r.to_owned());
            }
            if let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                visit(doc, target, map, reference, depth + 1);
            }
        }
        for member in obj.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            visit(doc, member, map, reference, depth + 1);
        }
    }
    let mut map = Map::new();
    let mut reference = None;
    visit(doc, node, &mut map, &mut reference, 0);
    Flat { map, reference }
}

/// Keywords that only document a schema.
const DOCUMENTATION: [&str; 7] =
    ["description", "title", "example", "examples", "externalDocs", "deprecated", "xml"];
/// Upper bounds: lowering one (or adding one) narrows.
const UPPER: [(&str, &str); 4] = [
    ("maxLength", "max-length"),
    ("maximum", "max"),
    ("maxItems", "max-items"),
    ("maxProperties", "max-properties"),
];
/// Lower bounds: raising one (or adding one) narrows.
const LOWER: [(&str, &str); 4] = [
    ("minLength", "min-length"),
    ("minimum", "min"),
    ("minItems", "min-items"),
    ("minProperties", "min-properties"),
];
/// Flags that narrow when switched on.
const FLAGS: [(&str, &str); 3] = [
    ("exclusiveMinimum", "exclusive-min"),
    ("exclusiveMaximum", "exclusive-max"),
    ("uniqueItems", "unique-items"),
];
/// Keywords whose appearance narrows and whose disappearance widens; any other change
/// neither.
const RESTRICTIONS: [(&str, &str); 3] =
    [("pattern", "pattern"), ("format", "format"), ("multipleOf", "multiple-of")];

fn side(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => "request",
        Direction::Response => "response",
    }
}

/// A branch of `oneOf`/`anyOf`: the name of its `$ref`, its title, or its type.
fn label(doc: &Value, node: &Value) -> String {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    let flat = flatten(doc, node);
    if let Some(t) = flat.map.get("title").and_then(Value::as_str) {
        return t.to_owned();
    }
    flat.map.get("type").and_then(Value::as_str).unwrap_or("any").to_owned()
}

fn type_of(flat: &Flat) -> Option<&str> {
    flat.map.get("type").and_then(Value::as_str)
}

fn variants(flat: &Flat) -> Option<(&'static str, &Vec<Value>)> {
    for key in ["oneOf", "anyOf"] {
        if let Some(list) = flat.map.get(key).and_then(Value::as_array) {
            return Some((key, list));
        }
    }
    None
}

/// The rule name and effect of a changed constraint keyword: a bound tightened or set
/// narrows, a flag switched on narrows, a restriction added narrows and removed widens;
/// anything else accepts other values (changed).
fn keyword_effect(k: &str, ov: Option<&Value>, nv: Option<&Value>) -> (String, Effect) {
    let bound = UPPER
        .iter()
        .map(|b| (b, true))
        .chain(LOWER.iter().map(|b| (b, false)))
        .find(|((kw, _), _)| *kw == k);
    if let Some(((_, name), upper)) = bound {
        let (a, b) = (ov.and_then(Value::as_f64), nv.and_then(Value::as_f64));
        let (effect, what) = match (a, b) {
            (None, Some(_)) => (Effect::Narrowed, "set"),
            (Some(_), None) => (Effect::Widened, "removed"),
            (Some(x), Some(y)) if (y < x) == upper => {
                (Effect::Narrowed, if upper { "decreased" } else { "increased" })
            }
            _ => (Effect::Widened, if upper { "increased" } else { "decreased" }),
        };
        return (format!("{name}-{what}"), effect);
    }
    if let Some((_, name)) = FLAGS.iter().find(|(kw, _)| *kw == k) {
        let on = nv.and_then(Value::as_bool).unwrap_or(false);
        return (format!("{name}-changed"), if on { Effect::Narrowed } else { Effect::Widened });
    }
    if let Some((_, name)) = RESTRICTIONS.iter().find(|(kw, _)| *kw == k) {
        let (effect, what) = match (ov, nv) {
            (None, Some(_)) => (Effect::Narrowed, "added"),
            (Some(_), None) => (Effect::Widened, "removed"),
            _ => (Effect::Changed, "changed"),
        };
        return (format!("{name}-{what}"), effect);
    }
    (format!("{}-changed", k.to_lowercase()), Effect::Changed)
}

impl<'a> Differ<'a> {
    /// A comparison of `old` with `new`, no change found yet.
    pub fn new(old: &'a Value, new: &'a Value) -> Self {
        Differ {
            old,
            new,
            operation: None,
            scope: String::new(),
            out: Vec::new(),
            visiting: Vec::new(),
        }
    }

    /// Records a change.
    pub fn push(&mut self, location: &str, rule: &str, old: Value, new: Value, breaks: Breaks) {
        self.out.push(Change {
            operation: self.operation.clone(),
            scope: self.scope.clone(),
            location: location.to_owned(),
            rule: rule.to_owned(),
            old,
            new,
            breaks,
            classification: breaks.words(),
        });
    }

    /// Records a change to accepted values, classified by its effect in `direction`; the
    /// rule is prefixed with `request-` or `response-`.
    pub fn effect(
        &mut self,
        location: &str,
        rule: &str,
        old: Value,
        new: Value,
        effect: Effect,
        direction: Direction,
    ) {
        let rule = format!("{}-{rule}", side(direction));
        self.push(location, &rule, old, new, effect.breaks(direction));
    }

    /// Compares two schemas at `location`.
    pub fn schema(&mut self, old: &Value, new: &Value, location: &str, direction: Direction) {
        let o = flatten(self.old, old);
        let n = flatten(self.new, new);
        let pair =
            (o.reference.clone().unwrap_or_default(), n.reference.clone().unwrap_or_default());
        if (!pair.0.is_empty() || !pair.1.is_empty()) && self.visiting.contains(&pair) {
            return; // a recursive schema: this pair is being compared further up
        }
        self.visiting.push(pair);
        self.flat(&o, &n, location, direction);
        self.visiting.pop();
    }

    fn flat(&mut self, o: &Flat, n: &Flat, location: &str, direction: Direction) {
        if self.variants(o, n, location, direction) {
            self.rest(o, n, location, direction, true);
            return;
        }
        self.types(o, n, location, direction);
        self.rest(o, n, location, direction, false);
    }

    /// `oneOf`/`anyOf`. Returns true when one side is a union and the other a plain
    /// schema (then the plain schema was compared with its matching branch).
    fn variants(&mut self, o: &Flat, n: &Flat, location: &str, direction: Direction) -> bool {
        match (variants(o), variants(n)) {
            (Some((_, ov)), Some((_, nv))) => {
                let ol: Vec<String> = ov.iter().map(|b| label(self.old, b)).collect();
                let nl: Vec<String> = nv.iter().map(|b| label(self.new, b)).collect();
                let mut unmatched_new: Vec<usize> =
                    (0..nv.len()).filter(|j| !ol.contains(&nl[*j])).collect();
                let unmatched_old: Vec<usize> =
                    (0..ov.len()).filter(|i| !nl.contains(&ol[*i])).collect();
                for (i, b) in ov.iter().enumerate() {
                    if let Some(j) = nl.iter().position(|l| *l == ol[i]) {
                        self.schema(
                            b,
                            &nv[j],
                            &format!("{location} (variant {})", ol[i]),
                            direction,
                        );
                    }
                }
                if unmatched_old.len() == 1 && unmatched_new.len() == 1 {
                    // One variant replaced by another: compare them.
                    let (i, j) = (unmatched_old[0], unmatched_new.remove(0));
                    self.schema(
                        &ov[i],
                        &nv[j],
                        &format!("{location} (variant {})", nl[j]),
                        direction,
                    );
                } else {
                    for i in unmatched_old {
                        self.effect(
                            location,
                            "variant-removed",
                            json!(ol[i]),
                            Value::Null,
                            Effect::Narrowed,
                            direction,
                        );
                    }
                    for j in unmatched_new {
                        self.effect(
                            location,
                            "variant-added",
                            Value::Null,
                            json!(nl[j]),
                            Effect::Widened,
                            direction,
                        );
                    }
                }
                false
            }
            (None, Some((_, nv))) => {
                self.plain_and_union(o, nv, self.new, location, direction, true);
                true
            }
            (Some((_, ov)), None) => {
                self.plain_and_union(n, ov, self.old, location, direction, false);
                true
            }
            (None, None) => false,
        }
    }

    /// A plain schema became a union (`widening`) or a union a plain schema.
    fn plain_and_union(
        &mut self,
        plain: &Flat,
        branches: &[Value],
        doc: &Value,
        location: &str,
        direction: Direction,
        widening: bool,
    ) {
        let plain_type = type_of(plain).map(str::to_owned);
        let matching = branches
            .iter()
            .position(|b| type_of(&flatten(doc, b)).map(str::to_owned) == plain_type);
        let Some(m) = matching else {
            let (old, new) = if widening {
                (json!(plain_type), json!("oneOf"))
            } else {
                (json!("oneOf"), json!(plain_type))
            };
            self.effect(location, "type-changed", old, new, Effect::Changed, direction);
            return;
        };
        let plain_node = Value::Object(plain.map.clone());
        let branch = flatten(doc, &branches[m]);
        if widening {
            let (o, n) = (flatten(self.old, &plain_node), branch);
            self.types(&o, &n, location, direction);
            self.rest(&o, &n, location, direction, false);
        } else {
            let (o, n) = (branch, flatten(self.new, &plain_node));
            self.types(&o, &n, location, direction);
            self.rest(&o, &n, location, direction, false);
        }
        for (i, b) in branches.iter().enumerate() {
            if i == m {
                continue;
            }
            let l = label(doc, b);
            if widening {
                self.effect(
                    location,
                    "variant-added",
                    Value::Null,
                    json!(l),
                    Effect::Widened,
                    direction,
                );
            } else {
                self.effect(
                    location,
                    "variant-removed",
                    json!(l),
                    Value::Null,
                    Effect::Narrowed,
                    direction,
                );
            }
        }
    }

    fn types(&mut self, o: &Flat, n: &Flat, location: &str, direction: Direction) {
        let (ot, nt) = (type_of(o), type_of(n));
        if ot != nt {
            let effect = match (ot, nt) {
                (Some("integer"), Some("number")) | (Some(_), None) => Effect::Widened,
                (Some("number"), Some("integer")) | (None, Some(_)) => Effect::Narrowed,
                _ => Effect::Changed,
            };
            self.effect(location, "type-changed", json!(ot), json!(nt), effect, direction);
        }
        let nullable = |f: &Flat| f.map.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable(o) != nullable(n) {
            let effect = if nullable(n) { Effect::Widened } else { Effect::Narrowed };
            self.effect(
                location,
                "nullable-changed",
                json!(nullable(o)),
                json!(nullable(n)),
                effect,
                direction,
            );
        }
    }

    /// Every keyword but the type ones. With `union_done`, only what a union does not
    /// decide (documentation and extensions) is compared at this level.
    fn rest(&mut self, o: &Flat, n: &Flat, location: &str, direction: Direction, union_done: bool) {
        let keys: BTreeSet<&String> = o.map.keys().chain(n.map.keys()).collect();
        for key in keys {
            let (ov, nv) = (o.map.get(key.as_str()), n.map.get(key.as_str()));
            if ov == nv && !matches!(key.as_str(), "properties" | "items" | "additionalProperties")
            {
                continue;
            }
            let k = key.as_str();
            if k.starts_with("x-") {
                extensions::compare(self, k, ov, nv, location, Some(direction));
                continue;
            }
            if DOCUMENTATION.contains(&k) {
                self.push(
                    location,
                    &format!("schema-{k}-changed"),
                    or_null(ov),
                    or_null(nv),
                    Breaks::NONE,
                );
                continue;
            }
            if union_done {
                continue;
            }
            match k {
                "type" | "nullable" | "oneOf" | "anyOf" => {}
                "enum" => self.enumeration(ov, nv, location, direction),
                "properties" | "required" => {}
                "items" => match (ov, nv) {
                    (Some(a), Some(b)) => self.schema(a, b, &format!("{location}[]"), direction),
                    _ => self.effect(
                        location,
                        "items-changed",
                        or_null(ov),
                        or_null(nv),
                        Effect::Changed,
                        direction,
                    ),
                },
                "additionalProperties" => self.additional(ov, nv, location, direction),
                "default" => {
                    // A request default is behaviour (what the server assumes); a response
                    // default only documents.
                    let breaks =
                        if direction == Direction::Request { Breaks::BOTH } else { Breaks::NONE };
                    let rule = format!("{}-default-changed", side(direction));
                    self.push(location, &rule, or_null(ov), or_null(nv), breaks);
                }
                _ => {
                    let (rule, effect) = keyword_effect(k, ov, nv);
                    self.effect(location, &rule, or_null(ov), or_null(nv), effect, direction);
                }
            }
        }
        if !union_done {
            self.properties(o, n, location, direction);
        }
    }

    fn enumeration(
        &mut self,
        ov: Option<&Value>,
        nv: Option<&Value>,
        location: &str,
        direction: Direction,
    ) {
        match (ov.and_then(Value::as_array), nv.and_then(Value::as_array)) {
            (Some(a), Some(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.effect(
                        location,
                        "enum-value-removed",
                        v.clone(),
                        Value::Null,
                        Effect::Narrowed,
                        direction,
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    self.effect(
                        location,
                        "enum-value-added",
                        Value::Null,
                        v.clone(),
                        Effect::Widened,
                        direction,
                    );
                }
            }
            (None, Some(_)) => self.effect(
                location,
                "enum-added",
                Value::Null,
                or_null(nv),
                Effect::Narrowed,
                direction,
            ),
            (Some(_), None) => self.effect(
                location,
                "enum-removed",
                or_null(ov),
                Value::Null,
                Effect::Widened,
                direction,
            ),
            (None, None) => {}
        }
    }

    fn additional(
        &mut self,
        ov: Option<&Value>,
        nv: Option<&Value>,
        location: &str,
        direction: Direction,
    ) {
        let open = |v: Option<&Value>| v.map(|v| v.as_bool().unwrap_or(true)).unwrap_or(true);
        match (ov, nv) {
            (Some(a), Some(b)) if a.is_object() && b.is_object() => {
                self.schema(a, b, &format!("{location}.*"), direction)
            }
            _ if ov == nv => {}
            _ => {
                let effect = match (
                    open(ov),
                    open(nv),
                    ov.is_some_and(Value::is_object),
                    nv.is_some_and(Value::is_object),
                ) {
                    (true, false, _, _) => Effect::Narrowed,
                    (false, true, _, _) => Effect::Widened,
                    (_, _, false, true) => Effect::Narrowed,
                    (_, _, true, false) => Effect::Widened,
                    _ => Effect::Changed,
                };
                self.effect(
                    location,
                    "additional-properties-changed",
                    or_null(ov),
                    or_null(nv),
                    effect,
                    direction,
                );
            }
        }
    }

    fn properties(&mut self, o: &Flat, n: &Flat, location: &str, direction: Direction) {
        let props = |f: &Flat| -> BTreeMap<String, Value> {
            f.map
                .get("properties")
                .and_then(Value::as_object)
                .map(|m| m.clone().into_iter().collect())
                .unwrap_or_default()
        };
        let required = |f: &Flat| -> BTreeSet<String> {
            f.map
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (op, np) = (props(o), props(n));
        let (or, nr) = (required(o), required(n));
        let names: BTreeSet<&String> = op.keys().chain(np.keys()).collect();
        let s = side(direction);
        for name in names {
            let at = format!("{location}.{name}");
            match (op.get(name), np.get(name)) {
                (Some(_), None) => {
                    // Clients sent it, or read it: either way it is gone for them.
                    self.push(
                        &at,
                        &format!("{s}-property-removed"),
                        json!(name),
                        Value::Null,
                        Breaks::CLIENTS,
                    );
                }
                (None, Some(_)) => {
                    let is_required = nr.contains(name);
                    let (rule, breaks) = match (direction, is_required) {
                        (Direction::Request, true) => {
                            ("request-property-added-required", Breaks::BOTH)
                        }
                        // Servers must now accept and honour it.
                        (Direction::Request, false) => ("request-property-added", Breaks::SERVERS),
                        (Direction::Response, true) => {
                            ("response-property-added-required", Breaks::SERVERS)
                        }
                        (Direction::Response, false) => ("response-property-added", Breaks::NONE),
                    };
                    self.push(&at, rule, Value::Null, json!(name), breaks);
                }
                (Some(a), Some(b)) => {
                    match (or.contains(name), nr.contains(name)) {
                        (false, true) => self.effect(
                            &at,
                            "property-became-required",
                            json!(false),
                            json!(true),
                            Effect::Narrowed,
                            direction,
                        ),
                        (true, false) => self.effect(
                            &at,
                            "property-became-optional",
                            json!(true),
                            json!(false),
                            Effect::Widened,
                            direction,
                        ),
                        _ => {}
                    }
                    self.schema(a, b, &at, direction);
                }
                (None, None) => {}
            }
        }
    }
}

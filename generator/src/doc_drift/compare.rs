//! One documented operation against its spec operation: every parameter row, every body
//! and response field (recursively), the constraints the descriptions state, and the
//! status codes. A finding is explained by an `x-decision` or `x-errata` premise of its kind
//! and document value on the spec node it is about, or on an enclosing node (the object
//! holding a field, the operation) whose premise names the place structurally (`at`).

use crate::doc_drift::cells::DocType;
use crate::doc_drift::explain::{self, Candidates, Found};
use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::model::{DocOperation, Field};
use crate::doc_drift::rules::{stated, Stated};
use crate::doc_drift::schedule;
use crate::doc_drift::spec_view::{self, scalar_text, SpecOperation, View};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Which way the values travel: parameter and request values are sent by clients (closed
/// enums, defaults apply), response values by the service (open known values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Parameter,
    Request,
    Response,
}

/// Collects the findings of one operation.
pub struct Comparer<'a> {
    pub document: &'a str,
    pub op: &'a DocOperation,
    pub spec_op: &'a SpecOperation<'a>,
    pub findings: Vec<Finding>,
}

impl<'a> Comparer<'a> {
    /// A comparison of the section `op` of `document` with `spec_op`.
    pub fn new(document: &'a str, op: &'a DocOperation, spec_op: &'a SpecOperation<'a>) -> Self {
        Comparer { document, op, spec_op, findings: Vec::new() }
    }

    /// Records a finding, explained (or not) by `candidates`.
    fn push(
        &mut self,
        location: &str,
        kind: Kind,
        (document_value, spec_value): (Value, Value),
        pointer: Option<&str>,
        candidates: &Candidates,
    ) {
        let (explained_by, stale) =
            candidates.resolve(&self.spec_op.spec.file, self.found(), kind, &document_value);
        self.findings.push(Finding {
            document: self.document.to_owned(),
            operation: Some(self.spec_op.id.clone()),
            location: location.to_owned(),
            kind,
            document_value,
            spec_value,
            explained_by,
            section: Some(self.op.title.clone()),
            spec_pointer: pointer.map(|p| format!("spec/{}#{p}", self.spec_op.spec.file)),
            other_document: None,
            other_value: None,
            aspect: None,
            places: Vec::new(),
            stale,
        });
    }

    fn found(&self) -> Found<'a> {
        Found { document: self.document, section: Some(&self.op.title) }
    }

    /// The operation's explanations for the place `location` (`query.name`, `status.503`).
    fn operation_at(&self, location: &str) -> Candidates {
        Candidates::enclosing(explain::of(self.spec_op.node(), &self.spec_op.pointer), location)
    }

    /// Compares everything the section documents.
    pub fn run(mut self) -> Vec<Finding> {
        self.parameters();
        let op = self.op;
        for (fields, side, prefix) in [
            (&op.request_body, Side::Request, "body"),
            (&op.response_body, Side::Response, "response"),
        ] {
            let Some(fields) = fields else { continue };
            let view = match side {
                Side::Request => spec_view::request_body(self.spec_op),
                _ => spec_view::success_body(self.spec_op),
            };
            match view {
                Some(view) => self.fields(fields, &view, prefix, side),
                None => {
                    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                    let candidates = self.operation_at(prefix);
                    let pointer = self.spec_op.pointer.clone();
                    let values = (json!(names), Value::Null);
                    self.push(prefix, Kind::OnlyInDocument, values, Some(&pointer), &candidates);
                }
            }
        }
        self.statuses();
        self.findings
    }

    fn parameters(&mut self) {
        let spec_params = spec_view::parameters(self.spec_op);
        let security = spec_view::security_headers(self.spec_op.spec);
        let op = self.op;
        for dp in &op.parameters {
            let name = dp.field.name.as_str();
            if dp.location == "header" && security.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                // Credentials are security schemes, not parameters.
                continue;
            }
            let location = format!("{}.{name}", dp.location);
            let around = self.operation_at(&location);
            match spec_params.iter().find(|p| p.name == name && p.location == dp.location) {
                None => {
                    let pointer = self.spec_op.pointer.clone();
                    let values = (json!(dp.field.type_text), Value::Null);
                    self.push(&location, Kind::OnlyInDocument, values, Some(&pointer), &around);
                }
                Some(sp) => {
                    let candidates = Candidates::own(sp.view.explanations()).with(around);
                    if let Some(mandatory) = dp.field.mandatory {
                        if mandatory != sp.required {
                            let values = (json!(mandatory), json!(sp.required));
                            let pointer = sp.view.pointer().to_owned();
                            self.push(
                                &location,
                                Kind::Required,
                                values,
                                Some(&pointer),
                                &candidates,
                            );
                        }
                    }
                    self.value(&dp.field, &sp.view, &location, Side::Parameter, &candidates);
                }
            }
        }
        for sp in &spec_params {
            let documented =
                op.parameters.iter().any(|d| d.field.name == sp.name && d.location == sp.location);
            if !documented {
                let location = format!("{}.{}", sp.location, sp.name);
                let candidates =
                    Candidates::own(sp.view.explanations()).with(self.operation_at(&location));
                let values = (Value::Null, json!(type_summary(&sp.view)));
                let pointer = sp.view.pointer().to_owned();
                self.push(&location, Kind::OnlyInSpec, values, Some(&pointer), &candidates);
            }
        }
    }

    fn fields(&mut self, fields: &[Field], parent: &View<'a>, location: &str, side: Side) {
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let parent = parent.branch_for(&names);
        let props = parent.properties();
        let required = parent.required();
        let spec = self.spec_op.spec;
        let around = |name: &str| Candidates::enclosing(parent.explanations(), name);
        for f in fields {
            let at = format!("{location}.{}", f.name);
            match props.get(&f.name) {
                None => {
                    let values = (json!(f.type_text), Value::Null);
                    let pointer = parent.pointer().to_owned();
                    let candidates = around(&f.name);
                    self.push(&at, Kind::OnlyInDocument, values, Some(&pointer), &candidates);
                }
                Some((node, pointer)) => {
                    let view = View::new(spec, node, pointer.clone());
                    let candidates = Candidates::own(view.explanations()).with(around(&f.name));
                    if side == Side::Request {
                        if let Some(mandatory) = f.mandatory {
                            let is_required = required.contains(&f.name);
                            if mandatory != is_required {
                                let values = (json!(mandatory), json!(is_required));
                                self.push(&at, Kind::Required, values, Some(pointer), &candidates);
                            }
                        }
                    }
                    self.value(f, &view, &at, side, &candidates);
                }
            }
        }
        for (name, (node, pointer)) in &props {
            if !names.contains(&name.as_str()) {
                let view = View::new(spec, node, pointer.clone());
                let candidates = Candidates::own(view.explanations()).with(around(name));
                let values = (Value::Null, json!(type_summary(&view)));
                let at = format!("{location}.{name}");
                self.push(&at, Kind::OnlyInSpec, values, Some(pointer), &candidates);
            }
        }
    }

    /// Type, stated constraints and nested fields of one value. `candidates` are the
    /// explanations of its declaration and those of its holder for its name; the nodes of
    /// its items (a list) are added on the way down.
    fn value(
        &mut self,
        f: &Field,
        view: &View<'a>,
        location: &str,
        side: Side,
        candidates: &Candidates,
    ) {
        self.type_of(&f.ty, &f.type_text, view, location, candidates);
        let (mut ty, mut view, mut at) = (&f.ty, view.clone(), location.to_owned());
        let mut candidates = candidates.clone();
        loop {
            let spec_is_array = view.types().contains("array");
            match (ty, view.items()) {
                (DocType::Array(inner), Some(items)) => {
                    ty = inner;
                    view = items;
                    at.push_str("[]");
                }
                // A scalar documented where the spec takes a list of them (a repeatable
                // parameter): the stated values apply to the items.
                (_, Some(items)) if spec_is_array => {
                    view = items;
                    at.push_str("[]");
                }
                _ => break,
            }
            candidates = candidates.with(Candidates::own(view.explanations()));
        }
        let st = stated(&f.description, ty.json_type());
        self.stated(&st, &view, &at, side, &candidates);
        if f.description.contains("RRULE") || f.description.contains("iCalendar") {
            for rule in schedule::compare(&f.description, &view) {
                let pointer = view.pointer().to_owned();
                let values = (rule.document_value, rule.spec_value);
                self.push(&at, rule.kind, values, Some(&pointer), &candidates);
            }
        }
        if let Some(children) = &f.children {
            self.fields(children, &view, &at, side);
        }
    }

    fn type_of(
        &mut self,
        ty: &DocType,
        text: &str,
        view: &View<'a>,
        location: &str,
        candidates: &Candidates,
    ) {
        let Some(doc_type) = ty.json_type() else { return };
        let spec_types = view.types();
        let same = spec_types.len() == 1 && spec_types.contains(doc_type);
        if !same {
            let values = (json!(text), json!(type_summary(view)));
            let pointer = view.pointer().to_owned();
            self.push(location, Kind::Type, values, Some(&pointer), candidates);
            return;
        }
        if let (DocType::Array(inner), Some(items)) = (ty, view.items()) {
            if !matches!(**inner, DocType::Object(_)) {
                let candidates = candidates.clone().with(Candidates::own(items.explanations()));
                self.type_of(inner, text, &items, &format!("{location}[]"), &candidates);
            }
        }
    }

    fn stated(
        &mut self,
        st: &Stated,
        view: &View<'a>,
        location: &str,
        side: Side,
        candidates: &Candidates,
    ) {
        let pointer = view.pointer().to_owned();
        let mut found: Vec<(Kind, Value, Value)> = Vec::new();
        if let Some(doc_values) = &st.values {
            let spec_values = view.values(side == Side::Response);
            let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<String>>();
            if spec_values.as_deref().map(set) != Some(set(doc_values)) {
                found.push((Kind::EnumValues, json!(doc_values), json!(spec_values)));
            }
        }
        if let Some((doc_value, spec_value)) = length_or_range(st, view) {
            found.push((Kind::RangeOrLength, doc_value, spec_value));
        }
        if let Some((doc_value, spec_value)) = pattern_disagreement(st, view) {
            found.push((Kind::Pattern, doc_value, spec_value));
        }
        if side != Side::Response {
            // Response defaults describe what the service fills in; the spec keeps them in
            // descriptions (generated code would turn a missing value into the default).
            if let Some(d) = &st.default {
                let spec_default = view.get("default").map(scalar_text);
                if spec_default.as_deref() != Some(d.as_str()) {
                    found.push((Kind::Default, json!(d), json!(spec_default)));
                }
            }
        }
        let sort = view.get("x-sort");
        if let Some(keys) = &st.sort_keys {
            let spec_keys: Option<BTreeSet<String>> = sort
                .and_then(|s| s.get("keys"))
                .and_then(Value::as_array)
                .map(|k| k.iter().map(scalar_text).collect());
            if spec_keys != Some(keys.iter().cloned().collect()) {
                found.push((
                    Kind::EnumValues,
                    json!({"x-sort.keys": keys}),
                    json!({"x-sort.keys": spec_keys}),
                ));
            }
        }
        if let Some(direction) = &st.sort_direction {
            let spec_direction = sort.and_then(|s| s.get("default_direction")).map(scalar_text);
            if spec_direction.as_deref() != Some(direction.as_str()) {
                found.push((
                    Kind::Default,
                    json!({"x-sort.default_direction": direction}),
                    json!({"x-sort.default_direction": spec_direction}),
                ));
            }
        }
        if let (Some(max), Some(sort)) = (st.max_length, sort) {
            let spec_max = sort.get("max_length").and_then(Value::as_u64);
            if spec_max != Some(max) {
                found.push((
                    Kind::RangeOrLength,
                    json!({"x-sort.max_length": max}),
                    json!({"x-sort.max_length": spec_max}),
                ));
            }
        }
        for (kind, doc_value, spec_value) in found {
            self.push(location, kind, (doc_value, spec_value), Some(&pointer), candidates);
        }
    }

    fn statuses(&mut self) {
        if self.op.statuses.is_empty() {
            return;
        }
        let spec: BTreeSet<u16> = spec_view::statuses(self.spec_op).into_iter().collect();
        let doc: BTreeSet<u16> = self.op.statuses.iter().copied().collect();
        let pointer = format!("{}/responses", self.spec_op.pointer);
        for s in doc.difference(&spec) {
            let location = format!("status.{s}");
            let candidates = self.operation_at(&location);
            self.push(
                &location,
                Kind::OnlyInDocument,
                (json!(s), Value::Null),
                Some(&pointer),
                &candidates,
            );
        }
        for s in spec.difference(&doc) {
            let location = format!("status.{s}");
            // The response (often a shared component) may say why it is declared; the finding
            // names the response where it is declared, so that a shared one is one finding.
            let response = self.spec_op.node().pointer(&format!("/responses/{s}"));
            let view = response.map(|r| View::new(self.spec_op.spec, r, format!("{pointer}/{s}")));
            let own = view.as_ref().map(View::explanations).unwrap_or_default();
            let declared = view
                .as_ref()
                .and_then(|v| v.nodes.last().map(|(_, p)| p.clone()))
                .unwrap_or_else(|| pointer.clone());
            let candidates = Candidates::own(own).with(self.operation_at(&location));
            let values = (Value::Null, json!(s));
            self.push(&location, Kind::OnlyInSpec, values, Some(&declared), &candidates);
        }
    }
}

/// A short description of what a schema accepts, for reports: `string`, `integer | string`,
/// `array of object`, `any`.
pub fn type_summary(view: &View<'_>) -> String {
    let types: Vec<String> = view.types().into_iter().collect();
    if types.is_empty() {
        return "any".to_owned();
    }
    let mut text = types.join(" | ");
    if types == ["array"] {
        if let Some(items) = view.items() {
            text = format!("array of {}", type_summary(&items));
        }
    }
    text
}

/// Compares the stated bounds with the schema: `(document, spec)` when they differ. Only
/// the bounds the document states are compared. A numeric range stated for a string value
/// is checked against the pattern at its edges.
fn length_or_range(st: &Stated, view: &View<'_>) -> Option<(Value, Value)> {
    let get_u = |k: &str| view.get(k).and_then(Value::as_u64);
    let get_i = |k: &str| view.get(k).and_then(Value::as_i64);
    let mut doc = serde_json::Map::new();
    let mut spec = serde_json::Map::new();
    let mut differs = false;
    if let Some(min) = st.min_length {
        doc.insert("minLength".into(), json!(min));
        spec.insert("minLength".into(), json!(get_u("minLength")));
        differs |= get_u("minLength").unwrap_or(0) != min;
    }
    if let Some(max) = st.max_length {
        doc.insert("maxLength".into(), json!(max));
        spec.insert("maxLength".into(), json!(get_u("maxLength")));
        differs |= get_u("maxLength") != Some(max);
    }
    if st.minimum.is_some() || st.maximum.is_some() {
        let numeric = view.types().iter().any(|t| t == "integer" || t == "number");
        let pattern = view.get("pattern").and_then(Value::as_str);
        for (key, stated) in [("minimum", st.minimum), ("maximum", st.maximum)] {
            if let Some(n) = stated {
                doc.insert(key.into(), json!(n));
                spec.insert(key.into(), json!(get_i(key)));
                if numeric || pattern.is_none() {
                    differs |= get_i(key) != Some(n);
                }
            }
        }
        if let (false, Some(pattern)) = (numeric, pattern) {
            spec.insert("pattern".into(), json!(pattern));
            differs |= !pattern_fits(pattern, st.minimum, st.maximum);
        }
    }
    differs.then(|| (Value::Object(doc), Value::Object(spec)))
}

/// What the description says about the characters, the UUID form and example values, where
/// the schema's `pattern`, `format` or `enum` disagrees: `(document, spec)`.
fn pattern_disagreement(st: &Stated, view: &View<'_>) -> Option<(Value, Value)> {
    let pattern = view.get("pattern").and_then(Value::as_str);
    let format = view.get("format").and_then(Value::as_str);
    let re = pattern.and_then(|p| regex::Regex::new(p).ok());
    let min = view.get("minLength").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
    let accepts = |s: &str| re.as_ref().is_none_or(|r| r.is_match(s));
    let mut doc = serde_json::Map::new();
    let mut problems = Vec::new();
    if let Some(allowed) = &st.allowed_chars {
        doc.insert("allowed".into(), json!(allowed.iter().collect::<String>()));
        let refused: String =
            allowed.iter().filter(|c| !accepts(&c.to_string().repeat(min))).collect();
        // A character outside the set must be refused: try a few common ones.
        let let_through: String = ['!', '.', ' ', '@', '<']
            .into_iter()
            .filter(|c| !allowed.contains(c) && accepts(&format!("{}{c}", "a".repeat(min))))
            .collect();
        if pattern.is_none() {
            problems.push("no pattern".to_owned());
        } else {
            if !refused.is_empty() {
                problems.push(format!("refuses {refused:?}"));
            }
            if !let_through.is_empty() {
                problems.push(format!("accepts {let_through:?}"));
            }
        }
    }
    if !st.forbidden_chars.is_empty() {
        doc.insert("forbidden".into(), json!(st.forbidden_chars.iter().collect::<String>()));
        let through: String = st
            .forbidden_chars
            .iter()
            .filter(|c| pattern.is_none() || accepts(&format!("{}{c}", "a".repeat(min))))
            .collect();
        if !through.is_empty() {
            problems.push(format!("accepts {through:?}"));
        }
    }
    if st.uuid {
        doc.insert("format".into(), json!("uuid"));
        let sample = "6507cb66-90dc-4a12-a573-c9f3398f899d";
        let fits =
            format == Some("uuid") || (pattern.is_some() && accepts(sample) && !accepts("x"));
        if !fits {
            problems.push("not a UUID format".to_owned());
        }
    }
    let values = view.values(false);
    for example in &st.examples {
        let in_enum = values.as_ref().is_none_or(|v| v.contains(example));
        if !accepts(example) || !in_enum {
            doc.insert("example".into(), json!(example));
            problems.push(format!("refuses the example {example:?}"));
        }
    }
    if problems.is_empty() {
        return None;
    }
    let spec = json!({"pattern": pattern, "format": format, "problems": problems});
    Some((Value::Object(doc), spec))
}

/// True when `pattern` accepts the bounds and refuses the numbers just outside them.
fn pattern_fits(pattern: &str, minimum: Option<i64>, maximum: Option<i64>) -> bool {
    let Ok(re) = regex::Regex::new(pattern) else { return false };
    let accepts = |n: i64| re.is_match(&n.to_string());
    minimum.is_none_or(|m| accepts(m) && !accepts(m - 1))
        && maximum.is_none_or(|m| accepts(m) && !accepts(m + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stated_range_of_a_string_is_checked_against_its_pattern() {
        assert!(pattern_fits("^([1-9][0-9]?|100)$", Some(1), Some(100)));
        assert!(!pattern_fits("^([1-9][0-9]?|100)$", Some(1), Some(99)));
        assert!(!pattern_fits("^[0-9]+$", Some(1), Some(100)));
    }
}

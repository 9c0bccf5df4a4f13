//! Two documents describing the same operation (a newer page and the full reference):
//! where their parameter rows, fields, stated constraints and status codes disagree.

use crate::doc_drift::finding::{Finding, Kind};
use crate::doc_drift::model::{DocOperation, Field};
use crate::doc_drift::rules::{stated, Stated};
use serde_json::{json, Value};
use std::collections::BTreeSet;

struct Pair<'a> {
    a: (&'a str, &'a DocOperation),
    b: (&'a str, &'a DocOperation),
    operation: &'a str,
    out: Vec<Finding>,
}

impl Pair<'_> {
    fn push(&mut self, location: &str, aspect: &str, a: Value, b: Value) {
        self.out.push(Finding {
            document: self.a.0.to_owned(),
            operation: Some(self.operation.to_owned()),
            location: location.to_owned(),
            kind: Kind::DocumentsDisagree,
            document_value: a,
            spec_value: Value::Null,
            explained_by: None,
            section: Some(self.a.1.title.clone()),
            spec_pointer: None,
            other_document: Some(self.b.0.to_owned()),
            other_value: Some(b),
            aspect: Some(aspect.to_owned()),
            places: Vec::new(),
            stale: Vec::new(),
        });
    }

    /// Stated constraints are compared where both documents state one: a page that says
    /// nothing about a bound does not contradict one that does.
    fn stated(&mut self, location: &str, a: &Stated, b: &Stated) {
        fn both<T: PartialEq + Clone>(a: &Option<T>, b: &Option<T>) -> Option<(T, T)> {
            match (a, b) {
                (Some(x), Some(y)) if x != y => Some((x.clone(), y.clone())),
                _ => None,
            }
        }
        let set = |v: &Option<Vec<String>>| {
            v.as_ref().map(|v| v.iter().cloned().collect::<BTreeSet<_>>())
        };
        if let Some((x, y)) = both(&set(&a.values), &set(&b.values)) {
            self.push(location, "values", json!(x), json!(y));
        }
        for (aspect, x, y) in [
            ("minLength", a.min_length.map(|n| n as i64), b.min_length.map(|n| n as i64)),
            ("maxLength", a.max_length.map(|n| n as i64), b.max_length.map(|n| n as i64)),
            ("minimum", a.minimum, b.minimum),
            ("maximum", a.maximum, b.maximum),
        ] {
            if let Some((x, y)) = both(&x, &y) {
                self.push(location, aspect, json!(x), json!(y));
            }
        }
        if let Some((x, y)) = both(&a.default, &b.default) {
            self.push(location, "default", json!(x), json!(y));
        }
        if let Some((x, y)) = both(&set(&a.sort_keys), &set(&b.sort_keys)) {
            self.push(location, "sort keys", json!(x), json!(y));
        }
        if let Some((x, y)) = both(&a.sort_direction, &b.sort_direction) {
            self.push(location, "sort direction", json!(x), json!(y));
        }
    }

    fn field(&mut self, location: &str, a: &Field, b: &Field) {
        if a.ty.json_type() != b.ty.json_type()
            || a.ty.element().json_type() != b.ty.element().json_type()
        {
            self.push(location, "type", json!(a.type_text), json!(b.type_text));
        }
        if a.mandatory != b.mandatory {
            self.push(location, "required", json!(a.mandatory), json!(b.mandatory));
        }
        let sa = stated(&a.description, a.ty.element().json_type());
        let sb = stated(&b.description, b.ty.element().json_type());
        self.stated(location, &sa, &sb);
        if let (Some(ca), Some(cb)) = (&a.children, &b.children) {
            let at = if matches!(a.ty, crate::doc_drift::cells::DocType::Array(_)) {
                format!("{location}[]")
            } else {
                location.to_owned()
            };
            self.fields(&at, ca, cb);
        }
    }

    fn fields(&mut self, location: &str, a: &[Field], b: &[Field]) {
        for fa in a {
            let at = format!("{location}.{}", fa.name);
            match b.iter().find(|fb| fb.name == fa.name) {
                Some(fb) => self.field(&at, fa, fb),
                None => self.push(&at, "presence", json!(fa.type_text), Value::Null),
            }
        }
        for fb in b.iter().filter(|fb| !a.iter().any(|fa| fa.name == fb.name)) {
            self.push(
                &format!("{location}.{}", fb.name),
                "presence",
                Value::Null,
                json!(fb.type_text),
            );
        }
    }
}

/// Where two documents' sections for the same operation disagree. Findings are reported
/// against the first document, with the second as `other_document`.
pub fn compare(
    operation: &str,
    a: (&str, &DocOperation),
    b: (&str, &DocOperation),
) -> Vec<Finding> {
    let mut pair = Pair { a, b, operation, out: Vec::new() };
    let (oa, ob) = (a.1, b.1);
    for pa in &oa.parameters {
        let at = format!("{}.{}", pa.location, pa.field.name);
        match ob
            .parameters
            .iter()
            .find(|pb| pb.location == pa.location && pb.field.name == pa.field.name)
        {
            Some(pb) => pair.field(&at, &pa.field, &pb.field),
            None => pair.push(&at, "presence", json!(pa.field.type_text), Value::Null),
        }
    }
    for pb in &ob.parameters {
        if !oa
            .parameters
            .iter()
            .any(|pa| pa.location == pb.location && pa.field.name == pb.field.name)
        {
            pair.push(
                &format!("{}.{}", pb.location, pb.field.name),
                "presence",
                Value::Null,
                json!(pb.field.type_text),
            );
        }
    }
    for (prefix, fa, fb) in [
        ("body", &oa.request_body, &ob.request_body),
        ("response", &oa.response_body, &ob.response_body),
    ] {
        match (fa, fb) {
            (Some(fa), Some(fb)) => pair.fields(prefix, fa, fb),
            (None, None) => {}
            (fa, fb) => pair.push(prefix, "presence", json!(fa.is_some()), json!(fb.is_some())),
        }
    }
    let (sa, sb): (BTreeSet<u16>, BTreeSet<u16>) =
        (oa.statuses.iter().copied().collect(), ob.statuses.iter().copied().collect());
    if !sa.is_empty() && !sb.is_empty() {
        for s in sa.symmetric_difference(&sb) {
            pair.push(
                &format!("status.{s}"),
                "presence",
                json!(sa.contains(s)),
                json!(sb.contains(s)),
            );
        }
    }
    pair.out
}

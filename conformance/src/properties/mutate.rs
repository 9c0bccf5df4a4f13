//! The rules an input must follow, read from its schema, and for each a way to break it and
//! nothing else: a missing required field, a wrong type, too long or short, a pattern, a range,
//! an unknown enum value, a malformed RRULE, a bad sort, too many or too few or repeated items.

use super::schema::resolve;
use super::strings;
use csbs_spec::rules::{RruleRule, SortRule};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// A step into a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// What a mutation does to the value at its path.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    Remove,
    Set(Value),
    /// Repeat the first item until the array holds this many.
    Grow(usize),
}

/// One way to break one rule at one place.
pub struct Mutation {
    pub path: Vec<Seg>,
    /// The rule, named as the validator names it (`maxLength`, `pattern`, `x-rrule`...).
    pub rule: &'static str,
    /// What exactly is wrong, in words.
    pub what: String,
    pub edit: BoxedStrategy<Edit>,
}

/// The field name of a path: `policy.scheduled_operations[0].name`.
pub fn field(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn int(s: &Map<String, Value>, key: &str) -> Option<i64> {
    s.get(key).and_then(Value::as_i64)
}

fn set(v: Value) -> BoxedStrategy<Edit> {
    Just(Edit::Set(v)).boxed()
}

fn wrong_type(kind: &str) -> Value {
    match kind {
        "string" => json!(12345),
        "integer" | "number" => json!("not-a-number"),
        "boolean" => json!("yes"),
        "array" => json!({"not": "an array"}),
        _ => json!("not-an-object"),
    }
}

/// Every mutation of a value of `schema` found at `path` (required in its parent or not).
pub fn mutations(
    doc: &'static Value,
    schema: &Value,
    path: Vec<Seg>,
    required: bool,
    out: &mut Vec<Mutation>,
) {
    let s = resolve(doc, schema);
    if required && !path.is_empty() {
        out.push(Mutation {
            path: path.clone(),
            rule: "required",
            what: "a required field is missing".into(),
            edit: Just(Edit::Remove).boxed(),
        });
    }
    // Inside alternatives a broken field only breaks the alternative: not one rule.
    if s.contains_key("oneOf") || s.contains_key("anyOf") {
        return;
    }
    let Some(kind) = s.get("type").and_then(Value::as_str) else { return };
    let push =
        |out: &mut Vec<Mutation>, rule: &'static str, what: String, edit: BoxedStrategy<Edit>| {
            out.push(Mutation { path: path.clone(), rule, what, edit });
        };
    push(out, "type", format!("not a {kind}"), set(wrong_type(kind)));
    if let Some(values) = s.get("enum").and_then(Value::as_array) {
        let bogus = if kind == "string" { json!("not-a-documented-value") } else { json!(-987654) };
        if !values.contains(&bogus) {
            push(out, "enum", "not one of the enumerated values".into(), set(bogus));
        }
        // Enums are closed and compare exactly (CONVENTIONS): a documented value in another
        // letter case is the likeliest leniency of a real service.
        let recased = strings::other_case(values.iter().filter_map(Value::as_str), |v| {
            values.iter().any(|w| w.as_str() == Some(v))
        });
        if !recased.is_empty() {
            let edits = proptest::sample::select(recased).prop_map(|t| Edit::Set(Value::String(t)));
            push(out, "enum", "an enumerated value in another letter case".into(), edits.boxed());
        }
        return;
    }
    match kind {
        "string" => string_mutations(&s, &path, out),
        "integer" | "number" => {
            if let Some(min) = int(&s, "minimum") {
                push(out, "minimum", format!("below the minimum {min}"), set(json!(min - 1)));
            }
            if let Some(max) = int(&s, "maximum") {
                push(out, "maximum", format!("above the maximum {max}"), set(json!(max + 1)));
            }
        }
        "array" => {
            if let Some(min) = int(&s, "minItems").filter(|&m| m > 0) {
                push(out, "minItems", format!("fewer than {min} items"), set(json!([])));
            }
            if let Some(max) = int(&s, "maxItems") {
                push(
                    out,
                    "maxItems",
                    format!("more than {max} items"),
                    Just(Edit::Grow(max as usize + 1)).boxed(),
                );
            }
            if let Some(p) = s.get("x-unique-items-by").and_then(Value::as_str) {
                push(
                    out,
                    "x-unique-items-by",
                    format!("two items with the same {p}"),
                    Just(Edit::Grow(2)).boxed(),
                );
            }
            let mut item_path = path.clone();
            item_path.push(Seg::Index(0));
            mutations(doc, s.get("items").unwrap_or(&Value::Null), item_path, false, out);
        }
        "object" => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, prop) in s.get("properties").and_then(Value::as_object).into_iter().flatten()
            {
                let mut p = path.clone();
                p.push(Seg::Key(name.clone()));
                mutations(doc, prop, p, required.contains(&name.as_str()), out);
            }
        }
        _ => {}
    }
}

fn string_mutations(s: &Map<String, Value>, path: &[Seg], out: &mut Vec<Mutation>) {
    let push =
        |out: &mut Vec<Mutation>, rule: &'static str, what: String, edit: BoxedStrategy<Edit>| {
            out.push(Mutation { path: path.to_vec(), rule, what, edit });
        };
    let min = int(s, "minLength").unwrap_or(0).max(0) as usize;
    let max = int(s, "maxLength").map(|m| m as usize);
    let pattern = s.get("pattern").and_then(Value::as_str);
    if let Some(rule) = s.get("x-rrule").and_then(|v| RruleRule::from_extension(v).ok()) {
        let edits =
            strings::rrule_broken(rule).prop_map(|(text, _why)| Edit::Set(Value::String(text)));
        push(out, "x-rrule", "a malformed or out-of-range schedule".into(), edits.boxed());
        return;
    }
    if let Some(rule) = s.get("x-sort").and_then(|v| SortRule::from_extension(v).ok()) {
        let key = rule.keys.first().cloned().unwrap_or_default();
        let too_long = std::iter::repeat_n(key.as_str(), rule.max_length / key.len().max(1) + 1)
            .collect::<Vec<_>>()
            .join(",");
        push(
            out,
            "maxLength",
            format!("a sort longer than {}", rule.max_length),
            set(json!(too_long)),
        );
        let recased = strings::sort_recased(&rule);
        let edits =
            strings::sort_broken(rule).prop_map(|(text, _why)| Edit::Set(Value::String(text)));
        push(out, "pattern", "a sort with an unknown key or direction".into(), edits.boxed());
        if !recased.is_empty() {
            let edits = proptest::sample::select(recased).prop_map(|t| Edit::Set(Value::String(t)));
            let what = "a sort key or direction in another letter case";
            push(out, "pattern", what.into(), edits.boxed());
        }
        return;
    }
    if s.get("format").and_then(Value::as_str) == Some("service-datetime") {
        push(
            out,
            "format",
            "not a real calendar day (30 February)".into(),
            set(json!("2017-02-30T12:00:00")),
        );
        return;
    }
    if let Some(max) = max {
        let edits = strings::matching(pattern, max + 1, Some(max + 8))
            .prop_map(|t| Edit::Set(Value::String(t)));
        push(out, "maxLength", format!("longer than {max} characters"), edits.boxed());
    }
    if min > 0 {
        push(out, "minLength", format!("shorter than {min} characters"), set(json!("")));
    }
    if let Some(p) = pattern {
        let edits = strings::not_matching(p, min, max).prop_map(|t| Edit::Set(Value::String(t)));
        push(out, "pattern", format!("does not match {p}"), edits.boxed());
    }
}

/// Applies an edit to a copy of `base`; `None` when the path is not in the value.
pub fn apply(base: &Value, path: &[Seg], edit: &Edit) -> Option<Value> {
    if path.is_empty() {
        return match edit {
            Edit::Set(v) => Some(v.clone()),
            _ => None,
        };
    }
    let mut value = base.clone();
    let (last, parents) = path.split_last()?;
    let mut cursor = &mut value;
    for seg in parents {
        cursor = match seg {
            Seg::Key(k) => cursor.get_mut(k.as_str())?,
            Seg::Index(i) => cursor.get_mut(*i)?,
        };
    }
    match (edit, last) {
        (Edit::Remove, Seg::Key(k)) => {
            cursor.as_object_mut()?.remove(k)?;
        }
        (Edit::Remove, Seg::Index(i)) => {
            let list = cursor.as_array_mut()?;
            (*i < list.len()).then(|| list.remove(*i))?;
        }
        (Edit::Set(v), Seg::Key(k)) => {
            *cursor.get_mut(k.as_str())? = v.clone();
        }
        (Edit::Set(v), Seg::Index(i)) => {
            *cursor.get_mut(*i)? = v.clone();
        }
        (Edit::Grow(n), seg) => {
            let target = match seg {
                Seg::Key(k) => cursor.get_mut(k.as_str())?,
                Seg::Index(i) => cursor.get_mut(*i)?,
            };
            let list = target.as_array_mut()?;
            let first = list.first()?.clone();
            while list.len() < *n {
                list.push(first.clone());
            }
        }
    }
    Some(value)
}

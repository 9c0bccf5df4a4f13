//! A request's values by parameter name: path values as routed (borrowed from the path unless
//! percent-encoded), and typed values after validation. Small vectors searched in order: an
//! operation has a handful of parameters, and a map would cost every request its allocations.

use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Index;

/// Where validation reads path values from.
pub trait PathValues {
    fn path_value(&self, name: &str) -> Option<&str>;
}

impl PathValues for BTreeMap<String, String> {
    fn path_value(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// The path values [`crate::operations::route`] matched, percent-decoded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathParams<'p>(pub(crate) Vec<(&'static str, Cow<'p, str>)>);

impl PathParams<'_> {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_ref())
    }
}

impl PathValues for PathParams<'_> {
    fn path_value(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

/// Parameter values read as the JSON their schemas describe.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values<'c>(pub(crate) Vec<(&'c str, Value)>);

impl<'c> Values<'c> {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Every (name, value) pair, in the order validation read them.
    pub fn iter(&self) -> impl Iterator<Item = (&'c str, &Value)> + '_ {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub(crate) fn push(&mut self, name: &'c str, value: Value) {
        self.0.push((name, value));
    }
}

impl Index<&str> for Values<'_> {
    type Output = Value;

    /// `null` when absent, like indexing a JSON object.
    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_name_and_absent_ones_read_null() {
        let mut values = Values::default();
        values.push("limit", Value::from(5));
        values.push("sort", Value::from("name:asc"));
        assert_eq!(values.get("sort"), Some(&Value::from("name:asc")));
        assert_eq!(values["limit"], Value::from(5));
        assert_eq!(values["marker"], Value::Null);
    }

    #[test]
    fn path_params_read_like_a_map() {
        let params = PathParams(vec![
            ("project_id", Cow::Borrowed("p1")),
            ("id", Cow::Owned("a b".to_owned())),
        ]);
        assert_eq!(params.path_value("id"), Some("a b"));
        assert_eq!(params.get("project_id"), Some("p1"));
        assert_eq!(params.get("nope"), None);
    }
}

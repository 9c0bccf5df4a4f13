//! `x-filter`: which property of a list item a query parameter selects on, and how.

use super::expr::Expr;
use crate::document::deref;
use crate::{Location, Operation, Parameter};
use serde::Deserialize;
use serde_json::Value;
use std::cmp::Ordering;

/// How an item's property is compared with the parameter's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Match {
    /// The whole value is the parameter's (a repeated parameter: one of its values).
    Equals,
    /// The value contains the parameter's text (the documents' "fuzzy search").
    Contains,
    /// A time at or after the parameter's.
    AtLeast,
    /// A time at or before the parameter's.
    AtMost,
}

impl Match {
    /// The documents' word for the rule, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Match::Equals => "equals",
            Match::Contains => "contains",
            Match::AtLeast => "is at or after",
            Match::AtMost => "is at or before",
        }
    }

    /// True when `actual`, compared with the parameter's `wanted` value, follows the rule.
    /// Times are compared as instants (a time without a zone is UTC).
    pub fn accepts_text(self, actual: &str, wanted: &str) -> bool {
        match self {
            Match::Equals => actual == wanted,
            Match::Contains => actual.contains(wanted),
            Match::AtLeast | Match::AtMost => match (instant(actual), instant(wanted)) {
                (Some(a), Some(w)) => self.accepts_ordering(a.cmp(&w)),
                _ => false,
            },
        }
    }

    /// True when an item whose value compares `ordering` with the parameter's follows the rule.
    pub fn accepts_ordering(self, ordering: Ordering) -> bool {
        match self {
            Match::Equals => ordering == Ordering::Equal,
            Match::Contains => false,
            Match::AtLeast => ordering != Ordering::Less,
            Match::AtMost => ordering != Ordering::Greater,
        }
    }

    /// [`Match::accepts_text`] for a JSON value: numbers and booleans as their text; null and
    /// structures never match.
    pub fn accepts(self, actual: &Value, wanted: &str) -> bool {
        match actual {
            Value::String(s) => self.accepts_text(s, wanted),
            Value::Bool(_) | Value::Number(_) => self.accepts_text(&actual.to_string(), wanted),
            _ => false,
        }
    }
}

/// A time in one of the service's forms (`2017-04-18T01:21:52.701973`, `2017-03-07 09:31:08`,
/// `2018-02-01T12:00:00Z`, with an offset) as microseconds since the epoch, UTC: read by
/// `csbs_wire`, as the validator, the client and the mock read it.
pub use csbs_wire::instant_micros as instant;

/// What a filter parameter selects.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged, rename_all = "kebab-case")]
pub enum FilterRule {
    /// Items whose `property` (a JSON pointer into one item) follows `match`.
    Property {
        property: String,
        #[serde(rename = "match")]
        matches: Match,
    },
    /// Items made by a request of `operation` whose `value` is the parameter's (the items do
    /// not show it, the request that made them does).
    MadeBy {
        #[serde(rename = "made-by")]
        made_by: MadeBy,
    },
    /// A filter no answer lets a client check, and why.
    Unchecked { unchecked: String },
}

/// The request that made an item, for [`FilterRule::MadeBy`].
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MadeBy {
    pub operation: String,
    pub value: Expr,
}

/// A query parameter of a list or count and the rule it filters by.
#[derive(Clone, Debug)]
pub struct Filter {
    pub parameter: &'static Parameter,
    pub rule: FilterRule,
}

impl Filter {
    /// True when the parameter may be repeated (`status=a&status=b`, any of them).
    pub fn repeatable(&self, op: &Operation) -> bool {
        let schema = deref(op.service.document(), &self.parameter.schema);
        schema.get("type").and_then(Value::as_str) == Some("array")
    }
}

/// The filters of `op`: its query parameters with an `x-filter`, in document order.
pub fn filters(op: &'static Operation) -> Vec<Filter> {
    op.parameters
        .iter()
        .filter(|p| p.location == Location::Query)
        .filter_map(|p| {
            let value = p.extension("x-filter")?;
            Some(Filter { parameter: p, rule: super::typed(op, "x-filter", value) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_compare_text_and_times() {
        assert!(Match::Equals.accepts(&json!("available"), "available"));
        assert!(!Match::Equals.accepts(&json!("available-ish"), "available"));
        assert!(Match::Equals.accepts(&json!(true), "true"));
        assert!(Match::Contains.accepts(&json!("nightly-db"), "ly-d"));
        assert!(!Match::Contains.accepts(&Value::Null, ""));
        assert!(Match::AtLeast.accepts(&json!("2017-04-18T01:21:52.701973"), "2017-04-18T01:21:52"));
        assert!(!Match::AtMost.accepts(&json!("2017-04-18 01:21:53"), "2017-04-18T01:21:52.9"));
        assert!(Match::AtMost.accepts(&json!("2018-02-01T11:59:59"), "2018-02-01T12:00:00Z"));
        assert!(!Match::AtLeast.accepts(&json!("yesterday"), "2018-02-01T12:00:00Z"));
    }

    #[test]
    fn every_filter_of_the_documents_reads() {
        let all: Vec<(String, Filter)> = crate::operations::all_operations()
            .flat_map(|op| filters(op).into_iter().map(move |f| (op.id.clone(), f)))
            .collect();
        let find = |op: &str, name: &str| {
            all.iter()
                .find(|(o, f)| o == op && f.parameter.name == name)
                .map(|(_, f)| f.rule.clone())
        };
        let name = find("listBackups", "name");
        assert_eq!(
            name,
            Some(FilterRule::Property { property: "/name".into(), matches: Match::Contains })
        );
        assert!(matches!(find("countBackups", "policy_id"), Some(FilterRule::MadeBy { .. })));
        assert!(matches!(find("countBackups", "ip"), Some(FilterRule::Unchecked { .. })));
        assert!(matches!(find("listCbrBackups", "status"), Some(FilterRule::Property { .. })));
    }
}

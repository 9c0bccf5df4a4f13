//! Lists and counts: how a list pages (`x-pagination`), what a count counts (`x-count-of`),
//! the order without `sort` (`x-sort.default`), and what the quotas' `used` counts (`x-usage`).

use super::{operation_extension, success_response, typed};
use crate::rules::SortRule;
use crate::{Location, Operation};
use serde::Deserialize;

/// How a list pages (`x-pagination` on the operation). Names are query parameters, pointers
/// point into the answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Pagination {
    /// The array of items (`/policies`).
    pub items: String,
    /// Page size parameter.
    pub limit: String,
    /// The most items a page holds whatever `limit` asks (a larger `limit` is valid and
    /// answered with this many), when the service cuts pages (`max-limit`).
    #[serde(default, rename = "max-limit")]
    pub max_limit: Option<u64>,
    /// Parameter naming the last item of the previous page (by its `id`).
    pub marker: String,
    /// Parameter skipping that many items.
    #[serde(default)]
    pub offset: Option<String>,
    /// The `[{href, rel: next}]` links to the next page, when the answer has them.
    #[serde(default)]
    pub links: Option<String>,
    /// The number of items across every page (CBR `count`), when the answer has it.
    #[serde(default)]
    pub total: Option<String>,
}

/// How `op` pages, if it is a list.
pub fn pagination(op: &Operation) -> Option<Pagination> {
    operation_extension(op, "x-pagination").map(|v| typed(op, "x-pagination", v))
}

/// What a count counts (`x-count-of`): the items `operation` lists with the same filters,
/// across every page; the number is at `property` of the answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct CountOf {
    pub operation: String,
    pub property: String,
}

/// The list `op` counts, if it is a count.
pub fn count_of(op: &Operation) -> Option<CountOf> {
    operation_extension(op, "x-count-of").map(|v| typed(op, "x-count-of", v))
}

/// The order of a list without `sort` (`x-sort.default`, for example `created_at:desc`), read
/// with the grammar of the list's `sort` parameter.
pub fn sort_default(op: &Operation) -> Option<(SortRule, Vec<(String, crate::rules::Direction)>)> {
    let sort = op.parameter(Location::Query, "sort")?.extension("x-sort")?;
    let rule = SortRule::from_extension(sort).ok()?;
    let keys = rule.parse(rule.default.as_deref()?).ok()?;
    Some((rule, keys))
}

/// What one quota's `used` counts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum UsageKind {
    /// The number of items the operation lists.
    Counts { counts: String },
    /// The sum of a property of the items, in `unit`, converted to `quota-unit` and rounded
    /// up: the total is rounded, not each item (see [`Usage::sum`]).
    Sums {
        sums: String,
        unit: String,
        #[serde(rename = "quota-unit")]
        quota_unit: String,
    },
}

/// One row of `x-usage`: the quota `type` and what its `used` counts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Usage {
    #[serde(rename = "type")]
    pub quota_type: String,
    /// The list whose items are counted.
    pub operation: String,
    #[serde(flatten)]
    pub kind: UsageKind,
}

/// A summed `used` (`x-usage` `sums`) worked out from the items' values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sum {
    /// The items' total, in the row's `unit`.
    pub total: u64,
    /// The total converted to `quota-unit`, rounded up: what `used` must be.
    pub used: u64,
    /// True when the total is not a whole number of `quota-unit` (rounding up changed it).
    pub rounded: bool,
}

/// How many of the smallest unit (MB) one `unit` of `x-usage` is; `None` for a unit the
/// rule does not know.
fn megabytes(unit: &str) -> Option<u64> {
    match unit {
        "MB" => Some(1),
        "GB" => Some(1024),
        "TB" => Some(1024 * 1024),
        _ => None,
    }
}

impl Usage {
    /// `used` of a `sums` row for the items' `values` of its property (each in `unit`):
    /// their total converted to `quota-unit`, rounded up. `None` for a `counts` row or a
    /// unit [`megabytes`] does not know; saturates rather than overflows.
    pub fn sum(&self, values: impl IntoIterator<Item = u64>) -> Option<Sum> {
        let UsageKind::Sums { unit, quota_unit, .. } = &self.kind else { return None };
        let (from, to) = (megabytes(unit)?, megabytes(quota_unit)?);
        let total = values.into_iter().fold(0u64, u64::saturating_add);
        let small = total.saturating_mul(from);
        Some(Sum { total, used: small.div_ceil(to), rounded: !small.is_multiple_of(to) })
    }
}

/// What the quotas `op` shows count (`x-usage` on its success response).
pub fn usage(op: &Operation) -> Vec<Usage> {
    success_response(op)
        .and_then(|r| r.get("x-usage"))
        .map(|v| typed(op, "x-usage", v))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::find_operation;
    use crate::rules::Direction;

    #[test]
    fn lists_counts_and_quotas_read() {
        let list = find_operation("listBackups").unwrap();
        let paging = pagination(list).unwrap();
        assert_eq!(
            (paging.items.as_str(), paging.offset.as_deref()),
            ("/checkpoint_items", Some("offset"))
        );
        let cbr = pagination(find_operation("listCbrBackups").unwrap()).unwrap();
        assert_eq!(cbr.total.as_deref(), Some("/count"));
        let count = count_of(find_operation("countBackups").unwrap()).unwrap();
        assert_eq!(count.operation, "listBackups");
        let (_, keys) = sort_default(list).unwrap();
        assert_eq!(keys, vec![("created_at".to_owned(), Direction::Desc)]);
        let quotas = usage(find_operation("showQuotas").unwrap());
        assert_eq!(quotas.len(), 2);
        assert!(matches!(&quotas[1].kind, UsageKind::Sums { unit, .. } if unit == "MB"));
        // The total is rounded up, not each item: 1.5 GB + 1.5 GB is 3 GB.
        let sum = quotas[1].sum([1536, 1536]).unwrap();
        assert_eq!((sum.total, sum.used, sum.rounded), (3072, 3, false));
        let sum = quotas[1].sum([1536, 1]).unwrap();
        assert_eq!((sum.used, sum.rounded), (2, true));
        assert_eq!(quotas[0].sum([1]), None);
    }
}

//! What lists share: sort keys (read with the `x-sort` rule of the operation's `sort`
//! parameter), page size and offset, and the `next` link.

use super::call::Call;
use crate::errors::ApiError;
use crate::state::{Backup, Order, PageRequest, Policy, Sortable};
use csbs_spec::rules::{Direction, SortRule};
use csbs_spec::Location;
use serde::Serialize;
use serde_json::Value;
use std::cmp::Ordering;

/// Page size when `limit` is absent (the documented default of both documents).
pub const DEFAULT_LIMIT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKey {
    CreatedAt,
    UpdatedAt,
    Name,
    Status,
    ProtectedAt,
    Id,
}

impl BackupKey {
    pub fn parse(name: &str) -> Option<BackupKey> {
        Some(match name {
            "created_at" => BackupKey::CreatedAt,
            "updated_at" => BackupKey::UpdatedAt,
            "name" => BackupKey::Name,
            "status" => BackupKey::Status,
            "protected_at" => BackupKey::ProtectedAt,
            "id" => BackupKey::Id,
            _ => return None,
        })
    }
}

impl Sortable for Backup {
    type Key = BackupKey;
    fn cmp_key(&self, other: &Self, key: BackupKey, now: i64) -> Ordering {
        match key {
            BackupKey::CreatedAt => self.life.created_at.cmp(&other.life.created_at),
            BackupKey::UpdatedAt => self.life.updated_at(now).cmp(&other.life.updated_at(now)),
            BackupKey::Name => self.name.cmp(&other.name),
            BackupKey::Status => self.status(now).as_str().cmp(other.status(now).as_str()),
            BackupKey::ProtectedAt => {
                self.life.protected_at(now).cmp(&other.life.protected_at(now))
            }
            BackupKey::Id => self.id.cmp(&other.id),
        }
    }
    fn cmp_id(&self, other: &Self) -> Ordering {
        self.id.cmp(&other.id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKey {
    CreatedAt,
    Name,
    Status,
    Id,
}

impl PolicyKey {
    pub fn parse(name: &str) -> Option<PolicyKey> {
        Some(match name {
            "created_at" => PolicyKey::CreatedAt,
            "name" => PolicyKey::Name,
            "status" => PolicyKey::Status,
            "id" => PolicyKey::Id,
            _ => return None,
        })
    }
}

impl Sortable for Policy {
    type Key = PolicyKey;
    fn cmp_key(&self, other: &Self, key: PolicyKey, _: i64) -> Ordering {
        match key {
            PolicyKey::CreatedAt => self.created_at.cmp(&other.created_at),
            PolicyKey::Name => self.name.cmp(&other.name),
            PolicyKey::Status => self.status.cmp(&other.status),
            PolicyKey::Id => self.id.cmp(&other.id),
        }
    }
    fn cmp_id(&self, other: &Self) -> Ordering {
        self.id.cmp(&other.id)
    }
}

/// The [`ListQuery`] of a list operation's generated query type (`csbs_types::operations`),
/// whose fields of the same names it takes.
macro_rules! list_query {
    ($query:expr) => {
        $crate::handlers::listing::ListQuery {
            marker: $query.marker,
            sort: $query.sort,
            limit: $query.limit,
            offset: $query.offset,
        }
    };
}
pub(crate) use list_query;

/// What every list reads of its query, from the operation's generated query type
/// (`csbs_types::operations`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ListQuery<'q> {
    pub marker: Option<&'q str>,
    pub sort: Option<&'q str>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The order a list asks for: its `sort` read with the parameter's `x-sort` rule; newest
/// first without one.
pub fn order<K: Copy>(
    call: &Call<'_>,
    sort: Option<&str>,
    key_of: fn(&str) -> Option<K>,
    created_at: K,
) -> Result<Order<K>, ApiError> {
    let Some(text) = sort else {
        let keys: Vec<(K, Direction)> =
            default_order(call.op).iter().filter_map(|(k, d)| key_of(k).map(|k| (k, *d))).collect();
        let keys = if keys.is_empty() { vec![(created_at, Direction::Desc)] } else { keys };
        return Ok(Order { keys, now: call.now });
    };
    let invalid = |message: &str| {
        ApiError::invalid_field(call.op.service, "query.sort", "x-sort", message, Value::from(text))
    };
    let rule = call
        .op
        .parameter(Location::Query, "sort")
        .and_then(|p| p.extension("x-sort"))
        .ok_or_else(|| invalid("the operation declares no x-sort rule"))?;
    let rule = SortRule::from_extension(rule).map_err(|e| invalid(&e))?;
    let keys = rule.parse(text).map_err(|e| invalid(&e))?;
    let keys = keys.into_iter().filter_map(|(k, d)| key_of(&k).map(|k| (k, d))).collect();
    Ok(Order { keys, now: call.now })
}

/// The order of a list without `sort` (`x-sort.default` of the spec), read once per operation.
fn default_order(op: &'static csbs_spec::Operation) -> &'static [(String, Direction)] {
    static DEFAULTS: std::sync::OnceLock<foldhash::HashMap<String, Vec<(String, Direction)>>> =
        std::sync::OnceLock::new();
    let all = DEFAULTS.get_or_init(|| {
        csbs_spec::operations::all_operations()
            .filter_map(|op| Some((op.id.clone(), csbs_spec::behaviour::sort_default(op)?.1)))
            .collect()
    });
    all.get(&op.id).map_or(&[], Vec::as_slice)
}

/// `limit` and `offset` of a list (beyond the machine's range, they saturate); `limit` cut at
/// the list's `max-limit` (`x-pagination`), so that a page costs at most that many items
/// whatever is asked.
pub fn page(call: &Call<'_>, list: &ListQuery<'_>) -> PageRequest {
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let asked = list.limit.map_or(DEFAULT_LIMIT, size);
    PageRequest {
        limit: max_limit(call.op).map_or(asked, |max| asked.min(max)),
        offset: list.offset.map_or(0, size),
    }
}

/// The list's `max-limit`, read from the spec once per operation.
fn max_limit(op: &csbs_spec::Operation) -> Option<usize> {
    static MAX: std::sync::OnceLock<foldhash::HashMap<String, usize>> = std::sync::OnceLock::new();
    let all = MAX.get_or_init(|| {
        csbs_spec::operations::all_operations()
            .filter_map(|op| {
                let max = csbs_spec::behaviour::pagination(op)?.max_limit?;
                Some((op.id.clone(), usize::try_from(max).unwrap_or(usize::MAX)))
            })
            .collect()
    });
    all.get(&op.id).copied()
}

/// A pagination link (`policies_links`, `checkpoint_items_links`).
#[derive(Serialize)]
pub struct Link {
    href: String,
    rel: &'static str,
}

/// The link to the page after `last`: the same query, as sent, with `offset` dropped and
/// `marker` set.
pub fn next_link(call: &Call<'_>, more: bool, last: Option<String>) -> Option<Vec<Link>> {
    let last = last.filter(|_| more)?;
    let mut href =
        String::with_capacity(call.raw_path.len() + call.raw_query.len() + last.len() + 9);
    href.push_str(call.raw_path);
    href.push('?');
    for pair in call.raw_query.split('&').filter(|p| !p.is_empty()) {
        // Keys are compared decoded (`m%61rker` is `marker`); kept pairs are copied as sent.
        let key = form_urlencoded::parse(pair.as_bytes()).next().map(|(k, _)| k);
        if !key.is_some_and(|k| k == "marker" || k == "offset") {
            href.push_str(pair);
            href.push('&');
        }
    }
    href.push_str("marker=");
    href.extend(form_urlencoded::byte_serialize(last.as_bytes()));
    Some(vec![Link { href, rel: "next" }])
}

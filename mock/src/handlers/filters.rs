//! The query filters of backup lists and counts, as one predicate, read from the spec's
//! `x-filter` rules (`csbs_spec::behaviour`): which property of a listed item each parameter
//! selects on, and how (whole value, part of the text, a time bound). The runner checks the
//! same rules, so the two cannot disagree. This module only knows where each item property
//! lives in the mock's records ([`Attr`]).
//!
//! Filters the spec marks `unchecked` have the mock's own meaning: `ip`, `parent_id`,
//! `own_type=shared` and an enterprise project other than `0` or `all_granted_eps` match
//! nothing (the mock holds no such backups); `used_percent` compares a backup's size with a
//! vault capacity of [`VAULT_CAPACITY_GB`]; `dec`, `member_status` and `show_replication`
//! change nothing.

use super::call::Call;
use crate::clock::{self, Micros};
use crate::state::Backup;
use csbs_spec::behaviour::{filters, FilterRule, Match};
use csbs_spec::Operation;
use std::sync::OnceLock;

/// Capacity the mock gives every vault, for `used_percent`.
pub const VAULT_CAPACITY_GB: u64 = 100;

/// Where an item property of the documents lives in a backup record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    Status,
    Name,
    ResourceName,
    Az,
    ResourceId,
    ResourceType,
    ImageType,
    CheckpointId,
    PolicyId,
    VaultId,
    CreatedAt,
    Incremental,
    /// A property the mock's backups never have (a parent backup): matches nothing.
    Absent,
}

impl Attr {
    /// The attribute an `x-filter` property (a pointer into a CSBS or CBR list item) reads.
    pub fn of(pointer: &str) -> Option<Attr> {
        Some(match pointer {
            "/status" => Attr::Status,
            "/name" => Attr::Name,
            "/extend_info/resource_name" | "/resource_name" => Attr::ResourceName,
            "/extend_info/resource_az" | "/resource_az" => Attr::Az,
            "/resource_id" => Attr::ResourceId,
            "/resource_type" => Attr::ResourceType,
            "/extend_info/image_type" | "/image_type" => Attr::ImageType,
            "/checkpoint_id" => Attr::CheckpointId,
            "/vault_id" => Attr::VaultId,
            "/created_at" => Attr::CreatedAt,
            "/incremental" => Attr::Incremental,
            "/parent_id" => Attr::Absent,
            _ => return None,
        })
    }
}

/// One spec filter of an operation, resolved to the mock's records.
#[derive(Clone, Debug)]
struct Rule {
    parameter: &'static str,
    attr: Attr,
    how: Match,
}

/// The rules of every operation, read once.
fn rules(op: &'static Operation) -> &'static [Rule] {
    static RULES: OnceLock<foldhash::HashMap<String, Vec<Rule>>> = OnceLock::new();
    let all = RULES.get_or_init(|| {
        csbs_spec::operations::all_operations()
            .map(|op| {
                let rules = filters(op)
                    .into_iter()
                    .filter_map(|f| {
                        let (attr, how) = match &f.rule {
                            FilterRule::Property { property, matches } => {
                                (Attr::of(property)?, *matches)
                            }
                            FilterRule::MadeBy { .. } => (Attr::PolicyId, Match::Equals),
                            FilterRule::Unchecked { .. } => return None,
                        };
                        Some(Rule { parameter: f.parameter.name.as_str(), attr, how })
                    })
                    .collect();
                (op.id.clone(), rules)
            })
            .collect()
    });
    all.get(&op.id).map_or(&[], Vec::as_slice)
}

/// A rule with the request's values.
struct Active<'a> {
    rule: &'a Rule,
    values: Vec<&'a str>,
    /// For time bounds: the parsed bound (an unreadable one matches nothing).
    bound: Option<Micros>,
}

pub struct BackupFilter<'a> {
    active: Vec<Active<'a>>,
    /// Whose answers the times are compared as (see [`clock::as_shown`]).
    service: csbs_spec::Service,
    min_percent: Option<u64>,
    /// A filter no stored backup can match (an IP, another owner or enterprise project).
    nothing: bool,
}

impl<'a> BackupFilter<'a> {
    /// The filters `call` asks for, by its operation's `x-filter` rules.
    ///
    /// One pass over the query values the request has (a few), rather than a lookup for each
    /// of the operation's dozen filters: every list request pays for this.
    pub fn of(call: &'a Call<'a>) -> BackupFilter<'a> {
        let rules = rules(call.op);
        let mut filter = BackupFilter {
            active: Vec::new(),
            service: call.op.service,
            min_percent: None,
            nothing: false,
        };
        for (name, value) in call.query.iter() {
            let text = value.as_str();
            match name {
                "used_percent" => filter.min_percent = text.and_then(|p| p.parse().ok()),
                "ip" => filter.nothing |= text.is_some(),
                "own_type" => filter.nothing |= text == Some("shared"),
                "enterprise_project_id" => {
                    filter.nothing |= text.is_some_and(|e| e != "0" && e != "all_granted_eps")
                }
                _ => {}
            }
            for rule in rules.iter().filter(|r| r.parameter == name) {
                let values = csbs_types::params::texts(Some(value));
                let values = match (values.is_empty(), value.as_bool()) {
                    (true, Some(true)) => vec!["true"],
                    (true, Some(false)) => vec!["false"],
                    (true, None) => continue,
                    (false, _) => values,
                };
                let bound = values.first().and_then(|t| clock::filter_bound(t));
                filter.active.push(Active { rule, values, bound });
            }
        }
        filter
    }

    pub fn matches(&self, b: &Backup, now: Micros) -> bool {
        !self.nothing
            && self.min_percent.is_none_or(|p| {
                b.size_mb.saturating_mul(100) >= p.saturating_mul(VAULT_CAPACITY_GB * 1024)
            })
            && self.active.iter().all(|a| accepts(a, b, now, self.service))
    }
}

fn accepts(active: &Active<'_>, b: &Backup, now: Micros, service: csbs_spec::Service) -> bool {
    let how = active.rule.how;
    let text = |actual: &str| active.values.iter().any(|w| how.accepts_text(actual, w));
    match active.rule.attr {
        Attr::Status if service == csbs_spec::Service::Cbr => {
            text(crate::views::cbr::status(b, now))
        }
        Attr::Status => text(b.status(now).as_str()),
        Attr::Name => text(&b.name),
        Attr::ResourceName => text(&b.server.name),
        Attr::Az => text(&b.server.az),
        Attr::ResourceId => text(&b.server.id),
        Attr::ResourceType => text(&b.server.resource_type),
        Attr::ImageType => text("backup"),
        Attr::CheckpointId => text(&b.checkpoint.id.to_string()),
        Attr::PolicyId => b.checkpoint.policy_id.as_deref().is_some_and(text),
        Attr::VaultId => text(&b.checkpoint.vault.id),
        Attr::Incremental => text(if b.incremental { "true" } else { "false" }),
        Attr::CreatedAt => {
            active.bound.is_some_and(|bound| within(service, how, b.life.created_at, bound))
        }
        Attr::Absent => false,
    }
}

/// A time bound compares the time as `service` shows it (CBR: milliseconds), so that a bound
/// equal to the time a client was shown keeps the backup.
fn within(service: csbs_spec::Service, how: Match, created: Micros, bound: Micros) -> bool {
    how.accepts_ordering(clock::as_shown(service, created).cmp(&bound))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_compare_the_time_as_shown() {
        use csbs_spec::Service::{Cbr, Csbs};
        // Created at 25.000595 s: CBR shows 25.000, CSBS 25.000595.
        let (created, bound) = (25_000_595, 25_000_000);
        assert!(within(Cbr, Match::AtMost, created, bound));
        assert!(!within(Csbs, Match::AtMost, created, bound));
        assert!(within(Csbs, Match::AtLeast, created, bound));
        assert!(!within(Cbr, Match::AtMost, 25_001_000, bound));
    }

    #[test]
    fn every_checked_filter_of_the_spec_reads_a_property_the_mock_keeps() {
        for op in csbs_spec::operations::all_operations() {
            for f in filters(op) {
                if let FilterRule::Property { property, .. } = &f.rule {
                    assert!(
                        Attr::of(property).is_some(),
                        "{} {}: the mock does not know {property}",
                        op.id,
                        f.parameter.name
                    );
                }
            }
        }
        let list = csbs_spec::operations::find_operation("listBackups").unwrap();
        let names: Vec<&str> = rules(list).iter().map(|r| r.parameter).collect();
        assert!(
            names.contains(&"name")
                && names.contains(&"policy_id")
                && names.contains(&"start_time")
        );
    }
}

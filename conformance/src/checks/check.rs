//! The checks, named as Schemathesis users know them where Schemathesis has one. Each is one
//! row of [`checks!`]: its name, its part, what it needs allowed against a real endpoint
//! (`--allow-mutations`), the scenarios that judge it, and what a pass proves. The run's
//! dispatch (which scenarios run, which checks are skipped and why), `--checks`, the summary,
//! the reports, the CLI help and the README's table are all read from here.

use super::permission::Permission;
use super::scenario::Scenario;
use crate::options::Phase;
use serde::Serialize;
use std::fmt;

/// Declares [`Check`] and its registry from one table.
macro_rules! checks {
    ($($(#[$doc:meta])* $variant:ident => $name:literal, part: $part:ident, needs: $needs:ident,
        $(more: $more:ident,)? runs: [$($runs:ident),*], proves: $proves:literal;)*) => {
        /// One kind of check.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Check {
            $($(#[$doc])* $variant,)*
        }

        impl Check {
            /// Every check, in registry order.
            pub const ALL: &'static [Check] = &[$(Check::$variant,)*];

            /// The check's name in summaries, reports, `--checks` and `--help`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Check::$variant => $name,)*
                }
            }

            /// What a pass proves about the endpoint.
            pub fn proves(self) -> &'static str {
                match self {
                    $(Check::$variant => $proves,)*
                }
            }

            /// The part (`--only`) the check belongs to.
            pub fn part(self) -> Phase {
                match self {
                    $(Check::$variant => Phase::$part,)*
                }
            }

            /// What the check needs allowed against a real endpoint as a whole (`ReadOnly`:
            /// nothing; single requests it would send may still need more, and are skipped
            /// one by one, see [`Permission::of`]).
            pub fn needs(self) -> Permission {
                match self {
                    $(Check::$variant => Permission::$needs,)*
                }
            }

            /// What lets the check send every kind of request it has, when that is more than
            /// [`needs`](Check::needs): the steps that need it (a restore in the oracle's
            /// histories) are drawn only when the run allows it, and the check's note says
            /// which were left out.
            pub fn more(self) -> Option<Permission> {
                match self {
                    $(Check::$variant => None$(.or(Some(Permission::$more)))?,)*
                }
            }

            /// The scenarios that judge the check: a run that selects it dispatches them.
            pub fn runs(self) -> &'static [Scenario] {
                match self {
                    $(Check::$variant => &[$(Scenario::$runs),*],)*
                }
            }
        }
    };
}

checks! {
    /// A complete response arrived: no refused, reset or closed connection.
    ResponseReceived => "response_received", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every request got a complete HTTP response";
    /// The response arrived within the per-request timeout.
    MaxResponseTime => "max_response_time", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every response arrived within --timeout";
    /// The body fits the size cap.
    MaxResponseSize => "max_response_size", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every body fits --max-body";
    /// The status is not 5xx.
    NotAServerError => "not_a_server_error", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "no request was answered 5xx";
    /// The status is documented for the operation.
    StatusCodeConformance => "status_code_conformance", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every status is documented for its operation";
    /// The `Content-Type` is a media type documented for that status.
    ContentTypeConformance => "content_type_conformance", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every Content-Type is documented for its status";
    /// The headers documented for the status (`Retry-After` of a 429) validate against their
    /// schemas, also on the 429 answers waited out before a request was sent again.
    ResponseHeadersConformance => "response_headers_conformance", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every documented response header validates against its schema, on the 429 answers waited out too";
    /// The body validates against the documented schema for that status.
    ResponseSchemaConformance => "response_schema_conformance", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "every body validates against its documented schema";
    /// A documented example request (or a generated valid one) is answered with a documented 2xx.
    PositiveDataAcceptance => "positive_data_acceptance", part: Examples, needs: ReadOnly, runs: [ExampleReplay, GeneratedCases],
        proves: "requests that follow every rule are accepted (or meet a documented business error)";
    /// The body has the keys of the documented example response, recursively.
    ExampleStructure => "example_structure", part: Examples, needs: ReadOnly, runs: [ExampleReplay],
        proves: "answers have every key of the documented example answer";
    /// A request without a token, or with an invalid one, is answered 401.
    IgnoredAuth => "ignored_auth", part: Auth, needs: ReadOnly, runs: [AuthProbes],
        proves: "requests without valid credentials are refused 401";
    /// Every documented example validates against its schema (offline).
    ExampleValidity => "example_validity", part: Spec, needs: ReadOnly, runs: [SpecItems],
        proves: "every documented example validates against the spec (offline)";
    /// Every operation has documented examples (offline).
    ExampleCoverage => "example_coverage", part: Spec, needs: ReadOnly, runs: [SpecItems],
        proves: "every operation has documented examples (offline)";
    /// A generated request that breaks one rule is answered 400 with a documented error.
    NegativeDataRejection => "negative_data_rejection", part: Properties, needs: ReadOnly, runs: [GeneratedCases],
        proves: "a request breaking one rule is refused 400 with a documented error";
    /// A created object shows up in get, list and count.
    EnsureResourceAvailability => "ensure_resource_availability", part: Stateful, needs: Mutations, runs: [CreateAndDelete],
        proves: "a created object shows up in show, list and count";
    /// A deleted object answers 404 afterwards.
    UseAfterFree => "use_after_free", part: Stateful, needs: Mutations, runs: [CreateAndDelete],
        proves: "a deleted object answers 404 afterwards, and the list filtered by its name or record no longer lists it";
    /// Every item a filtered list returns matches the filter, and the matching objects are all there.
    FilterConformance => "filter_conformance", part: Behaviour, needs: ReadOnly, runs: [Filters],
        proves: "each documented filter returns only matching items (whole value, part of the name, time bounds) and all of them; an enum filter is tried with every value of its enum, a time bound at an item's exact time and a microsecond past (at-least) or before (at-most) it, and with one and three fraction digits (the documented 1–6) on either side of it; two filters at once (each alone selecting more) list only what both select, in either order";
    /// Every documented sort key and direction orders the items that way.
    SortConformance => "sort_conformance", part: Behaviour, needs: ReadOnly, runs: [Sorting],
        proves: "each documented sort key and direction, each key without a direction (x-sort default_direction), two keys (the second orders what the first ties; every key that can be second is tried), three keys (the third orders what the first two tie), and the default order, order the items";
    /// `limit` bounds a page; `marker` pages visit every item once; `offset` skips; past the end is empty.
    PaginationConformance => "pagination_conformance", part: Behaviour, needs: ReadOnly, runs: [Paging],
        proves: "limit bounds a page, marker pages visit every item once in order, offset skips, an offset past the end gives an empty page, the `next` link, followed as given, stays on the endpoint and the list's path, leads to the next page and is absent on the last; all of it also on a list with two filters (the link keeps them, an offset skips the selected items) and marker pages under a sort other than the default; without `limit` a page holds the documented default (listPolicies is first filled past 50 items when mutations are allowed, then emptied again)";
    /// A `limit` above the list's `x-pagination` `max-limit` is answered with at most that many.
    MaxLimitConformance => "max_limit_conformance", part: Behaviour, needs: ReadOnly, runs: [Paging],
        proves: "a limit above a list's max-limit (x-pagination) is accepted and answered with at most max-limit items, the first of the default order";
    /// A count equals the number of items the same filters list across all pages.
    CountConformance => "count_conformance", part: Behaviour, needs: ReadOnly, runs: [Filters, Paging],
        proves: "counts (countBackups, the CBR list's count) equal the items the same filters list, with two filters at once too, and a list's total is the same on a page and after an offset";
    /// A listed object reads the same in its show (`x-same` on the list's link).
    ListShowAgreement => "list_show_agreement", part: Behaviour, needs: ReadOnly, runs: [ListShow],
        proves: "each listed backup and policy reads the same as its show (every member both have, apart from the ones that change on their own)";
    /// What was written is what is read: create, update, protect and run echo their requests.
    ReadAfterWrite => "read_after_write", part: Behaviour, needs: Mutations, runs: [Writes],
        proves: "a create or update is what show and list return (a description with surrounding white space and every character class the schema allows, echoed exactly), and what an update does not send is kept, also inside what it sends (a scheduled operation's enabled, operation_definition members); a protect backs up the requested server with the given name; a policy run backs up the policy's servers";
    /// A provoked domain error answers its documented code with the table's status.
    DomainErrorConformance => "domain_error_conformance", part: Behaviour, needs: ReadOnly, runs: [DomainErrors],
        proves: "unknown IDs (read-only), and with --allow-mutations bound servers, busy backups and bad restore mappings, answer the documented code and status (duplicate names: duplicate_name_rejection)";
    /// Another project's path, or an admin-only parameter without admin rights, answers 403.
    ProjectIsolation => "project_isolation", part: Behaviour, needs: ReadOnly, runs: [Isolation],
        proves: "the credential cannot read another project's path, nor use all_tenants without admin rights (403); with a second project (--other-token), what only that project holds (with --allow-mutations: a policy and a backup record it makes) is not found by ID on this project's path, and filters naming it list and count nothing; the second credential on this project's path is refused 403 whatever it names (an unknown ID, and with --allow-mutations this project's objects, changes included), and what it is refused changes nothing";
    /// The quotas' `used` grows by the backups stored and falls back when they are deleted;
    /// summed ones are exactly the listed total, rounded up (`x-usage`).
    QuotaUsage => "quota_usage", part: Behaviour, needs: Mutations, runs: [Lifecycle],
        proves: "the quotas' used count grows by the backups stored and falls back after deletion, and equals what the list shows; the capacity used is exactly the listed backups' total size rounded up to GB (`x-usage`) before, after a backup and after its deletion (a total of whole GB is a skip: rounding not exercised)";
    /// A backup goes protecting to available, deleting to gone; a second delete is refused;
    /// the CBR view shows it as its CSBS view does (`x-view-of`).
    LifecycleConformance => "lifecycle_conformance", part: Behaviour, needs: Mutations, more: Restores, runs: [Lifecycle],
        proves: "a new backup becomes available within --wait, a deleted one goes deleting then gone, and deleting it again meanwhile is a documented 4xx; a settled backup can be restored, and again once that settled; the CBR list shows the backup with the status `x-view-of` maps its CSBS status to (after the protect, after each restore, and not at all once deleted)";
    /// A name another policy has is refused on create and on rename (`x-domain-errors`).
    DuplicateNameRejection => "duplicate_name_rejection", part: Behaviour, needs: Mutations, runs: [Names],
        proves: "creating or renaming a policy with a name another policy has (from its creation or a rename) is refused with the documented code; a rename to the policy's own name is accepted";
    /// An update that drops a server, or the deletion of its policy, releases it (`x-binding`).
    BindingRelease => "binding_release", part: Behaviour, needs: Mutations, runs: [Bindings],
        proves: "a server an update drops, or whose policy is deleted, can be bound to another policy";
    /// The capability check tells bound servers from free ones (`x-protectable`).
    CapabilityConformance => "capability_conformance", part: Behaviour, needs: Mutations, runs: [Bindings],
        proves: "checkResourceCapabilities answers false with the binding's code for a server a policy holds, and true for one released";
    /// A policy run backs up exactly the servers it names, or all of the policy's (`x-subset`).
    PolicyRunScope => "policy_run_scope", part: Behaviour, needs: Mutations, runs: [RunScope],
        proves: "executePolicy backs up exactly the servers parameters.resources names (not all, not only the first), and all of the policy's without it or with an empty list (x-subset none-chosen)";
    /// What a policy's runs keep (`x-retention`, `x-overrides`).
    RetentionConformance => "retention_conformance", part: Behaviour, needs: Mutations, runs: [Retention],
        proves: "after a policy run each server keeps only the newest max_backups of the policy's backups, and permanent true keeps them all";
    /// `deleteCheckpoint` deletes the backup named, or the whole record (`x-subset`);
    /// `deletePolicy` deletes the policy alone (`x-leaves`).
    DeletionScope => "deletion_scope", part: Behaviour, needs: Mutations, runs: [Deletion],
        proves: "deleteCheckpoint with checkpoint_items deletes only that backup of the record, and without it every backup; deletePolicy leaves the backups the policy made";
    /// A server's first backup is full, whatever the protect asked (`x-first-backup`).
    FirstBackupFull => "first_backup_full", part: Behaviour, needs: Mutations, runs: [FirstBackup],
        proves: "a server's first backup, asked incremental, is full in every view that shows it (x-first-backup); a server with no backup is one the run was given, freed only of backups the run made";
    /// Random histories answer as the reference model answers them, where the documents decide.
    ModelConformance => "model_conformance", part: Model, needs: Mutations, more: Restores, runs: [ModelHistories],
        proves: "random histories of creates, updates, deletes, backups, runs, restores and reads (filters with time bounds, sorts, pages, counts, quotas, both capability checks, the CBR views), some sent at once, answer as the reference model does wherever the documents decide: status and code, echoed members, list membership and order, counts, settled statuses, quota usage, bindings, deleted objects gone by ID, isolation from a second project";
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Check {
    type Err = String;

    /// A check by its registry name; an unknown name is an error naming the nearest check
    /// (a likely typo) and listing the names.
    fn from_str(name: &str) -> Result<Check, String> {
        Check::ALL.iter().copied().find(|c| c.name() == name.trim()).ok_or_else(|| {
            let names: Vec<&str> = Check::ALL.iter().map(|c| c.name()).collect();
            let near = crate::names::did_you_mean(name, &names);
            format!("unknown check `{name}`; {near}the checks are {}", names.join(", "))
        })
    }
}

/// Why a check failed: the rule broken (a schema keyword, a status, a header) and what was seen.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Failure {
    pub rule: String,
    pub message: String,
}

impl Failure {
    pub fn new(rule: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure { rule: rule.into(), message: message.into() }
    }
}

/// The verdict of one check on one exchange (or one spec item).
pub type Verdict = Result<(), Failure>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_documented() {
        let mut names: Vec<&str> = Check::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Check::ALL.len());
        for check in Check::ALL {
            assert!(check.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(!check.proves().is_empty());
            let serialized = serde_json::to_value(check).unwrap();
            assert_eq!(
                serialized,
                check.name(),
                "the JSON report names checks as the summary does"
            );
        }
    }

    #[test]
    fn a_check_is_read_by_its_name_and_a_typo_names_the_nearest() {
        assert_eq!(" use_after_free".parse::<Check>(), Ok(Check::UseAfterFree));
        let text = "filter_conformnce".parse::<Check>().unwrap_err();
        assert!(text.starts_with("unknown check `filter_conformnce`; did you mean filter_conformance? the checks are response_received,"), "{text}");
        let text = "filters".parse::<Check>().unwrap_err();
        assert!(!text.contains("did you mean") && text.contains("use_after_free"), "{text}");
        let text = "behavior".parse::<Phase>().unwrap_err();
        assert!(text.contains("did you mean behaviour?"), "{text}");
    }
}

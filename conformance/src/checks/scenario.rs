//! The scenarios of a run: what sends the requests the checks judge. Each check's row in the
//! registry ([`Check::runs`](super::Check::runs)) names the scenarios that judge it; a run
//! dispatches the scenarios of the checks it selects, in this order, each in its part.

use crate::options::Phase;
use serde::Serialize;
use std::fmt;

/// One scenario: a unit of work of one part, judging one or more checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Offline checks of the spec's examples.
    SpecItems,
    /// Each read-only operation without credentials, and with invalid ones.
    AuthProbes,
    /// Each documented example request, replayed.
    ExampleReplay,
    /// Generated requests, valid and invalid (proptest).
    GeneratedCases,
    /// A server's first backup (before `Writes`: what it deletes to free a server is only
    /// what the earlier parts made).
    FirstBackup,
    /// The run's policies and backups, written and read back: the objects the other behaviour
    /// scenarios judge.
    Writes,
    /// Each documented list filter.
    Filters,
    /// Each documented sort key and direction.
    Sorting,
    /// `limit`, `marker`, `offset` and the counts of whole lists.
    Paging,
    /// Each listed object against its show.
    ListShow,
    /// Each documented domain error, provoked.
    DomainErrors,
    /// Another project's path, and admin-only parameters.
    Isolation,
    /// Names other policies have, on create and on rename.
    Names,
    /// Servers released by an update or a deletion, and what the capability check says of
    /// them; afterwards the run's first policy holds every server.
    Bindings,
    /// Runs of that policy naming all, some or none of its servers.
    RunScope,
    /// What its runs keep (`max_backups`, `permanent`).
    Retention,
    /// A backup of a record deleted by name, then the whole record.
    Deletion,
    /// One backup through its life, and the quotas it moves.
    Lifecycle,
    /// Created objects are found everywhere, deleted ones nowhere.
    CreateAndDelete,
    /// Random histories on the endpoint and on the reference model, compared.
    ModelHistories,
}

impl Scenario {
    /// Every scenario, in the order a run dispatches them.
    pub const ALL: [Scenario; 20] = [
        Scenario::SpecItems,
        Scenario::AuthProbes,
        Scenario::ExampleReplay,
        Scenario::GeneratedCases,
        Scenario::FirstBackup,
        Scenario::Writes,
        Scenario::Filters,
        Scenario::Sorting,
        Scenario::Paging,
        Scenario::ListShow,
        Scenario::DomainErrors,
        Scenario::Isolation,
        Scenario::Names,
        Scenario::Bindings,
        Scenario::RunScope,
        Scenario::Retention,
        Scenario::Deletion,
        Scenario::Lifecycle,
        Scenario::CreateAndDelete,
        Scenario::ModelHistories,
    ];

    /// The part (`--only`) the scenario belongs to.
    pub fn part(self) -> Phase {
        match self {
            Scenario::SpecItems => Phase::Spec,
            Scenario::AuthProbes => Phase::Auth,
            Scenario::ExampleReplay => Phase::Examples,
            Scenario::GeneratedCases => Phase::Properties,
            Scenario::CreateAndDelete => Phase::Stateful,
            Scenario::ModelHistories => Phase::Model,
            _ => Phase::Behaviour,
        }
    }

    /// Scenarios whose objects this one works on: they run first (their verdicts count only
    /// for checks the run selects). The filters and domain errors judge the objects the
    /// behaviour part wrote; the families after `Bindings` judge the policy it leaves holding
    /// every server (each lists all it needs: the plan adds one level).
    pub fn needs(self) -> &'static [Scenario] {
        match self {
            Scenario::Filters | Scenario::DomainErrors | Scenario::Names | Scenario::Bindings => {
                &[Scenario::Writes]
            }
            Scenario::RunScope | Scenario::Retention | Scenario::Deletion => {
                &[Scenario::Writes, Scenario::Bindings]
            }
            _ => &[],
        }
    }

    /// The scenario's name in notes and skips.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::SpecItems => "spec items",
            Scenario::AuthProbes => "auth probes",
            Scenario::ExampleReplay => "example replay",
            Scenario::GeneratedCases => "generated cases",
            Scenario::FirstBackup => "first backup",
            Scenario::Writes => "writes",
            Scenario::Filters => "filters",
            Scenario::Sorting => "sorting",
            Scenario::Paging => "paging",
            Scenario::ListShow => "list and show",
            Scenario::DomainErrors => "domain errors",
            Scenario::Isolation => "isolation",
            Scenario::Names => "names",
            Scenario::Bindings => "bindings",
            Scenario::RunScope => "run scope",
            Scenario::Retention => "retention",
            Scenario::Deletion => "deletion",
            Scenario::Lifecycle => "lifecycle",
            Scenario::CreateAndDelete => "create and delete",
            Scenario::ModelHistories => "model histories",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

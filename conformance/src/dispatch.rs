//! The run's dispatch, read from the check registry: the checks the run selects (`--checks`,
//! `--exclude-checks`, `--only`) name the scenarios that judge them (`Check::runs`); a check
//! that needs more than the run allows (`Check::needs`) is skipped once, naming itself, and
//! its scenarios run only for the selected checks that are allowed. The scenarios then run in
//! registry order, after the ones they work on (`Scenario::needs`).

use crate::checks::{Check, Permission, Scenario};
use crate::options::RunOptions;
use crate::session::Session;
use crate::{auth, behaviour, model, properties, replay, spec_checks, stateful};
use std::collections::BTreeSet;

/// What a run will do: its scenarios, in order, and the selected checks it cannot run.
#[derive(Debug, PartialEq)]
pub(crate) struct Plan {
    pub scenarios: Vec<Scenario>,
    /// Selected checks that need more than the run allows.
    pub refused: Vec<Check>,
}

/// The plan of a run with `options` that may do what `allowed` says.
pub(crate) fn plan(options: &RunOptions, allowed: Permission) -> Plan {
    let mut wanted: BTreeSet<Scenario> = BTreeSet::new();
    let mut refused = Vec::new();
    for check in options.selected_checks() {
        let mut scenarios = check.runs().iter().filter(|s| options.runs(s.part())).peekable();
        if scenarios.peek().is_none() {
            continue;
        }
        if check.needs() > allowed {
            refused.push(check);
            continue;
        }
        wanted.extend(scenarios);
    }
    let needed: Vec<Scenario> = wanted.iter().flat_map(|s| s.needs()).copied().collect();
    wanted.extend(needed.into_iter().filter(|n| options.runs(n.part()) && permitted(*n, allowed)));
    Plan { scenarios: wanted.into_iter().collect(), refused }
}

/// True when some check judged by `scenario` is allowed (the scenario may then run).
fn permitted(scenario: Scenario, allowed: Permission) -> bool {
    Check::ALL.iter().any(|c| c.runs().contains(&scenario) && c.needs() <= allowed)
}

/// Runs the plan: skips the refused checks, then each scenario.
pub(crate) async fn run(session: &mut Session, options: &RunOptions, plan: &Plan) {
    for check in &plan.refused {
        let why = check.needs().refusal();
        session.recorder.skip(*check, check.part().name(), check.name(), why);
    }
    let mut part = None;
    for scenario in &plan.scenarios {
        if part != Some(scenario.part()) {
            part = Some(scenario.part());
            session.progress().part(scenario.part().name());
        }
        session.progress().say(scenario.name());
        match scenario {
            Scenario::SpecItems => spec_checks::run(&mut session.recorder),
            Scenario::AuthProbes => auth::run(session).await,
            Scenario::ExampleReplay => replay::run(session).await,
            Scenario::GeneratedCases => properties::run(session, &options.properties).await,
            Scenario::CreateAndDelete => stateful::run(session).await,
            Scenario::ModelHistories => {
                model::run(session, &options.model, options.properties.seed).await
            }
            behaviour => behaviour::run(session, *behaviour).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Phase;

    fn options(checks: &[Check], exclude: &[Check], only: &[Phase]) -> RunOptions {
        RunOptions {
            checks: checks.to_vec(),
            exclude_checks: exclude.to_vec(),
            only: only.to_vec(),
            ..RunOptions::default()
        }
    }

    #[test]
    fn a_whole_run_dispatches_every_scenario_once_in_order() {
        let plan = super::plan(&options(&[], &[], &[]), Permission::Restores);
        assert_eq!(plan.scenarios, Scenario::ALL.to_vec());
        assert!(plan.refused.is_empty());
    }

    #[test]
    fn a_read_only_run_skips_the_checks_that_mutate_and_their_scenarios() {
        let plan = super::plan(&options(&[], &[], &[]), Permission::ReadOnly);
        let mutating: Vec<Check> =
            Check::ALL.iter().copied().filter(|c| c.needs() == Permission::Mutations).collect();
        assert_eq!(plan.refused, mutating);
        for gone in [Scenario::Writes, Scenario::Lifecycle, Scenario::CreateAndDelete] {
            assert!(!plan.scenarios.contains(&gone), "{gone} ran read-only");
        }
        assert!(plan.scenarios.contains(&Scenario::Filters));
    }

    #[test]
    fn a_selected_check_runs_its_scenarios_and_what_they_work_on() {
        let plan =
            super::plan(&options(&[Check::CountConformance], &[], &[]), Permission::Mutations);
        let wanted = vec![Scenario::Writes, Scenario::Filters, Scenario::Paging];
        assert_eq!(plan.scenarios, wanted);
        let plan = plan_read_only(&[Check::FilterConformance]);
        assert_eq!(plan.scenarios, vec![Scenario::Filters], "no writes without mutations");
        let plan = super::plan(
            &options(&[], &[Check::NegativeDataRejection], &[Phase::Properties]),
            Permission::Restores,
        );
        assert_eq!(plan.scenarios, vec![Scenario::GeneratedCases]);
        let plan = super::plan(
            &options(&[Check::SortConformance], &[], &[Phase::Stateful]),
            Permission::Restores,
        );
        assert!(plan.scenarios.is_empty() && plan.refused.is_empty());
    }

    #[test]
    fn a_family_runs_after_the_bindings_it_works_on() {
        let plan = super::plan(&options(&[Check::DeletionScope], &[], &[]), Permission::Mutations);
        let wanted = vec![Scenario::Writes, Scenario::Bindings, Scenario::Deletion];
        assert_eq!(plan.scenarios, wanted);
        assert_eq!(
            plan_read_only(&[Check::RetentionConformance]).refused,
            [Check::RetentionConformance]
        );
    }

    fn plan_read_only(checks: &[Check]) -> Plan {
        super::plan(&options(checks, &[], &[]), Permission::ReadOnly)
    }
}

//! `policy_run_scope`: a policy run backs up exactly the servers its `parameters.resources`
//! names, and all of the policy's servers when it names none (`x-subset` of
//! `executePolicy`). Four runs of a policy of two servers: none named, by no list and by an
//! empty one (both), the second alone (not all, not the first), both in reverse order (not
//! only the first named); one at a time.

use super::records::{backs_up, run_policy, Run};
use super::writes::Policy;
use crate::checks::Check;
use crate::session::Session;
use csbs_spec::behaviour::{subset, NoneChosen};
use csbs_spec::operations::find_operation;

/// Runs `policy` in each way and judges what each run backed up; the settled runs, oldest
/// first.
pub async fn run(session: &mut Session, policy: &Policy) -> Vec<Run> {
    let servers = policy.servers.clone();
    // None named is either no list or an empty one (`x-subset` none-chosen).
    let mut cases: Vec<(String, Option<Vec<String>>)> = vec![
        ("names no server".into(), None),
        ("names an empty list of servers".into(), Some(Vec::new())),
    ];
    match servers.as_slice() {
        [only] => {
            cases.push(("names its one server".into(), Some(vec![only.clone()])));
            let why = "too little to judge: a run of some of a policy's servers needs two servers (--server-id twice)";
            session.recorder.skip(
                Check::PolicyRunScope,
                "executePolicy",
                "policy_run_scope: names one of two servers",
                why,
            );
        }
        [_, .., last] => {
            cases.push(("names its last server only".into(), Some(vec![last.clone()])));
            let reversed: Vec<String> = servers.iter().rev().cloned().collect();
            cases.push(("names all its servers, last first".into(), Some(reversed)));
        }
        [] => {
            let why = "needs a policy of this run with servers (--server-id)";
            session.recorder.skip(Check::PolicyRunScope, "executePolicy", "policy_run_scope", why);
            return Vec::new();
        }
    }
    let Some(none_chosen) = find_operation("executePolicy").and_then(subset).map(|s| s.none_chosen)
    else {
        return Vec::new();
    };
    // One run at a time: with max_backups, a later run's retention may delete an earlier
    // run's backups before they are seen (overlapping them waited forever on the mock binary).
    let mut runs = Vec::new();
    for (what, chosen) in cases {
        let case = format!("policy_run_scope: a run that {what}");
        let Some(run) =
            run_policy(session, &policy.id, chosen.as_deref(), Check::PolicyRunScope, &case).await
        else {
            continue;
        };
        let wanted = match chosen.filter(|c| !c.is_empty()) {
            Some(chosen) => chosen,
            None => match none_chosen {
                NoneChosen::All => servers.clone(),
            },
        };
        let verdict = backs_up(&policy.id, &run.items, &wanted, "x-subset");
        session.judge(Check::PolicyRunScope, &run.answer, &case, verdict);
        runs.push(run);
    }
    runs
}

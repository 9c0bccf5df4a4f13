//! Shrinking a failing history. Every candidate is one run against the endpoint (its waits
//! and its cleanup included), so the candidates are few and chosen by what a history is:
//! steps after the one that differs were never sent and are cut for free; then chunks of
//! steps are removed, halves first, down to single steps (delta debugging), the step that
//! differs always kept last. Once no step can be dropped, each step is simplified inside
//! (`simplify`): steps sent at once are tried one alone and one after the other, body members
//! the spec does not require are left out, lists of servers get fewer elements, reads lose
//! their filters, sort keys and paging; then the pool of names and descriptions is cut to its
//! shortest. Whatever that simplified, steps are tried to be dropped again, to a fixpoint.
//! A candidate counts only when it differs on the same comparison at the same kind of step
//! (another difference is another bug; a race's difference may move to one of its steps sent
//! alone); none is run twice, and at most `budget` are run.
//! (proptest's own shrinking, on the tuple (pool, steps), shortened the pool's strings first,
//! a character at a time, and ran every removal of a step after the failing one: 48 runs left
//! 9-12 steps; see scripts/bench_model.sh.)

use super::gen::{text_fits, History, Pool};
use super::history::Ran;
use super::simplify::simpler;
use super::step::Step;
use std::collections::HashSet;
use std::mem::{discriminant, Discriminant};

/// The shortest failing history found, what its run gave, and how many runs it took.
pub struct Shrunk {
    pub history: History,
    pub ran: Ran,
    pub runs: u32,
}

/// The difference a candidate must keep: its comparison and the kinds of step it is seen at
/// (those of its parts, for steps sent at once).
type Signature = (String, Vec<Discriminant<Step>>);

fn signature(history: &History, ran: &Ran) -> Option<Signature> {
    let finding = ran.finding.as_ref()?;
    let kinds = match history.steps.get(finding.step)? {
        Step::Together(parts) => parts.iter().map(discriminant).collect(),
        step => vec![discriminant(step)],
    };
    Some((finding.comparison.clone(), kinds))
}

/// True when `found` is the difference `wanted`: the same comparison, at a step of the same
/// kind (or at one of the steps that were sent at once).
fn same_difference(found: &Signature, wanted: &Signature) -> bool {
    found.0 == wanted.0 && found.1.iter().all(|k| wanted.1.contains(k))
}

/// The history up to and including the step that differs.
fn up_to_difference(history: &History, ran: &Ran) -> History {
    let mut history = history.clone();
    if let Some(f) = &ran.finding {
        history.steps.truncate(f.step + 1);
    }
    history
}

/// The search: the best history so far and what trying candidates has cost.
struct Shrinker<F> {
    wanted: Signature,
    best: (History, Ran),
    tried: HashSet<String>,
    runs: u32,
    budget: u32,
    /// Candidates kept so far (a pass that keeps none has reached its fixpoint).
    kept: u32,
    run: F,
}

impl<F: FnMut(&History) -> Ran> Shrinker<F> {
    /// Runs `candidate` (unless tried already or the budget is spent) and keeps it when it
    /// shows the same difference.
    fn attempt(&mut self, candidate: History) -> bool {
        if self.runs >= self.budget || !self.tried.insert(format!("{candidate:?}")) {
            return false;
        }
        self.runs += 1;
        let ran = (self.run)(&candidate);
        if !signature(&candidate, &ran).is_some_and(|s| same_difference(&s, &self.wanted)) {
            return false;
        }
        self.best = (up_to_difference(&candidate, &ran), ran);
        self.kept += 1;
        true
    }

    /// `steps` in place of the best history's steps `at`.
    fn with_steps(&self, at: std::ops::Range<usize>, steps: Vec<Step>) -> History {
        let mut candidate = self.best.0.clone();
        candidate.steps.splice(at, steps);
        candidate
    }

    /// Delta debugging over whole steps: chunks removed, halves first, down to single steps.
    fn drop_steps(&mut self) {
        let mut chunk = (self.best.0.steps.len() / 2).max(1);
        loop {
            let mut start = 0;
            while start + 1 < self.best.0.steps.len() {
                let end = (start + chunk).min(self.best.0.steps.len() - 1);
                // A removal that keeps the difference leaves `start` on the next chunk.
                if !self.attempt(self.with_steps(start..end, Vec::new())) {
                    start = end;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }

    /// Each step simplified inside, as far as the difference survives.
    fn simplify_steps(&mut self) {
        let mut at = 0;
        while at < self.best.0.steps.len() {
            // Steps sent at once: one of them alone, or one after the other (either order).
            if let Step::Together(parts) = &self.best.0.steps[at] {
                let mut serial: Vec<Vec<Step>> = parts.iter().map(|p| vec![p.clone()]).collect();
                serial.push(parts.clone());
                serial.push(parts.iter().rev().cloned().collect());
                for steps in serial {
                    if self.attempt(self.with_steps(at..at + 1, steps)) {
                        break;
                    }
                }
            }
            // The first simpler variant that keeps the difference, again until none does.
            'variants: while let Some(step) = self.best.0.steps.get(at) {
                for variant in simpler(step) {
                    if self.attempt(self.with_steps(at..at + 1, vec![variant])) {
                        continue 'variants;
                    }
                }
                break;
            }
            at += 1;
        }
    }
}

/// Shrinks `history`, which failed as `ran` says, with `run` (one run on both sides).
pub fn shrink(history: History, ran: Ran, budget: u32, run: impl FnMut(&History) -> Ran) -> Shrunk {
    let Some(wanted) = signature(&history, &ran) else {
        return Shrunk { history, ran, runs: 0 };
    };
    let best = (up_to_difference(&history, &ran), ran);
    let mut s = Shrinker { wanted, best, tried: HashSet::new(), runs: 0, budget, kept: 0, run };
    loop {
        s.drop_steps();
        let kept = s.kept;
        s.simplify_steps();
        if let Some(pool) = shorter_pool(&s.best.0.pool) {
            let candidate = History { pool, steps: s.best.0.steps.clone() };
            s.attempt(candidate);
        }
        // Nothing simpler inside: dropping steps again would try what it tried.
        if s.kept == kept || s.runs >= s.budget {
            break;
        }
    }
    let (history, ran) = s.best;
    Shrunk { history, ran, runs: s.runs }
}

/// The pool with each text cut to the shortest prefix that keeps the texts as distinct (or
/// as equal) as they were and still fits its schema; `None` when nothing is shorter.
fn shorter_pool(pool: &Pool) -> Option<Pool> {
    let candidate = Pool {
        names: shortest_prefixes(&pool.names, "Name"),
        descriptions: shortest_prefixes(&pool.descriptions, "Description"),
        unknown: pool.unknown.clone(),
    };
    (candidate != *pool).then_some(candidate)
}

fn shortest_prefixes(texts: &[String], schema: &str) -> Vec<String> {
    let equal = |v: &[String]| -> Vec<bool> {
        v.iter().flat_map(|a| v.iter().map(move |b| a == b)).collect()
    };
    let longest = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    (0..longest)
        .map(|n| texts.iter().map(|t| t.chars().take(n).collect::<String>()).collect::<Vec<_>>())
        .find(|cut| equal(cut) == equal(texts) && cut.iter().all(|t| text_fits(schema, t)))
        .unwrap_or_else(|| texts.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::Finding;
    use crate::model::step::{Arg, Query, ScheduleChange};

    fn create(name: usize) -> Step {
        Step::CreatePolicy {
            name,
            description: 0,
            servers: Vec::new(),
            max_backups: 1,
            retention_days: None,
        }
    }

    fn pool() -> Pool {
        Pool {
            names: vec!["abcdef".into(), "abxyz".into(), "q".repeat(200)],
            descriptions: vec!["same".into(), "same".into()],
            unknown: "0".into(),
        }
    }

    /// An endpoint that allows one policy: the second create differs on status; every
    /// other step agrees.
    fn one_policy(history: &History) -> Ran {
        let mut creates = 0;
        for (step, s) in history.steps.iter().enumerate() {
            let made = match s {
                Step::Together(parts) => parts,
                one => std::slice::from_ref(one),
            };
            for _ in made.iter().filter(|s| matches!(s, Step::CreatePolicy { .. })) {
                creates += 1;
                if creates == 2 {
                    let finding = Finding {
                        step,
                        comparison: "status".into(),
                        endpoint: "400 CSBS.0001".into(),
                        model: "200".into(),
                    };
                    return Ran { finding: Some(finding), ..Ran::default() };
                }
            }
        }
        Ran::default()
    }

    #[test]
    fn a_failure_shrinks_to_the_steps_it_needs_and_a_shorter_pool() {
        let list = Step::ListPolicies { query: Query::default() };
        let mut steps = vec![list.clone(), Step::ShowQuotas, create(0), list.clone()];
        steps.extend([Step::ShowQuotas, list.clone(), create(1), list.clone(), create(2)]);
        steps.extend([Step::ShowQuotas, list]);
        let history = History { pool: pool(), steps };
        let ran = one_policy(&history);
        let mut runs = Vec::new();
        let shrunk = shrink(history, ran, 48, |h| {
            runs.push(h.clone());
            one_policy(h)
        });
        assert_eq!(shrunk.history.steps, vec![create(0), create(1)]);
        assert_eq!(shrunk.ran.finding.as_ref().map(|f| f.step), Some(1));
        assert_eq!(shrunk.runs as usize, runs.len());
        // Never the steps after the difference, never a candidate twice, and far fewer runs
        // than steps squared.
        assert!(runs.iter().all(|h| h.steps.len() <= 7), "{runs:?}");
        let distinct: HashSet<String> = runs.iter().map(|h| format!("{h:?}")).collect();
        assert_eq!(distinct.len(), runs.len());
        assert!(runs.len() <= 12, "{} runs", runs.len());
        // The pool: names as distinct as before, descriptions as equal, each a prefix.
        assert_eq!(shrunk.history.pool.names, vec!["abc", "abx", "qqq"]);
        assert_eq!(shrunk.history.pool.descriptions, vec!["", ""]);
    }

    #[test]
    fn steps_sent_at_once_are_tried_one_alone_and_queries_left_out() {
        let together = Step::Together(vec![Step::ShowQuotas, create(0)]);
        let history = History { pool: pool(), steps: vec![together, create(1)] };
        let ran = one_policy(&history);
        let shrunk = shrink(history, ran, 48, one_policy);
        assert_eq!(shrunk.history.steps, vec![create(0), create(1)]);
        // A list that differs keeps differing without its query.
        let query = Query { sort: Some("name:desc".into()), limit: Some(2), ..Query::default() };
        let list = |query| Step::ListPolicies { query };
        let differs = |h: &History| Ran {
            finding: h.steps.iter().position(|s| matches!(s, Step::ListPolicies { .. })).map(
                |step| Finding {
                    step,
                    comparison: "order".into(),
                    endpoint: String::new(),
                    model: String::new(),
                },
            ),
            ..Ran::default()
        };
        let history = History { pool: pool(), steps: vec![create(0), list(query)] };
        let ran = differs(&history);
        let shrunk = shrink(history, ran, 48, differs);
        assert_eq!(shrunk.history.steps, vec![list(Query::default())]);
    }

    #[test]
    fn another_difference_is_not_taken_for_the_same_and_the_budget_holds() {
        let history = History { pool: pool(), steps: vec![Step::ShowQuotas, create(0), create(1)] };
        let ran = one_policy(&history);
        // Any shorter history differs on usage at showQuotas: another bug, not kept.
        let shrunk = shrink(history.clone(), ran, 1, |_| Ran {
            finding: Some(Finding {
                step: 0,
                comparison: "usage".into(),
                endpoint: String::new(),
                model: String::new(),
            }),
            ..Ran::default()
        });
        assert_eq!(shrunk.history.steps, history.steps);
        assert_eq!(shrunk.runs, 1);
    }

    fn finding_at(step: usize, comparison: &str) -> Ran {
        let finding = Finding {
            step,
            comparison: comparison.into(),
            endpoint: String::new(),
            model: String::new(),
        };
        Ran { finding: Some(finding), ..Ran::default() }
    }

    #[test]
    fn a_failing_step_keeps_only_the_members_its_difference_needs() {
        // An endpoint that ignores a new name: the update differs on echo whenever it sends one.
        let ignores_name = |h: &History| {
            let at =
                h.steps.iter().position(|s| matches!(s, Step::UpdatePolicy { name: Some(_), .. }));
            at.map_or_else(Ran::default, |at| finding_at(at, "echo"))
        };
        let full = crate::model::simplify::tests::full_update();
        let history = History { pool: pool(), steps: vec![create(0), Step::ShowQuotas, full] };
        let ran = ignores_name(&history);
        let shrunk = shrink(history, ran, 48, ignores_name);
        let only_name = Step::UpdatePolicy {
            policy: 0,
            name: Some(1),
            description: None,
            servers: None,
            schedule: ScheduleChange::default(),
        };
        assert_eq!(shrunk.history.steps, vec![only_name.clone()]);
        assert_eq!(shrunk.history.steps[0].to_string(), "updatePolicy policy#0 name#1");
        // Found by halves: all members (too many), one half kept, then the other's members.
        assert!(shrunk.runs <= 12, "{} runs", shrunk.runs);
    }

    #[test]
    fn a_step_simplified_inside_lets_another_be_dropped_after_it() {
        // A list that ignores its resource_id filter differs on membership; with a sort, only
        // once a backup was made before it (the protect).
        let filter = ("resource_id".to_owned(), Arg::Server(0));
        let differs = |h: &History| {
            let protected =
                |at: usize| h.steps[..at].iter().any(|s| matches!(s, Step::Protect { .. }));
            let at = h.steps.iter().position(|s| match s {
                Step::ListBackups { query } => {
                    query.filters.iter().any(|(k, _)| k == "resource_id")
                        && (query.sort.is_none() || protected(h.steps.len() - 1))
                }
                _ => false,
            });
            at.map_or_else(Ran::default, |at| finding_at(at, "membership"))
        };
        let query = Query {
            filters: vec![("status".into(), Arg::Text("available".into())), filter.clone()],
            sort: Some("created_at:desc".into()),
            limit: Some(3),
            ..Query::default()
        };
        let protect = Step::Protect { server: 0, name: 0 };
        let steps = vec![protect, Step::ListBackups { query }];
        let history = History { pool: pool(), steps };
        let ran = differs(&history);
        let shrunk = shrink(history, ran, 48, differs);
        let wanted = Query { filters: vec![filter], ..Query::default() };
        assert_eq!(shrunk.history.steps, vec![Step::ListBackups { query: wanted }]);
        assert_eq!(shrunk.ran.finding.map(|f| f.comparison), Some("membership".into()));
    }

    #[test]
    fn a_race_whose_difference_survives_one_after_the_other_is_sent_serially() {
        // The second create differs on status, sent at once or not.
        let history = History {
            pool: pool(),
            steps: vec![Step::ShowQuotas, Step::Together(vec![create(1), create(1)])],
        };
        let ran = one_policy(&history);
        let shrunk = shrink(history, ran, 48, one_policy);
        assert_eq!(shrunk.history.steps, vec![create(1), create(1)]);
        // A difference of the race itself is never taken for one of its steps alone.
        let race = |h: &History| match h.steps.iter().position(|s| matches!(s, Step::Together(_))) {
            Some(at) => finding_at(at, "concurrency"),
            None => one_policy(h),
        };
        let history =
            History { pool: pool(), steps: vec![Step::Together(vec![create(1), create(1)])] };
        let shrunk = shrink(history.clone(), race(&history), 48, race);
        assert_eq!(shrunk.history.steps, history.steps);
    }
}

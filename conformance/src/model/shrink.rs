//! Shrinking a failing history. Every candidate is one run against the endpoint (its waits
//! and its cleanup included), so the candidates are few and chosen by what a history is:
//! steps after the one that differs were never sent and are cut for free; then chunks of
//! steps are removed, halves first, down to single steps (delta debugging), the step that
//! differs always kept last; then steps sent at once are tried one alone, lists and counts
//! without their filters, sort and paging; finally one shorter pool of names and descriptions.
//! A candidate counts only when it differs on the same comparison at the same kind of step
//! (another difference is another bug); none is run twice, and at most `budget` are run.
//! (proptest's own shrinking, on the tuple (pool, steps), shortened the pool's strings first,
//! a character at a time, and ran every removal of a step after the failing one: 48 runs left
//! 9-12 steps; see scripts/bench_model.sh.)

use super::gen::{text_fits, History, Pool};
use super::history::Ran;
use super::step::{Query, Step};
use std::collections::HashSet;
use std::mem::{discriminant, Discriminant};

/// The shortest failing history found, what its run gave, and how many runs it took.
pub struct Shrunk {
    pub history: History,
    pub ran: Ran,
    pub runs: u32,
}

/// The difference a candidate must keep: its comparison and the kind of step it is seen at.
fn signature(history: &History, ran: &Ran) -> Option<(String, Discriminant<Step>)> {
    let finding = ran.finding.as_ref()?;
    let step = history.steps.get(finding.step)?;
    Some((finding.comparison.clone(), discriminant(step)))
}

/// The history up to and including the step that differs.
fn up_to_difference(history: &History, ran: &Ran) -> History {
    let mut history = history.clone();
    if let Some(f) = &ran.finding {
        history.steps.truncate(f.step + 1);
    }
    history
}

/// Shrinks `history`, which failed as `ran` says, with `run` (one run on both sides).
pub fn shrink(
    history: History,
    ran: Ran,
    budget: u32,
    mut run: impl FnMut(&History) -> Ran,
) -> Shrunk {
    let Some(wanted) = signature(&history, &ran) else {
        return Shrunk { history, ran, runs: 0 };
    };
    let mut best = (up_to_difference(&history, &ran), ran);
    let mut tried: HashSet<String> = HashSet::new();
    let mut runs = 0;
    let mut attempt = |candidate: History, best: &mut (History, Ran)| -> bool {
        if runs >= budget || !tried.insert(format!("{candidate:?}")) {
            return false;
        }
        runs += 1;
        let ran = run(&candidate);
        if signature(&candidate, &ran).as_ref() != Some(&wanted) {
            return false;
        }
        *best = (up_to_difference(&candidate, &ran), ran);
        true
    };
    let mut chunk = (best.0.steps.len() / 2).max(1);
    loop {
        let mut start = 0;
        while start + 1 < best.0.steps.len() {
            let end = (start + chunk).min(best.0.steps.len() - 1);
            let mut candidate = best.0.clone();
            candidate.steps.drain(start..end);
            // A removal that keeps the difference leaves `start` on the next chunk.
            if !attempt(candidate, &mut best) {
                start = end;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    // Steps sent at once: one of them alone, where the race is not what differs.
    let mut at = 0;
    while at < best.0.steps.len() {
        if let Step::Together(parts) = &best.0.steps[at] {
            for part in parts.clone() {
                let mut candidate = best.0.clone();
                candidate.steps[at] = part;
                if attempt(candidate, &mut best) {
                    break;
                }
            }
        }
        at += 1;
    }
    // Lists and counts without their filters, sort and paging.
    for at in 0..best.0.steps.len() {
        if let Some(plain) = best.0.steps.get(at).and_then(plainer) {
            let mut candidate = best.0.clone();
            candidate.steps[at] = plain;
            attempt(candidate, &mut best);
        }
    }
    if let Some(pool) = shorter_pool(&best.0.pool) {
        let candidate = History { pool, steps: best.0.steps.clone() };
        attempt(candidate, &mut best);
    }
    let (history, ran) = best;
    Shrunk { history, ran, runs }
}

/// A list or count step asked without filters, sort and paging; `None` when it has none.
fn plainer(step: &Step) -> Option<Step> {
    let mut plain = step.clone();
    match &mut plain {
        Step::ListPolicies { query }
        | Step::ListBackups { query }
        | Step::ListCbrBackups { query }
            if *query != Query::default() =>
        {
            *query = Query::default();
        }
        Step::CountBackups { filters } if !filters.is_empty() => filters.clear(),
        _ => return None,
    }
    Some(plain)
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
}

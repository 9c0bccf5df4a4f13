//! The model part of a run (`--only model`): the behaviour oracle. Random histories of
//! operations (proptest) run on the endpoint and, step by step, on a fresh in-process
//! reference mock (the model, `csbs_mock::Model`, on a virtual clock); whatever the documents
//! determine must be the same on both (`model_conformance`). A difference is shrunk to the
//! shortest history that still shows it, and reported with both answers and a curl script.
//!
//! Against a real endpoint it runs only with `--allow-mutations`, and compares lists, counts
//! and quotas exactly only when the project holds nothing but the history's objects;
//! otherwise it compares the history's own objects (see the README).

mod gen;
mod history;
mod perform;
mod script;
mod shrink;
mod sides;
mod simplify;
mod step;
mod sweep;

use crate::checks::{Check, Failure, Permission};
use crate::session::Session;
pub use gen::{histories, History};
use history::{Ran, Setup};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How many histories, how long, from which seed.
#[derive(Clone, Debug)]
pub struct ModelOptions {
    /// Histories generated (each shrunk when it fails).
    pub cases: u32,
    /// Steps of a history at most.
    pub max_steps: usize,
    /// The seed (default: the properties' `--seed`, else random; the report prints it).
    pub seed: Option<u64>,
    /// Shrinking runs at most this many smaller histories (each is a run on the endpoint).
    pub max_shrink_iters: u32,
    /// A deliberately wrong model: it allows this many policies per project (tests show that
    /// the report says which side answered what).
    #[doc(hidden)]
    pub model_policy_quota: Option<i64>,
}

impl Default for ModelOptions {
    fn default() -> ModelOptions {
        ModelOptions {
            cases: 6,
            max_steps: 12,
            seed: None,
            max_shrink_iters: 48,
            model_policy_quota: None,
        }
    }
}

/// Figures of the part, for the notes and the bench.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub histories: u32,
    pub steps: usize,
    pub requests: usize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(feature = "embedded-mock")]
fn model_factory(
    options: &ModelOptions,
    other: Option<String>,
) -> Arc<dyn Fn(&str) -> sides::Side + Send + Sync> {
    let quota = options.model_policy_quota;
    Arc::new(move |project: &str| {
        let grant = |token: &str, project: &str| csbs_mock::TokenGrant {
            token: token.to_owned(),
            project_id: project.to_owned(),
            admin: false,
        };
        let mut tokens = vec![grant(sides::MODEL_TOKEN, project)];
        if let Some(o) = &other {
            tokens.push(grant(sides::MODEL_OTHER_TOKEN, o));
        }
        let mut config = csbs_mock::MockConfig {
            tokens,
            // Long, so that only settling ends a transition (the clock is virtual).
            protect_delay: std::time::Duration::from_secs(60),
            delete_delay: std::time::Duration::from_secs(60),
            restore_delay: std::time::Duration::from_secs(60),
            ..csbs_mock::MockConfig::default()
        };
        if let Some(q) = quota {
            config.quotas.policies = q;
        }
        // No state file is configured, so making a model cannot fail.
        let model = Arc::new(csbs_mock::Model::new(config).expect("a model without a state file"));
        sides::Side {
            wire: sides::Wire::Model {
                model,
                token: sides::MODEL_TOKEN.to_owned(),
                other: other.is_some().then(|| sides::MODEL_OTHER_TOKEN.to_owned()),
            },
            project: project.to_owned(),
            names: sides::Names::default(),
            other_project: other.clone(),
            baseline_usage: Default::default(),
        }
    })
}

/// The failure of a history: the shrunk history, the step and comparison that differ, both
/// answers, and the script that repeats it.
fn failure(history: &History, ran: &Ran, seed: u64, shrunk: (u128, u32), repeat: &str) -> Failure {
    let (shrink_ms, runs) = shrunk;
    let Some(f) = &ran.finding else {
        return Failure::new("model", "flaky: failed once, then passed");
    };
    let steps: Vec<String> =
        history.steps.iter().enumerate().map(|(i, s)| format!("  {i}: {s}")).collect();
    let message = format!(
        "the endpoint and the model differ on {comparison} at step {step} ({text})\n  endpoint answered: {endpoint}\n  model answered:    {model}\nshortest history found (seed {seed}, shrunk in {shrink_ms} ms, {runs} runs), pool names {names:?}, descriptions {descriptions:?}:\n{steps}\n{repeat}\nreproduce on the endpoint:\n{script}",
        comparison = f.comparison,
        step = f.step,
        text = history.steps.get(f.step).map(ToString::to_string).unwrap_or_default(),
        endpoint = f.endpoint,
        model = f.model,
        names = history.pool.names,
        descriptions = history.pool.descriptions,
        steps = steps.join("\n"),
        script = script::script(history, ran),
    );
    Failure::new(f.comparison.clone(), message)
}

/// Runs the part: `options.cases` histories, the first difference shrunk and reported.
pub(crate) async fn run(session: &mut Session, options: &ModelOptions, fallback_seed: Option<u64>) {
    let name = Check::ModelConformance.name();
    if session.allowed < crate::checks::Permission::Mutations {
        session.recorder.skip(
            Check::ModelConformance,
            "model",
            name,
            "the histories create and delete; give --allow-mutations",
        );
        return;
    }
    #[cfg(not(feature = "embedded-mock"))]
    {
        let _ = (options, fallback_seed);
        session.recorder.skip(
            Check::ModelConformance,
            "model",
            name,
            "this build has no reference mock (feature `embedded-mock` is off)",
        );
    }
    #[cfg(feature = "embedded-mock")]
    run_with_model(session, options, fallback_seed).await;
}

#[cfg(feature = "embedded-mock")]
async fn run_with_model(session: &mut Session, options: &ModelOptions, fallback_seed: Option<u64>) {
    let name = Check::ModelConformance.name();
    session.progress().say("comparing random histories with the model");
    let (project, auth) = session
        .sender
        .target
        .oracle
        .clone()
        .unwrap_or_else(|| (session.sender.target.project_id.clone(), session.credential()));
    let servers = match session.sender.target.embedded {
        true => ORACLE_SERVERS.iter().map(|s| s.to_string()).collect(),
        false => session.record.facts.servers.clone(),
    };
    if servers.is_empty() {
        session.recorder.skip(
            Check::ModelConformance,
            "model",
            name,
            "no server to back up; give --server",
        );
        return;
    }
    let endpoint = sides::Side {
        wire: sides::Wire::Endpoint(Box::new(sides::Endpoint {
            sender: session.sender.clone(),
            auth,
            other: session.sender.target.other.as_ref().map(|(_, a)| a.clone()),
        })),
        project,
        names: sides::Names::default(),
        other_project: session.sender.target.other.as_ref().map(|(p, _)| p.clone()),
        baseline_usage: Default::default(),
    };
    // Restores only where the run allows what the registry row says they need.
    let restores = Check::ModelConformance.more().is_none_or(|p| session.allows(p));
    if !restores {
        session.recorder.note(format!(
            "model: histories without createRestore ({})",
            Permission::Restores.refusal()
        ));
    }
    let setup = Setup {
        endpoint,
        servers,
        limits: session.limits.clone(),
        model: model_factory(options, session.sender.target.other.as_ref().map(|(p, _)| p.clone())),
        restores,
    };
    if session.sender.target.oracle.is_some() {
        history::empty_embedded_project(&setup).await;
    }
    let seed = options.seed.or(fallback_seed).unwrap_or_else(rand::random);
    let repeat = repeat_line(seed, options);
    let started = Instant::now();
    let handle = tokio::runtime::Handle::current();
    let opts = options.clone();
    let outcome = tokio::task::spawn_blocking(move || explore(&setup, &opts, seed, &handle)).await;
    let Ok((tally, found, exact)) = outcome else {
        session.recorder.skip(
            Check::ModelConformance,
            "model",
            name,
            "the histories' runner stopped",
        );
        return;
    };
    session.recorder.note(format!(
        "model: seed {seed}, {} histories run (a failure's shrinking included), {} steps, {} requests to the endpoint in {} ms; comparisons {}; {} ({repeat})",
        tally.histories,
        tally.steps,
        tally.requests,
        started.elapsed().as_millis(),
        if exact { "exact (the project held only the histories' objects)" } else { "restricted to the histories' own objects (the project held others); counts skipped, quotas as differences" },
        match &session.sender.target.other {
            Some((project, _)) => format!("isolation checked against the second project {project}"),
            None => "no second project (--other-token or --other-aksk): isolation not checked".to_owned(),
        },
    ));
    let verdict = match found {
        None => Ok(()),
        Some((history, ran, shrink_ms, runs)) => {
            Err(failure(&history, &ran, seed, (shrink_ms, runs), &repeat))
        }
    };
    session.recorder.verdict(
        Check::ModelConformance,
        "model",
        &format!("{} random histories", tally.histories),
        verdict,
        None,
    );
}

/// The flags that repeat the part exactly: the seed and the sizes fix the histories drawn
/// (and, against an endpoint that answers alike, the failure and its shrinking); the run's
/// other options that shape them (the servers, `--allow-restore`, a second credential) must
/// be the same. Decision: a seed printed with the flags, not proptest's regression files,
/// which are written beside a test's source and which a user of the binary has nowhere to
/// keep or replay.
fn repeat_line(seed: u64, options: &ModelOptions) -> String {
    format!(
        "repeat it exactly with the same endpoint, credentials, --server-id, --allow-restore and --other-* options and: --only model --model-seed {seed} --model-cases {} --model-steps {}",
        options.cases, options.max_steps
    )
}

/// Servers the oracle backs up on the embedded mock: its own, so that the other parts'
/// policies (bound to the run's servers until cleanup) do not hold them.
pub const ORACLE_SERVERS: [&str; 3] = [
    "5e7e0003-c0f0-4a11-8000-000000000003",
    "5e7e0004-c0f0-4a11-8000-000000000004",
    "5e7e0005-c0f0-4a11-8000-000000000005",
];

/// The shortest failing history found, what its run gave, the shrinking's milliseconds and
/// runs.
type Found = Option<(History, Ran, u128, u32)>;

/// The proptest loop, in a blocking thread that drives the async sides through `handle`.
/// proptest generates the histories; the first that fails is shrunk by [`shrink::shrink`],
/// which knows what a history is (proptest's own shrinking is off).
fn explore(
    setup: &Setup,
    options: &ModelOptions,
    seed: u64,
    handle: &tokio::runtime::Handle,
) -> (Tally, Found, bool) {
    let config = Config {
        cases: options.cases,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    };
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    let tally = Mutex::new(Tally::default());
    let exact = Mutex::new(true);
    let run_once = |history: &History| {
        let ran = handle.block_on(history::run(setup, history));
        let mut t = lock(&tally);
        t.histories += 1;
        t.steps += ran.steps;
        t.requests += ran.requests;
        *lock(&exact) &= ran.exact;
        ran
    };
    let failed: Mutex<Option<(History, Ran)>> = Mutex::new(None);
    let strategy = histories(
        setup.servers.len(),
        options.max_steps,
        setup.endpoint.other_project.is_some(),
        setup.restores,
    );
    let result = runner.run(&strategy, |history| {
        let ran = run_once(&history);
        match &ran.finding {
            None => Ok(()),
            Some(f) => {
                let message = format!("{} at step {}", f.comparison, f.step);
                *lock(&failed) = Some((history, ran));
                Err(TestCaseError::fail(message))
            }
        }
    });
    let failed = failed.into_inner().unwrap_or_else(|p| p.into_inner());
    let found = match (result, failed) {
        (Err(TestError::Fail(..)), Some((history, ran))) => {
            let started = Instant::now();
            let shrunk = shrink::shrink(history, ran, options.max_shrink_iters, run_once);
            Some((shrunk.history, shrunk.ran, started.elapsed().as_millis(), shrunk.runs))
        }
        _ => None,
    };
    let tally = tally.into_inner().unwrap_or_else(|p| p.into_inner());
    let exact = exact.into_inner().unwrap_or_else(|p| p.into_inner());
    (tally, found, exact)
}

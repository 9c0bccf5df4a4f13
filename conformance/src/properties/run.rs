//! Runs the generated cases against the target: one proptest runner per operation and kind,
//! several at a time; a failure is shrunk to a minimal request, recorded with a curl
//! reproduction, and its seed kept in the regression files. Valid cases are bound to real
//! objects (a pool the phase creates, or what the endpoint lists when read-only); an operation
//! that timed out twice has its remaining cases skipped.

use super::case::{invalid_cases, valid_cases, Case};
use super::expect::{judge_invalid, judge_valid, Judged};
use super::shared::{Shared, TIMEOUTS_BEFORE_SKIP};
use super::PropertyOptions;
use crate::checks::{checks_for, response_checks, Check, Failure, Permission, Scenario};
use crate::http::Exchange;
use crate::report::PropertyRow;
use crate::session::Session;
use csbs_spec::operations::all_operations;
use csbs_spec::Operation;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Runners working at once: enough to keep a loopback endpoint busy on two cores.
const PARALLEL: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Valid,
    Invalid,
}

impl Kind {
    fn check(self) -> Check {
        match self {
            Kind::Valid => Check::PositiveDataAcceptance,
            Kind::Invalid => Check::NegativeDataRejection,
        }
    }
    /// True when a check the run selects judges this kind's cases: its own, or one judged on
    /// every generated case (the response checks).
    fn judged(self, shared: &Shared) -> bool {
        let other = match self {
            Kind::Valid => Kind::Invalid.check(),
            Kind::Invalid => Kind::Valid.check(),
        };
        Check::ALL.iter().any(|c| {
            *c != other && c.runs().contains(&Scenario::GeneratedCases) && shared.judges(*c)
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Invalid => "invalid",
        }
    }
}

/// The tally of one runner.
#[derive(Default)]
struct Tally {
    /// Cases sent and judged.
    cases: u32,
    /// Of those, answered 2xx.
    ok: u32,
    business: BTreeMap<String, u32>,
    /// Cases not sent: the operation had timed out too often.
    skipped: u32,
    /// Cases still answered 429 after the client's retries (not judged).
    throttled: u32,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The verdicts on one answer: every response check, then the kind's own expectation.
fn judge(
    shared: &Shared,
    kind: Kind,
    op: &'static Operation,
    exchange: &Exchange,
    tally: &Mutex<Tally>,
) -> Result<(), (Check, Failure)> {
    for (check, verdict) in response_checks(op, exchange) {
        match verdict {
            Err(failure) if shared.judges(check) => return Err((check, failure)),
            _ => {}
        }
    }
    // No response, and `response_received` is not judged: nothing to count.
    let Some(response) = exchange.response() else { return Ok(()) };
    let body = response.json().ok();
    let verdict = match kind {
        Kind::Valid => judge_valid(op, response.status, body.as_ref()),
        Kind::Invalid => judge_invalid(op, response.status, body.as_ref()),
    };
    let judged = match verdict {
        Err(message) if shared.judges(kind.check()) => {
            return Err((kind.check(), Failure::new(response.status.to_string(), message)))
        }
        // The kind's own check is not selected: the case counts, unjudged.
        Err(_) => Judged::Passed,
        Ok(judged) => judged,
    };
    let mut tally = lock(tally);
    tally.cases += 1;
    if (200..300).contains(&response.status) {
        tally.ok += 1;
    }
    if let Judged::Business(what) = judged {
        *tally.business.entry(what).or_default() += 1;
    }
    Ok(())
}

/// A reproducible seed per runner, derived from the run's seed.
fn runner_seed(seed: u64, op: &str, kind: Kind) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut h: u64 = seed ^ 0x9E37_79B9_7F4A_7C15;
    for (i, b) in op.bytes().chain(kind.name().bytes()).enumerate() {
        h = h.rotate_left(5) ^ u64::from(b).wrapping_mul(0x100_0000_01B3 + i as u64);
    }
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        let v = h.wrapping_add(seed.rotate_left(i as u32 * 16)).wrapping_mul(0x2545_F491_4F6C_DD1D);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// A failure: the minimal case, the check and why, and the exchange that showed it.
type Found = (Case, Check, Failure, Option<Exchange>);

struct Outcome {
    op: &'static Operation,
    kind: Kind,
    tally: Tally,
    failure: Option<Found>,
}

/// One runner: `cases` cases of one kind for one operation, in a blocking thread that drives
/// the async client through the runtime handle.
fn run_one(
    shared: Arc<Shared>,
    op: &'static Operation,
    kind: Kind,
    fixed: BTreeMap<String, String>,
    seed: u64,
    options: &PropertyOptions,
    handle: tokio::runtime::Handle,
) -> Option<Outcome> {
    // Strategies are not `Send`: each runner builds its own, in its own thread.
    let strategy: BoxedStrategy<Case> = match kind {
        Kind::Valid => valid_cases(op, fixed),
        Kind::Invalid => invalid_cases(op, fixed)?,
    };
    let persistence = options.regressions.as_ref().map(|dir| {
        let path = dir.join(format!("{}-{}.txt", op.id, kind.name()));
        let leaked: &'static str = Box::leak(path.to_string_lossy().into_owned().into_boxed_str());
        Box::new(FileFailurePersistence::Direct(leaked))
            as Box<dyn proptest::test_runner::FailurePersistence>
    });
    let config = Config {
        cases: options.cases,
        failure_persistence: persistence,
        max_shrink_iters: 256,
        max_local_rejects: 1 << 16,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &runner_seed(seed, &op.id, kind));
    let mut runner = TestRunner::new_with_rng(config, rng);
    let tally = Mutex::new(Tally::default());
    let last: Mutex<Option<(Check, Failure, Exchange)>> = Mutex::new(None);
    let result = runner.run(&strategy, |case| {
        if shared.stopped() {
            return Ok(());
        }
        if shared.given_up(op) {
            lock(&tally).skipped += 1;
            return Ok(());
        }
        let request = match case.bound {
            true => handle.block_on(shared.unless_stopped(shared.bound(&case.request))),
            false => Some(case.request.clone()),
        };
        let Some(request) = request else { return Ok(()) };
        let Some(exchange) = handle.block_on(shared.unless_stopped(shared.send(&request))) else {
            return Ok(());
        };
        if exchange.status() == Some(429) {
            lock(&tally).throttled += 1;
            return Ok(());
        }
        judge(&shared, kind, op, &exchange, &tally).map_err(|(check, failure)| {
            let message = format!("{check}: {}", failure.message);
            *lock(&last) = Some((check, failure, exchange.clone()));
            TestCaseError::fail(message)
        })?;
        let success = exchange.response().filter(|r| (200..300).contains(&r.status));
        if let Some(body) = success.map(|r| r.json().unwrap_or_default()) {
            handle.block_on(shared.unless_stopped(shared.after_success(&request, &body)));
        }
        Ok(())
    });
    let failure = match result {
        Ok(()) => None,
        Err(TestError::Fail(_, minimal)) => {
            Some(minimal_failure(&shared, kind, op, minimal, &last, &handle))
        }
        Err(TestError::Abort(why)) => Some((
            Case {
                request: crate::request::ApiRequest::new(op, &shared.project),
                broken: None,
                bound: false,
            },
            kind.check(),
            Failure::new("generation", format!("no cases could be generated: {why}")),
            None,
        )),
    };
    Some(Outcome {
        op,
        kind,
        tally: tally.into_inner().unwrap_or_else(|p| p.into_inner()),
        failure,
    })
}

/// The minimal case judged once more (its verdict and exchange are what the report shows);
/// an operation that timed out too often is not sent again: the last failure stands.
fn minimal_failure(
    shared: &Shared,
    kind: Kind,
    op: &'static Operation,
    minimal: Case,
    last: &Mutex<Option<(Check, Failure, Exchange)>>,
    handle: &tokio::runtime::Handle,
) -> Found {
    if !shared.given_up(op) {
        let resent = handle.block_on(shared.unless_stopped(async {
            let request = match minimal.bound {
                true => shared.bound(&minimal.request).await,
                false => minimal.request.clone(),
            };
            shared.send(&request).await
        }));
        if let Some(exchange) = resent {
            let judged = judge(shared, kind, op, &exchange, &Mutex::new(Tally::default()));
            if let Err((check, failure)) = judged {
                return (minimal, check, failure, Some(exchange));
            }
        }
    }
    match lock(last).take() {
        Some((check, failure, exchange)) => (minimal, check, failure, Some(exchange)),
        None => {
            let flaky = Failure::new("flaky", "failed once, then passed when repeated");
            (minimal, kind.check(), flaky, None)
        }
    }
}

/// The properties part of a run.
pub(crate) async fn run(session: &mut Session, options: &PropertyOptions) {
    let seed = options.seed.unwrap_or_else(rand::random);
    session.recorder.seed = Some(seed);
    session.recorder.note(format!(
        "properties: seed {seed}, {} cases per operation and kind (repeat with --seed {seed} --cases {})",
        options.cases, options.cases
    ));
    // The run's time bound drops this part mid-way: the guard then stops the runners'
    // threads, which would otherwise go on sending while the runtime shuts down.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let _stop_on_drop = StopOnDrop(stop);
    let shared = Arc::new(Shared {
        stop: stopped,
        sender: session.sender.clone(),
        limits: session.limits.clone(),
        project: session.record.facts.project_id.clone(),
        known: session.record.facts.clone(),
        pools: session.record.pools.clone(),
        mutations: session.allows(Permission::Mutations),
        timeouts_before: session.sender.timeouts_all(),
        selected: Check::ALL.iter().copied().filter(|c| session.recorder.selects(*c)).collect(),
    });
    let fixed =
        BTreeMap::from([("project_id".to_owned(), session.record.facts.project_id.clone())]);
    let mut work = Vec::new();
    for op in all_operations() {
        if !options.operations.is_empty() && !options.operations.contains(&op.id) {
            continue;
        }
        for kind in [Kind::Valid, Kind::Invalid].into_iter().filter(|k| k.judged(&shared)) {
            match session.refuses(op) {
                Some(why) => {
                    let case = format!("properties: {} cases", kind.name());
                    session.recorder.skip(kind.check(), &op.id, &case, why);
                }
                None => work.push((op, kind)),
            }
        }
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (op, kind) in work {
        let (shared, options, limit, fixed) =
            (shared.clone(), options.clone(), limit.clone(), fixed.clone());
        let handle = tokio::runtime::Handle::current();
        session.progress().say(&format!("{} {} cases", op.id, kind.name()));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                run_one(shared, op, kind, fixed, seed, &options, handle)
            })
            .await
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok(Ok(Some(outcome))) = done {
            outcomes.push(outcome);
        }
    }
    outcomes
        .sort_by(|a, b| (a.op.id.as_str(), a.kind.name()).cmp(&(b.op.id.as_str(), b.kind.name())));
    record(session, &shared, outcomes);
    // What the phase made for itself (the pool, creations that could not be deleted at once)
    // goes now: its policies hold the run's servers, which later parts bind again. (Should the
    // time bound drop the part first, the cleanup gathers it from the record.)
    let made_here = session.record.pools.take_made();
    for made in made_here.into_iter().rev() {
        let answer = shared.send(&made.delete).await;
        if !answer.status().is_some_and(|s| (200..300).contains(&s) || s == 404) {
            session.record.ledger.add(made);
        }
    }
}

/// Tells the runners to stop when dropped (the part ended, or its future was dropped).
struct StopOnDrop(tokio::sync::watch::Sender<bool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

fn record(session: &mut Session, shared: &Shared, outcomes: Vec<Outcome>) {
    let mut business: BTreeMap<String, u32> = BTreeMap::new();
    let mut rows: BTreeMap<String, PropertyRow> = BTreeMap::new();
    let mut total = 0;
    for Outcome { op, kind, tally, failure } in outcomes {
        total += tally.cases;
        for (what, n) in &tally.business {
            *business.entry(format!("{} {what}", op.id)).or_default() += n;
        }
        let row = rows.entry(op.id.clone()).or_insert_with(|| PropertyRow::new(&op.id));
        row.skipped += tally.skipped;
        row.throttled += tally.throttled;
        match kind {
            Kind::Valid => (row.valid, row.valid_2xx) = (tally.cases, tally.ok),
            Kind::Invalid => row.invalid = tally.cases,
        }
        if tally.skipped > 0 {
            let reason = format!(
                "{op} timed out {TIMEOUTS_BEFORE_SKIP} times; {} more {} cases (shrinking included) were not sent",
                tally.skipped,
                kind.name(),
                op = op.id
            );
            let case = format!("properties: {} cases", kind.name());
            session.recorder.skip(kind.check(), &op.id, &case, reason);
        }
        // One verdict per check the cases were judged by, passed or not, under a name without
        // counts: a report keys a test's history on (operation, check, case).
        let label = format!("properties: {} cases", kind.name());
        let failed = failure.as_ref().map(|(_, check, _, _)| *check);
        let mut judged_by = checks_for(op);
        judged_by.push(kind.check());
        judged_by.extend(failed.filter(|c| !judged_by.contains(c)));
        for check in judged_by.into_iter().filter(|c| Some(*c) != failed) {
            session.recorder.verdict(check, &op.id, &label, Ok(()), None);
        }
        if let Some((case, check, mut failure, exchange)) = failure {
            failure.message = format!("{}; minimal case: {}", failure.message, case.describe());
            // A broken request names the rule it broke; a valid one keeps the answer.
            if let Some(broken) = &case.broken {
                failure.rule = format!("{} {}", broken.field, broken.rule);
            }
            let index = exchange.map(|x| session.recorder.exchange(&op.id, &case.describe(), &x));
            session.recorder.verdict(check, &op.id, &label, Err(failure), index);
        }
    }
    let _ = shared;
    let listed: Vec<String> = business.iter().map(|(k, n)| format!("{k} x{n}")).collect();
    session.recorder.note(format!(
        "properties: {total} cases passed; valid requests refused for documented business reasons: {}",
        if listed.is_empty() { "none".to_owned() } else { listed.join(", ") }
    ));
    session.recorder.properties = rows.into_values().collect();
}

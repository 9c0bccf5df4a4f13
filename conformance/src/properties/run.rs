//! Runs the generated cases against the target: one proptest runner per operation and kind,
//! several at a time; a failure is shrunk to a minimal request, sent once more to record it
//! with a curl reproduction, and its seed kept in the regression files.

use super::case::{invalid_cases, valid_cases, Case};
use super::expect::{judge_invalid, judge_valid, Judged};
use super::PropertyOptions;
use crate::checks::{response_checks, Check, Failure};
use crate::http::{Auth, Exchange, HttpClient, Outgoing};
use crate::session::Session;
use csbs_spec::operations::{all_operations, percent_encode_segment};
use csbs_spec::Operation;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use serde_json::{Map, Value};
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
    fn name(self) -> &'static str {
        match self {
            Kind::Valid => "valid",
            Kind::Invalid => "invalid",
        }
    }
}

/// What the runners share: how to reach the target.
#[derive(Clone)]
struct Wire {
    client: HttpClient,
    csbs: String,
    cbr: String,
    auth: Auth,
    project: String,
}

impl Wire {
    fn outgoing(&self, case: &Case) -> Outgoing {
        let op = case.operation;
        let path: Map<String, Value> =
            case.path.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let base = match op.service {
            csbs_spec::Service::Csbs => &self.csbs,
            csbs_spec::Service::Cbr => &self.cbr,
        };
        let mut url = format!("{base}{}", op.render_path(&path));
        let query: Vec<String> = case
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode_segment(k), percent_encode_segment(v)))
            .collect();
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
        }
        Outgoing {
            method: op.method.clone(),
            url,
            body: case.body.clone(),
            auth: self.auth.clone(),
        }
    }
}

/// The tally of one runner.
#[derive(Default)]
struct Tally {
    cases: u32,
    business: BTreeMap<String, u32>,
    policies: Vec<String>,
    checkpoints: Vec<String>,
}

/// The verdicts on one answer: every response check, then the kind's own expectation.
fn judge(
    kind: Kind,
    op: &'static Operation,
    exchange: &Exchange,
    tally: &Mutex<Tally>,
) -> Result<(), (Check, Failure)> {
    for (check, verdict) in response_checks(op, exchange) {
        verdict.map_err(|f| (check, f))?;
    }
    let response = exchange.response().expect("response checks passed, so a response came");
    let body = response.json().ok();
    let verdict = match kind {
        Kind::Valid => judge_valid(op, response.status, body.as_ref()),
        Kind::Invalid => judge_invalid(op, response.status, body.as_ref()),
    };
    let judged = verdict
        .map_err(|message| (kind.check(), Failure::new(response.status.to_string(), message)))?;
    let mut tally = tally.lock().unwrap_or_else(|p| p.into_inner());
    tally.cases += 1;
    if let Judged::Business(what) = judged {
        *tally.business.entry(what).or_default() += 1;
    }
    if let Some(body) = body.filter(|_| (200..300).contains(&response.status)) {
        remember_created(op, &body, &mut tally);
    }
    Ok(())
}

/// The request that deletes what a successful create made, so that generated objects do not
/// pile up (lists stay small, quotas stay free); cleanup catches what this misses.
fn deletion(
    op: &Operation,
    body: &Value,
    project: &str,
) -> Option<(&'static str, Vec<(String, String)>)> {
    let id = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    let project = ("project_id".to_owned(), project.to_owned());
    match op.id.as_str() {
        "createPolicy" => {
            Some(("deletePolicy", vec![project, ("policy_id".into(), id("/policy/id")?)]))
        }
        "protectResource" | "executePolicy" => Some((
            "deleteCheckpoint",
            vec![
                project,
                ("provider_id".into(), PROVIDER.into()),
                ("checkpoint_id".into(), id("/checkpoint/id")?),
            ],
        )),
        _ => None,
    }
}

const PROVIDER: &str = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";

/// What a successful answer created, for cleanup.
fn remember_created(op: &Operation, body: &Value, tally: &mut Tally) {
    let id = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    match op.id.as_str() {
        "createPolicy" => tally.policies.extend(id("/policy/id")),
        "protectResource" | "executePolicy" => tally.checkpoints.extend(id("/checkpoint/id")),
        _ => {}
    }
}

impl Tally {
    /// Drops an object deleted right after its creation from the cleanup lists.
    fn forget(&mut self, path: &BTreeMap<String, String>) {
        if let Some(id) = path.get("policy_id") {
            self.policies.retain(|p| p != id);
        }
        if let Some(id) = path.get("checkpoint_id") {
            self.checkpoints.retain(|c| c != id);
        }
    }
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

struct Outcome {
    op: &'static Operation,
    kind: Kind,
    tally: Tally,
    /// The shrunk failing case and why it failed.
    failure: Option<(Case, Check, Failure)>,
}

/// One runner: `cases` cases of one kind for one operation, in a blocking thread that drives
/// the async client through the runtime handle.
fn run_one(
    wire: Wire,
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
    let last: Mutex<Option<(Check, Failure)>> = Mutex::new(None);
    let project = wire.project.clone();
    let result = runner.run(&strategy, |case| {
        let exchange = handle.block_on(wire.client.send(wire.outgoing(&case)));
        judge(kind, op, &exchange, &tally).map_err(|(check, failure)| {
            let message = format!("{check}: {}", failure.message);
            *last.lock().unwrap_or_else(|p| p.into_inner()) = Some((check, failure));
            TestCaseError::fail(message)
        })?;
        let created = exchange
            .response()
            .filter(|r| (200..300).contains(&r.status))
            .and_then(|r| r.json().ok());
        if let Some((delete_id, path)) = created.and_then(|body| deletion(op, &body, &project)) {
            let delete =
                csbs_spec::operations::find_operation(delete_id).expect("a documented operation");
            let case = Case {
                operation: delete,
                path: path.into_iter().collect(),
                query: vec![],
                body: None,
                broken: None,
            };
            let answer = handle.block_on(wire.client.send(wire.outgoing(&case)));
            if answer.status() == Some(200) {
                tally.lock().unwrap_or_else(|p| p.into_inner()).forget(&case.path);
            }
        }
        Ok(())
    });
    let failure = match result {
        Ok(()) => None,
        Err(TestError::Fail(_, minimal)) => {
            // Re-judge the minimal case: `last` holds the verdict of the last case tried.
            let exchange = handle.block_on(wire.client.send(wire.outgoing(&minimal)));
            let verdict = judge(kind, op, &exchange, &Mutex::new(Tally::default())).err();
            let (check, failure) = verdict
                .or_else(|| last.lock().unwrap_or_else(|p| p.into_inner()).take())
                .unwrap_or((
                    kind.check(),
                    Failure::new("flaky", "failed once, then passed when repeated"),
                ));
            Some((minimal, check, failure))
        }
        Err(TestError::Abort(why)) => Some((
            Case {
                operation: op,
                path: Default::default(),
                query: vec![],
                body: None,
                broken: None,
            },
            kind.check(),
            Failure::new("generation", format!("no cases could be generated: {why}")),
        )),
    };
    Some(Outcome {
        op,
        kind,
        tally: tally.into_inner().unwrap_or_else(|p| p.into_inner()),
        failure,
    })
}

/// The properties part of a run.
pub(crate) async fn run(session: &mut Session, options: &PropertyOptions) {
    let seed = options.seed.unwrap_or_else(rand::random);
    session.recorder.note(format!(
        "properties: seed {seed}, {} cases per operation and kind (repeat with --seed {seed} --cases {})",
        options.cases, options.cases
    ));
    let wire = Wire {
        client: session.client.clone(),
        csbs: session.target.csbs.clone(),
        cbr: session.target.cbr.clone(),
        auth: session.credential(),
        project: session.facts.project_id.clone(),
    };
    let fixed = BTreeMap::from([("project_id".to_owned(), session.facts.project_id.clone())]);
    let mut work = Vec::new();
    for op in all_operations() {
        if !options.operations.is_empty() && !options.operations.contains(&op.id) {
            continue;
        }
        if op.is_mutation() && !session.mutations {
            session.recorder.skip(
                &op.id,
                "properties",
                "it changes state; give --allow-mutations to generate requests for it",
            );
            continue;
        }
        work.push((op, Kind::Valid));
        work.push((op, Kind::Invalid));
    }
    let limit = Arc::new(tokio::sync::Semaphore::new(PARALLEL));
    let mut tasks = tokio::task::JoinSet::new();
    for (op, kind) in work {
        let (wire, options, limit, fixed) =
            (wire.clone(), options.clone(), limit.clone(), fixed.clone());
        let handle = tokio::runtime::Handle::current();
        session.progress.step(&format!("{} {} cases", op.id, kind.name()));
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            tokio::task::spawn_blocking(move || {
                run_one(wire, op, kind, fixed, seed, &options, handle)
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
    record(session, &wire, outcomes).await;
}

async fn record(session: &mut Session, wire: &Wire, outcomes: Vec<Outcome>) {
    let mut business: BTreeMap<String, u32> = BTreeMap::new();
    let mut total = 0;
    for outcome in outcomes {
        let Outcome { op, kind, tally, failure } = outcome;
        total += tally.cases;
        for id in &tally.policies {
            session.ledger.add_policy(id);
        }
        for id in &tally.checkpoints {
            session.ledger.add_checkpoint(id);
        }
        for (what, n) in tally.business {
            *business.entry(format!("{} {what}", op.id)).or_default() += n;
        }
        let label = format!("properties: {} {} cases", tally.cases, kind.name());
        match failure {
            None => session.recorder.verdict(kind.check(), &op.id, &label, Ok(()), None),
            Some((case, check, mut failure)) => {
                failure.message = format!("{}; minimal case: {}", failure.message, case.describe());
                // A broken request names the rule it broke; a valid one keeps the answer.
                if let Some(broken) = &case.broken {
                    failure.rule = format!("{} {}", broken.field, broken.rule);
                }
                let exchange = wire.client.send(wire.outgoing(&case)).await;
                let index = session.recorder.exchange(&op.id, &case.describe(), &exchange);
                session.recorder.verdict(check, &op.id, &label, Err(failure), Some(index));
            }
        }
    }
    let listed: Vec<String> = business.iter().map(|(k, n)| format!("{k} x{n}")).collect();
    session.recorder.note(format!("properties: {total} cases passed; valid requests refused for documented business reasons: {}", if listed.is_empty() { "none".to_owned() } else { listed.join(", ") }));
}

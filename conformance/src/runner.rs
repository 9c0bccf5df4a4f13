//! `run_suite`: starts or checks the target, runs the phases within the time bound (and until
//! Ctrl-C when asked), cleans up, and assembles the report.

use crate::checks::{Check, Permission};
use crate::cleanup::{abandon, cleanup};
use crate::dispatch;
use crate::embedded::Embedded;
use crate::error::RunError;
use crate::http::HttpClient;
use crate::options::{Phase, RunOptions};
use crate::preflight::preflight;
use crate::progress::{Progress, ProgressMode};
use crate::record::Record;
use crate::replay::Facts;
use crate::report::{CleanupReport, HarWriter, Recorder, Report, RunSettings, TargetSummary};
use crate::secret::Redactor;
use crate::sender::Sender;
use crate::session::Session;
use crate::target::Target;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `Report::interrupted` after Ctrl-C.
pub const CTRL_C: &str = "Ctrl-C";

/// Runs the suite the options describe and returns its report. `Err` only when the run could
/// not happen (invalid options, unreachable endpoint); failed checks are in the report.
///
/// ```no_run
/// # async fn demo() {
/// use csbs_conformance::{run_suite, RunOptions, Secret};
///
/// // Against the embedded mock (the default), or against an endpoint, read-only:
/// let options = RunOptions::against("http://127.0.0.1:8080", "my-project-id", Secret::new("token"));
/// let report = run_suite(options).await.expect("the endpoint is reachable");
/// assert!(report.passed(), "{}", report.summary());
/// # }
/// ```
pub async fn run_suite(options: RunOptions) -> Result<Report, RunError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339();
    check_options(&options)?;
    let online = Phase::ALL.into_iter().filter(|p| *p != Phase::Spec).any(|p| options.runs(p));
    let (embedded, target) = match (&options.endpoint, online) {
        (Some(endpoint), _) => (None, Target::remote(&options, endpoint)?),
        (None, true) => {
            let (mock, target) = Embedded::start(&options).await?;
            (Some(mock), target)
        }
        (None, false) => (None, offline_target()),
    };
    let limits = match target.embedded {
        true => crate::options::Limits {
            poll_interval: Duration::from_millis(20),
            ..options.limits.clone()
        },
        false => options.limits.clone(),
    };
    let mut redactor = Redactor::new();
    if let Some(secret) = target.auth.secret() {
        redactor.add(secret);
    }
    if let Some(token) = &options.token {
        redactor.add(token);
    }
    if let Some((_, secret_key)) = &options.ak_sk {
        redactor.add(secret_key);
    }
    if let Some(other) = &options.other {
        redactor.add(other.secret());
    }
    let client = HttpClient::new(
        limits.request_timeout,
        limits.max_body_bytes,
        !target.embedded,
        options.rate_limit,
    )?;
    let har = options.har.as_ref().map(|path| HarWriter::create(path, redactor.clone()));
    let (client, har) = match har {
        None => (client, None),
        Some(Ok(har)) => {
            let har = Arc::new(har);
            (client.with_har(har.clone()), Some(har))
        }
        Some(Err(e)) => {
            if let Some(mock) = embedded {
                mock.stop().await;
            }
            return Err(RunError::Report(e));
        }
    };
    let client_started = client.started();
    let sent = client.throttle_shared();
    // The preflight's reads go through the run's one sender, before its progress line shows
    // (a mistake is one line on stderr, nothing else).
    let sender = Sender::new(client, target, Progress::new(ProgressMode::Hidden, || 0));
    if online {
        if let Err(e) = preflight(&sender, &redactor).await {
            if let Some(mock) = embedded {
                mock.stop().await;
            }
            return Err(e);
        }
    }
    let target = &sender.target;
    let credential = if online { target.auth.kind() } else { "none" };
    let progress = Progress::new(options.progress, move || sent.sent());
    let mut session = Session {
        record: Record {
            facts: Facts {
                project_id: target.project_id.clone(),
                run_name: format!(
                    "csbs-conformance-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..8]
                ),
                servers: servers(&options, target.embedded),
                other_server: options.other_server_id.clone(),
                ..Facts::default()
            },
            ..Record::default()
        },
        allowed: allowed(&options, target.embedded),
        admin: options.admin,
        limits,
        sender: sender.with_progress(progress.clone()),
        recorder: Recorder::new(redactor, options.selected_checks())
            .with_clock(client_started)
            .with_progress(progress),
    };
    let plan = dispatch::plan(&options, session.allowed);
    let interrupted = {
        let bound = session.limits.max_duration;
        tokio::select! {
            () = dispatch::run(&mut session, &options, &plan) => None,
            () = tokio::time::sleep(bound) => Some(format!("the time bound of {bound:?} (--max-duration) was reached")),
            () = ctrl_c(options.handle_ctrl_c) => Some(CTRL_C.to_owned()),
        }
    };
    if interrupted.is_none() {
        for check in unjudged(&options, &session.recorder) {
            let why = "it found nothing to judge in this run: no exchange it applies to came up";
            session.recorder.skip(check, check.part().name(), check.name(), why);
        }
    }
    let mut cleaned = CleanupReport::default();
    session.progress().part("cleanup");
    let cut_short = {
        tokio::select! {
            () = cleanup(&mut session, &mut cleaned) => false,
            () = ctrl_c(options.handle_ctrl_c) => true,
        }
    };
    if cut_short {
        abandon(&mut session, &mut cleaned, "cleanup was stopped by a second Ctrl-C");
    }
    session.progress().finish();
    if let Some(mock) = embedded {
        mock.stop().await;
    }
    let t = &session.sender.target;
    let target = TargetSummary {
        csbs_url: t.csbs.clone(),
        cbr_url: t.cbr.clone(),
        project_id: t.project_id.clone(),
        embedded_mock: t.embedded,
        credential,
        mutations: session.allows(Permission::Mutations),
        restores: session.allows(Permission::Restores),
        phases: Phase::ALL.into_iter().filter(|p| options.runs(*p)).collect(),
    };
    let (answered_429, gave_up) = session.sender.client.throttle().tally();
    let requests = session.sender.client.throttle().sent();
    let timeouts = session.sender.client.throttle().timed_out();
    if let Some(Err(e)) = har.map(|h| h.finish()) {
        session.recorder.note(e);
    }
    let timeline = session.sender.client.timeline();
    let recorder = session.recorder;
    let interrupted = interrupted.map(|why| {
        let unjudged: Vec<&str> =
            unjudged(&options, &recorder).into_iter().map(|c| c.name()).collect();
        match unjudged.as_slice() {
            [] => why,
            names => format!("{why}; not judged before it: {}", names.join(", ")),
        }
    });
    Ok(Report {
        tool: format!("csbs-conformance {}", env!("CARGO_PKG_VERSION")),
        target,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        seed: recorder.seed,
        options: settings(&options, &session.record.facts.servers),
        requests,
        timeouts,
        results: recorder.results,
        skipped: recorder.skipped,
        exchanges: recorder.exchanges,
        notes: recorder.notes,
        properties: recorder.properties,
        throttling: crate::report::Throttling { answered_429, gave_up },
        cleanup: cleaned,
        interrupted,
        timeline,
    })
}

/// The selected checks of the parts that ran with neither a verdict nor a skip: named when a
/// run is cut short, and recorded as skips when it ends, so that "0 failed" never stands for
/// a check that judged nothing.
fn unjudged(options: &RunOptions, recorder: &Recorder) -> Vec<Check> {
    options
        .selected_checks()
        .into_iter()
        .filter(|c| options.runs(c.part()))
        .filter(|c| !recorder.results.iter().any(|r| r.check == *c))
        .filter(|c| !recorder.skipped.iter().any(|s| s.check == *c))
        .collect()
}

/// What the reports show of the options.
fn settings(options: &RunOptions, servers: &[String]) -> RunSettings {
    let l = &options.limits;
    RunSettings {
        only: options.only.clone(),
        cases: options.properties.cases,
        operations: options.properties.operations.clone(),
        rate_limit: options.rate_limit,
        timeout_ms: l.request_timeout.as_millis() as u64,
        max_body_bytes: l.max_body_bytes,
        max_duration_ms: l.max_duration.as_millis() as u64,
        wait_ms: l.settle_timeout.as_millis() as u64,
        admin: options.admin,
        server_ids: servers.to_vec(),
    }
}

/// What the run may do: everything against the embedded mock; else what the flags allow.
fn allowed(options: &RunOptions, embedded: bool) -> Permission {
    match (embedded || options.allow_mutations, embedded || options.allow_restore) {
        (true, true) => Permission::Restores,
        (true, false) => Permission::Mutations,
        (false, _) => Permission::ReadOnly,
    }
}

async fn ctrl_c(enabled: bool) {
    if !enabled || tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn check_options(options: &RunOptions) -> Result<(), RunError> {
    let l = &options.limits;
    if l.request_timeout.is_zero() || l.max_duration.is_zero() {
        return Err(RunError::invalid(
            "a zero time limit",
            "no request could complete",
            "Give --timeout and --max-duration a positive duration",
        ));
    }
    if l.max_body_bytes == 0 {
        return Err(RunError::invalid(
            "a zero body cap",
            "no response body could be read",
            "Give --max-body a positive size",
        ));
    }
    if options.endpoint.is_none() && options.cbr_endpoint.is_some() {
        return Err(RunError::invalid(
            "--cbr-endpoint without --endpoint",
            "the embedded mock serves both services",
            "Pass --endpoint too, or neither",
        ));
    }
    if options.token.is_some() && options.ak_sk.is_some() {
        return Err(RunError::invalid(
            "both a token and an AK/SK pair",
            "a run authenticates one way",
            "Pass either --token (CSBS_TOKEN) or --ak and --sk (CSBS_AK and CSBS_SK), and unset the other's environment variables",
        ));
    }
    if let Some((access_key, secret_key)) = &options.ak_sk {
        if access_key.is_empty() || secret_key.expose().is_empty() {
            return Err(RunError::invalid(
                "an empty access key or secret key",
                "an AK/SK signature needs both",
                "Pass --ak and --sk (or set CSBS_AK and CSBS_SK) with non-empty values",
            ));
        }
    }
    if options.allow_restore && !options.allow_mutations {
        return Err(RunError::invalid(
            "--allow-restore without --allow-mutations",
            "a restore needs a backup the run created",
            "Pass --allow-mutations too",
        ));
    }
    crate::guardrails::check(options)
}

/// Servers the embedded mock is asked to back up. The mock makes up any server it is asked
/// about; these belong to no seeded policy, and fixed ids keep runs (and snapshots) alike.
pub const MOCK_SERVERS: [&str; 2] =
    ["5e7e0001-c0f0-4a11-8000-000000000001", "5e7e0002-c0f0-4a11-8000-000000000002"];

/// Servers to back up: the given ones, or the embedded mock's.
fn servers(options: &RunOptions, embedded: bool) -> Vec<String> {
    if !options.server_ids.is_empty() || !embedded {
        return options.server_ids.clone();
    }
    MOCK_SERVERS.iter().map(|s| s.to_string()).collect()
}

fn offline_target() -> Target {
    Target {
        csbs: "(offline)".into(),
        cbr: "(offline)".into(),
        project_id: String::new(),
        auth: crate::http::Auth::Missing,
        embedded: false,
        oracle: None,
        other: None,
    }
}

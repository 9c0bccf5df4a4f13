//! `csbs-conformance replay REPORT.json [--failure N]`: re-sends the request of a reported
//! failure (or of each) to the same or another endpoint, through the run's sender, and judges
//! the answer again with the checks every exchange gets and the failure's own check where one
//! answer decides it (`positive_data_acceptance`, `negative_data_rejection`, `ignored_auth`).
//! A check that judges a sequence of requests (filters, paging, lifecycles...) cannot be
//! decided by one answer: its failure is reported "not judged", never "passed".

use crate::checks::{accepted, refused, response_checks, Check, Failure, Verdict};
use crate::http::{Auth, Exchange, HttpClient, Outgoing};
use crate::properties::{judge_invalid, judge_valid};
use crate::secret::{Redactor, Secret, TOKEN_PLACEHOLDER};
use serde_json::Value;
use std::time::Duration;

/// Where and how to replay.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Only this failure (numbered from 1, as the reports number them); all when `None`.
    pub failure: Option<usize>,
    /// Send to this CSBS base URL instead of the report's.
    pub endpoint: Option<String>,
    /// Send CBR requests to this base URL (default: `endpoint`).
    pub cbr_endpoint: Option<String>,
    /// The token for requests the report shows with `$CSBS_TOKEN`.
    pub token: Option<Secret>,
    /// Access key and secret key for requests the report shows signed.
    pub ak_sk: Option<(String, Secret)>,
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

/// How a replayed failure came out.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every check passed: the failure is gone.
    Passes,
    /// These checks failed again.
    FailsAgain(Vec<(Check, Failure)>),
    /// The answer cannot decide the failure's check (why); nothing else failed.
    NotJudged(String),
}

/// One replayed failure.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub number: usize,
    pub check: String,
    pub operation: String,
    pub case: String,
    /// `METHOD URL` as sent this time.
    pub request: String,
    /// The status answered, `None` for no answer (or nothing sent).
    pub status: Option<u16>,
    pub outcome: Outcome,
}

/// Replays the failures of `report` (a JSON report, `schema_version` 1 or later).
pub async fn replay(report: &Value, options: &ReplayOptions) -> Result<Vec<Replayed>, String> {
    let failures = report.get("failures").and_then(Value::as_array).ok_or(
        "the report has no `failures` list (written before schema_version 1): run the suite again with --report json=FILE",
    )?;
    let chosen: Vec<&Value> = match options.failure {
        None => failures.iter().collect(),
        Some(n) if (1..=failures.len()).contains(&n) => vec![&failures[n - 1]],
        Some(n) => {
            return Err(format!(
                "--failure {n}: the report has {} failures, numbered from 1",
                failures.len()
            ))
        }
    };
    let mut redactor = Redactor::new();
    for secret in options.token.iter().chain(options.ak_sk.iter().map(|(_, sk)| sk)) {
        redactor.add(secret);
    }
    // Proxies from the environment apply, except to loopback (as in a run).
    let loopback = ["://127.0.0.1", "://localhost", "://[::1]"];
    let target =
        options.endpoint.as_deref().or(report.pointer("/target/csbs_url").and_then(Value::as_str));
    let use_proxy = !target.is_some_and(|t| loopback.iter().any(|l| t.contains(l)));
    let client = HttpClient::new(options.timeout, options.max_body_bytes, use_proxy, None)
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for failure in chosen {
        out.push(replay_one(report, failure, options, &client, &redactor).await?);
    }
    Ok(out)
}

async fn replay_one(
    report: &Value,
    failure: &Value,
    options: &ReplayOptions,
    client: &HttpClient,
    redactor: &Redactor,
) -> Result<Replayed, String> {
    let text = |key: &str| failure.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let number = failure.get("number").and_then(Value::as_u64).unwrap_or(0) as usize;
    let mut replayed = Replayed {
        number,
        check: text("check"),
        operation: text("operation"),
        case: text("case"),
        request: String::new(),
        status: None,
        outcome: Outcome::NotJudged(String::new()),
    };
    let Some(request) = failure.pointer("/exchange/request") else {
        replayed.outcome = Outcome::NotJudged(
            "the failure has no request to re-send (it judged the spec, or a sequence)".into(),
        );
        return Ok(replayed);
    };
    let op = csbs_spec::operations::find_operation(&replayed.operation).ok_or_else(|| {
        format!("failure {number}: `{}` is not an operation of the spec", replayed.operation)
    })?;
    let mut out = outgoing(report, request, options)
        .map_err(|e| format!("failure {number} cannot be re-sent: {e}"))?;
    out.label = format!("{} {} (replay of failure {number})", replayed.operation, replayed.case);
    replayed.request = redactor.redact(&format!("{} {}", out.method, out.url));
    let exchange = client.send(out).await;
    replayed.status = exchange.status();
    let mut verdicts = response_checks(op, &exchange);
    let check = Check::ALL.iter().copied().find(|c| c.name() == replayed.check);
    let own = check.map(|c| (c, own_verdict(c, op, &replayed.case, &exchange)));
    let mut not_judged = None;
    match own {
        Some((c, Some(verdict))) => verdicts.push((c, verdict)),
        Some((c, None)) if !verdicts.iter().any(|(v, _)| *v == c) => {
            not_judged = Some(format!(
                "{c} judges a sequence of requests, which one answer cannot decide; run the suite's part again"
            ))
        }
        _ => {}
    }
    let failed: Vec<(Check, Failure)> = verdicts
        .into_iter()
        .filter_map(|(c, v)| {
            v.err().map(|mut f| {
                f.message = redactor.redact(&f.message);
                (c, f)
            })
        })
        .collect();
    replayed.outcome = match (failed.is_empty(), not_judged) {
        (false, _) => Outcome::FailsAgain(failed),
        (true, Some(why)) => Outcome::NotJudged(why),
        (true, None) => Outcome::Passes,
    };
    Ok(replayed)
}

/// The failure's own check, where one answer decides it.
fn own_verdict(
    check: Check,
    op: &'static csbs_spec::Operation,
    case: &str,
    exchange: &Exchange,
) -> Option<Verdict> {
    let response = exchange.response()?;
    let body = response.json().ok();
    let generated = |judged: Result<_, String>| {
        Some(judged.map(|_| ()).map_err(|m| Failure::new(response.status.to_string(), m)))
    };
    match check {
        Check::PositiveDataAcceptance if case.starts_with("properties") => {
            generated(judge_valid(op, response.status, body.as_ref()))
        }
        Check::PositiveDataAcceptance => accepted(op, exchange),
        Check::NegativeDataRejection => {
            generated(judge_invalid(op, response.status, body.as_ref()))
        }
        Check::IgnoredAuth => refused(exchange, "the credential of the reported request"),
        _ => None,
    }
}

/// The request to send: the reported one, at the new endpoint, with the credential its
/// headers show.
fn outgoing(report: &Value, request: &Value, options: &ReplayOptions) -> Result<Outgoing, String> {
    let method = request.get("method").and_then(Value::as_str).ok_or("no `method`")?;
    let mut url = request.get("url").and_then(Value::as_str).ok_or("no `url`")?.to_owned();
    let base = |key: &str| report.pointer(&format!("/target/{key}")).and_then(Value::as_str);
    let cbr = options.cbr_endpoint.as_ref().or(options.endpoint.as_ref());
    for (old, new) in [(base("cbr_url"), cbr), (base("csbs_url"), options.endpoint.as_ref())] {
        if let (Some(old), Some(new)) = (old, new) {
            if let Some(rest) = url.strip_prefix(old) {
                url = format!("{}{rest}", new.trim_end_matches('/'));
                break;
            }
        }
    }
    let headers: Vec<(String, String)> = request
        .get("headers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|h| Some((h.get(0)?.as_str()?.to_owned(), h.get(1)?.as_str()?.to_owned())))
        .collect();
    let header = |name: &str| {
        headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    };
    let auth = match (header("x-auth-token"), header("authorization")) {
        (Some(TOKEN_PLACEHOLDER), _) => Auth::Token(
            options
                .token
                .clone()
                .ok_or("it was sent with the run's token: set CSBS_TOKEN (or --token)")?,
        ),
        (Some(literal), _) => Auth::Invalid(literal.to_owned()),
        (None, Some(a)) if a.starts_with("SDK-HMAC-SHA256") => {
            let (access_key, secret_key) = options
                .ak_sk
                .clone()
                .ok_or("it was signed with AK/SK: set CSBS_AK and CSBS_SK (or --ak and --sk)")?;
            let project_id = header("x-project-id").unwrap_or_default().to_owned();
            Auth::AkSk { access_key, secret_key, project_id }
        }
        _ => Auth::Missing,
    };
    let body = request.get("body").cloned();
    Ok(Outgoing { method: method.to_owned(), url, body, auth, label: String::new() })
}

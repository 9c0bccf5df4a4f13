//! `csbs-conformance replay REPORT.json [--failure N] [--endpoint URL]`: the command line of
//! [`crate::report::replay`]. Exit codes: 0 every replayed failure is gone, 1 one fails again,
//! 2 the replay could not happen or could not judge a failure with one answer.

use crate::cli::{parse_duration, parse_size};
use crate::cli_credentials::Credentials;
use crate::report::{replay, Outcome, ReplayOptions, EXIT_FAILED, EXIT_NOT_RUN, EXIT_PASSED};
use std::path::PathBuf;
use std::time::Duration;

/// Re-sends the request of a reported failure (or of each) and judges the answer again with
/// the same checks: confirm a fix without running the suite.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A JSON report (`--report json=FILE`).
    pub report: PathBuf,
    /// Only this failure, numbered from 1 as the reports number them (default: all).
    #[arg(long, value_name = "N")]
    pub failure: Option<usize>,
    /// Send to this CSBS base URL instead of the report's (the embedded mock of a run is gone).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Send CBR requests to this base URL (default: --endpoint).
    #[arg(long)]
    pub cbr_endpoint: Option<String>,
    // The credential for requests the report shows with $CSBS_TOKEN or signed.
    #[command(flatten)]
    pub credentials: Credentials,
    /// Time limit of one request, body included.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Largest response body read (suffixes KiB, MiB).
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    pub max_body: usize,
}

impl ReplayArgs {
    /// Replays, prints one paragraph per failure, and returns the exit code.
    pub async fn run(self) -> u8 {
        let (token, ak_sk) = match self.credentials.resolve() {
            Ok(resolved) => resolved,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_NOT_RUN;
            }
        };
        let text = match std::fs::read_to_string(&self.report) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("error: the report {} cannot be read: {e}", self.report.display());
                return EXIT_NOT_RUN;
            }
        };
        let report: serde_json::Value = match serde_json::from_str(&text) {
            Ok(report) => report,
            Err(e) => {
                eprintln!(
                    "error: {} is not a JSON report ({e}); write one with --report json=FILE",
                    self.report.display()
                );
                return EXIT_NOT_RUN;
            }
        };
        let options = ReplayOptions {
            failure: self.failure,
            endpoint: self.endpoint.filter(|e| !e.is_empty()),
            cbr_endpoint: self.cbr_endpoint.filter(|e| !e.is_empty()),
            token,
            ak_sk,
            timeout: self.timeout,
            max_body_bytes: self.max_body,
        };
        let replayed = match replay(&report, &options).await {
            Ok(replayed) => replayed,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_NOT_RUN;
            }
        };
        if replayed.is_empty() {
            println!("the report has no failures to replay");
            return EXIT_PASSED;
        }
        let (mut failing, mut unjudged) = (0, 0);
        for r in &replayed {
            let status = r.status.map_or("no answer".to_owned(), |s| s.to_string());
            println!("{}. {} {} — {} ({})", r.number, r.operation, r.case, r.check, r.request);
            match &r.outcome {
                Outcome::Passes => println!("   passes now: answered {status}, every check passed"),
                Outcome::FailsAgain(failed) => {
                    failing += 1;
                    println!("   FAILS AGAIN: answered {status}");
                    for (check, f) in failed {
                        println!("   {check} (rule: {}): {}", f.rule, f.message);
                    }
                }
                Outcome::NotJudged(why) => {
                    unjudged += 1;
                    println!("   NOT JUDGED: {why}");
                }
            }
        }
        println!(
            "\n{} replayed: {} pass, {failing} fail again, {unjudged} not judged",
            replayed.len(),
            replayed.len() - failing - unjudged
        );
        match (failing, unjudged) {
            (0, 0) => EXIT_PASSED,
            (0, _) => EXIT_NOT_RUN,
            _ => EXIT_FAILED,
        }
    }
}

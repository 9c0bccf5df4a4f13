//! The command line: flags and environment variables to [`RunOptions`] and report files.

use crate::checks::Check;
use crate::options::{Limits, Phase, RunOptions};
use crate::progress::ProgressMode;
use crate::report::{Format, ReportFile};
use clap::Parser;
use std::io::IsTerminal;
use std::time::Duration;

/// Checks a CSBS v1 / CBR v3 endpoint against the contract in spec/: replays every documented
/// example, validates every response, checks that auth is enforced, and reports.
///
/// Without --endpoint it starts the reference mock in-process on 127.0.0.1 and checks that.
/// Exit codes: 0 everything passed, 1 checks failed, 2 the run could not happen (a mistake in
/// the options, or the endpoint's first answer: the one line says which and how to fix it),
/// 3 the run was incomplete (--max-duration reached, nothing failed so far), 130 Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "csbs-conformance", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// CSBS base URL, e.g. https://csbs.eu-west-0.myhuaweicloud.com (default: embedded mock).
    #[arg(long, env = "CSBS_ENDPOINT")]
    pub endpoint: Option<String>,
    /// CBR base URL when CBR is served elsewhere (default: --endpoint).
    #[arg(long, env = "CBR_ENDPOINT")]
    pub cbr_endpoint: Option<String>,
    /// Project ID the token or access key is scoped to.
    #[arg(long, env = "CSBS_PROJECT_ID")]
    pub project_id: Option<String>,
    #[command(flatten)]
    pub credentials: crate::cli_credentials::Credentials,
    /// A second project's token, TOKEN:PROJECT: the model part checks that neither project's
    /// objects are shown, listed, changed or deleted through the other.
    #[arg(long, env = "CSBS_OTHER_TOKEN", hide_env_values = true, value_name = "TOKEN:PROJECT")]
    pub other_token: Option<String>,
    /// The same with an AK/SK pair, AK:SK:PROJECT.
    #[arg(long, env = "CSBS_OTHER_AKSK", hide_env_values = true, value_name = "AK:SK:PROJECT")]
    pub other_aksk: Option<String>,
    /// A server of the second project, which project_isolation backs up there (with
    /// --allow-mutations) to ask for its backups with the first credential (default: one its
    /// own backups name, else the first --server-id).
    #[arg(long = "other-server-id", value_name = "ID")]
    pub other_server_id: Option<String>,
    /// Replay examples that create, change and delete (what the run creates it deletes).
    #[arg(long)]
    pub allow_mutations: bool,
    /// Also replay restores, which overwrite the disks of the backed-up server (and let the
    /// model part's histories restore).
    #[arg(long)]
    pub allow_restore: bool,
    /// A server the run may back up and put in a policy (repeat for two; needed for mutations).
    #[arg(long = "server-id", value_name = "ID")]
    pub server_ids: Vec<String>,
    /// Parts to run, comma-separated: spec, auth, examples, properties, behaviour, stateful
    /// (default: all).
    #[arg(long, value_delimiter = ',', value_name = "PARTS")]
    pub only: Vec<Phase>,
    /// Checks to run, by name, comma-separated or repeated (as Schemathesis's -c): only the
    /// parts that judge them run, and only their verdicts are kept (default: all; the names
    /// are in the README and in the error an unknown name gives).
    #[arg(long = "checks", short = 'c', value_delimiter = ',', value_name = "NAMES")]
    pub checks: Vec<Check>,
    /// Checks not to run, by name, comma-separated or repeated.
    #[arg(long = "exclude-checks", value_delimiter = ',', value_name = "NAMES")]
    pub exclude_checks: Vec<Check>,
    /// The credential is an administrator's: `all_tenants=true` must work (else it must be
    /// refused 403, as for any other credential).
    #[arg(long)]
    pub admin: bool,
    /// At most this many requests a second, the API gateway's budget (a 429 is waited out for
    /// its Retry-After either way).
    #[arg(long, value_name = "PER_SECOND", value_parser = parse_rate)]
    pub rate_limit: Option<f64>,
    /// Write a report: junit=FILE, json=FILE, html=FILE (one page to read in a browser) or
    /// har=FILE (every exchange, HAR 1.2) (repeatable).
    #[arg(long = "report", value_name = "FORMAT=FILE")]
    pub reports: Vec<ReportFile>,
    /// Time limit of one request, body included (500ms, 10s, 1m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Time limit of the whole run, cleanup excluded.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub max_duration: Duration,
    /// How long to wait for a new backup to become available.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub wait: Duration,
    /// Largest response body read, in bytes (suffixes KiB, MiB).
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    pub max_body: usize,
    /// No progress on stderr (a live line on a terminal; elsewhere, as in CI logs, a line when
    /// a part begins and every 5 seconds).
    #[arg(long)]
    pub no_progress: bool,
    /// Generated cases per operation, for valid and for invalid requests each.
    #[arg(long, default_value_t = 100)]
    pub cases: u32,
    /// Seed of the generated cases (default: random; the report prints it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder for proptest's regression files: seeds of failures, replayed first next time.
    #[arg(long, value_name = "DIR")]
    pub regressions: Option<std::path::PathBuf>,
    /// Generate cases for this operation only (an operationId such as createPolicy; repeatable).
    #[arg(long = "operation", value_name = "ID")]
    pub operations: Vec<String>,
    /// Random histories the model part compares with the reference model.
    #[arg(long, default_value_t = 6)]
    pub model_cases: u32,
    /// Steps of a model history at most.
    #[arg(long, default_value_t = 12)]
    pub model_steps: usize,
    /// Seed of the model part's histories (default: --seed, else random; the report prints it).
    #[arg(long)]
    pub model_seed: Option<u64>,
}

/// What else the binary does besides running the suite.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Re-send the request of a reported failure (or of each) and judge it again.
    Replay(crate::cli_replay::ReplayArgs),
}

impl Cli {
    /// The run's options and the reports to write.
    pub fn into_options(self) -> Result<(RunOptions, Vec<ReportFile>), String> {
        for report in &self.reports {
            report.check_writable()?;
        }
        let limits = Limits {
            request_timeout: self.timeout,
            max_body_bytes: self.max_body,
            max_duration: self.max_duration,
            settle_timeout: self.wait,
            ..Limits::default()
        };
        let (token, ak_sk) = self.credentials.resolve()?;
        let options = RunOptions {
            endpoint: self.endpoint.filter(|e| !e.is_empty()),
            cbr_endpoint: self.cbr_endpoint.filter(|e| !e.is_empty()),
            project_id: self.project_id,
            token,
            ak_sk,
            other: match (&self.other_token, &self.other_aksk) {
                (Some(t), _) => Some(crate::options::OtherCredential::token(t)?),
                (None, Some(k)) => Some(crate::options::OtherCredential::aksk(k)?),
                (None, None) => None,
            },
            other_server_id: self.other_server_id.filter(|s| !s.is_empty()),
            allow_mutations: self.allow_mutations,
            allow_restore: self.allow_restore,
            admin: self.admin,
            rate_limit: self.rate_limit,
            server_ids: self.server_ids,
            only: self.only,
            checks: self.checks,
            exclude_checks: self.exclude_checks,
            properties: crate::properties::PropertyOptions {
                cases: self.cases,
                seed: self.seed,
                regressions: self.regressions,
                operations: self.operations,
            },
            model: crate::model::ModelOptions {
                cases: self.model_cases,
                max_steps: self.model_steps,
                seed: self.model_seed,
                ..crate::model::ModelOptions::default()
            },
            limits,
            har: self.reports.iter().rfind(|r| r.format == Format::Har).map(|r| r.path.clone()),
            progress: match (self.no_progress, std::io::stderr().is_terminal()) {
                (true, _) => ProgressMode::Hidden,
                (false, true) => ProgressMode::Live,
                (false, false) => ProgressMode::Lines { every: ProgressMode::LOG_EVERY },
            },
            handle_ctrl_c: true,
        };
        Ok((options, self.reports))
    }
}

/// A positive number of requests a second (`20`, `0.5`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => {
            Err(format!("`{text}` is not a positive number of requests a second; write 20 or 0.5"))
        }
    }
}

/// `500ms`, `10s`, `5m`, `1h`, or plain seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let units = [("ms", 1), ("", 1_000), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)];
    let millis = scaled(text, &units, "a duration; write 500ms, 10s, 5m or 1h")?;
    Ok(Duration::from_millis(millis))
}

/// `4096`, `64KiB`, `4MiB`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let units = [("", 1), ("B", 1), ("KiB", 1 << 10), ("MiB", 1 << 20)];
    let bytes = scaled(text, &units, "a size; write 65536, 64KiB or 4MiB")?;
    usize::try_from(bytes).map_err(|_| format!("`{text}` is too large"))
}

/// A number followed by one of `units`, times the unit's scale.
fn scaled(text: &str, units: &[(&str, u64)], expected: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not {expected}"))?;
    let scale = units.iter().find(|(u, _)| *u == unit).map(|(_, s)| *s);
    let scale =
        scale.ok_or_else(|| format!("`{text}` has an unknown unit: it is not {expected}"))?;
    Ok(n.saturating_mul(scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_their_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("fast").is_err() && parse_duration("3d").is_err());
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert!(parse_size("4GB").is_err());
        assert_eq!(parse_rate("2.5"), Ok(2.5));
        assert!(parse_rate("0").unwrap_err().contains("positive") && parse_rate("fast").is_err());
    }

    #[test]
    fn the_token_comes_from_the_environment_and_stays_secret() {
        let cli =
            Cli::try_parse_from(["csbs-conformance", "--token", "t0ken", "--only", "spec,auth"])
                .unwrap();
        let (options, _) = cli.into_options().unwrap();
        assert_eq!(options.only, vec![Phase::Spec, Phase::Auth]);
        assert!(!format!("{options:?}").contains("t0ken"));
    }

    #[test]
    fn checks_are_named_comma_separated_or_repeated() {
        let args = ["csbs-conformance", "-c", "sort_conformance,count_conformance"];
        let cli = Cli::try_parse_from(args.iter().chain(&["--checks", "use_after_free"])).unwrap();
        let cli = Cli { exclude_checks: vec![Check::UseAfterFree], ..cli };
        let (options, _) = cli.into_options().unwrap();
        let wanted = [Check::SortConformance, Check::CountConformance, Check::UseAfterFree];
        assert_eq!(options.checks, wanted);
        assert_eq!(options.selected_checks(), [Check::SortConformance, Check::CountConformance]);
        let error = Cli::try_parse_from(["csbs-conformance", "--exclude-checks", "nope"]);
        assert!(error.unwrap_err().to_string().contains("unknown check `nope`; the checks are"));
    }

    #[test]
    fn ak_and_sk_go_together_and_the_secret_key_stays_secret() {
        let cli =
            Cli::try_parse_from(["csbs-conformance", "--ak", "AK1", "--sk", "s3cr3t-sk"]).unwrap();
        let (options, _) = cli.into_options().unwrap();
        let (ak, sk) = options.ak_sk.as_ref().unwrap();
        assert_eq!((ak.as_str(), sk.expose()), ("AK1", "s3cr3t-sk"));
        assert!(!format!("{options:?}").contains("s3cr3t"));
        for half in [["--ak", "AK1"], ["--sk", "s3cr3t-sk"]] {
            let cli = Cli::try_parse_from(["csbs-conformance", half[0], half[1]]).unwrap();
            let error = cli.into_options().unwrap_err();
            assert!(
                error.contains("--ak") && error.contains("--sk") && !error.contains("s3cr3t"),
                "{error}"
            );
        }
    }

    #[test]
    fn replay_takes_the_same_credential_flags_and_rule() {
        let parse = |extra: &[&str]| {
            let args = ["csbs-conformance", "replay", "report.json"];
            match Cli::try_parse_from(args.iter().chain(extra)).unwrap().command {
                Some(Command::Replay(replay)) => replay.credentials.resolve(),
                other => panic!("not a replay: {other:?}"),
            }
        };
        let (token, ak_sk) = parse(&["--ak", "AK1", "--sk", "s3cr3t-sk"]).unwrap();
        assert!(token.is_none());
        assert_eq!(ak_sk.map(|(ak, sk)| (ak, sk.expose().to_owned())).unwrap().0, "AK1");
        let error = parse(&["--ak", "AK1"]).unwrap_err();
        assert!(error.contains("--sk") && !error.contains("AK1"), "{error}");
    }
}

//! `csbs-mock`: serves the CSBS v1 and CBR v3 mock on one listener.

use clap::Parser;
use csbs_mock::{AdminToken, ConfigFile, KeyGrant, MockConfig, TokenGrant, MAX_CONNECTIONS};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A reference mock of CSBS v1 and CBR v3, built from spec/.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// A token and its project, TOKEN:PROJECT[:admin]; repeatable. Without any token or AK/SK
    /// pair, a random token for the default project is made up and printed.
    #[arg(long = "token", value_parser = TokenGrant::parse)]
    tokens: Vec<TokenGrant>,
    /// An access key, its secret key and the project its signed requests are scoped to,
    /// AK:SK:PROJECT[:admin]; repeatable. Requests signed with SDK-HMAC-SHA256 are verified.
    #[arg(long = "aksk", value_name = "AK:SK:PROJECT[:admin]", value_parser = KeyGrant::parse)]
    aksk: Vec<KeyGrant>,
    /// A JSON or YAML file with tokens, AK/SK pairs, delays, limits and quotas (flags override it).
    #[arg(long)]
    config: Option<PathBuf>,
    /// How long new backups stay `protecting`.
    #[arg(long)]
    protect_delay_ms: Option<u64>,
    /// How long deleted backups stay `deleting`.
    #[arg(long)]
    delete_delay_ms: Option<u64>,
    /// How long a backup being restored from stays `restoring`.
    #[arg(long)]
    restore_delay_ms: Option<u64>,
    /// Preload the documented examples' data into every configured project.
    #[arg(long)]
    seed_examples: bool,
    /// Requests a second the gateway lets through; beyond, 429 APIGW.0308 with Retry-After.
    #[arg(long, value_name = "PER_SECOND")]
    rate_limit: Option<u32>,
    /// Close a connection whose request head has not arrived within this time [default: 10000].
    #[arg(long, value_name = "MS")]
    header_timeout_ms: Option<u64>,
    /// Answer 413 and close when a body has not arrived within this time [default: 30000].
    #[arg(long, value_name = "MS")]
    body_timeout_ms: Option<u64>,
    /// Close a connection on which no byte moved for this time [default: 60000].
    #[arg(long, value_name = "MS")]
    idle_timeout_ms: Option<u64>,
    /// Close a connection whose answer the client has not taken within this time of the first
    /// write that could not go through [default: 30000].
    #[arg(long, value_name = "MS")]
    send_timeout_ms: Option<u64>,
    /// Bytes of free-form JSON (parameters, extra_info) one policy may hold [default: 65536].
    #[arg(long, value_name = "BYTES")]
    max_free_form_bytes: Option<usize>,
    /// Bytes one project's policies may take in the state (their JSON); beyond, createPolicy
    /// and updatePolicy answer 400 CSBS.9006 [default: 67108864, 64 MiB].
    #[arg(long, value_name = "BYTES")]
    max_project_policy_bytes: Option<u64>,
    /// Connections served at once, from 1 to 2305843009213693951; more wait, first come
    /// first served, until one ends [default: 512].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=MAX_CONNECTIONS as u64))]
    max_connections: Option<u64>,
    /// Requests kept in the journal (GET /_mock/journal); 0 keeps none [default: 1000].
    #[arg(long, value_name = "N")]
    journal_size: Option<usize>,
    /// Larger admin bodies (an import, PUT /_mock/state) are answered 413 MOCK.0413
    /// [default: 268435456, 256 MiB].
    #[arg(long, value_name = "BYTES")]
    admin_max_body_bytes: Option<usize>,
    /// Do not answer CORS preflights nor add CORS headers.
    #[arg(long)]
    no_cors: bool,
    /// The request log's format: one line of text or one JSON object per request. RUST_LOG
    /// filters it (default `info`; `csbs_mock::request=off` silences the request lines).
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// The admin interface's token (`Authorization: Bearer TOKEN` on `/_mock/`); without it
    /// the admin interface is open to whoever reaches the listener.
    #[arg(long, env = "CSBS_MOCK_ADMIN_TOKEN", value_parser = AdminToken::parse, hide_env_values = true)]
    admin_token: Option<AdminToken>,
    /// Keep the whole state in this SQLite file (created when missing, restored when present);
    /// without it the state lives in memory and is lost when the mock stops.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Milliseconds added to every answer, as a real gateway's way adds them.
    #[arg(long)]
    latency_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// Logs to standard error through `tracing`, filtered by RUST_LOG.
fn init_log(format: LogFormat) {
    #[cfg(feature = "log")]
    {
        use tracing_subscriber::EnvFilter;
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let builder =
            tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
        match format {
            LogFormat::Text => builder.init(),
            LogFormat::Json => builder.json().flatten_event(true).init(),
        }
    }
    #[cfg(not(feature = "log"))]
    let _ = format;
}

fn config_of(args: Args) -> anyhow::Result<MockConfig> {
    let mut config = MockConfig::default();
    if let Some(path) = &args.config {
        ConfigFile::load(path)?.apply(&mut config);
    }
    // Flags override the file: the same settings, applied after it.
    let flags = ConfigFile {
        listen: args.listen,
        tokens: args.tokens,
        aksk: args.aksk,
        protect_delay_ms: args.protect_delay_ms,
        delete_delay_ms: args.delete_delay_ms,
        restore_delay_ms: args.restore_delay_ms,
        seed_examples: args.seed_examples.then_some(true),
        rate_limit: args.rate_limit,
        admin_token: args.admin_token,
        state: args.state,
        latency_ms: args.latency_ms,
        ..ConfigFile::default()
    };
    flags.apply(&mut config);
    let limits = &mut config.limits;
    for (flag, field) in [
        (args.header_timeout_ms, &mut limits.header_timeout_ms),
        (args.body_timeout_ms, &mut limits.body_timeout_ms),
        (args.idle_timeout_ms, &mut limits.idle_timeout_ms),
        (args.send_timeout_ms, &mut limits.send_timeout_ms),
    ] {
        if let Some(ms) = flag {
            *field = ms;
        }
    }
    if let Some(n) = args.max_connections {
        config.limits.max_connections = usize::try_from(n)?;
    }
    if let Some(n) = args.max_free_form_bytes {
        config.limits.max_free_form_bytes = n;
    }
    if let Some(n) = args.max_project_policy_bytes {
        config.limits.max_project_policy_bytes = n;
    }
    if let Some(n) = args.journal_size {
        config.journal_size = n;
    }
    if let Some(n) = args.admin_max_body_bytes {
        config.admin_max_body_bytes = n;
    }
    if args.no_cors {
        config.cors = false;
    }
    Ok(config)
}

/// A mock that cannot start says why on one line and exits 1 (with `RUST_BACKTRACE` set,
/// anyhow's own report of `main`'s error added a backtrace of the start-up code).
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error.into()),
    };
    match runtime.block_on(serve()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn fail(error: &anyhow::Error) -> std::process::ExitCode {
    eprintln!("Error: {error:#}");
    std::process::ExitCode::FAILURE
}

async fn serve() -> anyhow::Result<()> {
    let args = Args::parse();
    init_log(args.log_format);
    let config = config_of(args)?;
    let keys: Vec<(String, String, bool)> =
        config.aksk.iter().map(|k| (k.access_key.clone(), k.project_id.clone(), k.admin)).collect();
    let state = config.state_file.clone();
    let mut mock = csbs_mock::spawn(config).await?;
    tracing::info!(address = %mock.base_url(), "listening");
    let mut lines = vec![format!("csbs-mock listening on {}", mock.base_url())];
    lines.push(match &state {
        Some(path) => format!("state kept in {}", path.display()),
        None => "state kept in memory only (--state FILE keeps it)".to_owned(),
    });
    for grant in &mock.tokens {
        let role = if grant.admin { " (admin)" } else { "" };
        lines.push(format!("token {} for project {}{role}", grant.token, grant.project_id));
    }
    for (access_key, project, admin) in keys {
        let role = if admin { " (admin)" } else { "" };
        lines.push(format!("access key {access_key} for project {project}{role}"));
    }
    announce(&lines);
    // A listener that fails ends the process (non-zero): a supervisor must not see a live
    // process that serves nothing.
    let failure = tokio::select! {
        signal = stopped() => { signal?; None }
        failure = mock.failed() => Some(failure),
    };
    match failure {
        Some(failure) => Err(failure.into()),
        None => {
            mock.shutdown().await;
            Ok(())
        }
    }
}

/// Prints the startup lines on standard output. A reader that went away (`csbs-mock | head -1`:
/// EPIPE) or any other write error stops the printing, not the mock: the lines only inform, and
/// `println!` would panic.
fn announce(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for line in lines {
        if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
            tracing::debug!(%error, "standard output closed: the startup lines are not printed");
            return;
        }
    }
}

/// Waits for Ctrl-C, or SIGTERM (what `docker stop` and service managers send) on Unix.
async fn stopped() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await
}

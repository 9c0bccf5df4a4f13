//! `csbs-mock`: serves the CSBS v1 and CBR v3 mock on one listener.

use clap::Parser;
use csbs_mock::{AdminToken, ConfigFile, KeyGrant, MockConfig, TokenGrant};
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
    Ok(config)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = config_of(Args::parse())?;
    let keys: Vec<(String, String, bool)> =
        config.aksk.iter().map(|k| (k.access_key.clone(), k.project_id.clone(), k.admin)).collect();
    let state = config.state_file.clone();
    let mock = csbs_mock::spawn(config).await?;
    println!("csbs-mock listening on {}", mock.base_url());
    match &state {
        Some(path) => println!("state kept in {}", path.display()),
        None => println!("state kept in memory only (--state FILE keeps it)"),
    }
    for grant in &mock.tokens {
        let role = if grant.admin { " (admin)" } else { "" };
        println!("token {} for project {}{role}", grant.token, grant.project_id);
    }
    for (access_key, project, admin) in keys {
        let role = if admin { " (admin)" } else { "" };
        println!("access key {access_key} for project {project}{role}");
    }
    tokio::signal::ctrl_c().await?;
    mock.shutdown().await;
    Ok(())
}

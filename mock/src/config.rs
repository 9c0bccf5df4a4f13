//! What a mock is started with: listener, tokens, AK/SK pairs, lifecycle delays, limits, and
//! the optional config file (JSON or YAML) that carries the same settings.

use crate::faults::Fault;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Project of the token the mock makes up when none is configured: the project of the
/// documented CBR backup list (`spec/cbr-v3.yaml`, `listCbrBackups`), so that the documented
/// URL example works as printed.
pub const DEFAULT_PROJECT_ID: &str = "0605767b5780d5762fc5c0118072a564";

/// A token and the project it is scoped to. Admin tokens may also list with `all_tenants=true`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TokenGrant {
    pub token: String,
    pub project_id: String,
    #[serde(default)]
    pub admin: bool,
}

impl TokenGrant {
    /// Reads `TOKEN:PROJECT[:admin]` (the `--token` syntax).
    pub fn parse(text: &str) -> Result<TokenGrant, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (token, project, admin) = match parts.as_slice() {
            [t, p] => (*t, *p, false),
            [t, p, "admin"] => (*t, *p, true),
            [_, _, other] => {
                return Err(format!("token flag `{other}` is not `admin` (TOKEN:PROJECT[:admin])"))
            }
            _ => return Err("a token is TOKEN:PROJECT[:admin]".to_owned()),
        };
        if token.is_empty() || project.is_empty() {
            return Err("token and project must not be empty (TOKEN:PROJECT[:admin])".to_owned());
        }
        Ok(TokenGrant { token: token.to_owned(), project_id: project.to_owned(), admin })
    }
}

/// An access key, its secret key and the project the requests it signs are scoped to. Admin
/// keys may also list with `all_tenants=true`. `Debug` never shows the secret key.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct KeyGrant {
    pub access_key: String,
    pub secret_key: String,
    pub project_id: String,
    #[serde(default)]
    pub admin: bool,
}

impl std::fmt::Debug for KeyGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyGrant")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("project_id", &self.project_id)
            .field("admin", &self.admin)
            .finish()
    }
}

impl KeyGrant {
    /// Reads `AK:SK:PROJECT[:admin]` (the `--aksk` syntax). Errors never repeat the secret key.
    pub fn parse(text: &str) -> Result<KeyGrant, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (ak, sk, project, admin) =
            match parts.as_slice() {
                [a, s, p] => (*a, *s, *p, false),
                [a, s, p, "admin"] => (*a, *s, *p, true),
                [_, _, _, _] => return Err(
                    "the fourth part of an AK/SK pair can only be `admin` (AK:SK:PROJECT[:admin])"
                        .to_owned(),
                ),
                _ => return Err(
                    "an AK/SK pair is AK:SK:PROJECT[:admin] (the secret key cannot contain `:`)"
                        .to_owned(),
                ),
            };
        if ak.is_empty() || sk.is_empty() || project.is_empty() {
            return Err(
                "access key, secret key and project must not be empty (AK:SK:PROJECT[:admin])"
                    .to_owned(),
            );
        }
        Ok(KeyGrant {
            access_key: ak.to_owned(),
            secret_key: sk.to_owned(),
            project_id: project.to_owned(),
            admin,
        })
    }
}

/// The admin interface's token (`--admin-token`): sent as `Authorization: Bearer <token>`.
/// `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct AdminToken(String);

impl AdminToken {
    /// Reads a token; it must not be empty.
    pub fn parse(text: &str) -> Result<AdminToken, String> {
        if text.trim().is_empty() {
            return Err("the admin token must not be empty".to_owned());
        }
        Ok(AdminToken(text.to_owned()))
    }

    /// True when `sent` is this token (compared in constant time).
    pub fn matches(&self, sent: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), sent.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

/// Per-project quotas; -1 means no limit. Keys left out of a config file keep their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quotas {
    /// Number of backups kept (the documented example answers 600); in `showQuotas`.
    pub backups: i64,
    /// Backup storage, in GB (the documented example answers -1); in `showQuotas`.
    pub backup_capacity_gb: i64,
    /// Number of backup policies (CSBS.0001 beyond it). The documents give no number and
    /// `showQuotas` has no entry for it, so there is no limit unless one is configured.
    pub policies: i64,
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas { backups: 600, backup_capacity_gb: -1, policies: -1 }
    }
}

/// What one connection may cost: how long the mock waits for a request's head and body and
/// on an idle connection, and how many connections it serves at once (see mock/README.md,
/// "Limits"). Keys left out of a config file keep their defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this many ms of the
    /// mock starting to wait for it (a new connection's first byte too; on a kept-alive
    /// connection, the next head), else the connection is closed (default 10,000).
    pub header_timeout_ms: u64,
    /// A request's body must arrive within this many ms of the mock starting to read it, else
    /// it is answered like a body too large (413 `APIGW.0201`, the gateway table has no
    /// timeout code) and the connection is closed (default 30,000).
    pub body_timeout_ms: u64,
    /// A connection on which no byte moves either way for this many ms is closed (an idle
    /// keep-alive connection, a stalled body; default 60,000). This and the header timeout are
    /// checked every eighth of the shorter of the two, so a connection closes between its
    /// timeout and one such tick after it.
    pub idle_timeout_ms: u64,
    /// An answer the client does not take must be handed to the connection within this many ms
    /// of the first write that could not go through, else the connection is closed (default
    /// 30,000): a client reading a few bytes now and then moves a byte before every idle
    /// timeout, and would otherwise hold its slot and its rendered answer for good.
    pub send_timeout_ms: u64,
    /// The most bytes of free-form JSON one policy keeps (its `parameters` and its servers'
    /// `extra_info`; the spec bounds neither), beyond which `createPolicy`/`updatePolicy` answer
    /// 400 naming this limit (default 65,536).
    pub max_free_form_bytes: usize,
    /// The most bytes one project's policies take in the state (their JSON as an export holds
    /// it), beyond which `createPolicy`/`updatePolicy` answer 400 `CSBS.9006` ("Quota exceeded
    /// for resources: policy_bytes") and keep nothing (default 67,108,864, 64 MiB: about a
    /// thousand policies at the free-form limit, or ten of 50,000 servers).
    pub max_project_policy_bytes: u64,
    /// Connections served at once (default 512, under the usual limit of 1,024 open files).
    /// One more is not refused: it waits in the listen backlog (first come, first served)
    /// until a connection in service ends, which the timeouts above bound.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout_ms: 10_000,
            body_timeout_ms: 30_000,
            idle_timeout_ms: 60_000,
            send_timeout_ms: 30_000,
            max_free_form_bytes: 65_536,
            max_project_policy_bytes: 64 << 20,
            max_connections: 512,
        }
    }
}

impl Limits {
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }

    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms)
    }

    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.send_timeout_ms)
    }
}

/// How a mock is started.
#[derive(Clone, Debug)]
pub struct MockConfig {
    pub listen: SocketAddr,
    /// Tokens and their projects; with none, [`crate::spawn`] makes one up for
    /// [`DEFAULT_PROJECT_ID`].
    pub tokens: Vec<TokenGrant>,
    /// Access keys, their secret keys and projects: requests signed with one
    /// (SDK-HMAC-SHA256) are accepted like a token of the project.
    pub aksk: Vec<KeyGrant>,
    /// How long a new backup stays `protecting`.
    pub protect_delay: Duration,
    /// How long a deleted backup stays `deleting` before it disappears.
    pub delete_delay: Duration,
    /// How long a backup being restored from stays `restoring`.
    pub restore_delay: Duration,
    /// Preload the documented examples' policies, backups and checkpoints into every
    /// configured project.
    pub seed_examples: bool,
    /// Larger bodies are answered 413.
    pub max_body_bytes: usize,
    /// Larger admin bodies (`PUT /_mock/state`, `POST /_mock/clock/advance`) are answered
    /// 413 `MOCK.0413`; see [`DEFAULT_ADMIN_MAX_BODY_BYTES`].
    pub admin_max_body_bytes: usize,
    /// Quotas of every project.
    pub quotas: Quotas,
    /// The API gateway's request budget, in requests a second over all clients: beyond it a
    /// request is answered 429 `APIGW.0308` with `Retry-After` (the documented
    /// `TooManyRequests`), so that clients can test their back-off. `None`: no budget.
    pub rate_limit: Option<u32>,
    /// Timeouts and the connection limit (of [`crate::spawn`]'s listener; the body timeout
    /// applies to [`crate::service`] too).
    pub limits: Limits,
    /// How many requests the journal keeps (`GET /_mock/journal`); 0 keeps none.
    pub journal_size: usize,
    /// Faults injected per operation (`operationId` → fault), see [`crate::faults`].
    pub faults: BTreeMap<String, Fault>,
    /// Answer browsers' CORS preflights and let any origin read the answers.
    pub cors: bool,
    /// The admin interface's token (`/_mock/`); `None`: the admin interface is open.
    pub admin_token: Option<AdminToken>,
    /// The state file (SQLite, feature `state-file`); `None`: the state lives in memory only.
    pub state_file: Option<PathBuf>,
    /// Added to every answer, as the way through a real region's API gateway adds tens of
    /// milliseconds (see `profiles/real-service.yaml`).
    pub latency: Duration,
    /// Code tests run at chosen points of the mock's work.
    #[doc(hidden)]
    pub hooks: crate::hooks::Hooks,
}

impl MockConfig {
    /// Every project a token or an access key is scoped to, each once, sorted.
    pub fn projects(&self) -> Vec<&str> {
        let tokens = self.tokens.iter().map(|t| t.project_id.as_str());
        let keys = self.aksk.iter().map(|k| k.project_id.as_str());
        let projects: std::collections::BTreeSet<&str> = tokens.chain(keys).collect();
        projects.into_iter().collect()
    }
}

/// The body limit of the service: 12 MiB (the AK/SK limit the document names).
pub const DEFAULT_MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// The admin body limit: 256 MiB, an export of about 180,000 backups (one backup is about
/// 1.4 KB of JSON); the state itself has no byte bound, so a larger export needs
/// `--admin-max-body-bytes` raised to be imported.
pub const DEFAULT_ADMIN_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

impl Default for MockConfig {
    fn default() -> MockConfig {
        MockConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tokens: Vec::new(),
            aksk: Vec::new(),
            protect_delay: Duration::ZERO,
            delete_delay: Duration::ZERO,
            restore_delay: Duration::ZERO,
            seed_examples: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            admin_max_body_bytes: DEFAULT_ADMIN_MAX_BODY_BYTES,
            quotas: Quotas::default(),
            rate_limit: None,
            limits: Limits::default(),
            journal_size: DEFAULT_JOURNAL_SIZE,
            faults: BTreeMap::new(),
            cors: true,
            admin_token: None,
            state_file: None,
            latency: Duration::ZERO,
            hooks: crate::hooks::Hooks::default(),
        }
    }
}

/// The most connections served at once: tokio's semaphore limit (2^61 - 1); above it the
/// listener could not count its slots.
pub const MAX_CONNECTIONS: usize = tokio::sync::Semaphore::MAX_PERMITS;

/// Requests the journal keeps by default.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// The `--config FILE` contents; every key is optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    pub listen: Option<SocketAddr>,
    #[serde(default)]
    pub tokens: Vec<TokenGrant>,
    /// `[{access_key, secret_key, project_id, admin}]`.
    #[serde(default)]
    pub aksk: Vec<KeyGrant>,
    pub protect_delay_ms: Option<u64>,
    pub delete_delay_ms: Option<u64>,
    pub restore_delay_ms: Option<u64>,
    pub seed_examples: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub admin_max_body_bytes: Option<usize>,
    pub quotas: Option<Quotas>,
    /// Requests a second the gateway lets through (see [`MockConfig::rate_limit`]).
    pub rate_limit: Option<u32>,
    /// `{header_timeout_ms, body_timeout_ms, idle_timeout_ms, send_timeout_ms,
    /// max_free_form_bytes, max_project_policy_bytes, max_connections}`.
    pub limits: Option<Limits>,
    pub journal_size: Option<usize>,
    /// `{operationId: {latency_ms, code, share}}`.
    #[serde(default)]
    pub faults: BTreeMap<String, Fault>,
    pub cors: Option<bool>,
    /// The admin interface's token (see [`MockConfig::admin_token`]).
    pub admin_token: Option<AdminToken>,
    /// The state file (see [`MockConfig::state_file`]).
    pub state: Option<PathBuf>,
    /// Milliseconds added to every answer (see [`MockConfig::latency`]).
    pub latency_ms: Option<u64>,
}

impl ConfigFile {
    /// Reads a JSON or YAML file (YAML is a superset of JSON).
    pub fn load(path: &Path) -> anyhow::Result<ConfigFile> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        serde_norway::from_str(&text)
            .with_context(|| format!("{} is not a valid mock config", path.display()))
    }

    /// Applies the file's settings over `config`.
    pub fn apply(self, config: &mut MockConfig) {
        let ms = Duration::from_millis;
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        config.tokens.extend(self.tokens);
        config.aksk.extend(self.aksk);
        if let Some(v) = self.rate_limit {
            config.rate_limit = Some(v);
        }
        if let Some(v) = self.latency_ms {
            config.latency = ms(v);
        }
        if let Some(v) = self.protect_delay_ms {
            config.protect_delay = ms(v);
        }
        if let Some(v) = self.delete_delay_ms {
            config.delete_delay = ms(v);
        }
        if let Some(v) = self.restore_delay_ms {
            config.restore_delay = ms(v);
        }
        if let Some(v) = self.seed_examples {
            config.seed_examples = v;
        }
        if let Some(v) = self.max_body_bytes {
            config.max_body_bytes = v;
        }
        if let Some(v) = self.admin_max_body_bytes {
            config.admin_max_body_bytes = v;
        }
        if let Some(v) = self.quotas {
            config.quotas = v;
        }
        if let Some(v) = self.limits {
            config.limits = v;
        }
        if let Some(v) = self.journal_size {
            config.journal_size = v;
        }
        config.faults.extend(self.faults);
        if let Some(v) = self.cors {
            config.cors = v;
        }
        if let Some(v) = self.admin_token {
            config.admin_token = Some(v);
        }
        if let Some(v) = self.state {
            config.state_file = Some(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_syntax() {
        assert_eq!(
            TokenGrant::parse("t:p").unwrap(),
            TokenGrant { token: "t".into(), project_id: "p".into(), admin: false }
        );
        assert!(TokenGrant::parse("t:p:admin").unwrap().admin);
        assert!(TokenGrant::parse("t:p:root").unwrap_err().contains("`root`"));
        assert!(TokenGrant::parse("t").is_err());
        assert!(TokenGrant::parse(":p").is_err());
    }

    #[test]
    fn aksk_syntax_and_the_secret_key_stays_out_of_debug_and_errors() {
        let grant = KeyGrant::parse("AK1:s3cr3t-sk:p").unwrap();
        assert_eq!(
            (grant.access_key.as_str(), grant.project_id.as_str(), grant.admin),
            ("AK1", "p", false)
        );
        assert!(KeyGrant::parse("AK1:s3cr3t-sk:p:admin").unwrap().admin);
        assert!(!format!("{grant:?}").contains("s3cr3t"));
        for bad in [
            "AK1:s3cr3t-sk",
            "AK1:s3cr3t-sk:p:root",
            "AK1:s3cr3t-sk::",
            ":s3cr3t-sk:p",
            "AK1:s3cr3t-sk:p:admin:x",
        ] {
            let error = KeyGrant::parse(bad).unwrap_err();
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }

    #[test]
    fn config_file_in_yaml_or_json() {
        let yaml: ConfigFile = serde_norway::from_str(
            "tokens:\n  - {token: a, project_id: p, admin: true}\naksk:\n  - {access_key: AK, secret_key: SK, project_id: q}\nprotect_delay_ms: 50\n",
        )
        .unwrap();
        let json: ConfigFile =
            serde_norway::from_str(r#"{"quotas": {"backups": 5, "backup_capacity_gb": -1}}"#)
                .unwrap();
        let mut config = MockConfig::default();
        yaml.apply(&mut config);
        json.apply(&mut config);
        assert_eq!(config.tokens.len(), 1);
        assert_eq!(
            config.aksk,
            vec![KeyGrant {
                access_key: "AK".into(),
                secret_key: "SK".into(),
                project_id: "q".into(),
                admin: false
            }]
        );
        assert_eq!(config.projects(), vec!["p", "q"]);
        assert_eq!(config.protect_delay, Duration::from_millis(50));
        assert_eq!(config.quotas.backups, 5);
        let partial: ConfigFile = serde_norway::from_str("quotas: {policies: 2}").unwrap();
        partial.apply(&mut config);
        assert_eq!(config.quotas, Quotas { backups: 600, backup_capacity_gb: -1, policies: 2 });
        assert!(serde_norway::from_str::<ConfigFile>("quotas: {policys: 2}").is_err());
        assert!(serde_norway::from_str::<ConfigFile>("tokenz: []").is_err());
    }
}

//! What a run checks, against what, and within which bounds.

use crate::checks::Check;
use crate::secret::Secret;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A part of the suite, selectable with `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Offline checks of the spec itself: examples validate, every operation has examples.
    Spec,
    /// Missing and invalid tokens (and, with AK/SK, a wrong signature) are answered 401
    /// (`ignored_auth`).
    Auth,
    /// Every documented example request is replayed and its response checked.
    Examples,
    /// Generated requests that follow every rule, or break exactly one (proptest).
    Properties,
    /// What the documents say the service does: filters, sort, pagination, counts, what is
    /// written is read, domain errors, isolation, quotas, lifecycles.
    Behaviour,
    /// Created objects show up everywhere; deleted ones are gone.
    Stateful,
    /// Random histories on the endpoint and on the reference model, compared (the oracle).
    Model,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Spec,
        Phase::Auth,
        Phase::Examples,
        Phase::Properties,
        Phase::Behaviour,
        Phase::Stateful,
        Phase::Model,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Spec => "spec",
            Phase::Auth => "auth",
            Phase::Examples => "examples",
            Phase::Properties => "properties",
            Phase::Behaviour => "behaviour",
            Phase::Stateful => "stateful",
            Phase::Model => "model",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Phase {
    type Err = String;
    fn from_str(s: &str) -> Result<Phase, String> {
        Phase::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Phase::ALL.iter().map(|p| p.name()).collect();
            let near = crate::names::did_you_mean(s, &names);
            format!("unknown part `{s}`; {near}the parts are {}", names.join(", "))
        })
    }
}

/// The second project's credential (see [`RunOptions::other`]); its secret never prints.
#[derive(Clone, Debug)]
pub enum OtherCredential {
    Token { token: Secret, project_id: String },
    AkSk { access_key: String, secret_key: Secret, project_id: String },
}

impl OtherCredential {
    /// Reads `TOKEN:PROJECT` (`--other-token`); errors never repeat the token.
    pub fn token(text: &str) -> Result<OtherCredential, String> {
        match text.rsplit_once(':') {
            Some((token, project)) if !token.is_empty() && !project.is_empty() => {
                Ok(OtherCredential::Token {
                    token: Secret::new(token),
                    project_id: project.to_owned(),
                })
            }
            _ => Err("--other-token is TOKEN:PROJECT (both non-empty)".to_owned()),
        }
    }

    /// Reads `AK:SK:PROJECT` (`--other-aksk`); errors never repeat the secret key.
    pub fn aksk(text: &str) -> Result<OtherCredential, String> {
        match text.split(':').collect::<Vec<_>>().as_slice() {
            [ak, sk, project] if !ak.is_empty() && !sk.is_empty() && !project.is_empty() => {
                Ok(OtherCredential::AkSk {
                    access_key: (*ak).to_owned(),
                    secret_key: Secret::secret_key(*sk),
                    project_id: (*project).to_owned(),
                })
            }
            _ => Err(
                "--other-aksk is AK:SK:PROJECT (all non-empty; the secret key cannot contain `:`)"
                    .to_owned(),
            ),
        }
    }

    pub fn project_id(&self) -> &str {
        match self {
            OtherCredential::Token { project_id, .. }
            | OtherCredential::AkSk { project_id, .. } => project_id,
        }
    }

    pub fn secret(&self) -> &Secret {
        match self {
            OtherCredential::Token { token, .. } => token,
            OtherCredential::AkSk { secret_key, .. } => secret_key,
        }
    }

    /// How its requests authenticate.
    pub fn auth(&self) -> crate::http::Auth {
        match self {
            OtherCredential::Token { token, .. } => crate::http::Auth::Token(token.clone()),
            OtherCredential::AkSk { access_key, secret_key, project_id } => {
                crate::http::Auth::AkSk {
                    access_key: access_key.clone(),
                    secret_key: secret_key.clone(),
                    project_id: project_id.clone(),
                }
            }
        }
    }
}

/// Bounds that keep a run finite whatever the endpoint does.
#[derive(Clone, Debug)]
pub struct Limits {
    /// One request, from sending to the last byte of the body.
    pub request_timeout: Duration,
    /// Response bodies are read up to this many bytes; a larger one is a failure.
    pub max_body_bytes: usize,
    /// The whole run, cleanup excluded.
    pub max_duration: Duration,
    /// How long to wait for a created backup to become available.
    pub settle_timeout: Duration,
    /// Pause between two polls of a backup's status.
    pub poll_interval: Duration,
    /// How long cleanup may take after the run (also after a failure or Ctrl-C).
    pub cleanup_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            request_timeout: Duration::from_secs(10),
            max_body_bytes: 4 << 20,
            max_duration: Duration::from_secs(600),
            settle_timeout: Duration::from_secs(300),
            poll_interval: Duration::from_secs(2),
            cleanup_timeout: Duration::from_secs(120),
        }
    }
}

/// Everything a run needs. `RunOptions::default()` runs the whole suite against the embedded
/// mock; [`RunOptions::against`] targets an endpoint.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// CSBS base URL (`https://csbs.eu-west-0.example.com`); `None` starts the embedded mock.
    pub endpoint: Option<String>,
    /// CBR base URL when CBR is served elsewhere; defaults to `endpoint`.
    pub cbr_endpoint: Option<String>,
    /// The project the token or access key is scoped to (required with an endpoint).
    pub project_id: Option<String>,
    /// The `X-Auth-Token`. With an endpoint, a token or [`RunOptions::ak_sk`] is required;
    /// the embedded mock accepts either (or makes a token up).
    pub token: Option<Secret>,
    /// An access key and its secret key, the alternative to a token: every request is signed
    /// (SDK-HMAC-SHA256) and carries `X-Project-Id`. Build the secret with
    /// [`Secret::secret_key`], so that it shows as `$CSBS_SK`.
    pub ak_sk: Option<(String, Secret)>,
    /// A second project and its credential (`--other-token TOKEN:PROJECT` or `--other-aksk
    /// AK:SK:PROJECT`): the model part checks that neither project's objects can be shown,
    /// listed, changed or deleted through the other.
    pub other: Option<OtherCredential>,
    /// A server of the second project (`--other-server-id`) that `project_isolation` backs up
    /// there, with mutations allowed; `None`: one its own backups name, else the first of
    /// [`RunOptions::server_ids`] (which a service scoping servers to projects refuses).
    pub other_server_id: Option<String>,
    /// Replay examples that create, change or delete (always on for the embedded mock).
    pub allow_mutations: bool,
    /// Also replay restores, which overwrite a server's disks (always on for the embedded mock).
    pub allow_restore: bool,
    /// The credential is an administrator's: admin-only parameters (`all_tenants`) are expected
    /// to work instead of being refused 403.
    pub admin: bool,
    /// At most this many requests a second (the API gateway's budget); `None`: no pace.
    pub rate_limit: Option<f64>,
    /// Servers that may be backed up and put in policies; the embedded mock uses the examples' own.
    pub server_ids: Vec<String>,
    /// Parts to run; empty means all.
    pub only: Vec<Phase>,
    /// Checks to run (`--checks`, as Schemathesis's `-c`); empty means all. A run dispatches
    /// the scenarios that judge them and keeps only their verdicts.
    pub checks: Vec<Check>,
    /// Checks not to run (`--exclude-checks`), taken from [`RunOptions::checks`] or all.
    pub exclude_checks: Vec<Check>,
    /// Cases, seed and regression files of the properties part.
    pub properties: crate::properties::PropertyOptions,
    /// Histories, steps and seed of the model part.
    pub model: crate::model::ModelOptions,
    pub limits: Limits,
    /// Write every exchange of the run to this file as HAR 1.2 (`--report har=FILE`), each
    /// as it completes.
    pub har: Option<std::path::PathBuf>,
    /// Progress on stderr: hidden, a live line (a terminal) or plain lines (a log).
    pub progress: crate::progress::ProgressMode,
    /// Stop on Ctrl-C and clean up (the CLI sets it; a test harness handles signals itself).
    pub handle_ctrl_c: bool,
}

impl RunOptions {
    /// Options for checking the endpoint at `url` with a project-scoped token, read-only.
    pub fn against(
        url: impl Into<String>,
        project_id: impl Into<String>,
        token: Secret,
    ) -> RunOptions {
        RunOptions {
            endpoint: Some(url.into()),
            project_id: Some(project_id.into()),
            token: Some(token),
            ..RunOptions::default()
        }
    }

    /// Options for checking the endpoint at `url` with an access key and its secret key
    /// (requests signed with SDK-HMAC-SHA256), read-only.
    pub fn against_with_keys(
        url: impl Into<String>,
        project_id: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> RunOptions {
        RunOptions {
            endpoint: Some(url.into()),
            project_id: Some(project_id.into()),
            ak_sk: Some((access_key.into(), Secret::secret_key(secret_key))),
            ..RunOptions::default()
        }
    }

    /// The checks this run judges, in registry order.
    pub fn selected_checks(&self) -> Vec<Check> {
        Check::ALL
            .iter()
            .copied()
            .filter(|c| self.checks.is_empty() || self.checks.contains(c))
            .filter(|c| !self.exclude_checks.contains(c))
            .collect()
    }

    /// True when `phase` is part of this run.
    pub fn runs(&self, phase: Phase) -> bool {
        self.only.is_empty() || self.only.contains(&phase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_credential_reads_and_its_secret_stays_out_of_errors() {
        let token = OtherCredential::token("t0ken:p2").unwrap();
        assert_eq!((token.project_id(), token.secret().expose()), ("p2", "t0ken"));
        let keys = OtherCredential::aksk("AK2:s3cr3t:p2").unwrap();
        assert!(
            matches!(keys.auth(), crate::http::Auth::AkSk { ref access_key, .. } if access_key == "AK2")
        );
        for bad in ["t0ken", ":p2", "t0ken:"] {
            assert!(!OtherCredential::token(bad).unwrap_err().contains("t0ken"));
        }
        for bad in ["AK2:s3cr3t", "AK2:s3cr3t:p2:x", "AK2::p2"] {
            assert!(!OtherCredential::aksk(bad).unwrap_err().contains("s3cr3t"));
        }
    }
}

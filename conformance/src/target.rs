//! The endpoint a run checks: base URLs, project and credential (a token or an AK/SK pair),
//! from the options or from the embedded mock.

use crate::error::RunError;
use crate::http::Auth;
use crate::options::RunOptions;
use crate::secret::Secret;
use csbs_spec::Service;

/// How the run's requests authenticate.
#[derive(Clone, Debug)]
pub enum Credential {
    /// `X-Auth-Token`.
    Token(Secret),
    /// SDK-HMAC-SHA256 signatures with this access key and secret key.
    AkSk { access_key: String, secret_key: Secret },
}

impl Credential {
    /// The credential the options name: a token or an AK/SK pair, not both (checked before).
    pub fn from_options(options: &RunOptions) -> Option<Credential> {
        match (&options.ak_sk, &options.token) {
            (Some((access_key, secret_key)), _) => Some(Credential::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.clone(),
            }),
            (None, Some(token)) => Some(Credential::Token(token.clone())),
            (None, None) => None,
        }
    }

    /// `token` or `ak_sk`, for the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Token(_) => "token",
            Credential::AkSk { .. } => "ak_sk",
        }
    }

    /// The secret to keep out of every output.
    pub fn secret(&self) -> &Secret {
        match self {
            Credential::Token(token) => token,
            Credential::AkSk { secret_key, .. } => secret_key,
        }
    }
}

/// Where requests go.
#[derive(Clone, Debug)]
pub struct Target {
    pub csbs: String,
    pub cbr: String,
    pub project_id: String,
    pub credential: Credential,
    pub embedded: bool,
}

impl Target {
    /// The base URL of a service, without a trailing slash.
    pub fn base(&self, service: Service) -> &str {
        match service {
            Service::Csbs => &self.csbs,
            Service::Cbr => &self.cbr,
        }
    }

    /// The run's own credential, as a request carries it.
    pub fn auth(&self) -> Auth {
        match &self.credential {
            Credential::Token(token) => Auth::Token(token.clone()),
            Credential::AkSk { access_key, secret_key } => Auth::AkSk {
                access_key: access_key.clone(),
                secret_key: secret_key.clone(),
                project_id: self.project_id.clone(),
            },
        }
    }

    /// The target named by the options (an endpoint was given).
    pub fn remote(options: &RunOptions, endpoint: &str) -> Result<Target, RunError> {
        let csbs = base_url("--endpoint", endpoint)?;
        let cbr = match &options.cbr_endpoint {
            Some(url) => base_url("--cbr-endpoint", url)?,
            None => csbs.clone(),
        };
        let credential = Credential::from_options(options).ok_or_else(|| {
            RunError::invalid(
                "no credentials",
                format!("{csbs} needs an X-Auth-Token or requests signed with an AK/SK pair"),
                "Pass --token or set CSBS_TOKEN (a project-scoped IAM token), or pass --ak and --sk or set \
                 CSBS_AK and CSBS_SK (an access key and its secret key)",
            )
        })?;
        let project_id = options.project_id.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
            RunError::invalid(
                "no project id",
                "the paths of every operation start with the project id",
                "Pass --project-id or set CSBS_PROJECT_ID (the project the token or access key is scoped to)",
            )
        })?;
        Ok(Target { csbs, cbr, project_id, credential, embedded: false })
    }
}

/// Checks that `url` is an http(s) URL and drops a trailing slash.
pub fn base_url(flag: &str, url: &str) -> Result<String, RunError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        RunError::invalid(
            format!("{flag} `{url}`"),
            format!("is not a URL ({e})"),
            "Write it like https://csbs.eu-west-0.example.com",
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
        return Err(RunError::invalid(
            format!("{flag} `{url}`"),
            "is not an http or https base URL without a query",
            "Write it like https://csbs.eu-west-0.example.com",
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

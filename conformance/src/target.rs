//! The endpoint a run checks: base URLs, project and credential (a token or an AK/SK pair),
//! from the options or from the embedded mock.

use crate::error::RunError;
use crate::http::Auth;
use crate::options::RunOptions;
use csbs_spec::Service;

/// Where requests go.
#[derive(Clone, Debug)]
pub struct Target {
    pub csbs: String,
    pub cbr: String,
    pub project_id: String,
    /// The run's own credential, as every request carries it.
    pub auth: Auth,
    pub embedded: bool,
    /// A project of its own for the model part's histories, and its credential (the
    /// embedded mock serves one, emptied of its seeded examples); `None`: the run's project.
    pub oracle: Option<(String, Auth)>,
    /// A second project and its credential (`--other-token`; the embedded mock serves one).
    pub other: Option<(String, Auth)>,
}

impl Target {
    /// The base URL of a service, without a trailing slash.
    pub fn base(&self, service: Service) -> &str {
        match service {
            Service::Csbs => &self.csbs,
            Service::Cbr => &self.cbr,
        }
    }

    /// The credential of `project`: the second project's for its own path, else the run's.
    pub fn auth_for(&self, project: &str) -> Auth {
        match &self.other {
            Some((other, auth)) if other == project => auth.clone(),
            _ => self.auth.clone(),
        }
    }

    /// The target named by the options (an endpoint was given).
    pub fn remote(options: &RunOptions, endpoint: &str) -> Result<Target, RunError> {
        let csbs = base_url("--endpoint", endpoint)?;
        let cbr = match &options.cbr_endpoint {
            Some(url) => base_url("--cbr-endpoint", url)?,
            None => csbs.clone(),
        };
        let project_id = options.project_id.clone().filter(|p| !p.is_empty()).ok_or_else(|| {
            RunError::invalid(
                "no project id",
                "the paths of every operation start with the project id",
                "Pass --project-id or set CSBS_PROJECT_ID (the project the token or access key is scoped to)",
            )
        })?;
        let auth = Auth::from_options(options, &project_id).ok_or_else(|| {
            RunError::invalid(
                "no credentials",
                format!("{csbs} needs an X-Auth-Token or requests signed with an AK/SK pair"),
                "Pass --token or set CSBS_TOKEN (a project-scoped IAM token), or pass --ak and --sk or set \
                 CSBS_AK and CSBS_SK (an access key and its secret key)",
            )
        })?;
        let other = options.other.as_ref().map(|o| (o.project_id().to_owned(), o.auth()));
        Ok(Target { csbs, cbr, project_id, auth, embedded: false, oracle: None, other })
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

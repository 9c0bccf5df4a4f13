//! The mock started in-process on loopback when no endpoint is given: the README's command.

use crate::error::RunError;
use crate::options::RunOptions;
use crate::target::Target;
#[cfg(feature = "embedded-mock")]
use {crate::http::Auth, crate::secret::Secret, std::time::Duration};

/// A mock running for the length of a run.
pub struct Embedded {
    #[cfg(feature = "embedded-mock")]
    mock: csbs_mock::RunningMock,
}

#[cfg(feature = "embedded-mock")]
impl Embedded {
    /// Starts the mock on 127.0.0.1 with a free port, seeded with the documented examples and
    /// short lifecycle delays (so that waiting for backups is exercised, briefly). A token or
    /// an AK/SK pair given in the options is registered for the given project (or the mock's
    /// default one), and the run uses it.
    pub async fn start(options: &RunOptions) -> Result<(Embedded, Target), RunError> {
        let project_id = options.project_id.clone().filter(|p| !p.is_empty());
        let project_id = project_id.unwrap_or_else(|| csbs_mock::DEFAULT_PROJECT_ID.to_owned());
        let grant = |token: String, project_id: &str| csbs_mock::TokenGrant {
            token,
            project_id: project_id.to_owned(),
            admin: false,
        };
        let made_up = || format!("mock-{}", uuid::Uuid::new_v4().simple());
        let mut aksk_others: Vec<csbs_mock::KeyGrant> = Vec::new();
        let mut tokens = match (&options.token, &options.ak_sk) {
            (Some(token), _) => vec![grant(token.expose().to_owned(), &project_id)],
            (None, None) => vec![grant(made_up(), &project_id)],
            (None, Some(_)) => Vec::new(),
        };
        // The model part's own project, so that its comparisons are exact.
        let oracle_project = uuid::Uuid::new_v4().simple().to_string();
        let oracle_token = made_up();
        tokens.push(grant(oracle_token.clone(), &oracle_project));
        // A second project, for the model part's isolation steps: the one the options name,
        // or one made up.
        let other = match &options.other {
            Some(o) => (o.project_id().to_owned(), o.auth()),
            None => {
                let token = made_up();
                (uuid::Uuid::new_v4().simple().to_string(), Auth::Token(Secret::new(token)))
            }
        };
        match &other.1 {
            Auth::Token(token) => tokens.push(grant(token.expose().to_owned(), &other.0)),
            Auth::AkSk { access_key, secret_key, .. } => aksk_others.push(csbs_mock::KeyGrant {
                access_key: access_key.clone(),
                secret_key: secret_key.expose().to_owned(),
                project_id: other.0.clone(),
                admin: false,
            }),
            Auth::Missing | Auth::Invalid(_) => {}
        }
        let aksk = match &options.ak_sk {
            Some((access_key, secret_key)) => vec![csbs_mock::KeyGrant {
                access_key: access_key.clone(),
                secret_key: secret_key.expose().to_owned(),
                project_id: project_id.clone(),
                admin: false,
            }],
            None => Vec::new(),
        };
        let config = csbs_mock::MockConfig {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            tokens,
            aksk: aksk.into_iter().chain(aksk_others).collect(),
            protect_delay: Duration::from_millis(60),
            delete_delay: Duration::from_millis(400),
            restore_delay: Duration::from_millis(60),
            seed_examples: true,
            ..csbs_mock::MockConfig::default()
        };
        let mock = csbs_mock::spawn(config).await.map_err(|e| RunError::Mock(e.to_string()))?;
        let (auth, project_id) = match Auth::from_options(options, &project_id) {
            Some(auth) => (auth, project_id),
            None => {
                let grant = mock
                    .tokens
                    .first()
                    .cloned()
                    .ok_or_else(|| RunError::Mock("it has no token".into()))?;
                (Auth::Token(Secret::new(grant.token)), grant.project_id)
            }
        };
        let base = mock.base_url().trim_end_matches('/').to_owned();
        let oracle = Some((oracle_project, Auth::Token(Secret::new(oracle_token))));
        let other = Some(other);
        let target = Target {
            csbs: base.clone(),
            cbr: base,
            project_id,
            auth,
            embedded: true,
            oracle,
            other,
        };
        Ok((Embedded { mock }, target))
    }

    pub async fn stop(self) {
        self.mock.shutdown().await;
    }
}

#[cfg(not(feature = "embedded-mock"))]
impl Embedded {
    pub async fn start(_: &RunOptions) -> Result<(Embedded, Target), RunError> {
        Err(RunError::invalid(
            "no --endpoint",
            "this build has no embedded mock (feature `embedded-mock` is off)",
            "Pass --endpoint, or build with the default features",
        ))
    }

    pub async fn stop(self) {}
}

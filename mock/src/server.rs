//! The server: shared state, the service answering requests, and a mock running in a background
//! task.

use crate::auth::Grants;
use crate::clock::{self, Micros};
use crate::config::{MockConfig, TokenGrant, DEFAULT_PROJECT_ID};
use crate::state::Store;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::Response;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_service::Service;

/// What every request shares.
pub struct App {
    pub config: MockConfig,
    pub grants: Grants,
    pub store: Store,
    pub protect_delay: Micros,
    pub delete_delay: Micros,
    pub restore_delay: Micros,
    /// Where a virtual clock stands before any advance (the oracle's model, see
    /// [`crate::Model`]); `None`: the real clock.
    pub(crate) virtual_start: Option<Micros>,
    /// The gateway's request budget, when one is configured.
    pub budget: Option<crate::gateway::Budget>,
    /// The last requests (`/_mock/journal`).
    pub journal: crate::journal::Journal,
    /// The configured faults (checked by [`spawn`]; [`service`] leaves out a config whose
    /// faults the spec does not allow).
    pub faults: crate::faults::Faults,
}

fn micros(d: Duration) -> Micros {
    Micros::try_from(d.as_micros()).unwrap_or(Micros::MAX / 4)
}

impl App {
    /// The state of a mock started with `config`: restored from its state file when it has
    /// one that holds a state, seeded (`seed_examples`) otherwise.
    pub fn new(config: MockConfig) -> std::io::Result<App> {
        // Compiled here rather than by the first request, which would wait for it (~0.2 s).
        csbs_spec::Contract::global();
        let (store, restored) = open_store(&config)?;
        let app = App {
            grants: Grants::new(&config.tokens, &config.aksk),
            store,
            protect_delay: micros(config.protect_delay),
            delete_delay: micros(config.delete_delay),
            restore_delay: micros(config.restore_delay),
            virtual_start: None,
            budget: config.rate_limit.map(crate::gateway::Budget::new),
            journal: crate::journal::Journal::new(config.journal_size),
            faults: crate::faults::Faults::new(&config.faults).unwrap_or_default(),
            config,
        };
        if app.config.seed_examples && !restored {
            crate::seed::seed(&app);
        }
        app.store.persist().map_err(std::io::Error::other)?;
        Ok(app)
    }

    /// The mock's time: the real clock, plus however far it has been advanced.
    /// Never past [`clock::MAX_TIME`] (an advance stops there; a real clock may pass an
    /// imported offset's end by a little).
    pub fn now(&self) -> Micros {
        self.base_time().saturating_add(self.store.clock_offset()).min(clock::MAX_TIME)
    }

    fn base_time(&self) -> Micros {
        self.virtual_start.unwrap_or_else(clock::now)
    }

    /// The largest clock offset: the one that puts the mock's time at [`clock::MAX_TIME`].
    pub fn max_clock_offset(&self) -> Micros {
        clock::MAX_TIME.saturating_sub(self.base_time()).max(0)
    }

    /// Moves the mock's clock forward (never back); kept in the state file when there is one.
    /// Refused, the clock unmoved, when it would pass [`clock::MAX_TIME`].
    pub fn advance_clock(&self, by: Duration) -> Result<(), crate::state::ClockError> {
        self.store.advance_clock(micros(by), self.max_clock_offset())
    }
}

/// The store `config` asks for: in memory, or kept in its state file (and whether that file
/// held a state).
fn open_store(config: &MockConfig) -> std::io::Result<(Store, bool)> {
    let Some(path) = &config.state_file else { return Ok((Store::default(), false)) };
    #[cfg(feature = "state-file")]
    {
        let file = crate::state::Sqlite::open(path).map_err(std::io::Error::other)?;
        let max_offset = clock::MAX_TIME.saturating_sub(clock::now()).max(0);
        Store::durable(Box::new(file), max_offset).map_err(|e| {
            std::io::Error::other(format!("cannot restore the state from {}: {e}", path.display()))
        })
    }
    #[cfg(not(feature = "state-file"))]
    Err(std::io::Error::other(format!(
        "cannot keep the state in {}: this build of csbs-mock lacks the feature `state-file`",
        path.display()
    )))
}

/// The mock as a tower service, for in-process use (`tower::ServiceExt::oneshot`): it serves
/// exactly the configured tokens and AK/SK pairs (unlike [`spawn`], it makes no token up).
/// Fails when the state file cannot be opened or read.
///
/// Here and in [`spawn`] the dispatcher gets no axum `Router` in front: the mock routes by the
/// spec's paths itself, and a router would only run its fallback (about 4,000 instructions a
/// request).
pub fn service(
    config: MockConfig,
) -> std::io::Result<
    impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync,
> {
    Ok(crate::dispatch::handle.with_state(Arc::new(App::new(config)?)))
}

/// A mock serving in a background task.
pub struct RunningMock {
    pub addr: SocketAddr,
    /// The tokens it accepts (the one it made up when neither a token nor an AK/SK pair was
    /// configured).
    pub tokens: Vec<TokenGrant>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    app: Arc<App>,
}

impl RunningMock {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Moves the mock's clock forward (never back), so that what takes time (delays,
    /// retention, schedules) can be seen at once. Signed requests are still checked against
    /// the real clock, which is what clients sign with. (Over HTTP:
    /// `POST /_mock/clock/advance`.) A state file that cannot be written is reported by
    /// `GET /_mock/ready`.
    pub fn advance_clock(&self, by: Duration) {
        let _reported_by_readiness = self.app.advance_clock(by);
    }

    /// Waits until the listener ends by itself, which it does only on a failure (a panic
    /// included); the error says why. [`RunningMock::shutdown`] is not called afterwards.
    pub async fn failed(&mut self) -> std::io::Error {
        match (&mut self.task).await {
            Ok(Ok(())) => std::io::Error::other("the listener stopped"),
            Ok(Err(error)) => error,
            Err(error) => std::io::Error::other(format!("the listener failed: {error}")),
        }
    }

    /// Stops accepting, lets requests in flight finish (at most five seconds), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// Binds `config.listen` and serves in a background tokio task. With neither tokens nor AK/SK
/// pairs configured it makes up a token (random) for [`DEFAULT_PROJECT_ID`], returned in
/// [`RunningMock::tokens`].
pub async fn spawn(config: MockConfig) -> std::io::Result<RunningMock> {
    spawn_prepared(config, |_| {}).await
}

/// [`spawn`], with `prepare` run on the state before the first request.
pub(crate) async fn spawn_prepared(
    mut config: MockConfig,
    prepare: impl FnOnce(&App),
) -> std::io::Result<RunningMock> {
    if config.tokens.is_empty() && config.aksk.is_empty() {
        let token = format!("mock-{}", uuid::Uuid::new_v4().simple());
        config.tokens.push(TokenGrant {
            token,
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            admin: false,
        });
    }
    crate::faults::Faults::new(&config.faults)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let connections = config.limits.max_connections;
    if !(1..=crate::config::MAX_CONNECTIONS).contains(&connections) {
        // Connections beyond the limit wait: with none allowed, every client would hang; above
        // the semaphore's limit the listener could not start.
        let message = format!(
            "limits.max_connections must be from 1 to {}, got {connections}",
            crate::config::MAX_CONNECTIONS
        );
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
    }
    // The cause alone ("Address already in use") named neither the address nor the option.
    let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
        let what = format!("cannot listen on {} (--listen, config `listen`): {e}", config.listen);
        std::io::Error::new(e.kind(), what)
    })?;
    let addr = listener.local_addr()?;
    let tokens = config.tokens.clone();
    let app = App::new(config)?;
    prepare(&app);
    app.store.persist().map_err(std::io::Error::other)?;
    let app = Arc::new(app);
    let (stop, stopped) = oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(crate::listener::serve(listener, app.clone(), stopped));
    Ok(RunningMock { addr, tokens, stop, task, app })
}

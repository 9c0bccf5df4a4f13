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
use std::sync::atomic::{AtomicI64, Ordering};
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
    /// How far the mock's clock is ahead of the real one (see [`RunningMock::advance_clock`]).
    clock_offset: AtomicI64,
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
    pub fn new(config: MockConfig) -> App {
        // Compiled here rather than by the first request, which would wait for it (~0.2 s).
        csbs_spec::Contract::global();
        let app = App {
            grants: Grants::new(&config.tokens, &config.aksk),
            store: Store::default(),
            protect_delay: micros(config.protect_delay),
            delete_delay: micros(config.delete_delay),
            restore_delay: micros(config.restore_delay),
            clock_offset: AtomicI64::new(0),
            budget: config.rate_limit.map(crate::gateway::Budget::new),
            journal: crate::journal::Journal::new(config.journal_size),
            faults: crate::faults::Faults::new(&config.faults).unwrap_or_default(),
            config,
        };
        if app.config.seed_examples {
            crate::seed::seed(&app);
        }
        app
    }

    /// The mock's time: the real clock, plus however far it has been advanced.
    pub fn now(&self) -> Micros {
        clock::now().saturating_add(self.clock_offset.load(Ordering::Relaxed))
    }
}

/// The mock as a tower service, for in-process use (`tower::ServiceExt::oneshot`): it serves
/// exactly the configured tokens and AK/SK pairs (unlike [`spawn`], it makes no token up).
///
/// Here and in [`spawn`] the dispatcher gets no axum `Router` in front: the mock routes by the
/// spec's paths itself, and a router would only run its fallback (about 4,000 instructions a
/// request).
pub fn service(
    config: MockConfig,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync
{
    crate::dispatch::handle.with_state(Arc::new(App::new(config)))
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
    /// the real clock, which is what clients sign with.
    pub fn advance_clock(&self, by: Duration) {
        self.app.clock_offset.fetch_add(micros(by), Ordering::Relaxed);
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
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let tokens = config.tokens.clone();
    let app = App::new(config);
    prepare(&app);
    let app = Arc::new(app);
    let (stop, stopped) = oneshot::channel::<()>();
    let stopped = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(crate::listener::serve(listener, app.clone(), stopped));
    Ok(RunningMock { addr, tokens, stop, task, app })
}

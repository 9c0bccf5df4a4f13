//! The mock as a model: in-process (a tower service, no network) on a virtual clock that moves
//! only when told to, for the conformance runner's oracle (`model_conformance`), which sends a
//! history to an endpoint and, step by step, to a fresh model.

use crate::clock;
use crate::config::MockConfig;
use crate::server::App;
use axum::extract::Request;
use axum::handler::Handler;
use axum::response::Response;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tower_service::Service;

/// A mock whose clock stands still: a backup stays `protecting`, `restoring` or `deleting`
/// until [`Model::settle`] (or enough [`Model::advance`]) ends its transition.
pub struct Model {
    app: Arc<App>,
}

impl Model {
    /// A model serving exactly the configured tokens and AK/SK pairs; its clock starts at the
    /// real time of the call. Fails only when the config names a state file that cannot be
    /// opened (a model needs none).
    pub fn new(config: MockConfig) -> std::io::Result<Model> {
        let mut app = App::new(config)?;
        app.virtual_start = Some(clock::now());
        Ok(Model { app: Arc::new(app) })
    }

    /// The model as a tower service (`tower::ServiceExt::oneshot`).
    pub fn service(
        &self,
    ) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync
    {
        crate::dispatch::handle.with_state(self.app.clone())
    }

    /// Sends one request (`target` is the path and query, `/v1/{project}/policies?limit=2`)
    /// with an `X-Auth-Token`; returns the status and the body. Bodies are read whole: the
    /// model's answers are small.
    pub async fn call(
        &self,
        method: &str,
        target: &str,
        token: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, Vec<u8>) {
        let mut request =
            Request::builder().method(method).uri(target).header(crate::auth::TOKEN_HEADER, token);
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let Ok(request) = request.body(axum::body::Body::from(bytes)) else {
            return (400, b"the model could not build the request".to_vec());
        };
        let mut service = self.service();
        let Ok(response) = service.call(request).await;
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        (status, body.map(|b| b.to_vec()).unwrap_or_default())
    }

    /// Moves the clock forward by `by` (a millisecond between two steps keeps creation times
    /// apart).
    pub fn advance(&self, by: Duration) {
        // Only a state file that cannot be written fails an advance; a model keeps none.
        let _ = self.app.advance_clock(by);
    }

    /// Moves the clock past the longest configured delay: every transition started so far
    /// has ended (schedules of enabled policies may run meanwhile, as they would).
    pub fn settle(&self) {
        let c = &self.app.config;
        let longest = c.protect_delay.max(c.delete_delay).max(c.restore_delay);
        self.advance(longest + Duration::from_millis(1));
    }
}

//! The admin routes under [`PREFIX`], and the hand-over from the API dispatcher.
//!
//! The API has no router in front of it (see `server.rs`); admin requests are rare, so they
//! get an axum `Router`, built per request from [`router`], which keeps no cycle between the
//! shared state and a router holding it.

use super::error::AdminError;
use super::{clock, guard, health, journal, spec, state};
use crate::server::App;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use std::sync::Arc;
use tower_service::Service;

/// The reserved prefix of every admin path.
pub const PREFIX: &str = "/_mock/";

/// True for a path of the admin interface (the API dispatcher hands these over).
pub fn is_admin(path: &str) -> bool {
    path.starts_with(PREFIX) || path == PREFIX.trim_end_matches('/')
}

/// The admin routes that need the admin token when one is configured (paths under
/// [`PREFIX`]). A new admin route is added here, and in `mock/admin-openapi.yaml`.
fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/spec", get(spec::index))
        .route("/spec/{file}", get(spec::document))
        .route("/clock", get(clock::show))
        .route("/clock/advance", post(clock::advance))
        .route("/projects/{project_id}", delete(state::reset_project))
        .route("/state", get(state::export).put(state::import))
        .route("/journal", get(journal::show).delete(journal::clear))
}

/// Every admin route of `app`: [`routes`] behind the admin token, health and readiness open
/// (probes carry no token), anything else under the prefix a 404 or 405 of the admin kind.
fn router(app: Arc<App>) -> Router {
    let guarded =
        routes().route_layer(axum::middleware::from_fn_with_state(app.clone(), guard::admin_token));
    let open =
        Router::new().route("/health", get(health::health)).route("/ready", get(health::ready));
    Router::new()
        .nest(PREFIX.trim_end_matches('/'), open.merge(guarded))
        .fallback(|request: Request| async move {
            AdminError::not_found(request.uri().path()).into_response()
        })
        .method_not_allowed_fallback(|request: Request| async move {
            AdminError::method_not_allowed(request.method().as_str()).into_response()
        })
        .with_state(app)
}

/// Answers an admin request.
pub async fn handle(app: Arc<App>, request: Request) -> Response {
    let mut router = router(app);
    match Service::call(&mut router, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_path_of_the_api_is_under_the_admin_prefix() {
        for op in csbs_spec::operations::all_operations() {
            assert!(!is_admin(&op.path), "{} {} is under {PREFIX}", op.id, op.path);
        }
        assert!(is_admin("/_mock/health") && is_admin("/_mock"));
        assert!(!is_admin("/_mockery") && !is_admin("/v1/_mock/"));
    }
}

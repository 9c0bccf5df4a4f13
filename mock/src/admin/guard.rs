//! The admin token: with `--admin-token` configured, every guarded admin route needs
//! `Authorization: Bearer <token>`; without one the admin interface is open (the mock listens
//! on loopback by default). API tokens are not admin tokens, nor the other way round.

use super::error::AdminError;
use crate::server::App;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Lets the request through when it carries the admin token (or none is configured).
pub async fn admin_token(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let Some(expected) = &app.config.admin_token else {
        return next.run(request).await;
    };
    let sent = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match sent {
        Some(token) if expected.matches(token) => next.run(request).await,
        _ => AdminError::unauthorized().into_response(),
    }
}

//! Health and readiness, for probes and `docker run --health-cmd`: health answers while the
//! process serves; readiness also says whether the state is kept (a state file that could not
//! be written makes the mock not ready: changes would be refused).

use crate::server::App;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /_mock/health`: 200 `{"status": "pass"}` while the mock serves.
pub async fn health() -> Json<Value> {
    Json(json!({"status": "pass"}))
}

/// `GET /_mock/ready`: 200 when requests are served and their changes kept, 503 otherwise,
/// with where the state is kept (`memory` or `file`).
pub async fn ready(State(app): State<Arc<App>>) -> (StatusCode, Json<Value>) {
    let storage = app.store.storage();
    let (status, word) = match &storage.failure {
        None => (StatusCode::OK, "pass"),
        Some(_) => (StatusCode::SERVICE_UNAVAILABLE, "fail"),
    };
    let body = json!({
        "status": word,
        "state": storage.kind,
        "output": storage.failure,
    });
    (status, Json(body))
}

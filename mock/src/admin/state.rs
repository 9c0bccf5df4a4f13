//! The state as a whole: empty a project, export everything as JSON, import such an export
//! (replacing everything). With a state file, each is kept there before it is answered.

use super::body::AdminBody;
use super::error::AdminError;
use crate::server::App;
use crate::state::{check_import, Snapshot};
use axum::extract::{Path, State};
use axum::http::header;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `DELETE /_mock/projects/{project_id}`: the project's policies, backups and schedules go;
/// 204.
pub async fn reset_project(
    State(app): State<Arc<App>>,
    Path(project_id): Path<String>,
) -> Result<StatusCode, AdminError> {
    app.store.reset_project(&project_id).map_err(AdminError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One export at a time: each holds a copy of the whole state.
static EXPORTING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `GET /_mock/state`: every project's records and the clock (`csbs-mock-state/1`). Copied
/// and written on a blocking thread (a big state takes a while; the runtime's workers keep
/// serving), one export at a time.
pub async fn export(State(app): State<Arc<App>>) -> Result<Response, AdminError> {
    let _one_at_a_time = EXPORTING.lock().await;
    let export = move || serde_json::to_vec(&app.store.export(|| app.config.hooks.export_taken()));
    let written = tokio::task::spawn_blocking(export)
        .await
        .map_err(|e| AdminError::internal(format!("the export stopped: {e}")))?
        .map_err(|e| AdminError::internal(format!("the export does not write: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], written).into_response())
}

/// `PUT /_mock/state`: replaces the whole state with an export; 204. A body that is not one,
/// or holds values the mock cannot keep (see `state/check.rs`), is refused (400) naming the
/// field, the rule and the value, and the state stays as it was.
pub async fn import(
    State(app): State<Arc<App>>,
    AdminBody(body): AdminBody,
) -> Result<StatusCode, AdminError> {
    let snapshot: Snapshot = serde_json::from_slice(&body)
        .map_err(|e| AdminError::bad_request(format!("body: is not a state export ({e})")))?;
    check_import(&snapshot, app.max_clock_offset()).map_err(AdminError::bad_request)?;
    app.store.import(snapshot).map_err(AdminError::internal)?;
    Ok(StatusCode::NO_CONTENT)
}

//! The request journal (`crate::journal`) over HTTP: `GET /_mock/journal` answers the kept
//! requests that pass the query's filters, `DELETE /_mock/journal` forgets them.

use super::error::AdminError;
use crate::journal::Filter;
use crate::server::App;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;

/// `GET /_mock/journal?method=&operation=&path=&status=&error_code=&verdict=&since=&limit=`:
/// `{"requests": [...]}`, oldest first; 400 naming a filter it does not know or cannot read.
pub async fn show(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, AdminError> {
    let filter =
        Filter::parse(query.as_deref().unwrap_or_default()).map_err(AdminError::bad_request)?;
    Ok(Json(json!({ "requests": app.journal.select(&filter) })))
}

/// `DELETE /_mock/journal`: forgets every kept request (numbering goes on).
pub async fn clear(State(app): State<Arc<App>>) -> StatusCode {
    app.journal.clear();
    StatusCode::NO_CONTENT
}

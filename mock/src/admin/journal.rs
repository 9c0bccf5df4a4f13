//! The request journal (`crate::journal`) over HTTP: `GET /_mock/journal` answers the kept
//! requests that pass the query's filters, `DELETE /_mock/journal` forgets them.

use super::error::AdminError;
use crate::journal::Filter;
use crate::server::App;
use axum::extract::{RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `GET /_mock/journal?method=&operation=&path=&status=&error_code=&verdict=&since=&limit=`:
/// `{"requests": [...], "more": N}`, oldest first, at most `journal::MAX_PAGE` entries; 400
/// naming a filter it does not know or cannot read. The entries are copied under the
/// journal's lock and serialised on a blocking thread, so a read holds neither the lock nor a
/// worker of the requests meanwhile.
pub async fn show(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
) -> Result<Response, AdminError> {
    let filter =
        Filter::parse(query.as_deref().unwrap_or_default()).map_err(AdminError::bad_request)?;
    let page = app.journal.select(&filter);
    let body = tokio::task::spawn_blocking(move || serde_json::to_vec(&page))
        .await
        .map_err(|e| AdminError::internal(e.to_string()))?
        .map_err(|e| AdminError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `DELETE /_mock/journal`: forgets every kept request (numbering goes on).
pub async fn clear(State(app): State<Arc<App>>) -> StatusCode {
    app.journal.clear();
    StatusCode::NO_CONTENT
}

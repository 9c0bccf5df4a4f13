//! Admin request bodies, read as the API's are (see `dispatch.rs`): within a byte limit of
//! their own (`admin_max_body_bytes`: an import is a whole state) and the body timeout, one
//! at a time, and only once the admin token has been checked (an extractor runs after the
//! route's guard).

use super::error::AdminError;
use crate::server::App;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// A whole admin body.
pub struct AdminBody(pub Bytes);

/// One admin body is read at a time: an import may be hundreds of MB, and the admin
/// interface is open by default.
static READING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

impl FromRequest<Arc<App>> for AdminBody {
    type Rejection = Response;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<AdminBody, Response> {
        let limit = app.config.admin_max_body_bytes;
        let timeout = app.config.limits.body_timeout();
        let too_large = || {
            AdminError::too_large(format!(
                "body: must be at most {limit} bytes (the admin body limit; raise it with \
                 --admin-max-body-bytes or the config key admin_max_body_bytes)"
            ))
            .into_response()
        };
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let read = async {
            let _one_at_a_time = READING.lock().await;
            axum::body::to_bytes(request.into_body(), limit).await
        };
        match tokio::time::timeout(timeout, read).await {
            Ok(Ok(bytes)) => Ok(AdminBody(bytes)),
            Ok(Err(_)) => Err(too_large()),
            Err(_) => {
                let message = format!(
                    "body: did not arrive within {} ms (the body timeout, --body-timeout-ms)",
                    timeout.as_millis()
                );
                let mut response = AdminError::too_large(message).into_response();
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                Err(response)
            }
        }
    }
}

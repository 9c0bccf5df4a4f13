//! Admin error answers: `{"error_code", "error_msg"}` like the API's, with codes of the admin
//! interface's own (`MOCK.*`, listed in `mock/admin-openapi.yaml`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An admin error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminError {
    pub status: StatusCode,
    /// `MOCK.<status>`: one code per status, the message says the rest.
    pub code: &'static str,
    pub message: String,
}

impl AdminError {
    fn new(status: StatusCode, code: &'static str, message: String) -> AdminError {
        AdminError { status, code, message }
    }

    /// 400: a body or parameter the admin interface cannot use, naming what and why.
    pub fn bad_request(message: String) -> AdminError {
        AdminError::new(StatusCode::BAD_REQUEST, "MOCK.0400", message)
    }

    /// 401: the admin token is missing or wrong (the message never repeats what was sent).
    pub fn unauthorized() -> AdminError {
        let message = "the admin interface needs the admin token (--admin-token) as \
                       `Authorization: Bearer <token>`"
            .to_owned();
        AdminError::new(StatusCode::UNAUTHORIZED, "MOCK.0401", message)
    }

    /// 404: nothing of the admin interface at this path.
    pub fn not_found(path: &str) -> AdminError {
        let path = crate::errors::quoted(path);
        let message = format!("no admin route at {path}; see GET /_mock/spec/admin-openapi.yaml");
        AdminError::new(StatusCode::NOT_FOUND, "MOCK.0404", message)
    }

    /// 405: the route exists, not with this method.
    pub fn method_not_allowed(method: &str) -> AdminError {
        let message = format!("{method} is not allowed on this admin route");
        AdminError::new(StatusCode::METHOD_NOT_ALLOWED, "MOCK.0405", message)
    }

    /// 500: the state could not be kept (the state file failed) or read.
    pub fn internal(message: String) -> AdminError {
        AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "MOCK.0500", message)
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error_code": self.code, "error_msg": self.message});
        (self.status, axum::Json(body)).into_response()
    }
}

//! The documents the mock serves: both API documents of `spec/` (what it validates against)
//! and the admin interface's own, as committed (YAML) or as JSON.

use super::error::AdminError;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use csbs_spec::Service;
use serde_json::{json, Value};

/// The admin interface's document (`mock/admin-openapi.yaml`).
pub const ADMIN_OPENAPI: &str = include_str!("../../admin-openapi.yaml");
const ADMIN_FILE: &str = "admin-openapi.yaml";

/// Every served document: file name and YAML text.
fn documents() -> impl Iterator<Item = (&'static str, &'static str)> {
    Service::ALL
        .into_iter()
        .map(|s| (s.file_name(), s.source()))
        .chain([(ADMIN_FILE, ADMIN_OPENAPI)])
}

/// `GET /_mock/spec`: the documents, each as YAML and as JSON.
pub async fn index() -> Json<Value> {
    let documents: Vec<Value> = documents()
        .map(|(file, _)| {
            let stem = file.trim_end_matches(".yaml");
            json!({"name": stem, "yaml": format!("/_mock/spec/{file}"), "json": format!("/_mock/spec/{stem}.json")})
        })
        .collect();
    Json(json!({ "documents": documents }))
}

/// `GET /_mock/spec/{file}`: `NAME.yaml` as committed, `NAME.json` converted.
pub async fn document(Path(file): Path<String>) -> Response {
    if let Some((_, text)) = documents().find(|(name, _)| *name == file) {
        return ([(header::CONTENT_TYPE, "application/yaml")], text).into_response();
    }
    let stem = file.strip_suffix(".json").unwrap_or_default();
    let found = documents().find(|(name, _)| name.trim_end_matches(".yaml") == stem);
    match found.map(|(_, text)| csbs_spec::document::parse_yaml(text)) {
        Some(Ok(value)) => Json(value).into_response(),
        Some(Err(e)) => AdminError::internal(format!("{file} does not parse: {e}")).into_response(),
        None => AdminError::not_found(&format!("/_mock/spec/{file}")).into_response(),
    }
}

//! A validated request as the handlers see it, with typed accessors, and their answer.

use crate::clock::Micros;
use crate::errors::ApiError;
use csbs_spec::{Operation, Values};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A request that passed routing, authentication and validation.
pub struct Call<'a> {
    pub op: &'static Operation,
    /// Path values, typed by their schemas.
    pub path: Values<'static>,
    /// Query values, typed by their schemas (arrays for repeated keys).
    pub query: Values<'static>,
    pub body: Option<Value>,
    /// The path parameter naming the project (`x-credential-scope`), if the operation has one.
    pub project_param: Option<&'static str>,
    /// `all_tenants=true` from an admin token.
    pub all_tenants: bool,
    pub now: Micros,
    /// The request path and query as sent, for `next` links.
    pub raw_path: &'a str,
    pub raw_query: &'a str,
}

impl Call<'_> {
    /// The project of the request's path (empty for an operation without one).
    pub fn project_id(&self) -> &str {
        let value = self.project_param.and_then(|p| self.path.get(p));
        csbs_types::params::text(value)
    }

    /// The body as the operation's body type of `csbs_types` (`request::<OperationId>`), its
    /// text borrowed. The body passed validation, so this fails only where the generated type
    /// and the validator read the schema differently: a 400 naming the decoder's complaint.
    pub fn decode<'c, T: Deserialize<'c>>(&'c self) -> Result<T, ApiError> {
        let body = self.body.as_ref().unwrap_or(&Value::Null);
        T::deserialize(body).map_err(|e| {
            let message = format!("does not fit the operation's body type ({e})");
            ApiError::invalid_field(self.op.service, "body", "type", &message, Value::Null)
        })
    }
}

/// A successful answer (every operation of both documents answers 200).
pub enum Reply {
    Json(Vec<u8>),
    /// `deletePolicy`: 200 without a body.
    Empty,
}

impl Reply {
    pub fn json<T: Serialize>(body: &T) -> Reply {
        // Most answers fit, which saves the buffer's regrowth.
        let mut out = Vec::with_capacity(4096);
        // Serializing the views cannot fail: their maps have string keys.
        match serde_json::to_writer(&mut out, body) {
            Ok(()) => Reply::Json(out),
            Err(_) => Reply::Json(b"{}".to_vec()),
        }
    }
}

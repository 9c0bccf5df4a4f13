//! The mock's clock: read it, and move it forward so that lifecycles, schedules and retention
//! can be seen at once (`RunningMock::advance_clock` from HTTP). Signed requests are still
//! checked against the real clock, which is what clients sign with.

use super::body::AdminBody;
use super::error::AdminError;
use crate::server::App;
use crate::state::ClockError;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The largest single advance: a hundred years, far past any retention, and far from the
/// clock's range.
pub const MAX_ADVANCE_SECONDS: u64 = 100 * 365 * 86_400;

fn clock_view(app: &App) -> Value {
    let rfc3339 = |t| {
        chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    };
    let offset = app.store.clock_offset();
    json!({
        "now": rfc3339(app.now()),
        "real": rfc3339(crate::clock::now()),
        "offset_seconds": offset as f64 / 1e6,
    })
}

/// `GET /_mock/clock`: the mock's time, the real time, and how far apart they are.
pub async fn show(State(app): State<Arc<App>>) -> Json<Value> {
    Json(clock_view(&app))
}

/// `POST /_mock/clock/advance` with `{"seconds": N}`: moves the clock forward by N seconds
/// (never back), kept in the state file when there is one; answers the clock as `GET` does.
pub async fn advance(
    State(app): State<Arc<App>>,
    AdminBody(body): AdminBody,
) -> Result<Json<Value>, AdminError> {
    let seconds = seconds_of(&body)?;
    app.advance_clock(Duration::from_secs(seconds)).map_err(|e| refusal(e, seconds))?;
    Ok(Json(clock_view(&app)))
}

/// The admin answer to an advance the store refused.
fn refusal(error: ClockError, seconds: u64) -> AdminError {
    match error {
        ClockError::BeyondMax { left } => AdminError::bad_request(format!(
            "seconds: must not take the clock past {}Z ({} seconds are left; got {seconds})",
            crate::clock::csbs(crate::clock::MAX_TIME),
            left.max(0) / 1_000_000
        )),
        ClockError::NotKept(message) => AdminError::internal(message),
    }
}

/// The `seconds` member of an advance body, naming the field, the rule and the value when it
/// is not an integer in `0..=MAX_ADVANCE_SECONDS`.
fn seconds_of(body: &[u8]) -> Result<u64, AdminError> {
    let body: Value = serde_json::from_slice(body)
        .map_err(|e| AdminError::bad_request(format!("body: is not valid JSON ({e})")))?;
    let value = body.get("seconds").cloned().unwrap_or(Value::Null);
    value.as_u64().filter(|s| *s <= MAX_ADVANCE_SECONDS).ok_or_else(|| {
        AdminError::bad_request(format!(
            "seconds: must be an integer from 0 to {MAX_ADVANCE_SECONDS} (got {value})"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_advance_names_the_field_the_rule_and_the_value() {
        assert_eq!(seconds_of(br#"{"seconds": 60}"#), Ok(60));
        for (body, quoted) in [
            (&br#"{"seconds": -1}"#[..], "got -1"),
            (br#"{"seconds": 1.5}"#, "got 1.5"),
            (br#"{"seconds": "60"}"#, r#"got "60""#),
            (br#"{}"#, "got null"),
            (br#"{"seconds": 99999999999}"#, "got 99999999999"),
        ] {
            let error = seconds_of(body).unwrap_err();
            assert_eq!(error.code, "MOCK.0400");
            assert!(error.message.starts_with("seconds: must be an integer"), "{}", error.message);
            assert!(error.message.contains(quoted), "{}", error.message);
        }
        assert!(seconds_of(b"nope").unwrap_err().message.starts_with("body: is not valid JSON"));
    }
}

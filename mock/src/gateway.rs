//! The API gateway's throttling, when a budget is configured ([`MockConfig::rate_limit`]): at
//! most that many requests in each second (a fixed window), the rest answered 429 `APIGW.0308`
//! with `Retry-After` (seconds to the next window), as the documented `TooManyRequests`.
//!
//! [`MockConfig::rate_limit`]: crate::MockConfig::rate_limit

use crate::errors::ApiError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use csbs_types::codes::gateway::APIGW_0308;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Requests counted in the current one-second window.
pub struct Budget {
    per_second: u32,
    window: Mutex<(u64, u32)>,
}

impl Budget {
    pub fn new(per_second: u32) -> Budget {
        Budget { per_second, window: Mutex::new((0, 0)) }
    }

    /// `None` when the request fits the budget; the 429 answer otherwise.
    pub fn admit(&self) -> Option<Response> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let second = now.as_secs();
        let mut window = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if window.0 != second {
            *window = (second, 0);
        }
        if window.1 < self.per_second {
            window.1 += 1;
            return None;
        }
        drop(window);
        let detail = format!("more than {} requests in one second", self.per_second);
        let mut response = ApiError::gateway(APIGW_0308, &detail).into_response();
        // The next window starts within the second: one second covers it.
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        Some(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_admits_that_many_a_second_then_answers_429() {
        let budget = Budget::new(3);
        let answers: Vec<bool> = (0..5).map(|_| budget.admit().is_none()).collect();
        // Five calls in well under a second (or split by a window boundary: then more pass).
        assert!(answers.iter().filter(|a| **a).count() >= 3);
        let budget = Budget::new(0);
        let refused = budget.admit().expect("a zero budget refuses");
        assert_eq!(refused.status().as_u16(), 429);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "1");
    }
}

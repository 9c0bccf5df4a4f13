//! Bounded HTTP exchanges: what was sent, what came back (or why nothing did).

mod client;
mod exchange;
mod throttle;

pub(crate) use client::auth_headers_to_fill;
pub use client::{Auth, HttpClient, Outgoing};
pub use exchange::{Exchange, RequestRecord, ResponseRecord, TransportError};
pub use throttle::Throttle;

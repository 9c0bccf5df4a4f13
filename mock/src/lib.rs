//! A reference mock of CSBS v1 and CBR v3: every operation of both documents in `spec/` under
//! one listener, stateful per project, validating requests through the spec crate's contract
//! and answering the documented error codes.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let mock = csbs_mock::spawn(csbs_mock::MockConfig::default()).await?;
//! println!("{} with token {}", mock.base_url(), mock.tokens[0].token);
//! mock.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod auth;
mod blocking;
mod clock;
mod config;
mod cors;
mod dispatch;
mod errors;
pub mod faults;
mod gateway;
mod handlers;
mod hooks;
mod journal;
mod listener;
mod model;
mod seed;
mod server;
mod state;
mod views;

pub use config::{
    AdminToken, ConfigFile, KeyGrant, Limits, MockConfig, Quotas, TokenGrant, DEFAULT_JOURNAL_SIZE,
    DEFAULT_PROJECT_ID,
};
#[doc(hidden)]
pub use hooks::{Hook, Hooks};
pub use journal::{MAX_PAGE as JOURNAL_PAGE, MAX_TARGET_EXCERPT as JOURNAL_EXCERPT};
pub use model::Model;
pub use server::{service, spawn, RunningMock};

#[doc(hidden)]
pub use state::bulk;

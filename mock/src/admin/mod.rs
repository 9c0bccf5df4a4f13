//! The admin interface: what a team running the mock as a shared endpoint needs beside the
//! API, under the reserved prefix [`PREFIX`] (no path of either document starts with it, a
//! test checks), off the API's authentication, with its own token (`--admin-token`).
//! Documented in `mock/admin-openapi.yaml`, which it also serves.
//!
//! Routes are added in `router.rs`, one module per job.

mod body;
mod clock;
mod error;
mod guard;
mod health;
mod journal;
mod router;
mod spec;
mod state;

pub use router::{handle, is_admin};

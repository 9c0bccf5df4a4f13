//! The mock's integration tests, one binary: raw HTTP for every error path, the generated
//! client for every operation, and every response checked against the contract.

#[path = "mock/support.rs"]
mod support;

#[path = "mock/admin.rs"]
mod admin;
#[path = "mock/auth.rs"]
mod auth;
#[path = "mock/backups.rs"]
mod backups;
#[path = "mock/binary.rs"]
mod binary;
#[path = "mock/bounds.rs"]
mod bounds;
#[path = "mock/cbr.rs"]
mod cbr;
#[path = "mock/client.rs"]
mod client;
#[path = "mock/contract.rs"]
mod contract;
#[cfg(feature = "state-file")]
#[path = "mock/durable.rs"]
mod durable;
#[cfg(feature = "state-file")]
#[path = "mock/durable_runs.rs"]
mod durable_runs;
#[path = "mock/examples.rs"]
mod examples;
#[path = "mock/hostile.rs"]
mod hostile;
#[path = "mock/lifecycle.rs"]
mod lifecycle;
#[path = "mock/observe.rs"]
mod observe;
#[path = "mock/pagination.rs"]
mod pagination;
#[path = "mock/policies.rs"]
mod policies;
#[path = "mock/profile.rs"]
mod profile;
#[path = "mock/restores.rs"]
mod restores;
#[path = "mock/signing.rs"]
mod signing;
#[path = "mock/time.rs"]
mod time;

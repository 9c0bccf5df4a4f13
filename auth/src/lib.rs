//! How requests to CSBS and CBR authenticate: [`signer`], SDK-HMAC-SHA256 (the AK/SK scheme of
//! the vendor's SDKs), signing and verifying, used by the generated client, the mock and the
//! conformance runner alike; with the `reqwest` feature, the [`Credentials`] a client applies
//! to each request (a token or an AK/SK signature) and the TLS crypto of its HTTP client
//! ([`tls`]). No item puts a secret key into a value it returns, a log or an error.

pub mod signer;

#[cfg(feature = "reqwest")]
pub mod credentials;
#[cfg(feature = "reqwest")]
pub mod tls;

#[cfg(feature = "reqwest")]
pub use credentials::{AuthError, Credentials};

//! The HTTP clients that carry these credentials: every reqwest client of the workspace is
//! built from [`client_builder`], so their TLS set-up is made in one place.

/// A reqwest client builder.
pub fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
}

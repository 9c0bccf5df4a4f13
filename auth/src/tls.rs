//! The TLS crypto of the HTTP clients that carry these credentials: rustls with *ring*.
//!
//! reqwest's default (`rustls` with aws-lc-rs) builds aws-lc-sys, a C library, with cmake: its
//! build script alone took 26 s of the runner's 2m55s first build on two cores. *ring* builds
//! from C and assembly with the C compiler alone, in a fraction of that, and is as fast as a
//! client making a few hundred requests needs (its handshakes are not what a run waits for).
//! With reqwest's `rustls-no-provider` feature the provider must be installed before a client
//! is built: every reqwest client of the workspace comes from [`client_builder`], and the
//! generated client's `Client::new` calls it too.

/// Makes *ring* the process's rustls crypto provider, unless one is installed already.
pub fn install_crypto_provider() {
    // An error only says that a provider is installed already (maybe this one): fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client builder, the crypto provider installed first (without one, reqwest
/// panics when it builds a client).
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

#[cfg(test)]
mod tests {
    /// The versions Cargo.lock holds for a package.
    fn locked_versions(package: &str) -> Vec<String> {
        let lock = include_str!("../../Cargo.lock");
        let name = format!("name = \"{package}\"\nversion = \"");
        lock.match_indices(&name)
            .map(|(at, _)| lock[at + name.len()..].split('"').next().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn the_lock_file_keeps_the_lighter_builds() {
        // No aws-lc (a C library built with cmake) anywhere; url's IDNA on unicode-rs (the
        // idna_adapter 1.1 series) rather than ICU4X (see the workspace Cargo.toml).
        assert_eq!(locked_versions("aws-lc-sys"), Vec::<String>::new());
        let adapter = locked_versions("idna_adapter");
        assert!(adapter.iter().all(|v| v.starts_with("1.1.")), "{adapter:?}");
        assert_eq!(locked_versions("icu_normalizer"), Vec::<String>::new());
        assert!(!locked_versions("ring").is_empty());
    }

    #[test]
    fn a_client_builds_with_ring_as_the_provider() {
        assert!(super::client_builder().build().is_ok());
        let provider = rustls::crypto::CryptoProvider::get_default().expect("installed");
        let ring = rustls::crypto::ring::default_provider();
        let names = |p: &rustls::crypto::CryptoProvider| {
            p.cipher_suites.iter().map(|s| format!("{:?}", s.suite())).collect::<Vec<_>>()
        };
        assert_eq!(names(provider), names(&ring));
    }
}

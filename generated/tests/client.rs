//! The generated client against the documents: every documented response decodes into the
//! generated types, and a request round-trips through a loopback server for each service.

#[path = "client/decode.rs"]
mod decode;
#[path = "client/roundtrip.rs"]
mod roundtrip;
#[path = "client/signing.rs"]
mod signing;

//! How the CSBS and CBR services write values on the wire, read (and written) in one place:
//! integers and booleans sent as strings ([`LenientInteger`], [`LenientBoolean`]), zone-less
//! times ([`Timestamp`], [`parse_time`]), and the percent-encoding of path segments and query
//! values ([`percent_encode`]). The spec's components of the same names describe these forms;
//! the generated client, the spec's validator, the mock and the signer read them here.

mod lenient;
mod percent;
mod time;

pub use lenient::{LenientBoolean, LenientInteger};
pub use percent::{percent_encode, UNRESERVED};
pub use time::{instant_micros, parse_time, to_utc, Timestamp};

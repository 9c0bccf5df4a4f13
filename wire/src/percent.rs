//! Percent-encoding of a path segment or a query value: every byte but the RFC 3986 unreserved
//! characters (`A-Z a-z 0-9 - . _ ~`) is escaped, so a space is `%20` and a `+` is `%2B`. It is
//! what the vendor's SDK sends (Python's `quote(s, safe='~')`) and so what its signature covers.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The bytes left as they are: RFC 3986 unreserved.
pub const UNRESERVED: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a path segment or a query value.
pub fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_unreserved_characters_stay() {
        assert_eq!(super::percent_encode("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(super::percent_encode("vm a+b:c é/1"), "vm%20a%2Bb%3Ac%20%C3%A9%2F1");
    }
}

//! Times as the service writes them, read in one place: `2017-04-18T01:21:52.701973`,
//! `2017-03-07 09:31:08`, with or without a fraction, a `Z` or an offset (`+08:00`, `+0800`).
//! The spec names this form `format: service-datetime`; its validator, the client's
//! [`Timestamp`] and the mock all read it with [`parse_time`].

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Reads a time in one of the service's forms: the date and time as written, and the zone
/// when there is one; `None` when the text is not a real calendar time in those forms.
pub fn parse_time(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let normalized = text.replacen(' ', "T", 1);
    if let Ok(local) = NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some((local, None));
    }
    DateTime::parse_from_rfc3339(&normalized)
        .or_else(|_| DateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| (t.naive_local(), Some(*t.offset())))
}

/// A time in one of the service's forms as microseconds since the Unix epoch, UTC (a time
/// without a zone is UTC); `None` when [`parse_time`] does not read it.
pub fn instant_micros(text: &str) -> Option<i64> {
    parse_time(text).map(|(local, offset)| to_utc(local, offset).timestamp_micros())
}

/// The instant of a time read by [`parse_time`]: a time without a zone is UTC (the service's
/// clock).
pub fn to_utc(local: NaiveDateTime, offset: Option<FixedOffset>) -> DateTime<chrono::Utc> {
    match offset {
        Some(offset) => (local - offset).and_utc(),
        None => local.and_utc(),
    }
}

/// A time as the service writes it: `2017-04-18T01:21:52.701973`, `2017-03-07 09:31:08`,
/// sometimes with `Z` or an offset. The text is kept as sent, so a value round-trips.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    local: NaiveDateTime,
    offset: Option<FixedOffset>,
}

impl Timestamp {
    /// The text as the service sent it.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The date and time as written, without a zone.
    pub fn naive(&self) -> NaiveDateTime {
        self.local
    }

    /// The zone, when the service sent one.
    pub fn offset(&self) -> Option<FixedOffset> {
        self.offset
    }

    /// The instant, reading a zone-less time as UTC (the service's clock).
    pub fn to_utc(&self) -> DateTime<chrono::Utc> {
        to_utc(self.local, self.offset)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Timestamp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (local, offset) = parse_time(s).ok_or_else(|| {
            format!("`{s}` is not a time like 2017-04-18T01:21:52.701973 or 2017-03-07 09:31:08")
        })?;
        Ok(Timestamp { text: s.to_owned(), local, offset })
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn de<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn timestamps_keep_their_text_and_read_zone_less_as_utc() {
        let t: Timestamp = de("\"2017-03-07 09:31:08\"").unwrap();
        assert_eq!(t.as_str(), "2017-03-07 09:31:08");
        assert_eq!(t.to_utc().to_rfc3339(), "2017-03-07T09:31:08+00:00");
        let z: Timestamp = de("\"2020-02-21T07:07:25.114+01:00\"").unwrap();
        assert_eq!(z.to_utc().to_rfc3339(), "2020-02-21T06:07:25.114+00:00");
        assert_eq!(serde_json::to_string(&z).unwrap(), "\"2020-02-21T07:07:25.114+01:00\"");
        for garbage in ["\"2017-13-07 09:31:08\"", "\"soon\"", "42"] {
            assert!(de::<Timestamp>(garbage).is_err(), "{garbage} must be rejected");
        }
    }

    #[test]
    fn every_form_of_the_service_reads_and_garbage_does_not() {
        let utc = |t: &str| parse_time(t).map(|(local, offset)| to_utc(local, offset).to_rfc3339());
        let noon = Some("2018-02-01T12:00:00+00:00".to_owned());
        for form in ["2018-02-01T12:00:00", "2018-02-01 12:00:00", "2018-02-01T12:00:00Z"] {
            assert_eq!(utc(form), noon, "{form}");
        }
        assert_eq!(utc("2018-02-01T14:00:00+02:00"), noon);
        assert_eq!(utc("2018-02-01T14:00:00+0200"), noon);
        assert_eq!(instant_micros("1970-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(
            utc("2017-04-18T01:21:52.701973"),
            Some("2017-04-18T01:21:52.701973+00:00".into())
        );
        for garbage in ["2017-13-18T01:21:52", "yesterday", "2017-04-18", " 2018-02-01T12:00:00"] {
            assert_eq!(parse_time(garbage), None, "{garbage}");
        }
    }
}

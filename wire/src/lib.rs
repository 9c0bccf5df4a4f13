//! Types for values the service sends in more than one form. Each accepts every form the
//! live service uses and rejects anything else loudly: garbage never becomes 0 or false.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An integer sent as a JSON number (`20`) or a string of digits (`"20"`, `"-1"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct LenientInteger(pub i64);

impl LenientInteger {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for LenientInteger {
    fn from(value: i64) -> Self {
        LenientInteger(value)
    }
}

impl fmt::Display for LenientInteger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for LenientInteger {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{s}` is not an integer"));
        }
        s.parse().map(LenientInteger).map_err(|_| format!("`{s}` is out of range for an integer"))
    }
}

impl Serialize for LenientInteger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for LenientInteger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LenientInteger;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string of digits")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(LenientInteger(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                i64::try_from(v)
                    .map(LenientInteger)
                    .map_err(|_| E::custom(format!("{v} is out of range for an integer")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A boolean sent as JSON `true`/`false` or as the string `"True"`/`"False"` (any case of
/// those two words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct LenientBoolean(pub bool);

impl LenientBoolean {
    pub fn get(self) -> bool {
        self.0
    }
}

impl From<bool> for LenientBoolean {
    fn from(value: bool) -> Self {
        LenientBoolean(value)
    }
}

impl fmt::Display for LenientBoolean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for LenientBoolean {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "true" | "True" => Ok(LenientBoolean(true)),
            "false" | "False" => Ok(LenientBoolean(false)),
            _ => Err(format!("`{s}` is not a boolean (true, false, True or False)")),
        }
    }
}

impl Serialize for LenientBoolean {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(self.0)
    }
}

impl<'de> Deserialize<'de> for LenientBoolean {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = LenientBoolean;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or the string True or False")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(LenientBoolean(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
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
        match self.offset {
            Some(offset) => (self.local - offset).and_utc(),
            None => self.local.and_utc(),
        }
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
        let normalized = s.replacen(' ', "T", 1);
        let parsed =
            if let Ok(local) = NaiveDateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f") {
                Some((local, None))
            } else {
                DateTime::parse_from_rfc3339(&normalized)
                    .or_else(|_| DateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f%z"))
                    .ok()
                    .map(|dt| (dt.naive_local(), Some(*dt.offset())))
            };
        parsed.map(|(local, offset)| Timestamp { text: s.to_owned(), local, offset }).ok_or_else(
            || {
                format!(
                    "`{s}` is not a time like 2017-04-18T01:21:52.701973 or 2017-03-07 09:31:08"
                )
            },
        )
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
    fn lenient_integer_accepts_numbers_and_digit_strings_only() {
        assert_eq!(de::<LenientInteger>("20"), Ok(LenientInteger(20)));
        assert_eq!(de::<LenientInteger>("\"-1\""), Ok(LenientInteger(-1)));
        for garbage in
            ["\"\"", "\"twenty\"", "\"2.5\"", "2.5", "true", "null", "\"99999999999999999999\""]
        {
            assert!(de::<LenientInteger>(garbage).is_err(), "{garbage} must be rejected");
        }
        assert_eq!(serde_json::to_string(&LenientInteger(7)).unwrap(), "7");
    }

    #[test]
    fn lenient_boolean_accepts_booleans_and_the_two_words() {
        assert_eq!(de::<LenientBoolean>("\"False\""), Ok(LenientBoolean(false)));
        assert_eq!(de::<LenientBoolean>("\"True\""), Ok(LenientBoolean(true)));
        assert_eq!(de::<LenientBoolean>("true"), Ok(LenientBoolean(true)));
        for garbage in ["\"yes\"", "\"\"", "0", "1", "null", "\"FALSE \""] {
            assert!(de::<LenientBoolean>(garbage).is_err(), "{garbage} must be rejected");
        }
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
}

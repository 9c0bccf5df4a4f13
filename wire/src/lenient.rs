//! Integers and booleans the service sends as JSON values or as strings. Each accepts the
//! forms the spec allows (its `LenientInteger` and `LenientBoolean` components) and rejects
//! anything else loudly: garbage never becomes 0 or false.

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

/// A boolean sent as JSON `true`/`false` or as one of the strings the spec's
/// `LenientBoolean` allows: `"True"`, `"False"`, `"true"`, `"false"` (no other case).
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
}

//! What a policy's runs keep (`x-retention` on the CSBS `OperationDefinition`) and when a
//! member overrides the others (`x-overrides` on the same schema): `max_backups` keeps the
//! newest backups of each server, `retention_duration_days` keeps a backup that many days,
//! `-1` keeps all, and `permanent: true` ignores both.

use crate::Service;
use serde::Deserialize;
use serde_json::Value;
use std::sync::OnceLock;

/// What a retention member limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetentionKind {
    /// The newest backups a policy made of each server, counted after each run.
    NewestPerResource,
    /// Days a backup is kept after it was taken.
    Days,
}

/// One retention member of an `operation_definition`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RetentionRule {
    /// The member's name (`max_backups`).
    pub property: String,
    pub keeps: RetentionKind,
    /// The value that means no limit (`-1`).
    pub unlimited: i64,
    /// The operations whose runs apply it (`executePolicy`); empty where it applies on its own.
    #[serde(default)]
    pub applied_by: Vec<String>,
}

/// When members stop counting (`x-overrides`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Override {
    /// `{<member>: <value>}`: the member has that value; `{absent: [members]}`: none is set.
    pub when: serde_json::Map<String, Value>,
    /// The members it makes ignored; empty: every retention member.
    #[serde(default)]
    pub ignores: Vec<String>,
    pub meaning: String,
}

/// The retention rules and their overrides.
#[derive(Clone, Debug, PartialEq)]
pub struct Retention {
    pub rules: Vec<RetentionRule>,
    pub overrides: Vec<Override>,
}

impl Retention {
    /// The rule limiting `keeps`.
    pub fn rule(&self, keeps: RetentionKind) -> Option<&RetentionRule> {
        self.rules.iter().find(|r| r.keeps == keeps)
    }

    /// The limit `definition` (an `operation_definition`, as sent or as answered, numbers and
    /// booleans possibly as strings) sets on `keeps`: `None` when it keeps everything (the
    /// member absent, unlimited, or overridden).
    pub fn limit(&self, keeps: RetentionKind, definition: &Value) -> Option<u64> {
        let rule = self.rule(keeps)?;
        let ignored = self.overrides.iter().any(|o| {
            applies(&o.when, definition)
                && (o.ignores.is_empty() || o.ignores.contains(&rule.property))
        });
        if ignored {
            return None;
        }
        let value = number(definition.get(&rule.property)?)?;
        if value == rule.unlimited {
            return None;
        }
        u64::try_from(value).ok()
    }
}

/// True when `definition` meets an override's condition.
fn applies(when: &serde_json::Map<String, Value>, definition: &Value) -> bool {
    when.iter().all(|(key, wanted)| match (key.as_str(), wanted) {
        ("absent", Value::Array(members)) => members
            .iter()
            .filter_map(Value::as_str)
            .all(|m| definition.get(m).is_none_or(Value::is_null)),
        (member, Value::Bool(b)) => definition.get(member).and_then(boolean) == Some(*b),
        (member, wanted) => definition.get(member) == Some(wanted),
    })
}

/// A number, or a numeric string as the service answers it (`"20"`).
fn number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean, or one of the words the service answers (`"True"`, `"false"`).
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.as_str() {
            "True" | "true" => Some(true),
            "False" | "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The retention of a policy's backups as the CSBS document states it.
pub fn retention() -> &'static Retention {
    static RETENTION: OnceLock<Retention> = OnceLock::new();
    RETENTION.get_or_init(|| {
        let schema = Service::Csbs
            .document()
            .pointer("/components/schemas/OperationDefinition")
            .expect("the CSBS document has OperationDefinition");
        fn read<T: serde::de::DeserializeOwned + Default>(schema: &Value, name: &str) -> T {
            schema.get(name).map_or_else(T::default, |v| {
                serde_json::from_value(v.clone())
                    .unwrap_or_else(|e| panic!("{name} of OperationDefinition is malformed: {e}"))
            })
        }
        Retention { rules: read(schema, "x-retention"), overrides: read(schema, "x-overrides") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn permanent_overrides_and_minus_one_keeps_all() {
        let r = retention();
        let count = RetentionKind::NewestPerResource;
        assert_eq!(r.limit(count, &json!({"max_backups": 3})), Some(3));
        assert_eq!(r.limit(count, &json!({"max_backups": "3", "permanent": "False"})), Some(3));
        assert_eq!(r.limit(count, &json!({"max_backups": 3, "permanent": true})), None);
        assert_eq!(r.limit(count, &json!({"max_backups": 3, "permanent": "True"})), None);
        assert_eq!(r.limit(count, &json!({"max_backups": -1})), None);
        assert_eq!(r.limit(count, &json!({})), None);
        assert_eq!(r.limit(RetentionKind::Days, &json!({"retention_duration_days": "7"})), Some(7));
        let rule = r.rule(count).expect("max_backups is a retention member");
        assert_eq!(
            (rule.property.as_str(), rule.applied_by.as_slice()),
            ("max_backups", &["executePolicy".to_owned()][..])
        );
    }
}

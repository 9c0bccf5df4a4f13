//! How a JSON value appears on one line of a text report.

use serde_json::Value;

/// The value on one line (strings unquoted, `—` for null), cut to `max` characters.
pub fn one_line(value: &Value, max: usize) -> String {
    let text = match value {
        Value::Null => "—".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    } else {
        one_line
    }
}

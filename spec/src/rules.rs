//! The rules JSON Schema cannot say, as the documents state them in `x-` extensions:
//! the iCalendar subset of schedules (`x-rrule`), the sort grammar (`x-sort`), unique array
//! items (`x-unique-items-by`), and the service's time format (`format: service-datetime`).
//! Each rule is configured by its extension's value, never by constants here.

use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// One RRULE parameter's allowed values (`x-rrule.parameters.<NAME>`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Default)]
pub struct RruleParameter {
    #[serde(default)]
    pub required: bool,
    /// The parameter takes a comma-separated list.
    #[serde(default)]
    pub list: bool,
    /// Allowed words.
    #[serde(default)]
    pub values: Vec<String>,
    /// Allowed inclusive integer range.
    #[serde(default)]
    pub range: Option<(u32, u32)>,
}

/// The iCalendar subset a schedule must follow (`x-rrule`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RruleRule {
    /// Nested components around the RRULE line, outermost first.
    pub container: Vec<String>,
    pub parameters: BTreeMap<String, RruleParameter>,
    pub max_times_per_day: usize,
    pub min_interval_minutes: u32,
    pub max_length: usize,
}

const MINUTES_PER_DAY: u32 = 24 * 60;
const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

impl RruleRule {
    /// Reads the rule from an `x-rrule` value.
    pub fn from_extension(value: &Value) -> Result<RruleRule, String> {
        serde_json::from_value(value.clone()).map_err(|e| format!("x-rrule is malformed: {e}"))
    }

    /// Checks a schedule; the error names the parameter, the rule and the value.
    pub fn check(&self, text: &str) -> Result<(), String> {
        if text.chars().count() > self.max_length {
            return Err(format!("schedule is longer than {} characters", self.max_length));
        }
        let rrule = self.rrule_line(text)?;
        let params = self.parse_params(rrule)?;
        self.check_times(&params)
    }

    /// When a valid schedule runs: minutes from Monday 00:00, sorted, over one week (DAILY
    /// without BYDAY runs every day, WEEKLY without BYDAY on Mondays; no BYHOUR or BYMINUTE
    /// means 0).
    pub fn weekly_runs(&self, text: &str) -> Result<Vec<u32>, String> {
        self.check(text)?;
        Ok(runs_of(&self.parse_params(self.rrule_line(text)?)?))
    }

    /// The expected lines around the RRULE, in order.
    pub fn render(&self, rrule: &str) -> String {
        let mut out = String::new();
        for c in &self.container {
            out.push_str(&format!("BEGIN:{c}\r\n"));
        }
        out.push_str(&format!("RRULE:{rrule}\r\n"));
        for c in self.container.iter().rev() {
            out.push_str(&format!("END:{c}\r\n"));
        }
        out
    }

    fn rrule_line<'a>(&self, text: &'a str) -> Result<&'a str, String> {
        let body = text.strip_suffix("\r\n").unwrap_or(text);
        let lines: Vec<&str> = body.split("\r\n").collect();
        let depth = self.container.len();
        if lines.len() != 2 * depth + 1 {
            return Err(format!(
                "schedule must be {} lines separated by CRLF (BEGIN lines, one RRULE line, END lines), found {}",
                2 * depth + 1,
                lines.len()
            ));
        }
        for (i, c) in self.container.iter().enumerate() {
            let (begin, end) = (format!("BEGIN:{c}"), format!("END:{c}"));
            if lines[i] != begin {
                return Err(format!("line {} must be `{begin}`, found `{}`", i + 1, lines[i]));
            }
            let j = lines.len() - 1 - i;
            if lines[j] != end {
                return Err(format!("line {} must be `{end}`, found `{}`", j + 1, lines[j]));
            }
        }
        lines[depth].strip_prefix("RRULE:").ok_or_else(|| {
            format!("line {} must start with `RRULE:`, found `{}`", depth + 1, lines[depth])
        })
    }

    fn parse_params<'a>(&self, rrule: &'a str) -> Result<BTreeMap<&'a str, Vec<&'a str>>, String> {
        let mut params = BTreeMap::new();
        for part in rrule.split(';') {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("RRULE part `{part}` is not NAME=VALUE"))?;
            let Some(rule) = self.parameters.get(name) else {
                let known: Vec<&str> = self.parameters.keys().map(String::as_str).collect();
                return Err(format!(
                    "RRULE parameter {name} is not supported (only {})",
                    known.join(", ")
                ));
            };
            let items: Vec<&str> = if rule.list { value.split(',').collect() } else { vec![value] };
            for item in &items {
                check_value(name, rule, item)?;
            }
            if params.insert(name, items).is_some() {
                return Err(format!("RRULE parameter {name} appears twice"));
            }
        }
        for (name, rule) in &self.parameters {
            if rule.required && !params.contains_key(name.as_str()) {
                return Err(format!("RRULE parameter {name} is required"));
            }
        }
        Ok(params)
    }

    fn check_times(&self, params: &BTreeMap<&str, Vec<&str>>) -> Result<(), String> {
        let per_day =
            numbers(params, "BYHOUR").len().max(1) * numbers(params, "BYMINUTE").len().max(1);
        if per_day > self.max_times_per_day {
            return Err(format!(
                "schedule runs {per_day} times a day (BYHOUR x BYMINUTE); at most {} are allowed",
                self.max_times_per_day
            ));
        }
        let runs = runs_of(params);
        if runs.len() > 1 {
            let week = 7 * MINUTES_PER_DAY;
            let wrap = runs[0] + week - runs[runs.len() - 1];
            let gaps = runs.windows(2).map(|w| w[1] - w[0]).chain([wrap]);
            if let Some(gap) = gaps.min().filter(|&g| g < self.min_interval_minutes) {
                return Err(format!(
                    "two runs are {gap} minutes apart; runs must be at least {} minutes apart",
                    self.min_interval_minutes
                ));
            }
        }
        Ok(())
    }
}

fn numbers(params: &BTreeMap<&str, Vec<&str>>, name: &str) -> BTreeSet<u32> {
    params.get(name).map(|v| v.iter().filter_map(|s| s.parse().ok()).collect()).unwrap_or_default()
}

/// Minutes from Monday 00:00 at which the (parsed) rule runs over a week, sorted.
fn runs_of(params: &BTreeMap<&str, Vec<&str>>) -> Vec<u32> {
    let days: BTreeSet<usize> = match params.get("FREQ").and_then(|f| f.first()).copied() {
        Some("WEEKLY") => params
            .get("BYDAY")
            .map(|d| d.iter().filter_map(|day| WEEKDAYS.iter().position(|w| w == day)).collect())
            .unwrap_or_else(|| BTreeSet::from([0])),
        _ => match params.get("BYDAY") {
            Some(d) => d.iter().filter_map(|day| WEEKDAYS.iter().position(|w| w == day)).collect(),
            None => (0..7).collect(),
        },
    };
    let or_zero = |set: BTreeSet<u32>| {
        if set.is_empty() {
            vec![0]
        } else {
            set.into_iter().collect::<Vec<u32>>()
        }
    };
    let (hours, minutes) =
        (or_zero(numbers(params, "BYHOUR")), or_zero(numbers(params, "BYMINUTE")));
    let mut runs = Vec::new();
    for &d in &days {
        for &h in &hours {
            runs.extend(minutes.iter().map(|&m| d as u32 * MINUTES_PER_DAY + h * 60 + m));
        }
    }
    runs.sort_unstable();
    runs
}

fn check_value(name: &str, rule: &RruleParameter, item: &str) -> Result<(), String> {
    if !rule.values.is_empty() && !rule.values.iter().any(|v| v == item) {
        return Err(format!(
            "RRULE {name} value `{item}` is not one of {}",
            rule.values.join(", ")
        ));
    }
    if let Some((lo, hi)) = rule.range {
        let ok = !item.is_empty()
            && item.len() <= 2
            && item.bytes().all(|b| b.is_ascii_digit())
            && item.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n));
        if !ok {
            return Err(format!("RRULE {name} value `{item}` is not an integer from {lo} to {hi}"));
        }
    }
    Ok(())
}

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// The sort grammar of a list (`x-sort`): `<key>[:asc|desc]` items separated by commas.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SortRule {
    pub keys: Vec<String>,
    pub default_direction: String,
    pub max_length: usize,
    /// The order without `sort`, in the same grammar (`created_at:desc`).
    #[serde(default)]
    pub default: Option<String>,
    /// The item property each key orders by, where it is not the key's own name; `null`
    /// when no item shows it (the key still sorts, but a client cannot check the order).
    #[serde(default)]
    pub properties: std::collections::BTreeMap<String, Option<String>>,
}

impl SortRule {
    /// The pointer into an item that `key` orders by (`/created_at`), `None` when no item
    /// shows it.
    pub fn property(&self, key: &str) -> Option<String> {
        match self.properties.get(key) {
            Some(explicit) => explicit.clone(),
            None => Some(format!("/{key}")),
        }
    }
}

impl SortRule {
    pub fn from_extension(value: &Value) -> Result<SortRule, String> {
        serde_json::from_value(value.clone()).map_err(|e| format!("x-sort is malformed: {e}"))
    }

    /// Parses a `sort` value into keys and directions.
    pub fn parse(&self, text: &str) -> Result<Vec<(String, Direction)>, String> {
        if text.chars().count() > self.max_length {
            return Err(format!("sort is longer than {} characters", self.max_length));
        }
        let default =
            if self.default_direction == "asc" { Direction::Asc } else { Direction::Desc };
        text.split(',')
            .map(|item| {
                let (key, dir) = match item.split_once(':') {
                    Some((k, "asc")) => (k, Direction::Asc),
                    Some((k, "desc")) => (k, Direction::Desc),
                    Some((_, d)) => return Err(format!("sort direction `{d}` is not asc or desc")),
                    None => (item, default),
                };
                if !self.keys.iter().any(|k| k == key) {
                    return Err(format!("sort key `{key}` is not one of {}", self.keys.join(", ")));
                }
                Ok((key.to_owned(), dir))
            })
            .collect()
    }
}

/// Checks that the items of an array differ in `property` (`x-unique-items-by`).
pub fn check_unique_by(property: &str, items: &[Value]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for item in items {
        if let Some(value) = item.get(property) {
            if !seen.insert(value.to_string()) {
                return Err(format!("two items have the same {property} {value}"));
            }
        }
    }
    Ok(())
}

/// True if `text` is a real calendar time in one of the service's forms
/// (`csbs_wire::parse_time`): `2017-04-18T01:21:52.701973`, `2017-03-07 09:31:08`, optionally
/// with `Z` or an offset.
pub fn is_service_datetime(text: &str) -> bool {
    csbs_wire::parse_time(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule() -> RruleRule {
        RruleRule::from_extension(&json!({
            "container": ["VCALENDAR", "VEVENT"],
            "parameters": {
                "FREQ": {"required": true, "values": ["WEEKLY", "DAILY"]},
                "BYDAY": {"list": true, "values": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]},
                "BYHOUR": {"list": true, "range": [0, 23]},
                "BYMINUTE": {"list": true, "range": [0, 59]}
            },
            "max_times_per_day": 24, "min_interval_minutes": 60, "max_length": 10240
        }))
        .unwrap()
    }

    #[test]
    fn documented_schedule_is_accepted() {
        let r = rule();
        assert_eq!(r.check(&r.render("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27")), Ok(()));
        assert_eq!(r.check(&r.render("FREQ=DAILY;BYHOUR=0,6,12,18;BYMINUTE=0")), Ok(()));
    }

    #[test]
    fn each_broken_rule_is_named() {
        let r = rule();
        let err = |rrule: &str| r.check(&r.render(rrule)).unwrap_err();
        assert!(err("FREQ=HOURLY").contains("FREQ value `HOURLY`"));
        assert!(err("FREQ=DAILY;BYHOUR=24;BYMINUTE=0").contains("BYHOUR value `24`"));
        assert!(err("FREQ=DAILY;BYHOUR=1;BYMINUTE=60").contains("BYMINUTE value `60`"));
        assert!(err("FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=0").contains("BYDAY value `XX`"));
        assert!(err("FREQ=DAILY;INTERVAL=2").contains("INTERVAL is not supported"));
        assert!(err("BYHOUR=1").contains("FREQ is required"));
        assert!(err("FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,30").contains("30 minutes apart"));
        assert!(r.check("RRULE:FREQ=DAILY").unwrap_err().contains("5 lines"));
        assert!(r.check(&"x".repeat(10241)).unwrap_err().contains("10240"));
    }

    #[test]
    fn weekly_runs_are_minutes_from_monday() {
        let r = rule();
        let runs = |rrule: &str| r.weekly_runs(&r.render(rrule));
        assert_eq!(
            runs("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27"),
            Ok(vec![3 * 1440 + 12 * 60 + 27])
        );
        assert_eq!(runs("FREQ=WEEKLY;BYDAY=SU,MO;BYHOUR=1"), Ok(vec![60, 6 * 1440 + 60]));
        let daily = runs("FREQ=DAILY;BYHOUR=6,18;BYMINUTE=30").unwrap();
        assert_eq!(daily.len(), 14);
        assert_eq!(&daily[..3], &[390, 1110, 1440 + 390]);
        assert!(runs("FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,30")
            .unwrap_err()
            .contains("30 minutes apart"));
    }

    #[test]
    fn too_many_times_a_day_is_rejected() {
        let r = rule();
        let hours: Vec<String> = (0..24).map(|h| h.to_string()).collect();
        let ok = format!("FREQ=DAILY;BYHOUR={};BYMINUTE=0", hours.join(","));
        assert_eq!(r.check(&r.render(&ok)), Ok(()));
        let too_many = format!("FREQ=DAILY;BYHOUR={};BYMINUTE=0,59", hours.join(","));
        assert!(r.check(&r.render(&too_many)).unwrap_err().contains("48 times a day"));
    }

    #[test]
    fn sort_grammar() {
        let s = SortRule {
            keys: vec!["created_at".into(), "name".into()],
            default_direction: "desc".into(),
            max_length: 255,
            default: None,
            properties: Default::default(),
        };
        assert_eq!(
            s.parse("created_at:asc,name").unwrap(),
            vec![("created_at".to_owned(), Direction::Asc), ("name".to_owned(), Direction::Desc)]
        );
        assert!(s.parse("size").unwrap_err().contains("sort key `size`"));
        assert!(s.parse("name:up").unwrap_err().contains("direction `up`"));
    }

    #[test]
    fn service_datetimes() {
        for ok in [
            "2017-04-18T01:21:52.701973",
            "2017-03-07 09:31:08",
            "2020-02-21T07:07:25.114+00:00",
            "2018-02-01T12:00:00Z",
        ] {
            assert!(is_service_datetime(ok), "{ok}");
        }
        for bad in ["2017-13-18T01:21:52", "yesterday", "2017-04-18"] {
            assert!(!is_service_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn lenient_booleans_read_exactly_the_spellings_the_spec_allows() {
        use crate::Service;
        use csbs_wire::LenientBoolean;
        let candidates =
            ["true", "false", "True", "False", "TRUE", "FALSE", "yes", "1", "", " true"];
        for service in Service::ALL {
            let Some(schema) = service.document().pointer("/components/schemas/LenientBoolean")
            else {
                continue;
            };
            // The string branch of the component: its `enum` or its `pattern`.
            let branch = schema["oneOf"]
                .as_array()
                .and_then(|b| b.iter().find(|s| s["type"] == "string"))
                .expect("LenientBoolean has a string branch");
            let listed: Vec<&str> =
                branch["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let pattern = branch["pattern"].as_str().map(|p| regex::Regex::new(p).unwrap());
            let allowed = |text: &str| {
                listed.contains(&text) || pattern.as_ref().is_some_and(|p| p.is_match(text))
            };
            assert!(candidates.iter().any(|t| allowed(t)), "{}: no word allowed", service.name());
            for text in listed.iter().chain(&candidates) {
                let read = text.parse::<LenientBoolean>();
                assert_eq!(read.is_ok(), allowed(text), "{text:?}: {read:?}");
                if let Ok(b) = read {
                    assert_eq!(b.get(), text.eq_ignore_ascii_case("true"), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn unique_by() {
        assert!(check_unique_by("key", &[json!({"key": "a"}), json!({"key": "b"})]).is_ok());
        assert!(check_unique_by("key", &[json!({"key": "a"}), json!({"key": "a"})])
            .unwrap_err()
            .contains("same key"));
    }
}

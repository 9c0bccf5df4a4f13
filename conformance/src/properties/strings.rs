//! String strategies: regex-driven strings within length bounds, the service's times, and the
//! iCalendar and sort grammars read from their `x-` extensions (valid and broken forms).

use csbs_spec::rules::{RruleRule, SortRule};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

/// Longest string generated where only a maximum constrains it, short of the maximum itself.
const TYPICAL: usize = 24;

/// The pattern without its anchors and with ASCII digit classes: JSON Schema patterns are
/// ECMA-262, where `\d` is `[0-9]`, and proptest cannot generate anchors.
pub fn generable(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let p = p.strip_suffix('$').unwrap_or(p);
    p.replace("\\d", "[0-9]")
}

/// `[class]*` patterns (the names and descriptions of the spec): the class alone.
fn star_class(pattern: &str) -> Option<String> {
    let body = generable(pattern);
    let class = body.strip_suffix('*')?;
    (class.starts_with('[') && class.ends_with(']') && class.matches('[').count() == 1)
        .then(|| class.to_owned())
}

/// Strings matching `pattern` (when given) with `min..=max` characters; lengths at the
/// bounds are weighed in.
pub fn matching(pattern: Option<&str>, min: usize, max: Option<usize>) -> BoxedStrategy<String> {
    let class = match pattern {
        // No dot: a path segment "." or ".." would be resolved away by URL normalisation.
        None => "[A-Za-z0-9_-]".to_owned(),
        Some(p) => match star_class(p) {
            Some(class) => class,
            None => {
                let regex = generable(p);
                return proptest::string::string_regex(&regex)
                    .unwrap_or_else(|e| panic!("pattern {p} cannot drive generation: {e}"))
                    .prop_filter("length bounds", move |s| {
                        let n = s.chars().count();
                        n >= min && max.is_none_or(|m| n <= m)
                    })
                    .boxed();
            }
        },
    };
    let typical_max = max.map_or(min + TYPICAL, |m| m.min(min + TYPICAL));
    let typical = proptest::string::string_regex(&format!("{class}{{{min},{typical_max}}}"))
        .expect("a class regex");
    match max {
        Some(m) if m > typical_max => {
            let longest =
                proptest::string::string_regex(&format!("{class}{{{m}}}")).expect("a class regex");
            prop_oneof![8 => typical, 2 => longest].boxed()
        }
        _ => typical.boxed(),
    }
}

/// Strings of `min..=max` characters that do NOT match `pattern`.
pub fn not_matching(pattern: &str, min: usize, max: Option<usize>) -> BoxedStrategy<String> {
    let regex = regex::Regex::new(pattern)
        .unwrap_or_else(|e| panic!("pattern {pattern} is not a regex: {e}"));
    let max = max.unwrap_or(min + TYPICAL).max(min.max(1));
    let min = min.max(1);
    proptest::string::string_regex(&format!("[ -~<>é\\t]{{{min},{max}}}"))
        .expect("a class regex")
        .prop_filter("must not match the pattern", move |s| !regex.is_match(s))
        .boxed()
}

/// A real calendar time in the first of the service's forms that `pattern` accepts.
pub fn service_datetime(pattern: Option<&str>) -> BoxedStrategy<String> {
    let forms =
        ["%Y-%m-%dT%H:%M:%S%.6f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"];
    let regex = pattern.map(|p| regex::Regex::new(p).expect("a pattern"));
    let sample = chrono::NaiveDate::from_ymd_opt(2017, 4, 18)
        .unwrap()
        .and_hms_micro_opt(1, 21, 52, 701973)
        .unwrap();
    let usable: Vec<&'static str> = forms
        .into_iter()
        .filter(|f| regex.as_ref().is_none_or(|r| r.is_match(&sample.format(f).to_string())))
        .collect();
    let usable = if usable.is_empty() { vec![forms[0]] } else { usable };
    (select(usable), 0i64..(20 * 365 * 86_400), 0u32..1_000_000)
        .prop_map(|(form, secs, micros)| {
            let base =
                chrono::NaiveDate::from_ymd_opt(2010, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
            let t = base
                + chrono::Duration::seconds(secs)
                + chrono::Duration::microseconds(micros as i64);
            t.format(form).to_string()
        })
        .boxed()
}

pub fn uuid() -> BoxedStrategy<String> {
    any::<u128>().prop_map(uuid_text).boxed()
}

fn uuid_text(n: u128) -> String {
    let h = format!("{n:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

fn numbers(rule: &RruleRule, name: &str) -> Vec<u32> {
    rule.parameters
        .get(name)
        .and_then(|p| p.range)
        .map(|(lo, hi)| (lo..=hi).collect())
        .unwrap_or_default()
}

fn words(rule: &RruleRule, name: &str) -> Vec<String> {
    rule.parameters.get(name).map(|p| p.values.clone()).unwrap_or_default()
}

/// A valid schedule: FREQ, days, and hour/minute lists within the per-day and interval limits.
pub fn rrule(rule: RruleRule) -> BoxedStrategy<String> {
    let freqs = words(&rule, "FREQ");
    let days = words(&rule, "BYDAY");
    let hours = numbers(&rule, "BYHOUR");
    let minutes = numbers(&rule, "BYMINUTE");
    // Whole hours apart (one BYMINUTE) keep runs at least an hour apart.
    let max_hours = rule.max_times_per_day.min(hours.len()).max(1);
    let gap_ok = rule.min_interval_minutes <= 60;
    (
        select(freqs),
        subsequence(days.clone(), 1..=days.len().max(1)),
        subsequence(hours, 1..=max_hours),
        select(minutes),
    )
        .prop_map(move |(freq, days, hours, minute)| {
            let hours: Vec<String> = if gap_ok {
                hours.iter().map(u32::to_string).collect()
            } else {
                vec![hours[0].to_string()]
            };
            let mut parts = vec![format!("FREQ={freq}")];
            if freq == "WEEKLY" {
                parts.push(format!("BYDAY={}", days.join(",")));
            }
            parts.push(format!("BYHOUR={}", hours.join(",")));
            parts.push(format!("BYMINUTE={minute}"));
            rule.render(&parts.join(";"))
        })
        .boxed()
}

/// A schedule broken in one way, and which way.
pub fn rrule_broken(rule: RruleRule) -> BoxedStrategy<(String, &'static str)> {
    let r = rule.clone();
    let ok = move |rrule: String| r.render(&rrule);
    let cases: Vec<(String, &'static str)> = vec![
        (ok("FREQ=HOURLY;BYHOUR=1;BYMINUTE=0".into()), "FREQ is not WEEKLY or DAILY"),
        (ok("FREQ=DAILY;BYHOUR=24;BYMINUTE=0".into()), "BYHOUR above 23"),
        (ok("FREQ=DAILY;BYHOUR=1;BYMINUTE=60".into()), "BYMINUTE above 59"),
        (ok("FREQ=WEEKLY;BYDAY=XX;BYHOUR=1;BYMINUTE=0".into()), "BYDAY is not a weekday"),
        (ok("FREQ=DAILY;INTERVAL=2;BYHOUR=1;BYMINUTE=0".into()), "an unsupported parameter"),
        (ok("BYHOUR=1;BYMINUTE=0".into()), "FREQ missing"),
        (ok("FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0,30".into()), "runs less than an hour apart"),
        (
            ok(format!(
                "FREQ=DAILY;BYHOUR={};BYMINUTE=0,59",
                (0..24).map(|h| h.to_string()).collect::<Vec<_>>().join(",")
            )),
            "more than 24 runs a day",
        ),
        ("RRULE:FREQ=DAILY;BYHOUR=1;BYMINUTE=0".into(), "not wrapped in VCALENDAR/VEVENT"),
        (
            ok("FREQ=DAILY;BYHOUR=1;BYMINUTE=0".into()).replace("\r\n", "\n"),
            "lines not separated by CRLF",
        ),
    ];
    select(cases).boxed()
}

/// A valid sort: distinct keys with optional directions.
pub fn sort(rule: SortRule) -> BoxedStrategy<String> {
    let keys = rule.keys.clone();
    subsequence(keys.clone(), 1..=keys.len().min(3))
        .prop_flat_map(|keys| {
            let n = keys.len();
            (Just(keys), proptest::collection::vec(select(vec!["", ":asc", ":desc"]), n))
        })
        .prop_map(|(keys, dirs)| {
            keys.iter().zip(dirs).map(|(k, d)| format!("{k}{d}")).collect::<Vec<_>>().join(",")
        })
        .boxed()
}

/// A sort with an unknown key or direction.
pub fn sort_broken(rule: SortRule) -> BoxedStrategy<(String, &'static str)> {
    let key = rule.keys.first().cloned().unwrap_or_default();
    select(vec![
        ("size".to_owned(), "unknown sort key"),
        (format!("{key}:up"), "unknown sort direction"),
        (format!("{key},,{key}"), "empty sort item"),
        (format!("{key}:asc:desc"), "two directions"),
    ])
    .boxed()
}

/// Each of `values` in upper case and capitalised, where that is not itself a value
/// (`is_value`): valid text in another letter case, which closed, exact values refuse.
pub fn other_case<'a>(
    values: impl IntoIterator<Item = &'a str>,
    is_value: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let mut chars = value.chars();
        let capital: String =
            chars.next().into_iter().flat_map(char::to_uppercase).chain(chars).collect();
        for variant in [value.to_uppercase(), capital] {
            if !is_value(&variant) && !out.contains(&variant) {
                out.push(variant);
            }
        }
    }
    out
}

/// Sorts whose keys or default direction (`x-sort`) are in another letter case: `NAME`,
/// `Name:desc`, `name:DESC`.
pub fn sort_recased(rule: &SortRule) -> Vec<String> {
    let is_key = |k: &str| rule.keys.iter().any(|key| key == k);
    let mut out = other_case(rule.keys.iter().map(String::as_str), is_key);
    let direction = &rule.default_direction;
    let wrong: Vec<String> = other_case([direction.as_str()], |d| d == direction);
    if let Some(key) = rule.keys.first() {
        out.extend(wrong.iter().map(|d| format!("{key}:{d}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_case_variants_are_never_documented_values() {
        let values = ["available", "deleted", "Mixed"];
        let variants = other_case(values, |v| values.contains(&v));
        assert_eq!(variants, ["AVAILABLE", "Available", "DELETED", "Deleted", "MIXED"]);
        let rule = SortRule::from_extension(&serde_json::json!({
            "keys": ["name", "id"], "default_direction": "desc", "max_length": 255
        }))
        .unwrap();
        assert_eq!(sort_recased(&rule), ["NAME", "Name", "ID", "Id", "name:DESC", "name:Desc"]);
    }
}

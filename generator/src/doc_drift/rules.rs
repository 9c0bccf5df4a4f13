//! The constraints a Description cell states in prose, as the vendor writes them: value
//! lists (`Enum:[a, b]`, `Possible values are a, b, and c`, `The value is fixed at X`,
//! bulleted `value: meaning` lists), lengths (`consists of 1 to 255 characters`, `up to 36
//! characters`, `It cannot be an empty string`), ranges (`The value ranges from 1 to 1000`,
//! `can be -1 or ranges from 0 to 99999`, `a positive integer`, `Minimum: 0 Maximum: 255`),
//! defaults (`The value defaults to 1000`, `The default value is na`) and sort grammars
//! (keys, default direction).

use regex::Regex;
use std::sync::LazyLock;

/// What one description states; `None` where it states nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stated {
    /// The allowed values, in the document's order.
    pub values: Option<Vec<String>>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub default: Option<String>,
    /// Sort keys of a `sort` parameter.
    pub sort_keys: Option<Vec<String>>,
    /// `asc` or `desc`, the direction when a sort key names none.
    pub sort_direction: Option<String>,
    /// Characters the value may hold (`letters, digits, underscores (_), and hyphens (-)`),
    /// as sample characters.
    pub allowed_chars: Option<Vec<char>>,
    /// Characters the value must not hold (`must not contain ... (>) or ... (<)`).
    pub forbidden_chars: Vec<char>,
    /// `in UUID format`.
    pub uuid: bool,
    /// Values given `for example` that look like values (not words).
    pub examples: Vec<String>,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

fn number(text: &str) -> Option<i64> {
    text.replace(',', "").parse().ok()
}

/// A value of a list: one token, without emphasis, quotes or a parenthetical remark.
fn token(piece: &str) -> Option<String> {
    static PAREN: LazyLock<Regex> = LazyLock::new(|| re(r"\([^)]*\)"));
    let piece = PAREN.replace_all(piece, "");
    let piece = piece.trim().trim_matches(|c| matches!(c, '*' | '`' | '"' | '\'' | ':')).trim();
    let piece = piece.strip_suffix('.').unwrap_or(piece).trim();
    let ok = !piece.is_empty()
        && !piece.contains(char::is_whitespace)
        && piece
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '/' | '-'));
    ok.then(|| piece.to_owned())
}

/// Splits `a, b, and c` / `a or b` into values; `None` when a piece is prose, not a value.
fn list(text: &str) -> Option<Vec<String>> {
    static END: LazyLock<Regex> = LazyLock::new(|| re(r"\s?\.(\s|$)"));
    static SEP: LazyLock<Regex> = LazyLock::new(|| re(r",|\band\b|\bor\b"));
    let text = END.split(text).next().unwrap_or(text);
    let values: Option<Vec<String>> =
        SEP.split(text).filter(|p| !p.trim().is_empty()).map(token).collect();
    values.filter(|v| !v.is_empty())
}

/// `value: meaning` items, bulleted (`• pending: ...`), separated by `;` or written
/// `value : meaning` (the PDF's spacing). At least two items make a list.
fn definitions(text: &str) -> Option<Vec<String>> {
    static ITEM: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:(?:^|[•;\n]|\s-\s|:\s)\s*([A-Za-z_][\w-]*(?:::[\w-]+)*):\s|\b([a-z_][\w-]*) :\s)")
    });
    let mut out: Vec<String> = Vec::new();
    for c in ITEM.captures_iter(text) {
        let value = c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_owned());
        if let Some(v) = value {
            if !out.contains(&v) && !matches!(v.as_str(), "example" | "Example" | "Note" | "NOTE") {
                out.push(v);
            }
        }
    }
    (out.len() >= 2).then_some(out)
}

fn values(text: &str) -> Option<Vec<String>> {
    static ENUM: LazyLock<Regex> = LazyLock::new(|| re(r"Enum:\s*\[([^\]]*)\]"));
    static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| re(r"Enumeration values:\s*([^\n|]*)"));
    static INTRO: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:Value range:|Possible values are(?: as follows:)?|The value can be|The options are)\s+([^:\n][^\n]*)",
        )
    });
    static FIXED: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?:[Tt]he value is fixed at|For CSBS, the value is)\s+\**([^\s*]+)"));
    if let Some(c) = ENUM.captures(text) {
        return Some(c[1].split(',').filter_map(token).collect());
    }
    if let Some(c) = ENUMERATION.captures(text) {
        if !text.contains("of the key") {
            return Some(list(&c[1]).unwrap_or_default());
        }
    }
    if let Some(c) = FIXED.captures(text) {
        return token(&c[1]).map(|v| vec![v]);
    }
    for c in INTRO.captures_iter(text) {
        if let Some(values) = list(&c[1]) {
            return Some(values);
        }
    }
    definitions(text)
}

fn lengths(text: &str, stated: &mut Stated) {
    static BETWEEN: LazyLock<Regex> =
        LazyLock::new(|| re(r"consists of (\d+) to ([\d,]+) characters"));
    static MAX: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?:a maximum of|up to|at most) ([\d,]+) characters"));
    if let Some(c) = BETWEEN.captures(text) {
        stated.min_length = number(&c[1]).map(|n| n as u64);
        stated.max_length = number(&c[2]).map(|n| n as u64);
    } else if let Some(c) = MAX.captures(text) {
        stated.max_length = number(&c[1]).map(|n| n as u64);
    }
    if text.contains("cannot be an empty string") || text.contains("must not be empty") {
        stated.min_length = Some(1);
    } else if text.contains("can be an empty string") && stated.min_length.is_none() {
        stated.min_length = Some(0);
    }
}

fn ranges(text: &str, stated: &mut Stated) {
    static OR_RANGE: LazyLock<Regex> =
        LazyLock::new(|| re(r"can be (-?[\d,]+) or ranges? from (-?[\d,]+) to (-?[\d,]+)"));
    static RANGE: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?:[Vv]alue|integer|[Ii]t)\s+(?:ranges|ranging|is) from (-?[\d,]+) to (-?[\d,]+)")
    });
    static MIN_MAX: LazyLock<Regex> =
        LazyLock::new(|| re(r"Minimum:\s*(-?[\d,]+)(?:\s+Maximum:\s*(-?[\d,]+))?"));
    if let Some(c) = OR_RANGE.captures(text) {
        let (a, low, high) = (number(&c[1]), number(&c[2]), number(&c[3]));
        stated.minimum = a.zip(low).map(|(a, l)| a.min(l));
        stated.maximum = high;
    } else if let Some(c) = RANGE.captures(text) {
        stated.minimum = number(&c[1]);
        stated.maximum = number(&c[2]);
    } else if text.contains("positive integer") {
        stated.minimum = Some(1);
    } else if text.contains("non-negative integer") {
        stated.minimum = Some(0);
    }
    if let Some(c) = MIN_MAX.captures(text) {
        stated.minimum = number(&c[1]);
        stated.maximum = c.get(2).and_then(|m| number(m.as_str()));
    }
}

fn default(text: &str) -> Option<String> {
    static DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:defaults to|[Tt]he default value is|Its default value is|Default value:)\s+\**([^\s,;*]+)",
        )
    });
    let c = DEFAULT.captures(text)?;
    let value = c[1].trim_end_matches('.');
    (!value.is_empty() && value != "empty").then(|| value.to_owned())
}

fn sort(text: &str, stated: &mut Stated) {
    static KEYS: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:Enumeration values of the key are as follows|The key can be as follows):\s*([^\n]*)",
        )
    });
    static DIRECTION: LazyLock<Regex> =
        LazyLock::new(|| re(r"default sorting direction is \**(asc|desc)\b"));
    if let Some(c) = KEYS.captures(text) {
        stated.sort_keys = list(&c[1]);
    }
    if let Some(c) = DIRECTION.captures(text) {
        stated.sort_direction = Some(c[1].to_owned());
    } else if text.contains("sorted in descending order") {
        stated.sort_direction = Some("desc".to_owned());
    }
}

/// The character set of `can contain only letters, digits, underscores (_), and hyphens
/// (-)` (or `including ...`), as samples: `a`, `Z`, `0`, `9`, `_`, `-`, ...
fn charset(text: &str) -> Option<Vec<char>> {
    static SET: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?:contain(?:s)? only|including only|including|consists? of only)\s+([^.]*?(?:letters|digits)[^.]*)",
        )
    });
    let c = SET.captures(text)?;
    let words = &c[1];
    let mut out = Vec::new();
    if words.contains("letters") {
        out.extend(['a', 'Z']);
    }
    if words.contains("digits") {
        out.extend(['0', '9']);
    }
    for (word, ch) in [("underscore", '_'), ("hyphen", '-'), ("period", '.'), ("space", ' ')] {
        if words.contains(word) {
            out.push(ch);
        }
    }
    Some(out)
}

/// `must not contain a greater-than sign (>) or less-than sign (<)`: the characters in
/// parentheses.
fn forbidden(text: &str) -> Vec<char> {
    static NOT: LazyLock<Regex> = LazyLock::new(|| re(r"(?:must not|cannot) contain ([^.]*)"));
    static PAREN: LazyLock<Regex> = LazyLock::new(|| re(r"\((.)\)"));
    NOT.captures(text)
        .map(|c| PAREN.captures_iter(&c[1]).filter_map(|p| p[1].chars().next()).collect())
        .unwrap_or_default()
}

/// Values after `for example`, kept only when they look like values (`2017-04-18T01:21:52`,
/// `OS::Nova::Server`), not words.
fn examples(text: &str) -> Vec<String> {
    static EXAMPLE: LazyLock<Regex> = LazyLock::new(|| {
        re(r"[Ff]or example[,:]?\s+(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[^\s,;]*|[^\s,;]+)")
    });
    EXAMPLE
        .captures_iter(text)
        .map(|c| c[1].trim_end_matches(['.', ')']).to_owned())
        .filter(|v| v.chars().any(|ch| ch.is_ascii_digit() || matches!(ch, ':' | '_' | '-')))
        .collect()
}

/// What a description states about a value whose JSON type is `json_type`.
pub fn stated(description: &str, json_type: Option<&str>) -> Stated {
    let mut stated = Stated::default();
    // Schedules and sort grammars are read by their own rules, not as value lists.
    let is_schedule = description.contains("iCalendar") || description.contains("RRULE");
    let is_sort = description.contains("<key1>") || description.contains("sorting direction");
    if is_sort {
        sort(description, &mut stated);
    } else if json_type != Some("boolean") && !is_schedule {
        stated.values = values(description);
    }
    lengths(description, &mut stated);
    if !is_schedule {
        ranges(description, &mut stated);
    }
    if json_type == Some("string") && stated.minimum.is_some() && description.contains("Minimum:") {
        // `Minimum: 0 Maximum: 255` of a string is its length.
        stated.min_length = stated.minimum.take().map(|n| n as u64);
        stated.max_length = stated.maximum.take().map(|n| n as u64);
    }
    stated.default = default(description);
    if json_type == Some("string") && !is_schedule {
        stated.allowed_chars = charset(description);
        stated.forbidden_chars = forbidden(description);
        stated.uuid = description.contains("UUID format");
    }
    if json_type != Some("boolean") {
        stated.examples = examples(description);
    }
    stated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values_of(text: &str) -> Option<Vec<String>> {
        stated(text, Some("string")).values
    }

    fn v(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn value_lists() {
        assert_eq!(
            values_of("Backup status Enum:[waiting_protect, protecting,deleted]"),
            v(&["waiting_protect", "protecting", "deleted"])
        );
        assert_eq!(
            values_of("Type of the failed operation\nEnum: [backup, restore, delete]"),
            v(&["backup", "restore", "delete"])
        );
        assert_eq!(
            values_of("Operation type, which can be backup Enumeration values: backup"),
            v(&["backup"])
        );
        assert_eq!(values_of("Status Enumeration values:\n"), v(&[]));
        assert_eq!(
            values_of("Value range: waiting_protect, protecting, and deleted"),
            v(&["waiting_protect", "protecting", "deleted"])
        );
        assert_eq!(
            values_of("Replication status. Possible values are na , waiting_copy , and fail ."),
            v(&["na", "waiting_copy", "fail"])
        );
        assert_eq!(values_of("Resource type Possible values are OS::Nova::Server (ECS) and OS::Ironic::BareMetalServer (BMS)."), v(&["OS::Nova::Server", "OS::Ironic::BareMetalServer"]));
        assert_eq!(values_of("Backup type. The value can be backup (common backup) or replication (cross-region replication backup)."), v(&["backup", "replication"]));
        assert_eq!(
            values_of("Entity object type The value is fixed at **OS::Nova::Server** (ECSs)."),
            v(&["OS::Nova::Server"])
        );
        assert_eq!(values_of("This parameter has a fixed value. For CSBS, the value is fc4d5750-22e7-4798-8a46-f48f62c4c1da ."), v(&["fc4d5750-22e7-4798-8a46-f48f62c4c1da"]));
        assert_eq!(values_of("Sharing status. The value can be:\n• pending: sent.\n• accepted: accepted.\n• rejected: rejected."), v(&["pending", "accepted", "rejected"]));
        assert_eq!(values_of("Image type The value can be: gold : public image private : private image market : market image"), v(&["gold", "private", "market"]));
        assert_eq!(values_of("Type of the resource to be backed up: OS::Nova::Server: ECS; OS::Cinder::Volume: EVS disks; OS::Sfs::Turbo: SFS Turbo"), v(&["OS::Nova::Server", "OS::Cinder::Volume", "OS::Sfs::Turbo"]));
        assert_eq!(
            values_of("Backup policy status disabled : unavailable. enabled : available."),
            v(&["disabled", "enabled"])
        );
    }

    #[test]
    fn prose_is_not_a_value_list() {
        assert_eq!(values_of("Backup type, for example, backup"), None);
        assert_eq!(values_of("The value can be -1 or ranges from 0 to 99999 ."), None);
        assert_eq!(values_of("Creation time, for example, 2017-04-18T01:21:52.701973"), None);
        assert_eq!(stated("The value can be true or false .", Some("boolean")).values, None);
    }

    #[test]
    fn lengths_and_ranges() {
        let s = stated(
            "The value consists of 1 to 255 characters and can contain only letters",
            Some("string"),
        );
        assert_eq!((s.min_length, s.max_length), (Some(1), Some(255)));
        let s = stated(
            "It consists of up to 36 characters.\nIt cannot be an empty string.",
            Some("string"),
        );
        assert_eq!((s.min_length, s.max_length), (Some(1), Some(36)));
        let s =
            stated("The value can be -1 or ranges from 0 to 99999 . If the value", Some("integer"));
        assert_eq!((s.minimum, s.maximum), (Some(-1), Some(99999)));
        let s = stated("Maximum number of records. The value ranges from 1 to 1000. The default value is 1000.", Some("integer"));
        assert_eq!(
            (s.minimum, s.maximum, s.default.as_deref()),
            (Some(1), Some(1000), Some("1000"))
        );
        let s = stated(
            "Backup progress. The value is an integer ranging from 0 to 100.",
            Some("integer"),
        );
        assert_eq!((s.minimum, s.maximum), (Some(0), Some(100)));
        assert_eq!(
            stated("Offset value, which is a positive integer.", Some("integer")).minimum,
            Some(1)
        );
        let s = stated("Name of the resource Minimum: 0 Maximum: 255", Some("string"));
        assert_eq!((s.min_length, s.max_length, s.minimum), (Some(0), Some(255), None));
        let s = stated("The value consists of a maximum of 10,240 characters. BYHOUR ranges from 0 to 23 hours. RRULE", Some("string"));
        assert_eq!((s.max_length, s.minimum), (Some(10240), None));
    }

    #[test]
    fn defaults() {
        assert_eq!(
            stated("The value defaults to 1000 .", Some("integer")).default.as_deref(),
            Some("1000")
        );
        assert_eq!(
            stated("the backup object type defaults to OS::Nova::Server .", Some("string"))
                .default
                .as_deref(),
            Some("OS::Nova::Server")
        );
        assert_eq!(
            stated("Whether enabled The default value is true . If", Some("boolean"))
                .default
                .as_deref(),
            Some("true")
        );
        assert_eq!(
            stated("Enterprise project ID. Its default value is 0.", Some("string"))
                .default
                .as_deref(),
            Some("0")
        );
        assert_eq!(stated("The default value is empty.", Some("string")).default, None);
    }

    #[test]
    fn character_sets_uuids_and_example_values() {
        let s = stated("Backup name. The value consists of 1 to 255 characters and can contain only letters, digits, underscores (_), and hyphens (-).", Some("string"));
        assert_eq!(s.allowed_chars, Some(vec!['a', 'Z', '0', '9', '_', '-']));
        let s = stated("Backup name, including digits, uppercase letters, lowercase letters, underscores (_), and hyphens (-).", Some("string"));
        assert_eq!(s.allowed_chars, Some(vec!['a', 'Z', '0', '9', '_', '-']));
        let s = stated("The value consists of 0 to 255 characters and must not contain a greater-than sign (>) or less-than sign (<).", Some("string"));
        assert_eq!((s.allowed_chars, s.forbidden_chars), (None, vec!['>', '<']));
        assert!(stated("Parent backup ID, in UUID format.", Some("string")).uuid);
        let s = stated("Time when the backup ends, in %YYYY-%mm-%ddT%HH:%MM:%SSZ format. For example, 2018-02-01T12:00:00Z.", Some("string"));
        assert_eq!(s.examples, vec!["2018-02-01T12:00:00Z"]);
        let s =
            stated("Start time of the scheduler, for example, 2017-03-07 09:31:08", Some("string"));
        assert_eq!(s.examples, vec!["2017-03-07 09:31:08"]);
        assert!(stated("For example, if used_percent is set to 80, all backups", Some("string"))
            .examples
            .is_empty());
        assert!(stated(
            "Reason for the skipping. For example, the resource is being backed up.",
            Some("string")
        )
        .examples
        .is_empty());
    }

    #[test]
    fn sort_grammar() {
        let s = stated("The value format is <key1>[:<direction>], where direction is asc or desc. If the parameter direction is not specified, the default sorting direction is desc . The value of sort contains a maximum of 255 characters. Enumeration values of the key are as follows: created_at , updated_at , and id .", Some("string"));
        assert_eq!(s.sort_keys, v(&["created_at", "updated_at", "id"]));
        assert_eq!(s.sort_direction.as_deref(), Some("desc"));
        assert_eq!(s.max_length, Some(255));
        assert_eq!(s.values, None);
    }
}

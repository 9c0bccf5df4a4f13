//! Time as the mock keeps it (microseconds since the Unix epoch, UTC) and as each document
//! prints it: CSBS without a zone (`2017-04-18T01:21:52.701973`), CBR with an offset
//! (`2020-02-21T07:07:25.114+00:00`), trigger start times with a space (`2017-03-07 09:31:08`).

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// The earliest time the mock keeps: 0001-01-01T00:00:00Z (the first four-digit year of the
/// documents' date-times).
pub const MIN_TIME: Micros = -62_135_596_800_000_000;
/// The latest time the mock keeps, and the furthest its clock moves:
/// 9999-12-31T23:59:59.999999Z (the last four-digit year of the documents' date-times).
/// Between the two, every sum of a time and a week, a delay or a retention is an `i64`.
pub const MAX_TIME: Micros = 253_402_300_799_999_999;

/// True for a time in `MIN_TIME..=MAX_TIME`.
pub fn in_range(t: Micros) -> bool {
    (MIN_TIME..=MAX_TIME).contains(&t)
}

pub fn now() -> Micros {
    // From the system clock directly: `Utc::now().timestamp_micros()` builds a calendar date
    // and takes it apart again, about 200 instructions on every request.
    let micros = |d: std::time::Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => micros(since),
        Err(before) => -micros(before.duration()),
    }
}

fn naive(t: Micros) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp_micros(t).unwrap_or_default().naive_utc()
}

/// Writes `YYYY-MM-DDTHH:MM:SS` and `fraction_digits` of the second (answers render many
/// times, and strftime parses its pattern on every call).
fn write_time(t: Micros, separator: char, fraction_digits: u32, out: &mut String) {
    fn push(out: &mut String, value: u32, width: u32) {
        for i in (0..width).rev() {
            out.push(char::from(b'0' + (value / 10u32.pow(i) % 10) as u8));
        }
    }
    let n = naive(t);
    let year = u32::try_from(n.year().clamp(0, 9999)).unwrap_or(0);
    let fields = [
        (year, 4, '-'),
        (n.month(), 2, '-'),
        (n.day(), 2, separator),
        (n.hour(), 2, ':'),
        (n.minute(), 2, ':'),
    ];
    for (value, width, after) in fields {
        push(out, value, width);
        out.push(after);
    }
    push(out, n.second(), 2);
    if fraction_digits > 0 {
        out.push('.');
        push(out, n.nanosecond() / 1000 / 10u32.pow(6 - fraction_digits), fraction_digits);
    }
}

/// `2017-04-18T01:21:52.701973`
pub fn csbs(t: Micros) -> String {
    let mut out = String::with_capacity(26);
    write_time(t, 'T', 6, &mut out);
    out
}

/// The time a client reads of `t` in `service`'s answers ([`csbs`] writes microseconds,
/// [`cbr`] milliseconds), so that a time filter compares what the client was shown.
pub fn as_shown(service: csbs_spec::Service, t: Micros) -> Micros {
    match service {
        csbs_spec::Service::Csbs => t,
        csbs_spec::Service::Cbr => t - t.rem_euclid(1_000),
    }
}

/// `2020-02-21T07:07:25.114+00:00`
pub fn cbr(t: Micros) -> String {
    let mut out = String::with_capacity(29);
    write_time(t, 'T', 3, &mut out);
    out.push_str("+00:00");
    out
}

/// `2017-03-07 09:31:08`
pub fn trigger(t: Micros) -> String {
    let mut out = String::with_capacity(19);
    write_time(t, ' ', 0, &mut out);
    out
}

/// A time read from the wire as the mock keeps it (a zone-less time is UTC).
pub fn of_timestamp(t: &csbs_wire::Timestamp) -> Micros {
    t.to_utc().timestamp_micros()
}

/// Reads a time in any of the service's forms (`csbs_wire::parse_time`: `T` or space,
/// optional fraction, optional `Z` or offset; no zone is UTC); `None` when it is not a real
/// calendar time.
pub fn parse(text: &str) -> Option<Micros> {
    csbs_wire::instant_micros(text)
}

/// A filter bound. The CBR filters are checked by a pattern only, so `2020-13-45T99:99:99Z`
/// reaches here: such a value is read with every field clamped into its range rather than
/// refused (the request is valid by the contract).
pub fn filter_bound(text: &str) -> Option<Micros> {
    parse(text).or_else(|| clamped(text))
}

fn clamped(text: &str) -> Option<Micros> {
    let field = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(field(0..4)?).ok()?;
    let month = field(5..7)?.clamp(1, 12);
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let last_day = first
        .with_day(31)
        .or_else(|| first.with_day(30))
        .or_else(|| first.with_day(29))
        .or_else(|| first.with_day(28))?
        .day();
    let day = field(8..10)?.clamp(1, last_day);
    let time = first.with_day(day)?.and_hms_opt(
        field(11..13)?.min(23),
        field(14..16)?.min(59),
        field(17..19)?.min(59),
    )?;
    Some(time.and_utc().timestamp_micros() + i64::from(time.nanosecond() / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounds_are_the_four_digit_years() {
        assert_eq!(csbs(MIN_TIME), "0001-01-01T00:00:00.000000");
        assert_eq!(csbs(MAX_TIME), "9999-12-31T23:59:59.999999");
        assert!(in_range(0) && !in_range(MAX_TIME + 1) && !in_range(MIN_TIME - 1));
    }

    #[test]
    fn now_reads_the_same_clock_as_chrono() {
        let (before, read, after) = (Utc::now().timestamp_micros(), now(), Utc::now());
        assert!(before <= read && read <= after.timestamp_micros(), "{before} {read} {after}");
    }

    #[test]
    fn renders_like_strftime() {
        for t in [0, 1_234_567, 1_492_478_512_701_973, 4_102_444_799_999_999] {
            assert_eq!(csbs(t), naive(t).format("%Y-%m-%dT%H:%M:%S%.6f").to_string());
            assert_eq!(cbr(t), naive(t).format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string());
            assert_eq!(trigger(t), naive(t).format("%Y-%m-%d %H:%M:%S").to_string());
        }
    }

    #[test]
    fn round_trips_in_every_form() {
        let t = parse("2017-04-18T01:21:52.701973").unwrap();
        assert_eq!(csbs(t), "2017-04-18T01:21:52.701973");
        assert_eq!(cbr(t), "2017-04-18T01:21:52.701+00:00");
        assert_eq!(trigger(t), "2017-04-18 01:21:52");
        assert_eq!(parse("2017-04-18 01:21:52.701973"), Some(t));
        assert_eq!(parse("2020-02-21T07:07:25.114+00:00"), parse("2020-02-21T07:07:25.114Z"));
        assert_eq!(parse("2018-02-01T12:00:00Z"), parse("2018-02-01T12:00:00"));
    }

    #[test]
    fn impossible_filter_times_are_clamped() {
        assert_eq!(filter_bound("2020-13-45T99:99:99Z"), parse("2020-12-31T23:59:59"));
        assert_eq!(filter_bound("2021-02-30T00:00:00Z"), parse("2021-02-28T00:00:00"));
        assert_eq!(filter_bound("garbage"), None);
    }
}

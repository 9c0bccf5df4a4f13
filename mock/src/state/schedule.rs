//! When policies run by themselves: their trigger patterns read with the spec's `x-rrule`
//! rule (times in UTC), and the bookkeeping of which runs each project has made.
//!
//! Like lifecycles, schedules are lazy: no timer runs. Before a request touches a project,
//! the runs that fell due since the project was last looked at are made (see
//! `handlers/scheduled.rs`); only requests can observe them, so nothing is seen late.

use super::store::Project;
use crate::clock::{Micros, MAX_TIME, MIN_TIME};
use csbs_spec::rules::RruleRule;
use csbs_spec::Service;
use std::sync::OnceLock;

const MINUTE: Micros = 60_000_000;
const WEEK: Micros = 7 * 24 * 60 * MINUTE;
/// 1970-01-05, the first Monday after the Unix epoch (a Thursday).
const FIRST_MONDAY: Micros = 4 * 24 * 60 * MINUTE;

/// The rule of `SchedulePattern` in the CSBS document.
fn rule() -> Option<&'static RruleRule> {
    static RULE: OnceLock<Option<RruleRule>> = OnceLock::new();
    RULE.get_or_init(|| {
        let extension =
            Service::Csbs.document().pointer("/components/schemas/SchedulePattern/x-rrule")?;
        RruleRule::from_extension(extension).ok()
    })
    .as_ref()
}

/// The runs of a schedule: minutes from Monday 00:00 UTC, sorted, never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    runs: Vec<u32>,
}

impl Schedule {
    /// The schedule of a trigger pattern; `None` when it is not a valid one (validation has
    /// already refused those in requests; seeded examples are not scheduled).
    pub fn of(pattern: &str) -> Option<Schedule> {
        let runs = rule()?.weekly_runs(pattern).ok()?;
        (!runs.is_empty()).then_some(Schedule { runs })
    }

    fn week_start(t: Micros) -> Micros {
        t - (t - FIRST_MONDAY).rem_euclid(WEEK)
    }

    fn times_in_week(&self, week: Micros) -> impl DoubleEndedIterator<Item = Micros> + '_ {
        self.runs.iter().map(move |&m| week + Micros::from(m) * MINUTE)
    }

    /// The latest run in `(after, upto]`: missed runs are made once, not once each. Any
    /// times are taken (an imported or advanced one is within the clock's range, see
    /// `clock::MAX_TIME`; others are clamped to it, so no sum overflows).
    pub fn last_run(&self, after: Micros, upto: Micros) -> Option<Micros> {
        if upto < MIN_TIME {
            return None;
        }
        let upto = upto.min(MAX_TIME);
        let week = Schedule::week_start(upto);
        [week, week - WEEK]
            .into_iter()
            .find_map(|w| self.times_in_week(w).rev().find(|&t| t <= upto))
            .filter(|&t| t > after)
    }

    /// The first run after `after` (any time, as in [`Schedule::last_run`]; none after
    /// `MAX_TIME`).
    pub fn next_run(&self, after: Micros) -> Micros {
        if after >= MAX_TIME {
            return Micros::MAX;
        }
        let after = after.max(MIN_TIME);
        let week = Schedule::week_start(after);
        [week, week + WEEK]
            .into_iter()
            .find_map(|w| self.times_in_week(w).find(|&t| t > after))
            .unwrap_or(Micros::MAX)
    }
}

impl Project {
    /// The schedule of a policy that runs by itself: known, enabled, with servers, and not a
    /// seeded example.
    fn schedule_of(&self, policy_id: &str) -> Option<Schedule> {
        let policy = self
            .policies
            .get(policy_id)
            .filter(|p| !p.seeded && p.operation.enabled && !p.resources.is_empty())?;
        Schedule::of(&policy.operation.pattern)
    }

    /// Starts (or restarts, after a change) a policy's schedule from `now`: earlier runs are
    /// never made.
    pub fn track_schedule(&mut self, policy_id: &str, now: Micros) {
        self.scheduled_until.insert(policy_id.to_owned(), now);
        self.changed(super::changes::Record::Project);
        self.plan_next_run();
    }

    pub fn untrack_schedule(&mut self, policy_id: &str) {
        self.scheduled_until.remove(policy_id);
        self.changed(super::changes::Record::Project);
        self.plan_next_run();
    }

    /// True if some schedule may have a run due by `now` (a comparison: this is asked
    /// before every request).
    pub fn run_may_be_due(&self, now: Micros) -> bool {
        self.next_scheduled_run <= now
    }

    /// Runs due by `now` (the latest missed one of each policy), oldest first.
    pub fn due_runs(&self, now: Micros) -> Vec<(Micros, String)> {
        let mut due: Vec<(Micros, String)> = self
            .scheduled_until
            .iter()
            .filter_map(|(id, &until)| {
                Some((self.schedule_of(id)?.last_run(until, now)?, id.clone()))
            })
            .collect();
        due.sort();
        due
    }

    /// Records that every schedule has been run up to `now`.
    pub fn schedules_run_until(&mut self, now: Micros) {
        for until in self.scheduled_until.values_mut() {
            *until = (*until).max(now);
        }
        self.changed(super::changes::Record::Project);
        self.plan_next_run();
    }

    pub(super) fn plan_next_run(&mut self) {
        self.next_scheduled_run = self
            .scheduled_until
            .iter()
            .filter_map(|(id, &until)| Some(self.schedule_of(id)?.next_run(until)))
            .min()
            .unwrap_or(Micros::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Micros {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().timestamp_micros()
    }

    fn pattern(rrule: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:{rrule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        )
    }

    #[test]
    fn weekly_runs_fall_on_their_weekday_in_utc() {
        // 2026-11-26 is a Thursday.
        let s = Schedule::of(&pattern("FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27")).unwrap();
        assert_eq!(s.next_run(at(2026, 11, 23, 14, 0)), at(2026, 11, 26, 12, 27));
        assert_eq!(s.next_run(at(2026, 11, 26, 12, 27)), at(2026, 12, 3, 12, 27), "after, not at");
        assert_eq!(
            s.last_run(at(2026, 11, 20, 0, 0), at(2026, 11, 30, 0, 0)),
            Some(at(2026, 11, 26, 12, 27))
        );
        assert_eq!(
            s.last_run(at(2026, 11, 26, 12, 27), at(2026, 12, 3, 12, 26)),
            None,
            "nothing new due"
        );
        // Weeks missed: one run, the latest.
        assert_eq!(
            s.last_run(at(2026, 1, 1, 0, 0), at(2026, 11, 27, 0, 0)),
            Some(at(2026, 11, 26, 12, 27))
        );
    }

    #[test]
    fn no_time_overflows_a_schedule() {
        let s = Schedule::of(&pattern("FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=59")).unwrap();
        let extremes =
            [Micros::MIN, MIN_TIME - 1, MIN_TIME, 0, MAX_TIME - WEEK, MAX_TIME, Micros::MAX];
        for a in extremes {
            let next = s.next_run(a);
            assert!(next > a || next == Micros::MAX, "next_run({a}) = {next}");
            for b in extremes {
                if let Some(t) = s.last_run(a, b) {
                    assert!(t > a && t <= b, "{a} {b} {t}");
                }
            }
        }
        assert_eq!(s.next_run(MAX_TIME), Micros::MAX, "no run after the clock's end");
    }

    #[test]
    fn daily_runs_and_sundays_wrap_to_monday() {
        let s = Schedule::of(&pattern("FREQ=DAILY;BYHOUR=6,18;BYMINUTE=0")).unwrap();
        assert_eq!(
            s.next_run(at(2026, 11, 29, 19, 0)),
            at(2026, 11, 30, 6, 0),
            "Sunday evening to Monday morning"
        );
        assert_eq!(s.last_run(at(2026, 11, 30, 0, 0), at(2026, 11, 30, 5, 59)), None);
        assert_eq!(
            s.last_run(at(2026, 11, 29, 0, 0), at(2026, 11, 30, 5, 59)),
            Some(at(2026, 11, 29, 18, 0))
        );
        assert_eq!(Schedule::of("not a calendar"), None);
    }
}

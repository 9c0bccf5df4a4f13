//! Lifecycles computed lazily from timestamps: a backup is `protecting` until its
//! `available_at`, `restoring` until its `restore_until`, `deleting` from its deletion until
//! `gone_at`, and then gone; a backup kept for a number of days is gone from `expires_at`.
//! No timer runs; reads compare with the clock.

use crate::clock::Micros;
use serde::{Deserialize, Serialize};

/// Where a backup is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Protecting,
    Available,
    Restoring,
    Deleting,
    Error,
    /// Deleted and past its deletion delay: no longer shown, purged on the next change.
    Gone,
}

impl Status {
    /// The wire word (both documents use the same ones).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Protecting => "protecting",
            Status::Available => "available",
            Status::Restoring => "restoring",
            Status::Deleting => "deleting",
            Status::Error => "error",
            Status::Gone => "deleted",
        }
    }

    /// True while a task runs on the backup (CSBS.2003 "item in executing").
    pub fn is_busy(self) -> bool {
        matches!(self, Status::Protecting | Status::Restoring | Status::Deleting)
    }
}

/// The timestamps a backup's status is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub created_at: Micros,
    /// End of `protecting`.
    pub available_at: Micros,
    /// `available` or `error` once protected (seeded examples may be `error`).
    pub settled: Status,
    /// A restoration from this backup: `(started, ends)`.
    pub restore: Option<(Micros, Micros)>,
    /// A deletion: `(requested, gone_at)`.
    pub delete: Option<(Micros, Micros)>,
    /// The end of its retention (`retention_duration_days` of the policy that made it).
    pub expires_at: Option<Micros>,
}

impl Lifecycle {
    pub fn new(created_at: Micros, protect_delay: Micros) -> Lifecycle {
        Lifecycle {
            created_at,
            available_at: created_at.saturating_add(protect_delay),
            settled: Status::Available,
            restore: None,
            delete: None,
            expires_at: None,
        }
    }

    pub fn status(&self, now: Micros) -> Status {
        if self.expires_at.is_some_and(|at| now >= at) {
            return Status::Gone;
        }
        if let Some((_, gone_at)) = self.delete {
            return if now >= gone_at { Status::Gone } else { Status::Deleting };
        }
        if now < self.available_at {
            return Status::Protecting;
        }
        match self.restore {
            Some((_, ends)) if now < ends => Status::Restoring,
            _ => self.settled,
        }
    }

    /// The last change that has happened by `now`.
    pub fn updated_at(&self, now: Micros) -> Micros {
        let events = [
            Some(self.created_at),
            Some(self.available_at),
            self.restore.map(|r| r.0),
            self.restore.map(|r| r.1),
            self.delete.map(|d| d.0),
        ];
        events.into_iter().flatten().filter(|&t| t <= now).max().unwrap_or(self.created_at)
    }

    /// True once nothing but a restore or a deletion changes the backup's view.
    pub fn is_settled(&self, now: Micros) -> bool {
        now >= self.available_at
            && self.delete.is_none()
            && self.restore.is_none_or(|(_, ends)| now >= ends)
    }

    /// When the backup was taken (protection finished), once it has.
    pub fn protected_at(&self, now: Micros) -> Option<Micros> {
        (now >= self.available_at).then_some(self.available_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_clock() {
        let mut l = Lifecycle::new(100, 50);
        assert_eq!(l.status(120), Status::Protecting);
        assert_eq!(l.status(150), Status::Available);
        l.restore = Some((200, 260));
        assert_eq!(l.status(230), Status::Restoring);
        assert_eq!(l.status(260), Status::Available);
        assert_eq!(l.updated_at(265), 260);
        l.delete = Some((300, 400));
        assert_eq!(l.status(350), Status::Deleting);
        assert_eq!(l.status(400), Status::Gone);
    }

    #[test]
    fn retention_ends_in_gone_whatever_the_state() {
        let mut l = Lifecycle::new(100, 0);
        l.expires_at = Some(500);
        assert_eq!(l.status(499), Status::Available);
        assert_eq!(l.status(500), Status::Gone);
        l.restore = Some((450, 600));
        assert_eq!(l.status(499), Status::Restoring);
        assert_eq!(l.status(550), Status::Gone);
    }

    #[test]
    fn zero_delays_settle_at_once() {
        let mut l = Lifecycle::new(100, 0);
        assert_eq!(l.status(100), Status::Available);
        l.delete = Some((120, 120));
        assert_eq!(l.status(120), Status::Gone);
    }
}

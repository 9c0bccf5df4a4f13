//! What a check or a request needs allowed against a real endpoint. The one gate of a run:
//! a check's row says what the check needs ([`Check::needs`](super::Check::needs)), an
//! operation what sending it needs ([`Permission::of`]); the run grants them from
//! `--allow-mutations` and `--allow-restore` (everything, against the embedded mock).

use csbs_spec::Operation;
use serde::Serialize;

/// What must be allowed, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Reads only: always allowed.
    ReadOnly,
    /// Creates, changes or deletes (`--allow-mutations`).
    Mutations,
    /// Overwrites a server's disks (`--allow-restore`, with `--allow-mutations`).
    Restores,
}

impl Permission {
    /// What sending `op` needs: a restore overwrites disks, a mutation changes state.
    pub fn of(op: &Operation) -> Permission {
        if op.tag == "restores" {
            Permission::Restores
        } else if op.is_mutation() {
            Permission::Mutations
        } else {
            Permission::ReadOnly
        }
    }

    /// Why a run that has not granted it cannot go on, and the flags that grant it.
    pub fn refusal(self) -> &'static str {
        match self {
            Permission::ReadOnly => "",
            Permission::Mutations => "it creates, changes or deletes; give --allow-mutations",
            Permission::Restores => {
                "a restore overwrites a server's disks; give --allow-restore (with --allow-mutations)"
            }
        }
    }
}

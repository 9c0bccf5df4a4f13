//! The steps of a history. Objects are named by their place in the history (the second policy
//! created, the first backup record made), never by ID, so that one history runs on two sides
//! whose IDs differ; a place past the end wraps around, and with none made yet the step names
//! an ID nobody has.

use std::fmt;

/// A query parameter's value, resolved on each side.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// The same text on both sides.
    Text(String),
    /// The ID of the n-th policy made.
    Policy(usize),
    /// The ID of the n-th backup record (checkpoint) made.
    Record(usize),
    /// The n-th server of the run.
    Server(usize),
    /// A name of the history's pool.
    Name(usize),
    /// The instant the n-th record's first backup was made, as that side shows it (a lower
    /// time bound that keeps the record and every later one).
    Since(usize),
    /// Just after the n-th record's last backup was made, as that side shows it (an upper
    /// time bound that keeps the record and every earlier one).
    Until(usize),
}

/// What a list or count is asked: filters, sort and paging.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub filters: Vec<(String, Arg)>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
    /// The n-th item of the list without paging, as the marker.
    pub marker: Option<usize>,
}

/// What a partial update sends of the policy's scheduled operation (`scheduled_operations[0]`,
/// named by its `id`): what is `None` (or `false`) is not sent, and the operation is sent only
/// when something of it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScheduleChange {
    /// `operation_definition.max_backups`.
    pub max_backups: Option<i64>,
    /// `operation_definition.retention_duration_days`.
    pub retention_days: Option<i64>,
    /// `operation_definition.permanent`.
    pub permanent: Option<bool>,
    /// `trigger.properties.pattern`: a whole iCalendar schedule.
    pub pattern: Option<String>,
    /// `enabled` (true or false; `None`: left out, which keeps it).
    pub enabled: Option<bool>,
}

impl ScheduleChange {
    /// True when the update sends the scheduled operation at all.
    pub fn sends(&self) -> bool {
        self.sends_definition() || self.pattern.is_some() || self.enabled.is_some()
    }

    /// True when it sends an `operation_definition`.
    pub fn sends_definition(&self) -> bool {
        self.max_backups.is_some() || self.retention_days.is_some() || self.permanent.is_some()
    }
}

impl fmt::Display for ScheduleChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(m) = self.max_backups {
            write!(f, " max_backups {m}")?;
        }
        if let Some(d) = self.retention_days {
            write!(f, " retention_duration_days {d}")?;
        }
        if let Some(p) = self.permanent {
            write!(f, " permanent {p}")?;
        }
        if let Some(pattern) = &self.pattern {
            // The calendar's one meaningful line; the script shows the whole text.
            let rule = pattern.split("\r\n").find(|l| l.starts_with("RRULE:"));
            write!(f, " trigger {}", rule.unwrap_or(pattern))?;
        }
        if let Some(enabled) = self.enabled {
            write!(f, " enabled {enabled}")?;
        }
        Ok(())
    }
}

/// One operation of a history.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    CreatePolicy {
        name: usize,
        description: usize,
        servers: Vec<usize>,
        max_backups: i64,
        retention_days: Option<i64>,
    },
    /// A partial update: what is `None` is not sent.
    UpdatePolicy {
        policy: usize,
        name: Option<usize>,
        description: Option<usize>,
        servers: Option<Vec<usize>>,
        schedule: ScheduleChange,
    },
    DeletePolicy {
        policy: usize,
    },
    ShowPolicy {
        policy: usize,
    },
    ListPolicies {
        query: Query,
    },
    /// `protectResource` of a server, with a backup name of the pool.
    Protect {
        server: usize,
        name: usize,
    },
    /// `executePolicy`, for every server of the policy or the listed ones only.
    RunPolicy {
        policy: usize,
        servers: Option<Vec<usize>>,
    },
    /// `deleteCheckpoint` of a whole record.
    DeleteRecord {
        record: usize,
    },
    /// `deleteCheckpoint` with `checkpoint_items` naming one backup.
    DeleteItem {
        item: usize,
    },
    ShowBackup {
        item: usize,
    },
    ListBackups {
        query: Query,
    },
    CountBackups {
        filters: Vec<(String, Arg)>,
    },
    /// The CBR view of the backups.
    ListCbrBackups {
        query: Query,
    },
    /// The CBR view of a record (`showCbrCheckpoint`).
    ShowCbrCheckpoint {
        record: usize,
    },
    /// `createRestore` of a backup to the server it was made of, every disk backup to its
    /// source disk (drawn only with `--allow-restore`).
    Restore {
        item: usize,
    },
    /// `checkResourceCapabilities` asking whether that restore could be made
    /// (`check_restorable`).
    Restorable {
        item: usize,
    },
    /// Shows by ID every policy and backup the history deleted (each must be gone, with the
    /// documented code) and every backup it restored (settled again).
    Reshow,
    /// The reads whose documented values are few, each tried: every sort key alone (in its
    /// default direction), every value of every enumerated filter, each record's time bounds.
    Sweep,
    ShowQuotas,
    Capabilities {
        servers: Vec<usize>,
    },
    /// Steps sent at once; any serial order of them is a documented outcome.
    Together(Vec<Step>),
    /// A step on this project's objects sent with the second project's credential, on the
    /// second project's path (`first_path: false`) or on this one's.
    Foreign {
        step: Box<Step>,
        first_path: bool,
    },
}

impl Step {
    /// True when the step may start a transition of a backup (`protecting`, `deleting`).
    pub fn moves_backups(&self) -> bool {
        match self {
            Step::Protect { .. }
            | Step::RunPolicy { .. }
            | Step::DeleteRecord { .. }
            | Step::DeleteItem { .. }
            | Step::Restore { .. } => true,
            Step::Together(steps) => steps.iter().any(Step::moves_backups),
            // It must change nothing, but if it does, settle before reading.
            Step::Foreign { step, .. } => step.moves_backups(),
            _ => false,
        }
    }

    /// True when its answer depends on backups, so that they are settled first.
    pub fn reads_backups(&self) -> bool {
        !matches!(
            self,
            Step::CreatePolicy { .. }
                | Step::UpdatePolicy { .. }
                | Step::DeletePolicy { .. }
                | Step::ShowPolicy { .. }
                | Step::ListPolicies { .. }
        )
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Text(t) => write!(f, "{t:?}"),
            Arg::Policy(n) => write!(f, "policy#{n}"),
            Arg::Record(n) => write!(f, "record#{n}"),
            Arg::Server(n) => write!(f, "server#{n}"),
            Arg::Name(n) => write!(f, "name#{n}"),
            Arg::Since(n) => write!(f, "(when record#{n} was made)"),
            Arg::Until(n) => write!(f, "(just after record#{n} was made)"),
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.filters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(s) = &self.sort {
            parts.push(format!("sort={s}"));
        }
        if let Some(n) = self.limit {
            parts.push(format!("limit={n}"));
        }
        if let Some(n) = self.offset {
            parts.push(format!("offset={n}"));
        }
        if let Some(n) = self.marker {
            parts.push(format!("marker=item {n} of the list"));
        }
        f.write_str(&parts.join("&"))
    }
}

fn list(items: &[usize], what: &str) -> String {
    let names: Vec<String> = items.iter().map(|i| format!("{what}#{i}")).collect();
    format!("[{}]", names.join(", "))
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreatePolicy { name, description, servers, max_backups, retention_days } => {
                write!(
                    f,
                    "createPolicy name#{name} description#{description} servers {} max_backups {max_backups}",
                    list(servers, "server")
                )?;
                match retention_days {
                    Some(d) => write!(f, " retention_duration_days {d}"),
                    None => Ok(()),
                }
            }
            Step::UpdatePolicy { policy, name, description, servers, schedule } => {
                write!(f, "updatePolicy policy#{policy}")?;
                if let Some(n) = name {
                    write!(f, " name#{n}")?;
                }
                if let Some(d) = description {
                    write!(f, " description#{d}")?;
                }
                if let Some(s) = servers {
                    write!(f, " servers {}", list(s, "server"))?;
                }
                write!(f, "{schedule}")
            }
            Step::DeletePolicy { policy } => write!(f, "deletePolicy policy#{policy}"),
            Step::ShowPolicy { policy } => write!(f, "showPolicy policy#{policy}"),
            Step::ListPolicies { query } => write!(f, "listPolicies {query}"),
            Step::Protect { server, name } => {
                write!(f, "protectResource server#{server} backup_name name#{name}")
            }
            Step::RunPolicy { policy, servers } => match servers {
                Some(s) => {
                    write!(f, "executePolicy policy#{policy} resources {}", list(s, "server"))
                }
                None => write!(f, "executePolicy policy#{policy}"),
            },
            Step::DeleteRecord { record } => write!(f, "deleteCheckpoint record#{record}"),
            Step::DeleteItem { item } => {
                write!(
                    f,
                    "deleteCheckpoint of the record of item#{item}, checkpoint_items item#{item}"
                )
            }
            Step::ShowBackup { item } => write!(f, "showBackup item#{item}"),
            Step::ListBackups { query } => write!(f, "listBackups {query}"),
            Step::CountBackups { filters } => {
                let q = Query { filters: filters.clone(), ..Query::default() };
                write!(f, "countBackups {q}")
            }
            Step::ListCbrBackups { query } => write!(f, "listCbrBackups {query}"),
            Step::ShowCbrCheckpoint { record } => write!(f, "showCbrCheckpoint record#{record}"),
            Step::Restore { item } => {
                write!(f, "createRestore item#{item} to its server, every disk to its source")
            }
            Step::Restorable { item } => {
                write!(f, "checkResourceCapabilities check_restorable item#{item} to its server")
            }
            Step::Reshow => f.write_str(
                "show by ID every policy and backup deleted so far, and every backup restored",
            ),
            Step::Sweep => f.write_str(
                "list with every sort key alone, every value of every enumerated filter, and each record's time bounds",
            ),
            Step::ShowQuotas => f.write_str("showQuotas"),
            Step::Capabilities { servers } => {
                write!(f, "checkResourceCapabilities {}", list(servers, "server"))
            }
            Step::Together(steps) => {
                let texts: Vec<String> = steps.iter().map(ToString::to_string).collect();
                write!(f, "at once: {}", texts.join(" | "))
            }
            Step::Foreign { step, first_path } => {
                let path = if *first_path { "this project's path" } else { "its own path" };
                write!(f, "with the other project's credential, on {path}: {step}")
            }
        }
    }
}

//! What an imported state must hold before it replaces the mock's (see `PUT /_mock/state` in
//! `mock/admin-openapi.yaml`): values the store can compute with, records it can tell apart.
//! The first violation is refused naming the field (its path in the document), the rule and
//! the value; nothing of a refused import is kept.

use super::schedule::Schedule;
use super::snapshot::{ProjectState, Snapshot};
use crate::clock::{Micros, MAX_TIME, MIN_TIME};
use std::collections::HashSet;

/// The largest `size_mb` of a backup or volume backup: 2^40 MB (an exbibyte), so that a
/// project's usage is a sum that cannot overflow.
pub const MAX_SIZE_MB: u64 = 1 << 40;

/// The words a policy's `status` takes (see `handlers/policies.rs`).
const POLICY_STATUSES: [&str; 2] = ["started", "suspended"];

/// How a violation names the record it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// By its place in the export (`projects[0].policies[2].status`).
    Export,
    /// By its row in the state file (`policies row (project "p", id "x").status`).
    StateFile,
}

/// Names the records of one project (the `index`th of the document).
struct Places<'a> {
    naming: Naming,
    index: usize,
    project: &'a str,
}

impl Places<'_> {
    /// The project's own fields (its ID, its bookkeeping).
    fn project(&self) -> String {
        match self.naming {
            Naming::Export => format!("projects[{}]", self.index),
            Naming::StateFile => format!("projects row (id {}).meta", excerpt(self.project)),
        }
    }

    /// The `j`th record of `table` (`policies`, `servers`, `backups`), with this ID.
    fn record(&self, table: &str, j: usize, id: &str) -> String {
        match self.naming {
            Naming::Export => format!("projects[{}].{table}[{j}]", self.index),
            Naming::StateFile => {
                format!("{table} row (project {}, id {})", excerpt(self.project), excerpt(id))
            }
        }
    }
}

/// Checks a whole export; `max_offset` is the largest clock offset (the one that puts the
/// mock's time at [`MAX_TIME`]).
pub fn check(snapshot: &Snapshot, max_offset: Micros) -> Result<(), String> {
    check_named(snapshot, max_offset, Naming::Export)
}

/// [`check`], naming records as `naming` says (a state file's by their rows).
pub fn check_named(snapshot: &Snapshot, max_offset: Micros, naming: Naming) -> Result<(), String> {
    snapshot.check_format()?;
    let offset = snapshot.clock_offset_us;
    if !(0..=max_offset).contains(&offset) {
        let field = match naming {
            Naming::Export => "clock_offset_us",
            Naming::StateFile => "meta row (key \"clock_offset_us\").value",
        };
        return Err(format!(
            "{field}: must be an integer from 0 to {max_offset} (the clock never goes \
             back, nor past {}Z) (got {offset})",
            crate::clock::csbs(MAX_TIME)
        ));
    }
    let mut ids = HashSet::new();
    for (index, project) in snapshot.projects.iter().enumerate() {
        let places = Places { naming, index, project: &project.id };
        if project.id.is_empty() || !ids.insert(project.id.as_str()) {
            let (at, id) = (places.project(), excerpt(&project.id));
            return Err(format!("{at}.id: must be a non-empty ID no other project has (got {id})"));
        }
        check_project(project, &places)?;
    }
    Ok(())
}

fn time(field: String, t: Micros) -> Result<(), String> {
    if crate::clock::in_range(t) {
        Ok(())
    } else {
        Err(format!(
            "{field}: must be a time from {MIN_TIME} to {MAX_TIME} microseconds since the Unix \
             epoch (0001-01-01 to 9999-12-31, UTC) (got {t})"
        ))
    }
}

/// A value quoted as error messages quote it ([`crate::errors::quoted`]), with its length
/// when cut.
fn excerpt(text: &str) -> String {
    let shown = crate::errors::quoted(text);
    match shown.len() < text.len() {
        true => format!("{shown:?} ({} bytes)", text.len()),
        false => format!("{text:?}"),
    }
}

fn unique(seen: &mut HashSet<String>, field: String, id: String) -> Result<(), String> {
    if seen.insert(id.clone()) {
        Ok(())
    } else {
        Err(format!("{field}: must be unique in its project (got {} twice)", excerpt(&id)))
    }
}

/// A count within the spec's `RetentionCount` (`minimum`, `maximum`), as createPolicy
/// validates `max_backups` and `retention_duration_days`.
fn retention_count(field: String, n: i64) -> Result<(), String> {
    let schema = csbs_spec::Service::Csbs.document().pointer("/components/schemas/RetentionCount");
    let bound = |k: &str| schema.and_then(|s| s.get(k)).and_then(serde_json::Value::as_i64);
    let (min, max) = (bound("minimum").unwrap_or(i64::MIN), bound("maximum").unwrap_or(i64::MAX));
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(format!("{field}: must be from {min} to {max} (RetentionCount) (got {n})"))
    }
}

fn size(field: String, mb: u64) -> Result<(), String> {
    if mb <= MAX_SIZE_MB {
        Ok(())
    } else {
        Err(format!("{field}: must be at most {MAX_SIZE_MB} (got {mb})"))
    }
}

fn check_project(project: &ProjectState, places: &Places<'_>) -> Result<(), String> {
    let mut seen = HashSet::new();
    for (j, policy) in project.policies.iter().enumerate() {
        let at = places.record("policies", j, &policy.id);
        unique(&mut seen, format!("{at}.id"), policy.id.clone())?;
        time(format!("{at}.created_at"), policy.created_at)?;
        time(format!("{at}.operation.start_time"), policy.operation.start_time)?;
        if policy.seeded {
            continue; // seeded examples keep the documents' words and patterns
        }
        if !POLICY_STATUSES.contains(&policy.status.as_str()) {
            return Err(format!(
                "{at}.status: must be one of {POLICY_STATUSES:?} (got {})",
                excerpt(&policy.status)
            ));
        }
        let definition = &policy.operation.definition;
        for (name, value) in [
            ("max_backups", definition.max_backups),
            ("retention_duration_days", definition.retention_duration_days),
        ] {
            if let Some(n) = value {
                retention_count(format!("{at}.operation.definition.{name}"), n)?;
            }
        }
        if Schedule::of(&policy.operation.pattern).is_none() {
            return Err(format!(
                "{at}.operation.pattern: must be a trigger pattern the schedule rule (x-rrule) \
                 reads (got {})",
                excerpt(&policy.operation.pattern)
            ));
        }
    }
    // A server is bound to at most one policy (createPolicy refuses it with CSBS.6004).
    let mut bound = HashSet::new();
    for (j, policy) in project.policies.iter().enumerate().filter(|(_, p)| !p.seeded) {
        for (r, resource) in policy.resources.iter().enumerate() {
            if !bound.insert(resource.id.as_str()) {
                return Err(format!(
                    "{}.resources[{r}].id: a server is bound to at most one policy (got {} \
                     bound twice)",
                    places.record("policies", j, &policy.id),
                    excerpt(&resource.id)
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    for (k, server) in project.servers.iter().enumerate() {
        let at = places.record("servers", k, &server.id);
        unique(&mut seen, format!("{at}.id"), server.id.clone())?;
    }
    let mut seen = HashSet::new();
    for (k, backup) in project.backups.iter().enumerate() {
        let at = places.record("backups", k, &backup.id.to_string());
        unique(&mut seen, format!("{at}.id"), backup.id.to_string())?;
        if *backup.checkpoint.project_id != *project.id {
            return Err(format!(
                "{at}.checkpoint.project_id: must be the project's ID {} (got {})",
                excerpt(&project.id),
                excerpt(&backup.checkpoint.project_id)
            ));
        }
        time(format!("{at}.checkpoint.created_at"), backup.checkpoint.created_at)?;
        let life = &backup.life;
        time(format!("{at}.life.created_at"), life.created_at)?;
        time(format!("{at}.life.available_at"), life.available_at)?;
        for (name, pair) in [("restore", life.restore), ("delete", life.delete)] {
            if let Some((from, to)) = pair {
                time(format!("{at}.life.{name}[0]"), from)?;
                time(format!("{at}.life.{name}[1]"), to)?;
            }
        }
        if let Some(t) = life.expires_at {
            time(format!("{at}.life.expires_at"), t)?;
        }
        size(format!("{at}.size_mb"), backup.size_mb)?;
        let disks = backup.server.disks.len();
        for (v, volume) in backup.volumes.iter().enumerate() {
            size(format!("{at}.volumes[{v}].size_mb"), volume.size_mb)?;
            if volume.disk >= disks {
                return Err(format!(
                    "{at}.volumes[{v}].disk: must be the index of one of the server's {disks} \
                     disks (got {})",
                    volume.disk
                ));
            }
        }
    }
    for (name, map) in
        [("schedules", &project.schedules), ("restoring_servers", &project.restoring_servers)]
    {
        for (key, &t) in map {
            time(format!("{}.{name}[{}]", places.project(), excerpt(key)), t)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::snapshot::FORMAT;

    #[test]
    fn long_values_are_quoted_in_excerpts() {
        let long = "é".repeat(5_000);
        let quoted = excerpt(&long);
        assert!(quoted.len() < 120 && quoted.ends_with("(10000 bytes)"), "{quoted}");
        assert_eq!(excerpt("short"), "\"short\"");
        let project = ProjectState { id: long.clone(), ..ProjectState::default() };
        let snapshot = Snapshot {
            format: FORMAT.to_owned(),
            clock_offset_us: 0,
            projects: vec![project.clone(), project],
        };
        let error = check(&snapshot, 0).unwrap_err();
        assert!(error.starts_with("projects[1].id: must be") && error.len() < 200, "{error}");
    }
}

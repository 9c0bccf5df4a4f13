//! The state file: an embedded SQLite database (feature `state-file`), one row per record
//! (its JSON, as in an export), in WAL mode with `synchronous=FULL`, so that a committed
//! transaction survives the process being killed and the machine losing power.

use super::durable::{Backend, Batch, Row};
use super::model::{Backup, Policy, Server};
use super::snapshot::{ProjectMeta, ProjectState, Snapshot, FORMAT};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS policies (
  project TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (project, id));
CREATE TABLE IF NOT EXISTS servers (
  project TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (project, id));
CREATE TABLE IF NOT EXISTS backups (
  project TEXT NOT NULL, id TEXT NOT NULL,
  checkpoint_at INTEGER NOT NULL, checkpoint TEXT NOT NULL, place INTEGER NOT NULL,
  body TEXT NOT NULL, PRIMARY KEY (project, id));
";

/// A state file.
pub struct Sqlite {
    db: Connection,
}

fn error(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// `PRAGMA application_id` of a mock state file ("CSBS"): another program's SQLite database is
/// refused rather than given the mock's tables.
const APPLICATION_ID: i32 = 0x4353_4253;

/// How long opening waits for another process's lock on the file before refusing.
const OPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl Sqlite {
    /// Opens (or creates) the state file at `path`, and keeps it to this process: the
    /// connection holds SQLite's exclusive lock (`locking_mode=EXCLUSIVE`, taken at once) for
    /// its life, so a second mock on the same file refuses to start. The lock is the OS's
    /// file lock, released when the process ends, SIGKILL included; the WAL keeps every
    /// committed transaction as before.
    pub fn open(path: &Path) -> Result<Sqlite, String> {
        let name = path.display().to_string();
        let db = Connection::open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
        let in_use = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                format!("{name} is in use by another process (another csbs-mock on this --state?)")
            }
            _ => format!("{name}: {e}"),
        };
        db.busy_timeout(OPEN_WAIT).map_err(error("busy_timeout"))?;
        db.pragma_update(None, "locking_mode", "EXCLUSIVE").map_err(error("locking_mode"))?;
        db.execute_batch("BEGIN EXCLUSIVE; COMMIT;").map_err(in_use)?;
        // Before anything is changed in it: another program's file stays as it was.
        check_owner(&db, &name)?;
        db.pragma_update(None, "journal_mode", "WAL").map_err(error("journal_mode=WAL"))?;
        db.pragma_update(None, "synchronous", "FULL").map_err(error("synchronous=FULL"))?;
        db.execute_batch(SCHEMA).map_err(|e| format!("{name} is not a mock state file: {e}"))?;
        let format: Option<String> = db
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
            .optional()
            .map_err(error("reading the format"))?;
        match format.as_deref() {
            None => {
                db.execute("INSERT INTO meta VALUES ('format', ?1)", [FORMAT])
                    .map_err(error("writing the format"))?;
            }
            Some(FORMAT) => {}
            Some(other) => return Err(format!("{name} holds state format {other}, not {FORMAT}")),
        }
        db.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(error("writing the application_id"))?;
        Ok(Sqlite { db })
    }
}

/// Refuses a database that is not the mock's: one with another `application_id`, or without
/// one (files of earlier mocks had none) holding tables other than the mock's.
fn check_owner(db: &Connection, name: &str) -> Result<(), String> {
    let id: i32 = db
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(error("reading the application_id"))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let mut statement = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .map_err(error("reading the tables"))?;
    let tables: Vec<String> = statement
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(error("reading the tables"))?;
    let ours = ["backups", "meta", "policies", "projects", "servers"];
    if id == 0 && tables.iter().all(|t| ours.contains(&t.as_str())) {
        return Ok(());
    }
    Err(format!(
        "{name} is another program's SQLite database (application_id {id}, tables {tables:?}), \
         not a csbs-mock state file; give --state a new path or a mock's file"
    ))
}

fn write_row(tx: &rusqlite::Transaction<'_>, row: &Row) -> rusqlite::Result<()> {
    match row {
        Row::Policy { project, id, json } => upsert(tx, "policies", project, id, json.as_deref()),
        Row::Server { project, id, json } => upsert(tx, "servers", project, id, json.as_deref()),
        Row::Backup { project, id, order, json: Some(json) } => {
            let (at, checkpoint, place) = order;
            let sql = "INSERT OR REPLACE INTO backups VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
            tx.prepare_cached(sql)?.execute(params![
                &**project,
                id.to_string(),
                at,
                checkpoint.to_string(),
                i64::try_from(*place).unwrap_or(i64::MAX),
                json
            ])?;
            Ok(())
        }
        Row::Backup { project, id, json: None, .. } => {
            let sql = "DELETE FROM backups WHERE project = ?1 AND id = ?2";
            tx.prepare_cached(sql)?.execute(params![&**project, id.to_string()])?;
            Ok(())
        }
        Row::Project { project, json } => {
            let sql = "INSERT OR REPLACE INTO projects VALUES (?1, ?2)";
            tx.prepare_cached(sql)?.execute(params![&**project, json])?;
            Ok(())
        }
        Row::Reset { project } => {
            for table in ["policies", "servers", "backups"] {
                tx.execute(&format!("DELETE FROM {table} WHERE project = ?1"), [&**project])?;
            }
            tx.execute("DELETE FROM projects WHERE id = ?1", [&**project])?;
            Ok(())
        }
    }
}

fn upsert(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    project: &str,
    id: &str,
    json: Option<&str>,
) -> rusqlite::Result<()> {
    match json {
        Some(json) => {
            let sql = format!("INSERT OR REPLACE INTO {table} VALUES (?1, ?2, ?3)");
            tx.prepare_cached(&sql)?.execute(params![project, id, json])?;
        }
        None => {
            let sql = format!("DELETE FROM {table} WHERE project = ?1 AND id = ?2");
            tx.prepare_cached(&sql)?.execute(params![project, id])?;
        }
    }
    Ok(())
}

/// The project's records being read.
fn state(projects: &mut BTreeMap<String, ProjectState>, id: String) -> &mut ProjectState {
    projects.entry(id.clone()).or_insert_with(|| ProjectState { id, ..ProjectState::default() })
}

impl Backend for Sqlite {
    fn write(&mut self, batch: &Batch) -> Result<(), String> {
        let tx = self.db.transaction().map_err(error("starting a transaction"))?;
        if batch.replace_all {
            tx.execute_batch(
                "DELETE FROM projects; DELETE FROM policies; DELETE FROM servers; DELETE FROM backups;",
            )
            .map_err(error("emptying the file"))?;
        }
        if let Some(offset) = batch.clock_offset {
            tx.execute(
                "INSERT OR REPLACE INTO meta VALUES ('clock_offset_us', ?1)",
                [offset.to_string()],
            )
            .map_err(error("writing the clock"))?;
        }
        for row in &batch.rows {
            write_row(&tx, row).map_err(error("writing a record"))?;
        }
        tx.commit().map_err(error("committing"))
    }

    fn load(&mut self) -> Result<Option<Snapshot>, String> {
        let clock: Option<String> = self
            .db
            .query_row("SELECT value FROM meta WHERE key = 'clock_offset_us'", [], |r| r.get(0))
            .optional()
            .map_err(error("reading the clock"))?;
        let mut projects: BTreeMap<String, ProjectState> = BTreeMap::new();
        let rows = |sql: &str| -> Result<Vec<(String, String)>, String> {
            let mut statement = self.db.prepare(sql).map_err(error("reading the file"))?;
            let rows = statement
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(error("reading the file"))?;
            rows.collect::<Result<_, _>>().map_err(error("reading a record"))
        };
        let metas = rows("SELECT id, meta FROM projects")?;
        let policies = rows("SELECT project, body FROM policies ORDER BY project, id")?;
        let servers = rows("SELECT project, body FROM servers ORDER BY project, id")?;
        let backups = rows(
            "SELECT project, body FROM backups ORDER BY project, checkpoint_at, checkpoint, place",
        )?;
        let empty = metas.is_empty() && policies.is_empty() && backups.is_empty();
        if empty && clock.is_none() {
            return Ok(None);
        }
        let parse =
            |what: &str, e: serde_json::Error| format!("a stored {what} does not read: {e}");
        for (id, json) in metas {
            let meta: ProjectMeta = serde_json::from_str(&json).map_err(|e| parse("project", e))?;
            let project = state(&mut projects, id);
            project.schedules = meta.schedules;
            project.restoring_servers = meta.restoring_servers;
        }
        for (id, json) in policies {
            let policy: Policy = serde_json::from_str(&json).map_err(|e| parse("policy", e))?;
            state(&mut projects, id).policies.push(policy);
        }
        for (id, json) in servers {
            let server: Server = serde_json::from_str(&json).map_err(|e| parse("server", e))?;
            state(&mut projects, id).servers.push(server);
        }
        for (id, json) in backups {
            let backup: Backup = serde_json::from_str(&json).map_err(|e| parse("backup", e))?;
            state(&mut projects, id).backups.push(backup);
        }
        let clock_offset_us = match clock {
            Some(text) => {
                text.parse().map_err(|e| format!("the stored clock does not read: {e}"))?
            }
            None => 0,
        };
        Ok(Some(Snapshot {
            format: FORMAT.to_owned(),
            clock_offset_us,
            projects: projects.into_values().collect(),
        }))
    }
}

//! `status`: every migration on disk or in the database, with its state.

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use serde::Serialize;

use super::bookkeeping::{self, Recorded};
use super::session;
use super::{Options, RunnerError};
use crate::migrations::source::checksum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Applied,
    Pending,
    /// A live run is applying (or reverting) it now.
    Running,
    /// Applied, but up.sql changed since.
    Modified,
    /// Applied, but its directory is gone.
    Missing,
    /// Not applied; its last run failed or was interrupted.
    Failed,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Running => "running",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusRow {
    pub name: String,
    pub state: State,
    pub applied_at: Option<String>,
    /// sha256 of up.sql on disk.
    pub file_checksum: Option<String>,
    /// sha256 recorded when it was applied.
    pub applied_checksum: Option<String>,
    /// How it came to be recorded as applied: `applied` (ran here),
    /// `adopted` (baseline/import --mark-applied), `marked` (`mark`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_as: Option<Recorded>,
    /// The last failure, for `failed`.
    pub error: Option<String>,
    /// For `running`: since when, and the backend running it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend_pid: Option<i32>,
}

/// The migrations' states, and the session holding the runner's lock.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub rows: Vec<StatusRow>,
    pub lock: Option<LockHolder>,
}

/// A session holding the runner's advisory lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, QueryableByName)]
pub struct LockHolder {
    #[diesel(sql_type = Integer)]
    pub pid: i32,
    #[diesel(sql_type = Nullable<Text>)]
    pub application_name: Option<String>,
    /// When its current transaction or statement began, as far as this
    /// role may see.
    #[diesel(sql_type = Nullable<Text>)]
    pub since: Option<String>,
}

/// Who holds advisory lock `key`, from pg_locks and pg_stat_activity.
fn holder(conn: &mut PgConnection, key: i64) -> Result<Option<LockHolder>, RunnerError> {
    let rows: Vec<LockHolder> = diesel::sql_query(
        "SELECT l.pid, s.application_name::text AS application_name, \
                COALESCE(s.xact_start, s.query_start, s.backend_start)::text AS since \
           FROM pg_locks l LEFT JOIN pg_stat_activity s ON s.pid = l.pid \
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
            AND l.classid::bigint = ($1 >> 32) AND l.objid::bigint = ($1 & 4294967295) \
            AND l.pid <> pg_backend_pid()",
    )
    .bind::<BigInt, _>(key)
    .load(conn)
    .map_err(|e| RunnerError::Database(format!("read pg_locks: {e}")))?;
    Ok(rows.into_iter().next())
}

/// Reads files leniently (status must work on a broken directory too):
/// every subdirectory holding an up.sql.
fn files(dir: &Path) -> Result<Vec<(String, String)>, RunnerError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(RunnerError::Input(format!("{}: {e}", dir.display()))),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".retired") {
            continue;
        }
        if let Ok(bytes) = std::fs::read(entry.path().join("up.sql")) {
            out.push((name, checksum(&bytes)));
        }
    }
    out.sort();
    Ok(out)
}

type Read = (
    Vec<bookkeeping::Applied>,
    Vec<bookkeeping::LastAudit>,
    Option<LockHolder>,
);

fn read_state(conn: &mut PgConnection, opts: &Options) -> Result<Read, RunnerError> {
    let booked = bookkeeping::exists(conn, &opts.schema)?;
    let (applied, audits) = if booked {
        (
            bookkeeping::applied(conn, &opts.schema)?,
            bookkeeping::last_audit(conn, &opts.schema)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    // The key the bookkeeping is kept under finds a run started with it.
    let key = match booked {
        true => bookkeeping::stored_key(conn, &opts.schema)?.unwrap_or(opts.lock_key),
        false => opts.lock_key,
    };
    Ok((applied, audits, holder(conn, key)?))
}

pub fn status(url: &str, dir: &Path, opts: &Options) -> Result<Status, RunnerError> {
    let on_disk = files(dir)?;
    let mut conn = session::connect(url, opts)?;
    // One snapshot for every read: a run that commits between two of them
    // would show its migration as neither applied nor running.
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .map_err(|e| RunnerError::Database(format!("begin: {e}")))?;
    let read = read_state(&mut conn, opts);
    let _ = conn.batch_execute("COMMIT");
    let (applied, audits, lock) = read?;
    let mut names: Vec<&str> = on_disk.iter().map(|(n, _)| n.as_str()).collect();
    names.extend(applied.iter().map(|a| a.migration_name.as_str()));
    names.sort();
    names.dedup();
    let mut rows = Vec::new();
    for name in names {
        let file = on_disk
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone());
        let done = applied.iter().find(|a| a.migration_name == name);
        let audit = audits.iter().find(|a| a.migration_name == name);
        let live =
            audit.filter(|a| a.alive && matches!(a.status.as_str(), "running" | "reverting"));
        let state = match (&file, done, live) {
            (_, _, Some(_)) => State::Running,
            (Some(f), Some(a), None) if *f == a.checksum => State::Applied,
            (Some(_), Some(_), None) => State::Modified,
            (None, Some(_), None) => State::Missing,
            _ => match audit.map(|a| a.status.as_str()) {
                Some("failed" | "running" | "interrupted") => State::Failed,
                _ => State::Pending,
            },
        };
        let error = (state == State::Failed).then(|| {
            audit
                .and_then(|a| a.error_message.clone())
                .unwrap_or_else(|| "interrupted: the run ended before recording a result".into())
        });
        rows.push(StatusRow {
            name: name.to_string(),
            state,
            applied_at: done.map(|a| a.applied_at.clone()),
            file_checksum: file,
            applied_checksum: done.map(|a| a.checksum.clone()),
            recorded_as: done.map(|a| a.recorded_as),
            error,
            running_since: live.map(|a| a.started_at.clone()),
            backend_pid: live.and_then(|a| a.backend_pid),
        });
    }
    Ok(Status { rows, lock })
}

pub fn unapplied(
    url: &str,
    dir: &Path,
    opts: &Options,
) -> Result<Option<Vec<String>>, RunnerError> {
    let on_disk = files(dir)?;
    if on_disk.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let mut conn = session::connect(url, opts)?;
    if !bookkeeping::exists(&mut conn, &opts.schema)? {
        return Ok(None);
    }
    let applied = bookkeeping::applied(&mut conn, &opts.schema)?;
    Ok(Some(
        on_disk
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| !applied.iter().any(|a| a.migration_name == *n))
            .collect(),
    ))
}

/// The table `reconcile status` prints.
pub fn render_table(status: &Status) -> String {
    let rows = &status.rows;
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(9);
    let mut out = String::new();
    if let Some(h) = &status.lock {
        out.push_str(&format!(
            "a run holds the lock: backend pid {}{}{}\n",
            h.pid,
            h.application_name
                .as_deref()
                .filter(|a| !a.is_empty())
                .map(|a| format!(" ({a})"))
                .unwrap_or_default(),
            h.since
                .as_deref()
                .map(|s| format!(", since {s}"))
                .unwrap_or_default()
        ));
    }
    out.push_str(&format!(
        "{:<width$}  {:<8}  {}\n",
        "MIGRATION", "STATE", "APPLIED AT / NOTE"
    ));
    for r in rows {
        let note = match r.state {
            State::Modified => format!(
                "checksum {} applied, {} on disk",
                short(&r.applied_checksum),
                short(&r.file_checksum)
            ),
            State::Failed => r.error.clone().unwrap_or_default(),
            State::Running => format!(
                "{} since {}, backend pid {}",
                if r.applied_at.is_some() {
                    "reverting"
                } else {
                    "applying"
                },
                r.running_since.as_deref().unwrap_or("?"),
                r.backend_pid
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "?".into())
            ),
            _ => match (&r.applied_at, r.recorded_as) {
                (Some(at), Some(Recorded::Adopted)) => format!("{at} (adopted, not run)"),
                (Some(at), Some(Recorded::Marked)) => format!("{at} (marked by hand)"),
                (at, _) => at.clone().unwrap_or_default(),
            },
        };
        out.push_str(&format!(
            "{:<width$}  {:<8}  {}\n",
            r.name,
            r.state.word(),
            note
        ));
    }
    out
}

fn short(c: &Option<String>) -> String {
    c.as_deref()
        .map(|c| &c[..c.len().min(12)])
        .unwrap_or("-")
        .to_string()
}

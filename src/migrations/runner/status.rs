//! `status`: every migration on disk or in the database, with its state.

use std::path::Path;

use serde::Serialize;

use super::bookkeeping;
use super::session;
use super::source::checksum;
use super::{Options, RunnerError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Applied,
    Pending,
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
    /// The last failure, for `failed`.
    pub error: Option<String>,
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

pub fn status(url: &str, dir: &Path, opts: &Options) -> Result<Vec<StatusRow>, RunnerError> {
    let on_disk = files(dir)?;
    let mut conn = session::connect(url, opts)?;
    let (applied, audits) = if bookkeeping::exists(&mut conn, &opts.schema)? {
        (
            bookkeeping::applied(&mut conn, &opts.schema)?,
            bookkeeping::last_audit(&mut conn, &opts.schema)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
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
        let state = match (&file, done) {
            (Some(f), Some(a)) if *f == a.checksum => State::Applied,
            (Some(_), Some(_)) => State::Modified,
            (None, Some(_)) => State::Missing,
            _ => match audit.map(|a| a.status.as_str()) {
                Some("failed") | Some("running") => State::Failed,
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
            error,
        });
    }
    Ok(rows)
}

/// The table `reconcile status` prints.
pub fn render_table(rows: &[StatusRow]) -> String {
    let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(9);
    let mut out = format!(
        "{:<width$}  {:<8}  {}\n",
        "MIGRATION", "STATE", "APPLIED AT / NOTE"
    );
    for r in rows {
        let note = match r.state {
            State::Modified => format!(
                "checksum {} applied, {} on disk",
                short(&r.applied_checksum),
                short(&r.file_checksum)
            ),
            State::Failed => r.error.clone().unwrap_or_default(),
            _ => r.applied_at.clone().unwrap_or_default(),
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

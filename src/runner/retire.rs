//! `retire`: a migration that never ran anywhere and must never run keeps
//! its number (so it is never reused) but leaves the history.

use std::path::{Path, PathBuf};

use super::{bookkeeping, session, Options, RunnerError};
use crate::migrations::{self, sum};

pub const REASON_FILE: &str = "RETIRED.md";

pub fn retire(
    dir: &Path,
    version: &str,
    reason: &str,
    url: Option<&str>,
    opts: &Options,
) -> Result<PathBuf, RunnerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RunnerError::Input("--reason must say why".into()));
    }
    let name = find(dir, version)?;
    if dir.join(sum::SUM_FILE).exists() {
        // Refreshing the sum over edited files would bless the edit.
        sum::verify(dir).map_err(RunnerError::Input)?;
    }
    let users: Vec<String> = migrations::existing(dir)
        .map_err(RunnerError::Input)?
        .into_iter()
        .filter(|other| *other != name)
        .filter(|other| {
            crate::migrations::source::depends_of(&dir.join(other))
                .iter()
                .any(|d| d.trim_end_matches(".sql") == name)
        })
        .collect();
    if !users.is_empty() {
        return Err(RunnerError::Refused(format!(
            "{name} cannot be retired: {} depend(s) on it",
            users.join(", ")
        )));
    }
    if let Some(url) = url {
        let mut conn = session::connect(url, opts)?;
        if bookkeeping::exists(&mut conn, &opts.schema)? {
            let applied = bookkeeping::applied(&mut conn, &opts.schema)?;
            if let Some(a) = applied.iter().find(|a| a.migration_name == name) {
                return Err(RunnerError::Refused(format!(
                    "{name} is applied in {} (since {}); only a migration that never ran may be retired: \
                     revert it first, or add a new migration that undoes it",
                    crate::catalog::redact(url),
                    a.applied_at
                )));
            }
            // Outside a transaction, a failed run leaves its first statements
            // committed: that migration did run, in part.
            let audits = bookkeeping::last_audit(&mut conn, &opts.schema)?;
            let partial = audits.iter().any(|a| {
                a.migration_name == name && matches!(a.status.as_str(), "failed" | "running")
            });
            if partial && !crate::migrations::source::transactional_of(&dir.join(&name)) {
                return Err(RunnerError::Refused(format!(
                    "{name} runs outside a transaction and its last run in {} failed or was interrupted, \
                     so some of its statements may be committed; only a migration that never ran may be retired",
                    crate::catalog::redact(url)
                )));
            }
        }
    }
    let from = dir.join(&name);
    let to = dir.join(format!("{name}.retired"));
    let note = from.join(REASON_FILE);
    std::fs::write(
        &note,
        format!(
            "# {name} retired\n\nRetired at {} (UTC). It never runs again; its number is not reused.\n\n## Reason\n\n{reason}\n",
            super::timestamp()
        ),
    )
    .map_err(|e| RunnerError::Input(format!("{}: {e}", note.display())))?;
    if let Err(e) = std::fs::rename(&from, &to) {
        let _ = std::fs::remove_file(&note);
        return Err(RunnerError::Input(format!(
            "cannot rename {} to {}: {e}",
            from.display(),
            to.display()
        )));
    }
    migrations::write_sum(dir).map_err(RunnerError::Input)?;
    tracing::info!(migration = %name, "retired");
    Ok(to)
}

/// The live migration directory `version` names: `0003` or `0003_name`.
fn find(dir: &Path, version: &str) -> Result<String, RunnerError> {
    let live = migrations::existing(dir).map_err(RunnerError::Input)?;
    let matches = |n: &str| {
        if version.len() == 4 && version.bytes().all(|b| b.is_ascii_digit()) {
            n.starts_with(&format!("{version}_"))
        } else {
            n == version
        }
    };
    if let Some(n) = live.iter().find(|n| matches(n)) {
        return Ok(n.clone());
    }
    let already = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                migrations::is_retired(&n) && matches(n.trim_end_matches(".retired"))
            })
        })
        .unwrap_or(false);
    Err(RunnerError::Input(if already {
        format!("{version} is already retired in {}", dir.display())
    } else {
        format!("no migration {version} in {}", dir.display())
    }))
}

//! `rehash`: after a deliberate edit of a migration that never ran, the sum
//! file is computed again. An edit of an applied migration is refused: the
//! database would keep running on a history that no longer matches it.

use std::path::Path;

use super::{bookkeeping, session, Options, RunnerError};
use crate::migrations::{self, sum};

/// What `rehash` did: the first edited migration, or nothing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rehashed {
    Unchanged,
    /// The sum was rewritten; this is the first migration that differed.
    From(String),
}

pub fn rehash(dir: &Path, url: Option<&str>, opts: &Options) -> Result<Rehashed, RunnerError> {
    if !dir.is_dir() {
        return Err(RunnerError::Input(format!(
            "{} is not a migrations directory",
            dir.display()
        )));
    }
    let Some(first) = sum::first_edited(dir).map_err(RunnerError::Input)? else {
        return Ok(Rehashed::Unchanged);
    };
    if let Some(url) = url {
        let mut conn = session::connect(url, opts)?;
        if bookkeeping::exists(&mut conn, &opts.schema)? {
            // The runner applies in order, so nothing after an unapplied
            // migration is applied; checking from `first` on is enough.
            let applied = bookkeeping::applied(&mut conn, &opts.schema)?;
            if let Some(a) = applied.iter().find(|a| a.migration_name >= first) {
                return Err(RunnerError::Refused(format!(
                    "{} is applied in {} (since {}) and the files from {first} on were edited; \
                     an applied migration is never edited: restore it (git checkout) and add a new migration instead",
                    a.migration_name,
                    crate::catalog::redact(url),
                    a.applied_at
                )));
            }
        }
    }
    migrations::write_sum(dir).map_err(RunnerError::Input)?;
    tracing::info!(from = %first, "sum file rewritten");
    Ok(Rehashed::From(first))
}

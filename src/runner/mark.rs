//! Recording a migration as applied without running it, or forgetting
//! one that is recorded: adopting an existing database (`baseline` or
//! `import --mark-applied`), and `reconcile mark`, the operator's repair
//! for a migration run (or undone) by hand. Each writes an audit row.

use std::path::Path;
use std::time::Duration;

use diesel::PgConnection;

use super::bookkeeping::{self, Audit, Recorded};
use super::exec::{self, in_transaction};
use super::session::{self, Locked};
use super::{correlation_id, Isolation, Options, RunnerError};
use crate::migrations::source::{self, Source};

/// Records migrations `names` of `sources` as adopted, all in one
/// transaction: applied without running, on a database that already has
/// their objects. Those already recorded with the same checksum are left
/// as they are.
pub fn adopt(
    conn: &mut PgConnection,
    sources: &[Source],
    names: &[&str],
    opts: &Options,
) -> Result<(), RunnerError> {
    let chosen: Vec<&Source> = names
        .iter()
        .map(|name| {
            sources
                .iter()
                .find(|s| s.name == *name)
                .ok_or_else(|| RunnerError::Input(format!("no migration named {name}")))
        })
        .collect::<Result<_, _>>()?;
    let corr = correlation_id();
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    let schema = opts.schema.as_str();
    bookkeeping::ensure(locked.conn(), schema, opts.lock_key)?;
    let applied = bookkeeping::applied(locked.conn(), schema)?;
    let mut todo = Vec::new();
    for src in chosen {
        match applied.iter().find(|a| a.migration_name == src.name) {
            Some(a) if a.checksum == src.checksum => {}
            Some(a) => {
                return Err(RunnerError::Refused(format!(
                    "{} is already recorded with checksum {}, but the file has {}",
                    src.name, a.checksum, src.checksum
                )))
            }
            None => todo.push(src),
        }
    }
    let mut names: Vec<String> = applied.iter().map(|a| a.migration_name.clone()).collect();
    for src in &todo {
        source::check_depends(std::slice::from_ref(*src), &names).map_err(RunnerError::Input)?;
        names.push(src.name.clone());
    }
    in_transaction(locked.conn(), Isolation::Default, |c| {
        todo.iter()
            .try_for_each(|src| record(c, schema, src, Recorded::Adopted, &corr, None))
    })?;
    tracing::info!(correlation_id = %corr, migrations = todo.len(), "adopted: recorded as applied without running");
    Ok(())
}

fn record(
    c: &mut PgConnection,
    schema: &str,
    src: &Source,
    how: Recorded,
    corr: &str,
    reason: Option<&str>,
) -> Result<(), RunnerError> {
    let id = bookkeeping::start_audit(
        c,
        schema,
        &Audit {
            name: &src.name,
            checksum: Some(&src.checksum),
            status: "marked_applied",
            correlation_id: corr,
            reason,
        },
    )?;
    bookkeeping::record(c, schema, &src.name, &src.checksum, &src.down_sql, how)?;
    bookkeeping::update_audit(c, schema, id, "marked_applied", None, "[]", true)
}

/// What `reconcile mark` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Applied (run by hand): recorded with its checksum and down SQL.
    Applied,
    /// Not applied (undone by hand, or never run): its record removed.
    Pending,
}

/// What `mark` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marked {
    /// The migration's full name.
    pub name: String,
    /// False when it already was as asked (nothing written).
    pub changed: bool,
    pub warnings: Vec<String>,
}

/// Records migration `version` (`0003` or `0003_name`) of `dir` as applied
/// or pending, with `reason` in its audit row. Refused while another run
/// holds the lock, and when it would break the strict order (an earlier
/// migration pending under an applied one).
pub fn mark(
    url: &str,
    dir: &Path,
    version: &str,
    mark: Mark,
    reason: &str,
    opts: &Options,
) -> Result<Marked, RunnerError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RunnerError::Input("--reason must say why".into()));
    }
    let number = exec::number_of("mark", version)?.to_string();
    let named = |n: &str| match version.len() {
        4 => n.get(..4) == Some(number.as_str()),
        _ => n == version,
    };
    // The files first, so that a broken directory is found before connecting.
    let sources = match mark {
        Mark::Applied => source::load(dir).map_err(RunnerError::Input)?,
        Mark::Pending => Vec::new(),
    };
    let conn = session::connect(url, opts)?;
    let mut locked = Locked::acquire(conn, opts.lock_key, Duration::ZERO).map_err(|e| match e {
        RunnerError::LockTimeout(m) => RunnerError::LockTimeout(format!(
            "{m}; `mark` changes the bookkeeping only while no run holds the lock: try again once it is done"
        )),
        other => other,
    })?;
    let schema = opts.schema.as_str();
    if bookkeeping::exists(locked.conn(), schema)? {
        bookkeeping::check_key(locked.conn(), schema, opts.lock_key)?;
    }
    let applied = match bookkeeping::exists(locked.conn(), schema)? {
        true => bookkeeping::applied(locked.conn(), schema)?,
        false => Vec::new(),
    };
    let corr = correlation_id();
    let mut report = exec::new_report("mark", &corr, url);
    match mark {
        Mark::Applied => {
            let src = sources.iter().find(|s| named(&s.name)).ok_or_else(|| {
                RunnerError::Input(format!("no migration {version} in {}", dir.display()))
            })?;
            if let Some(a) = applied.iter().find(|a| a.migration_name == src.name) {
                if a.checksum != src.checksum {
                    return Err(RunnerError::Refused(format!(
                        "{} is recorded with checksum {}, but the file has {}: it was edited after it was applied",
                        src.name, a.checksum, src.checksum
                    )));
                }
                return Ok(Marked {
                    name: src.name.clone(),
                    changed: false,
                    warnings: Vec::new(),
                });
            }
            let earlier: Vec<&str> = sources
                .iter()
                .filter(|s| s.number < src.number)
                .filter(|s| !applied.iter().any(|a| a.migration_name == s.name))
                .map(|s| s.name.as_str())
                .collect();
            if !earlier.is_empty() {
                return Err(RunnerError::Refused(format!(
                    "{} cannot be marked applied while {} before it {} not: migrations are applied in \
                     strict order (apply or mark those first)",
                    src.name,
                    earlier.join(", "),
                    if earlier.len() == 1 { "is" } else { "are" }
                )));
            }
            let names: Vec<String> = applied.iter().map(|a| a.migration_name.clone()).collect();
            source::check_depends(std::slice::from_ref(src), &names).map_err(RunnerError::Input)?;
            bookkeeping::ensure(locked.conn(), schema, opts.lock_key)?;
            exec::close_interrupted(locked.conn(), opts, &mut report)?;
            in_transaction(locked.conn(), Isolation::Default, |c| {
                record(c, schema, src, Recorded::Marked, &corr, Some(reason))
            })?;
            tracing::info!(correlation_id = %corr, migration = %src.name, reason, "marked applied");
            Ok(Marked {
                name: src.name.clone(),
                changed: true,
                warnings: report.warnings,
            })
        }
        Mark::Pending => {
            let Some(a) = applied.iter().find(|a| named(&a.migration_name)) else {
                return Ok(Marked {
                    name: version.to_string(),
                    changed: false,
                    warnings: vec![format!("{version} is not recorded as applied")],
                });
            };
            let later: Vec<&str> = applied
                .iter()
                .filter(|b| b.migration_name > a.migration_name)
                .map(|b| b.migration_name.as_str())
                .collect();
            if !later.is_empty() {
                return Err(RunnerError::Refused(format!(
                    "{} cannot be marked pending while {} after it {} applied: mark those pending \
                     first, newest first",
                    a.migration_name,
                    later.join(", "),
                    if later.len() == 1 { "is" } else { "are" }
                )));
            }
            bookkeeping::ensure(locked.conn(), schema, opts.lock_key)?;
            exec::close_interrupted(locked.conn(), opts, &mut report)?;
            in_transaction(
                locked.conn(),
                Isolation::Default,
                |c| -> Result<(), RunnerError> {
                    let id = bookkeeping::start_audit(
                        c,
                        schema,
                        &Audit {
                            name: &a.migration_name,
                            checksum: Some(&a.checksum),
                            status: "marked_pending",
                            correlation_id: &corr,
                            reason: Some(reason),
                        },
                    )?;
                    bookkeeping::forget(c, schema, &a.migration_name)?;
                    bookkeeping::update_audit(c, schema, id, "marked_pending", None, "[]", true)
                },
            )?;
            tracing::info!(correlation_id = %corr, migration = %a.migration_name, reason, "marked pending");
            Ok(Marked {
                name: a.migration_name.clone(),
                changed: true,
                warnings: report.warnings,
            })
        }
    }
}

//! `apply`: the pending migrations, in order, checked against what the
//! database has applied; `--dry-run` and `--to`.

use std::time::Instant;

use diesel::PgConnection;

use super::bookkeeping::{self, Applied, Recorded};
use super::exec::{self, Finish, Unit};
use super::report::{summary, MigrationRun, Report, StatementRun};
use super::session::{self, Locked};
use super::snapshot;
use super::{correlation_id, millis, Options, RunnerError};
use crate::migrations::source::{self, Source};
use crate::model::{par, Database};

/// `sources` as `source::read` gives them, their SQL split on another
/// thread while this one connects, takes the lock and reads the schema.
/// Nothing is written before both are done, and a migration that does not
/// split is the error reported even when the database failed too, as when
/// the files were split first. With `to`, the migrations after it stay
/// pending.
pub fn apply(
    url: &str,
    mut sources: Vec<Source>,
    to: Option<&str>,
    opts: &Options,
) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let corr = correlation_id();
    let span = tracing::info_span!("apply", correlation_id = %corr);
    let _in_span = span.enter();
    let last = last_of(&sources, to)?;
    let mut report = exec::new_report("apply", &corr, url);
    let (read, split) = par::join(
        || read_first(url, opts, &sources, last, &mut report),
        || source::split_all(&sources).map_err(RunnerError::Input),
    );
    source::fill(&mut sources, split?);
    let First {
        mut locked,
        pending,
        before,
    } = read?;
    let ran = {
        let units: Vec<Unit> = pending
            .iter()
            .filter_map(|&i| sources.get(i))
            .map(|m| Unit {
                name: &m.name,
                checksum: &m.checksum,
                statements: &m.up,
                transactional: m.run_in_transaction,
                finish: Finish::Record { down: &m.down_sql },
            })
            .collect();
        exec::refuse_what_the_server_lacks(locked.conn(), &units)?;
        bookkeeping::ensure(locked.conn(), &opts.schema, opts.lock_key)?;
        exec::close_interrupted(locked.conn(), opts, &mut report)?;
        if let Some(db) = &before {
            snapshot::write_snapshot(db, opts, &exec::statements_of(&units), &mut report)?;
        }
        exec::run_units(&mut locked, url, opts, &units, report, before)?
    };
    // Reading the schema after the run does not need the migrations' text
    // (28 MB and 180 000 statements for a first migration of 10 000 tables).
    drop(sources);
    exec::conclude(&mut locked, url, opts, ran, started)
}

/// The number of the last migration to apply: `to` (`0003` or
/// `0003_name`), which must be a migration in the directory.
fn last_of(sources: &[Source], to: Option<&str>) -> Result<Option<u32>, RunnerError> {
    let Some(v) = to else { return Ok(None) };
    let number = exec::number_of("--to", v)?;
    sources
        .iter()
        .find(|s| match v.len() {
            4 => s.name.get(..4) == Some(number),
            _ => s.name == v,
        })
        .map(|s| Some(s.number))
        .ok_or_else(|| RunnerError::Input(format!("--to {v}: no such migration in the directory")))
}

/// What an apply reads before it writes anything.
struct First {
    locked: Locked<PgConnection>,
    /// Places in `sources` of the migrations to run.
    pending: Vec<usize>,
    /// The schema before the run; `None` with nothing to run.
    before: Option<Database>,
}

/// Connects, takes the lock, reads what is applied and, when something is
/// pending, the schema. Read only: the bookkeeping tables are made after.
fn read_first(
    url: &str,
    opts: &Options,
    sources: &[Source],
    last: Option<u32>,
    report: &mut Report,
) -> Result<First, RunnerError> {
    let conn = session::connect(url, opts)?;
    tracing::debug!("connected");
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    tracing::debug!(key = opts.lock_key, "took the advisory lock");
    let applied = match bookkeeping::exists(locked.conn(), &opts.schema)? {
        true => {
            bookkeeping::check_key(locked.conn(), &opts.schema, opts.lock_key)?;
            bookkeeping::applied(locked.conn(), &opts.schema)?
        }
        false => Vec::new(),
    };
    tracing::debug!(applied = applied.len(), "read the bookkeeping");
    let mut pending = pending(sources, &applied, &mut report.warnings)?;
    if let Some(last) = last {
        let later = pending
            .iter()
            .filter(|&&i| sources[i].number > last)
            .count();
        pending.retain(|&i| sources[i].number <= last);
        if later > 0 {
            report
                .warnings
                .push(format!("--to: {later} later migration(s) left pending"));
        }
    }
    tracing::info!(pending = pending.len(), "applying");
    let before = match pending.is_empty() {
        true => None,
        false => snapshot::read_before(locked.conn(), url, opts, report)?,
    };
    Ok(First {
        locked,
        pending,
        before,
    })
}

pub fn dry_run(
    url: &str,
    sources: &[Source],
    to: Option<&str>,
    opts: &Options,
) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let last = last_of(sources, to)?;
    let mut report = exec::new_report("dry-run", &correlation_id(), url);
    let mut conn = session::connect(url, opts)?;
    let applied = if bookkeeping::exists(&mut conn, &opts.schema)? {
        bookkeeping::check_key(&mut conn, &opts.schema, opts.lock_key)?;
        bookkeeping::applied(&mut conn, &opts.schema)?
    } else {
        Vec::new()
    };
    for m in pending(sources, &applied, &mut report.warnings)?
        .into_iter()
        .filter_map(|i| sources.get(i))
        .filter(|m| last.is_none_or(|last| m.number <= last))
    {
        report
            .migrations
            .push(would_run(&m.name, &m.checksum, m.run_in_transaction, &m.up));
    }
    report.duration_ms = millis(started);
    Ok(report)
}

/// A migration (or revert) a dry run shows, with its statements.
pub(super) fn would_run(
    name: &str,
    checksum: &str,
    transactional: bool,
    statements: &[crate::sql::split::Statement],
) -> MigrationRun {
    let statements = statements
        .iter()
        .enumerate()
        .map(|(i, s)| StatementRun {
            number: i + 1,
            line: s.line,
            rows: None,
            duration_ms: 0.0,
            summary: summary(&s.sql),
            sql: Some(s.sql.as_str().into()),
        })
        .collect();
    MigrationRun {
        name: name.to_string(),
        checksum: checksum.to_string(),
        transactional,
        status: "pending".into(),
        statements,
        duration_ms: 0.0,
        required_schema_held: None,
        notes: Vec::new(),
    }
}

/// The migrations to run (their places in `sources`), after refusing
/// anything inconsistent with what the database has applied.
pub(super) fn pending(
    sources: &[Source],
    applied: &[Applied],
    warnings: &mut Vec<String>,
) -> Result<Vec<usize>, RunnerError> {
    let mut refused = Vec::new();
    for a in applied {
        match sources.iter().find(|s| s.name == a.migration_name) {
            Some(s) if s.checksum != a.checksum => refused.push(format!(
                "{} was modified after it was applied: checksum in the database {}, on disk {}; \
                 never edit an applied migration, add a new one",
                s.dir.join("up.sql").display(),
                a.checksum,
                s.checksum
            )),
            Some(_) => {}
            None => warnings.push(format!(
                "{} is {} but its directory is missing",
                a.migration_name,
                match a.recorded_as {
                    Recorded::Applied => "applied",
                    Recorded::Adopted | Recorded::Marked => "recorded as applied",
                }
            )),
        }
    }
    let pending: Vec<usize> = (0..sources.len())
        .filter(|&i| !applied.iter().any(|a| a.migration_name == sources[i].name))
        .collect();
    if let Some(newest) = applied.iter().map(|a| a.migration_name.as_str()).max() {
        for p in pending.iter().map(|&i| &sources[i]) {
            if let Some(a) = applied
                .iter()
                .find(|a| a.migration_name.get(..4) == Some(&p.name[..4]))
            {
                refused.push(format!(
                    "{} has the number of the applied migration {}",
                    p.name, a.migration_name
                ));
            } else if p.name.as_str() < newest {
                refused.push(format!(
                    "{} is pending but the later migration {newest} is already applied; migrations run in strict order",
                    p.name
                ));
            }
        }
    }
    if !refused.is_empty() {
        return Err(RunnerError::Refused(refused.join("\n")));
    }
    let names: Vec<String> = applied.iter().map(|a| a.migration_name.clone()).collect();
    source::check_depends(sources, &names).map_err(RunnerError::Input)?;
    Ok(pending)
}

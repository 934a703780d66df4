//! `revert`: the down SQL stored at apply time, newest first. Everything
//! that would stop it is found before anything runs: a migration with no
//! down script, one recorded by adopting an existing database, and a down
//! script that destroys data (unless allowed).

use std::time::Instant;

use diesel::PgConnection;

use super::apply::would_run;
use super::bookkeeping::{self, Down, Recorded};
use super::destroys::{self, Loss};
use super::exec::{self, Finish, Unit};
use super::report::Report;
use super::session::{self, Locked};
use super::snapshot;
use super::{correlation_id, millis, Options, RevertTarget, RunnerError};
use crate::sql::split::{self, Statement};

pub fn revert(url: &str, target: &RevertTarget, opts: &Options) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let corr = correlation_id();
    let span = tracing::info_span!("revert", correlation_id = %corr);
    let _in_span = span.enter();
    let mut report = exec::new_report("revert", &corr, url);
    let conn = session::connect(url, opts)?;
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    if !bookkeeping::exists(locked.conn(), &opts.schema)? {
        report.warnings.push("nothing is applied".into());
        return Ok(report);
    }
    bookkeeping::check_key(locked.conn(), &opts.schema, opts.lock_key)?;
    let downs = bookkeeping::downs(locked.conn(), &opts.schema)?;
    let chosen = choose(&downs, target)?;
    let split = split_downs(&chosen)?;
    refuse_losses(locked.conn(), &split, opts, &mut report)?;
    bookkeeping::ensure(locked.conn(), &opts.schema, opts.lock_key)?;
    exec::close_interrupted(locked.conn(), opts, &mut report)?;
    let ran = {
        let units: Vec<Unit> = split
            .iter()
            .map(|(d, statements)| Unit {
                name: &d.migration_name,
                checksum: &d.checksum,
                statements,
                transactional: statements.iter().all(|s| s.outside_transaction.is_none()),
                finish: Finish::Forget,
            })
            .collect();
        exec::refuse_what_the_server_lacks(locked.conn(), &units)?;
        let before = match units.is_empty() {
            true => None,
            false => snapshot::before(
                locked.conn(),
                url,
                opts,
                &exec::statements_of(&units),
                &mut report,
            )?,
        };
        exec::run_units(&mut locked, url, opts, &units, report, before)?
    };
    drop(downs);
    exec::conclude(&mut locked, url, opts, ran, started)
}

/// What `revert` would run, and what it would destroy, without the lock
/// and without writing anything. Refused as the revert itself would be.
pub fn dry_run(url: &str, target: &RevertTarget, opts: &Options) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let mut report = exec::new_report("revert-dry-run", &correlation_id(), url);
    let mut conn = session::connect(url, opts)?;
    if !bookkeeping::exists(&mut conn, &opts.schema)? {
        report.warnings.push("nothing is applied".into());
        return Ok(report);
    }
    bookkeeping::check_key(&mut conn, &opts.schema, opts.lock_key)?;
    let downs = bookkeeping::downs(&mut conn, &opts.schema)?;
    let chosen = choose(&downs, target)?;
    let split = split_downs(&chosen)?;
    for (d, statements) in &split {
        let transactional = statements.iter().all(|s| s.outside_transaction.is_none());
        report.migrations.push(would_run(
            &d.migration_name,
            &d.checksum,
            transactional,
            statements,
        ));
    }
    report.duration_ms = millis(started);
    refuse_losses(&mut conn, &split, opts, &mut report)?;
    Ok(report)
}

/// Each chosen migration's stored down SQL, split; refuses the whole
/// revert up front when one was adopted, has no down script (none stored,
/// or only comments) or one that does not parse.
fn split_downs<'a>(chosen: &[&'a Down]) -> Result<Vec<(&'a Down, Vec<Statement>)>, RunnerError> {
    let mut out = Vec::new();
    for d in chosen {
        if d.recorded_as() == Recorded::Adopted {
            return Err(RunnerError::Refused(format!(
                "{} was recorded with --mark-applied: it adopted a database whose objects were there \
                 before it, so its down SQL would drop them (and their rows) rather than undo a change; \
                 it is never reverted (to stop tracking it, `reconcile mark {} --pending --reason ...`)",
                d.migration_name,
                d.migration_name.get(..4).unwrap_or(&d.migration_name)
            )));
        }
        let sql = d.sql.as_deref().unwrap_or("");
        let statements = split::split(sql).map_err(|e| {
            RunnerError::Refused(format!(
                "the stored down SQL of {} does not parse: line {}: {}",
                d.migration_name, e.line, e.message
            ))
        })?;
        if statements.is_empty() {
            return Err(RunnerError::Refused(format!(
                "{} has no down script (its down SQL holds no statement, only comments or nothing); \
                 nothing was reverted: write a new migration that undoes it",
                d.migration_name
            )));
        }
        out.push((*d, statements));
    }
    Ok(out)
}

/// Puts what the down scripts destroy in the report, and refuses unless
/// `opts.allow_destructive`.
fn refuse_losses(
    conn: &mut PgConnection,
    split: &[(&Down, Vec<Statement>)],
    opts: &Options,
    report: &mut Report,
) -> Result<(), RunnerError> {
    let losses: Vec<Loss> = split
        .iter()
        .flat_map(|(d, statements)| destroys::losses(conn, &d.migration_name, statements))
        .collect();
    report.destroys = losses;
    if report.destroys.is_empty() || opts.allow_destructive {
        return Ok(());
    }
    let list: Vec<String> = report.destroys.iter().map(Loss::to_string).collect();
    // What is shown: the revert as a dry run would show it.
    let mut shown = report.clone();
    if shown.migrations.is_empty() {
        shown.operation = "revert-dry-run".into();
        shown.migrations = split
            .iter()
            .map(|(d, statements)| {
                let transactional = statements.iter().all(|s| s.outside_transaction.is_none());
                would_run(&d.migration_name, &d.checksum, transactional, statements)
            })
            .collect();
    }
    Err(RunnerError::Destructive(
        format!(
            "refused: the down SQL destroys data: {}; nothing was reverted. Review it \
             (`revert --dry-run`) and pass --allow-destructive",
            list.join("; ")
        ),
        Some(Box::new(shown)),
    ))
}

/// Whether `v` (`0003` or `0003_name`) names an applied migration.
fn is_applied(downs: &[Down], v: &str, number: &str) -> bool {
    downs.iter().any(|d| {
        if v.len() > 4 {
            d.migration_name == v
        } else {
            d.migration_name.get(..4) == Some(number)
        }
    })
}

/// The applied migrations a revert undoes, newest first (`downs` is).
fn choose<'a>(downs: &'a [Down], target: &RevertTarget) -> Result<Vec<&'a Down>, RunnerError> {
    let num = |d: &Down| d.migration_name.get(..4).unwrap_or("").to_string();
    match target {
        RevertTarget::Steps(n) => Ok(downs.iter().take(*n).collect()),
        RevertTarget::To(v) => {
            let number = exec::number_of("--to", v)?;
            if number != "0000" && !is_applied(downs, v, number) {
                return Err(RunnerError::Refused(format!(
                    "--to {v}: no such applied migration"
                )));
            }
            Ok(downs.iter().filter(|d| num(d).as_str() > number).collect())
        }
        RevertTarget::Range(from, to) => {
            let range = format!("{from}..{to}");
            let a = exec::number_of(&range, from)?;
            let b = exec::number_of(&range, to)?;
            for (v, n) in [(from, a), (to, b)] {
                if !is_applied(downs, v, n) {
                    return Err(RunnerError::Refused(format!(
                        "{range}: {v} is not an applied migration"
                    )));
                }
            }
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let above: Vec<&str> = downs
                .iter()
                .filter(|d| num(d).as_str() > hi)
                .map(|d| d.migration_name.as_str())
                .collect();
            if !above.is_empty() {
                return Err(RunnerError::Refused(format!(
                    "{range}: {} would stay applied on top of the reverted migrations; \
                     a range must reach the newest applied migration (include it, or use --to)",
                    above.join(", ")
                )));
            }
            Ok(downs
                .iter()
                .filter(|d| (lo..=hi).contains(&num(d).as_str()))
                .collect())
        }
    }
}

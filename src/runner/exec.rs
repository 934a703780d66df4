//! Running migrations (or their reverts): one transaction per migration,
//! or statement by statement outside one, each statement's row count, the
//! audit rows, the required-schema contract.

use std::borrow::BorrowMut;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::bookkeeping::{self, Audit, Recorded};
use super::index::{self, Before};
use super::progress::{emit, Progress};
use super::report::{summary, MigrationRun, Report, RunFailure, StatementRun};
use super::session::{self, Locked};
use super::snapshot;
use super::{millis, Isolation, Options, RequiredCheck, RunnerError};
use crate::catalog;
use crate::model::Database;
use crate::sql::split::Statement;
use crate::verify::required::RequiredSchema;

pub fn new_report(operation: &str, corr: &str, url: &str) -> Report {
    Report {
        operation: operation.into(),
        correlation_id: corr.into(),
        database: catalog::redact(url),
        migrations: Vec::new(),
        warnings: Vec::new(),
        destroys: Vec::new(),
        failure: None,
        duration_ms: 0.0,
        snapshot: None,
        schema_changes: None,
    }
}

/// Closes the audit rows a dead run left open (see
/// `bookkeeping::close_interrupted`), saying so in the report.
pub fn close_interrupted(
    conn: &mut PgConnection,
    opts: &Options,
    report: &mut Report,
) -> Result<(), RunnerError> {
    let closed = bookkeeping::close_interrupted(conn, &opts.schema)?;
    if !closed.is_empty() {
        report.warnings.push(format!(
            "an earlier run was interrupted during {}: its audit row is now `interrupted`",
            closed.join(", ")
        ));
    }
    Ok(())
}

pub fn statements_of<'a>(units: &[Unit<'a>]) -> Vec<&'a str> {
    units
        .iter()
        .flat_map(|u| u.statements.iter().map(|s| s.sql.as_str()))
        .collect()
}

/// The 4-digit number a version argument starts with.
pub fn number_of<'a>(flag: &str, v: &'a str) -> Result<&'a str, RunnerError> {
    v.get(..4)
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        .filter(|_| v.len() == 4 || v.as_bytes()[4] == b'_')
        .ok_or_else(|| RunnerError::Input(format!("{flag} {v}: expected a version such as 0003")))
}

/// A run's report so far, and the schema before it (when read).
pub struct Ran {
    report: Report,
    before: Option<Database>,
}

/// Runs each unit in order until one fails, after the schema `before` it
/// was read (and written, when asked).
pub fn run_units<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    units: &[Unit],
    mut report: Report,
    before: Option<Database>,
) -> Result<Ran, RunnerError> {
    let corr = report.correlation_id.clone();
    let total = units.len();
    for (i, unit) in units.iter().enumerate() {
        let index = i + 1;
        emit(
            &opts.progress,
            Progress::Start {
                index,
                total,
                name: unit.name,
                statements: unit.statements.len(),
            },
        );
        // The contract holds for the schema a run leaves, so by default it
        // is checked once, in the last migration: a backfill may come
        // before the migration that completes the schema.
        let contract = match (&opts.required, &unit.finish) {
            (Some(c), Finish::Record { .. })
                if opts.required_check == RequiredCheck::Each || index == total =>
            {
                Some(Contract {
                    schema: c,
                    at_end: opts.required_check == RequiredCheck::End,
                })
            }
            _ => None,
        };
        let result = run_unit(locked, url, opts, &corr, unit, contract);
        match result {
            Ok(run) => {
                end(opts, index, total, &run);
                report.migrations.push(run)
            }
            Err(UnitError::Other(e)) => return Err(e),
            Err(UnitError::Failed(failed)) => {
                let (run, failure) = *failed;
                end(opts, index, total, &run);
                report.migrations.push(run);
                report.failure = Some(failure);
                break;
            }
        }
    }
    Ok(Ran { report, before })
}

/// The before/after difference, the time taken, and failure or success.
pub fn conclude<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    ran: Ran,
    started: Instant,
) -> Result<Report, RunnerError> {
    let Ran { mut report, before } = ran;
    if let Some(before) = &before {
        snapshot::after(locked, url, opts, before, &mut report);
    }
    report.duration_ms = millis(started);
    if report.failure.is_some() {
        return Err(RunnerError::Failed(Box::new(report)));
    }
    tracing::info!(
        migrations = report.migrations.len(),
        ms = report.duration_ms,
        "done"
    );
    Ok(report)
}

fn end(opts: &Options, index: usize, total: usize, run: &MigrationRun) {
    emit(
        &opts.progress,
        Progress::End {
            index,
            total,
            name: &run.name,
            status: &run.status,
            ms: run.duration_ms,
        },
    );
}

impl From<DieselError> for RunnerError {
    fn from(e: DieselError) -> Self {
        RunnerError::Database(e.to_string())
    }
}

/// One migration (or its revert) to run.
pub struct Unit<'a> {
    pub name: &'a str,
    pub checksum: &'a str,
    pub statements: &'a [Statement],
    pub transactional: bool,
    pub finish: Finish<'a>,
}

pub enum Finish<'a> {
    /// Record as applied, storing the down SQL.
    Record { down: &'a str },
    /// Forget the applied rows (a revert).
    Forget,
}

impl Finish<'_> {
    fn words(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Finish::Record { .. } => ("running", "applied", "failed"),
            Finish::Forget => ("reverting", "reverted", "revert_failed"),
        }
    }
}

/// The required-schema contract, when a unit checks it.
#[derive(Clone, Copy)]
struct Contract<'a> {
    schema: &'a RequiredSchema,
    /// Checked once for the whole run (not after each migration).
    at_end: bool,
}

enum UnitError {
    Failed(Box<(MigrationRun, RunFailure)>),
    Other(RunnerError),
}

/// Why a transaction ended early.
enum TxError {
    Statement(usize, DieselError),
    /// The required-schema contract failed.
    Required(String),
    Book(RunnerError),
    Commit(DieselError),
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Commit(e)
    }
}

impl From<RunnerError> for TxError {
    fn from(e: RunnerError) -> Self {
        TxError::Book(e)
    }
}

pub fn in_transaction<T, E, F>(conn: &mut PgConnection, iso: Isolation, f: F) -> Result<T, E>
where
    F: FnOnce(&mut PgConnection) -> Result<T, E>,
    E: From<DieselError>,
{
    match iso {
        Isolation::Default => conn.transaction(f),
        Isolation::ReadCommitted => conn.build_transaction().read_committed().run(f),
        Isolation::RepeatableRead => conn.build_transaction().repeatable_read().run(f),
        Isolation::Serializable => conn.build_transaction().serializable().run(f),
    }
}

fn finish(c: &mut PgConnection, schema: &str, unit: &Unit) -> Result<(), RunnerError> {
    match unit.finish {
        Finish::Record { down } => {
            bookkeeping::record(c, schema, unit.name, unit.checksum, down, Recorded::Applied)
        }
        Finish::Forget => bookkeeping::forget(c, schema, unit.name),
    }
}

/// Runs one statement; its row count, 0 for a statement without one.
/// Those go through the simple protocol, which diesel's `execute` (a
/// prepared statement) does not: 20 000 cheap statements took 2.19–2.31 s
/// against 2.29–2.46 s, psql 1.66–1.93 s.
fn run_statement(conn: &mut PgConnection, s: &Statement) -> diesel::QueryResult<usize> {
    if s.counts_rows {
        diesel::sql_query(s.sql.as_str()).execute(conn)
    } else {
        conn.batch_execute(&s.sql).map(|()| 0)
    }
}

/// Each statement's row count and time, as the audit row keeps them.
/// Written straight from the runs: a JSON value per statement first was
/// 70 MB at the end of a 180 000-statement migration.
fn rows_json(done: &[StatementRun]) -> String {
    #[derive(serde::Serialize)]
    struct Row {
        statement: usize,
        line: usize,
        rows: Option<u64>,
        ms: f64,
    }
    let rows = done.iter().map(|s| Row {
        statement: s.number,
        line: s.line,
        rows: s.rows,
        ms: s.duration_ms,
    });
    let mut out = Vec::with_capacity(done.len() * 56 + 2);
    // Writing numbers into memory cannot fail, and serde_json writes UTF-8.
    match serde::Serializer::collect_seq(&mut serde_json::Serializer::new(&mut out), rows) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| "[]".into()),
        Err(_) => "[]".into(),
    }
}

fn statement_run(
    opts: &Options,
    unit: &Unit,
    i: usize,
    s: &Statement,
    rows: Option<usize>,
    t: Instant,
) -> StatementRun {
    let ms = millis(t);
    emit(
        &opts.progress,
        Progress::Statement {
            name: unit.name,
            number: i + 1,
            of: unit.statements.len(),
            ms,
        },
    );
    StatementRun {
        number: i + 1,
        line: s.line,
        rows: rows.map(|r| r as u64),
        duration_ms: ms,
        summary: summary(&s.sql),
        sql: None,
    }
}

fn run_unit<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    corr: &str,
    unit: &Unit,
    contract: Option<Contract>,
) -> Result<MigrationRun, UnitError> {
    let schema = opts.schema.as_str();
    let (running, ok, failed) = unit.finish.words();
    let started = Instant::now();
    tracing::info!(
        migration = unit.name,
        statements = unit.statements.len(),
        transactional = unit.transactional,
        "{running}"
    );
    let audit = bookkeeping::start_audit(
        locked.conn(),
        schema,
        &Audit {
            name: unit.name,
            checksum: Some(unit.checksum),
            status: running,
            correlation_id: corr,
            reason: None,
        },
    )
    .map_err(UnitError::Other)?;
    let mut done: Vec<StatementRun> = Vec::with_capacity(unit.statements.len());
    let mut notes = Vec::new();
    let outcome = if unit.transactional {
        in_transaction(locked.conn(), opts.isolation, |c| -> Result<(), TxError> {
            for (i, s) in unit.statements.iter().enumerate() {
                let t = Instant::now();
                let rows = run_statement(c, s).map_err(|e| TxError::Statement(i, e))?;
                done.push(statement_run(opts, unit, i, s, Some(rows), t));
            }
            if let Some(contract) = contract {
                let when = match contract.at_end {
                    true => "at the end of the run, before this migration's COMMIT",
                    false => "after this migration, before its COMMIT",
                };
                required_holds(c, contract.schema, when)?;
            }
            finish(c, schema, unit)?;
            bookkeeping::update_audit(c, schema, audit, ok, None, &rows_json(&done), true)?;
            Ok(())
        })
        .map_err(|e| (e, 0))
    } else {
        let outside = Outside {
            opts,
            audit,
            running,
            ok,
            contract,
        };
        outside.run(locked.conn(), unit, &mut done, &mut notes)
    };
    let mut run = MigrationRun {
        name: unit.name.to_string(),
        checksum: unit.checksum.to_string(),
        transactional: unit.transactional,
        status: ok.to_string(),
        statements: done,
        duration_ms: 0.0,
        required_schema_held: contract.map(|_| true),
        notes,
    };
    let (err, committed) = match outcome {
        Ok(()) => {
            run.duration_ms = millis(started);
            tracing::info!(migration = unit.name, ms = run.duration_ms, "{ok}");
            return Ok(run);
        }
        Err(e) => e,
    };
    let n = unit.statements.len();
    let (statement, sqlstate, mut message) = match err {
        TxError::Statement(i, e) => (i + 1, sqlstate(&e), describe(&e)),
        TxError::Commit(e) => (n, sqlstate(&e), format!("at COMMIT: {}", describe(&e))),
        TxError::Book(e) => (n, None, format!("recording the result: {e}")),
        // Not a statement's fault: every statement ran.
        TxError::Required(m) => {
            run.required_schema_held = Some(false);
            (0, None, m)
        }
    };
    let failed_statement = statement
        .checked_sub(1)
        .and_then(|i| unit.statements.get(i));
    let line = failed_statement.map(|s| s.line).unwrap_or(0);
    let mut left = Vec::new();
    if let (Some(s), false) = (failed_statement, unit.transactional) {
        let existed = run.notes.iter().find(|n| n.starts_with(index::DIFFERS));
        if let Some(note) = existed {
            message.push_str(&format!("; {note}"));
        }
        let (said, stays) = index::after_failure(locked, url, opts, &s.sql, existed.is_some());
        message.extend(said.map(|m| format!("; {m}")));
        left.extend(stays);
    }
    let failure = RunFailure {
        migration: unit.name.to_string(),
        statement,
        line,
        sqlstate,
        message,
        transactional: unit.transactional,
        committed_statements: committed,
        left,
    };
    tracing::error!(migration = unit.name, statement, "{failure}");
    run.status = "failed".into();
    run.duration_ms = millis(started);
    write_failure(locked, url, opts, audit, failed, &failure, &run.statements);
    Err(UnitError::Failed(Box::new((run, failure))))
}

/// Checks the contract on the schema as this connection sees it; the
/// error names each broken requirement (missing columns first of all).
fn required_holds(
    conn: &mut PgConnection,
    contract: &RequiredSchema,
    when: &str,
) -> Result<(), TxError> {
    let opts = crate::catalog::InspectOptions {
        dependencies: false,
        unmanaged: false,
        ..Default::default()
    };
    let db = crate::catalog::inspect(conn, &opts).map_err(|e| {
        TxError::Required(format!(
            "required-schema check could not read the schema: {e}"
        ))
    })?;
    let report = crate::verify::required::check(contract, &db);
    if report.passed {
        return Ok(());
    }
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == crate::verify::Severity::Error)
        .map(|f| format!("{}: {}", f.object, f.message))
        .collect();
    Err(TxError::Required(format!(
        "required schema not met {when}: {}",
        errors.join("; ")
    )))
}

/// A migration run statement by statement, each committed on its own; the
/// audit row follows along so it always says what ran.
struct Outside<'a> {
    opts: &'a Options,
    audit: i64,
    running: &'a str,
    ok: &'a str,
    contract: Option<Contract<'a>>,
}

impl Outside<'_> {
    fn run(
        &self,
        conn: &mut PgConnection,
        unit: &Unit,
        done: &mut Vec<StatementRun>,
        notes: &mut Vec<String>,
    ) -> Result<(), (TxError, usize)> {
        let schema = self.opts.schema.as_str();
        for (i, s) in unit.statements.iter().enumerate() {
            let t = Instant::now();
            // What an interrupted build of this index left: an INVALID
            // index is dropped, a finished one with the same definition
            // is kept and the statement not run again.
            let rows = match index::before_build(conn, &s.sql) {
                Before::Build => Some(run_statement(conn, s)),
                Before::Note(note) => {
                    notes.push(note);
                    Some(run_statement(conn, s))
                }
                Before::Skip(note) => {
                    notes.push(note);
                    None
                }
            };
            let rows = rows
                .transpose()
                .map_err(|e| (TxError::Statement(i, e), i))?;
            done.push(statement_run(self.opts, unit, i, s, rows, t));
            bookkeeping::update_audit(
                conn,
                schema,
                self.audit,
                self.running,
                None,
                &rows_json(done),
                false,
            )
            .map_err(|e| (TxError::Book(e), i + 1))?;
        }
        let n = unit.statements.len();
        in_transaction(conn, Isolation::Default, |c| -> Result<(), TxError> {
            // The statements are committed already; a broken contract still
            // keeps the migration unrecorded, so the run stops and says so.
            if let Some(contract) = self.contract {
                required_holds(
                    c,
                    contract.schema,
                    "after this non-transactional migration (its statements ran and stay; it is not recorded)",
                )?;
            }
            finish(c, schema, unit)?;
            bookkeeping::update_audit(c, schema, self.audit, self.ok, None, &rows_json(done), true)?;
            Ok(())
        })
        .map_err(|e| (e, n))
    }
}

/// Writes the failure to the audit row, after the rollback and outside any
/// transaction so it survives; on a new connection if ours is gone.
fn write_failure<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    audit: i64,
    status: &str,
    failure: &RunFailure,
    done: &[StatementRun],
) {
    let text = failure.to_string();
    let json = rows_json(done);
    let schema = opts.schema.as_str();
    let first = bookkeeping::update_audit(
        locked.conn(),
        schema,
        audit,
        status,
        Some(&text),
        &json,
        true,
    );
    if first.is_ok() {
        return;
    }
    let second = session::connect(url, opts).and_then(|mut c| {
        bookkeeping::update_audit(&mut c, schema, audit, status, Some(&text), &json, true)
    });
    if let Err(e) = second {
        tracing::error!(
            audit_id = audit,
            "could not write the failure to migration_audit: {e}"
        );
    }
}

pub fn describe(e: &DieselError) -> String {
    match e {
        DieselError::DatabaseError(kind, info) => {
            let mut m = info.message().to_string();
            if let Some(d) = info.details() {
                m.push_str(&format!(" DETAIL: {d}"));
            }
            if let Some(h) = info.hint() {
                m.push_str(&format!(" HINT: {h}"));
            }
            if matches!(kind, DatabaseErrorKind::ClosedConnection) {
                m = format!("the connection to the server was lost: {}", m.trim_end());
            }
            m.trim_end().to_string()
        }
        other => other.to_string(),
    }
}

/// The SQLSTATE, for the classes diesel tells apart (it exposes no code).
fn sqlstate(e: &DieselError) -> Option<String> {
    let DieselError::DatabaseError(kind, _) = e else {
        return None;
    };
    let code = match kind {
        DatabaseErrorKind::UniqueViolation => "23505",
        DatabaseErrorKind::ForeignKeyViolation => "23503",
        DatabaseErrorKind::NotNullViolation => "23502",
        DatabaseErrorKind::CheckViolation => "23514",
        DatabaseErrorKind::RestrictViolation => "23001",
        DatabaseErrorKind::ExclusionViolation => "23P01",
        DatabaseErrorKind::SerializationFailure => "40001",
        DatabaseErrorKind::ReadOnlyTransaction => "25006",
        _ => return None,
    };
    Some(code.into())
}

/// Refuses, before anything runs, a run with a statement using a feature
/// the server does not have (a security_invoker view on 14, MAINTAIN on 16).
pub fn refuse_what_the_server_lacks(
    conn: &mut PgConnection,
    units: &[Unit<'_>],
) -> Result<(), RunnerError> {
    let version = super::session::server_version(conn)?;
    let mut lacking = Vec::new();
    for u in units {
        for st in u.statements {
            for need in crate::model::version::features::missing(&st.sql, version) {
                lacking.push(format!("{} (line {}): {need}", u.name, st.line));
            }
        }
    }
    if lacking.is_empty() {
        return Ok(());
    }
    Err(RunnerError::Refused(format!(
        "PostgreSQL {version} cannot run these migrations; nothing ran:\n  {}",
        lacking.join("\n  ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_rows_are_one_object_per_statement_in_a_fixed_key_order() {
        let run = |number, rows, duration_ms| StatementRun {
            number,
            line: number * 3,
            rows,
            duration_ms,
            summary: "CREATE TABLE t".into(),
            sql: None,
        };
        let done = [
            run(1, Some(0), 1.25),
            run(2, None, 0.0),
            run(3, Some(7), 12.0),
        ];
        assert_eq!(
            rows_json(&done),
            r#"[{"statement":1,"line":3,"rows":0,"ms":1.25},{"statement":2,"line":6,"rows":null,"ms":0.0},{"statement":3,"line":9,"rows":7,"ms":12.0}]"#
        );
        assert_eq!(rows_json(&[]), "[]");
    }
}

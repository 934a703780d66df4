//! Running migrations: the order and checks against the database, one
//! transaction per migration (or statement by statement outside one),
//! each statement's row count, the audit rows.

use std::borrow::BorrowMut;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use super::bookkeeping::{self, Applied};
use super::progress::{emit, Progress};
use super::report::{summary, MigrationRun, Report, RunFailure, StatementRun};
use super::session::{self, Locked};
use super::snapshot;
use super::source::{self, Source};
use super::split::{self, Statement};
use super::{correlation_id, millis, Isolation, Options, RevertTarget, RunnerError};
use crate::catalog;
use crate::model::{par, Database};

fn new_report(operation: &str, corr: &str, url: &str) -> Report {
    Report {
        operation: operation.into(),
        correlation_id: corr.into(),
        database: catalog::redact(url),
        migrations: Vec::new(),
        warnings: Vec::new(),
        failure: None,
        duration_ms: 0.0,
        snapshot: None,
        schema_changes: None,
    }
}

/// `sources` as `source::read` gives them, their SQL split on another
/// thread while this one connects, takes the lock and
/// reads the schema: at 100 tables, splitting and that reading were each
/// 15-50 ms of an apply's fixed cost. Nothing is written before both are
/// done, and a migration that does not split is the error reported even
/// when the database failed too, as when the files were split first.
pub fn apply(url: &str, mut sources: Vec<Source>, opts: &Options) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let corr = correlation_id();
    let span = tracing::info_span!("apply", correlation_id = %corr);
    let _in_span = span.enter();
    let mut report = new_report("apply", &corr, url);
    let (read, split) = par::join(
        || read_first(url, opts, &sources, &mut report),
        || source::split_all(&sources),
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
        refuse_what_the_server_lacks(locked.conn(), &units)?;
        bookkeeping::ensure(locked.conn(), &opts.schema)?;
        if let Some(db) = &before {
            snapshot::write_snapshot(db, opts, &statements_of(&units), &mut report)?;
        }
        run_units(&mut locked, url, opts, &units, report, before)?
    };
    // Reading the schema after the run does not need the migrations' text
    // (28 MB and 180 000 statements for a first migration of 10 000 tables).
    drop(sources);
    conclude(&mut locked, url, opts, ran, started)
}

/// Refuses, before anything runs, a run with a statement using a feature
/// the server does not have (a security_invoker view on 14, MAINTAIN on 16).
fn refuse_what_the_server_lacks(
    conn: &mut PgConnection,
    units: &[Unit<'_>],
) -> Result<(), RunnerError> {
    let version = session::server_version(conn)?;
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
    report: &mut Report,
) -> Result<First, RunnerError> {
    let conn = session::connect(url, opts)?;
    tracing::debug!("connected");
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    tracing::debug!(key = opts.lock_key, "took the advisory lock");
    let applied = match bookkeeping::exists(locked.conn(), &opts.schema)? {
        true => bookkeeping::applied(locked.conn(), &opts.schema)?,
        false => Vec::new(),
    };
    tracing::debug!(applied = applied.len(), "read the bookkeeping");
    let pending = pending(sources, &applied, &mut report.warnings)?;
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

fn statements_of<'a>(units: &[Unit<'a>]) -> Vec<&'a str> {
    units
        .iter()
        .flat_map(|u| u.statements.iter().map(|s| s.sql.as_str()))
        .collect()
}

/// A run's report so far, and the schema before it (when read).
struct Ran {
    report: Report,
    before: Option<Database>,
}

/// Runs each unit in order until one fails, after the schema `before` it
/// was read (and written, when asked).
fn run_units<C: BorrowMut<PgConnection>>(
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
        let result = run_unit(locked, url, opts, &corr, unit);
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
fn conclude<C: BorrowMut<PgConnection>>(
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

pub fn dry_run(url: &str, sources: &[Source], opts: &Options) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let mut report = new_report("dry-run", &correlation_id(), url);
    let mut conn = session::connect(url, opts)?;
    let applied = if bookkeeping::exists(&mut conn, &opts.schema)? {
        bookkeeping::applied(&mut conn, &opts.schema)?
    } else {
        Vec::new()
    };
    for m in pending(sources, &applied, &mut report.warnings)?
        .into_iter()
        .filter_map(|i| sources.get(i))
    {
        let statements =
            m.up.iter()
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
        report.migrations.push(MigrationRun {
            name: m.name.clone(),
            checksum: m.checksum.clone(),
            transactional: m.run_in_transaction,
            status: "pending".into(),
            statements,
            duration_ms: 0.0,
            required_schema_held: None,
        });
    }
    report.duration_ms = millis(started);
    Ok(report)
}

/// The migrations to run (their places in `sources`), after refusing
/// anything inconsistent with what the database has applied.
fn pending(
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
                "{} is applied but its directory is missing",
                a.migration_name
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
    source::check_depends(sources, &names)?;
    Ok(pending)
}

pub fn revert(url: &str, target: &RevertTarget, opts: &Options) -> Result<Report, RunnerError> {
    let started = Instant::now();
    let corr = correlation_id();
    let span = tracing::info_span!("revert", correlation_id = %corr);
    let _in_span = span.enter();
    let mut report = new_report("revert", &corr, url);
    let conn = session::connect(url, opts)?;
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    if !bookkeeping::exists(locked.conn(), &opts.schema)? {
        report.warnings.push("nothing is applied".into());
        return Ok(report);
    }
    bookkeeping::ensure(locked.conn(), &opts.schema)?;
    let downs = bookkeeping::downs(locked.conn(), &opts.schema)?;
    let ran = {
        let chosen = choose(&downs, target)?;
        // Split everything first: a bad stored down refuses the whole revert.
        let mut units = Vec::new();
        for d in &chosen {
            let sql = d.sql.as_deref().unwrap_or("");
            if sql.trim().is_empty() {
                return Err(RunnerError::Refused(format!(
                    "{} has no down SQL stored; it cannot be reverted",
                    d.migration_name
                )));
            }
            let statements = split::split(sql).map_err(|e| {
                RunnerError::Refused(format!(
                    "the stored down SQL of {} does not parse: line {}: {}",
                    d.migration_name, e.line, e.message
                ))
            })?;
            units.push((d, statements));
        }
        let units: Vec<Unit> = units
            .iter()
            .map(|(d, statements)| Unit {
                name: &d.migration_name,
                checksum: &d.checksum,
                statements,
                transactional: statements.iter().all(|s| s.outside_transaction.is_none()),
                finish: Finish::Forget,
            })
            .collect();
        refuse_what_the_server_lacks(locked.conn(), &units)?;
        let before = match units.is_empty() {
            true => None,
            false => snapshot::before(
                locked.conn(),
                url,
                opts,
                &statements_of(&units),
                &mut report,
            )?,
        };
        run_units(&mut locked, url, opts, &units, report, before)?
    };
    drop(downs);
    conclude(&mut locked, url, opts, ran, started)
}

/// The 4-digit number a version argument starts with.
fn number_of<'a>(flag: &str, v: &'a str) -> Result<&'a str, RunnerError> {
    v.get(..4)
        .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        .filter(|_| v.len() == 4 || v.as_bytes()[4] == b'_')
        .ok_or_else(|| RunnerError::Input(format!("{flag} {v}: expected a version such as 0003")))
}

/// Whether `v` (`0003` or `0003_name`) names an applied migration.
fn is_applied(downs: &[bookkeeping::Down], v: &str, number: &str) -> bool {
    downs.iter().any(|d| {
        if v.len() > 4 {
            d.migration_name == v
        } else {
            d.migration_name.get(..4) == Some(number)
        }
    })
}

/// The applied migrations a revert undoes, newest first (`downs` is).
fn choose<'a>(
    downs: &'a [bookkeeping::Down],
    target: &RevertTarget,
) -> Result<Vec<&'a bookkeeping::Down>, RunnerError> {
    let num = |d: &bookkeeping::Down| d.migration_name.get(..4).unwrap_or("").to_string();
    match target {
        RevertTarget::Steps(n) => Ok(downs.iter().take(*n).collect()),
        RevertTarget::To(v) => {
            let number = number_of("--to", v)?;
            if number != "0000" && !is_applied(downs, v, number) {
                return Err(RunnerError::Refused(format!(
                    "--to {v}: no such applied migration"
                )));
            }
            Ok(downs.iter().filter(|d| num(d).as_str() > number).collect())
        }
        RevertTarget::Range(from, to) => {
            let range = format!("{from}..{to}");
            let a = number_of(&range, from)?;
            let b = number_of(&range, to)?;
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

pub fn mark_applied(
    conn: &mut PgConnection,
    sources: &[Source],
    name: &str,
    opts: &Options,
) -> Result<(), RunnerError> {
    let src = sources
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| RunnerError::Input(format!("no migration named {name}")))?;
    let corr = correlation_id();
    let mut locked = Locked::acquire(conn, opts.lock_key, opts.lock_wait)?;
    let schema = opts.schema.as_str();
    bookkeeping::ensure(locked.conn(), schema)?;
    let applied = bookkeeping::applied(locked.conn(), schema)?;
    if let Some(a) = applied.iter().find(|a| a.migration_name == name) {
        if a.checksum == src.checksum {
            return Ok(());
        }
        return Err(RunnerError::Refused(format!(
            "{name} is already recorded with checksum {}, but the file has {}",
            a.checksum, src.checksum
        )));
    }
    let names: Vec<String> = applied.iter().map(|a| a.migration_name.clone()).collect();
    source::check_depends(std::slice::from_ref(src), &names)?;
    in_transaction(
        locked.conn(),
        Isolation::Default,
        |c| -> Result<(), RunnerError> {
            let id = bookkeeping::start_audit(
                c,
                schema,
                name,
                Some(&src.checksum),
                "marked_applied",
                &corr,
            )?;
            bookkeeping::record(c, schema, name, &src.checksum, &src.down_sql)?;
            bookkeeping::update_audit(c, schema, id, "marked_applied", None, "[]", true)
        },
    )?;
    tracing::info!(correlation_id = %corr, migration = name, "marked as applied without running it");
    Ok(())
}

impl From<DieselError> for RunnerError {
    fn from(e: DieselError) -> Self {
        RunnerError::Database(e.to_string())
    }
}

/// One migration (or its revert) to run.
struct Unit<'a> {
    name: &'a str,
    checksum: &'a str,
    statements: &'a [Statement],
    transactional: bool,
    finish: Finish<'a>,
}

enum Finish<'a> {
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

enum UnitError {
    Failed(Box<(MigrationRun, RunFailure)>),
    Other(RunnerError),
}

/// Why a transaction ended early.
enum TxError {
    Statement(usize, DieselError),
    /// The required-schema contract failed before COMMIT.
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

fn in_transaction<T, E, F>(conn: &mut PgConnection, iso: Isolation, f: F) -> Result<T, E>
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
        Finish::Record { down } => bookkeeping::record(c, schema, unit.name, unit.checksum, down),
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
    rows: usize,
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
        rows: Some(rows as u64),
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
        unit.name,
        Some(unit.checksum),
        running,
        corr,
    )
    .map_err(UnitError::Other)?;
    let mut done: Vec<StatementRun> = Vec::with_capacity(unit.statements.len());
    let outcome = if unit.transactional {
        in_transaction(locked.conn(), opts.isolation, |c| -> Result<(), TxError> {
            for (i, s) in unit.statements.iter().enumerate() {
                let t = Instant::now();
                let rows = run_statement(c, s).map_err(|e| TxError::Statement(i, e))?;
                done.push(statement_run(opts, unit, i, s, rows, t));
            }
            if let Some(contract) = &opts.required {
                required_holds(c, contract, "before COMMIT (rolled back)")?;
            }
            finish(c, schema, unit)?;
            bookkeeping::update_audit(c, schema, audit, ok, None, &rows_json(&done), true)?;
            Ok(())
        })
        .map_err(|e| (e, 0))
    } else {
        run_outside_transaction(locked.conn(), opts, audit, running, ok, unit, &mut done)
    };
    let mut run = MigrationRun {
        name: unit.name.to_string(),
        checksum: unit.checksum.to_string(),
        transactional: unit.transactional,
        status: ok.to_string(),
        statements: done,
        duration_ms: 0.0,
        required_schema_held: opts.required.as_ref().map(|_| true),
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
        TxError::Required(m) => {
            run.required_schema_held = Some(false);
            (n, None, m)
        }
    };
    let line = unit
        .statements
        .get(statement.saturating_sub(1))
        .map(|s| s.line)
        .unwrap_or(0);
    if let Some(s) = unit.statements.get(statement.saturating_sub(1)) {
        if !unit.transactional {
            if let Some(note) = drop_invalid_index(locked.conn(), &s.sql) {
                message.push_str(&format!("; {note}"));
            }
        }
    }
    let failure = RunFailure {
        migration: unit.name.to_string(),
        statement,
        line,
        sqlstate,
        message,
        committed_statements: committed,
    };
    tracing::error!(migration = unit.name, statement, "{failure}");
    run.status = "failed".into();
    run.duration_ms = millis(started);
    write_failure(locked, url, opts, audit, failed, &failure, &run.statements);
    Err(UnitError::Failed(Box::new((run, failure))))
}

/// Checks the contract on the schema as this transaction sees it.
fn required_holds(
    conn: &mut PgConnection,
    contract: &crate::verify::required::RequiredSchema,
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

/// Statement by statement, each committed on its own; the audit row
/// follows along so it always says what ran.
fn run_outside_transaction(
    conn: &mut PgConnection,
    opts: &Options,
    audit: i64,
    running: &str,
    ok: &str,
    unit: &Unit,
    done: &mut Vec<StatementRun>,
) -> Result<(), (TxError, usize)> {
    let schema = opts.schema.as_str();
    for (i, s) in unit.statements.iter().enumerate() {
        let t = Instant::now();
        let rows = run_statement(conn, s).map_err(|e| (TxError::Statement(i, e), i))?;
        done.push(statement_run(opts, unit, i, s, rows, t));
        bookkeeping::update_audit(conn, schema, audit, running, None, &rows_json(done), false)
            .map_err(|e| (TxError::Book(e), i + 1))?;
    }
    let n = unit.statements.len();
    in_transaction(conn, Isolation::Default, |c| -> Result<(), TxError> {
        // The statements are committed already; a broken contract still
        // keeps the migration unrecorded, so the run stops and says so.
        if let Some(contract) = &opts.required {
            required_holds(
                c,
                contract,
                "after this non-transactional migration (its statements ran; not recorded)",
            )?;
        }
        finish(c, schema, unit)?;
        bookkeeping::update_audit(c, schema, audit, ok, None, &rows_json(done), true)?;
        Ok(())
    })
    .map_err(|e| (e, n))
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

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    value: String,
}

/// A failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index; drop it
/// so the database holds nothing half-built.
fn drop_invalid_index(conn: &mut PgConnection, sql: &str) -> Option<String> {
    let (schema, name) = split::concurrent_index(sql)?;
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT format('%I.%I', n.nspname, c.relname) AS value FROM pg_index i \
           JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE NOT i.indisvalid AND c.relname = $1 \
            AND CASE WHEN $2 = '' THEN pg_table_is_visible(c.oid) ELSE n.nspname = $2 END",
    )
    .bind::<Text, _>(&name)
    .bind::<Text, _>(&schema)
    .load(conn)
    .ok()?;
    let index = rows.into_iter().next()?.value;
    match diesel::sql_query(format!("DROP INDEX CONCURRENTLY IF EXISTS {index}")).execute(conn) {
        Ok(_) => Some(format!(
            "dropped the INVALID index {index} the failed build left"
        )),
        Err(e) => Some(format!(
            "the failed build left the INVALID index {index}, and dropping it failed: {e}"
        )),
    }
}

fn describe(e: &DieselError) -> String {
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

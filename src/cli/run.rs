//! `apply`, `revert`, `status` and `retire`: arguments and commands over
//! [`crate::runner`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::{Exit, Failure};
use crate::runner::{
    self, Isolation, Mark, Options, ProgressSink, RequiredCheck, RevertTarget, RunnerError, State,
};

/// Connection and bookkeeping options shared by the runner commands.
#[derive(Args, Debug, Clone)]
pub struct RunnerArgs {
    /// Connection URL; defaults to $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Schema of the bookkeeping tables.
    #[arg(long, default_value = runner::DEFAULT_SCHEMA)]
    pub bookkeeping_schema: String,
    /// Session advisory lock key that serialises runs.
    #[arg(long, default_value_t = runner::DEFAULT_LOCK_KEY)]
    pub lock_key: i64,
    /// How long to wait for another run's lock (e.g. 60s, 2m, 500ms).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub lock_wait: Duration,
    /// Connect timeout (unless the URL sets connect_timeout).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Refuse to run over a connection without TLS.
    #[arg(long)]
    pub require_ssl: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RequiredCheckArg {
    End,
    Each,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum IsolationArg {
    Default,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

/// Where the schema snapshot taken before a change goes.
#[derive(Args, Debug, Clone)]
pub struct SnapshotArgs {
    /// Directory of the DDL snapshot written before anything changes
    /// (`<timestamp>_<correlation id>.sql`; the system temp dir if not writable).
    #[arg(long, default_value = "generated/snapshots")]
    pub snapshot_dir: PathBuf,
    /// Write no snapshot file.
    #[arg(long)]
    pub no_snapshot: bool,
}

impl SnapshotArgs {
    fn dir(&self) -> Option<PathBuf> {
        (!self.no_snapshot).then(|| self.snapshot_dir.clone())
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressArg {
    /// When stderr is a terminal and the report is text.
    Auto,
    Always,
    Never,
}

/// Progress lines on stderr as migrations run.
#[derive(Args, Debug, Clone)]
pub struct ProgressArgs {
    /// One line per migration started and ended, and per statement slower
    /// than a second.
    #[arg(long, value_enum, default_value = "auto")]
    pub progress: ProgressArg,
}

impl ProgressArgs {
    fn sink(&self, format: ReportFormat) -> Option<ProgressSink> {
        use std::io::IsTerminal;
        let on = match self.progress {
            ProgressArg::Always => true,
            ProgressArg::Never => false,
            ProgressArg::Auto => format == ReportFormat::Text && std::io::stderr().is_terminal(),
        };
        on.then(|| {
            ProgressSink::new(|event| {
                if let Some(line) = runner::progress_line(event) {
                    eprintln!("{line}");
                }
            })
        })
    }
}

/// `reconcile apply`.
#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub runner: RunnerArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    /// Check everything and print what would run; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply the pending migrations up to and including VERSION (`0003`
    /// or `0003_name`) only.
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Isolation level of each migration's transaction.
    #[arg(long, value_enum, default_value = "default")]
    pub isolation: IsolationArg,
    /// Required-schema contract (YAML or JSON, see README) checked at the
    /// end of the run, inside the last migration's transaction before its
    /// COMMIT; a run that breaks it has that migration rolled back.
    #[arg(long)]
    pub required: Option<PathBuf>,
    /// When --required is checked: once at the end of the run, or after
    /// each migration (each one that breaks it is rolled back).
    #[arg(long, value_enum, default_value = "end", requires = "required")]
    pub required_check: RequiredCheckArg,
    #[command(flatten)]
    pub explain: super::explain::ApplyExplainArgs,
}

/// `reconcile revert`: runs the down SQL stored at apply time.
#[derive(Args, Debug, Clone)]
#[group(id = "target", required = true, multiple = false)]
pub struct RevertArgs {
    #[command(flatten)]
    pub runner: RunnerArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub progress: ProgressArgs,
    /// FROM..TO: revert the applied migrations FROM through TO (both
    /// included); the range must reach the newest applied migration.
    #[arg(group = "target", value_name = "FROM..TO")]
    pub range: Option<String>,
    /// Revert the newest N applied migrations.
    #[arg(long, group = "target")]
    pub steps: Option<usize>,
    /// Revert every applied migration numbered above VERSION (0000: all).
    #[arg(long, group = "target", value_name = "VERSION")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value = "default")]
    pub isolation: IsolationArg,
    /// Print the down SQL that would run and what it would destroy; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run down SQL that destroys data (drops a table, column, schema,
    /// sequence or a type in use, truncates, narrows a column's type).
    #[arg(long)]
    pub allow_destructive: bool,
}

/// `reconcile mark`: the operator's repair of the bookkeeping.
#[derive(Args, Debug, Clone)]
#[group(id = "how", required = true, multiple = false)]
pub struct MarkArgs {
    #[command(flatten)]
    pub runner: RunnerArgs,
    /// The migration: `0003` or `0003_name`.
    pub version: String,
    /// Record it as applied: it was run by hand (its files are read for
    /// the checksum and down SQL).
    #[arg(long, group = "how")]
    pub applied: bool,
    /// Remove its record: it was undone by hand, or never ran.
    #[arg(long, group = "how")]
    pub pending: bool,
    /// Why; kept in the audit row.
    #[arg(long)]
    pub reason: String,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
}

/// `reconcile retire`.
#[derive(Args, Debug, Clone)]
pub struct RetireArgs {
    /// The migration to retire: `0003` or `0003_name`.
    pub version: String,
    /// Why it must never run; recorded in RETIRED.md inside it.
    #[arg(long)]
    pub reason: String,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    #[command(flatten)]
    pub check: CheckDbArgs,
}

/// A database consulted only to refuse a file change it would contradict
/// (`retire`, `rehash`); without one nothing is checked, and the command says so.
#[derive(Args, Debug, Clone)]
pub struct CheckDbArgs {
    /// Refuse if this database has the migration(s) applied; defaults to
    /// $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    #[arg(long, default_value = runner::DEFAULT_SCHEMA)]
    pub bookkeeping_schema: String,
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    #[arg(long)]
    pub require_ssl: bool,
}

impl CheckDbArgs {
    pub fn url(&self) -> Option<&str> {
        self.database_url.as_deref()
    }

    pub fn options(&self) -> Options {
        Options {
            schema: self.bookkeeping_schema.clone(),
            connect_timeout: self.connect_timeout,
            require_ssl: self.require_ssl,
            ..Options::default()
        }
    }

    /// Printed after a file change made without a database to check.
    pub fn note_unchecked(&self, what: &str) {
        if self.database_url.is_none() {
            println!("note: no --database-url given, so no database was checked for {what}");
        }
    }
}

/// `reconcile status`.
#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    #[command(flatten)]
    pub runner: RunnerArgs,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
}

fn options(r: &RunnerArgs, command: &str, isolation: IsolationArg) -> Options {
    Options {
        snapshot_dir: None,
        required: None,
        required_check: RequiredCheck::End,
        allow_destructive: false,
        application_name: format!("{} {command}", runner::DEFAULT_APPLICATION_NAME),
        progress: None,
        schema: r.bookkeeping_schema.clone(),
        lock_key: r.lock_key,
        lock_wait: r.lock_wait,
        connect_timeout: r.connect_timeout,
        require_ssl: r.require_ssl,
        isolation: match isolation {
            IsolationArg::Default => Isolation::Default,
            IsolationArg::ReadCommitted => Isolation::ReadCommitted,
            IsolationArg::RepeatableRead => Isolation::RepeatableRead,
            IsolationArg::Serializable => Isolation::Serializable,
        },
    }
}

/// `60s`, `2m`, `500ms`, or bare seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected e.g. 60s, 2m, 500ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("`{s}`: unit must be ms, s or m")),
    }
}

pub(super) fn failure(e: RunnerError) -> Failure {
    let exit = match e {
        RunnerError::Input(_) | RunnerError::Refused(_) => Exit::Input,
        RunnerError::Destructive(..) => Exit::Refused,
        _ => Exit::Database,
    };
    Failure::new(exit, e.to_string())
}

pub(super) fn print_report(report: &runner::Report, format: ReportFormat) {
    match format {
        ReportFormat::Text => print!("{}", report.render_text()),
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        ),
    }
}

/// Prints the report of a run that failed part-way, then fails.
pub(super) fn finish(
    result: Result<runner::Report, RunnerError>,
    format: ReportFormat,
) -> Result<Exit, Failure> {
    match result {
        Ok(report) => {
            print_report(&report, format);
            Ok(Exit::Ok)
        }
        Err(RunnerError::Failed(report)) => {
            print_report(&report, format);
            Err(failure(RunnerError::Failed(report)))
        }
        Err(RunnerError::Destructive(message, Some(report))) => {
            print_report(&report, format);
            Err(failure(RunnerError::Destructive(message, None)))
        }
        Err(e) => Err(failure(e)),
    }
}

pub fn apply(args: &ApplyArgs) -> Result<Exit, Failure> {
    let required = match &args.required {
        Some(path) => {
            Some(crate::verify::required::read(path).map_err(|e| Failure::new(Exit::Input, e))?)
        }
        None => None,
    };
    let opts = Options {
        snapshot_dir: args.snapshot.dir(),
        required,
        required_check: match args.required_check {
            RequiredCheckArg::End => RequiredCheck::End,
            RequiredCheckArg::Each => RequiredCheck::Each,
        },
        progress: args.progress.sink(args.runner.format),
        ..options(&args.runner, "apply", args.isolation)
    };
    let url = &args.runner.database_url;
    let explain = super::explain::Baseline::take(&args.explain, url)?;
    let to = args.to.as_deref();
    let result = if args.dry_run {
        runner::dry_run(url, &args.migrations, to, &opts)
    } else {
        runner::apply_to(url, &args.migrations, to, &opts)
    };
    match explain {
        Some(baseline) => baseline.finish(result, args.runner.format, url, args.dry_run),
        None => finish(result, args.runner.format),
    }
}

pub fn revert(args: &RevertArgs) -> Result<Exit, Failure> {
    let opts = Options {
        snapshot_dir: args.snapshot.dir(),
        progress: args.progress.sink(args.runner.format),
        allow_destructive: args.allow_destructive,
        ..options(&args.runner, "revert", args.isolation)
    };
    let target = match (&args.range, &args.to, args.steps) {
        (Some(r), _, _) => RevertTarget::parse_range(r).map_err(failure)?,
        (None, Some(v), _) => RevertTarget::To(v.clone()),
        (None, None, Some(n)) => RevertTarget::Steps(n),
        (None, None, None) => {
            return Err(Failure::new(
                Exit::Input,
                "give FROM..TO, --steps N or --to VERSION",
            ))
        }
    };
    let url = &args.runner.database_url;
    let result = match args.dry_run {
        true => runner::revert_dry_run(url, &target, &opts),
        false => runner::revert(url, &target, &opts),
    };
    finish(result, args.runner.format)
}

/// Exit 0 when recorded (or already so); 2 when refused (unknown version,
/// strict order, an edited file); 3 when another run holds the lock or
/// the database is unreachable.
pub fn mark(args: &MarkArgs) -> Result<Exit, Failure> {
    let opts = options(&args.runner, "mark", IsolationArg::Default);
    let how = match args.applied {
        true => Mark::Applied,
        false => Mark::Pending,
    };
    let done = runner::mark(
        &args.runner.database_url,
        &args.migrations,
        &args.version,
        how,
        &args.reason,
        &opts,
    )
    .map_err(failure)?;
    let word = match how {
        Mark::Applied => "applied",
        Mark::Pending => "pending",
    };
    match args.runner.format {
        ReportFormat::Text => {
            match done.changed {
                true => println!(
                    "marked {} {word} (not run); reason recorded in the audit",
                    done.name
                ),
                false => println!("{} is already {word}: nothing recorded", done.name),
            }
            for w in &done.warnings {
                println!("warning: {w}");
            }
        }
        ReportFormat::Json => println!(
            "{}",
            serde_json::json!({
                "migration": done.name,
                "marked": word,
                "changed": done.changed,
                "warnings": done.warnings,
            })
        ),
    }
    Ok(Exit::Ok)
}

/// Refuses a plan against `url` when the database keeps bookkeeping and
/// has not applied migrations that exist in `dir`: planning against it
/// would plan their changes a second time. `ignore` turns the refusal into
/// a warning. Without bookkeeping (another tool applies the migrations)
/// only warns.
pub fn check_history(url: &str, dir: &std::path::Path, ignore: bool) -> Result<(), Failure> {
    let opts = Options {
        application_name: format!("{} plan", runner::DEFAULT_APPLICATION_NAME),
        ..Options::default()
    };
    match runner::unapplied(url, dir, &opts) {
        Ok(Some(pending)) if pending.is_empty() => Ok(()),
        Ok(Some(pending)) if ignore => {
            eprintln!(
                "warning: the database has not applied {} of {}; planning against it anyway \
                 (--ignore-pending): the new migration comes after them and may repeat their changes",
                pending.join(", "),
                dir.display()
            );
            Ok(())
        }
        Ok(Some(pending)) => Err(Failure::new(
            Exit::Input,
            format!(
                "the database has not applied {} of {}: a plan against it would plan their \
                 changes again. Apply them first (`reconcile apply`), plan offline (without \
                 --database-url), or pass --ignore-pending",
                pending.join(", "),
                dir.display()
            ),
        )),
        Ok(None) => {
            eprintln!(
                "warning: the database keeps no reconcile bookkeeping, so it cannot tell which \
                 migrations of {} it has applied",
                dir.display()
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("warning: cannot read which migrations the database has applied: {e}");
            Ok(())
        }
    }
}

/// Exit 0 when retired; 2 when refused (applied in the database, a
/// dependant, unknown version, sum mismatch); 3 when the database is
/// unreachable.
pub fn retire(args: &RetireArgs) -> Result<Exit, Failure> {
    let path = runner::retire(
        &args.migrations,
        &args.version,
        &args.reason,
        args.check.url(),
        &args.check.options(),
    )
    .map_err(failure)?;
    println!(
        "retired {} -> {}; reason in {}",
        args.version,
        path.display(),
        path.join("RETIRED.md").display()
    );
    args.check.note_unchecked("it");
    Ok(Exit::Ok)
}

/// Exit 0 when every migration is applied, pending or running; 1 when
/// one is modified, missing or failed.
pub fn status(args: &StatusArgs) -> Result<Exit, Failure> {
    let opts = options(&args.runner, "status", IsolationArg::Default);
    let status =
        runner::status(&args.runner.database_url, &args.migrations, &opts).map_err(failure)?;
    match args.runner.format {
        ReportFormat::Text => print!("{}", runner::render_table(&status)),
        // The rows, as before; the lock holder shows as `running` rows.
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&status.rows).unwrap_or_default()
        ),
    }
    let clean = status
        .rows
        .iter()
        .all(|r| matches!(r.state, State::Applied | State::Pending | State::Running));
    Ok(if clean { Exit::Ok } else { Exit::Changes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("5h").is_err());
        assert!(parse_duration("s").is_err());
    }
}

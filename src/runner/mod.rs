//! The runner: applies a migrations directory to a database, reverts with
//! the stored down SQL, and reports status. Checksummed (sha256 of the
//! exact up.sql bytes), serialised by a session advisory lock, one
//! transaction per migration, every statement's row count audited.
//!
//! Everything that needs no database (names, numbering, sum file,
//! metadata) is checked before connecting; the SQL is split while the
//! runner connects and reads, and its errors come first, before anything
//! is written.

mod apply;
mod bookkeeping;
mod destroys;
mod exec;
mod index;
mod mark;
mod progress;
mod rehash;
mod report;
mod retire;
mod revert;
mod session;
mod snapshot;
mod status;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::PgConnection;

use crate::migrations::source;
pub use crate::migrations::source::Source;
pub use bookkeeping::Recorded;
pub use destroys::Loss;
pub use mark::{Mark, Marked};
pub use progress::{line as progress_line, Progress, ProgressSink};
pub use rehash::{rehash, Rehashed};
pub use report::{MigrationRun, Report, RunFailure, StatementRun};
pub use session::Locked;
pub use snapshot::{timestamp, SchemaChange};
pub use status::{render_table, LockHolder, State, Status, StatusRow};

/// Default advisory lock key (the one the teams' scripts already use).
pub const DEFAULT_LOCK_KEY: i64 = 914215;
pub const DEFAULT_SCHEMA: &str = "reconcile";
/// `application_name` of the runner's connections unless told otherwise.
pub const DEFAULT_APPLICATION_NAME: &str = "reconcile";
/// What the audit rows say ran them.
pub const TOOL_VERSION: &str = concat!(
    "reconcile ",
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("RECONCILE_COMMIT"),
    ")"
);

/// Transaction isolation of each migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Isolation {
    /// The server's default (`default_transaction_isolation`).
    #[default]
    Default,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

/// How the runner connects, locks and books.
#[derive(Debug, Clone)]
pub struct Options {
    /// Bookkeeping schema.
    pub schema: String,
    pub lock_key: i64,
    /// How long to wait for another run's lock before giving up.
    pub lock_wait: Duration,
    pub connect_timeout: Duration,
    /// Refuse a connection without TLS.
    pub require_ssl: bool,
    pub isolation: Isolation,
    /// Where `apply` and `revert` write the DDL snapshot taken before they
    /// change anything (the system temp dir if this is not writable);
    /// None: no snapshot file.
    pub snapshot_dir: Option<PathBuf>,
    /// A required-schema contract checked once at the end of an apply,
    /// inside the last migration's transaction before its COMMIT (see
    /// [`RequiredCheck`]): a run that leaves the schema short of it has
    /// that migration rolled back and not recorded.
    pub required: Option<crate::verify::required::RequiredSchema>,
    /// When the contract is checked.
    pub required_check: RequiredCheck,
    /// `revert`: run down SQL that destroys data (drops a table, column,
    /// schema, sequence or a type in use, narrows a column's type).
    pub allow_destructive: bool,
    /// `application_name` of every connection (unless the URL or
    /// `$PGAPPNAME` names one), so a DBA finds the run in pg_stat_activity.
    pub application_name: String,
    /// Told about each migration and statement as the run goes.
    pub progress: Option<ProgressSink>,
}

/// When `--required` is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RequiredCheck {
    /// Once, at the end of the run: a backfill may come before the
    /// migration that completes the schema.
    #[default]
    End,
    /// After every migration, each rolled back if it leaves the schema short.
    Each,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            schema: DEFAULT_SCHEMA.into(),
            lock_key: DEFAULT_LOCK_KEY,
            lock_wait: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            require_ssl: false,
            isolation: Isolation::Default,
            snapshot_dir: None,
            required: None,
            required_check: RequiredCheck::End,
            allow_destructive: false,
            application_name: DEFAULT_APPLICATION_NAME.into(),
            progress: None,
        }
    }
}

/// Runner errors. No message holds a password or a full DSN.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The migration files are wrong; found before connecting.
    #[error("{0}")]
    Input(String),
    /// The files and the database disagree (an applied migration edited,
    /// out-of-order migrations); found before anything ran.
    #[error("{0}")]
    Refused(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("{0}")]
    LockTimeout(String),
    /// `revert` would destroy data and `allow_destructive` is off; found
    /// before anything ran. The report, when there is one, shows what would run.
    #[error("{0}")]
    Destructive(String, Option<Box<Report>>),
    #[error("{0}")]
    Database(String),
    /// A migration failed; the report tells what ran before it.
    #[error("{}", .0.failure.as_ref().map(|f| f.to_string()).unwrap_or_default())]
    Failed(Box<Report>),
}

/// What `revert` undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevertTarget {
    /// The newest N applied migrations.
    Steps(usize),
    /// Every applied migration numbered above this one (`0003` or
    /// `0003_name`; `0000` reverts all).
    To(String),
    /// `FROM..TO`: the applied migrations numbered FROM through TO, both
    /// included, in either order. The range must reach the newest applied
    /// migration, so nothing stays applied on top of a reverted one.
    Range(String, String),
}

impl RevertTarget {
    /// Parses `FROM..TO` (`0005..0003`, `0003_a..0005_b`).
    pub fn parse_range(text: &str) -> Result<RevertTarget, RunnerError> {
        let (from, to) = text
            .split_once("..")
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| {
                RunnerError::Input(format!(
                    "`{text}`: expected a range FROM..TO such as 0005..0003"
                ))
            })?;
        Ok(RevertTarget::Range(from.to_string(), to.to_string()))
    }
}

/// Reads and checks `dir` without a database: names, duplicate numbers,
/// the sum file, metadata and splitting.
pub fn load(dir: &Path) -> Result<Vec<Source>, RunnerError> {
    source::load(dir).map_err(RunnerError::Input)
}

/// Applies every pending migration in `dir`, in order.
pub fn apply(url: &str, dir: &Path, opts: &Options) -> Result<Report, RunnerError> {
    apply_to(url, dir, None, opts)
}

/// Applies the pending migrations in `dir` up to and including `to`
/// (`0003` or `0003_name`; None: all), in order.
pub fn apply_to(
    url: &str,
    dir: &Path,
    to: Option<&str>,
    opts: &Options,
) -> Result<Report, RunnerError> {
    tracing::debug!(dir = %dir.display(), "reading the migrations");
    let sources = source::read(dir).map_err(RunnerError::Input)?;
    tracing::debug!(migrations = sources.len(), "read the migrations");
    apply::apply(url, sources, to, opts)
}

/// What `apply` (up to `to`, when given) would run, without taking the
/// lock or writing anything.
pub fn dry_run(
    url: &str,
    dir: &Path,
    to: Option<&str>,
    opts: &Options,
) -> Result<Report, RunnerError> {
    let sources = source::load(dir).map_err(RunnerError::Input)?;
    apply::dry_run(url, &sources, to, opts)
}

/// Runs stored down SQL, newest first. Refused up front when a migration
/// has no down script or was adopted, and when the down SQL destroys data
/// unless `opts.allow_destructive`.
pub fn revert(url: &str, target: &RevertTarget, opts: &Options) -> Result<Report, RunnerError> {
    revert::revert(url, target, opts)
}

/// What `revert` would run and destroy, without the lock or writing.
pub fn revert_dry_run(
    url: &str,
    target: &RevertTarget,
    opts: &Options,
) -> Result<Report, RunnerError> {
    revert::dry_run(url, target, opts)
}

/// Records migration `version` of `dir` as applied (run by hand) or
/// pending (undone by hand), with `reason` in the audit; refused while
/// another run holds the lock.
pub fn mark(
    url: &str,
    dir: &Path,
    version: &str,
    how: Mark,
    reason: &str,
    opts: &Options,
) -> Result<Marked, RunnerError> {
    mark::mark(url, dir, version, how, reason, opts)
}

/// Retires migration `version` (`0003` or `0003_name`) of `dir`, which must
/// never have run: renames it to `NNNN_slug.retired`, writes the reason to
/// `RETIRED.md` inside it and refreshes the sum file. With `url`, refused
/// if that database has it applied. Returns the new directory.
pub fn retire(
    dir: &Path,
    version: &str,
    reason: &str,
    url: Option<&str>,
    opts: &Options,
) -> Result<PathBuf, RunnerError> {
    retire::retire(dir, version, reason, url, opts)
}

/// Applied / pending / running / modified / missing / failed, one row
/// per name, and the run holding the lock if one does. `dir` may be
/// absent (everything applied shows as missing).
pub fn status(url: &str, dir: &Path, opts: &Options) -> Result<Status, RunnerError> {
    status::status(url, dir, opts)
}

/// The migrations in `dir` the database has not applied, when it keeps
/// bookkeeping in `opts.schema` (None when it keeps none: another tool may
/// have applied them). Read only.
pub fn unapplied(
    url: &str,
    dir: &Path,
    opts: &Options,
) -> Result<Option<Vec<String>>, RunnerError> {
    status::unapplied(url, dir, opts)
}

/// Records migration `name` of `dir` as applied without running it, on a
/// database that already has its objects (a baseline or an imported
/// history adopting it): such a migration is never reverted. A no-op if it
/// is already recorded with the same checksum.
pub fn mark_applied(
    conn: &mut PgConnection,
    dir: &Path,
    name: &str,
    opts: &Options,
) -> Result<(), RunnerError> {
    adopt(conn, dir, &[name], opts)
}

/// [`mark_applied`] for several migrations of `dir` (all of them when
/// `names` is empty), recorded in one transaction.
pub fn adopt(
    conn: &mut PgConnection,
    dir: &Path,
    names: &[&str],
    opts: &Options,
) -> Result<(), RunnerError> {
    let sources = source::load(dir).map_err(RunnerError::Input)?;
    let all: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let names = if names.is_empty() { &all[..] } else { names };
    mark::adopt(conn, &sources, names, opts)
}

/// A short id that ties one run's logs to its audit rows.
pub fn correlation_id() -> String {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{}-{nanos}-{}-{:?}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::thread::current().id()
    );
    crate::migrations::sum::hex(&Sha256::digest(seed.as_bytes()))[..16].to_string()
}

fn millis(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

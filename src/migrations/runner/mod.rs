//! The runner: applies a migrations directory to a database, reverts with
//! the stored down SQL, and reports status. Checksummed (sha256 of the
//! exact up.sql bytes), serialised by a session advisory lock, one
//! transaction per migration, every statement's row count audited.
//!
//! Everything that needs no database (names, numbering, sum file,
//! metadata) is checked before connecting; the SQL is split while the
//! runner connects and reads, and its errors come first, before anything
//! is written.

mod bookkeeping;
mod exec;
mod lex;
mod progress;
mod quick;
mod rehash;
mod report;
mod retire;
mod session;
mod snapshot;
mod source;
pub mod split;
mod status;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use diesel::PgConnection;

pub use progress::{line as progress_line, Progress, ProgressSink};
pub use rehash::{rehash, Rehashed};
pub use report::{MigrationRun, Report, RunFailure, StatementRun};
pub use session::Locked;
pub use snapshot::{timestamp, SchemaChange};
pub use source::{transactional_of, valid_name, Source};
pub use status::{render_table, State, StatusRow};

/// Default advisory lock key (the one the teams' scripts already use).
pub const DEFAULT_LOCK_KEY: i64 = 914215;
pub const DEFAULT_SCHEMA: &str = "reconcile";

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
    /// A required-schema contract checked inside each transactional
    /// migration before COMMIT: a migration that leaves the schema short of
    /// it is rolled back and not recorded.
    pub required: Option<crate::verify::required::RequiredSchema>,
    /// Told about each migration and statement as the run goes.
    pub progress: Option<ProgressSink>,
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
    source::load(dir)
}

/// Applies every pending migration in `dir`, in order.
pub fn apply(url: &str, dir: &Path, opts: &Options) -> Result<Report, RunnerError> {
    tracing::debug!(dir = %dir.display(), "reading the migrations");
    let sources = source::read(dir)?;
    tracing::debug!(migrations = sources.len(), "read the migrations");
    exec::apply(url, sources, opts)
}

/// What `apply` would run, without taking the lock or writing anything.
pub fn dry_run(url: &str, dir: &Path, opts: &Options) -> Result<Report, RunnerError> {
    let sources = source::load(dir)?;
    exec::dry_run(url, &sources, opts)
}

/// Runs stored down SQL, newest first.
pub fn revert(url: &str, target: &RevertTarget, opts: &Options) -> Result<Report, RunnerError> {
    exec::revert(url, target, opts)
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

/// Applied / pending / modified / missing / failed, one row per name.
/// `dir` may be absent (everything applied shows as missing).
pub fn status(url: &str, dir: &Path, opts: &Options) -> Result<Vec<StatusRow>, RunnerError> {
    status::status(url, dir, opts)
}

/// Records migration `name` of `dir` as applied without running it (a
/// baseline of a database that already has the schema). A no-op if it is
/// already recorded with the same checksum.
pub fn mark_applied(
    conn: &mut PgConnection,
    dir: &Path,
    name: &str,
    opts: &Options,
) -> Result<(), RunnerError> {
    let sources = source::load(dir)?;
    exec::mark_applied(conn, &sources, name, opts)
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

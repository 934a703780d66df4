//! `reconcile validate` and `reconcile drift`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::commands::{introspect, introspect_for_desired, load, Outcome};
use super::run::parse_duration;
use super::{DbArgs, Exit, Failure};
use crate::catalog;
use crate::runner;
use crate::verify::{drift, required};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The required-schema contract (YAML or JSON).
    #[arg(long)]
    pub required: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct DriftArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Desired-state file or directory.
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Read the database while holding the runner's advisory lock, so the
    /// report cannot race an `apply`.
    #[arg(long)]
    pub lock: bool,
    /// The advisory lock key (the one `apply --lock-key` uses).
    #[arg(long, default_value_t = runner::DEFAULT_LOCK_KEY, requires = "lock")]
    pub lock_key: i64,
    /// How long to wait for the lock (e.g. 60s, 2m, 500ms); exit 3 after.
    #[arg(long, alias = "lock-timeout", default_value = "60s", value_parser = parse_duration, requires = "lock")]
    pub lock_wait: Duration,
}

/// Exit 0 when every requirement holds (warnings allowed), 1 otherwise.
pub fn validate(args: &ValidateArgs) -> Outcome {
    let contract = required::read(&args.required).map_err(|e| Failure::new(Exit::Input, e))?;
    let db = introspect(&args.db)?;
    let report = required::check(&contract, &db);
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ),
        ReportFormat::Text | ReportFormat::Markdown => print!("{}", report.render_text()),
    }
    Ok(if report.passed {
        Exit::Ok
    } else {
        Exit::Changes
    })
}

/// Exit 0 when the database matches the desired state, 1 on drift.
pub fn drift(args: &DriftArgs) -> Outcome {
    let desired = load(&args.schema)?;
    let mut db_args = args.db.clone();
    if db_args.schemas.is_none() {
        db_args.schemas = Some(desired.managed_schemas());
    }
    let live = if args.lock {
        let db_error = |e: catalog::CatalogError| Failure::new(Exit::Database, e.to_string());
        let mut conn = catalog::connect(&db_args.database_url).map_err(db_error)?;
        let mut locked = runner::Locked::acquire(&mut conn, args.lock_key, args.lock_wait)
            .map_err(|e| Failure::new(Exit::Database, format!("drift --lock: {e}")))?;
        let opts = catalog::InspectOptions {
            schemas: db_args.schemas.clone(),
            publications: desired.publications.keys().cloned().collect(),
            missing_ok: true,
            ..Default::default()
        };
        catalog::inspect(locked.conn(), &opts).map_err(db_error)?
    } else {
        introspect_for_desired(&db_args, &desired)?
    };
    let diffs =
        drift::drift(&live, &desired).map_err(|e| Failure::new(Exit::Input, e.to_string()))?;
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diffs).unwrap_or_default()
        ),
        ReportFormat::Markdown => print!("{}", drift::render_markdown(&diffs)),
        ReportFormat::Text => print!("{}", drift::render_text(&diffs)),
    }
    Ok(if diffs.is_empty() {
        Exit::Ok
    } else {
        Exit::Changes
    })
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Info,
    Warning,
    Error,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Lint a live database instead of the desired state; with
    /// --migrations, the database whose version and partitioned tables the
    /// file rules assume.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Desired-state file or directory (when no --database-url).
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    /// Lint the SQL of every migration's up.sql in this directory instead
    /// (hazard rules: CREATE INDEX without CONCURRENTLY, NOT NULL without a
    /// default, table rewrites, type changes, constraints without NOT VALID,
    /// drops, lock_timeout, and features the target version lacks).
    #[arg(long)]
    pub migrations: Option<PathBuf>,
    /// PostgreSQL major version the migration files will run on (default:
    /// the server's with --database-url, else 15).
    #[arg(long, value_parser = super::parse_pg_version)]
    pub pg_version: Option<u32>,
    /// Exit 1 when a finding is at or above this level.
    #[arg(long, value_enum, default_value = "warning")]
    pub level: LevelArg,
    /// Skip a rule, or one object of it: `rule` or `rule:object` (`*`
    /// matches any run of characters in the object). Repeatable.
    #[arg(long)]
    pub ignore: Vec<String>,
    /// File of ignore patterns, one a line; `#` starts a comment.
    #[arg(long)]
    pub ignore_file: Option<PathBuf>,
    /// Schemas whose tables an API exposes.
    #[arg(long, value_delimiter = ',', default_value = "public")]
    pub exposed_schemas: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

pub fn lint(args: &LintArgs) -> Outcome {
    use crate::catalog::facts;
    use crate::verify::ignore::IgnoreList;
    use crate::verify::{lint, sqllint, Severity};
    let input = |e: String| Failure::new(Exit::Input, e);
    let mut ignores = IgnoreList::parse_all(&args.ignore).map_err(input)?;
    if let Some(file) = &args.ignore_file {
        ignores.extend(IgnoreList::read_file(file).map_err(input)?);
    }
    let mut opts = lint::LintOptions {
        exposed_schemas: args.exposed_schemas.clone(),
        ignores,
        pg_version: args.pg_version.unwrap_or(lint::DEFAULT_PG_VERSION),
        desired: false,
    };
    let found = match (&args.migrations, &args.database_url) {
        (Some(dir), url) => {
            let mut partitioned = std::collections::BTreeSet::new();
            if let Some(url) = url {
                let db_error =
                    |e: catalog::CatalogError| Failure::new(Exit::Database, e.to_string());
                let mut conn = catalog::connect(url).map_err(db_error)?;
                if args.pg_version.is_none() {
                    let num = facts::role_facts(&mut conn)
                        .map_err(db_error)?
                        .server_version_num;
                    opts.pg_version = crate::model::PgVersion(num.max(0) as u32).major();
                }
                let db = catalog::inspect(&mut conn, &Default::default()).map_err(db_error)?;
                partitioned.extend(
                    db.tables
                        .into_iter()
                        .filter(|(_, t)| t.partition_by.is_some())
                        .map(|(k, _)| k),
                );
            }
            sqllint::lint_dir(dir, &opts, partitioned).map_err(input)?
        }
        (None, Some(url)) => lint::lint(
            &introspect(&DbArgs {
                database_url: url.clone(),
                schemas: None,
            })?,
            &opts,
        ),
        (None, None) => {
            opts.desired = true;
            lint::lint(&load(&args.schema)?, &opts)
        }
    };
    let threshold = match args.level {
        LevelArg::Info => Severity::Info,
        LevelArg::Warning => Severity::Warning,
        LevelArg::Error => Severity::Error,
    };
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&found).unwrap_or_default()
        ),
        ReportFormat::Text | ReportFormat::Markdown => {
            for f in &found {
                let level = format!("{:?}", f.level).to_lowercase();
                println!(
                    "{level} [{}] {}: {}\n    fix: {}",
                    f.id, f.object, f.message, f.fix
                );
            }
            match args.migrations {
                Some(_) => println!(
                    "{} finding(s) (rules for PostgreSQL {})",
                    found.len(),
                    opts.pg_version
                ),
                None => println!("{} finding(s)", found.len()),
            }
        }
    }
    Ok(if found.iter().any(|f| f.level >= threshold) {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Desired state whose schemas to check (when no --schemas).
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Exit 0 when nothing blocks `apply`, 1 otherwise.
pub fn doctor(args: &DoctorArgs) -> Outcome {
    use crate::catalog::facts;
    use crate::verify::doctor;
    let schemas = match &args.db.schemas {
        Some(s) => s.clone(),
        None => load(&args.schema)?.managed_schemas(),
    };
    let db_error = |e: catalog::CatalogError| Failure::new(Exit::Database, e.to_string());
    let mut conn = catalog::connect(&args.db.database_url).map_err(db_error)?;
    let role = facts::role_facts(&mut conn).map_err(db_error)?;
    let per_schema = facts::schema_facts(&mut conn, &schemas).map_err(db_error)?;
    let lines = doctor::assess(&role, &per_schema);
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&lines).unwrap_or_default()
        ),
        ReportFormat::Text | ReportFormat::Markdown => print!("{}", doctor::render_text(&lines)),
    }
    Ok(if doctor::blocked(&lines) {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

#[derive(Args, Debug)]
pub struct TestRlsArgs {
    /// Connection URL; defaults to $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// The test suite (YAML or JSON).
    #[arg(long)]
    pub tests: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Exit 0 when every case passes, 1 otherwise.
pub fn test_rls(args: &TestRlsArgs) -> Outcome {
    use crate::verify::rls;
    let text = std::fs::read_to_string(&args.tests)
        .map_err(|e| Failure::new(Exit::Input, format!("{}: {e}", args.tests.display())))?;
    let suite = rls::parse(&text, &args.tests.display().to_string())
        .map_err(|e| Failure::new(Exit::Input, e))?;
    let mut conn = catalog::connect(&args.database_url)
        .map_err(|e| Failure::new(Exit::Database, e.to_string()))?;
    let results = crate::verify::rls_run::run_suite(&mut conn, &suite)
        .map_err(|e| Failure::new(Exit::Input, e))?;
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&results).unwrap_or_default()
        ),
        ReportFormat::Text | ReportFormat::Markdown => print!("{}", rls::render_text(&results)),
    }
    Ok(if results.iter().all(|r| r.passed) {
        Exit::Ok
    } else {
        Exit::Changes
    })
}

/// The Supabase-compatible `auth` shim (the one the corpus tests use) for plain PostgreSQL (roles anon,
/// authenticated, service_role; `auth.uid()`, `auth.role()`, `auth.jwt()`).
pub const SUPABASE_SHIM: &str = include_str!("../../tests/fixtures/corpus/supabase_shim.sql");

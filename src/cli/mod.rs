//! The command line: parse arguments, run one command, map errors to exit
//! codes. Everything interesting lives in the library rooms it calls.

mod commands;
mod config;
mod explain;
mod history;
mod meta;
mod output;
mod plan;
mod report;
pub mod run;
mod verify;

use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// Stable exit codes (documented in README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    /// `--check` found changes, or `verify` found a mismatch.
    Changes = 1,
    /// Bad input: arguments, schema files, migration files.
    Input = 2,
    /// The database refused, or could not be reached.
    Database = 3,
    /// A bug in reconcile or an environment problem (e.g. unwritable files).
    Internal = 4,
    /// `plan` refused destructive (red) steps: pass `--allow-destructive`.
    Refused = 5,
}

/// A failure with the exit code it maps to. The message must never hold a
/// password or a full DSN.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "reconcile",
    version = meta::long_version(),
    about = "Declarative schema-state reconciler for PostgreSQL"
)]
pub struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Configuration file (default: the first reconcile.toml found walking up
    /// from the current directory; also $RECONCILE_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where parsed schema files are kept between runs when the schema is
    /// large (1 MiB or more); keyed by content, safe to delete. Default:
    /// a directory per schema path under $XDG_CACHE_HOME/reconcile (or
    /// ~/.cache/reconcile).
    #[arg(long, global = true, value_name = "DIR", env = "RECONCILE_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Parse every schema file afresh; read and write no cache.
    #[arg(long, global = true, env = "RECONCILE_NO_CACHE")]
    pub no_cache: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Connection URL; defaults to $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: String,
    /// Comma-separated schemas to read (default: every non-system schema).
    #[arg(long, value_delimiter = ',')]
    pub schemas: Option<Vec<String>>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelFormat {
    Yaml,
    Json,
}

/// What `baseline` writes the desired state as.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// One YAML file per object.
    Yaml,
    /// One SQL file of CREATE statements per object.
    Sql,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    Text,
    Sql,
    Json,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(clap::Args, Debug, Clone)]
pub struct PlanArgs {
    /// Desired-state file or directory.
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    /// Generated migrations directory.
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    /// Plan against this live database instead of the state recorded by
    /// the migrations. Not read from $DATABASE_URL: plain `plan` is offline.
    #[arg(long)]
    pub database_url: Option<String>,
    /// With --database-url: comma-separated schemas to read.
    #[arg(long, value_delimiter = ',', requires = "database_url")]
    pub schemas: Option<Vec<String>>,
    /// With --database-url: plan even though the database has not applied
    /// every migration on disk (the new one comes after them).
    #[arg(long, requires = "database_url")]
    pub ignore_pending: bool,
    /// Slug of the new migration (`[a-z0-9_]+`); derived from the plan otherwise.
    #[arg(long)]
    pub name: Option<String>,
    /// Exit 1 when the schema has changes not yet in a migration; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Print what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    /// Print the step graph instead of the plan; writes nothing.
    #[arg(long, value_enum)]
    pub graph: Option<GraphFormat>,
    /// Say why each step comes after another.
    #[arg(long)]
    pub explain: bool,
    /// Write red (destructive) steps too.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Allow a drop and an add of the same shape without `renamed_from`.
    #[arg(long)]
    pub allow_drop_add: bool,
    /// `SET LOCAL lock_timeout` at the top of each transactional migration.
    #[arg(long, default_value = "5s")]
    pub lock_timeout: String,
    /// `SET LOCAL statement_timeout` at the top of each transactional migration.
    #[arg(long, default_value = "15min")]
    pub statement_timeout: String,
    /// PostgreSQL major the migrations will run on: a step using a feature
    /// it lacks is refused. With --database-url, the server's own.
    #[arg(long, value_parser = parse_pg_version)]
    pub pg_version: Option<u32>,
}

/// `15`, or `9.6` (major 9); 9 through 99.
pub(crate) fn parse_pg_version(s: &str) -> Result<u32, String> {
    crate::verify::sqllint::major_version(s)
        .filter(|v| (9..100).contains(v))
        .ok_or_else(|| format!("`{s}`: expected a PostgreSQL major version such as 15"))
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Turn the difference between the desired state (`schema/`) and the
    /// state the migrations reach (or a live database) into the next
    /// numbered migration(s).
    Plan(PlanArgs),
    /// Load and validate the desired state; print errors with file:line:column.
    Check {
        #[arg(long, default_value = "schema")]
        schema: PathBuf,
        /// Also refuse what this PostgreSQL major cannot create (e.g. 14
        /// has no security_invoker views).
        #[arg(long, value_parser = parse_pg_version)]
        pg_version: Option<u32>,
    },
    /// Read a live database into the model and print it.
    Inspect {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_enum, default_value = "yaml")]
        format: ModelFormat,
    },
    /// Capture an existing database as desired-state files plus the first
    /// migration, `0001_baseline`, that recreates it on an empty database.
    Baseline {
        #[command(flatten)]
        db: DbArgs,
        /// Where to write the desired-state files.
        #[arg(long, default_value = "schema")]
        out: PathBuf,
        /// Where to write the baseline migration.
        #[arg(long, default_value = "generated/migrations")]
        migrations: PathBuf,
        /// Replace existing schema files in --out.
        #[arg(long)]
        force: bool,
        /// Record the baseline as applied in this database without running
        /// it, to adopt an existing database.
        #[arg(long)]
        mark_applied: bool,
        /// Write the desired state as YAML or as SQL files (CREATE
        /// statements, one file per object, loaded back as they are).
        #[arg(long, value_enum, default_value = "yaml")]
        format: SchemaFormat,
    },
    /// Check generated migrations against their sum file (for CI).
    Verify {
        #[arg(long, default_value = "generated/migrations")]
        migrations: PathBuf,
    },
    /// Print the JSON Schema of the desired-state format.
    JsonSchema,
    /// Apply pending migrations: advisory lock, one transaction per file, audit rows.
    Apply(run::ApplyArgs),
    /// Revert applied migrations with their stored down SQL.
    Revert(run::RevertArgs),
    /// Applied, pending, running, modified, missing and failed migrations,
    /// and the run holding the lock.
    Status(run::StatusArgs),
    /// Record a migration run by hand as applied, or one undone by hand as
    /// pending, with a reason in the audit (refused while a run holds the lock).
    Mark(run::MarkArgs),
    /// Retire a migration that never ran anywhere: renamed to `.retired`,
    /// reason recorded, skipped by apply and status.
    Retire(run::RetireArgs),
    /// Check a database against a required-schema contract (exit 1 on errors).
    Validate(verify::ValidateArgs),
    /// Report what differs between the desired state and a database (exit 1 on drift).
    Drift(verify::DriftArgs),
    /// Audit RLS, policies, indexes, keys and grants of the desired state or a database.
    Lint(verify::LintArgs),
    /// What `apply` will and will not be able to do with this role, before it tries.
    Doctor(verify::DoctorArgs),
    /// Run declarative row-level-security tests, each in a rolled-back transaction.
    TestRls(verify::TestRlsArgs),
    /// EXPLAIN declared critical queries and check their plans (index used,
    /// no large sequential scan, cost ceiling).
    ExplainCheck(explain::ExplainCheckArgs),
    /// Print a Supabase-compatible auth shim for plain PostgreSQL (for CI).
    Shim,
    /// Create the next numbered migration by hand (data fix, backfill, ...).
    New(history::NewArgs),
    /// Rewrite the sum file after a deliberate edit of a migration that
    /// never ran; refused when the database has it applied.
    Rehash(history::RehashArgs),
    /// Adopt a Supabase, Flyway or diesel migration history: copied in order,
    /// run on a scratch database to learn the desired state.
    Import(history::ImportArgs),
    /// Write the migrations in Supabase, Flyway or plain up/down layout.
    Export(history::ExportArgs),
    /// Print shell completions: `reconcile completions bash > /etc/bash_completion.d/reconcile`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `reconcile man > reconcile.1`.
    Man,
    /// Print the effective configuration: each option's value and where it
    /// comes from (flag > RECONCILE_* environment > reconcile.toml > default).
    #[command(name = "config")]
    ShowConfig {
        /// Only this command's options.
        #[arg(long = "command", value_name = "COMMAND")]
        only: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: run::ReportFormat,
    },
}

/// Runs the command line and gives the process's exit code.
pub fn main() -> u8 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let lossy: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Everything printed from here on is cleaned of the passwords given.
    output::install_panic_hook();
    output::remember_inputs(&lossy);
    // Lets the tests check what a panic prints; not in release builds.
    #[cfg(debug_assertions)]
    if let Some(message) = std::env::var_os("RECONCILE_TEST_PANIC") {
        panic!("{}", message.to_string_lossy());
    }
    let configured = config::discover(&lossy).and_then(|cfg| {
        output::remember_config(&cfg);
        Ok((
            config::apply(meta::with_examples(Cli::command()), &cfg)?,
            cfg,
        ))
    });
    let (command, cfg) = match configured {
        Ok(c) => c,
        Err(e) => {
            output::error(&e);
            return Exit::Input as u8;
        }
    };
    let parsed = command
        .clone()
        .try_get_matches_from(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            output::clap(&e);
            return if e.use_stderr() { Exit::Input as u8 } else { 0 };
        }
    };
    init_logging(cli.verbose);
    name_connections(&args);
    commands::set_cache(match (cli.no_cache, &cli.cache_dir) {
        (true, _) => commands::Cache::Off,
        (false, Some(dir)) => commands::Cache::Dir(dir.clone()),
        (false, None) => commands::Cache::PerSchema,
    });
    match commands::run(cli.command, &command, &cfg) {
        Ok(code) => code as u8,
        Err(f) => {
            output::error(&f.message);
            f.exit as u8
        }
    }
}

/// Every connection says which command opened it, as `application_name`
/// (libpq reads `$PGAPPNAME`; a name in the URL or set by the user wins),
/// so a DBA finds the run in pg_stat_activity.
fn name_connections(args: &[std::ffi::OsString]) {
    if std::env::var_os("PGAPPNAME").is_some() {
        return;
    }
    let command = args
        .iter()
        .skip(1)
        .filter_map(|a| a.to_str())
        .find(|a| !a.starts_with('-'))
        .filter(|a| a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or("");
    let name = format!("reconcile {command}");
    // Set before any thread or connection is started.
    std::env::set_var("PGAPPNAME", name.trim_end());
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(output::LogWriter)
        .try_init();
}

//! `new` and `rehash`: hand-written migrations in the generated history.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::run::parse_duration;
use super::{Exit, Failure};
use crate::migrations::export::{self, Layout};
use crate::migrations::runner::{self, Options, Rehashed, RunnerError};
use crate::migrations::{self, SchemaEffect};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum EffectArg {
    /// Data only (backfill, fix-up): planning ignores it.
    None,
    /// Its schema change is also written into schema/: the state it
    /// reaches is the desired state now.
    Desired,
}

/// `reconcile new`.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Example:\n  reconcile new backfill_user_emails\n  \
    reconcile new add_trgm_index --non-transactional --schema-effect desired")]
pub struct NewArgs {
    /// Slug of the migration (`[a-z0-9_]+`); it gets the next number.
    pub name: String,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    /// Run it statement by statement outside a transaction (e.g. CREATE
    /// INDEX CONCURRENTLY).
    #[arg(long)]
    pub non_transactional: bool,
    /// What it does to the schema, for offline planning (docs/migrations.md).
    #[arg(long, value_enum, default_value = "none")]
    pub schema_effect: EffectArg,
    /// Desired state, read for --schema-effect desired.
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
}

/// `reconcile rehash`.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Example:\n  reconcile rehash --database-url \"$STAGING_URL\"")]
pub struct RehashArgs {
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    /// Refuse if this database has an edited migration applied; defaults
    /// to $DATABASE_URL. Never printed.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    #[arg(long, default_value = runner::DEFAULT_SCHEMA)]
    pub bookkeeping_schema: String,
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
}

pub fn new(args: &NewArgs) -> Result<Exit, Failure> {
    let effect = match args.schema_effect {
        EffectArg::None => SchemaEffect::None,
        EffectArg::Desired => SchemaEffect::Desired,
    };
    let desired = match effect {
        SchemaEffect::Desired => Some(super::commands::load(&args.schema)?),
        SchemaEffect::None => None,
    };
    let path = migrations::new_migration(
        &args.migrations,
        &args.name,
        !args.non_transactional,
        effect,
        desired.as_ref(),
    )
    .map_err(|e| Failure::new(Exit::Input, e))?;
    println!(
        "created {} (edit up.sql and down.sql, then `reconcile rehash`)",
        path.display()
    );
    Ok(Exit::Ok)
}

/// Exit 0 when rewritten or already current; 2 when refused; 3 when the
/// database is unreachable.
pub fn rehash(args: &RehashArgs) -> Result<Exit, Failure> {
    let opts = Options {
        schema: args.bookkeeping_schema.clone(),
        connect_timeout: args.connect_timeout,
        ..Options::default()
    };
    let done =
        runner::rehash(&args.migrations, args.database_url.as_deref(), &opts).map_err(|e| {
            let exit = match e {
                RunnerError::Input(_) | RunnerError::Refused(_) => Exit::Input,
                _ => Exit::Database,
            };
            Failure::new(exit, e.to_string())
        })?;
    match done {
        Rehashed::Unchanged => println!("{}: the sum file is current", args.migrations.display()),
        Rehashed::From(first) => println!(
            "{}: sum file rewritten (edited from {first} on)",
            args.migrations.display()
        ),
    }
    if args.database_url.is_none() {
        println!(
            "note: no --database-url given, so no database was checked for applied migrations"
        );
    }
    Ok(Exit::Ok)
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// supabase/migrations/<timestamp>_<name>.sql (for `supabase db push`).
    Supabase,
    /// V<n>__<name>.sql and U<n>__<name>.sql (undo).
    Flyway,
    /// NNNN_name.up.sql and NNNN_name.down.sql.
    Plain,
}

/// `reconcile export`.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Example:\n  reconcile export --layout supabase && supabase db push")]
pub struct ExportArgs {
    #[arg(long, value_enum)]
    pub layout: LayoutArg,
    /// Output directory (default: supabase/migrations, flyway/sql or export/plain).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
}

pub fn export(args: &ExportArgs) -> Result<Exit, Failure> {
    let layout = match args.layout {
        LayoutArg::Supabase => Layout::Supabase,
        LayoutArg::Flyway => Layout::Flyway,
        LayoutArg::Plain => Layout::Plain,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(layout.default_dir()));
    let files =
        export::export(&args.migrations, layout, &out).map_err(|e| Failure::new(Exit::Input, e))?;
    println!("{}: {} file(s)", out.display(), files.len());
    Ok(Exit::Ok)
}

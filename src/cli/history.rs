//! The history beside the planner: hand-written migrations (`new`,
//! `rehash`) and other tools' layouts (`import`, `export`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::run::{failure, CheckDbArgs};
use super::{Exit, Failure};
use crate::migrations::export::{self, Layout};
use crate::migrations::{self, SchemaEffect};
use crate::runner::{self, Options, Rehashed, State};

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
    #[command(flatten)]
    pub check: CheckDbArgs,
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
    let done = runner::rehash(&args.migrations, args.check.url(), &args.check.options())
        .map_err(failure)?;
    match done {
        Rehashed::Unchanged => println!("{}: the sum file is current", args.migrations.display()),
        Rehashed::From(first) => println!(
            "{}: sum file rewritten (edited from {first} on)",
            args.migrations.display()
        ),
    }
    args.check.note_unchecked("applied migrations");
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

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FromArg {
    /// `<digits>_<name>.sql` files (supabase/migrations), by number.
    Supabase,
    /// `V<n>__<name>.sql` with `U<n>__<name>.sql` as downs.
    Flyway,
    /// `<version>_<name>/{up.sql,down.sql}` directories.
    Diesel,
}

/// `reconcile import`.
#[derive(Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  reconcile import --from supabase supabase/migrations \\\n    \
    --dev-url postgres://localhost/scratch --mark-applied --database-url \"$PROD_URL\""
)]
pub struct ImportArgs {
    /// The history's directory.
    pub dir: PathBuf,
    #[arg(long, value_enum)]
    pub from: FromArg,
    /// An empty scratch database: the history runs there to learn the
    /// schema it builds. Never printed.
    #[arg(long, env = "RECONCILE_DEV_URL", hide_env_values = true)]
    pub dev_url: String,
    /// search_path the history's migrations expect (e.g. `storage, public`).
    #[arg(long)]
    pub search_path: Option<String>,
    #[arg(long, default_value = "generated/migrations")]
    pub migrations: PathBuf,
    /// Where the desired-state files go.
    #[arg(long, default_value = "schema")]
    pub schema: PathBuf,
    /// Replace existing files in --schema.
    #[arg(long)]
    pub force: bool,
    /// Record every imported migration as applied (not run) in --database-url,
    /// where the history already ran.
    #[arg(long, requires = "database_url")]
    pub mark_applied: bool,
    /// With --mark-applied. Never printed.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// All or nothing: every file goes to a staging directory beside its
/// place and is renamed into place last, after the history ran on the
/// scratch database and, with --mark-applied, the target was found to
/// have the schema it builds; the marks are one transaction, and files
/// placed are put back if it fails. A failed import can be run again: the
/// scratch database then holds a part of the same history, which the
/// runner resumes.
pub fn import(args: &ImportArgs) -> Result<Exit, Failure> {
    use crate::migrations::import::{self, From, Staging};
    use crate::migrations::{Metadata, Migration};
    let input = |e: String| Failure::new(Exit::Input, e);
    let db_err = |e: String| Failure::new(Exit::Database, e);
    let from = match args.from {
        FromArg::Supabase => From::Supabase,
        FromArg::Flyway => From::Flyway,
        FromArg::Diesel => From::Diesel,
    };
    let existing = migrations::existing(&args.migrations).map_err(input)?;
    if !existing.is_empty() {
        return Err(input(format!(
            "{} already holds migrations ({}); import starts an empty history",
            args.migrations.display(),
            existing.join(", ")
        )));
    }
    let replaced = import::schema_files(&args.schema).map_err(input)?;
    if !replaced.is_empty() && !args.force {
        return Err(input(format!(
            "{} already holds {} schema file(s); pass --force to replace them",
            args.schema.display(),
            replaced.len()
        )));
    }
    let items = import::read(&args.dir, from, args.search_path.as_deref()).map_err(input)?;
    let mut ms: Vec<Migration> = items
        .iter()
        .enumerate()
        .map(|(i, m)| Migration {
            number: i as u32 + 1,
            slug: m.slug.clone(),
            up: m.up.clone(),
            down: m.down.clone(),
            metadata: Metadata {
                run_in_transaction: m.transactional,
                hazards: Vec::new(),
                depends: Vec::new(),
                timestamp: m.version.clone(),
                extra: format!("imported_from = {:?}\n", m.origin),
            },
            state: None,
        })
        .collect();
    let opts = Options {
        application_name: format!("{} import", runner::DEFAULT_APPLICATION_NAME),
        ..Options::default()
    };
    // The target first: a wrong URL is found before anything is written.
    let mut target = match (args.mark_applied, &args.database_url) {
        (true, Some(url)) => Some((
            url,
            crate::catalog::connect(url).map_err(|e| db_err(e.to_string()))?,
        )),
        _ => None,
    };
    let id = runner::correlation_id();
    let learned = {
        let staging = std::env::temp_dir().join(format!("reconcile-import-{id}"));
        let learned = learn(&args.dev_url, &staging, &ms, &opts);
        let _ = std::fs::remove_dir_all(&staging);
        learned?
    };
    let mut db = learned;
    crate::model::write::sort(&mut db);
    if let Some((url, conn)) = target.as_mut() {
        same_schema(conn, &db, url)?;
    }
    if let Some(last) = ms.last_mut() {
        last.state = Some(migrations::render_state(&db).map_err(input)?);
    }
    let files = crate::model::write::to_files(&db).map_err(input)?;
    let schema_stage = Staging::beside(&args.schema, &id).map_err(input)?;
    crate::model::write::write_files(&files, schema_stage.path(), false).map_err(input)?;
    let migration_stage = Staging::beside(&args.migrations, &id).map_err(input)?;
    let written = migrations::write_all(migration_stage.path(), &ms).map_err(input)?;
    let schema_placed = schema_stage.place(&replaced).map_err(input)?;
    let migrations_placed = migration_stage.place(&[]).map_err(input)?;
    if let Some((_, conn)) = target.as_mut() {
        // Dropped on an error, the placed files go back.
        runner::adopt(conn, &args.migrations, &[], &opts)
            .map_err(|e| db_err(format!("nothing was imported: {e}")))?;
    }
    schema_placed.keep();
    migrations_placed.keep();
    println!(
        "imported {} migration(s) into {}; wrote {} schema file(s) under {}",
        written.len(),
        args.migrations.display(),
        files.len(),
        args.schema.display()
    );
    for u in &db.unmanaged {
        println!("  not captured (unmanaged): {} {}", u.kind, u.name);
    }
    if target.is_some() {
        println!("recorded {} migration(s) as applied (not run)", ms.len());
    }
    Ok(Exit::Ok)
}

/// The schema `ms` build, learned by running them on the scratch database
/// `dev_url` from a copy under `staging`. The scratch database must be
/// empty, or hold a part of this same history from an earlier try (which
/// the runner then resumes).
fn learn(
    dev_url: &str,
    staging: &std::path::Path,
    ms: &[crate::migrations::Migration],
    opts: &Options,
) -> Result<crate::model::Database, Failure> {
    let input = |e: String| Failure::new(Exit::Input, e);
    let db_err = |e: String| Failure::new(Exit::Database, e);
    migrations::write_all(staging, ms).map_err(input)?;
    let mut dev = crate::catalog::connect(dev_url).map_err(|e| db_err(e.to_string()))?;
    let before = crate::catalog::inspect(&mut dev, &Default::default())
        .map_err(|e| db_err(e.to_string()))?;
    drop(dev);
    if !before.tables.is_empty() || !before.views.is_empty() || !before.functions.is_empty() {
        let status = runner::status(dev_url, staging, opts).map_err(|e| db_err(e.to_string()))?;
        let ours = status.rows.iter().any(|r| r.state == State::Applied)
            && status
                .rows
                .iter()
                .all(|r| matches!(r.state, State::Applied | State::Pending | State::Failed));
        if !ours {
            return Err(input(
                "--dev-url must be an empty scratch database (it has tables, views or functions \
                 that are not an earlier try of this same history)"
                    .into(),
            ));
        }
    }
    runner::apply(dev_url, staging, opts).map_err(|e| {
        db_err(format!(
            "the history does not run on the scratch database (nothing was written; \
             an import run again resumes it there): {e}"
        ))
    })?;
    crate::catalog::inspect_url(dev_url, &Default::default())
        .map(|(db, _)| db)
        .map_err(|e| db_err(e.to_string()))
}

/// Refuses to adopt a database that does not have the schema `learned`
/// (the history's), showing the differences as `drift` does.
fn same_schema(
    conn: &mut diesel::PgConnection,
    learned: &crate::model::Database,
    url: &str,
) -> Result<(), Failure> {
    let read = crate::catalog::InspectOptions {
        schemas: Some(learned.managed_schemas()),
        ..Default::default()
    };
    let live = crate::catalog::inspect(conn, &read)
        .map_err(|e| Failure::new(Exit::Database, e.to_string()))?;
    let diffs = crate::verify::drift::drift(&live, learned)
        .map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
    if diffs.is_empty() {
        return Ok(());
    }
    print!("{}", crate::verify::drift::render_text(&diffs));
    Err(Failure::new(
        Exit::Input,
        format!(
            "--mark-applied: {} does not have the schema the history builds ({} difference(s), above); \
             nothing was imported or recorded. Apply the history there first, or import without \
             --mark-applied",
            crate::catalog::redact(url),
            diffs.len()
        ),
    ))
}

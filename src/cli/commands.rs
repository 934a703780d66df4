//! One function per command.

use std::io::{BufWriter, StdoutLock, Write};
use std::path::Path;

use super::{Command, DbArgs, Exit, Failure, ModelFormat};
use crate::catalog::{self, InspectOptions};
use crate::migrations::{self, Metadata, Migration};
use crate::model::{self, Database};
use crate::plan;

pub type Outcome = Result<Exit, Failure>;

/// Runs `command`; `line` is the command line as configured from `cfg`
/// (what `reconcile config` reports).
pub fn run(command: Command, line: &clap::Command, cfg: &super::config::Config) -> Outcome {
    match command {
        Command::Plan(args) => super::plan::plan(&args),
        Command::Check { schema, pg_version } => check(&schema, pg_version),
        Command::Inspect { db, format } => inspect(&db, format),
        Command::Baseline {
            db,
            out,
            migrations,
            force,
            mark_applied,
            format,
        } => baseline(&db, &out, &migrations, force, mark_applied, format),
        Command::Verify { migrations } => verify(&migrations),
        Command::Apply(a) => super::run::apply(&a),
        Command::Revert(a) => super::run::revert(&a),
        Command::Status(a) => super::run::status(&a),
        Command::Mark(a) => super::run::mark(&a),
        Command::Retire(a) => super::run::retire(&a),
        Command::Validate(a) => super::verify::validate(&a),
        Command::Drift(a) => super::verify::drift(&a),
        Command::Lint(a) => super::verify::lint(&a),
        Command::Doctor(a) => super::verify::doctor(&a),
        Command::TestRls(a) => super::verify::test_rls(&a),
        Command::New(a) => super::history::new(&a),
        Command::Rehash(a) => super::history::rehash(&a),
        Command::Export(a) => super::history::export(&a),
        Command::Import(a) => super::history::import(&a),
        Command::Completions { shell } => super::meta::completions(shell),
        Command::Man => super::meta::man(),
        Command::ShowConfig { only, format } => {
            Ok(super::config::show(line, cfg, only.as_deref(), format))
        }
        Command::ExplainCheck(a) => super::explain::explain_check(&a),
        Command::Shim => {
            print!("{}", super::verify::SUPABASE_SHIM);
            Ok(Exit::Ok)
        }
        Command::JsonSchema => {
            println!("{}", model::schema_json::json_schema());
            Ok(Exit::Ok)
        }
    }
}

/// Where the parse cache of a large schema lives (`model::load::cache`).
#[derive(Debug, Clone)]
pub enum Cache {
    /// `--no-cache`.
    Off,
    /// `--cache-dir DIR`.
    Dir(std::path::PathBuf),
    /// The default: a directory per schema path in the user's cache
    /// directory. Not in the project, where a checkout (a pull request)
    /// could bring a pack of its own and so a model its YAML does not say.
    PerSchema,
}

/// Set once in `main`, before any command runs.
static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();

pub fn set_cache(cache: Cache) {
    let _ = CACHE.set(cache);
}

fn cache_dir(schema: &Path) -> Option<std::path::PathBuf> {
    match CACHE.get()? {
        Cache::Off => None,
        Cache::Dir(dir) => Some(dir.clone()),
        Cache::PerSchema => model::load::cache::default_dir(schema),
    }
}

pub fn load(schema: &Path) -> Result<Database, Failure> {
    let cache = cache_dir(schema);
    model::load::load_cached(schema, cache.as_deref(), model::load::cache::MIN_BYTES)
        .map(|(db, _)| db)
        .map_err(|e| Failure::new(Exit::Input, e.to_string()))
}

fn check(schema: &Path, pg_version: Option<u32>) -> Outcome {
    let db = load(schema)?;
    if let Some(major) = pg_version {
        let version = crate::model::PgVersion::of_major(major);
        let sql = plan::create_script(&db).map_err(|e| Failure::new(Exit::Input, e.to_string()))?;
        let lacking: Vec<String> = crate::model::version::features::missing(&sql, version)
            .iter()
            .map(ToString::to_string)
            .collect();
        if !lacking.is_empty() {
            return Err(Failure::new(
                Exit::Input,
                format!(
                    "{}: PostgreSQL {major} cannot create:\n  {}",
                    schema.display(),
                    lacking.join("\n  ")
                ),
            ));
        }
    }
    println!(
        "{}: ok ({} tables, {} views, {} functions)",
        schema.display(),
        db.tables.len(),
        db.views.len(),
        db.functions.len()
    );
    Ok(Exit::Ok)
}

fn summary(db: &Database) -> Vec<(&'static str, usize)> {
    let policies = db.tables.values().map(|t| t.policies.len()).sum();
    let indexes = db.tables.values().map(|t| t.indexes.len()).sum();
    let triggers = db.tables.values().map(|t| t.triggers.len()).sum();
    let types = db.type_keys().count();
    vec![
        ("schemas", db.schemas.len()),
        ("extensions", db.extensions.len()),
        ("types", types),
        ("sequences", db.sequences.len()),
        ("tables", db.tables.len()),
        ("indexes", indexes),
        ("policies", policies),
        ("triggers", triggers),
        ("views", db.views.len()),
        ("functions", db.functions.len() + db.aggregates.len()),
        ("publications", db.publications.len()),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .collect()
}

pub fn introspect(args: &DbArgs) -> Result<Database, Failure> {
    read_database(args, true, false, vec![])
}

/// [`introspect`] for a comparison with a desired state: a schema it names
/// that the database lacks is read as absent, to be created.
pub fn introspect_for_plan(args: &DbArgs) -> Result<Database, Failure> {
    read_database(args, true, true, vec![])
}

/// [`introspect_for_plan`], reading the publications the desired state
/// names (a platform's own are otherwise left out).
pub fn introspect_for_desired(args: &DbArgs, desired: &Database) -> Result<Database, Failure> {
    read_database(
        args,
        true,
        true,
        desired.publications.keys().cloned().collect(),
    )
}

/// [`introspect`], with or without pg_depend's edges (see
/// [`InspectOptions::dependencies`]) and missing schemas allowed.
fn read_database(
    args: &DbArgs,
    dependencies: bool,
    missing_ok: bool,
    publications: Vec<String>,
) -> Result<Database, Failure> {
    let opts = InspectOptions {
        schemas: args.schemas.clone(),
        dependencies,
        missing_ok,
        publications,
        ..InspectOptions::default()
    };
    catalog::inspect_url(&args.database_url, &opts)
        .map(|(db, _)| db)
        .map_err(|e| Failure::new(Exit::Database, e.to_string()))
}

fn inspect(args: &DbArgs, format: ModelFormat) -> Outcome {
    // The dependencies are never written out.
    let mut db = read_database(args, false, false, vec![])?;
    model::write::sort(&mut db);
    to_stdout(|out| match format {
        ModelFormat::Yaml => serde_saphyr::to_io_writer(out, &db).map_err(|e| e.to_string()),
        ModelFormat::Json => serde_json::to_writer_pretty(&mut *out, &db)
            .map_err(|e| e.to_string())
            .and_then(|()| out.write_all(b"\n").map_err(|e| e.to_string())),
    })?;
    warn_unmanaged(&db);
    Ok(Exit::Ok)
}

/// Writes to stdout through one buffer as the text is made: a large model
/// or plan is tens of MB of text, never held whole.
pub fn to_stdout(
    write: impl FnOnce(&mut BufWriter<StdoutLock<'static>>) -> Result<(), String>,
) -> Result<(), Failure> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    write(&mut out)
        .and_then(|()| out.flush().map_err(|e| e.to_string()))
        .map_err(|e| Failure::new(Exit::Internal, format!("cannot write the output: {e}")))
}

fn warn_unmanaged(db: &Database) {
    for u in &db.unmanaged {
        tracing::warn!(kind = %u.kind, name = %u.name, "unmanaged object: not covered by the model, left alone");
    }
}

fn baseline(
    args: &DbArgs,
    out: &Path,
    migrations_dir: &Path,
    force: bool,
    mark_applied: bool,
    format: super::SchemaFormat,
) -> Outcome {
    let mut db = introspect(args)?;
    model::write::sort(&mut db);
    let others: Vec<String> = migrations::existing(migrations_dir)
        .map_err(|e| Failure::new(Exit::Input, e))?
        .into_iter()
        .filter(|m| m != "0001_baseline")
        .collect();
    if !others.is_empty() {
        return Err(Failure::new(
            Exit::Input,
            format!(
                "{} already holds migrations ({}); a baseline starts an empty history",
                migrations_dir.display(),
                others.join(", ")
            ),
        ));
    }
    let up = plan::create_script(&db).map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
    let down = plan::drop_script(&db).map_err(|e| Failure::new(Exit::Internal, e.to_string()))?;
    let files = match format {
        super::SchemaFormat::Yaml => {
            model::write::to_files(&db).map_err(|e| Failure::new(Exit::Internal, e))?
        }
        super::SchemaFormat::Sql => {
            plan::files::sql_files(&db).map_err(|e| Failure::new(Exit::Internal, e.to_string()))?
        }
    };
    model::write::write_files(&files, out, force).map_err(|e| Failure::new(Exit::Input, e))?;
    let state = migrations::render_state(&db).map_err(|e| Failure::new(Exit::Internal, e))?;
    let migration = Migration {
        number: 1,
        slug: "baseline".into(),
        up,
        down,
        metadata: Metadata {
            run_in_transaction: true,
            hazards: vec![],
            depends: vec![],
            // Written again over an unchanged database, it is the same.
            timestamp: Some(
                migrations::stamp::recorded(migrations_dir, "0001_baseline")
                    .unwrap_or_else(migrations::stamp::now),
            ),
            extra: String::new(),
        },
        state: Some(state),
    };
    let path =
        migrations::write(migrations_dir, &migration).map_err(|e| Failure::new(Exit::Input, e))?;
    println!(
        "wrote {} schema file(s) under {}",
        files.len(),
        out.display()
    );
    println!("wrote {}", path.display());
    if mark_applied {
        let mut conn = catalog::connect(&args.database_url)
            .map_err(|e| Failure::new(Exit::Database, e.to_string()))?;
        let opts = crate::runner::Options {
            application_name: "reconcile baseline".into(),
            ..Default::default()
        };
        crate::runner::mark_applied(&mut conn, migrations_dir, &migration.dir_name(), &opts)
            .map_err(|e| Failure::new(Exit::Database, e.to_string()))?;
        println!("recorded {} as applied (not run)", migration.dir_name());
    }
    for (kind, n) in summary(&db) {
        println!("  {n} {kind}");
    }
    if !db.unmanaged.is_empty() {
        println!(
            "{} unmanaged object(s), not captured (reconcile will leave them alone):",
            db.unmanaged.len()
        );
        for u in &db.unmanaged {
            println!("  {} {}", u.kind, u.name);
        }
    }
    Ok(Exit::Ok)
}

fn verify(dir: &Path) -> Outcome {
    match migrations::sum::verify(dir) {
        Ok(()) => {
            println!("{}: ok", dir.display());
            Ok(Exit::Ok)
        }
        Err(e) => {
            super::output::error(&e.to_string());
            Ok(Exit::Changes)
        }
    }
}

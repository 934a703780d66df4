//! `reconcile plan`: desired state vs. the recorded (or live) state, as the
//! next numbered migrations.

use std::path::Path;

use super::commands::{introspect_for_plan, load, to_stdout, Outcome};
use super::report::{self, Report};
use super::{DbArgs, Exit, Failure, PlanArgs, PlanFormat};
use crate::diff::DiffOptions;
use crate::migrations::{self, group::valid_timeout, GroupOptions};
use crate::model::{par, Database};
use crate::plan::{changes, Level, PlanOptions};

fn input(e: impl Into<String>) -> Failure {
    Failure::new(Exit::Input, e)
}

/// The model a plan starts from, as far as it can be read before the
/// desired state is known.
enum Start {
    /// Offline: the state the last migration records; `None` before any.
    Recorded(Option<(String, Box<Database>)>),
    /// Online with `--schemas`: the live database, read already.
    Live(Box<Database>),
    /// Online without `--schemas`: which schemas to read depends on the
    /// desired state.
    Later,
}

/// The migrations' checksums verified and what the plan starts from, read
/// on a second thread while the schema files load: on a large schema
/// either is a good part of the plan.
fn read_start(args: &PlanArgs) -> Result<Start, Failure> {
    let dir: &Path = &args.migrations;
    migrations::check_sum(dir).map_err(input)?;
    tracing::debug!("checked the migrations' checksums");
    match (&args.database_url, &args.schemas) {
        (None, _) => {
            let state = migrations::read_last_state(dir).map_err(input)?;
            tracing::debug!("read the recorded state");
            Ok(Start::Recorded(
                state.map(|(name, db)| (name, Box::new(db))),
            ))
        }
        (Some(url), Some(schemas)) => Ok(Start::Live(Box::new(read_live(url, schemas.clone())?))),
        (Some(_), None) => Ok(Start::Later),
    }
}

fn read_live(url: &str, schemas: Vec<String>) -> Result<Database, Failure> {
    tracing::info!(schemas = ?schemas, "reading the live database");
    introspect_for_plan(&DbArgs {
        database_url: url.to_string(),
        schemas: Some(schemas),
    })
}

/// The live database's managed schemas, with the policies and triggers
/// of the desired state's external tables (`auth.users`) read onto them.
fn read_managed(url: &str, desired: &Desired) -> Result<Database, Failure> {
    tracing::info!(schemas = ?desired.managed, "reading the live database");
    let mut attach: Vec<String> = desired
        .db
        .external
        .iter()
        .filter(|k| desired.db.tables.contains_key(*k))
        .filter_map(|k| crate::model::external::schema_of(k))
        .collect();
    attach.dedup();
    let opts = crate::catalog::InspectOptions {
        schemas: Some(desired.managed.clone()),
        attach,
        publications: desired.db.publications.keys().cloned().collect(),
        // A schema the database lacks yet is planned, not refused.
        missing_ok: true,
        ..Default::default()
    };
    crate::catalog::inspect_url(url, &opts)
        .map(|(db, _)| db)
        .map_err(|e| Failure::new(Exit::Database, e.to_string()))
}

/// The desired state as loaded, and the schemas it manages.
struct Desired {
    db: Database,
    managed: Vec<String>,
}

fn load_desired(args: &PlanArgs) -> Result<Desired, Failure> {
    let db = load(&args.schema)?;
    let managed = db.managed_schemas();
    Ok(Desired { db, managed })
}

/// Where the plan starts: a label for output and the model.
fn from_state(
    args: &PlanArgs,
    desired: &Desired,
    start: Start,
) -> Result<(String, Database), Failure> {
    match start {
        Start::Live(db) => Ok(("database".into(), *db)),
        // Without --schemas, only the schemas the desired state manages are
        // read: a Supabase database's auth, storage and extensions schemas
        // are someone else's and must never show up as drops.
        Start::Later => {
            let url = args.database_url.as_deref().unwrap_or_default();
            let db = read_managed(url, desired)?;
            Ok(("database".into(), db))
        }
        Start::Recorded(Some((name, db))) => {
            tracing::info!(migration = %name, "diffing against the recorded state");
            Ok((name, *db))
        }
        Start::Recorded(None) => {
            tracing::info!("no migrations yet: diffing against an empty database");
            Ok(("empty".into(), Database::default()))
        }
    }
}

/// Whether the desired state names this step's object under `allow_drop`
/// (`table:public.t` and `table:public.t:drop` are `public.t`).
fn allowed_drop(allow_drop: &[String], step_id: &crate::model::Id) -> bool {
    allow_drop.iter().any(|a| a == step_id.key())
}

fn check_args(args: &PlanArgs) -> Result<(), Failure> {
    if let Some(name) = &args.name {
        if !migrations::valid_slug(name) {
            return Err(input(format!("--name `{name}` must match [a-z0-9_]+")));
        }
    }
    for (flag, value) in [
        ("--lock-timeout", &args.lock_timeout),
        ("--statement-timeout", &args.statement_timeout),
    ] {
        if !valid_timeout(value) {
            return Err(input(format!(
                "{flag} `{value}` must be a number with an optional unit (us, ms, s, min, h, d)"
            )));
        }
    }
    Ok(())
}

pub fn plan(args: &PlanArgs) -> Outcome {
    check_args(args)?;
    let dir: &Path = &args.migrations;
    // Problems in the schema are still reported first.
    let (desired, start) = par::join(|| load_desired(args), || read_start(args));
    let desired = desired?;
    tracing::info!(schema = %args.schema.display(), "loaded the desired state");
    if let Some(url) = &args.database_url {
        super::run::check_history(url, dir, args.ignore_pending)?;
    }
    let (from_label, from) = from_state(args, &desired, start?)?;
    let target = from
        .server
        .0
        .or(args.pg_version.map(crate::model::PgVersion::of_major));
    let mut desired = desired.db;
    let opts = PlanOptions {
        diff: DiffOptions {
            allow_drop_add: args.allow_drop_add,
            ..DiffOptions::default()
        },
        online_ddl: true,
        lock_timeout: args.lock_timeout.clone(),
        statement_timeout: args.statement_timeout.clone(),
    };
    let cannot_plan = |e| input(format!("cannot plan {}: {e}", args.schema.display()));
    // Only a migration written carries the state (the reports never show
    // it), so it is rendered only then.
    let writes = !args.check && !args.dry_run && args.graph.is_none();
    let render =
        |db: &Database| migrations::render_state(db).map_err(|e| Failure::new(Exit::Internal, e));
    let changes = changes(&from, &desired, &opts).map_err(cannot_plan)?;
    let state = (writes && !changes.is_empty())
        .then(|| render(&desired))
        .transpose()?;
    let allow_drop = std::mem::take(&mut desired.allow_drop);
    let write = writes && !changes.is_empty();
    // Only --explain, --graph and JSON show why a step comes after another.
    let explained = args.explain || args.graph.is_some() || args.format == PlanFormat::Json;
    let plan = changes.order_explained(explained).map_err(cannot_plan)?;
    tracing::info!(steps = plan.steps.len(), "planned");
    let red: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.hazards.iter().any(|h| h.level == Level::Red))
        .filter(|s| !allowed_drop(&allow_drop, &s.id))
        .map(|s| s.summary.as_str())
        .collect();
    let existing = migrations::existing(dir).map_err(input)?;
    let group = GroupOptions {
        first_number: migrations::next_number(dir).map_err(input)?,
        previous: existing.last().cloned(),
        name: args.name.clone(),
        lock_timeout: args.lock_timeout.clone(),
        statement_timeout: args.statement_timeout.clone(),
        state,
    };
    let mut new = migrations::from_plan(&plan, group).map_err(input)?;
    if write {
        let last = migrations::stamp::last_version(dir).map_err(input)?;
        migrations::stamp::stamp(&mut new, last, &migrations::stamp::now());
    }
    tracing::debug!(migrations = new.len(), "grouped the steps into migrations");
    if let Some(version) = target {
        let lacking = migrations::needs_newer(&new, version);
        if !lacking.is_empty() {
            return Err(input(format!(
                "the plan needs what PostgreSQL {} does not have:\n  {}",
                version.major(),
                lacking.join("\n  ")
            )));
        }
    }
    let refused = !red.is_empty() && !args.allow_destructive;
    let mut written = false;
    if write && !refused {
        for path in migrations::write_all(dir, &new).map_err(input)? {
            tracing::info!(path = %path.display(), "wrote migration");
        }
        written = true;
    }
    let view = Report {
        from: &from_label,
        schema: &args.schema,
        dir,
        plan: &plan,
        migrations: &new,
        written,
        refused,
        explain: args.explain,
    };
    match args.graph {
        Some(g) => print!("{}", report::graph(&plan, g, args.explain)),
        None => to_stdout(|out| report::write(&view, args.format, out).map_err(|e| e.to_string()))?,
    }
    if args.check {
        return Ok(if plan.is_empty() {
            Exit::Ok
        } else {
            Exit::Changes
        });
    }
    if refused && args.graph.is_none() {
        return Err(Failure::new(
            Exit::Refused,
            format!(
                "refused {} destructive step(s): {}; review them and pass --allow-destructive",
                red.len(),
                red.join("; ")
            ),
        ));
    }
    Ok(Exit::Ok)
}

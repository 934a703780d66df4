//! Before a run changes anything: the schema from introspection, written
//! as a DDL script for emergency restore; after it: what actually changed.

use std::borrow::BorrowMut;
use std::path::{Path, PathBuf};

use diesel::sql_types::Text;
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use serde::Serialize;

use super::report::Report;
use super::session::{self, Locked};
use super::{Options, RunnerError, DEFAULT_SCHEMA};
use crate::catalog::{self, InspectOptions};
use crate::model::{Database, Id};
use crate::plan;

/// One change between the schema before and after a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaChange {
    /// `create`, `alter`, `rename` or `drop`.
    pub action: plan::Action,
    /// Stable object id, e.g. `table:public.users`.
    pub id: Id,
    pub summary: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    value: String,
}

/// Reads the schema, leaving out the bookkeeping schema (the catalog
/// leaves out only the default one by itself). The heaviest queries run on
/// a second connection to `url` (`catalog::inspect_beside`): at 100 tables
/// they were a third of each reading. pg_depend and the objects the model
/// does not cover only for a reading rendered as a script.
pub fn inspect(
    conn: &mut PgConnection,
    url: &str,
    opts: &Options,
    script: bool,
) -> Result<Database, RunnerError> {
    let schemas = if opts.schema == DEFAULT_SCHEMA {
        None
    } else {
        let rows: Vec<Name> = diesel::sql_query(
            "SELECT n.nspname::text AS value FROM pg_namespace n \
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', $1) \
                AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass \
                                  AND d.objid = n.oid AND d.deptype = 'e') \
              ORDER BY 1",
        )
        .bind::<Text, _>(&opts.schema)
        .load(conn)
        .map_err(|e| RunnerError::Database(format!("list schemas: {e}")))?;
        Some(rows.into_iter().map(|r| r.value).collect())
    };
    let read = InspectOptions {
        schemas,
        dependencies: script,
        unmanaged: script,
        ..InspectOptions::default()
    };
    catalog::inspect_beside(conn, &session::second_url(url, opts), &read)
        .map(|(db, _)| db)
        .map_err(|e| RunnerError::Database(format!("introspection: {e}")))
}

/// Reads the schema before the run and, when `opts.snapshot_dir` is set,
/// writes it as a script. A requested snapshot that cannot be taken stops
/// the run before anything changed; without one, the before/after
/// difference is only skipped with a warning.
pub fn before(
    conn: &mut PgConnection,
    url: &str,
    opts: &Options,
    statements: &[&str],
    report: &mut Report,
) -> Result<Option<Database>, RunnerError> {
    let db = read_before(conn, url, opts, report)?;
    if let Some(db) = &db {
        write_snapshot(db, opts, statements, report)?;
    }
    Ok(db)
}

/// The schema before the run (see `before`), not yet written.
pub fn read_before(
    conn: &mut PgConnection,
    url: &str,
    opts: &Options,
    report: &mut Report,
) -> Result<Option<Database>, RunnerError> {
    match inspect(conn, url, opts, opts.snapshot_dir.is_some()) {
        Ok(db) => Ok(Some(db)),
        Err(e) if opts.snapshot_dir.is_none() => {
            report.warnings.push(format!(
                "no before/after schema difference: reading the schema failed: {e}"
            ));
            Ok(None)
        }
        Err(e) => Err(RunnerError::Database(format!(
            "cannot take the snapshot before the run (nothing ran; --no-snapshot skips it): {e}"
        ))),
    }
}

/// Writes `db`, the schema read before the run, as a script when
/// `opts.snapshot_dir` is set: only what `statements` may touch.
pub fn write_snapshot(
    db: &Database,
    opts: &Options,
    statements: &[&str],
    report: &mut Report,
) -> Result<(), RunnerError> {
    if let Some(dir) = &opts.snapshot_dir {
        let script = render(db, &touched(db, statements), report).map_err(|e| {
            RunnerError::Database(format!(
                "cannot render the snapshot before the run (nothing ran; --no-snapshot skips it): {e}"
            ))
        })?;
        let file = format!("{}_{}.sql", timestamp(), report.correlation_id);
        let path = write(dir, &file, &script, &mut report.warnings)?;
        tracing::info!(path = %path.display(), "schema snapshot written");
        report.snapshot = Some(path.display().to_string());
    }
    Ok(())
}

/// Reads the schema after the run and records what changed. Never fails
/// the run: on a lost connection it tries a new one, then only warns.
pub fn after<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    before: &Database,
    report: &mut Report,
) {
    // Compared only, by equality (`diff::listed`): no dependencies.
    let now = inspect(locked.conn(), url, opts, false).or_else(|_| {
        let mut c = session::connect(url, opts)?;
        inspect(&mut c, url, opts, false)
    });
    match now.map(|after| changes(before, &after)) {
        Ok(c) => report.schema_changes = Some(c),
        Err(e) => report
            .warnings
            .push(format!("no before/after schema difference: {e}")),
    }
}

/// What differs between two introspected schemas, object by object.
pub fn changes(before: &Database, after: &Database) -> Vec<SchemaChange> {
    crate::diff::listed(before, after)
        .into_iter()
        .map(|l| SchemaChange {
            summary: l.summary(),
            action: l.action,
            id: l.id,
        })
        .collect()
}

/// The existing tables, views, sequences and functions the statements
/// name, as model keys: what a restore after this run would look at first.
pub fn touched(db: &Database, statements: &[&str]) -> Vec<String> {
    // Parsing every statement was most of a snapshot's cost on a create
    // script (1 813 statements: 35 ms of a 1.4 s run); one that holds no
    // word of an existing object's name cannot name it. The schema (up to
    // the first dot) and a function's arguments are left out: every
    // statement says `public`, `integer` or `text`.
    let known: std::collections::HashSet<String> = db
        .tables
        .keys()
        .chain(db.views.keys())
        .chain(db.sequences.keys())
        .chain(db.functions.keys())
        .flat_map(|key| {
            let key = key.split('(').next().unwrap_or(key);
            folded_words(key.split_once('.').map_or(key, |(_, name)| name))
        })
        .collect();
    let mut names = std::collections::BTreeSet::new();
    for sql in statements {
        if !sql.contains('"') && !names_a_word(sql, &known) {
            continue;
        }
        let Ok(refs) = crate::sql::refs::refs_in_statement(sql) else {
            continue;
        };
        let mut all: Vec<_> = refs.relations.into_iter().collect();
        all.extend(refs.functions);
        all.extend(refs.dropped);
        for r in all {
            let schema = r.schema.as_deref().unwrap_or("public");
            let key = crate::model::QualifiedName::new(schema, &r.name).to_string();
            if db.tables.contains_key(&key)
                || db.views.contains_key(&key)
                || db.sequences.contains_key(&key)
            {
                names.insert(key.clone());
            }
            let prefix = format!("{key}(");
            names.extend(
                db.functions
                    .keys()
                    .filter(|k| k.starts_with(&prefix))
                    .cloned(),
            );
        }
    }
    names.into_iter().collect()
}

/// Whether a word of `sql`, folded, is in `known`; one buffer for the
/// folding (a string per word was most of this on a create script).
fn names_a_word(sql: &str, known: &std::collections::HashSet<String>) -> bool {
    let mut folded = String::new();
    crate::diff::words::words(sql).any(|w| {
        folded.clear();
        folded.extend(w.chars().map(|c| c.to_ascii_lowercase()));
        known.contains(&folded)
    })
}

/// The identifier-like words of `text` (`diff::words`), ASCII letters
/// lowered as PostgreSQL folds an unquoted name. A quoted name keeps its
/// case, so a statement with a `"` is always parsed.
fn folded_words(text: &str) -> impl Iterator<Item = String> + '_ {
    crate::diff::words::words(text).map(str::to_ascii_lowercase)
}

fn render(db: &Database, touched: &[String], report: &Report) -> Result<String, plan::PlanError> {
    let mut out = format!(
        "-- reconcile schema snapshot, taken before {} (correlation id {})\n\
         -- database: {}\n\
         -- Rendered from introspection. To restore the schema (not the data),\n\
         -- run it on an empty database: psql -v ON_ERROR_STOP=1 -f <this file>\n",
        report.operation, report.correlation_id, report.database
    );
    if touched.is_empty() {
        out.push_str(
            "-- objects this run touches: none found by name (see the whole schema below)\n",
        );
    } else {
        out.push_str(
            "-- objects this run touches (their DDL is below, with the rest of the schema):\n",
        );
        for t in touched {
            out.push_str(&format!("--   {t}\n"));
        }
    }
    for u in &db.unmanaged {
        out.push_str(&format!(
            "-- not captured (unmanaged): {} {}\n",
            u.kind, u.name
        ));
    }
    out.push('\n');
    out.push_str(&plan::create_script(db)?);
    Ok(out)
}

/// Writes under `dir`, or under the system temp dir when `dir` is not
/// writable (a read-only checkout must not block an emergency fix).
fn write(
    dir: &Path,
    file: &str,
    text: &str,
    warnings: &mut Vec<String>,
) -> Result<PathBuf, RunnerError> {
    let attempt = |d: &Path| -> Result<PathBuf, String> {
        std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        let path = d.join(file);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    };
    match attempt(dir) {
        Ok(p) => Ok(p),
        Err(first) => {
            let fallback = std::env::temp_dir().join("reconcile-snapshots");
            let p = attempt(&fallback).map_err(|second| {
                RunnerError::Database(format!(
                    "cannot write the snapshot (nothing ran; --no-snapshot skips it): {first}; {second}"
                ))
            })?;
            warnings.push(format!(
                "snapshot directory not writable ({first}); wrote {}",
                p.display()
            ));
            Ok(p)
        }
    }
}

/// `YYYYMMDDTHHMMSSZ`, UTC.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format_utc(secs)
}

fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Text lines of the report's schema changes.
pub fn render_changes(changes: &[SchemaChange]) -> String {
    if changes.is_empty() {
        return "schema changes (from introspection): none\n".into();
    }
    let mut out = format!("schema changes (from introspection): {}\n", changes.len());
    for c in changes {
        out.push_str(&format!("  {}\n", c.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_objects_are_the_existing_ones_named() {
        let db: Database = serde_yaml_like(
            "tables:\n  public.a: {columns: {id: int}}\n  app.b: {columns: {id: int}}\n  public.c: {columns: {id: int}}\n",
        );
        let got = touched(
            &db,
            &[
                "ALTER TABLE a ADD COLUMN x int",
                "DROP TABLE app.b, public.nope",
                "CREATE TABLE public.new (id int)",
                "SELECT now()",
            ],
        );
        assert_eq!(got, vec!["app.b".to_string(), "public.a".to_string()]);
    }

    /// Statements are parsed only when they hold a word of an existing
    /// name; folded, quoted and buried names are still found.
    #[test]
    fn touched_names_are_found_however_they_are_written() {
        let db: Database = serde_yaml_like(
            "tables:\n  public.a: {columns: {id: int}}\n  app.b: {columns: {id: int}}\n  \
             public.\"Mixed\": {columns: {id: int}}\n  public.c: {columns: {id: int}}\n\
             views:\n  public.v: {definition: 'SELECT 1 AS x'}\n",
        );
        let got = touched(
            &db,
            &[
                "ALTER TABLE PUBLIC.A ADD COLUMN x int",
                "DROP VIEW \"v\"",
                "ALTER TABLE \"Mixed\" ADD COLUMN y int",
                "CREATE VIEW public.w AS SELECT id FROM app.b",
                "CREATE TABLE public.new (id int)",
                "CREATE INDEX ON public.new (id)",
            ],
        );
        let want = ["app.b", "public.Mixed", "public.a", "public.v"];
        assert_eq!(got, want.map(String::from).to_vec());
        assert_eq!(
            folded_words("ALTER TABLE Ünï.\"X y\"(a$1)").collect::<Vec<_>>(),
            ["alter", "table", "Ünï", "x", "y", "a$1"]
        );
    }

    fn serde_yaml_like(text: &str) -> Database {
        crate::model::load::load_str(text, "test.yaml").expect("model")
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(format_utc(0), "19700101T000000Z");
        assert_eq!(format_utc(951_782_400), "20000229T000000Z");
        assert_eq!(format_utc(1_795_003_723), "20261118T120843Z");
    }
}

//! The runner's own tables in the bookkeeping schema, versioned with
//! diesel_migrations' embedded migrations.

use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::RunnerError;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("src/migrations/runner/bookkeeping");

/// `"schema"`, quoted for SQL text.
pub fn quote(schema: &str) -> String {
    format!("\"{}\"", schema.replace('"', "\"\""))
}

fn db(what: &'static str) -> impl Fn(diesel::result::Error) -> RunnerError {
    move |e| RunnerError::Database(format!("{what}: {e}"))
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    value: bool,
}

/// Creates or upgrades the bookkeeping tables. Call with the advisory lock
/// held: diesel's harness takes no lock of its own.
pub fn ensure(conn: &mut PgConnection, schema: &str) -> Result<(), RunnerError> {
    diesel::sql_query(format!("CREATE SCHEMA IF NOT EXISTS {}", quote(schema)))
        .execute(conn)
        .map_err(db("create the bookkeeping schema"))?;
    let saved: Vec<One> = diesel::sql_query("SELECT current_setting('search_path') AS value")
        .load(conn)
        .map_err(db("read search_path"))?;
    let saved = saved
        .into_iter()
        .next()
        .map(|r| r.value)
        .unwrap_or_default();
    // diesel's tracking table is unqualified: pin it into our schema.
    set_search_path(conn, &quote(schema))?;
    let ran = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| RunnerError::Database(format!("bookkeeping migrations: {e}")));
    let restored = set_search_path(conn, &saved);
    let ran = ran?;
    restored?;
    if ran > 0 {
        tracing::info!(
            schema,
            migrations = ran,
            "bookkeeping tables created or upgraded"
        );
    }
    Ok(())
}

fn set_search_path(conn: &mut PgConnection, path: &str) -> Result<(), RunnerError> {
    diesel::sql_query("SELECT set_config('search_path', $1, false)")
        .bind::<Text, _>(path)
        .execute(conn)
        .map(|_| ())
        .map_err(db("set search_path"))
}

/// Whether the bookkeeping tables exist (read-only commands must not create them).
pub fn exists(conn: &mut PgConnection, schema: &str) -> Result<bool, RunnerError> {
    let rows: Vec<Flag> = diesel::sql_query(
        "SELECT to_regclass(format('%I.%I', $1::text, 'schema_migrations')) IS NOT NULL AS value",
    )
    .bind::<Text, _>(schema)
    .load(conn)
    .map_err(db("look for the bookkeeping tables"))?;
    Ok(rows.first().map(|r| r.value).unwrap_or(false))
}

/// A row of `schema_migrations`.
#[derive(Debug, Clone, QueryableByName)]
pub struct Applied {
    #[diesel(sql_type = Text)]
    pub migration_name: String,
    #[diesel(sql_type = Text)]
    pub checksum: String,
    #[diesel(sql_type = Text)]
    pub applied_at: String,
}

pub fn applied(conn: &mut PgConnection, schema: &str) -> Result<Vec<Applied>, RunnerError> {
    diesel::sql_query(format!(
        "SELECT migration_name, checksum, applied_at::text AS applied_at \
           FROM {}.schema_migrations ORDER BY migration_name",
        quote(schema)
    ))
    .load(conn)
    .map_err(db("read schema_migrations"))
}

/// The newest audit row of each migration name.
#[derive(Debug, Clone, QueryableByName)]
pub struct LastAudit {
    #[diesel(sql_type = Text)]
    pub migration_name: String,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub error_message: Option<String>,
}

pub fn last_audit(conn: &mut PgConnection, schema: &str) -> Result<Vec<LastAudit>, RunnerError> {
    diesel::sql_query(format!(
        "SELECT DISTINCT ON (migration_name) migration_name, status, error_message \
           FROM {}.migration_audit ORDER BY migration_name, id DESC",
        quote(schema)
    ))
    .load(conn)
    .map_err(db("read migration_audit"))
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Opens an audit row; returns its id.
pub fn start_audit(
    conn: &mut PgConnection,
    schema: &str,
    name: &str,
    checksum: Option<&str>,
    status: &str,
    correlation_id: &str,
) -> Result<i64, RunnerError> {
    let rows: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO {}.migration_audit (migration_name, checksum, status, correlation_id) \
         VALUES ($1, $2, $3, $4) RETURNING id",
        quote(schema)
    ))
    .bind::<Text, _>(name)
    .bind::<Nullable<Text>, _>(checksum)
    .bind::<Text, _>(status)
    .bind::<Text, _>(correlation_id)
    .load(conn)
    .map_err(db("write migration_audit"))?;
    rows.first()
        .map(|r| r.id)
        .ok_or_else(|| RunnerError::Database("migration_audit returned no id".into()))
}

/// Updates an audit row; `finished` stamps finished_at.
pub fn update_audit(
    conn: &mut PgConnection,
    schema: &str,
    id: i64,
    status: &str,
    error: Option<&str>,
    rows_json: &str,
    finished: bool,
) -> Result<(), RunnerError> {
    diesel::sql_query(format!(
        "UPDATE {}.migration_audit SET status = $2, error_message = $3, rows_affected_json = $4::jsonb, \
         finished_at = CASE WHEN $5 THEN clock_timestamp() END WHERE id = $1",
        quote(schema)
    ))
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(status)
    .bind::<Nullable<Text>, _>(error)
    .bind::<Text, _>(rows_json)
    .bind::<Bool, _>(finished)
    .execute(conn)
    .map(|_| ())
    .map_err(db("update migration_audit"))
}

/// Records a migration as applied, with the SQL that undoes it.
pub fn record(
    conn: &mut PgConnection,
    schema: &str,
    name: &str,
    checksum: &str,
    down_sql: &str,
) -> Result<(), RunnerError> {
    diesel::sql_query(format!(
        "INSERT INTO {}.schema_migrations (migration_name, checksum) VALUES ($1, $2)",
        quote(schema)
    ))
    .bind::<Text, _>(name)
    .bind::<Text, _>(checksum)
    .execute(conn)
    .map_err(db("write schema_migrations"))?;
    diesel::sql_query(format!(
        "INSERT INTO {}.down_migrations (migration_name, sql) VALUES ($1, $2) \
         ON CONFLICT (migration_name) DO UPDATE SET sql = EXCLUDED.sql",
        quote(schema)
    ))
    .bind::<Text, _>(name)
    .bind::<Text, _>(down_sql)
    .execute(conn)
    .map(|_| ())
    .map_err(db("write down_migrations"))
}

/// Removes a migration's rows after it was reverted.
pub fn forget(conn: &mut PgConnection, schema: &str, name: &str) -> Result<(), RunnerError> {
    for table in ["schema_migrations", "down_migrations"] {
        diesel::sql_query(format!(
            "DELETE FROM {}.{table} WHERE migration_name = $1",
            quote(schema)
        ))
        .bind::<Text, _>(name)
        .execute(conn)
        .map_err(db("delete bookkeeping rows"))?;
    }
    Ok(())
}

/// A stored down migration.
#[derive(Debug, Clone, QueryableByName)]
pub struct Down {
    #[diesel(sql_type = Text)]
    pub migration_name: String,
    #[diesel(sql_type = Text)]
    pub checksum: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub sql: Option<String>,
}

/// Applied migrations, newest first, with their stored down SQL.
pub fn downs(conn: &mut PgConnection, schema: &str) -> Result<Vec<Down>, RunnerError> {
    diesel::sql_query(format!(
        "SELECT m.migration_name, m.checksum, d.sql FROM {0}.schema_migrations m \
           LEFT JOIN {0}.down_migrations d USING (migration_name) ORDER BY m.migration_name DESC",
        quote(schema)
    ))
    .load(conn)
    .map_err(db("read down_migrations"))
}

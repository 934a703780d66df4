//! The runner's own tables in the bookkeeping schema, versioned with
//! diesel_migrations' embedded migrations.

use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::RunnerError;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("src/runner/bookkeeping");

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

/// Creates or upgrades the bookkeeping tables and checks that they are kept
/// under `lock_key` (recording it the first time). Call with the advisory
/// lock held. Runs under a second lock of its own, the same whatever the
/// key, so that two runs given different keys never create the tables at
/// once; the second then finds the first one's key and is refused.
pub fn ensure(conn: &mut PgConnection, schema: &str, lock_key: i64) -> Result<(), RunnerError> {
    diesel::sql_query("SELECT pg_advisory_lock($1, hashtext($2))")
        .bind::<Integer, _>(BOOKKEEPING_LOCK)
        .bind::<Text, _>(schema)
        .execute(conn)
        .map_err(db("lock the bookkeeping"))?;
    let made = create(conn, schema).and_then(|()| keep_key(conn, schema, lock_key));
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1, hashtext($2))")
        .bind::<Integer, _>(BOOKKEEPING_LOCK)
        .bind::<Text, _>(schema)
        .execute(conn)
        .map_err(db("unlock the bookkeeping"));
    made?;
    unlocked.map(|_| ())
}

/// The first half of the two-key advisory lock around `ensure`: a
/// two-key lock never collides with a runner's one-key lock.
const BOOKKEEPING_LOCK: i32 = 914215;

fn create(conn: &mut PgConnection, schema: &str) -> Result<(), RunnerError> {
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

/// Records `lock_key` as the bookkeeping's key if none is, and refuses a
/// different one.
fn keep_key(conn: &mut PgConnection, schema: &str, lock_key: i64) -> Result<(), RunnerError> {
    diesel::sql_query(format!(
        "INSERT INTO {}.runner (lock_key) VALUES ($1) ON CONFLICT DO NOTHING",
        quote(schema)
    ))
    .bind::<BigInt, _>(lock_key)
    .execute(conn)
    .map_err(db("record the lock key"))?;
    check_key(conn, schema, lock_key)
}

/// The lock key the bookkeeping in `schema` is kept under; None before a
/// run recorded one (or with tables older than the record).
pub fn stored_key(conn: &mut PgConnection, schema: &str) -> Result<Option<i64>, RunnerError> {
    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Nullable<BigInt>)]
        key: Option<i64>,
    }
    let table = format!("{}.runner", quote(schema));
    let exists: Vec<Flag> = diesel::sql_query("SELECT to_regclass($1) IS NOT NULL AS value")
        .bind::<Text, _>(&table)
        .load(conn)
        .map_err(db("look for the lock key"))?;
    if !exists.first().is_some_and(|f| f.value) {
        return Ok(None);
    }
    let rows: Vec<Key> = diesel::sql_query(format!("SELECT lock_key AS key FROM {table}"))
        .load(conn)
        .map_err(db("read the lock key"))?;
    Ok(rows.into_iter().next().and_then(|k| k.key))
}

/// Refuses a run whose lock key is not the one the bookkeeping is kept
/// under: two keys on one database would let two runs write at once.
pub fn check_key(conn: &mut PgConnection, schema: &str, lock_key: i64) -> Result<(), RunnerError> {
    match stored_key(conn, schema)? {
        Some(kept) if kept != lock_key => Err(RunnerError::Refused(format!(
            "the bookkeeping in schema {schema} is kept under advisory lock key {kept}, \
             but this run uses --lock-key {lock_key}: two keys on one database would let two runs \
             write at once; use --lock-key {kept}"
        ))),
        _ => Ok(()),
    }
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

/// How a migration came to be recorded as applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recorded {
    /// Its statements ran here.
    Applied,
    /// Recorded without running (baseline or import `--mark-applied`) on a
    /// database that already had its objects: they predate it.
    Adopted,
    /// Recorded by `reconcile mark --applied`: an operator ran it by hand.
    Marked,
}

impl Recorded {
    pub fn word(self) -> &'static str {
        match self {
            Recorded::Applied => "applied",
            Recorded::Adopted => "adopted",
            Recorded::Marked => "marked",
        }
    }

    fn from_word(w: &str) -> Recorded {
        match w {
            "adopted" => Recorded::Adopted,
            "marked" => Recorded::Marked,
            _ => Recorded::Applied,
        }
    }
}

/// A row of `schema_migrations`.
#[derive(Debug, Clone)]
pub struct Applied {
    pub migration_name: String,
    pub checksum: String,
    pub applied_at: String,
    pub recorded_as: Recorded,
}

#[derive(QueryableByName)]
struct AppliedRow {
    #[diesel(sql_type = Text)]
    migration_name: String,
    #[diesel(sql_type = Text)]
    checksum: String,
    #[diesel(sql_type = Text)]
    applied_at: String,
    #[diesel(sql_type = Nullable<Text>)]
    recorded_as: Option<String>,
}

// Columns added by a later bookkeeping migration are read through
// `to_jsonb(row)`, so that read-only commands work on tables a run has
// not upgraded yet.
/// `recorded_as` of row `m` of `schema_migrations`; before the column
/// existed, only baseline and import recorded without running.
fn recorded_as(schema: &str) -> String {
    format!(
        "COALESCE(to_jsonb(m) ->> 'recorded_as', \
         (SELECT CASE a.status WHEN 'marked_applied' THEN 'adopted' ELSE 'applied' END \
            FROM {}.migration_audit a WHERE a.migration_name = m.migration_name \
             AND a.status IN ('applied', 'marked_applied') ORDER BY a.id DESC LIMIT 1))",
        quote(schema)
    )
}

pub fn applied(conn: &mut PgConnection, schema: &str) -> Result<Vec<Applied>, RunnerError> {
    let rows: Vec<AppliedRow> = diesel::sql_query(format!(
        "SELECT migration_name, checksum, applied_at::text AS applied_at, \
                {} AS recorded_as \
           FROM {}.schema_migrations m ORDER BY migration_name",
        recorded_as(schema),
        quote(schema)
    ))
    .load(conn)
    .map_err(db("read schema_migrations"))?;
    Ok(rows
        .into_iter()
        .map(|r| Applied {
            migration_name: r.migration_name,
            checksum: r.checksum,
            applied_at: r.applied_at,
            recorded_as: Recorded::from_word(r.recorded_as.as_deref().unwrap_or("")),
        })
        .collect())
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
    #[diesel(sql_type = Text)]
    pub started_at: String,
    /// The backend that wrote it, when the tables record it.
    #[diesel(sql_type = Nullable<Integer>)]
    pub backend_pid: Option<i32>,
    /// Whether that backend is still the one running (same pid, same start).
    #[diesel(sql_type = Bool)]
    pub alive: bool,
}

pub fn last_audit(conn: &mut PgConnection, schema: &str) -> Result<Vec<LastAudit>, RunnerError> {
    // Whether the writer lives is asked of the newest rows only.
    diesel::sql_query(format!(
        "SELECT migration_name, status, error_message, started_at::text AS started_at, \
                (to_jsonb(a) ->> 'backend_pid')::int AS backend_pid, {ALIVE} AS alive \
           FROM (SELECT DISTINCT ON (migration_name) * FROM {}.migration_audit \
                  ORDER BY migration_name, id DESC) a ORDER BY migration_name",
        quote(schema)
    ))
    .load(conn)
    .map_err(db("read migration_audit"))
}

/// Whether the backend that wrote audit row `a` still runs: the same pid
/// started at the same time (a pid is reused; another role's start time
/// may be hidden from us, and then the pid alone says it).
const ALIVE: &str = "EXISTS (SELECT 1 FROM pg_stat_activity s \
     WHERE s.pid = (to_jsonb(a) ->> 'backend_pid')::int \
       AND (s.backend_start IS NULL OR (to_jsonb(a) ->> 'backend_start') IS NULL \
            OR s.backend_start = (to_jsonb(a) ->> 'backend_start')::timestamptz))";

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Who writes an audit row, beside what the server knows (role, client
/// address, backend): the tool's version and the host it runs on.
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub name: &'a str,
    pub checksum: Option<&'a str>,
    pub status: &'a str,
    pub correlation_id: &'a str,
    /// Why, for `mark`.
    pub reason: Option<&'a str>,
}

/// Opens an audit row; returns its id.
pub fn start_audit(
    conn: &mut PgConnection,
    schema: &str,
    audit: &Audit,
) -> Result<i64, RunnerError> {
    let rows: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO {}.migration_audit (migration_name, checksum, status, correlation_id, reason, \
                role, client_addr, client_host, tool_version, application_name, backend_pid, backend_start) \
         SELECT $1, $2, $3, $4, $5, current_user, inet_client_addr()::text, $6, $7, \
                current_setting('application_name'), pg_backend_pid(), \
                (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) \
         RETURNING id",
        quote(schema)
    ))
    .bind::<Text, _>(audit.name)
    .bind::<Nullable<Text>, _>(audit.checksum)
    .bind::<Text, _>(audit.status)
    .bind::<Text, _>(audit.correlation_id)
    .bind::<Nullable<Text>, _>(audit.reason)
    .bind::<Nullable<Text>, _>(super::session::host_name())
    .bind::<Text, _>(super::TOOL_VERSION)
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

/// Closes the audit rows a run that died left `running` or `reverting`
/// (its backend is gone): they become `interrupted`. Call with the lock
/// held. Returns the migrations they name.
pub fn close_interrupted(
    conn: &mut PgConnection,
    schema: &str,
) -> Result<Vec<String>, RunnerError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        migration_name: String,
    }
    let rows: Vec<Name> = diesel::sql_query(format!(
        "UPDATE {}.migration_audit a SET status = 'interrupted', finished_at = clock_timestamp(), \
                error_message = concat_ws('; ', error_message, \
                  'interrupted: the run ' || CASE WHEN a.status = 'running' THEN 'applying' ELSE 'reverting' END \
                  || ' it ended (its connection is gone) before recording a result') \
          WHERE a.status IN ('running', 'reverting') AND a.finished_at IS NULL AND NOT {ALIVE} \
         RETURNING a.migration_name",
        quote(schema)
    ))
    .load(conn)
    .map_err(db("close interrupted audit rows"))?;
    Ok(rows.into_iter().map(|r| r.migration_name).collect())
}

/// Records a migration as applied, with the SQL that undoes it.
pub fn record(
    conn: &mut PgConnection,
    schema: &str,
    name: &str,
    checksum: &str,
    down_sql: &str,
    recorded_as: Recorded,
) -> Result<(), RunnerError> {
    diesel::sql_query(format!(
        "INSERT INTO {}.schema_migrations (migration_name, checksum, recorded_as) VALUES ($1, $2, $3)",
        quote(schema)
    ))
    .bind::<Text, _>(name)
    .bind::<Text, _>(checksum)
    .bind::<Text, _>(recorded_as.word())
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
    #[diesel(sql_type = Nullable<Text>)]
    recorded_as: Option<String>,
}

impl Down {
    pub fn recorded_as(&self) -> Recorded {
        Recorded::from_word(self.recorded_as.as_deref().unwrap_or(""))
    }
}

/// Applied migrations, newest first, with their stored down SQL.
pub fn downs(conn: &mut PgConnection, schema: &str) -> Result<Vec<Down>, RunnerError> {
    diesel::sql_query(format!(
        "SELECT m.migration_name, m.checksum, d.sql, {1} AS recorded_as \
           FROM {0}.schema_migrations m \
           LEFT JOIN {0}.down_migrations d USING (migration_name) ORDER BY m.migration_name DESC",
        quote(schema),
        recorded_as(schema)
    ))
    .load(conn)
    .map_err(db("read down_migrations"))
}

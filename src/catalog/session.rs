//! One introspection run: the connection with `search_path = ''` and JIT
//! off, the selected schemas, the current user, and a query counter.

use std::any::Any;
use std::collections::HashMap;

use diesel::connection::DefaultLoadingMode;
use diesel::pg::Pg;
use diesel::pg::PgRowByRowLoadingMode;
use diesel::query_dsl::RunQueryDsl;
use diesel::sql_types::{Array, Int4, Nullable, Text};
use diesel::{PgConnection, QueryableByName};

use super::CatalogError;
use crate::model::{PgVersion, QualifiedName};

/// Counters of one inspect run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InspectStats {
    /// Statements sent to the server, setup and restore included.
    pub queries: usize,
}

pub struct Session<'a> {
    conn: &'a mut PgConnection,
    saved_search_path: String,
    saved_jit: String,
    pub stats: InspectStats,
    /// Selected schemas; every query after the first is limited to them.
    pub schemas: Vec<String>,
    /// Schemas not read whose tables are someone else's: the policies on
    /// them are read too (see `supabase`).
    pub attach: Vec<String>,
    /// `current_user`: owners equal to it are left out.
    pub me: String,
    /// The server's version: each query is written for it.
    pub version: PgVersion,
    /// Rows read ahead on another connection, by query name (`ahead`).
    pub prefetched: Prefetched,
    /// Keep each query's rows in `prefetched` and hand the reader none:
    /// the reading-ahead connection runs the readers only for their queries.
    pub recording: bool,
    /// Rows that could not be read (a value the reader did not expect,
    /// such as a NULL), as `<query>: <error>`: each is left out and
    /// reported, never fatal to the rest of the reading.
    pub unreadable: Vec<String>,
    /// A Supabase database (see `supabase`): set by the schema query.
    pub supabase: bool,
}

/// Rows under this name in `prefetched`: the unreadable rows of the
/// reading-ahead connection.
pub const UNREADABLE: &str = "unreadable rows";

/// The rows of a query, each one that fails to read set aside in
/// `unreadable`; an error of the query itself ends the reading.
fn rows_of<T>(
    what: &'static str,
    rows: impl Iterator<Item = diesel::QueryResult<T>>,
    unreadable: &mut Vec<String>,
    mut f: impl FnMut(T),
) -> Result<usize, CatalogError> {
    let mut n = 0;
    for row in rows {
        match row {
            Ok(r) => {
                f(r);
                n += 1;
            }
            Err(diesel::result::Error::DeserializationError(e)) => {
                tracing::warn!(query = what, error = %e, "a catalog row could not be read; left out");
                unreadable.push(format!("{what}: {e}"));
            }
            Err(source) => return Err(CatalogError::Query { what, source }),
        }
    }
    Ok(n)
}

/// Rows of queries by name, typed as their reader reads them.
pub type Prefetched = HashMap<&'static str, Box<dyn Any + Send>>;

#[derive(QueryableByName)]
struct Start {
    #[diesel(sql_type = Text)]
    me: String,
    #[diesel(sql_type = Text)]
    search_path: String,
    #[diesel(sql_type = Text)]
    jit: String,
    #[diesel(sql_type = Int4)]
    version: i32,
}

impl<'a> Session<'a> {
    /// Saves the search_path and empties it, so that every type and
    /// expression PostgreSQL deparses comes out schema-qualified. Also turns
    /// JIT off: the catalog queries are big enough to trigger it, and at
    /// 10 000 tables compiling the unmanaged-objects query alone took 2.6 s
    /// of its 2.9 s. Refuses a server older than the oldest supported major
    /// before anything else runs.
    pub fn open(conn: &'a mut PgConnection) -> Result<Self, CatalogError> {
        let start: Vec<Start> = diesel::sql_query(
            "SELECT current_user::text AS me, current_setting('search_path') AS search_path,
                    current_setting('jit') AS jit,
                    current_setting('server_version_num')::int4 AS version",
        )
        .load(conn)
        .map_err(|source| CatalogError::Query {
            what: "session",
            source,
        })?;
        let start = start
            .into_iter()
            .next()
            .ok_or_else(|| CatalogError::Invalid("no current_user".into()))?;
        let version = PgVersion(start.version.max(0) as u32);
        if !version.supported() {
            return Err(CatalogError::Unsupported(version));
        }
        if version.untested() {
            tracing::warn!(%version, "newer than any PostgreSQL reconcile was tested on; reading it as {}", crate::model::version::NEWEST_MAJOR);
        }
        let mut s = Session {
            conn,
            saved_search_path: start.search_path,
            saved_jit: start.jit,
            stats: InspectStats { queries: 1 },
            schemas: Vec::new(),
            attach: Vec::new(),
            me: start.me,
            version,
            prefetched: Prefetched::new(),
            recording: false,
            unreadable: Vec::new(),
            supabase: false,
        };
        s.execute(
            "search_path",
            "SELECT set_config('search_path', '', false), set_config('jit', 'off', false)",
        )?;
        Ok(s)
    }

    /// Restores the search_path and JIT setting.
    pub fn close(mut self) -> Result<InspectStats, CatalogError> {
        let path = self.saved_search_path.clone();
        let jit = self.saved_jit.clone();
        self.stats.queries += 1;
        diesel::sql_query(
            "SELECT set_config('search_path', $1, false), set_config('jit', $2, false)",
        )
        .bind::<Text, _>(path)
        .bind::<Text, _>(jit)
        .execute(self.conn)
        .map_err(|source| CatalogError::Query {
            what: "search_path",
            source,
        })?;
        Ok(self.stats)
    }

    pub fn execute(&mut self, what: &'static str, sql: &str) -> Result<(), CatalogError> {
        self.stats.queries += 1;
        diesel::sql_query(sql)
            .execute(self.conn)
            .map(|_| ())
            .map_err(|source| CatalogError::Query { what, source })
    }

    /// Starts a read-only repeatable-read transaction and exports its
    /// snapshot, so that a second connection reads the same catalog.
    pub fn share_snapshot(&mut self) -> Result<String, CatalogError> {
        #[derive(QueryableByName)]
        struct Snapshot {
            #[diesel(sql_type = Text)]
            id: String,
        }
        self.execute(
            "snapshot",
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?;
        self.stats.queries += 1;
        let rows: Vec<Snapshot> = diesel::sql_query("SELECT pg_export_snapshot() AS id")
            .load(self.conn)
            .map_err(|source| CatalogError::Query {
                what: "snapshot",
                source,
            })?;
        rows.into_iter()
            .next()
            .map(|r| r.id)
            .ok_or_else(|| CatalogError::Invalid("no snapshot".into()))
    }

    /// What was read ahead under `what`, if it is a `T`.
    pub fn take_prefetched<T: 'static>(&mut self, what: &str) -> Option<T> {
        let found = self.prefetched.remove(what)?;
        found.downcast::<T>().ok().map(|b| *b)
    }

    /// Runs a query whose `$1` is the list of selected schemas.
    pub fn load<T>(&mut self, what: &'static str, sql: &str) -> Result<Vec<T>, CatalogError>
    where
        T: QueryableByName<Pg> + Send + 'static,
    {
        if let Some(rows) = self.take_prefetched::<Vec<T>>(what) {
            return Ok(rows);
        }
        let rows = self.fetch(what, sql)?;
        if self.recording {
            self.prefetched.insert(what, Box::new(rows));
            return Ok(Vec::new());
        }
        Ok(rows)
    }

    fn fetch<T>(&mut self, what: &'static str, sql: &str) -> Result<Vec<T>, CatalogError>
    where
        T: QueryableByName<Pg> + 'static,
    {
        self.stats.queries += 1;
        let schemas = self.schemas.clone();
        let started = std::time::Instant::now();
        let iter = diesel::sql_query(sql)
            .bind::<Array<Text>, _>(schemas)
            .load_iter::<T, DefaultLoadingMode>(self.conn)
            .map_err(|source| CatalogError::Query { what, source })?;
        let mut rows = Vec::new();
        rows_of(what, iter, &mut self.unreadable, |r| rows.push(r))?;
        timed(what, rows.len(), started);
        Ok(rows)
    }

    /// Runs a query and hands its rows to `f` one at a time, for a query
    /// whose rows are many times the size of what is made of them: they
    /// are never all held, as Rust values or as the server's reply (libpq's
    /// single-row mode), nor read ahead.
    pub fn each<T>(
        &mut self,
        what: &'static str,
        sql: &str,
        f: impl FnMut(T),
    ) -> Result<(), CatalogError>
    where
        T: QueryableByName<Pg> + 'static,
    {
        self.stats.queries += 1;
        let schemas = self.schemas.clone();
        let started = std::time::Instant::now();
        let rows = diesel::sql_query(sql)
            .bind::<Array<Text>, _>(schemas)
            .load_iter::<T, PgRowByRowLoadingMode>(self.conn)
            .map_err(|source| CatalogError::Query { what, source })?;
        let n = rows_of(what, rows, &mut self.unreadable, f)?;
        timed(what, n, started);
        Ok(())
    }

    /// Runs a query whose `$1` is an optional list of names (the schema
    /// selection itself).
    pub fn load_filtered<T>(
        &mut self,
        what: &'static str,
        sql: &str,
        filter: Option<Vec<String>>,
    ) -> Result<Vec<T>, CatalogError>
    where
        T: QueryableByName<Pg> + 'static,
    {
        self.stats.queries += 1;
        let started = std::time::Instant::now();
        let iter = diesel::sql_query(sql)
            .bind::<Nullable<Array<Text>>, _>(filter)
            .load_iter::<T, DefaultLoadingMode>(self.conn)
            .map_err(|source| CatalogError::Query { what, source })?;
        let mut rows = Vec::new();
        rows_of(what, iter, &mut self.unreadable, |r| rows.push(r))?;
        timed(what, rows.len(), started);
        Ok(rows)
    }

    /// Display form `schema.name` of an object key.
    pub fn key(schema: &str, name: &str) -> String {
        QualifiedName::new(schema, name).to_string()
    }

    /// An owner worth recording: `None` when it is the current user.
    pub fn owner(&self, owner: &str) -> Option<String> {
        (owner != self.me).then(|| owner.to_string())
    }
}

/// SQL: true when the object is neither a member of an extension nor an
/// implicit part of another object (a range type's constructors and casts,
/// array and multirange types): those are created with their owner. A
/// partitioned table's internal dependency on its own key columns does not
/// count.
pub fn not_ext(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{catalog}'::regclass \
         AND x.objid = {oid} AND (x.deptype = 'e' OR (x.deptype = 'i' \
         AND NOT (x.refclassid = x.classid AND x.refobjid = x.objid))))"
    )
}

/// SQL: true when the object is not a member of an extension (implicit
/// parts, such as identity sequences, are kept).
pub fn not_extension_member(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{catalog}'::regclass \
         AND x.objid = {oid} AND x.deptype = 'e')"
    )
}

/// `[schema, name]` from SQL -> `name` for pg_catalog, else `schema.name`.
pub fn qualified_unless_catalog(parts: &[String]) -> Option<String> {
    match parts {
        [schema, name] if schema == "pg_catalog" => Some(name.clone()),
        [schema, name] => Some(Session::key(schema, name)),
        _ => None,
    }
}

/// For profiling introspection: `RUST_LOG=reconcile::catalog=debug`.
fn timed(what: &str, rows: usize, started: std::time::Instant) {
    let ms = started.elapsed().as_millis() as u64;
    tracing::debug!(query = what, rows, ms, "catalog query");
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::Connection;

    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = Text)]
        name: String,
    }

    /// A row the reader cannot read is set aside and reported; the others
    /// are read. Needs the test server (`scripts/pg run`), like the
    /// integration tests; without one there is nothing to read.
    #[test]
    fn an_unreadable_row_is_reported_not_fatal() {
        let Ok(url) = std::env::var("RECONCILE_TEST_PG") else {
            return;
        };
        let mut conn = PgConnection::establish(&url).expect("connect");
        let mut s = Session::open(&mut conn).expect("open");
        let sql =
            "SELECT x AS name FROM (VALUES ('a'), (NULL), ('b')) v(x) WHERE $1::text[] IS NOT NULL";
        let rows: Vec<Named> = s.load("names", sql).expect("read");
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let mut seen = Vec::new();
        s.each("names again", sql, |r: Named| seen.push(r.name))
            .expect("read");
        assert_eq!(seen, ["a", "b"]);
        assert_eq!(s.unreadable.len(), 2, "{:?}", s.unreadable);
        assert!(s.unreadable[0].starts_with("names: "), "{:?}", s.unreadable);
        s.close().expect("close");
    }
}

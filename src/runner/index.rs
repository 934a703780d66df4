//! What an interrupted `CREATE INDEX CONCURRENTLY` leaves behind, and how
//! the next run gets past it without manual SQL.
//!
//! The build commits its catalog entry first, so when it stops (its backend
//! terminated, the server stopped) an INVALID index stays; when the runner
//! itself is killed, its backend goes on and may finish the index, VALID,
//! without the migration being recorded. Either way a plain rerun would
//! fail on "relation already exists". So before each such statement the
//! runner looks at the index of that name on that table: an INVALID one is
//! dropped and built again; a VALID one with exactly the statement's
//! definition is kept and the statement not run again.

use std::borrow::BorrowMut;

use diesel::sql_types::{BigInt, Bool, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use pg_query::protobuf::IndexStmt;
use pg_query::NodeEnum;

use super::session::{self, Locked};
use super::Options;

/// How the note on an existing index with another definition starts.
pub const DIFFERS: &str = "an index of that name already exists";

/// What to do before a statement.
pub enum Before {
    /// Run it (nothing of an earlier build is there, or it is not a
    /// concurrent index build).
    Build,
    /// Run it, after what the note says.
    Note(String),
    /// Do not run it: the note says why.
    Skip(String),
}

/// A concurrent index build: the index's name and its table as written.
struct Build {
    stmt: IndexStmt,
    table: String,
}

fn build_of(sql: &str) -> Option<Build> {
    let tree = pg_query::parse(sql, 0).ok()?;
    let raw = tree.protobuf.stmts.first()?;
    match raw.stmt.as_ref()?.node.as_ref()? {
        NodeEnum::IndexStmt(s) if s.concurrent && !s.idxname.is_empty() => {
            let r = s.relation.as_ref()?;
            let table = match r.schemaname.is_empty() {
                true => quote_ident(&r.relname),
                false => format!("{}.{}", quote_ident(&r.schemaname), quote_ident(&r.relname)),
            };
            Some(Build {
                stmt: (**s).clone(),
                table,
            })
        }
        _ => None,
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The index of the build's name on the build's table.
#[derive(QueryableByName)]
struct Found {
    /// Schema-qualified and quoted where needed.
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    valid: bool,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Text)]
    schema: String,
}

fn find(conn: &mut PgConnection, build: &Build) -> diesel::QueryResult<Option<Found>> {
    let rows: Vec<Found> = diesel::sql_query(
        "SELECT format('%I.%I', n.nspname, c.relname) AS name, i.indisvalid AS valid, \
                pg_get_indexdef(c.oid) AS def, n.nspname::text AS schema \
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE i.indrelid = to_regclass($1) AND c.relname = $2",
    )
    .bind::<Text, _>(&build.table)
    .bind::<Text, _>(&build.stmt.idxname)
    .load(conn)?;
    Ok(rows.into_iter().next())
}

fn drop_index(conn: &mut PgConnection, name: &str) -> diesel::QueryResult<()> {
    diesel::sql_query(format!("DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        .execute(conn)
        .map(|_| ())
}

/// Looks before a statement runs outside a transaction (see the module).
/// A lookup that fails leaves the statement to run and say what is wrong.
pub fn before_build(conn: &mut PgConnection, sql: &str) -> Before {
    let Some(build) = build_of(sql) else {
        return Before::Build;
    };
    let Ok(Some(found)) = find(conn, &build) else {
        return Before::Build;
    };
    if !found.valid {
        return match drop_index(conn, &found.name) {
            Ok(()) => Before::Note(format!(
                "dropped the INVALID index {} an interrupted build left, and built it again",
                found.name
            )),
            // The build then fails on "already exists", and says so.
            Err(e) => Before::Note(format!(
                "the INVALID index {} an interrupted build left could not be dropped: {e}",
                found.name
            )),
        };
    }
    if same_definition(&build.stmt, &found.def, &found.schema) {
        return Before::Skip(format!(
            "{} already exists, valid, with the planned definition (an interrupted run's build \
             finished after it): kept, not built again",
            found.name
        ));
    }
    Before::Note(format!("{DIFFERS}, with another definition: {}", found.def))
}

/// Whether `def` (`pg_get_indexdef`) builds what `stmt` does: the same
/// table, method, keys, options and predicate. Both are parsed and
/// printed again by PostgreSQL's parser, without what a finished index
/// does not say (CONCURRENTLY, IF NOT EXISTS, a schema left to the search
/// path, the default method).
fn same_definition(stmt: &IndexStmt, def: &str, schema: &str) -> bool {
    let Some(Build { stmt: existing, .. }) = pg_query::parse(def, 0)
        .ok()
        .and_then(|t| t.protobuf.stmts.into_iter().next())
        .and_then(|raw| raw.stmt)
        .and_then(|n| n.node)
        .and_then(|n| match n {
            NodeEnum::IndexStmt(s) => Some(Build {
                stmt: *s,
                table: String::new(),
            }),
            _ => None,
        })
    else {
        return false;
    };
    let printed = |s: &IndexStmt| {
        let mut s = s.clone();
        s.concurrent = false;
        s.if_not_exists = false;
        if s.access_method.is_empty() {
            s.access_method = "btree".into();
        }
        if let Some(r) = s.relation.as_mut() {
            if r.schemaname.is_empty() {
                r.schemaname = schema.to_string();
            }
            r.inh = true;
            r.location = 0;
        }
        NodeEnum::IndexStmt(Box::new(s))
            .deparse(Default::default())
            .ok()
    };
    match (printed(stmt), printed(&existing)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// After a statement outside a transaction failed: drops the INVALID index
/// a failed concurrent build left, on a new connection (under the lock) if
/// ours is gone. Returns what to add to the failure's message, and what
/// stays in the database.
pub fn after_failure<C: BorrowMut<PgConnection>>(
    locked: &mut Locked<C>,
    url: &str,
    opts: &Options,
    sql: &str,
    existed: bool,
) -> (Option<String>, Vec<String>) {
    let Some(build) = build_of(sql) else {
        return (None, Vec::new());
    };
    if existed {
        return (None, Vec::new());
    }
    let index = format!("{}.{}", build.table, quote_ident(&build.stmt.idxname));
    if let Ok(found) = find(locked.conn(), &build) {
        return clean(locked.conn(), found);
    }
    // Our connection is gone. The lock went with it; take it again so as
    // not to drop an index another run is building now.
    let mut conn = match session::connect(url, opts) {
        Ok(c) => c,
        Err(e) => {
            return (
                None,
                vec![format!(
                "possibly the INVALID index {} (the database could not be reached to check: {e}); \
                     the next apply drops it and builds it again",
                index_name(&build, &index)
            )],
            )
        }
    };
    if !try_lock(&mut conn, opts.lock_key) {
        return (
            None,
            vec![format!(
                "possibly the INVALID index {} (another run holds the lock, so it was not checked); \
                 the next apply drops it and builds it again",
                index_name(&build, &index)
            )],
        );
    }
    let out = match find(&mut conn, &build) {
        Ok(found) => clean(&mut conn, found),
        Err(e) => (
            None,
            vec![format!(
                "possibly the INVALID index {} (could not check: {e}); \
                 the next apply drops it and builds it again",
                index_name(&build, &index)
            )],
        ),
    };
    let _ = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(opts.lock_key)
        .execute(&mut conn);
    out
}

fn index_name(build: &Build, qualified: &str) -> String {
    match build.table.contains('.') {
        true => qualified.to_string(),
        false => build.stmt.idxname.clone(),
    }
}

fn try_lock(conn: &mut PgConnection, key: i64) -> bool {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = Bool)]
        got: bool,
    }
    diesel::sql_query("SELECT pg_try_advisory_lock($1) AS got")
        .bind::<BigInt, _>(key)
        .load::<Got>(conn)
        .ok()
        .and_then(|g| g.into_iter().next())
        .is_some_and(|g| g.got)
}

fn clean(conn: &mut PgConnection, found: Option<Found>) -> (Option<String>, Vec<String>) {
    match found {
        None => (None, Vec::new()),
        Some(f) if f.valid => (
            None,
            vec![format!(
                "the index {}, built and valid (the next apply keeps it when its definition is the planned one)",
                f.name
            )],
        ),
        Some(f) => match drop_index(conn, &f.name) {
            Ok(()) => (
                Some(format!("dropped the INVALID index {} the failed build left", f.name)),
                Vec::new(),
            ),
            Err(e) => (
                None,
                vec![format!(
                    "the INVALID index {} (dropping it failed: {e}); the next apply drops it and builds it again",
                    f.name
                )],
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(sql: &str, def: &str) -> bool {
        same_definition(
            &build_of(sql).expect("a concurrent build").stmt,
            def,
            "public",
        )
    }

    #[test]
    fn a_finished_index_is_recognised_by_its_definition() {
        let def = "CREATE INDEX big_v_idx ON public.big USING btree (slow(v))";
        assert!(same(
            "CREATE INDEX CONCURRENTLY big_v_idx ON big (slow(v))",
            def
        ));
        assert!(same(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_v_idx ON public.big USING btree (slow(v))",
            def
        ));
        assert!(same(
            "create unique index concurrently u on t (a desc nulls last, b) include (c) where a > 0",
            "CREATE UNIQUE INDEX u ON public.t USING btree (a DESC NULLS LAST, b) INCLUDE (c) WHERE (a > 0)"
        ));
        assert!(same(
            "CREATE INDEX CONCURRENTLY g ON app.t USING gin (tags)",
            "CREATE INDEX g ON app.t USING gin (tags)"
        ));
        // Another key, method, predicate, uniqueness or table is not it.
        for other in [
            "CREATE INDEX big_v_idx ON public.big USING btree (v)",
            "CREATE INDEX big_v_idx ON public.big USING hash (slow(v))",
            "CREATE INDEX big_v_idx ON public.big USING btree (slow(v)) WHERE (v > 0)",
            "CREATE UNIQUE INDEX big_v_idx ON public.big USING btree (slow(v))",
            "CREATE INDEX big_v_idx ON app.big USING btree (slow(v))",
        ] {
            assert!(
                !same(
                    "CREATE INDEX CONCURRENTLY big_v_idx ON big (slow(v))",
                    other
                ),
                "{other}"
            );
        }
    }

    #[test]
    fn only_named_concurrent_builds_are_looked_at() {
        assert!(build_of("CREATE INDEX i ON t (a)").is_none());
        assert!(build_of("CREATE INDEX CONCURRENTLY ON t (a)").is_none());
        let b = build_of("CREATE INDEX CONCURRENTLY i ON \"My\".t (a)").unwrap();
        assert_eq!(b.table, "\"My\".\"t\"");
    }
}

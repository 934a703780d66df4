//! Runs the EXPLAINs of declared critical queries
//! ([`crate::verify::explain`]), each in its own transaction that is
//! always rolled back: with ANALYZE the query really runs, and nothing it
//! does is kept.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::deserialize::{self, QueryableByName};
use diesel::pg::Pg;
use diesel::row::NamedRow;
use diesel::sql_types::{Double, Nullable, Text};
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::explain::{explain_prefix, ident, literal, read_plan, Planned, Query, QueryFile};
use crate::catalog::CatalogError;

/// EXPLAIN's one column is named `QUERY PLAN`, which the derive cannot name.
struct PlanText(String);

impl QueryableByName<Pg> for PlanText {
    fn build<'a>(row: &impl NamedRow<'a, Pg>) -> deserialize::Result<Self> {
        NamedRow::get::<Text, String>(row, "QUERY PLAN").map(PlanText)
    }
}

#[derive(diesel::QueryableByName)]
struct Size {
    #[diesel(sql_type = Nullable<Double>)]
    rows: Option<f64>,
}

/// Why the transaction ends: always with a rollback.
enum End {
    Done(Planned),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for End {
    fn from(e: diesel::result::Error) -> Self {
        End::Db(e)
    }
}

/// Plans every query, in file order. A query PostgreSQL refuses to plan
/// gets its error message; only a failure of the connection itself is an
/// `Err`.
pub fn explain_all(
    conn: &mut PgConnection,
    file: &QueryFile,
    analyze: bool,
    statement_timeout: Duration,
) -> Result<Vec<(String, Planned)>, CatalogError> {
    let mut out = Vec::new();
    for (i, (name, q)) in file.queries.iter().enumerate() {
        let statement = format!("reconcile_explain_{i}");
        let end = conn.transaction::<(), End, _>(|tx| {
            Err(End::Done(explain_one(
                tx,
                q,
                &statement,
                analyze,
                statement_timeout,
            )))
        });
        if !q.params.is_empty() {
            // Prepared statements outlive the transaction; gone if PREPARE failed.
            let _ = conn.batch_execute(&format!("DEALLOCATE {statement}"));
        }
        match end {
            Err(End::Done(planned)) => out.push((name.clone(), planned)),
            Err(End::Db(source)) => {
                return Err(CatalogError::Query {
                    what: "explain-check transaction",
                    source,
                })
            }
            Ok(()) => {
                return Err(CatalogError::Invalid(
                    "explain-check: the transaction was not rolled back".into(),
                ))
            }
        }
    }
    Ok(out)
}

fn explain_one(
    tx: &mut PgConnection,
    q: &Query,
    statement: &str,
    analyze: bool,
    statement_timeout: Duration,
) -> Planned {
    let fail = |e: diesel::result::Error| e.to_string();
    tx.batch_execute(&format!(
        "SET LOCAL statement_timeout = {}",
        statement_timeout.as_millis()
    ))
    .map_err(fail)?;
    if let Some(role) = &q.role {
        tx.batch_execute(&format!("SET LOCAL ROLE {}", ident(role)))
            .map_err(fail)?;
    }
    let prefix = explain_prefix(analyze);
    let sql = if q.params.is_empty() {
        format!("{prefix} {}", q.sql)
    } else {
        tx.batch_execute(&format!("PREPARE {statement} AS {}", q.sql))
            .map_err(fail)?;
        let args: Vec<String> = q.params.iter().map(literal).collect();
        format!("{prefix} EXECUTE {statement}({})", args.join(", "))
    };
    let rows: Vec<PlanText> = diesel::sql_query(sql).load(tx).map_err(fail)?;
    let text = rows.into_iter().next().ok_or("EXPLAIN returned no row")?.0;
    let mut plan = read_plan(&text)?;
    // The planner's statistics; for a table never analyzed (reltuples -1),
    // the cumulative statistics' live-row count.
    for s in plan.scans.iter_mut().filter(|s| s.is_seq()) {
        let size: Vec<Size> = diesel::sql_query(
            "SELECT (CASE WHEN c.reltuples >= 0 THEN c.reltuples ELSE st.n_live_tup END)::float8 AS rows \
               FROM pg_class c LEFT JOIN pg_stat_all_tables st ON st.relid = c.oid \
              WHERE c.oid = to_regclass($1)",
        )
        .bind::<Text, _>(&s.relation)
        .load(tx)
        .map_err(fail)?;
        s.table_rows = size.into_iter().next().and_then(|r| r.rows);
    }
    Ok(plan)
}

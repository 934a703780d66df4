//! Runs RLS test cases: each in its own transaction that is always rolled
//! back, so nothing is left behind even when a case fails.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, RunQueryDsl};

use super::rls::{judge, session_setup, statement, CaseResult, Outcome, Suite};

/// A marker error that makes diesel roll the transaction back.
#[derive(Debug)]
struct Rollback(Result<Outcome, String>);

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback(Err(e.to_string()))
    }
}

pub fn run_suite(conn: &mut PgConnection, suite: &Suite) -> Result<Vec<CaseResult>, String> {
    let mut results = Vec::new();
    for case in &suite.cases {
        let sql = statement(case)?;
        let outcome = conn.transaction::<(), Rollback, _>(|tx| {
            for f in &suite.fixtures {
                tx.batch_execute(f)
                    .map_err(|e| Rollback(Err(format!("fixture failed: {e}"))))?;
            }
            for s in session_setup(case) {
                tx.batch_execute(&s)?;
            }
            let got = match diesel::sql_query(&sql).execute(tx) {
                Ok(n) => Outcome::Rows(n),
                Err(e) => Outcome::Error(e.to_string()),
            };
            Err(Rollback(Ok(got)))
        });
        match outcome {
            Err(Rollback(Ok(got))) => results.push(judge(case, got)),
            Err(Rollback(Err(e))) => return Err(format!("case `{}`: {e}", case.name)),
            Ok(()) => {
                return Err(format!(
                    "case `{}`: the transaction was not rolled back",
                    case.name
                ))
            }
        }
    }
    Ok(results)
}

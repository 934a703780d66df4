//! Functions, procedures and aggregates.

use diesel::sql_types::{Array, Bool, Double, Nullable, Text};
use diesel::QueryableByName;

use super::acl::{grants, AclKind};
use super::session::{not_ext, qualified_unless_catalog, Session};
use super::CatalogError;
use crate::model::{Aggregate, Database, Function, FunctionKind, Unmanaged, Volatility};

/// Columns shared by functions and aggregates.
const PROC_COLS: &str = "n.nspname::text AS schema, p.proname::text AS name,
    ARRAY(SELECT format_type(u.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, ord)
           ORDER BY u.ord) AS arg_types,
    pg_get_userbyid(p.proowner)::text AS owner, obj_description(p.oid, 'pg_proc') AS comment,
    p.proacl::text[] AS acl, p.proparallel::text AS parallel";

fn proc_filter() -> String {
    format!("n.nspname = ANY($1) AND {}", not_ext("pg_proc", "p.oid"))
}

/// `schema.name(t1, t2)`.
fn function_key(schema: &str, name: &str, arg_types: &[String]) -> String {
    format!("{}({})", Session::key(schema, name), arg_types.join(", "))
}

fn parallel(code: &str) -> Option<String> {
    match code {
        "s" => Some("safe".into()),
        "r" => Some("restricted".into()),
        _ => None,
    }
}

#[derive(QueryableByName)]
struct FunctionRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    arg_types: Vec<String>,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
    #[diesel(sql_type = Text)]
    parallel: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    arguments: String,
    #[diesel(sql_type = Nullable<Text>)]
    returns: Option<String>,
    #[diesel(sql_type = Text)]
    language: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Nullable<Text>)]
    functiondef: Option<String>,
    #[diesel(sql_type = Text)]
    volatility: String,
    #[diesel(sql_type = Bool)]
    strict: bool,
    #[diesel(sql_type = Bool)]
    security_definer: bool,
    #[diesel(sql_type = Bool)]
    leakproof: bool,
    #[diesel(sql_type = Double)]
    cost: f64,
    #[diesel(sql_type = Double)]
    rows: f64,
    #[diesel(sql_type = Bool)]
    returns_set: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    config: Option<Vec<String>>,
}

pub fn functions(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT {PROC_COLS}, p.prokind::text AS kind,
                pg_get_function_arguments(p.oid) AS arguments,
                CASE WHEN p.prokind = 'f' THEN pg_get_function_result(p.oid) END AS returns,
                l.lanname::text AS language, p.prosrc AS body,
                CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_functiondef(p.oid) END AS functiondef,
                p.provolatile::text AS volatility, p.proisstrict AS strict,
                p.prosecdef AS security_definer, p.proleakproof AS leakproof,
                p.procost::float8 AS cost, p.prorows::float8 AS rows, p.proretset AS returns_set,
                p.proconfig AS config
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           JOIN pg_language l ON l.oid = p.prolang
          WHERE p.prokind IN ('f', 'p') AND {}",
        proc_filter()
    );
    let rows: Vec<FunctionRow> = s.load("functions", &sql)?;
    for r in rows {
        let identity = r.arg_types.join(", ");
        let default_cost = if matches!(r.language.as_str(), "c" | "internal") {
            1.0
        } else {
            100.0
        };
        let f = Function {
            kind: if r.kind == "p" {
                FunctionKind::Procedure
            } else {
                FunctionKind::Function
            },
            arguments: (r.arguments != identity).then_some(r.arguments),
            returns: r.returns,
            body: match r.functiondef {
                Some(def) => sql_body(&def),
                None => r.body,
            },
            language: r.language,
            volatility: match r.volatility.as_str() {
                "i" => Volatility::Immutable,
                "s" => Volatility::Stable,
                _ => Volatility::Volatile,
            },
            strict: r.strict,
            security_definer: r.security_definer,
            leakproof: r.leakproof,
            parallel: parallel(&r.parallel),
            cost: (r.cost != default_cost).then_some(r.cost),
            rows: (r.returns_set && r.rows != 1000.0).then_some(r.rows),
            config: r
                .config
                .unwrap_or_default()
                .into_iter()
                .map(|c| match c.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (c, String::new()),
                })
                .collect(),
            owner: s.owner(&r.owner),
            comment: r.comment,
            grants: grants(r.acl.as_deref(), &r.owner, AclKind::PublicDefault('X')),
        };
        db.functions
            .insert(function_key(&r.schema, &r.name, &r.arg_types), f);
    }
    Ok(())
}

/// The SQL-standard body (`BEGIN ATOMIC ... END` or `RETURN ...`) of a
/// `pg_get_functiondef` text: everything after the header, whose lines
/// after the first are indented.
fn sql_body(def: &str) -> String {
    let mut lines = def.lines();
    lines.next();
    let body: Vec<&str> = lines.skip_while(|l| l.starts_with(' ')).collect();
    body.join("\n").trim_end().to_string()
}

#[derive(QueryableByName)]
struct AggregateRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    arg_types: Vec<String>,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
    #[diesel(sql_type = Text)]
    parallel: String,
    #[diesel(sql_type = Array<Text>)]
    sfunc: Vec<String>,
    #[diesel(sql_type = Text)]
    stype: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    finalfunc: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    combinefunc: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    initcond: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    sortop: Option<Vec<String>>,
    #[diesel(sql_type = Bool)]
    extra: bool,
}

/// SQL: `[schema, name]` of the function with oid `expr`, NULL for 0.
fn proc_name(expr: &str) -> String {
    format!(
        "(SELECT ARRAY[x.nspname::text, y.proname::text] FROM pg_proc y
           JOIN pg_namespace x ON x.oid = y.pronamespace WHERE y.oid = {expr}::oid)"
    )
}

pub fn aggregates(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT {PROC_COLS},
                COALESCE({}, ARRAY[]::text[]) AS sfunc, format_type(a.aggtranstype, NULL) AS stype,
                {} AS finalfunc, {} AS combinefunc, a.agginitval AS initcond,
                (SELECT ARRAY[x.nspname::text, o.oprname::text] FROM pg_operator o
                   JOIN pg_namespace x ON x.oid = o.oprnamespace WHERE o.oid = a.aggsortop) AS sortop,
                (a.aggkind <> 'n' OR a.aggmtransfn::oid <> 0 OR a.aggserialfn::oid <> 0
                  OR a.aggdeserialfn::oid <> 0 OR a.aggfinalextra OR a.aggfinalmodify <> 'r'
                  OR a.aggtransspace <> 0) AS extra
           FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE {}",
        proc_name("a.aggtransfn"),
        proc_name("a.aggfinalfn"),
        proc_name("a.aggcombinefn"),
        proc_filter()
    );
    let rows: Vec<AggregateRow> = s.load("aggregates", &sql)?;
    for r in rows {
        let key = function_key(&r.schema, &r.name, &r.arg_types);
        if let Some(o) = s.owner(&r.owner) {
            db.unmanaged.push(Unmanaged {
                kind: "owner".into(),
                name: format!("aggregate {key} owned by {o}"),
            });
        }
        if r.extra {
            db.unmanaged.push(Unmanaged {
                kind: "aggregate option".into(),
                name: key.clone(),
            });
        }
        let fkey = |v: &[String]| match v {
            [schema, name] => Some(Session::key(schema, name)),
            _ => None,
        };
        let a = Aggregate {
            sfunc: fkey(&r.sfunc).unwrap_or_default(),
            stype: r.stype,
            finalfunc: r.finalfunc.as_deref().and_then(fkey),
            combinefunc: r.combinefunc.as_deref().and_then(fkey),
            initcond: r.initcond,
            sortop: r.sortop.as_deref().and_then(qualified_unless_catalog),
            parallel: parallel(&r.parallel),
            comment: r.comment,
            grants: grants(r.acl.as_deref(), &r.owner, AclKind::PublicDefault('X')),
        };
        db.aggregates.insert(key, a);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_body_is_taken_after_the_header() {
        let def = "CREATE OR REPLACE FUNCTION public.f1(a integer)\n RETURNS integer\n \
                   LANGUAGE sql\nBEGIN ATOMIC\n SELECT (a + 1);\nEND\n";
        assert_eq!(sql_body(def), "BEGIN ATOMIC\n SELECT (a + 1);\nEND");
        let ret = "CREATE OR REPLACE FUNCTION public.f2(a integer)\n RETURNS integer\n \
                   LANGUAGE sql\nRETURN (a * 2)\n";
        assert_eq!(sql_body(ret), "RETURN (a * 2)");
    }
}

//! Functions, procedures and aggregates.

use diesel::sql_types::{Array, Bool, Double, Nullable, Text};
use diesel::QueryableByName;

use super::acl::{grants, with_owner, AclKind};
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
    #[diesel(sql_type = Nullable<Array<Text>>)]
    arg_names: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    arg_modes: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    library: Option<String>,
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
                p.proconfig AS config, p.proargnames AS arg_names,
                p.proargmodes::text[] AS arg_modes,
                CASE WHEN l.lanname = 'c' THEN p.probin END AS library
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           JOIN pg_language l ON l.oid = p.prolang
          WHERE p.prokind IN ('f', 'p') AND {}",
        proc_filter()
    );
    let rows: Vec<FunctionRow> = s.load("functions", &sql)?;
    for mut r in rows {
        let identity = r.arg_types.join(", ");
        // What an older server leaves unquoted may be a keyword to the
        // parser reconcile plans with (`json`, `json_table` from 16, 17):
        // such argument and result column names are quoted.
        let modes = r.arg_modes.take().unwrap_or_default();
        let names = r.arg_names.take().unwrap_or_default();
        let mode_of = |i: usize| modes.get(i).map(String::as_str).unwrap_or("i");
        let (args, table): (Vec<&str>, Vec<&str>) = {
            let mut a = Vec::new();
            let mut t = Vec::new();
            for (i, n) in names.iter().enumerate() {
                if mode_of(i) == "t" {
                    t.push(n.as_str());
                } else {
                    a.push(n.as_str());
                }
            }
            (a, t)
        };
        r.arguments = quote_names(&r.arguments, &args);
        if let Some(ret) = r.returns.as_mut() {
            if let Some(inner) = ret.strip_prefix("TABLE(").and_then(|x| x.strip_suffix(')')) {
                *ret = format!("TABLE({})", quote_names(inner, &table));
            }
        }
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
            library: r.library,
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
            grants: with_owner(
                grants(r.acl.as_deref(), &r.owner, AclKind::PublicDefault('X')),
                r.acl.as_deref(),
                &r.owner,
                &s.me,
                "X",
                AclKind::Plain,
            ),
        };
        db.functions
            .insert(function_key(&r.schema, &r.name, &r.arg_types), f);
    }
    Ok(())
}

/// `list` (an argument list as `pg_get_function_arguments` prints it, or
/// a `TABLE (...)` result's columns) with each of `names` that the server
/// printed bare quoted where reconcile's parser needs it: the server
/// quotes by its own keyword list, which an older major's is.
fn quote_names(list: &str, names: &[&str]) -> String {
    let items = split_top_level(list);
    if items.len() != names.len() {
        return list.to_string();
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (item, name) in items.iter().zip(names) {
        let item = item.trim();
        let quoted = crate::model::quote_ident(name);
        let (mode, rest) = ["IN ", "OUT ", "INOUT ", "VARIADIC "]
            .iter()
            .find_map(|m| item.strip_prefix(m).map(|r| (*m, r)))
            .unwrap_or(("", item));
        let bare = !name.is_empty()
            && quoted != *name
            && rest.strip_prefix(name).is_some_and(|r| r.starts_with(' '));
        if bare {
            out.push(format!("{mode}{quoted}{}", &rest[name.len()..]));
        } else {
            out.push(item.to_string());
        }
    }
    out.join(", ")
}

/// `text` cut at the commas outside parentheses, brackets and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let (mut single, mut double) = (false, false);
    for (i, c) in text.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '(' | '[' if !single && !double => depth += 1,
            ')' | ']' if !single && !double => depth -= 1,
            ',' if depth == 0 && !single && !double => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text.trim().is_empty() {
        out.push(&text[start..]);
    }
    out
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
            // No owner in the model of an aggregate: nor the owner's own.
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
    fn names_the_parser_reads_as_keywords_are_quoted() {
        assert_eq!(
            quote_names("json text, format integer DEFAULT 1", &["json", "format"]),
            "\"json\" text, format integer DEFAULT 1"
        );
        assert_eq!(
            quote_names(
                "OUT json_table text, VARIADIC \"select\" integer[]",
                &["json_table", "select"]
            ),
            "OUT \"json_table\" text, VARIADIC \"select\" integer[]"
        );
        // Unnamed arguments and defaults with commas stay as they are.
        assert_eq!(
            quote_names("integer, b numeric(10,2) DEFAULT f(1, 2)", &["", "b"]),
            "integer, b numeric(10,2) DEFAULT f(1, 2)"
        );
        assert_eq!(quote_names("", &[]), "");
    }

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

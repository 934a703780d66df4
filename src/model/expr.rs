//! Expression equivalence, offline. PostgreSQL stores expressions in its own
//! deparsed form (`(auth.uid() = user_id)`, `'x'::text`, `= ANY (ARRAY[..])`);
//! users write them in many forms. Both sides are parsed with pg_query, the
//! trees normalised (see `docs/canonical-form.md`) and compared as JSON.

use serde_json::{json, Map, Value};

use crate::model::memo;
use pg_query::protobuf::node::Node as N;

/// What the normaliser may assume about names.
#[derive(Debug, Clone)]
pub struct ExprContext {
    /// Schemas whose qualification is dropped (as if on the search path),
    /// besides `pg_catalog`.
    pub search_path: Vec<String>,
    /// The table the expression belongs to; `table.col` becomes `col`.
    pub relation: Option<String>,
}

impl Default for ExprContext {
    fn default() -> Self {
        ExprContext {
            search_path: vec!["public".into()],
            relation: None,
        }
    }
}

/// The canonical form of an expression (a JSON string of its normalised
/// parse tree), assuming `search_path = public`.
pub fn canonical(expr: &str) -> Result<String, String> {
    canonical_with(expr, &ExprContext::default())
}

type CanonKey = (String, Vec<String>, Option<String>);

thread_local! {
    // Diffing compares the same expressions many times: parse each once.
    static CANON: memo::Table<CanonKey, Result<String, String>> = Default::default();
}

/// The canonical form under `cx`.
pub fn canonical_with(expr: &str, cx: &ExprContext) -> Result<String, String> {
    let key = (
        expr.to_string(),
        cx.search_path.clone(),
        cx.relation.clone(),
    );
    memo::get_or_compute(&CANON, &key, || {
        parse_expr(expr).map(|tree| Norm { cx }.node(tree).to_string())
    })
}

/// True when both parse and normalise to the same tree. Text that does not
/// parse is compared verbatim (after trimming).
pub fn equivalent(a: &str, b: &str) -> bool {
    equivalent_with(a, b, &ExprContext::default())
}

pub fn equivalent_with(a: &str, b: &str, cx: &ExprContext) -> bool {
    match (canonical_with(a, cx), canonical_with(b, cx)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// True when two statements (a rule's actions) parse and normalise to
/// the same trees; text that does not parse is compared verbatim.
pub fn equivalent_statement(a: &str, b: &str) -> bool {
    let canon = |sql: &str| -> Result<Value, String> {
        let parsed = pg_query::parse(sql, 0).map_err(|e| e.to_string())?;
        let tree = serde_json::to_value(&parsed.protobuf).map_err(|e| e.to_string())?;
        let cx = ExprContext::default();
        Ok(Norm { cx: &cx }.node(tree))
    };
    match (canon(a), canon(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// Checks that `expr` is exactly one expression wherever the planner
/// writes it: alone (`DEFAULT x`) or in parentheses (`CHECK (x)`,
/// `USING (x)`). In parentheses too, because a trailing `--` comment or a
/// `;` reads as part of one expression alone but hides the `)` after it.
pub fn one_expression(expr: &str) -> Result<(), String> {
    plain_expr(expr)?;
    let wrapped = pg_query::parse(&format!("SELECT ({expr})"), 0)
        .map_err(|e| format!("`{expr}` is not a single expression in parentheses: {e}"))?;
    if wrapped.protobuf.stmts.len() != 1 {
        return Err(format!(
            "`{expr}` is not a single expression in parentheses: more than one statement"
        ));
    }
    Ok(())
}

/// Parses `SELECT <expr>` and returns the expression's tree as JSON.
fn parse_expr(expr: &str) -> Result<Value, String> {
    let val = plain_expr(expr)?;
    serde_json::to_value(val.as_ref()).map_err(|e| e.to_string())
}

/// The one expression of `SELECT <expr>`: refused when the text is
/// anything else (more statements, clauses, several or named targets).
fn plain_expr(expr: &str) -> Result<Box<pg_query::protobuf::Node>, String> {
    let bad = |why: &str| format!("`{expr}` is not a single expression: {why}");
    let parsed = pg_query::parse(&format!("SELECT {expr}"), 0).map_err(|e| bad(&e.to_string()))?;
    let mut stmts = parsed.protobuf.stmts;
    if stmts.len() != 1 {
        return Err(bad("more than one statement"));
    }
    let stmt = stmts.remove(0);
    let Some(N::SelectStmt(sel)) = stmt.stmt.and_then(|s| s.node) else {
        return Err(bad("not an expression"));
    };
    let plain = sel.from_clause.is_empty()
        && sel.where_clause.is_none()
        && sel.group_clause.is_empty()
        && sel.having_clause.is_none()
        && sel.sort_clause.is_empty()
        && sel.limit_count.is_none()
        && sel.limit_offset.is_none()
        && sel.locking_clause.is_empty()
        && sel.with_clause.is_none()
        && sel.window_clause.is_empty()
        && sel.distinct_clause.is_empty()
        && sel.into_clause.is_none()
        && sel.larg.is_none()
        && sel.values_lists.is_empty();
    if !plain {
        return Err(bad("it has clauses"));
    }
    let mut targets = sel.target_list;
    if targets.len() != 1 {
        return Err(bad("it has several parts"));
    }
    let Some(N::ResTarget(rt)) = targets.remove(0).node else {
        return Err(bad("not an expression"));
    };
    if !rt.name.is_empty() {
        return Err(bad("it has an alias"));
    }
    rt.val.ok_or_else(|| bad("empty"))
}

struct Norm<'a> {
    cx: &'a ExprContext,
}

const NUMERIC_TYPES: &[&str] = &["int2", "int4", "int8", "numeric", "float4", "float8"];

impl Norm<'_> {
    /// Normalises any JSON value: unwraps `{"node": {...}}`, drops positions,
    /// and rewrites known node kinds bottom-up.
    fn node(&self, v: Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.into_iter().map(|i| self.node(i)).collect()),
            Value::Object(mut map) => {
                if map.len() == 1 && map.contains_key("node") {
                    return self.node(map.remove("node").unwrap_or(Value::Null));
                }
                let mut out = Map::new();
                for (k, v) in map {
                    if matches!(
                        k.as_str(),
                        "location"
                            | "rexpr_list_start"
                            | "rexpr_list_end"
                            | "list_start"
                            | "list_end"
                            | "stmt_location"
                            | "stmt_len"
                            | "funcformat"
                    ) {
                        continue;
                    }
                    out.insert(k, self.node(v));
                }
                if out.len() == 1 {
                    let (kind, body) = out.into_iter().next().unwrap_or_default();
                    return self.rewrite(kind, body);
                }
                Value::Object(out)
            }
            other => other,
        }
    }

    fn rewrite(&self, kind: String, mut b: Value) -> Value {
        match kind.as_str() {
            "TypeCast" => return self.type_cast(b),
            "AExpr" => return self.a_expr(b),
            "BoolExpr" => return flatten_bool(b),
            "FuncCall" => strip_names(&mut b["funcname"], &self.cx.search_path),
            "RangeVar" => {
                let schema = b["schemaname"].as_str().unwrap_or("").to_string();
                if schema == "pg_catalog" || self.cx.search_path.contains(&schema) {
                    b["schemaname"] = json!("");
                }
            }
            "SubLink" => {
                // `x IN (SELECT ..)` is an ANY sublink without operator.
                if b["sub_link_type"] == json!(3)
                    && b["oper_name"] == json!([{"String": {"sval": "="}}])
                {
                    b["oper_name"] = json!([]);
                }
                strip_target_names(&mut b["subselect"]);
            }
            "SelectStmt" => {
                unqualify_single_from(&mut b);
                // A set operation's columns are named by its first branch:
                // names in the later ones say nothing (the catalog adds
                // some, `NULL::integer AS int4`).
                if b["rarg"].is_object() {
                    let mut rarg = json!({ "SelectStmt": b["rarg"].take() });
                    strip_target_names(&mut rarg);
                    b["rarg"] = rarg["SelectStmt"].take();
                }
            }
            "ColumnRef" => {
                if let (Some(rel), Some(fields)) = (&self.cx.relation, b["fields"].as_array_mut()) {
                    if fields.len() == 2 && fields[0] == json!({"String": {"sval": rel}}) {
                        fields.remove(0);
                    }
                }
            }
            _ => {}
        }
        json!({ kind: b })
    }

    /// Casts of string literals are dropped: the catalog adds them (`'x'::text`)
    /// where the user relied on the context's type.
    fn type_cast(&self, mut b: Value) -> Value {
        strip_names(&mut b["type_name"]["names"], &self.cx.search_path);
        let arg = b["arg"].clone();
        // `ARRAY[a, b]::t[]` is `ARRAY[a::t, b::t]`: PostgreSQL reads the
        // first and writes the second back, so the cast goes into the
        // elements (and, on literals, away).
        let bounds = b["type_name"]["array_bounds"]
            .as_array()
            .map_or(0, Vec::len);
        if bounds == 1 {
            if let Some(elements) = arg["AArrayExpr"]["elements"].as_array() {
                let mut element_type = b["type_name"].clone();
                element_type["array_bounds"] = json!([]);
                let cast: Vec<Value> = elements
                    .iter()
                    .map(|e| self.type_cast(json!({ "arg": e, "type_name": element_type })))
                    .collect();
                let mut out = arg.clone();
                out["AArrayExpr"]["elements"] = json!(cast);
                return out;
            }
        }
        let type_names = b["type_name"]["names"].clone();
        let names: Vec<&str> = type_names
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|n| n["String"]["sval"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        let last = names.last().copied().unwrap_or("");
        let is_array = b["type_name"]["array_bounds"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        if let Some(s) = arg["AConst"]["val"]["Sval"]["sval"].as_str() {
            if last == "regclass" && !is_array {
                return sconst(&self.unqualify_regclass(s));
            }
            if last == "interval" && !is_array {
                if let Some(text) = interval_text(s) {
                    return sconst(&text);
                }
            }
            if NUMERIC_TYPES.contains(&last) && !is_array {
                if let Ok(i) = s.trim().parse::<i32>() {
                    return json!({"AConst": {"isnull": false, "val": {"Ival": {"ival": i}}}});
                }
                if s.trim().parse::<f64>().is_ok() {
                    return json!({"AConst": {"isnull": false, "val": {"Fval": {"fval": s.trim()}}}});
                }
            }
            return arg;
        }
        if arg["AConst"]["isnull"] == json!(true) {
            return arg;
        }
        // The catalog writes `(email)::text` where a varchar column meets a
        // text function or operator; the user writes `email`. Without column
        // types the two cannot be told apart, so a cast of a bare column to
        // unbounded text/varchar is dropped (trade-off: see canonical-form.md).
        let unbounded = b["type_name"]["typmods"]
            .as_array()
            .is_none_or(|t| t.is_empty());
        if matches!(last, "text" | "varchar") && names.len() == 1 && !is_array && unbounded {
            if let Some(fields) = arg["ColumnRef"]["fields"].as_array() {
                if fields.iter().all(|f| f["String"]["sval"].is_string()) {
                    return arg;
                }
            }
        }
        json!({ "TypeCast": b })
    }

    /// `'public.seq'` and `'seq'` name the same relation.
    fn unqualify_regclass(&self, s: &str) -> String {
        match crate::model::name::split_dotted(s).ok().as_deref() {
            Some([schema, name]) if self.cx.search_path.contains(schema) => name.clone(),
            _ => s.to_string(),
        }
    }

    fn a_expr(&self, mut b: Value) -> Value {
        strip_names(&mut b["name"], &[]);
        let kind = b["kind"].as_i64().unwrap_or(0);
        let op = b["name"][0]["String"]["sval"]
            .as_str()
            .unwrap_or("")
            .to_string();
        match kind {
            // IN (list) -> = ANY (ARRAY[list]); NOT IN -> <> ALL.
            7 => {
                if let Some(items) = b["rexpr"]["List"]["items"].as_array().cloned() {
                    b["kind"] = json!(if op == "<>" { 3 } else { 2 });
                    b["rexpr"] = json!({"AArrayExpr": {"elements": items}});
                }
            }
            // LIKE / ILIKE are operators `~~` / `~~*`.
            8 | 9 => b["kind"] = json!(1),
            // x BETWEEN a AND b -> x >= a AND x <= b.
            11 | 12 => {
                if let Some([lo, hi]) = b["rexpr"]["List"]["items"].as_array().map(|v| v.as_slice())
                {
                    let x = b["lexpr"].clone();
                    let cmp = |o: &str, l: &Value, r: &Value| json!({"AExpr": {"kind": 1, "name": [{"String": {"sval": o}}], "lexpr": l, "rexpr": r}});
                    return if kind == 11 {
                        flatten_bool(
                            json!({"boolop": 1, "args": [cmp(">=", &x, lo), cmp("<=", &x, hi)]}),
                        )
                    } else {
                        flatten_bool(
                            json!({"boolop": 2, "args": [cmp("<", &x, lo), cmp(">", &x, hi)]}),
                        )
                    };
                }
            }
            _ => {}
        }
        json!({ "AExpr": b })
    }
}

/// An interval literal as PostgreSQL prints it (`'24 hours'` ->
/// `24:00:00`, `'1 month 2 days'` -> `1 mon 2 days`). Only the plain
/// `<number> <unit>` and `HH:MM[:SS]` forms; anything else is left alone.
fn interval_text(s: &str) -> Option<String> {
    let (mut months, mut days, mut micros) = (0i64, 0i64, 0i64);
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        if w.contains(':') {
            let parts: Vec<&str> = w.split(':').collect();
            let nums: Option<Vec<f64>> = parts.iter().map(|p| p.parse::<f64>().ok()).collect();
            let nums = nums?;
            let secs = match nums.as_slice() {
                [h, m] => h * 3600.0 + m * 60.0,
                [h, m, sec] => h * 3600.0 + m * 60.0 + sec,
                _ => return None,
            };
            micros += (secs * 1e6).round() as i64;
            i += 1;
            continue;
        }
        let n: f64 = w.parse().ok()?;
        let unit = words.get(i + 1)?.to_lowercase();
        let unit = unit.trim_end_matches('s');
        match unit {
            "year" | "yr" => months += (n * 12.0) as i64,
            "mon" | "month" => months += n as i64,
            "week" => days += (n * 7.0) as i64,
            "day" => days += n as i64,
            "hour" | "hr" => micros += (n * 3_600e6) as i64,
            "minute" | "min" => micros += (n * 60e6) as i64,
            "second" | "sec" => micros += (n * 1e6) as i64,
            _ => return None,
        }
        i += 2;
    }
    let mut out = Vec::new();
    let plural =
        |n: i64, one: &str, many: &str| format!("{n} {}", if n.abs() == 1 { one } else { many });
    if months / 12 != 0 {
        out.push(plural(months / 12, "year", "years"));
    }
    if months % 12 != 0 {
        out.push(plural(months % 12, "mon", "mons"));
    }
    if days != 0 {
        out.push(plural(days, "day", "days"));
    }
    if micros != 0 || out.is_empty() {
        let sign = if micros < 0 { "-" } else { "" };
        let m = micros.abs();
        let (h, rest) = (m / 3_600_000_000, m % 3_600_000_000);
        let (mi, rest) = (rest / 60_000_000, rest % 60_000_000);
        let (sec, frac) = (rest / 1_000_000, rest % 1_000_000);
        let mut t = format!("{sign}{h:02}:{mi:02}:{sec:02}");
        if frac != 0 {
            t.push_str(format!(".{frac:06}").trim_end_matches('0'));
        }
        out.push(t);
    }
    Some(out.join(" "))
}

fn sconst(s: &str) -> Value {
    json!({"AConst": {"isnull": false, "val": {"Sval": {"sval": s}}}})
}

/// `a AND (b AND c)` -> `a AND b AND c`.
fn flatten_bool(b: Value) -> Value {
    let op = b["boolop"].clone();
    let mut args = Vec::new();
    for a in b["args"].as_array().cloned().unwrap_or_default() {
        if op != json!(3) && a["BoolExpr"]["boolop"] == op {
            args.extend(
                a["BoolExpr"]["args"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        } else {
            args.push(a);
        }
    }
    json!({"BoolExpr": {"boolop": op, "args": args}})
}

/// Drops a leading `pg_catalog` (or search-path schema) from a name list.
fn strip_names(names: &mut Value, search_path: &[String]) {
    let Some(list) = names.as_array_mut() else {
        return;
    };
    if list.len() >= 2 {
        let first = list[0]["String"]["sval"].as_str().unwrap_or("");
        if first == "pg_catalog" || search_path.iter().any(|s| s == first) {
            list.remove(0);
        }
    }
}

/// `(SELECT auth.uid() AS uid)`: the catalog names sub-select targets.
fn strip_target_names(select: &mut Value) {
    if let Some(targets) = select["SelectStmt"]["target_list"].as_array_mut() {
        for t in targets {
            if let Some(rt) = t.get_mut("ResTarget") {
                rt["name"] = json!("");
            }
        }
    }
}

/// In a sub-select over one table the catalog writes `t.col`; the user
/// usually writes `col`. With a single FROM item both mean the same.
fn unqualify_single_from(b: &mut Value) {
    let Some([from]) = b["from_clause"].as_array().map(|v| v.as_slice()) else {
        return;
    };
    let rv = &from["RangeVar"];
    let name = rv["alias"]["aliasname"]
        .as_str()
        .filter(|s| !s.is_empty())
        .or_else(|| rv["relname"].as_str())
        .unwrap_or("")
        .to_string();
    if name.is_empty() {
        return;
    }
    for key in ["target_list", "where_clause"] {
        unqualify(&mut b[key], &name);
    }
}

fn unqualify(v: &mut Value, rel: &str) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(cr)) = map.get_mut("ColumnRef") {
                if let Some(Value::Array(fields)) = cr.get_mut("fields") {
                    if fields.len() == 2 && fields[0] == json!({"String": {"sval": rel}}) {
                        fields.remove(0);
                    }
                }
                return;
            }
            // Nested selects have their own scope.
            if map.contains_key("SelectStmt") {
                return;
            }
            for (_, child) in map.iter_mut() {
                unqualify(child, rel);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| unqualify(i, rel)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same() {
        for (a, b) in [
            ("auth.uid() = user_id", "(auth.uid() = user_id)"),
            (
                "(select auth.uid()) = user_id",
                "(( SELECT auth.uid() AS uid) = user_id)",
            ),
            ("'x'", "'x'::text"),
            (
                "status in ('a','b')",
                "(status = ANY (ARRAY['a'::text, 'b'::text]))",
            ),
            ("status not in ('a')", "(status <> ALL (ARRAY['a'::text]))"),
            ("now()", "now()"),
            (
                "nextval('users_id_seq')",
                "nextval('public.users_id_seq'::regclass)",
            ),
            ("x between 1 and 5", "((x >= 1) AND (x <= 5))"),
            ("name like 'a%'", "(name ~~ 'a%'::text)"),
            ("-1", "'-1'::integer"),
            ("a and (b and c)", "((a AND b) AND c)"),
            ("x::int4", "(x)::integer"),
            ("public.f(x)", "f(x)"),
            (
                "now() - interval '24 hours'",
                "(now() - '24:00:00'::interval)",
            ),
            ("interval '1 month 2 days'", "'1 mon 2 days'::interval"),
            (
                "'1 year 90 minutes'::interval",
                "'1 year 01:30:00'::interval",
            ),
            // A varchar column under a text function or operator.
            ("length(email) > 1", "(length((email)::text) > 1)"),
            ("t.email ~~ 'a%'", "((t.email)::text ~~ 'a%'::text)"),
            ("email::varchar", "email"),
            ("email::character varying", "email"),
            ("email::pg_catalog.text", "email"),
        ] {
            assert!(
                equivalent(a, b),
                "{a}  vs  {b}\n{:?}\n{:?}",
                canonical(a),
                canonical(b)
            );
        }
    }

    #[test]
    fn different() {
        for (a, b) in [
            ("auth.uid() = user_id", "auth.uid() <> user_id"),
            ("'x'", "'y'"),
            ("a in (1, 2)", "a in (1, 3)"),
            ("x between 1 and 5", "x between 1 and 6"),
            ("auth.uid()", "other.uid()"),
            ("a and b", "a or b"),
            ("1", "2"),
            ("interval '1 hour'", "interval '2 hours'"),
            // Casts that change the value, or of more than a column, stay.
            ("email::varchar(5)", "email"),
            ("email::integer", "email"),
            ("email::text[]", "email"),
            ("(a || b)::text", "a || b"),
        ] {
            assert!(!equivalent(a, b), "{a} vs {b}");
        }
    }

    #[test]
    fn rejects_non_expressions() {
        for bad in ["1; drop table x", "1 from t", "", "a as b", "1, 2"] {
            assert!(canonical(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_cast_array_is_an_array_of_casts() {
        // What a CHECK reads as, and what PostgreSQL writes back for it.
        let read = "((entity_type)::text = ANY ((ARRAY['area'::character varying, 'artist'::character varying])::text[]))";
        let back = "((entity_type)::text = ANY (ARRAY[('area'::character varying)::text, ('artist'::character varying)::text]))";
        assert!(equivalent(read, back));
        assert!(equivalent(
            "x = ANY (ARRAY[1, 2]::bigint[])",
            "x = ANY (ARRAY[1::bigint, 2::bigint])"
        ));
        assert!(!equivalent(
            "x = ANY (ARRAY['a', 'b']::text[])",
            "x = ANY (ARRAY['a', 'c'])"
        ));
    }

    #[test]
    fn names_in_a_later_union_branch_say_nothing() {
        let a = "(SELECT x FROM (SELECT a, b FROM t UNION ALL SELECT a, NULL::integer FROM u) q)";
        let b = "(SELECT x FROM (SELECT a, b FROM t UNION ALL SELECT a, NULL::integer AS int4 FROM u) q)";
        assert!(equivalent(a, b));
        let c =
            "(SELECT x FROM (SELECT a, b AS c FROM t UNION ALL SELECT a, NULL::integer FROM u) q)";
        assert!(!equivalent(a, c));
    }

    #[test]
    fn one_expression_alone_and_in_parentheses() {
        for ok in [
            "auth.uid() = user_id",
            "(SELECT auth.uid()) = user_id -- mine\n",
            "status IN ('a;', 'b')",
            "x > 0 /* positive */",
            "lower(email)",
        ] {
            assert_eq!(one_expression(ok), Ok(()), "{ok}");
        }
        for bad in [
            "true); DROP TABLE public.victim; --",
            "true; DROP TABLE public.victim",
            "true --",
            "true;",
            "1)::int + (2",
            "true) UNION (SELECT false",
            "*",
            "1 FROM pg_class",
            "x /* open",
            "",
        ] {
            assert!(one_expression(bad).is_err(), "{bad}");
        }
    }
}

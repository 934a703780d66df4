//! View queries beyond expression equivalence: the names of their output
//! columns, and whether a new query keeps the old one's columns (same
//! names and types, new ones only at the end): then CREATE OR REPLACE VIEW
//! keeps the view and whatever reads it.

use pg_query::protobuf::node::Node as N;
use pg_query::protobuf::{self, SelectStmt};

use crate::model::canon::types::canonical_type_node;
use crate::model::{Database, QualifiedName, View};

/// The single plain SELECT of a view query (no set operation, no `*`).
fn select(sql: &str) -> Option<(protobuf::ParseResult, SelectStmt)> {
    let parsed = pg_query::parse(sql, 0).ok()?.protobuf;
    let [stmt] = parsed.stmts.as_slice() else {
        return None;
    };
    let Some(N::SelectStmt(sel)) = stmt.stmt.as_ref().and_then(|s| s.node.clone()) else {
        return None;
    };
    let starred = sel.target_list.iter().any(|t| match &t.node {
        Some(N::ResTarget(rt)) => rt.val.as_ref().is_some_and(|v| match &v.node {
            Some(N::ColumnRef(c)) => c.fields.iter().any(|f| matches!(f.node, Some(N::AStar(_)))),
            _ => false,
        }),
        _ => true,
    });
    if sel.larg.is_some() || sel.target_list.is_empty() || starred {
        return None;
    }
    Some((parsed, *sel))
}

/// The name PostgreSQL gives an output column (FigureColname's common
/// cases; `?column?` otherwise, which `same_names` treats as unknown).
fn column_name(node: Option<&protobuf::Node>) -> String {
    let last_string = |items: &[protobuf::Node]| {
        items.iter().rev().find_map(|f| match &f.node {
            Some(N::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
    };
    let name = match node.and_then(|n| n.node.as_ref()) {
        Some(N::ColumnRef(c)) => last_string(&c.fields),
        Some(N::FuncCall(f)) => last_string(&f.funcname),
        Some(N::TypeCast(t)) => {
            let inner = column_name(t.arg.as_deref());
            if inner != "?column?" {
                Some(inner)
            } else {
                t.type_name.as_ref().and_then(|n| last_string(&n.names))
            }
        }
        Some(N::CoalesceExpr(_)) => Some("coalesce".into()),
        Some(N::CaseExpr(_)) => Some("case".into()),
        Some(N::AArrayExpr(_)) => Some("array".into()),
        Some(N::SubLink(l)) if l.sub_link_type == protobuf::SubLinkType::ExistsSublink as i32 => {
            Some("exists".into())
        }
        _ => None,
    };
    name.unwrap_or_else(|| "?column?".into())
}

fn names(sel: &SelectStmt) -> Vec<String> {
    sel.target_list
        .iter()
        .map(|t| match &t.node {
            Some(N::ResTarget(rt)) if !rt.name.is_empty() => rt.name.clone(),
            Some(N::ResTarget(rt)) => column_name(rt.val.as_deref()),
            _ => "?column?".into(),
        })
        .collect()
}

/// Output column names of a view query, when it is one plain SELECT.
pub fn output_names(sql: &str) -> Option<Vec<String>> {
    select(sql).map(|(_, sel)| names(&sel))
}

/// Both queries name their output columns alike. A name this module cannot
/// work out (`?column?` without an alias) matches any name: the catalog
/// always writes an alias for such columns, the user need not.
pub fn same_names(a: &str, b: &str) -> bool {
    match (output_names(a), output_names(b)) {
        (Some(x), Some(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|(p, q)| p == q || p == "?column?" || q == "?column?")
        }
        _ => true,
    }
}

/// The type each output column is cast to at its top (`a::varchar`), by
/// the type's own name and modifiers: `None` for a column without one.
fn output_casts(sql: &str) -> Option<Vec<Option<String>>> {
    let (_, sel) = select(sql)?;
    let cast = |t: &protobuf::Node| -> Option<String> {
        let Some(N::ResTarget(rt)) = &t.node else {
            return None;
        };
        let Some(N::TypeCast(c)) = rt.val.as_ref()?.node.as_ref() else {
            return None;
        };
        let tn = c.type_name.as_ref()?;
        let name = tn.names.last().and_then(|n| match &n.node {
            Some(N::String(s)) => Some(s.sval.clone()),
            _ => None,
        })?;
        let mods: Vec<String> = tn.typmods.iter().map(|m| format!("{m:?}")).collect();
        Some(format!("{name}{mods:?}{}", tn.array_bounds.len()))
    };
    Some(sel.target_list.iter().map(cast).collect())
}

/// Both queries cast their output columns alike at the top: the
/// expression normaliser lets a cast of a bare column to text go (the
/// catalog adds such casts inside expressions), but at the top of a
/// view's column it is the column's type.
pub fn same_casts(a: &str, b: &str) -> bool {
    match (output_casts(a), output_casts(b)) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// `new` is `old` with output columns added at the end and nothing else
/// changed, so CREATE OR REPLACE VIEW can run. Unchanged leading columns
/// keep their expressions and FROM, hence their types.
pub fn only_appends(old: &View, new: &View) -> bool {
    if old.materialized
        || new.materialized
        || old.options != new.options
        || old.check_option != new.check_option
    {
        return false;
    }
    let (Some((_, o)), Some((mut parsed, n))) = (select(&old.definition), select(&new.definition))
    else {
        return false;
    };
    if n.target_list.len() <= o.target_list.len() {
        return false;
    }
    let mut head = n;
    head.target_list.truncate(o.target_list.len());
    parsed.stmts[0].stmt = Some(Box::new(protobuf::Node {
        node: Some(N::SelectStmt(Box::new(head))),
    }));
    let Ok(head_sql) = pg_query::deparse(&parsed, Default::default()) else {
        return false;
    };
    super::same::query(&old.definition, &head_sql)
}

/// Whether CREATE OR REPLACE VIEW takes `old` (in `from`) to `new` (in
/// `to`): every old column keeps its name and type, columns are only added
/// at the end. Types are worked out offline, so only for column references
/// into the model's tables and explicit casts; anything else must be the
/// very same query head (`only_appends`).
pub fn replaceable(old: &View, new: &View, from: &Database, to: &Database) -> bool {
    if only_appends(old, new) {
        return true;
    }
    if old.materialized
        || new.materialized
        || old.options != new.options
        || old.check_option != new.check_option
    {
        return false;
    }
    let (Some((_, o)), Some((_, n))) = (select(&old.definition), select(&new.definition)) else {
        return false;
    };
    if n.target_list.len() < o.target_list.len() {
        return false;
    }
    let (old_names, new_names) = (names(&o), names(&n));
    let (old_types, new_types) = (output_types(&o, from), output_types(&n, to));
    (0..o.target_list.len()).all(|i| {
        old_names[i] == new_names[i]
            && old_names[i] != "?column?"
            && old_types[i].is_some()
            && old_types[i] == new_types[i]
    })
}

/// Whether `new` has more output columns than `old`.
pub fn appends(old: &View, new: &View) -> bool {
    match (output_names(&old.definition), output_names(&new.definition)) {
        (Some(a), Some(b)) => b.len() > a.len(),
        _ => true,
    }
}

/// A relation in FROM: its alias (or name), and the table it is when the
/// model has that table.
struct FromItem<'a> {
    name: String,
    table: Option<&'a crate::model::Table>,
}

impl FromItem<'_> {
    /// A subquery or function in FROM: known by its alias only.
    fn derived(alias: Option<&protobuf::Alias>) -> Self {
        FromItem {
            name: alias.map(|a| a.aliasname.clone()).unwrap_or_default(),
            table: None,
        }
    }
}

fn from_items<'a>(nodes: &[protobuf::Node], db: &'a Database, out: &mut Vec<FromItem<'a>>) {
    for node in nodes {
        match &node.node {
            Some(N::RangeVar(r)) => {
                let schema = if r.schemaname.is_empty() {
                    "public"
                } else {
                    &r.schemaname
                };
                let key = QualifiedName::new(schema, &r.relname).to_string();
                let name = match &r.alias {
                    Some(a) => a.aliasname.clone(),
                    None => r.relname.clone(),
                };
                out.push(FromItem {
                    name,
                    table: db.tables.get(&key),
                });
            }
            Some(N::JoinExpr(j)) => {
                let sides: Vec<protobuf::Node> = [j.larg.as_deref(), j.rarg.as_deref()]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                from_items(&sides, db, out);
            }
            Some(N::RangeSubselect(r)) => out.push(FromItem::derived(r.alias.as_ref())),
            Some(N::RangeFunction(r)) => out.push(FromItem::derived(r.alias.as_ref())),
            _ => out.push(FromItem {
                name: String::new(),
                table: None,
            }),
        }
    }
}

/// The type (with collation) of each output column, where it is known.
fn output_types(sel: &SelectStmt, db: &Database) -> Vec<Option<String>> {
    let mut from = Vec::new();
    from_items(&sel.from_clause, db, &mut from);
    sel.target_list
        .iter()
        .map(|t| match &t.node {
            Some(N::ResTarget(rt)) => expr_type(rt.val.as_deref(), &from),
            _ => None,
        })
        .collect()
}

fn expr_type(node: Option<&protobuf::Node>, from: &[FromItem<'_>]) -> Option<String> {
    match node?.node.as_ref()? {
        // A cast of a constant, or of a column with the default collation
        // (a column's own collation would carry over to the result).
        N::TypeCast(c) => {
            let plain = match c.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(N::AConst(_)) => true,
                Some(N::ColumnRef(r)) => column(r, from).is_some_and(|col| col.collation.is_none()),
                _ => false,
            };
            let tn = c.type_name.as_ref()?;
            plain
                .then(|| canonical_type_node(tn, "cast").ok())
                .flatten()
        }
        N::ColumnRef(c) => {
            let col = column(c, from)?;
            Some(match &col.collation {
                Some(coll) => format!("{} COLLATE {coll}", col.type_),
                None => col.type_.clone(),
            })
        }
        _ => None,
    }
}

/// The model column a reference names: `rel.col`, or `col` when exactly
/// one relation in FROM has it and every relation there is a known table.
fn column<'a>(c: &protobuf::ColumnRef, from: &[FromItem<'a>]) -> Option<&'a crate::model::Column> {
    let parts: Vec<&str> = c
        .fields
        .iter()
        .map(|f| match &f.node {
            Some(N::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [rel, col] => {
            let mut hits = from.iter().filter(|f| f.name == *rel);
            let item = hits.next()?;
            if hits.next().is_some() {
                return None;
            }
            item.table?.columns.get(*col)
        }
        [col] => {
            let tables: Vec<&crate::model::Table> =
                from.iter().map(|f| f.table).collect::<Option<_>>()?;
            let mut hits = tables.iter().filter_map(|t| t.columns.get(*col));
            let hit = hits.next()?;
            hits.next().is_none().then_some(hit)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(def: &str) -> View {
        View {
            definition: def.into(),
            ..Default::default()
        }
    }

    #[test]
    fn names_as_postgres_gives_them() {
        assert_eq!(
            output_names("SELECT u.id, count(*), x AS y, 1, (a)::text FROM u").unwrap(),
            ["id", "count", "y", "?column?", "a"]
        );
        assert!(output_names("SELECT * FROM u").is_none());
        assert!(output_names("SELECT 1 UNION SELECT 2").is_none());
    }

    #[test]
    fn renamed_column_is_a_change() {
        assert!(!crate::diff::same::query(
            "SELECT users.id AS a FROM users",
            "SELECT id AS b FROM users"
        ));
        assert!(crate::diff::same::query(
            "SELECT count(*) AS count, 1 + 1 AS two FROM users",
            "SELECT count(*), 1 + 1 AS two FROM public.users"
        ));
        assert!(crate::diff::same::query(
            "SELECT users.id, users.id + 1 AS next FROM users",
            "SELECT id, id + 1 FROM users"
        ));
    }

    #[test]
    fn appends() {
        let old = view("SELECT users.id, users.score FROM users");
        assert!(only_appends(
            &old,
            &view("SELECT id, score, email FROM public.users")
        ));
        for new in [
            "SELECT id, score FROM users",
            "SELECT id, email, score FROM users",
            "SELECT id, score, email FROM users WHERE id > 1",
            "SELECT id, score AS s, email FROM users",
            "SELECT * FROM users",
        ] {
            assert!(!only_appends(&old, &view(new)), "{new}");
        }
    }

    fn db(columns: &[(&str, &str, &str)]) -> Database {
        let mut db = Database::default();
        for (table, col, ty) in columns {
            let t = db.tables.entry(format!("public.{table}")).or_default();
            let (ty, collation) = match ty.split_once(" COLLATE ") {
                Some((t, c)) => (t, Some(c.to_string())),
                None => (*ty, None),
            };
            let c = crate::model::Column {
                type_: ty.to_string(),
                collation,
                ..Default::default()
            };
            t.columns.insert(col.to_string(), c);
        }
        db
    }

    #[test]
    fn replaceable_when_columns_keep_names_and_types() {
        let from = db(&[
            ("t", "id", "integer"),
            ("t", "a", "integer"),
            ("t", "b", "character varying(20)"),
            ("u", "t_id", "integer"),
            ("u", "note", "text COLLATE \"C\""),
        ]);
        let old = view("SELECT t.id, t.a, (t.b)::text AS b FROM public.t;");
        let ok = |new: &str, to: &Database| replaceable(&old, &view(new), &from, to);
        assert!(ok(
            "SELECT id, a, b::text AS b FROM public.t WHERE a > 0",
            &from
        ));
        assert!(ok(
            "SELECT x.id, x.a, 'n'::text AS b FROM public.t x JOIN public.u ON u.t_id = x.id",
            &from
        ));
        assert!(ok(
            "SELECT id, a, b::text AS b, 1 AS one FROM public.t",
            &from
        ));
        assert!(!super::appends(
            &old,
            &view("SELECT id, a, b::text AS b FROM t WHERE a > 0")
        ));
        // A type, a name or an unknown type differs.
        let wider = db(&[("t", "id", "integer"), ("t", "a", "bigint")]);
        assert!(!ok("SELECT id, a, 'x'::text AS b FROM public.t", &wider));
        assert!(!ok("SELECT id, a AS c, b::text AS b FROM public.t", &from));
        assert!(!ok("SELECT id, a, b FROM public.t", &from));
        assert!(!ok(
            "SELECT id, a + 0 AS a, b::text AS b FROM public.t",
            &from
        ));
        // `a` is in both tables: ambiguous, so unknown.
        let both = db(&[
            ("t", "id", "integer"),
            ("t", "a", "integer"),
            ("u", "a", "integer"),
        ]);
        assert!(!ok(
            "SELECT t.id, a, 'x'::text AS b FROM public.t, public.u",
            &both
        ));
        // A collation is part of the type.
        let old = view("SELECT u.note FROM public.u");
        assert!(replaceable(
            &old,
            &view("SELECT note FROM public.u WHERE t_id > 0"),
            &from,
            &from
        ));
        let plain = db(&[("u", "t_id", "integer"), ("u", "note", "text")]);
        assert!(!replaceable(
            &old,
            &view("SELECT note FROM public.u WHERE t_id > 0"),
            &from,
            &plain
        ));
    }
}

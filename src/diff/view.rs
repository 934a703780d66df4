//! View queries beyond expression equivalence: the names of their output
//! columns, and whether a new query only appends columns to an old one
//! (then CREATE OR REPLACE VIEW keeps the view and its dependants).

use pg_query::protobuf::node::Node as N;
use pg_query::protobuf::{self, SelectStmt};

use crate::model::View;

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
}

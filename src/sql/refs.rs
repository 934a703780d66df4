//! What a piece of SQL refers to: relations, functions and types, found by
//! PostgreSQL's own parser (pg_query) rather than by pattern matching.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::model::memo;
use crate::model::name::split_dotted;

/// A name as written: schema (when qualified) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefName {
    pub schema: Option<String>,
    pub name: String,
}

/// Everything one piece of SQL mentions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    pub relations: BTreeSet<RefName>,
    pub functions: BTreeSet<RefName>,
    pub types: BTreeSet<RefName>,
    /// Objects a `DROP` statement names (its names are plain lists, not
    /// relation or function nodes).
    pub dropped: BTreeSet<RefName>,
}

impl Refs {
    pub fn extend(&mut self, other: Refs) {
        self.relations.extend(other.relations);
        self.functions.extend(other.functions);
        self.types.extend(other.types);
        self.dropped.extend(other.dropped);
    }
}

thread_local! {
    // Planning asks about the same texts thousands of times (a type such
    // as `uuid`, a policy's `auth.uid() = user_id`): parse each once.
    static CACHE: memo::Table<String, Result<Refs, String>> = Default::default();
}

/// Refs in whole statements. Errors carry PostgreSQL's parser message.
pub fn refs_in_sql(sql: &str) -> Result<Refs, String> {
    memo::get_or_compute(&CACHE, sql, || parse_refs(sql))
}

/// As `refs_in_sql`, for a statement not asked about again (a migration's
/// statements, each seen once): nothing is remembered, since a first
/// migration's statements would all be held for nothing.
pub fn refs_in_statement(sql: &str) -> Result<Refs, String> {
    parse_refs(sql)
}

fn parse_refs(sql: &str) -> Result<Refs, String> {
    let parsed = pg_query::parse(sql, 0).map_err(|e| e.to_string())?;
    let tree = serde_json::to_value(&parsed.protobuf).map_err(|e| e.to_string())?;
    let mut ctes = BTreeSet::new();
    collect_ctes(&tree, &mut ctes);
    let mut refs = Refs::default();
    walk(&tree, &ctes, &mut refs);
    Ok(refs)
}

/// Refs in an expression (`DEFAULT`, `CHECK`, `USING`, ...).
pub fn refs_in_expr(expr: &str) -> Result<Refs, String> {
    refs_in_sql(&format!("SELECT ({expr})"))
}

/// Refs in a type name (`public.mood[]`).
pub fn refs_in_type(ty: &str) -> Result<Refs, String> {
    refs_in_sql(&format!("SELECT NULL::{ty}"))
}

fn strings(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|n| n.pointer("/node/String/sval").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn ref_name(parts: &[String]) -> Option<RefName> {
    match parts {
        [name] => Some(RefName {
            schema: None,
            name: name.clone(),
        }),
        [.., schema, name] => Some(RefName {
            schema: Some(schema.clone()),
            name: name.clone(),
        }),
        [] => None,
    }
}

fn string_const(node: &Value) -> Option<&str> {
    node.pointer("/node/AConst/val/Sval/sval")
        .and_then(Value::as_str)
}

fn relation_literal(text: &str) -> Option<RefName> {
    split_dotted(text).ok().and_then(|p| ref_name(&p))
}

fn collect_ctes(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(n)) = map.get("ctename") {
                out.insert(n.clone());
            }
            map.values().for_each(|c| collect_ctes(c, out));
        }
        Value::Array(items) => items.iter().for_each(|c| collect_ctes(c, out)),
        _ => {}
    }
}

// Nodes are recognised by their fields, since the serialised tree holds
// some of them (TypeName) as plain fields rather than tagged nodes.
fn walk(v: &Value, ctes: &BTreeSet<String>, refs: &mut Refs) {
    match v {
        Value::Object(map) => {
            if map.contains_key("relname") && map.contains_key("inh") {
                let schema = map.get("schemaname").and_then(Value::as_str).unwrap_or("");
                let name = map.get("relname").and_then(Value::as_str).unwrap_or("");
                let is_cte = schema.is_empty() && ctes.contains(name);
                if !name.is_empty() && !is_cte {
                    refs.relations.insert(RefName {
                        schema: (!schema.is_empty()).then(|| schema.to_string()),
                        name: name.to_string(),
                    });
                }
            }
            if map.contains_key("funcname") && map.contains_key("agg_star") {
                let parts = strings(map.get("funcname"));
                if let Some(r) = ref_name(&parts) {
                    // nextval('s.seq') names a sequence in a string.
                    if matches!(r.name.as_str(), "nextval" | "currval" | "setval") {
                        let first = map.get("args").and_then(|a| a.get(0));
                        if let Some(rel) = first.and_then(string_const).and_then(relation_literal) {
                            refs.relations.insert(rel);
                        }
                    }
                    refs.functions.insert(r);
                }
            }
            if map.contains_key("names") && map.contains_key("type_oid") {
                let parts = strings(map.get("names"));
                if let Some(r) = ref_name(&parts) {
                    refs.types.insert(r);
                }
            }
            if let (Some(arg), Some(tn)) = (map.get("arg"), map.get("type_name")) {
                let parts = strings(tn.get("names"));
                if parts.last().is_some_and(|t| t == "regclass") {
                    if let Some(rel) = string_const(arg).and_then(relation_literal) {
                        refs.relations.insert(rel);
                    }
                }
            }
            if let Some(objects) = map.get("DropStmt").and_then(|d| d.get("objects")) {
                for o in objects.as_array().into_iter().flatten() {
                    let list = o
                        .pointer("/node/List/items")
                        .or_else(|| o.pointer("/node/ObjectWithArgs/objname"));
                    if let Some(r) = ref_name(&strings(list)) {
                        refs.dropped.insert(r);
                    }
                }
            }
            map.values().for_each(|c| walk(c, ctes, refs));
        }
        Value::Array(items) => items.iter().for_each(|c| walk(c, ctes, refs)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(schema: Option<&str>, name: &str) -> RefName {
        RefName {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    #[test]
    fn finds_functions_relations_types() {
        let refs = refs_in_expr(
            "app.f(x) + (SELECT count(*) FROM public.\"T\" t WHERE t.k = 'a'::public.mood)",
        )
        .unwrap();
        assert!(refs.functions.contains(&r(Some("app"), "f")));
        assert!(refs.functions.contains(&r(None, "count")));
        assert!(refs.relations.contains(&r(Some("public"), "T")));
        assert!(refs.types.contains(&r(Some("public"), "mood")));
    }

    #[test]
    fn sequences_in_strings_and_ctes() {
        let refs = refs_in_expr("nextval('public.\"Order_id_seq\"'::regclass)").unwrap();
        assert!(refs.relations.contains(&r(Some("public"), "Order_id_seq")));
        let refs = refs_in_sql("WITH w AS (SELECT 1) SELECT * FROM w, public.x").unwrap();
        assert_eq!(refs.relations.len(), 1);
        assert!(refs.relations.contains(&r(Some("public"), "x")));
    }

    #[test]
    fn dropped_names() {
        let refs = refs_in_sql("DROP TABLE app.b, c; DROP FUNCTION public.f(int)").unwrap();
        assert!(refs.dropped.contains(&r(Some("app"), "b")));
        assert!(refs.dropped.contains(&r(None, "c")));
        assert!(refs.dropped.contains(&r(Some("public"), "f")));
    }

    #[test]
    fn types_in_signatures() {
        let refs = refs_in_sql(
            "CREATE FUNCTION pg_temp.x(a public.\"bıgınt\", b integer DEFAULT app.d()) RETURNS SETOF public.users LANGUAGE sql AS ''",
        )
        .unwrap();
        assert!(refs.types.contains(&r(Some("public"), "bıgınt")));
        assert!(refs.types.contains(&r(Some("public"), "users")));
        assert!(refs.functions.contains(&r(Some("app"), "d")));
        assert!(refs_in_type("public.mood[]")
            .unwrap()
            .types
            .contains(&r(Some("public"), "mood")));
        assert!(refs_in_expr("1 +").is_err());
    }
}

//! Which tables and views a diff must look at.
//!
//! Those that differ, and those that mention (by name, anywhere in their
//! definition) something that differs: a view over a changed table, a
//! foreign key to it, a policy calling a changed function, a column of a
//! changed enum. Mentions are followed to a fixed point through views and
//! through tables whose own columns, checks, policies or triggers mention a
//! change (a retyped column breaks what reads the table); a table that
//! mentions a change only in a foreign key is looked at but not followed
//! further (nothing reads a foreign key).
//!
//! Everything else is equal on both sides and reads nothing that changes,
//! so the diff would find nothing to do with it; leaving it out keeps a
//! 20-edit plan of a 10 000-table schema from rendering all 10 000 tables
//! twice. Name tokens over-approximate mentions (any identifier equal to
//! the changed object's name, in any schema), which only costs time.
//! `tests/plan_support` checks that the scoped diff equals the whole one.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::model::Database;
use crate::plan::render::{parse_function_key, parse_name};
use crate::plan::scope::Scope;

/// The tables and views of `a` and `b` that the diff of the two needs.
pub(crate) fn scope(a: &Database, b: &Database) -> Scope {
    let global_same = a.schemas == b.schemas
        && a.extensions == b.extensions
        && a.external == b.external
        && a.default_privileges == b.default_privileges;
    if !global_same {
        // Rare, and reaching into everything: compare whole models.
        return Scope::all();
    }
    match Mentions::build(a, b) {
        Some(m) => m.scope(a),
        None => Scope::all(),
    }
}

struct Mentions {
    /// Lower-case name tokens of objects that changed or may be recreated.
    names: HashSet<String>,
    /// Tables and views in scope so far.
    kept: HashSet<String>,
}

/// A relation equal on both sides, not yet known to matter.
struct Candidate<'a> {
    key: &'a str,
    /// Tokens of its definition, foreign keys left out.
    own: HashSet<String>,
    /// Tokens of its foreign keys.
    references: HashSet<String>,
}

impl Mentions {
    /// The changed objects; `None` when a key does not parse.
    fn build(a: &Database, b: &Database) -> Option<Mentions> {
        let mut m = Mentions {
            names: HashSet::new(),
            kept: HashSet::new(),
        };
        m.changed(&a.enums, &b.enums, false)?;
        m.changed(&a.domains, &b.domains, false)?;
        m.changed(&a.composite_types, &b.composite_types, false)?;
        m.changed(&a.sequences, &b.sequences, false)?;
        m.changed(&a.functions, &b.functions, false)?;
        m.changed(&a.aggregates, &b.aggregates, false)?;
        m.changed(&a.tables, &b.tables, true)?;
        m.changed(&a.views, &b.views, true)?;
        Some(m)
    }

    fn changed<T: PartialEq>(
        &mut self,
        a: &IndexMap<String, T>,
        b: &IndexMap<String, T>,
        relation: bool,
    ) -> Option<()> {
        let differ = a
            .iter()
            .filter(|(k, x)| b.get(*k) != Some(x))
            .map(|(k, _)| k)
            .chain(b.keys().filter(|k| !a.contains_key(*k)));
        for key in differ {
            self.names.extend(name_tokens(key)?);
            if relation {
                self.kept.insert(key.clone());
            }
        }
        Some(())
    }

    fn scope(mut self, a: &Database) -> Scope {
        if self.names.is_empty() {
            return Scope::only(self.kept);
        }
        let mut open: Vec<Candidate<'_>> = Vec::new();
        let tables = a.tables.iter().map(|(k, t)| (k, tokens_of(t, true)));
        let views = a.views.iter().map(|(k, v)| (k, tokens_of(v, false)));
        for (key, (own, references)) in tables.chain(views) {
            if self.kept.contains(key) {
                continue;
            }
            open.push(Candidate {
                key,
                own,
                references,
            });
        }
        loop {
            let mut found = HashSet::new();
            open.retain(|c| {
                if c.own.iter().any(|t| self.names.contains(t)) {
                    self.kept.insert(c.key.to_string());
                    found.extend(name_tokens(c.key).unwrap_or_default());
                    return false;
                }
                if c.references.iter().any(|t| self.names.contains(t)) {
                    self.kept.insert(c.key.to_string());
                }
                true
            });
            let before = self.names.len();
            self.names.extend(found);
            if self.names.len() == before {
                break;
            }
        }
        Scope::only(self.kept)
    }
}

/// Tokens of an object's name (not its schema): `public.Order Items` ->
/// `order`, `items`; `auth.uid()` -> `uid`.
fn name_tokens(key: &str) -> Option<Vec<String>> {
    let name = match parse_function_key(key) {
        Ok(k) if key.ends_with(')') => k.name.name,
        _ => parse_name(key, key).ok()?.name,
    };
    let mut out = Vec::new();
    tokens(&name, &mut out);
    Some(out)
}

/// Tokens of every string and key in `x`'s serialised form; with
/// `split_references`, those under `foreign_keys` apart.
fn tokens_of<T: Serialize>(x: &T, split_references: bool) -> (HashSet<String>, HashSet<String>) {
    let mut own = Vec::new();
    let mut references = Vec::new();
    let Ok(mut value) = serde_json::to_value(x) else {
        // Cannot happen for model types; a token no name has keeps it in
        // scope only if something else does.
        return Default::default();
    };
    if split_references {
        if let Some(fks) = value.as_object_mut().and_then(|o| o.remove("foreign_keys")) {
            walk(&fks, &mut references);
        }
    }
    walk(&value, &mut own);
    (own.into_iter().collect(), references.into_iter().collect())
}

fn walk(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => tokens(s, out),
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        Value::Object(o) => {
            for (k, v) in o {
                tokens(k, out);
                walk(v, out);
            }
        }
        _ => {}
    }
}

/// Identifier-like runs of `text`, lower-cased (unquoted names fold).
fn tokens(text: &str, out: &mut Vec<String>) {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    out.extend(
        text.split(|c: char| !word(c))
            .filter(|t| !t.is_empty())
            .map(str::to_lowercase),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ForeignKey, Table, View};

    fn table(cols: &[(&str, &str)]) -> Table {
        let mut t = Table::default();
        for (n, ty) in cols {
            t.columns.insert(
                n.to_string(),
                Column {
                    type_: ty.to_string(),
                    ..Default::default()
                },
            );
        }
        t
    }

    fn model() -> Database {
        let mut db = Database::default();
        db.tables
            .insert("public.a".into(), table(&[("id", "uuid")]));
        let mut b = table(&[("id", "uuid"), ("a_id", "uuid")]);
        b.foreign_keys.insert(
            "b_a_fk".into(),
            ForeignKey {
                columns: vec!["a_id".into()],
                references: "public.a(id)".into(),
                ..Default::default()
            },
        );
        db.tables.insert("public.b".into(), b);
        db.tables.insert(
            "public.c".into(),
            table(&[("id", "uuid"), ("b_id", "uuid")]),
        );
        db.views.insert(
            "public.v".into(),
            View {
                definition: "SELECT id FROM public.b".into(),
                ..Default::default()
            },
        );
        db.views.insert(
            "public.w".into(),
            View {
                definition: "SELECT id FROM public.v".into(),
                ..Default::default()
            },
        );
        db
    }

    fn kept(s: &Scope, db: &Database) -> Vec<String> {
        let mut keys: Vec<String> = db
            .tables
            .keys()
            .chain(db.views.keys())
            .filter(|k| s.has(k))
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    #[test]
    fn same_models_need_nothing() {
        let a = model();
        assert_eq!(scope(&a, &a.clone()).size(), Some(0));
    }

    #[test]
    fn views_follow_views_and_foreign_keys_stop() {
        let a = model();
        let mut b = a.clone();
        b.tables["public.b"].comment = Some("changed".into());
        // b changed: v reads b, w reads v; c mentions only `b_id`, no token `b`.
        assert_eq!(
            kept(&scope(&a, &b), &b),
            ["public.b", "public.v", "public.w"]
        );
        let mut b = a.clone();
        b.tables["public.a"].comment = Some("changed".into());
        // a changed: b references it (looked at), but nothing reading b is.
        assert_eq!(kept(&scope(&a, &b), &b), ["public.a", "public.b"]);
    }

    #[test]
    fn a_changed_type_pulls_in_its_columns_readers() {
        let mut a = model();
        a.tables["public.b"].columns["id"].type_ = "public.status".into();
        a.enums.insert("public.status".into(), Default::default());
        let mut b = a.clone();
        b.enums["public.status"].values.push("new".into());
        assert_eq!(
            kept(&scope(&a, &b), &b),
            ["public.b", "public.v", "public.w"]
        );
    }

    #[test]
    fn a_schema_change_compares_everything() {
        let a = model();
        let mut b = a.clone();
        b.schemas.insert("other".into(), Default::default());
        assert_eq!(scope(&a, &b).size(), None);
    }
}

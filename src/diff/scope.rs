//! Which tables and views a diff must look at.
//!
//! Those that differ, and those that mention (by name, anywhere in their
//! definition) something that differs: a view over a changed table, a
//! foreign key to it, a policy calling a changed function, a column of a
//! changed enum. Mentions are followed to a fixed point through views and
//! through tables whose own columns, checks, policies or triggers mention a
//! change (a retyped column breaks what reads the table), and through
//! functions that mention one (a view calling a function made again with
//! its table is made again too); a table that
//! mentions a change only in a foreign key is looked at but not followed
//! further (nothing reads a foreign key).
//!
//! Everything else is equal on both sides and reads nothing that changes,
//! so the diff would find nothing to do with it; leaving it out keeps a
//! plan of a few edits from rendering every table of both models. Name
//! tokens over-approximate mentions (any identifier equal to
//! the changed object's name, in any schema), which only costs time.
//! `tests/plan_support` checks that the scoped diff equals the whole one.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::ddl::render::{parse_function_key, parse_name};
use crate::ddl::scope::Scope;
use crate::model::{Database, Table, View};

use super::words::{words, Words};

/// The tables and views of `a` and `b` that the diff of the two needs.
pub(crate) fn scope(a: &Database, b: &Database) -> Scope {
    let global_same = a.schemas == b.schemas
        && a.extensions == b.extensions
        && a.external == b.external
        && a.default_privileges == b.default_privileges
        && a.publications == b.publications
        && a.collations == b.collations
        && a.text_search_configurations == b.text_search_configurations;
    if !global_same {
        // Rare, and reaching into everything: compare whole models.
        return Scope::all();
    }
    Mentions::build(a, b)
        .and_then(|m| m.scope(a))
        .unwrap_or_else(Scope::all)
}

struct Mentions {
    /// Lower-case name tokens of objects that changed or may be recreated.
    names: HashSet<String>,
    /// Tables and views in scope so far.
    kept: HashSet<String>,
}

/// A relation equal on both sides, not yet known to matter; its tokens as
/// ids into a [`Words`] table.
struct Candidate<'a> {
    key: &'a str,
    /// Tokens of its definition, foreign keys left out.
    own: Vec<u32>,
    /// Tokens of its foreign keys.
    references: Vec<u32>,
    /// A table or view (else a function, which is always compared, but
    /// whose name is followed: a view calling it reads what it reads).
    relation: bool,
}

impl Mentions {
    /// The changed objects; `None` when a key does not parse.
    fn build(a: &Database, b: &Database) -> Option<Mentions> {
        let mut m = Mentions {
            names: HashSet::new(),
            kept: HashSet::new(),
        };
        m.changed(&a.enums, &b.enums, false, PartialEq::eq)?;
        m.changed(&a.domains, &b.domains, false, PartialEq::eq)?;
        m.changed(&a.composite_types, &b.composite_types, false, PartialEq::eq)?;
        m.changed(&a.range_types, &b.range_types, false, PartialEq::eq)?;
        m.changed(&a.sequences, &b.sequences, false, PartialEq::eq)?;
        m.changed(&a.functions, &b.functions, false, PartialEq::eq)?;
        m.changed(&a.aggregates, &b.aggregates, false, PartialEq::eq)?;
        m.changed(&a.tables, &b.tables, true, PartialEq::eq)?;
        m.changed(&a.views, &b.views, true, PartialEq::eq)?;
        Some(m)
    }

    /// Keeps what differs by `same`.
    fn changed<T>(
        &mut self,
        a: &IndexMap<String, T>,
        b: &IndexMap<String, T>,
        relation: bool,
        same: impl Fn(&T, &T) -> bool,
    ) -> Option<()> {
        let mut keys: Vec<String> = (a.iter())
            .filter(|(k, x)| !b.get(*k).is_some_and(|y| same(x, y)))
            .map(|(k, _)| k.clone())
            .collect();
        keys.extend(b.keys().filter(|k| !a.contains_key(*k)).cloned());
        for key in keys {
            self.names.extend(name_tokens(&key)?);
            if relation {
                self.kept.insert(key);
            }
        }
        Some(())
    }

    /// `None` when something cannot be read as words (compare everything).
    fn scope(mut self, a: &Database) -> Option<Scope> {
        if self.names.is_empty() {
            return Some(Scope::only(self.kept));
        }
        let (words, mut open) = candidates(a, &self.kept)?;
        // By word id: each round looks up every token of every open entry.
        let mut hot = vec![false; words.ids.len()];
        let mut fresh: Vec<String> = self.names.iter().cloned().collect();
        let mut unnamed = false;
        while !fresh.is_empty() {
            for id in fresh.iter().filter_map(|n| words.ids.get(n)) {
                hot[*id as usize] = true;
            }
            fresh.clear();
            open.retain(|c| {
                if c.own.iter().any(|t| hot[*t as usize]) {
                    if c.relation {
                        self.kept.insert(c.key.to_string());
                    }
                    match name_tokens(c.key) {
                        Some(names) => {
                            fresh.extend(names.into_iter().filter(|n| self.names.insert(n.clone())))
                        }
                        None => unnamed = true,
                    }
                    return false;
                }
                if c.references.iter().any(|t| hot[*t as usize]) {
                    self.kept.insert(c.key.to_string());
                }
                true
            });
            if unnamed {
                return None;
            }
        }
        Some(Scope::only(self.kept))
    }
}

/// Every table and view of `a` not yet kept, and every function, as
/// tokens.
fn candidates<'a>(a: &'a Database, kept: &HashSet<String>) -> Option<(Words, Vec<Candidate<'a>>)> {
    let tables = not_kept::<Table, _>(&a.tables, kept);
    let views = not_kept::<View, _>(&a.views, kept);
    let (mut words, mut out) = cut(&tables, &views)?;
    for (key, f) in &a.functions {
        let (own, _) = words.of(f, "")?;
        out.push(Candidate {
            key,
            own,
            references: Vec::new(),
            relation: false,
        });
    }
    Some((words, out))
}

/// The entries of `map` whose keys are not in `kept`.
fn not_kept<'a, T: 'a, V: std::borrow::Borrow<T>>(
    map: &'a IndexMap<String, V>,
    kept: &HashSet<String>,
) -> Vec<(&'a str, &'a T)> {
    map.iter()
        .filter(|(k, _)| !kept.contains(*k))
        .map(|(k, v)| (k.as_str(), v.borrow()))
        .collect()
}

/// These tables and views as tokens, on one thread.
fn cut<'a>(
    tables: &[(&'a str, &'a Table)],
    views: &[(&'a str, &'a View)],
) -> Option<(Words, Vec<Candidate<'a>>)> {
    let mut words = Words::default();
    let mut out = Vec::with_capacity(tables.len() + views.len());
    for (key, t) in tables {
        let (own, references) = words.of(*t, "foreign_keys")?;
        out.push(Candidate {
            key,
            own,
            references,
            relation: true,
        });
    }
    for (key, v) in views {
        let (own, _) = words.of(*v, "")?;
        out.push(Candidate {
            key,
            own,
            references: Vec::new(),
            relation: true,
        });
    }
    Some((words, out))
}

/// Tokens of an object's name (not its schema): `public.Order Items` ->
/// `order`, `items`; `auth.uid()` -> `uid`. `None` when it has none.
fn name_tokens(key: &str) -> Option<Vec<String>> {
    let name = match parse_function_key(key) {
        Ok(k) if key.ends_with(')') => k.name.name,
        _ => parse_name(key, key).ok()?.name,
    };
    let out: Vec<String> = words(&name).map(str::to_lowercase).collect();
    // A name with no word in it (`"%"`) could not be found: compare everything.
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::table;
    use crate::model::{ForeignKey, View};

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
    fn a_view_calling_a_function_that_reads_a_change_is_kept() {
        let mut a = model();
        a.functions.insert(
            "public.n()".into(),
            crate::model::Function {
                body: "SELECT count(*) FROM public.c".into(),
                ..Default::default()
            },
        );
        a.views.insert(
            "public.x".into(),
            View {
                definition: "SELECT public.n() AS n".into(),
                ..Default::default()
            },
        );
        let mut b = a.clone();
        b.tables["public.c"].comment = Some("changed".into());
        assert_eq!(kept(&scope(&a, &b), &b), ["public.c", "public.x"]);
    }

    #[test]
    fn a_name_after_a_line_break_is_found() {
        let mut a = model();
        a.views["public.v"].definition = "SELECT id\nFROM\tpublic.b".into();
        let mut b = a.clone();
        b.tables["public.b"].comment = Some("changed".into());
        let s = scope(&a, &b);
        assert!(kept(&s, &b).contains(&"public.v".to_string()));
    }

    #[test]
    fn a_name_without_words_compares_everything() {
        let a = model();
        let mut b = a.clone();
        b.tables.insert("public.%".into(), table(&[("id", "uuid")]));
        assert_eq!(scope(&a, &b).size(), None);
    }

    #[test]
    fn a_schema_change_compares_everything() {
        let a = model();
        let mut b = a.clone();
        b.schemas.insert("other".into(), Default::default());
        assert_eq!(scope(&a, &b).size(), None);
    }
}

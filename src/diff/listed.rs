//! What differs between two readings of one database, by object id: no
//! SQL, no order. The runner reports it after a run.
//!
//! Both sides come from the same introspection, so an object the run left
//! alone reads back equal, and plain equality is the right comparison (the
//! desired-against-actual diff needs semantic sameness instead). Planning
//! the difference to list it would render every new object's SQL only to
//! print names.

use std::hash::Hash;

use indexmap::IndexMap;

use crate::ddl::Action;
use crate::model::{Database, Grants, Id, IdKind, PrimaryKey, Table, View};

/// One object created, altered or dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub action: Action,
    /// The plan's id for the object, e.g. `table:public.users`.
    pub id: Id,
}

impl Listed {
    /// `create table public.users`, as the plan words it.
    pub fn summary(&self) -> String {
        super::summary(self.action.word(), &self.id)
    }
}

/// The objects that differ from `before` to `after`: drops first, from
/// the parts of tables up to schemas, then alters and creates the other
/// way round, each kind in id order.
pub fn listed(before: &Database, after: &Database) -> Vec<Listed> {
    let mut l = Lists::default();
    l.map(IdKind::Schema, "", &before.schemas, &after.schemas);
    l.map(IdKind::Extension, "", &before.extensions, &after.extensions);
    l.map(IdKind::Collation, "", &before.collations, &after.collations);
    l.map(
        IdKind::TextSearchConfiguration,
        "",
        &before.text_search_configurations,
        &after.text_search_configurations,
    );
    l.map(IdKind::Type, "", &before.enums, &after.enums);
    l.map(
        IdKind::Type,
        "",
        &before.composite_types,
        &after.composite_types,
    );
    l.map(IdKind::Type, "", &before.range_types, &after.range_types);
    l.map(IdKind::Domain, "", &before.domains, &after.domains);
    l.map(IdKind::Sequence, "", &before.sequences, &after.sequences);
    l.map(IdKind::Function, "", &before.functions, &after.functions);
    l.map(IdKind::Aggregate, "", &before.aggregates, &after.aggregates);
    tables(&mut l, &before.tables, &after.tables);
    views(&mut l, &before.views, &after.views);
    l.map(
        IdKind::Publication,
        "",
        &before.publications,
        &after.publications,
    );
    l.map(
        IdKind::DefaultPrivileges,
        "",
        &default_privileges(before),
        &default_privileges(after),
    );
    l.finish()
}

/// Default privileges by role, schema and object kind: their list
/// position, which the plan's ids use, says nothing across two readings.
fn default_privileges(db: &Database) -> IndexMap<String, &Grants> {
    db.default_privileges
        .iter()
        .map(|d| {
            let role = d.for_role.as_deref().unwrap_or("");
            let schema = d.schema.as_deref().unwrap_or("");
            (format!("{role}.{schema}.{}", d.on), &d.grants)
        })
        .collect()
}

/// Drops, in the order found; the rest, in the order found.
#[derive(Default)]
struct Lists {
    drops: Vec<Vec<Listed>>,
    rest: Vec<Listed>,
}

impl Lists {
    /// Compares one map of objects, named `kind:<prefix><key>`.
    fn map<K: AsRef<str> + Hash + Eq, V: PartialEq>(
        &mut self,
        kind: IdKind,
        prefix: &str,
        a: &IndexMap<K, V>,
        b: &IndexMap<K, V>,
    ) {
        let id = |k: &K| Id::new(kind, format_args!("{prefix}{}", k.as_ref()));
        let mut drops: Vec<Listed> = a
            .keys()
            .filter(|k| !b.contains_key(*k))
            .map(|k| Listed {
                action: Action::Drop,
                id: id(k),
            })
            .collect();
        drops.sort_unstable_by(|x, y| x.id.cmp(&y.id));
        self.drops.push(drops);
        let start = self.rest.len();
        for (k, y) in b {
            let action = match a.get(k) {
                None => Action::Create,
                Some(x) if x != y => Action::Alter,
                Some(_) => continue,
            };
            self.rest.push(Listed { action, id: id(k) });
        }
        self.rest[start..].sort_unstable_by(|x, y| x.id.cmp(&y.id));
    }

    /// Drops of what is dropped last come first.
    fn finish(self) -> Vec<Listed> {
        let mut out: Vec<Listed> = self.drops.into_iter().rev().flatten().collect();
        out.extend(self.rest);
        out
    }
}

fn tables(l: &mut Lists, a: &IndexMap<String, Table>, b: &IndexMap<String, Table>) {
    l.map(
        IdKind::Table,
        "",
        &rests(a, table_rest),
        &rests(b, table_rest),
    );
    // Parts are listed for every table: those of a table created or dropped
    // with it are their own steps in a plan too (indexes, keys to other
    // tables, policies, triggers); columns and constraints written inside
    // the table's statement are listed only for a table on both sides.
    let empty = Table::default();
    let keys = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k)));
    let mut keys: Vec<&String> = keys.collect();
    keys.sort_unstable();
    for key in keys {
        let x = a.get(key);
        let y = b.get(key);
        let both = x.is_some() && y.is_some();
        let (x, y) = (x.unwrap_or(&empty), y.unwrap_or(&empty));
        if both && x == y {
            continue;
        }
        let p = format!("{key}.");
        if both {
            l.map(IdKind::Column, &p, &x.columns, &y.columns);
            l.map(IdKind::Pk, key, &primary_key(x), &primary_key(y));
            l.map(IdKind::Unique, &p, &x.unique, &y.unique);
            l.map(IdKind::Check, &p, &x.checks, &y.checks);
            l.map(IdKind::Exclusion, &p, &x.exclusions, &y.exclusions);
        }
        l.map(IdKind::Index, &p, &x.indexes, &y.indexes);
        l.map(IdKind::Fk, &p, &x.foreign_keys, &y.foreign_keys);
        l.map(IdKind::Policy, &p, &x.policies, &y.policies);
        l.map(IdKind::Trigger, &p, &x.triggers, &y.triggers);
        l.map(IdKind::Rule, &p, &x.rules, &y.rules);
    }
}

fn views(l: &mut Lists, a: &IndexMap<String, View>, b: &IndexMap<String, View>) {
    l.map(IdKind::View, "", &rests(a, view_rest), &rests(b, view_rest));
    let empty = IndexMap::new();
    let no_triggers = IndexMap::new();
    let no_rules = IndexMap::new();
    for (key, y) in b.iter().filter(|(k, y)| a.get(*k) != Some(*y)) {
        let x = a.get(key).map_or(&empty, |v| &v.indexes);
        l.map(IdKind::Index, &format!("{key}."), x, &y.indexes);
        let x = a.get(key).map_or(&no_triggers, |v| &v.triggers);
        l.map(IdKind::Trigger, &format!("{key}."), x, &y.triggers);
        let x = a.get(key).map_or(&no_rules, |v| &v.rules);
        l.map(IdKind::Rule, &format!("{key}."), x, &y.rules);
    }
    for (key, x) in a.iter().filter(|(k, _)| !b.contains_key(*k)) {
        l.map(
            IdKind::Index,
            &format!("{key}."),
            &x.indexes,
            &IndexMap::new(),
        );
        l.map(
            IdKind::Trigger,
            &format!("{key}."),
            &x.triggers,
            &IndexMap::new(),
        );
        l.map(IdKind::Rule, &format!("{key}."), &x.rules, &IndexMap::new());
    }
}

/// Each object's own attributes, by key, without the parts listed apart.
fn rests<'a, V, R>(m: &'a IndexMap<String, V>, rest: impl Fn(&'a V) -> R) -> IndexMap<&'a str, R> {
    m.iter().map(|(k, v)| (k.as_str(), rest(v))).collect()
}

/// The primary key as a map of at most one, under an empty name: its id
/// is `pk:<table>`.
fn primary_key(t: &Table) -> IndexMap<&str, &PrimaryKey> {
    t.primary_key.iter().map(|k| ("", k)).collect()
}

/// A table's attributes but its parts. Destructured in full so that a new
/// field must be placed on one side or the other.
fn table_rest(t: &Table) -> impl PartialEq + '_ {
    let Table {
        owner,
        comment,
        columns: _,
        primary_key: _,
        unique: _,
        foreign_keys: _,
        checks: _,
        indexes: _,
        row_level_security,
        policies: _,
        triggers: _,
        rules: _,
        grants,
        renamed_from: _,
        unlogged,
        exclusions: _,
        partition_by,
        partition_of,
        inherits,
        options,
        replica_identity,
    } = t;
    (
        (
            owner,
            comment,
            unlogged,
            partition_by,
            partition_of,
            inherits,
        ),
        (row_level_security, grants, options, replica_identity),
    )
}

fn view_rest(v: &View) -> impl PartialEq + '_ {
    let View {
        renamed_from: _,
        materialized,
        with_no_data,
        definition,
        options,
        check_option,
        indexes: _,
        triggers: _,
        rules: _,
        owner,
        comment,
        column_comments,
        grants,
        column_grants,
    } = v;
    (
        (
            materialized,
            with_no_data,
            definition,
            options,
            check_option,
        ),
        (owner, comment, column_comments, grants, column_grants),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(yaml: &str) -> Database {
        crate::model::load::load_str(yaml, "test.yaml").expect("model")
    }

    fn ids(l: &[Listed]) -> Vec<String> {
        l.iter().map(Listed::summary).collect()
    }

    const BASE: &str = "
tables:
  public.a:
    columns: {id: int, name: text}
    primary_key: [id]
    indexes:
      a_name: {columns: [name]}
  public.b:
    columns: {id: int, a_id: int}
    foreign_keys:
      b_a: {columns: [a_id], references: public.a(id)}
    policies:
      b_all: {using: 'true'}
views:
  public.m:
    materialized: true
    definition: select id from public.a
    indexes:
      m_id: {columns: [id]}
";

    #[test]
    fn equal_readings_list_nothing() {
        assert_eq!(listed(&db(BASE), &db(BASE)), vec![]);
    }

    #[test]
    fn a_new_table_lists_its_separate_parts_not_its_columns() {
        let got = listed(&Database::default(), &db(BASE));
        assert_eq!(
            ids(&got),
            [
                "create table public.a",
                "create table public.b",
                "create index public.a.a_name",
                "create fk public.b.b_a",
                "create policy public.b.b_all",
                "create view public.m",
                "create index public.m.m_id",
            ]
        );
        // The other way round: drops, parts before what holds them.
        let got = listed(&db(BASE), &Database::default());
        assert_eq!(
            ids(&got),
            [
                "drop index public.m.m_id",
                "drop view public.m",
                "drop policy public.b.b_all",
                "drop fk public.b.b_a",
                "drop index public.a.a_name",
                "drop table public.a",
                "drop table public.b",
            ]
        );
    }

    #[test]
    fn a_changed_table_lists_what_changed_in_it() {
        let after = BASE
            .replace(
                "{id: int, name: text}",
                "{id: bigint, name: text, at: date}",
            )
            .replace("    indexes:\n      a_name: {columns: [name]}\n", "")
            .replace(
                "    policies:",
                "    row_level_security: {enabled: true}\n    policies:",
            );
        let got = listed(&db(BASE), &db(&after));
        assert_eq!(
            ids(&got),
            [
                "drop index public.a.a_name",
                "alter table public.b",
                "create column public.a.at",
                "alter column public.a.id",
            ]
        );
        assert!(got.iter().all(|l| l.id.contains(':')));
    }

    #[test]
    fn primary_keys_functions_and_default_privileges() {
        let before = db("
tables:
  public.t: {columns: {id: int}}
functions:
  public.f():
    returns: int
    language: sql
    body: select 1
default_privileges:
  - {schema: public, on: tables, grants: {alice: [select]}}
");
        let after = db("
tables:
  public.t: {columns: {id: int}, primary_key: [id]}
functions:
  public.f():
    returns: int
    language: sql
    body: select 2
default_privileges:
  - {schema: public, on: tables, grants: {alice: [select, insert]}}
");
        let got = listed(&before, &after);
        assert_eq!(
            ids(&got),
            [
                "alter function public.f()",
                // A primary key makes its columns NOT NULL.
                "alter column public.t.id",
                "create pk public.t",
                "alter default privileges .public.tables",
            ]
        );
    }
}

//! `renamed_from`: applied to a copy of the old model, so the rest of the
//! diff sees the object under its new name, and turned into RENAME
//! statements. Renames are never guessed.

use std::borrow::Cow;

use indexmap::IndexMap;

use crate::ddl::render::{parse_name, parse_table_ref};
use crate::ddl::PlanError;
use crate::model::depends::rekey_id;
use crate::model::name::quote_literal;
use crate::model::{quote_ident, Database, Id, IdKind, QualifiedName, Table};

/// One RENAME with its inverse.
#[derive(Debug, Clone)]
pub struct Rename {
    pub id: Id,
    pub summary: String,
    pub up: Vec<String>,
    pub down: Vec<String>,
}

fn err(what: String, message: String) -> PlanError {
    PlanError::Invalid { what, message }
}

fn rekey<V>(map: &mut IndexMap<String, V>, old: &str, new: &str) {
    if let Some(i) = map.get_index_of(old) {
        let (_, v) = map.shift_remove_index(i).expect("index exists");
        map.shift_insert(i, new.to_string(), v);
    }
}

/// Renames one id in the catalog's dependency edges.
fn rename_id(db: &mut Database, old: Id, new: Id) {
    db.depends.rename(|id| (*id == old).then(|| new.clone()));
}

fn rename_in(list: &mut [String], old: &str, new: &str) {
    for c in list.iter_mut().filter(|c| *c == old) {
        *c = new.to_string();
    }
}

fn format_ref(table: &QualifiedName, cols: &[String]) -> String {
    if cols.is_empty() {
        table.to_string()
    } else {
        format!("{table}({})", cols.join(", "))
    }
}

/// The old model with every rename of `to` applied, and the renames.
pub fn apply<'a>(
    from: &'a Database,
    to: &Database,
) -> Result<(Cow<'a, Database>, Vec<Rename>), PlanError> {
    let multiranges = multirange_renames(from, to)?;
    if !names_a_rename(to) && multiranges.is_empty() {
        // The usual case: no copy of the model.
        return Ok((Cow::Borrowed(from), Vec::new()));
    }
    let mut db = from.clone();
    let mut out = Vec::new();
    for (key, old, new) in multiranges {
        rename_multirange(&mut db, to, &key, &old, &new, &mut out);
    }
    enum_values(&mut db, to, &mut out)?;
    for (key, t) in &to.tables {
        let Some(old) = &t.renamed_from else {
            continue;
        };
        let new_q = parse_name(key, key)?;
        let old_q = QualifiedName::parse(old, &new_q.schema).map_err(|m| err(key.clone(), m))?;
        let old_key = old_q.to_string();
        if db.tables.contains_key(key) {
            continue;
        }
        if !db.tables.contains_key(&old_key) {
            return Err(err(
                format!("table {key}"),
                format!("renamed_from `{old}`: neither {old_key} nor {key} exists"),
            ));
        }
        if old_q.schema != new_q.schema {
            return Err(err(
                format!("table {key}"),
                "renamed_from across schemas is not supported".into(),
            ));
        }
        rekey(&mut db.tables, &old_key, key);
        db.depends.rename(|id| rekey_id(id, &old_key, key));
        // The primary key keeps its name (`<old>_pkey`).
        if let Some(pk) = db.tables.get_mut(key).and_then(|t| t.primary_key.as_mut()) {
            if pk.name.is_none() {
                pk.name = Some(format!("{}_pkey", old_q.name));
            }
        }
        // Tables may be shared with the other model: only those that name
        // the old table are copied to be changed.
        let names_old = |t: &Table| {
            let refers = t
                .foreign_keys
                .values()
                .any(|fk| parse_table_ref(&fk.references).is_ok_and(|(q, _)| q == old_q));
            let parent = t
                .partition_of
                .as_ref()
                .is_some_and(|p| parse_name(&p.parent, "").is_ok_and(|q| q == old_q));
            let inherits = (t.inherits.iter()).any(|p| parse_name(p, "").is_ok_and(|q| q == old_q));
            refers || parent || inherits
        };
        for other in db.tables.values_mut().filter(|t| names_old(t)) {
            for fk in other.foreign_keys.values_mut() {
                if let Ok((q, cols)) = parse_table_ref(&fk.references) {
                    if q == old_q {
                        fk.references = format_ref(&new_q, &cols);
                    }
                }
            }
            if let Some(p) = other.partition_of.as_mut() {
                if parse_name(&p.parent, "").is_ok_and(|q| q == old_q) {
                    p.parent = key.clone();
                }
            }
            for p in other.inherits.iter_mut() {
                if parse_name(p, "").is_ok_and(|q| q == old_q) {
                    *p = key.clone();
                }
            }
        }
        for s in db.sequences.values_mut() {
            if let Some(o) = &s.owned_by {
                let prefix = format!("{old_key}.");
                if let Some(col) = o.strip_prefix(&prefix) {
                    s.owned_by = Some(format!("{key}.{col}"));
                }
            }
        }
        out.push(Rename {
            id: Id::new(IdKind::Table, key).renamed(),
            summary: format!("rename table {old_key} to {key}"),
            up: vec![format!(
                "ALTER TABLE {} RENAME TO {};",
                old_q.sql(),
                quote_ident(&new_q.name)
            )],
            down: vec![format!(
                "ALTER TABLE {} RENAME TO {};",
                new_q.sql(),
                quote_ident(&old_q.name)
            )],
        });
    }
    for (key, v) in &to.views {
        let Some(old) = &v.renamed_from else { continue };
        let new_q = parse_name(key, key)?;
        let old_q = QualifiedName::parse(old, &new_q.schema).map_err(|m| err(key.clone(), m))?;
        let old_key = old_q.to_string();
        if db.views.contains_key(key) {
            continue;
        }
        if !db.views.contains_key(&old_key) || old_q.schema != new_q.schema {
            return Err(err(
                format!("view {key}"),
                format!("renamed_from `{old}`: no view {old_key} in the same schema"),
            ));
        }
        rekey(&mut db.views, &old_key, key);
        db.depends.rename(|id| rekey_id(id, &old_key, key));
        let word = if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        out.push(Rename {
            id: Id::new(IdKind::View, key).renamed(),
            summary: format!("rename view {old_key} to {key}"),
            up: vec![format!(
                "ALTER {word} {} RENAME TO {};",
                old_q.sql(),
                quote_ident(&new_q.name)
            )],
            down: vec![format!(
                "ALTER {word} {} RENAME TO {};",
                new_q.sql(),
                quote_ident(&old_q.name)
            )],
        });
    }
    for (key, t) in &to.tables {
        if !db.tables.contains_key(key) {
            continue;
        }
        let q = parse_name(key, key)?;
        let what = |kind: &str, n: &str| format!("{kind} {n} of table {key}");
        for (c, col) in &t.columns {
            let Some(old) = &col.renamed_from else {
                continue;
            };
            let cur = &db.tables[key];
            if cur.columns.contains_key(c) {
                continue;
            }
            if !cur.columns.contains_key(old) {
                return Err(err(
                    what("column", c),
                    format!("renamed_from `{old}`: neither column exists"),
                ));
            }
            rename_column(&mut db, key, &q, old, c);
            rename_id(
                &mut db,
                Id::part(IdKind::Column, key, old),
                Id::part(IdKind::Column, key, c),
            );
            out.push(Rename {
                id: Id::part(IdKind::Column, key, c).renamed(),
                summary: format!("rename column {key}.{old} to {c}"),
                up: vec![format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {};",
                    q.sql(),
                    quote_ident(old),
                    quote_ident(c)
                )],
                down: vec![format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {};",
                    q.sql(),
                    quote_ident(c),
                    quote_ident(old)
                )],
            });
        }
        let cur = &db.tables[key];
        let mut constraint_renames = Vec::new();
        for (n, u) in &t.unique {
            if let Some(old) = &u.renamed_from {
                constraint_renames.push((
                    "unique",
                    n.clone(),
                    old.clone(),
                    cur.unique.contains_key(n),
                    cur.unique.contains_key(old),
                ));
            }
        }
        for (n, f) in &t.foreign_keys {
            if let Some(old) = &f.renamed_from {
                constraint_renames.push((
                    "foreign key",
                    n.clone(),
                    old.clone(),
                    cur.foreign_keys.contains_key(n),
                    cur.foreign_keys.contains_key(old),
                ));
            }
        }
        for (n, c) in &t.checks {
            if let Some(old) = &c.renamed_from {
                constraint_renames.push((
                    "check",
                    n.clone(),
                    old.clone(),
                    cur.checks.contains_key(n),
                    cur.checks.contains_key(old),
                ));
            }
        }
        for (kind, n, old, has_new, has_old) in constraint_renames {
            if has_new {
                continue;
            }
            if !has_old {
                return Err(err(
                    what(kind, &n),
                    format!("renamed_from `{old}`: neither constraint exists"),
                ));
            }
            let tm = db.tables.get_mut(key).expect("present");
            let id_kind = match kind {
                "unique" => {
                    rekey(&mut tm.unique, &old, &n);
                    IdKind::Unique
                }
                "foreign key" => {
                    rekey(&mut tm.foreign_keys, &old, &n);
                    IdKind::Fk
                }
                _ => {
                    rekey(&mut tm.checks, &old, &n);
                    IdKind::Check
                }
            };
            rename_id(
                &mut db,
                Id::part(id_kind, key, &old),
                Id::part(id_kind, key, &n),
            );
            out.push(Rename {
                id: Id::part(IdKind::Constraint, key, &n).renamed(),
                summary: format!("rename {kind} {old} on {key} to {n}"),
                up: vec![format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                    q.sql(),
                    quote_ident(&old),
                    quote_ident(&n)
                )],
                down: vec![format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                    q.sql(),
                    quote_ident(&n),
                    quote_ident(&old)
                )],
            });
        }
        for (n, ix) in &t.indexes {
            let Some(old) = &ix.renamed_from else {
                continue;
            };
            let cur = &db.tables[key];
            if cur.indexes.contains_key(n) {
                continue;
            }
            if !cur.indexes.contains_key(old) {
                return Err(err(
                    what("index", n),
                    format!("renamed_from `{old}`: neither index exists"),
                ));
            }
            rekey(
                &mut db.tables.get_mut(key).expect("present").indexes,
                old,
                n,
            );
            rename_id(
                &mut db,
                Id::part(IdKind::Index, key, old),
                Id::part(IdKind::Index, key, n),
            );
            let oq = QualifiedName::new(&q.schema, old);
            let nq = QualifiedName::new(&q.schema, n);
            out.push(Rename {
                id: Id::part(IdKind::Index, key, n).renamed(),
                summary: format!("rename index {oq} to {n}"),
                up: vec![format!(
                    "ALTER INDEX {} RENAME TO {};",
                    oq.sql(),
                    quote_ident(n)
                )],
                down: vec![format!(
                    "ALTER INDEX {} RENAME TO {};",
                    nq.sql(),
                    quote_ident(old)
                )],
            });
        }
        for (n, p) in &t.policies {
            let Some(old) = &p.renamed_from else { continue };
            let cur = &db.tables[key];
            if cur.policies.contains_key(n) {
                continue;
            }
            if !cur.policies.contains_key(old) {
                return Err(err(
                    what("policy", n),
                    format!("renamed_from `{old}`: neither policy exists"),
                ));
            }
            rekey(
                &mut db.tables.get_mut(key).expect("present").policies,
                old,
                n,
            );
            rename_id(
                &mut db,
                Id::part(IdKind::Policy, key, old),
                Id::part(IdKind::Policy, key, n),
            );
            out.push(Rename {
                id: Id::part(IdKind::Policy, key, n).renamed(),
                summary: format!("rename policy {old} on {key} to {n}"),
                up: vec![format!(
                    "ALTER POLICY {} ON {} RENAME TO {};",
                    quote_ident(old),
                    q.sql(),
                    quote_ident(n)
                )],
                down: vec![format!(
                    "ALTER POLICY {} ON {} RENAME TO {};",
                    quote_ident(n),
                    q.sql(),
                    quote_ident(old)
                )],
            });
        }
    }
    Ok((Cow::Owned(db), out))
}

/// RENAME VALUE for each enum value of `to` that says `renamed_from` a
/// label its type has (and the new one it has not yet).
fn enum_values(db: &mut Database, to: &Database, out: &mut Vec<Rename>) -> Result<(), PlanError> {
    for (key, e) in &to.enums {
        let Some(cur) = db.enums.get_mut(key) else {
            continue;
        };
        let q = parse_name(key, key)?;
        for v in &e.values {
            let Some(old) = &v.renamed_from else {
                continue;
            };
            if cur.values.iter().any(|c| c.name == v.name) {
                continue;
            }
            let Some(at) = cur.values.iter_mut().find(|c| c.name == *old) else {
                return Err(err(
                    format!("value {} of enum {key}", v.name),
                    format!("renamed_from `{old}`: neither value exists"),
                ));
            };
            at.name = v.name.clone();
            // A default that is the label reads the new label once renamed.
            let typed = |label: &str, ty: &str| format!("{}::{ty}", quote_literal(label));
            for t in db.tables.values_mut() {
                for c in t.columns.values_mut() {
                    let of_enum = QualifiedName::parse(&c.type_, "public").is_ok_and(|t| t == q);
                    let Some(d) = c.default.as_mut().filter(|_| of_enum) else {
                        continue;
                    };
                    if crate::model::expr::equivalent(d, &typed(old, &c.type_)) {
                        *d = typed(&v.name, &c.type_);
                    }
                }
            }
            let rename = |from: &str, to: &str| {
                format!(
                    "ALTER TYPE {} RENAME VALUE {} TO {};",
                    q.sql(),
                    quote_literal(from),
                    quote_literal(to)
                )
            };
            out.push(Rename {
                id: Id::part(IdKind::EnumValue, key, &v.name).renamed(),
                summary: format!("rename value {old} of enum {key} to {}", v.name),
                up: vec![rename(old, &v.name)],
                down: vec![rename(&v.name, old)],
            });
        }
    }
    Ok(())
}

/// Whether any object of `to` carries `renamed_from` (every kind that
/// `apply` handles: tables, views, columns, unique keys, foreign keys,
/// checks, indexes, policies, enum values).
/// Range types in both models whose multirange type is named otherwise:
/// `(key, old name, new name)`.
fn multirange_renames(
    from: &Database,
    to: &Database,
) -> Result<Vec<(String, QualifiedName, QualifiedName)>, PlanError> {
    let mut out = Vec::new();
    for (key, b) in &to.range_types {
        let Some(a) = from.range_types.get(key) else {
            continue;
        };
        if a.multirange_type_name == b.multirange_type_name {
            continue;
        }
        let q = parse_name(key, key)?;
        let (old, new) = (a.multirange(&q), b.multirange(&q));
        if old != new {
            out.push((key.clone(), old, new));
        }
    }
    Ok(out)
}

/// A range type's multirange type renamed: in place, with its
/// constructors, and under its new name for every column of it.
fn rename_multirange(
    db: &mut Database,
    to: &Database,
    key: &str,
    old: &QualifiedName,
    new: &QualifiedName,
    out: &mut Vec<Rename>,
) {
    let name = to.range_types[key].multirange_type_name.clone();
    if let Some(r) = db.range_types.get_mut(key) {
        r.multirange_type_name = name;
    }
    let (old_key, new_key) = (old.to_string(), new.to_string());
    let (old_array, new_array) = (format!("{old_key}[]"), format!("{new_key}[]"));
    for t in db.tables.values_mut() {
        for c in t.columns.values_mut() {
            if c.type_ == old_key {
                c.type_ = new_key.clone();
            } else if c.type_ == old_array {
                c.type_ = new_array.clone();
            }
        }
    }
    let range = parse_name(key, key).map(|q| q.sql()).unwrap_or_default();
    let script = |a: &QualifiedName, b: &QualifiedName| {
        let mut sql = Vec::new();
        let mut at = a.clone();
        if a.schema != b.schema {
            sql.push(format!(
                "ALTER TYPE {} SET SCHEMA {};",
                a.sql(),
                quote_ident(&b.schema)
            ));
            at = QualifiedName::new(&b.schema, &a.name);
        }
        sql.push(format!(
            "ALTER TYPE {} RENAME TO {};",
            at.sql(),
            quote_ident(&b.name)
        ));
        // Its constructors keep their names and schema otherwise.
        for args in [String::new(), range.clone(), format!("VARIADIC {range}[]")] {
            sql.push(format!(
                "ALTER FUNCTION {}({args}) RENAME TO {};",
                a.sql(),
                quote_ident(&b.name)
            ));
            if a.schema != b.schema {
                sql.push(format!(
                    "ALTER FUNCTION {}({args}) SET SCHEMA {};",
                    QualifiedName::new(&a.schema, &b.name).sql(),
                    quote_ident(&b.schema)
                ));
            }
        }
        sql
    };
    out.push(Rename {
        id: Id::new(IdKind::Type, key).renamed(),
        summary: format!("rename multirange type {old_key} to {new_key}"),
        up: script(old, new),
        down: script(new, old),
    });
}

fn names_a_rename(to: &Database) -> bool {
    to.enums
        .values()
        .any(|e| e.values.iter().any(|v| v.renamed_from.is_some()))
        || to.views.values().any(|v| v.renamed_from.is_some())
        || to.tables.values().any(|t| {
            t.renamed_from.is_some()
                || t.columns.values().any(|c| c.renamed_from.is_some())
                || t.unique.values().any(|u| u.renamed_from.is_some())
                || t.foreign_keys.values().any(|f| f.renamed_from.is_some())
                || t.checks.values().any(|c| c.renamed_from.is_some())
                || t.indexes.values().any(|i| i.renamed_from.is_some())
                || t.policies.values().any(|p| p.renamed_from.is_some())
        })
}

/// Renames a column everywhere the old model names it structurally.
fn rename_column(db: &mut Database, key: &str, q: &QualifiedName, old: &str, new: &str) {
    let t = db.tables.get_mut(key).expect("present");
    rekey(&mut t.columns, old, new);
    if let Some(pk) = &mut t.primary_key {
        rename_in(&mut pk.columns, old, new);
        rename_in(&mut pk.include, old, new);
    }
    for u in t.unique.values_mut() {
        rename_in(&mut u.columns, old, new);
        rename_in(&mut u.include, old, new);
    }
    for fk in t.foreign_keys.values_mut() {
        rename_in(&mut fk.columns, old, new);
    }
    for ix in t.indexes.values_mut() {
        for e in &mut ix.columns {
            if e.column.as_deref() == Some(old) {
                e.column = Some(new.to_string());
            }
        }
        rename_in(&mut ix.include, old, new);
    }
    for g in t.triggers.values_mut() {
        rename_in(&mut g.columns, old, new);
    }
    let names_old = |t: &Table| {
        t.foreign_keys.values().any(|fk| {
            parse_table_ref(&fk.references)
                .is_ok_and(|(rq, cols)| &rq == q && cols.iter().any(|c| c == old))
        })
    };
    for other in db.tables.values_mut().filter(|t| names_old(t)) {
        for fk in other.foreign_keys.values_mut() {
            if let Ok((rq, mut cols)) = parse_table_ref(&fk.references) {
                if &rq == q && cols.iter().any(|c| c == old) {
                    rename_in(&mut cols, old, new);
                    fk.references = format_ref(&rq, &cols);
                }
            }
        }
    }
    let owned = format!("{key}.{old}");
    for s in db.sequences.values_mut() {
        if s.owned_by.as_deref() == Some(owned.as_str()) {
            s.owned_by = Some(format!("{key}.{new}"));
        }
    }
}

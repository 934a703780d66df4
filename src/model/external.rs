//! What a model refers to without declaring it: tables of foreign keys,
//! trigger functions and column types. Read from part of a database (or
//! declared by SQL files), such objects are someone else's: external.

use std::collections::BTreeSet;

use super::canon::keys::parse_references;
use super::canon::types::is_builtin;
use super::Database;

/// Keys of the objects `db` refers to and does not declare (an external
/// table's entry, holding only its policies and triggers, declares none).
pub fn undeclared(db: &Database) -> BTreeSet<String> {
    let listed: BTreeSet<&str> = db.external.iter().map(String::as_str).collect();
    let table = |k: &str| db.tables.contains_key(k) && !listed.contains(k);
    let mut out = BTreeSet::new();
    for t in db.tables.values() {
        for fk in t.foreign_keys.values() {
            if let Ok((q, _)) = parse_references(&fk.references) {
                if !table(&q.to_string()) {
                    out.insert(q.to_string());
                }
            }
        }
        for g in t.triggers.values() {
            let prefix = format!("{}(", g.function);
            if !db.functions.keys().any(|k| k.starts_with(&prefix)) {
                out.insert(g.function.clone());
            }
        }
        for c in t.columns.values() {
            let base = c.type_.trim_end_matches("[]");
            let base = base.split('(').next().unwrap_or(base);
            let known =
                is_builtin(base) || db.has_type(base) || table(base) || db.views.contains_key(base);
            if !known {
                out.insert(base.to_string());
            }
        }
    }
    for p in db.publications.values() {
        out.extend(p.tables.keys().filter(|k| !table(k)).cloned());
    }
    out
}

/// The schema of a key (`auth.users`, `auth.uid()`).
pub fn schema_of(key: &str) -> Option<String> {
    super::QualifiedName::parse(key.split('(').next().unwrap_or(key), "public")
        .ok()
        .map(|q| q.schema)
}

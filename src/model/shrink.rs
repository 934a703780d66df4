//! Giving back the spare room of a model's maps and lists.
//!
//! Deserialised maps and lists grow by doubling (JSON and YAML say nothing
//! of their length ahead), and an `IndexMap` keeps its entries as long as
//! its hash table: a table of 4 indexes holds room for 7, one of 15
//! columns room for 28. On a 10 000-table model that is a third of its
//! memory (147 MB before, 90 MB after), and two models are held at once.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::{par, Database, Index, Table, View};

/// Releases unused capacity, so a model costs what it holds.
pub trait Shrink {
    fn shrink(&mut self);
}

impl Shrink for Database {
    fn shrink(&mut self) {
        self.schemas.shrink_to_fit();
        self.extensions.shrink_to_fit();
        self.enums.shrink_to_fit();
        self.domains.shrink_to_fit();
        self.composite_types.shrink_to_fit();
        self.sequences.shrink_to_fit();
        self.functions.shrink_to_fit();
        self.aggregates.shrink_to_fit();
        self.default_privileges.shrink_to_fit();
        self.external.shrink_to_fit();
        self.allow_drop.shrink_to_fit();
        self.depends.shrink();
        self.views.shrink();
        self.tables.shrink_to_fit();
        // A table shared with another model was shrunk when it was made.
        par::each_mut(&mut self.tables, |_, t, _: &mut Vec<()>| {
            t.shrink();
        });
    }
}

impl<V: Shrink> Shrink for IndexMap<String, V> {
    fn shrink(&mut self) {
        self.shrink_to_fit();
        self.values_mut().for_each(Shrink::shrink);
    }
}

impl<T> Shrink for Vec<T> {
    fn shrink(&mut self) {
        self.shrink_to_fit();
    }
}

impl Shrink for Table {
    fn shrink(&mut self) {
        self.columns.shrink();
        self.unique.shrink_to_fit();
        for u in self.unique.values_mut() {
            u.columns.shrink();
        }
        self.foreign_keys.shrink_to_fit();
        for fk in self.foreign_keys.values_mut() {
            fk.columns.shrink();
        }
        self.checks.shrink_to_fit();
        self.indexes.shrink();
        self.policies.shrink_to_fit();
        for p in self.policies.values_mut() {
            p.to.shrink();
        }
        self.triggers.shrink_to_fit();
        self.grants.shrink();
        self.tidy();
        if let Some(e) = self.extras.as_deref_mut() {
            e.exclusions.shrink_to_fit();
            e.options.shrink_to_fit();
        }
        if let Some(pk) = &mut self.primary_key {
            pk.columns.shrink();
        }
    }
}

impl Shrink for super::Column {
    fn shrink(&mut self) {
        self.tidy();
        if let Some(e) = self.extras.as_deref_mut() {
            e.grants.shrink();
        }
    }
}

impl Shrink for Index {
    fn shrink(&mut self) {
        self.columns.shrink();
        self.tidy();
        if let Some(e) = self.extras.as_deref_mut() {
            e.include.shrink();
        }
    }
}

impl Shrink for View {
    fn shrink(&mut self) {
        self.indexes.shrink();
        self.column_comments.shrink_to_fit();
        self.grants.shrink();
    }
}

/// Reads a map of tables, shrinking each as it is read: shrinking only at
/// the end would first hold the whole map at its grown size.
pub fn tables<'de, D: Deserializer<'de>>(d: D) -> Result<IndexMap<String, Table>, D::Error> {
    struct Tables;
    impl<'de> Visitor<'de> for Tables {
        type Value = IndexMap<String, Table>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of tables")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some((key, mut table)) = map.next_entry::<String, Table>()? {
                table.shrink();
                out.insert(key, table);
            }
            out.shrink_to_fit();
            Ok(out)
        }
    }
    d.deserialize_map(Tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_keeps_the_model_and_drops_spare_room() {
        let make = || {
            let mut db = Database::default();
            for i in 0..5 {
                let mut t = Table::default();
                for c in 0..15 {
                    t.columns.insert(format!("c{c}"), Default::default());
                }
                db.tables.insert(format!("public.t{i}"), t);
            }
            db
        };
        let (mut db, before) = (make(), make());
        assert!(db.tables[0].columns.capacity() > 15);
        db.shrink();
        assert_eq!(db, before);
        assert_eq!(db.tables[0].columns.capacity(), 15);
        assert_eq!(db.tables.capacity(), 5);
    }
}

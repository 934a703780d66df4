//! What existing objects depend on, as the catalog (pg_depend) records it.
//!
//! Filled by introspection only, keyed by the diff's object ids
//! (`view:public.v`, `column:public.t.a`, `function:public.f(integer)`).
//! It is derived from the database, not part of the schema: never written
//! to YAML or JSON, and left out of model equality, so a model read back
//! from a database still equals the one it was created from.

use std::collections::BTreeSet;
use std::fmt;

use super::Id;
use indexmap::IndexSet;

type Ids = IndexSet<Box<str>, foldhash::fast::FixedState>;

#[derive(Clone, Default)]
pub struct CatalogDeps {
    /// True when the model was introspected with its dependencies (see
    /// `catalog::InspectOptions::dependencies`): the edges are then complete
    /// for everything pg_depend tracks (all but non-SQL-standard function
    /// bodies), even when there are none.
    pub present: bool,
    /// Each id once; an edge names its ends by their place here. Ids repeat
    /// across edges (every policy needs `function:auth.uid()`).
    ids: Ids,
    /// (object, what it needs), as places in `ids`.
    edges: BTreeSet<(usize, usize)>,
}

/// Derived data: two models are equal whatever their catalog edges.
impl PartialEq for CatalogDeps {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// The edges in name order, whatever order they were found in.
impl fmt::Debug for CatalogDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CatalogDeps")
            .field("present", &self.present)
            .field("edges", &self.edges().collect::<Vec<_>>())
            .finish()
    }
}

impl CatalogDeps {
    /// Records that `id` needs `needs` (self edges are dropped).
    pub fn add(&mut self, id: Id, needs: Id) {
        if id != needs {
            let (a, _) = self.ids.insert_full(String::from(id).into_boxed_str());
            let (b, _) = self.ids.insert_full(String::from(needs).into_boxed_str());
            self.edges.insert((a, b));
        }
    }

    /// What `id` needs; empty when nothing is recorded.
    pub fn of(&self, id: &str) -> impl Iterator<Item = &str> {
        self.ids
            .get_index_of(id)
            .into_iter()
            .flat_map(|a| self.edges.range((a, 0)..=(a, usize::MAX)))
            .map(|&(_, b)| self.name(b))
    }

    pub fn len(&self) -> usize {
        self.edges.len()
    }

    pub fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// Every edge as (object, what it needs), in name order.
    pub fn edges(&self) -> impl Iterator<Item = (&str, &str)> {
        let mut all: Vec<_> = self
            .edges
            .iter()
            .map(|&(a, b)| (self.name(a), self.name(b)))
            .collect();
        all.sort_unstable();
        all.into_iter()
    }

    /// Renames ids (both ends) with `f`, which returns `None` to keep one.
    pub fn rename(&mut self, f: impl Fn(&Id) -> Option<Id>) {
        let old = std::mem::take(self);
        self.present = old.present;
        for (k, n) in old.edges() {
            let (Some(k), Some(n)) = (Id::parse(k), Id::parse(n)) else {
                continue;
            };
            let k = f(&k).unwrap_or(k);
            let n = f(&n).unwrap_or(n);
            self.add(k, n);
        }
    }

    fn name(&self, i: usize) -> &str {
        self.ids.get_index(i).map_or("", |s| s)
    }
}

/// `kind:<key>` and `kind:<key>.<rest>` -> the same with `new_key`: what a
/// rename of the relation `old_key` does to the ids of it and its parts.
pub fn rekey_id(id: &Id, old_key: &str, new_key: &str) -> Option<Id> {
    let kind = id.kind()?;
    let key = id.key();
    if key == old_key {
        return Some(Id::new(kind, new_key));
    }
    let tail = key.strip_prefix(old_key)?.strip_prefix('.')?;
    Some(Id::part(kind, new_key, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rekeys_relations_and_parts_only() {
        let id = |text: &str| Id::parse(text).unwrap();
        let f = |i: &Id| rekey_id(i, "public.t", "public.u");
        assert_eq!(f(&id("table:public.t")).unwrap(), "table:public.u");
        assert_eq!(f(&id("column:public.t.a")).unwrap(), "column:public.u.a");
        assert_eq!(f(&id("table:public.tt")), None);
        assert_eq!(f(&id("column:public.tt.a")), None);
        let mut d = CatalogDeps::default();
        d.add(id("view:public.v"), id("column:public.t.a"));
        d.add(id("view:public.v"), id("view:public.v"));
        d.rename(f);
        let e: Vec<_> = d.edges().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].1, "column:public.u.a");
    }
}

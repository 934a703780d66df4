//! What existing objects depend on, as the catalog (pg_depend) records it.
//!
//! Filled by introspection only, keyed by the diff's object ids
//! (`view:public.v`, `column:public.t.a`, `function:public.f(integer)`).
//! It is derived from the database, not part of the schema: never written
//! to YAML or JSON, and left out of model equality, so a model read back
//! from a database still equals the one it was created from.

use std::collections::BTreeSet;
use std::fmt;

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
    pub fn add(&mut self, id: String, needs: String) {
        if id != needs {
            let (a, _) = self.ids.insert_full(id.into_boxed_str());
            let (b, _) = self.ids.insert_full(needs.into_boxed_str());
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
    pub fn rename(&mut self, f: impl Fn(&str) -> Option<String>) {
        let old = std::mem::take(self);
        self.present = old.present;
        for (k, n) in old.edges() {
            let k = f(k).unwrap_or_else(|| k.to_string());
            let n = f(n).unwrap_or_else(|| n.to_string());
            self.add(k, n);
        }
    }

    fn name(&self, i: usize) -> &str {
        self.ids.get_index(i).map_or("", |s| s)
    }
}

/// `kind:<key>` and `kind:<key>.<rest>` -> the same with `new_key`: what a
/// rename of the relation `old_key` does to the ids of it and its parts.
pub fn rekey_id(id: &str, old_key: &str, new_key: &str) -> Option<String> {
    let (kind, rest) = id.split_once(':')?;
    if rest == old_key {
        return Some(format!("{kind}:{new_key}"));
    }
    let tail = rest.strip_prefix(old_key)?.strip_prefix('.')?;
    Some(format!("{kind}:{new_key}.{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rekeys_relations_and_parts_only() {
        let f = |id: &str| rekey_id(id, "public.t", "public.u");
        assert_eq!(f("table:public.t").as_deref(), Some("table:public.u"));
        assert_eq!(f("column:public.t.a").as_deref(), Some("column:public.u.a"));
        assert_eq!(f("table:public.tt"), None);
        assert_eq!(f("column:public.tt.a"), None);
        let mut d = CatalogDeps::default();
        d.add("view:public.v".into(), "column:public.t.a".into());
        d.add("view:public.v".into(), "view:public.v".into());
        d.rename(f);
        let e: Vec<_> = d.edges().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].1, "column:public.u.a");
    }
}

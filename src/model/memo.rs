//! Per-thread memo tables for pure functions of text that parse SQL: loading
//! and planning ask about the same few thousand texts (`uuid`, `now()`,
//! `(SELECT auth.uid())`) hundreds of thousands of times at scale.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;
use std::thread::LocalKey;

/// A memo table: one per function, declared with `thread_local!`. The keys
/// are the user's own texts, not an attacker's, so a fast hash will do
/// (SipHash was a tenth of rendering a large create script).
pub type Table<K, V> = RefCell<HashMap<K, V, foldhash::fast::RandomState>>;

/// Entries kept before a table starts over, to bound memory.
const LIMIT: usize = 200_000;

/// `compute()`, remembered under `key` in `table`. The key is copied only
/// on a miss.
pub fn get_or_compute<Q, K, V>(
    table: &'static LocalKey<Table<K, V>>,
    key: &Q,
    compute: impl FnOnce() -> V,
) -> V
where
    Q: ToOwned<Owned = K> + Eq + Hash + ?Sized,
    K: Borrow<Q> + Eq + Hash,
    V: Clone,
{
    if let Some(hit) = table.with(|t| t.borrow().get(key).cloned()) {
        return hit;
    }
    let value = compute();
    table.with(|t| {
        let mut t = t.borrow_mut();
        if t.len() >= LIMIT {
            t.clear();
        }
        t.insert(key.to_owned(), value.clone());
    });
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SQUARES: Table<u32, u32> = Default::default();
    }

    #[test]
    fn computes_once_per_key() {
        let mut calls = 0;
        for _ in 0..3 {
            assert_eq!(
                get_or_compute(&SQUARES, &7, || {
                    calls += 1;
                    49
                }),
                49
            );
        }
        assert_eq!(calls, 1);
    }
}

//! Work over the entries of a large map on two threads, with results in
//! entry order, so the output is what one thread would give.

use indexmap::IndexMap;

/// Below this many entries a second thread costs more than it saves.
pub const MIN_ENTRIES: usize = 2048;

/// Calls `f` on every entry, the second half of the map on another thread
/// when it is large; what `f` pushes comes back in entry order.
pub fn each_mut<K, V, R, F>(map: &mut IndexMap<K, V>, f: F) -> Vec<R>
where
    K: Send + Sync,
    V: Send,
    R: Send,
    F: Fn(&K, &mut V, &mut Vec<R>) + Sync,
{
    let slice = map.as_mut_slice();
    let run = |part: &mut indexmap::map::Slice<K, V>| {
        let mut out = Vec::new();
        for (k, v) in part.iter_mut() {
            f(k, v, &mut out);
        }
        out
    };
    if slice.len() < MIN_ENTRIES {
        return run(slice);
    }
    let (first, second) = slice.split_at_mut(slice.len() / 2);
    let (mut out, rest) = join(|| run(first), || run(second));
    out.extend(rest);
    out
}

/// `f` of every item, in item order; the second half on another thread
/// when there are many.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_from(MIN_ENTRIES, items, f)
}

/// Below this many items that each cost tens of microseconds (a parse),
/// a second thread costs more than it saves.
pub const MIN_COSTLY: usize = 64;

/// [`map`] for items that each cost tens of microseconds.
pub fn map_costly<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_from(MIN_COSTLY, items, f)
}

/// `f` of every item, in item order; the second half on another thread
/// from `min` items on.
fn map_from<T, R, F>(min: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    halves(min, items, |_, part| part.iter().map(&f).collect())
}

/// What `f` gives for the first half of `items` and then for the second,
/// worked out on another thread, from `min` items on (else `f` of all of
/// them). `f` is told where its part starts in `items`.
pub fn halves<T, R, F>(min: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &[T]) -> Vec<R> + Sync,
{
    if items.len() < min {
        return f(0, items);
    }
    let middle = items.len() / 2;
    let (first, second) = items.split_at(middle);
    let (mut out, rest) = join(|| f(0, first), || f(middle, second));
    out.extend(rest);
    out
}

/// Runs `a` here and `b` on another thread when there are `entries` enough
/// to be worth it (else one after the other), and returns both.
pub fn both<A, B>(entries: usize, a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    if entries < MIN_ENTRIES {
        return (a(), b());
    }
    join(a, b)
}

/// Runs `a` here and `b` on another thread, and returns both.
pub fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B)
where
    B: Send,
{
    std::thread::scope(|s| {
        let later = s.spawn(b);
        let a = a();
        // A panic is a bug, as it would be on one thread: passed on.
        let b = later
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_entry_order_whatever_the_threads() {
        for n in [0, 3, MIN_ENTRIES - 1, MIN_ENTRIES, 3 * MIN_ENTRIES + 1] {
            let mut map: IndexMap<usize, usize> = (0..n).map(|i| (i, 0)).collect();
            let out = each_mut(&mut map, |k, v, out| {
                *v = k * 2;
                if k % 3 == 0 {
                    out.push(*k);
                }
            });
            assert_eq!(out, (0..n).filter(|k| k % 3 == 0).collect::<Vec<_>>());
            assert!(map.iter().all(|(k, v)| *v == k * 2));
            let items: Vec<usize> = (0..n).collect();
            assert_eq!(
                super::map(&items, |i| i * 3),
                (0..n).map(|i| i * 3).collect::<Vec<_>>()
            );
            // Each part knows where it starts: one output per item, with
            // its place, and an item of many outputs kept together.
            let placed = halves(MIN_ENTRIES, &items, |start, part| {
                (part.iter().enumerate())
                    .flat_map(|(i, &x)| std::iter::repeat_n((start + i, x), x % 2 + 1))
                    .collect()
            });
            let want: Vec<(usize, usize)> = (0..n)
                .flat_map(|x| std::iter::repeat_n((x, x), x % 2 + 1))
                .collect();
            assert_eq!(placed, want);
        }
    }
}

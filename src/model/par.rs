//! Two pieces of work at once, with results in the order one thread would
//! give them.

/// Below this many items, a second thread costs more than it saves.
pub const MIN_ENTRIES: usize = 2048;

/// Below this many items that each cost tens of microseconds (a parse),
/// a second thread costs more than it saves.
pub const MIN_COSTLY: usize = 64;

/// `f` of every item, in item order; the second half on another thread
/// from [`MIN_ENTRIES`] items on.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_from(MIN_ENTRIES, items, f)
}

/// [`map`] for items that each cost tens of microseconds, from
/// [`MIN_COSTLY`] items on.
pub fn map_costly<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    map_from(MIN_COSTLY, items, f)
}

fn map_from<T, R, F>(min: usize, items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let all = |part: &[T]| part.iter().map(&f).collect::<Vec<R>>();
    if items.len() < min {
        return all(items);
    }
    let (first, second) = items.split_at(items.len() / 2);
    let (mut out, rest) = join(|| all(first), || all(second));
    out.extend(rest);
    out
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
    fn results_come_back_in_item_order_whatever_the_threads() {
        for n in [
            0,
            3,
            MIN_COSTLY,
            MIN_ENTRIES - 1,
            MIN_ENTRIES,
            3 * MIN_ENTRIES + 1,
        ] {
            let items: Vec<usize> = (0..n).collect();
            let want: Vec<usize> = (0..n).map(|i| i * 3).collect();
            assert_eq!(map_costly(&items, |i| i * 3), want);
            assert_eq!(map(&items, |i| i * 3), want);
        }
    }
}

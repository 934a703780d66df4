//! Orders the diff's changes: a graph whose edges are real dependencies,
//! sorted by `ddl::topo` with deterministic tie-breaks.
//!
//! Edges: a create or alter runs after the creates and alters of what its
//! new version needs; a drop runs before the drops and alters of what its
//! old version needs; an alter runs before the drops of what its old
//! version needed; a name is freed before it is taken again.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, BinaryHeap};

use foldhash::{HashMap, HashMapExt};

use crate::ddl::graph::{permute, StepKind};
use crate::ddl::topo::Kahn;
use crate::ddl::{Code, Hazard};
use crate::diff::{Change, Described};
use crate::model::Stage;

use super::migration::{Action, Edge, PlannedStep};
use super::PlanError;

fn phase(c: &Change) -> u8 {
    // Validations last: they scan tables in transactions of their own
    // (`migrations::group`), so they come together at the end rather than
    // cut the plan into a migration per constraint; one that goes on to SET
    // NOT NULL (more than its VALIDATE) after the others, as it ends the
    // transaction it is in.
    if c.id.stage() == Some(Stage::Validate) {
        return if c.up.len() > 1 { 5 } else { 4 };
    }
    match c.action {
        Action::Rename => 0,
        Action::Drop => 1,
        Action::Alter => 2,
        Action::Create => 3,
    }
}

/// `explained`: whether each step gets the edges it comes after (else
/// its `after` is empty).
pub(crate) fn order(changes: Vec<Change>, explained: bool) -> Result<Vec<PlannedStep>, PlanError> {
    let n = changes.len();
    // Ties are broken by phase, kind and id: each change's place in that
    // order is found first, so that the heap below compares numbers, not
    // ids over and over.
    let rank = tie_ranks(&changes);
    let by_id = ids(&changes)?;
    let index = Index::new(&changes);
    let mut edges = edges(&changes, &by_id, &index);
    soft_edges(&changes, &index, &mut edges);
    let mut kahn = Kahn::new(n, edges.iter().map(|&(a, b, _)| (a, b)));
    let key = |i: usize| Reverse((rank[i], i));
    let mut heap: BinaryHeap<_> = kahn.roots().map(key).collect();
    let windows = policy_windows(&changes);
    let mut placed = vec![false; n];
    // Steps that end a transaction, held back while a policy is dropped
    // and not yet created again: both halves then share one transaction.
    let breaks =
        |i: usize| !changes[i].transactional || changes[i].id.stage() == Some(Stage::Validate);
    let mut held: BinaryHeap<Reverse<(u32, usize)>> = BinaryHeap::new();
    let mut open: BTreeSet<usize> = BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    loop {
        let i = match heap.pop() {
            Some(Reverse((_, i))) if !open.is_empty() && breaks(i) => {
                held.push(key(i));
                continue;
            }
            Some(Reverse((_, i))) => i,
            // Nothing else is ready: the window must span it.
            None => match held.pop() {
                Some(Reverse((_, i))) => i,
                None => break,
            },
        };
        out.push(i);
        placed[i] = true;
        if let Some(closers) = windows.get(&i) {
            open.extend(closers.iter().copied().filter(|&c| !placed[c]));
        }
        if open.remove(&i) && open.is_empty() {
            heap.extend(held.drain());
        }
        kahn.place(i, |k| heap.push(key(k)));
    }
    if out.len() < n {
        let placed: BTreeSet<usize> = out.iter().copied().collect();
        let stuck: Vec<&str> = (0..n)
            .filter(|i| !placed.contains(i))
            .map(|i| changes[i].id.as_str())
            .collect();
        return Err(PlanError::Cycle(stuck.join(", ")));
    }
    let split = split_windows(&out, &windows, breaks);
    drop((kahn, rank));
    let mut befores: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
    if explained {
        for &(a, b, ref why) in &edges {
            befores[b].push(Edge {
                before: changes[a].id.clone(),
                reason: why.to_string(),
            });
        }
    }
    // Each change becomes its step where it lies (what only ordered it is
    // let go as it goes), then the steps are put in run order in place.
    let mut steps: Vec<PlannedStep> = changes
        .into_iter()
        .zip(befores)
        .enumerate()
        .map(|(i, (mut c, mut after))| {
            after.sort_by(|x, y| x.before.cmp(&y.before));
            if split.contains(&i) {
                c.hazards.retain(|h| h.code != Code::PolicyRecreated);
                c.hazards.push(Hazard::new(
                    Code::RowsWidened,
                    format!(
                        "{}: a step that cannot share its transaction comes before the table's other policy changes, so for a while its policies are only partly in place",
                        c.summary
                    ),
                ));
            }
            PlannedStep {
                id: c.id,
                action: c.action,
                summary: c.summary,
                up: c.up,
                down: c.down,
                hazards: c.hazards,
                transactional: c.transactional,
                after,
            }
        })
        .collect();
    permute(&mut steps, &out);
    Ok(steps)
}

/// For each policy dropped (by change index), the policy creates and
/// alters of the same table: until they have run too, the table's
/// policies are only partly in place (a restrictive one dropped before its
/// replacement is made lets rows through).
fn policy_windows(changes: &[Change]) -> HashMap<usize, Vec<usize>> {
    let policy = |c: &Change| c.kind == StepKind::Policy && c.id.stage() != Some(Stage::Validate);
    let mut made: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if policy(c) && c.action != Action::Drop {
            if let Some(g) = &c.group {
                made.entry(g.as_str()).or_default().push(i);
            }
        }
    }
    let mut out = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if policy(c) && c.action == Action::Drop {
            if let Some(closers) = c.group.as_deref().and_then(|g| made.get(g)) {
                out.insert(i, closers.clone());
            }
        }
    }
    out
}

/// The drops of `windows` after which, in the run order `out`, a step
/// that ends a transaction comes before the last of their closers.
fn split_windows(
    out: &[usize],
    windows: &HashMap<usize, Vec<usize>>,
    breaks: impl Fn(usize) -> bool,
) -> BTreeSet<usize> {
    let mut place = vec![0; out.len()];
    for (at, &i) in out.iter().enumerate() {
        place[i] = at;
    }
    windows
        .iter()
        .filter(|(&drop, closers)| {
            let from = place[drop];
            let to = closers.iter().map(|&c| place[c]).max().unwrap_or(0);
            from < to && out[from + 1..to].iter().any(|&k| breaks(k))
        })
        .map(|(&drop, _)| drop)
        .collect()
}

/// Each change by its id. Looked up only, never walked: hashed (ordered
/// maps of long ids with common prefixes spent their time in memcmp).
fn ids(changes: &[Change]) -> Result<HashMap<&str, usize>, PlanError> {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(changes.len());
    for (i, c) in changes.iter().enumerate() {
        if by_id.insert(c.id.as_str(), i).is_some() {
            return Err(PlanError::Invalid {
                what: c.id.to_string(),
                message: "two changes with the same id".into(),
            });
        }
    }
    Ok(by_id)
}

/// The changes by what they stand for, to find the edges between them.
struct Index<'c> {
    /// Changes that stand for an object: the object itself, and for a
    /// table its columns, keys and checks.
    members: Lists<'c>,
    /// Names freed by drops: each drop's object id, and its other slots.
    freed_ids: Lists<'c>,
    slots: Lists<'c>,
}

impl<'c> Index<'c> {
    fn new(changes: &'c [Change]) -> Index<'c> {
        let mut index = Index {
            members: Lists::with_capacity(changes.len()),
            freed_ids: Lists::default(),
            slots: Lists::default(),
        };
        for (i, c) in changes.iter().enumerate() {
            // What needs an object needs it made, not validated: a
            // validation stands for nothing (it only follows its ADD).
            if c.id.stage() == Some(Stage::Validate) {
                continue;
            }
            index.members.push(c.obj(), i);
            if c.part {
                if let Some(g) = &c.group {
                    index.members.push(g, i);
                }
            }
            if c.action == Action::Drop {
                index.freed_ids.push(c.obj(), i);
                for s in &c.slots {
                    index.slots.push(s, i);
                }
            }
        }
        index
    }
}

/// Lists of changes by name, threaded through one array rather than a
/// list of its own for each name.
#[derive(Default)]
struct Lists<'c> {
    /// Each name's first and last entry.
    ends: HashMap<&'c str, (u32, u32)>,
    /// Each entry's change, and the next entry of its list.
    entries: Vec<(u32, u32)>,
}

const END: u32 = u32::MAX;

impl<'c> Lists<'c> {
    fn with_capacity(n: usize) -> Lists<'c> {
        Lists {
            ends: HashMap::with_capacity(n),
            entries: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, name: &'c str, change: usize) {
        let e = self.entries.len() as u32;
        self.entries.push((change as u32, END));
        match self.ends.entry(name) {
            Entry::Occupied(mut ends) => {
                let last = &mut ends.get_mut().1;
                self.entries[*last as usize].1 = e;
                *last = e;
            }
            Entry::Vacant(ends) => {
                ends.insert((e, e));
            }
        }
    }

    /// The changes listed under `name`, in the order they were pushed.
    fn get(&self, name: &str) -> impl Iterator<Item = usize> + '_ {
        let mut at = self.ends.get(name).map_or(END, |&(first, _)| first);
        std::iter::from_fn(move || {
            let &(change, next) = self.entries.get(at as usize)?;
            at = next;
            Some(change as usize)
        })
    }
}

/// The edges between changes, each with its first reason, sorted by
/// (before, after) and without repeats. Each edge's reason is written out
/// only once it is known to be kept.
fn edges<'c>(
    changes: &'c [Change],
    by_id: &HashMap<&str, usize>,
    index: &Index<'c>,
) -> Vec<(usize, usize, Why<'c>)> {
    let mut edges: Vec<(usize, usize, Why)> = Vec::new();
    fn add<'c>(edges: &mut Vec<(usize, usize, Why<'c>)>, a: usize, b: usize, why: Why<'c>) {
        if a != b {
            edges.push((a, b, why));
        }
    }
    for (j, c) in changes.iter().enumerate() {
        let creates = matches!(c.action, Action::Create | Action::Alter);
        if creates {
            for d in &c.to_deps {
                for i in index.members.get(d) {
                    if matches!(changes[i].action, Action::Create | Action::Alter) {
                        add(&mut edges, i, j, Why::Needs(c.obj(), d));
                    }
                }
            }
        }
        if c.action == Action::Drop {
            for d in &c.from_deps {
                for i in index.members.get(d) {
                    if matches!(changes[i].action, Action::Drop | Action::Alter) {
                        add(&mut edges, j, i, Why::DroppedFirst(c.obj(), d));
                    }
                }
            }
        }
        if c.action == Action::Alter {
            for d in &c.from_deps {
                for i in index.members.get(d) {
                    if changes[i].action == Action::Drop {
                        add(&mut edges, j, i, Why::ChangedFirst(c.obj(), d));
                    }
                }
            }
        }
        if c.action == Action::Create {
            for i in index.freed_ids.get(c.obj()) {
                add(&mut edges, i, j, Why::FreedId(c.obj()));
            }
            for s in &c.slots {
                for i in index.slots.get(s) {
                    add(&mut edges, i, j, Why::Freed(s));
                }
            }
        }
        for (before, why) in &c.after {
            if let Some(&i) = by_id.get(before.as_str()) {
                add(&mut edges, i, j, Why::Said(why));
            }
        }
    }
    // A list sorted once costs less than a map kept sorted as it grows;
    // the stable sort keeps each edge's first reason.
    edges.sort_by_key(|&(a, b, _)| (a, b));
    edges.dedup_by_key(|&mut (a, b, _)| (a, b));
    edges
}

/// Adds the soft dependencies of creates and alters (what a function's
/// string body reads) as edges, each only where it closes no cycle: such
/// a body is not checked when it is created, so the order is a courtesy
/// to whatever runs it before the migration ends (a default, a check).
fn soft_edges<'c>(
    changes: &'c [Change],
    index: &Index<'c>,
    edges: &mut Vec<(usize, usize, Why<'c>)>,
) {
    if changes.iter().all(|c| c.soft_deps.is_empty()) {
        return;
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for &(a, b, _) in edges.iter() {
        out[a].push(b);
    }
    // Whether `to` can be reached from `from` along the edges so far;
    // a search visits only what follows `from` (marks stamped per search).
    let mut seen: Vec<u32> = vec![0; changes.len()];
    let mut stamp = 0u32;
    let mut reaches = |out: &[Vec<usize>], from: usize, to: usize| -> bool {
        stamp += 1;
        let mut stack = vec![from];
        while let Some(u) = stack.pop() {
            if u == to {
                return true;
            }
            if seen[u] != stamp {
                seen[u] = stamp;
                stack.extend(out[u].iter().copied());
            }
        }
        false
    };
    let mut added = Vec::new();
    for (j, c) in changes.iter().enumerate() {
        if !matches!(c.action, Action::Create | Action::Alter) {
            continue;
        }
        for d in &c.soft_deps {
            for i in index.members.get(d) {
                let runs_first = matches!(changes[i].action, Action::Create | Action::Alter);
                if i != j && runs_first && !reaches(&out, j, i) {
                    out[i].push(j);
                    added.push((i, j, Why::Needs(c.obj(), d)));
                }
            }
        }
    }
    edges.extend(added);
    edges.sort_by_key(|&(a, b, _)| (a, b));
    edges.dedup_by_key(|&mut (a, b, _)| (a, b));
}

/// Each change's place when all are sorted by phase, kind (drops in
/// reverse kind order) and id: the tie-break among changes that are ready.
fn tie_ranks(changes: &[Change]) -> Vec<u32> {
    fn key(c: &Change) -> (u8, i32, &str) {
        let rank = c.kind as i32;
        let rank = if c.action == Action::Drop {
            -rank
        } else {
            rank
        };
        (phase(c), rank, c.id.as_str())
    }
    let mut sorted: Vec<u32> = (0..changes.len() as u32).collect();
    // Ids are unique (checked before), so this order is total.
    sorted.sort_unstable_by(|&x, &y| key(&changes[x as usize]).cmp(&key(&changes[y as usize])));
    let mut rank = vec![0; changes.len()];
    for (place, &i) in sorted.iter().enumerate() {
        rank[i as usize] = place as u32;
    }
    rank
}

/// Why one change runs before another, written out only for the edges kept.
enum Why<'c> {
    /// (object, what its new version needs)
    Needs(&'c str, &'c str),
    /// (object, what its old version needed)
    DroppedFirst(&'c str, &'c str),
    /// (object, what its old version used)
    ChangedFirst(&'c str, &'c str),
    /// A name (`<kind>:<name>`) freed by a drop and taken by a create.
    Freed(&'c str),
    /// An object id freed by a drop and taken by a create.
    FreedId(&'c str),
    /// A reason the diff gave.
    Said(&'c str),
}

impl std::fmt::Display for Why<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Why::Needs(o, d) => write!(f, "{} needs {}", Described(o), Described(d)),
            Why::DroppedFirst(o, d) => {
                write!(
                    f,
                    "{} depends on {}: dropped first",
                    Described(o),
                    Described(d)
                )
            }
            Why::ChangedFirst(o, d) => write!(
                f,
                "{} used {}: changed before the drop",
                Described(o),
                Described(d)
            ),
            Why::Freed(slot) => {
                let name = slot.split_once(':').map_or(*slot, |(_, x)| x);
                write!(f, "the name {name} is freed first")
            }
            Why::FreedId(id) => write!(f, "the name {id} is freed first"),
            Why::Said(why) => f.write_str(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{permute, Lists};

    #[test]
    fn lists_give_each_name_its_changes_in_the_order_pushed() {
        let mut lists = Lists::with_capacity(4);
        for (name, change) in [("a", 3), ("b", 1), ("a", 0), ("c", 7), ("a", 5), ("b", 2)] {
            lists.push(name, change);
        }
        let got = |name: &str| lists.get(name).collect::<Vec<_>>();
        assert_eq!(got("a"), [3, 0, 5]);
        assert_eq!(got("b"), [1, 2]);
        assert_eq!(got("c"), [7]);
        assert!(got("d").is_empty());
        assert!(Lists::default().get("a").next().is_none());
    }

    #[test]
    fn permute_puts_each_item_where_the_order_says() {
        let orders: [&[usize]; 5] = [
            &[],
            &[0],
            &[2, 0, 1],
            &[1, 0, 3, 2, 4],
            &[4, 3, 0, 1, 2, 6, 5],
        ];
        for order in orders {
            let mut items: Vec<String> = (0..order.len()).map(|i| format!("s{i}")).collect();
            let want: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
            permute(&mut items, order);
            assert_eq!(items, want, "order {order:?}");
        }
    }
}

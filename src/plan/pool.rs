//! The create steps as the diff takes them (`graph::create_pool`): found by
//! id, each taken once with the steps attached to it (comments, owner,
//! grants), so that a new object is made exactly as `create_script` makes
//! it.

use std::sync::{Mutex, PoisonError};

// Keys are names from the user's own schema: a fast hash will do.
use foldhash::{HashMap, HashMapExt};

use super::graph::{Body, StepKind};

/// A step's kind, create statements, drop statements and dependencies.
pub(crate) type Taken = (StepKind, Vec<String>, Vec<String>, Vec<String>);

/// A step until it is taken.
pub(crate) type Slot = Mutex<Option<Box<Body>>>;

/// Ends a list of attached steps.
pub(crate) const NO_STEP: u32 = u32::MAX;

pub(crate) struct StepPool {
    /// Steps that belong to no other step, by id (an attached step's id is
    /// let go: it is never looked for).
    by_id: HashMap<Box<str>, u32>,
    /// The kinds (id prefixes) of those steps.
    kinds: Vec<Box<str>>,
    /// Each step until it is taken. Behind a lock so that two threads can
    /// take the steps of different tables (uncontended, it costs a few ms
    /// at 10 000 tables). Boxed, so that what is taken is given back while
    /// the rest wait: unboxed, the list was 16 MB at the peak of a first
    /// plan of 10 000 tables.
    rest: Vec<Slot>,
    /// Each step's attached steps in build order: a list threaded through
    /// `next` from `first`, ended by `NO_STEP`.
    first: Vec<u32>,
    next: Vec<u32>,
}

impl StepPool {
    /// A pool for `n` steps, named with `name` and given with `steps`; the
    /// attached steps' lists (`first`, `next`) come with the steps.
    pub(crate) fn new(n: usize, first: Vec<u32>, next: Vec<u32>) -> StepPool {
        StepPool {
            by_id: HashMap::with_capacity(n),
            kinds: Vec::new(),
            rest: Vec::new(),
            first,
            next,
        }
    }

    /// The id of the step at place `at`, one that belongs to no other step.
    pub(crate) fn name(&mut self, id: Box<str>, at: u32) {
        // Steps of one kind come in runs: the last kind is nearly always it.
        let kind = id.split_once(':').map_or("", |(k, _)| k);
        if !self.kinds.iter().rev().any(|k| **k == *kind) {
            self.kinds.push(kind.into());
        }
        self.by_id.insert(id, at);
    }

    /// Every step in build order, each with its dependencies that are steps.
    pub(crate) fn steps(&mut self, rest: Vec<Slot>) {
        self.rest = rest;
    }

    /// How many steps can be taken (those attached to another go with it).
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether any step that can be taken is of `kind` (its id's prefix).
    pub(crate) fn has_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| **k == *kind)
    }

    /// Create statements, drop statements and dependencies of a step, once.
    pub(crate) fn take(&self, id: &str) -> Option<Taken> {
        let i = *self.by_id.get(id)? as usize;
        let Body {
            kind,
            sql,
            undo,
            deps,
        } = self.take_rest(i)?;
        // Sized first: grown and then shrunk, these lists were a tenth of
        // building a side of 10 000 tables.
        let mut create = Vec::with_capacity(1 + self.attached(i).count());
        create.push(sql.into_string());
        for a in self.attached(i) {
            if let Some(attached) = self.take_rest(a) {
                create.push(attached.sql.into_string());
            }
        }
        create.shrink_to_fit();
        let deps = deps.into_iter().map(|d| d.target).collect();
        Some((
            kind,
            create,
            undo.map(String::from).into_iter().collect(),
            deps,
        ))
    }

    fn attached(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut a = self.first.get(i).copied().unwrap_or(NO_STEP);
        std::iter::from_fn(move || {
            let here = a;
            a = *self.next.get(here as usize)?;
            Some(here as usize)
        })
    }

    fn take_rest(&self, i: usize) -> Option<Body> {
        // A panic elsewhere cannot leave a step half taken: the lock guards
        // one `Option::take`.
        self.rest
            .get(i)?
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(|rest| *rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(sql: &str) -> Box<Body> {
        Box::new(Body {
            kind: StepKind::Table,
            sql: sql.into(),
            undo: Some(format!("undo {sql}").into()),
            deps: vec![],
        })
    }

    #[test]
    fn a_step_is_taken_once_with_its_attached_steps_in_order() {
        // 0 table:a, 1 comment on a, 2 table:b, 3 grant on a, 4 grant on b.
        let first = vec![1, NO_STEP, 4, NO_STEP, NO_STEP];
        let next = vec![NO_STEP, 3, NO_STEP, NO_STEP, NO_STEP];
        let mut pool = StepPool::new(5, first, next);
        let mut steps = Vec::new();
        for (at, (id, attached)) in [
            ("table:a", false),
            ("comment:1", true),
            ("table:b", false),
            ("grant:3", true),
            ("grant:4", true),
        ]
        .into_iter()
        .enumerate()
        {
            if !attached {
                pool.name(id.into(), at as u32);
            }
            steps.push(Mutex::new(Some(rest(id))));
        }
        pool.steps(steps);
        assert_eq!(pool.len(), 2);
        assert!(pool.has_kind("table") && !pool.has_kind("grant"));
        let (_, create, drop, _) = pool.take("table:a").unwrap();
        assert_eq!(create, ["table:a", "comment:1", "grant:3"]);
        assert_eq!(drop, ["undo table:a"]);
        assert!(pool.take("table:a").is_none(), "taken once");
        assert!(pool.take("comment:1").is_none(), "attached: not by itself");
        assert_eq!(pool.take("table:b").unwrap().1, ["table:b", "grant:4"]);
    }
}

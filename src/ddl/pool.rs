//! The create steps as the diff takes them (`graph::create_pool`): found by
//! id, each taken once with the steps attached to it (comments, owner,
//! grants), so that a new object is made exactly as `create_script` makes
//! it.

// Keys are names from the user's own schema: a fast hash will do.
use foldhash::{HashMap, HashMapExt};

use super::graph::{Body, StepKind};
use crate::model::{Id, IdKind};

/// A step's kind, create statements, drop statements, dependencies and
/// soft dependencies (see `Dep::is_soft`).
pub(crate) type Taken = (StepKind, Vec<String>, Vec<String>, Vec<Id>, Vec<Id>);

/// Ends a list of attached steps.
pub(crate) const NO_STEP: u32 = u32::MAX;

pub(crate) struct StepPool {
    /// Steps that belong to no other step, by id.
    by_id: HashMap<Id, u32>,
    /// The kinds of those steps.
    kinds: Vec<IdKind>,
    /// Each step until it is taken.
    rest: Vec<Option<Box<Body>>>,
    /// Each step's attached steps in build order: a list threaded through
    /// `next` from `first`, ended by `NO_STEP`.
    first: Vec<u32>,
    next: Vec<u32>,
}

impl StepPool {
    /// A pool for `n` steps; the attached steps' lists (`first`, `next`)
    /// come with the steps.
    pub(crate) fn new(n: usize, first: Vec<u32>, next: Vec<u32>) -> StepPool {
        StepPool {
            by_id: HashMap::with_capacity(n),
            kinds: Vec::new(),
            rest: Vec::with_capacity(n),
            first,
            next,
        }
    }

    /// Adds the next step; `id` is given for one that belongs to no other.
    pub(crate) fn push(&mut self, id: Option<Id>, body: Box<Body>) {
        if let Some(id) = id {
            if let Some(kind) = id.kind().filter(|k| !self.kinds.contains(k)) {
                self.kinds.push(kind);
            }
            self.by_id.insert(id, self.rest.len() as u32);
        }
        self.rest.push(Some(body));
    }

    /// How many steps can be taken (those attached to another go with it).
    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether any step that can be taken is of `kind`.
    pub(crate) fn has_kind(&self, kind: IdKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// Create statements, drop statements and dependencies of a step, once.
    pub(crate) fn take(&mut self, id: &str) -> Option<Taken> {
        let i = *self.by_id.get(id)? as usize;
        let Body {
            kind,
            sql,
            undo,
            deps,
        } = *self.rest.get_mut(i)?.take()?;
        let mut create = vec![sql.into_string()];
        let mut a = self.first.get(i).copied().unwrap_or(NO_STEP);
        while let Some(attached) = self.rest.get_mut(a as usize) {
            if let Some(attached) = attached.take() {
                create.push(attached.sql.into_string());
            }
            a = self.next[a as usize];
        }
        let (soft, deps): (Vec<_>, Vec<_>) = deps.into_iter().partition(|d| d.is_soft());
        Some((
            kind,
            create,
            undo.map(String::from).into_iter().collect(),
            deps.into_iter().map(|d| d.target).collect(),
            soft.into_iter().map(|d| d.target).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(sql: &str) -> Box<Body> {
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
        for (id, attached) in [
            ("table:a", false),
            ("comment:1", true),
            ("table:b", false),
            ("grant:3", true),
            ("grant:4", true),
        ] {
            pool.push((!attached).then(|| Id::parse(id).unwrap()), body(id));
        }
        assert_eq!(pool.len(), 2);
        assert!(pool.has_kind(IdKind::Table) && !pool.has_kind(IdKind::Grant));
        let (_, create, drop, _, _) = pool.take("table:a").unwrap();
        assert_eq!(create, ["table:a", "comment:1", "grant:3"]);
        assert_eq!(drop, ["undo table:a"]);
        assert!(pool.take("table:a").is_none(), "taken once");
        assert!(pool.take("comment:1").is_none(), "attached: not by itself");
        assert_eq!(pool.take("table:b").unwrap().1, ["table:b", "grant:4"]);
    }
}

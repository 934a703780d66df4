//! Which tables and views of a model get steps built. Planning a change
//! to a large schema need not render the tables that are the same on
//! both sides (`diff::scope` decides which those are); the model
//! stays whole, so names still resolve against every object.

use std::collections::HashSet;

/// All tables and views, or only those named by key.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    only: Option<HashSet<String>>,
}

impl Scope {
    pub fn all() -> Scope {
        Scope { only: None }
    }

    /// Only these table and view keys.
    pub fn only(keys: HashSet<String>) -> Scope {
        Scope { only: Some(keys) }
    }

    pub fn has(&self, key: &str) -> bool {
        self.only.as_ref().is_none_or(|k| k.contains(key))
    }

    /// How many relations are in scope (`None`: all).
    pub fn size(&self) -> Option<usize> {
        self.only.as_ref().map(HashSet::len)
    }
}

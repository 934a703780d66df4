//! The SQL vocabulary of every object kind, below `diff` and `plan`: one
//! model part as its statements (`render`), a whole model as ordered
//! steps (`graph`, handed out by `pool`), which tables and views get steps
//! (`scope`), and the words both layers use for a change (`Action`,
//! `Hazard` and its `Code`, `Level`, `PlanError`). Pure: no database access.

pub mod graph;
pub mod hazard;
pub(crate) mod pool;
pub mod render;
pub mod scope;
pub(crate) mod topo;

use serde::Serialize;

pub use hazard::{Code, Hazard, Level};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Alter,
    Rename,
    Drop,
}

impl Action {
    /// The verb, as written in summaries, slugs and JSON.
    pub fn word(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Alter => "alter",
            Action::Rename => "rename",
            Action::Drop => "drop",
        }
    }
}

/// Why a model could not be planned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// A name or key that does not parse.
    #[error("{what}: {message}")]
    Name { what: String, message: String },
    /// An expression, type or definition PostgreSQL's parser rejects.
    #[error("{what}: cannot parse `{sql}`: {message}")]
    Parse {
        what: String,
        sql: String,
        message: String,
    },
    /// A value the renderer does not know.
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    /// A dependency cycle that cannot be broken by splitting statements.
    #[error("dependency cycle: {0}")]
    Cycle(String),
}

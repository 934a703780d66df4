//! Planning: a `model::Database` as ordered DDL. Pure: no database access.
//!
//! `render` turns one object part into one statement; `refs` finds what an
//! expression or type refers to; `graph` orders the statements (and `pool` hands them to the diff); `show`
//! draws the order as dot or Mermaid; `scope` limits which tables and
//! views get steps.

pub mod files;
pub mod graph;
pub mod migration;
mod order;
pub(crate) mod pool;
pub mod render;
pub mod scope;
pub mod show;

pub use graph::{create_script, create_steps, drop_script, drop_steps, Step, StepKind};
pub use migration::{
    changes, plan_migration, Action, Changes, Edge, Hazard, Level, MigrationPlan, PlanOptions,
    PlannedStep,
};

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

//! Planning, above `diff`: the changes between two models ordered into a
//! migration plan (`migration`, `order`), the order drawn as dot or
//! Mermaid (`show`), and a model written as SQL files (`files`). The SQL
//! of each object kind is `crate::ddl`, re-exported here for callers of
//! the plan. Pure: no database access.

pub mod files;
pub mod migration;
mod order;
pub mod show;

pub use crate::ddl::{graph, render, scope, PlanError};

pub use graph::{create_script, create_steps, drop_script, drop_steps, Step, StepKind};
pub use migration::{
    changes, plan_migration, Action, Changes, Code, Edge, Hazard, Level, MigrationPlan,
    PlanOptions, PlannedStep,
};

//! A migration plan: the ordered steps that take one model to another, each
//! with its up and down SQL and its hazards. Pure: no database access.
//!
//! Contract shared by the planner (`plan_migration`) and the migration
//! writer / CLI. The planner fills it in; the writer groups steps into
//! numbered migrations (transactional ones together, each non-transactional
//! statement alone).

use std::borrow::Cow;

use serde::Serialize;

use crate::diff::DiffOptions;
use crate::model::{Database, Id};

use super::PlanError;
pub use crate::ddl::{Action, Code, Hazard, Level};

/// Why one step must come after another (for `--explain` and `--graph`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// Id of the step that runs first.
    pub before: Id,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedStep {
    /// Unique and stable, e.g. `table:public.users`, `column:public.users.email`.
    pub id: Id,
    pub action: Action,
    /// Human summary: `create table public.users`, `alter column public.users.email: set not null`.
    pub summary: String,
    /// Statements, each ending in `;`.
    pub up: Vec<String>,
    /// Statements that undo `up`, in the order they run.
    pub down: Vec<String>,
    pub hazards: Vec<Hazard>,
    /// False for statements that cannot run in a transaction
    /// (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE used later).
    pub transactional: bool,
    /// Steps of this plan that must run first, and why.
    pub after: Vec<Edge>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MigrationPlan {
    /// In execution order.
    pub steps: Vec<PlannedStep>,
}

impl MigrationPlan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The worst hazard level in the plan.
    pub fn level(&self) -> Level {
        self.steps
            .iter()
            .flat_map(|s| s.hazards.iter().map(|h| h.level))
            .max()
            .unwrap_or(Level::Green)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOptions {
    pub diff: DiffOptions,
    /// Whether `from` is a live database with data (then index builds use
    /// CONCURRENTLY, constraints go NOT VALID then VALIDATE, ...). Offline
    /// plans against migration state are treated as live too.
    pub online_ddl: bool,
    /// `SET lock_timeout` emitted at the top of every transactional migration.
    pub lock_timeout: String,
    pub statement_timeout: String,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            diff: DiffOptions::default(),
            online_ddl: true,
            lock_timeout: "5s".into(),
            statement_timeout: "15min".into(),
        }
    }
}

/// The plan that takes `from` to `to`: renames first, then every change in
/// dependency order (ties by phase, kind rank, id).
pub fn plan_migration(
    from: &Database,
    to: &Database,
    opts: &PlanOptions,
) -> Result<MigrationPlan, PlanError> {
    changes(from, to, opts)?.order()
}

/// What takes one model to another, not yet ordered. It holds nothing of
/// the two models.
#[derive(Debug)]
pub struct Changes {
    renames: Vec<crate::diff::Rename>,
    changes: Vec<crate::diff::Change>,
}

/// The changes from `from` to `to` (see [`plan_migration`]).
pub fn changes(from: &Database, to: &Database, opts: &PlanOptions) -> Result<Changes, PlanError> {
    // Grants are read net of the default privileges in force (see model::privileges).
    let to = crate::model::privileges::net_of_defaults(from, Cow::Borrowed(to));
    let (renames, changes) = crate::diff::diff(from, &to, &opts.diff, opts.online_ddl)?;
    tracing::debug!(changes = changes.len(), "diffed");
    Ok(Changes { renames, changes })
}

impl Changes {
    /// Whether the plan would have no steps.
    pub fn is_empty(&self) -> bool {
        self.renames.is_empty() && self.changes.is_empty()
    }

    /// Renames first, then every change in dependency order, each step
    /// with the steps it comes after and why (`PlannedStep::after`).
    pub fn order(self) -> Result<MigrationPlan, PlanError> {
        self.order_explained(true)
    }

    /// As [`Changes::order`]; without `explained`, the steps' `after` is
    /// left empty: the same order, without the reasons that only
    /// `--explain`, `--graph` and JSON show.
    pub fn order_explained(self, explained: bool) -> Result<MigrationPlan, PlanError> {
        let ordered = super::order::order(self.changes, explained)?;
        each_one_statement(&ordered)?;
        if self.renames.is_empty() {
            return Ok(MigrationPlan { steps: ordered });
        }
        let mut steps: Vec<PlannedStep> = self
            .renames
            .into_iter()
            .map(|r| PlannedStep {
                id: r.id,
                action: Action::Rename,
                summary: r.summary,
                up: r.up,
                down: r.down,
                hazards: vec![],
                transactional: true,
                after: vec![],
            })
            .collect();
        steps.extend(ordered);
        Ok(MigrationPlan { steps })
    }
}

/// Every statement of every step is one statement: text from a schema file
/// that ends one early or hides its end is refused here, whatever field it
/// came in (the loader refuses the fields it knows, with their place).
fn each_one_statement(steps: &[PlannedStep]) -> Result<(), PlanError> {
    for s in steps {
        for sql in s.up.iter().chain(&s.down) {
            crate::sql::one_statement(sql).map_err(|why| PlanError::Invalid {
                what: s.summary.clone(),
                message: format!("refused to write `{sql}`: {why}"),
            })?;
        }
    }
    Ok(())
}

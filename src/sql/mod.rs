//! SQL text as PostgreSQL's own parser reads it, shared by the planner,
//! the runner and `import`: a file cut into statements and classed
//! (`split`, with `lex` finding where long texts may be cut), and what a
//! piece of SQL refers to (`refs`).

mod lex;
mod one;
pub mod refs;
pub mod split;

pub use one::one_statement;

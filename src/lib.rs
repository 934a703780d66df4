//! reconcile: a declarative schema-state reconciler for PostgreSQL.
//!
//! Functional core, thin shell: `model` (the types, loading, validation) ->
//! `catalog` (introspection into the same types) -> `ddl` (each kind's SQL)
//! -> `diff` (what changes) -> `plan` (changes ordered into migrations) ->
//! `migrations` (files on disk) -> `runner` (applies them to a database)
//! -> `cli`; `sql` (statements as PostgreSQL's parser reads them) serves
//! them all. Only `catalog` and `runner` talk to a database.

pub mod catalog;
pub mod cli;
pub mod ddl;
pub mod diff;
pub mod migrations;
pub mod model;
pub mod plan;
pub mod runner;
pub mod sql;
pub mod verify;

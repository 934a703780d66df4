//! reconcile: a declarative schema-state reconciler for PostgreSQL.
//!
//! Functional core, thin shell: `model` (the types, loading, validation) ->
//! `catalog` (introspection into the same types) -> `plan` (ordered DDL) ->
//! `migrations` (files on disk) -> `cli`. Only `catalog` talks to a database.

pub mod catalog;
pub mod cli;
pub mod diff;
pub mod migrations;
pub mod model;
pub mod plan;
pub mod sql;
pub mod verify;

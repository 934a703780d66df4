//! Supabase databases: their managed schemas are Supabase's, not the
//! team's. A database is taken for a Supabase one when it has the schema
//! `auth` and the roles `anon`, `authenticated` and `service_role` (what
//! `reconcile shim` creates on plain PostgreSQL).

use crate::model::name::quote_literal;

/// Schemas Supabase creates and manages: neither captured nor planned
/// unless named (`--schemas`).
pub const MANAGED_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "extensions",
    "graphql",
    "graphql_public",
    "vault",
    "supabase_functions",
    "supabase_migrations",
    "pgsodium",
    "pgsodium_masks",
    "net",
    "pgbouncer",
    "pgmq",
    "pgtle",
    "cron",
    "_realtime",
    "_analytics",
    "_supavisor",
];

/// Publications Supabase creates (Realtime's): read only when the desired
/// state names them or they publish a table of a schema read, so that a
/// plan never drops them.
pub const MANAGED_PUBLICATIONS: &[&str] = &[
    "supabase_realtime",
    "supabase_realtime_messages_publication",
];

/// SQL: whether the database looks like a Supabase one (a column of the
/// schema query, so that it costs no query of its own).
pub const DETECT: &str = "(EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth')
      AND (SELECT count(*) FROM pg_roles
            WHERE rolname IN ('anon', 'authenticated', 'service_role')) = 3)";

/// SQL: `n.nspname` is one of `schemas` (false when there are none).
pub fn in_schemas(schemas: &[String]) -> String {
    if schemas.is_empty() {
        return "false".into();
    }
    let list: Vec<String> = schemas.iter().map(|s| quote_literal(s)).collect();
    format!("n.nspname IN ({})", list.join(", "))
}

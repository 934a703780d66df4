//! Facts about the connection and its role, for `reconcile doctor`: what the
//! role may do, read in two queries.

use diesel::sql_types::{Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

use super::CatalogError;

/// The server, the role and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct RoleFacts {
    #[diesel(sql_type = Text)]
    pub server_version: String,
    /// `server_version_num`, e.g. 170004.
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub server_version_num: i32,
    #[diesel(sql_type = Text)]
    pub current_user: String,
    #[diesel(sql_type = Text)]
    pub current_database: String,
    #[diesel(sql_type = Bool)]
    pub superuser: bool,
    #[diesel(sql_type = Bool)]
    pub create_role: bool,
    #[diesel(sql_type = Bool)]
    pub create_db: bool,
    #[diesel(sql_type = Bool)]
    pub bypass_rls: bool,
    #[diesel(sql_type = Bool)]
    pub database_connect: bool,
    #[diesel(sql_type = Bool)]
    pub database_create: bool,
    /// None when the server cannot tell (no pg_stat_ssl row).
    #[diesel(sql_type = Nullable<Bool>)]
    pub ssl: Option<bool>,
}

/// A schema and what the role may do in it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct SchemaFacts {
    #[diesel(sql_type = Text)]
    pub schema: String,
    #[diesel(sql_type = Bool)]
    pub exists: bool,
    #[diesel(sql_type = Bool)]
    pub usage: bool,
    #[diesel(sql_type = Bool)]
    pub create: bool,
    /// Relations in it the role does not own (it cannot ALTER or DROP them).
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    pub not_owned: Vec<String>,
}

pub fn role_facts(conn: &mut PgConnection) -> Result<RoleFacts, CatalogError> {
    diesel::sql_query(
        "SELECT current_setting('server_version') AS server_version,
                current_setting('server_version_num')::int4 AS server_version_num,
                current_user::text AS current_user, current_database()::text AS current_database,
                r.rolsuper AS superuser, r.rolcreaterole AS create_role, r.rolcreatedb AS create_db,
                r.rolbypassrls AS bypass_rls,
                has_database_privilege(current_database(), 'CONNECT') AS database_connect,
                has_database_privilege(current_database(), 'CREATE') AS database_create,
                (SELECT s.ssl FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()) AS ssl
           FROM pg_roles r WHERE r.rolname = current_user",
    )
    .get_result(conn)
    .map_err(|source| CatalogError::Query {
        what: "role facts",
        source,
    })
}

pub fn schema_facts(
    conn: &mut PgConnection,
    schemas: &[String],
) -> Result<Vec<SchemaFacts>, CatalogError> {
    diesel::sql_query(
        "SELECT s.name AS schema, n.oid IS NOT NULL AS exists,
                COALESCE(has_schema_privilege(n.oid, 'USAGE'), false) AS usage,
                COALESCE(has_schema_privilege(n.oid, 'CREATE'), false) AS create,
                ARRAY(SELECT c.relname::text FROM pg_class c
                       WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
                         AND NOT pg_has_role(c.relowner, 'USAGE') ORDER BY 1) AS not_owned
           FROM unnest($1::text[]) AS s(name)
           LEFT JOIN pg_namespace n ON n.nspname = s.name
          ORDER BY s.name",
    )
    .bind::<diesel::sql_types::Array<Text>, _>(schemas)
    .load(conn)
    .map_err(|source| CatalogError::Query {
        what: "schema facts",
        source,
    })
}

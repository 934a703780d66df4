//! Everything the model does not cover, reported by kind and name so that
//! nothing is dropped silently. One UNION query.

use diesel::sql_types::{Nullable, Text};
use diesel::QueryableByName;

use super::session::{not_ext, Session};
use super::CatalogError;
use crate::model::{Database, Unmanaged};

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    schema: Option<String>,
    #[diesel(sql_type = Text)]
    name: String,
}

/// One catalog to scan, aliased `o`. `schema_oid` is empty for
/// database-wide objects; `oid >= 16384` keeps to objects made after initdb.
struct Part {
    kind: &'static str,
    catalog: &'static str,
    name: &'static str,
    schema_oid: &'static str,
    cond: &'static str,
}

const PARTS: &[Part] = &[
    Part { kind: "event trigger", catalog: "pg_event_trigger", name: "o.evtname::text", schema_oid: "", cond: "true" },
    Part { kind: "cast", catalog: "pg_cast", name: "format_type(o.castsource, NULL) || ' AS ' || format_type(o.casttarget, NULL)", schema_oid: "", cond: "o.oid >= 16384" },
    Part { kind: "foreign data wrapper", catalog: "pg_foreign_data_wrapper", name: "o.fdwname::text", schema_oid: "", cond: "true" },
    Part { kind: "foreign server", catalog: "pg_foreign_server", name: "o.srvname::text", schema_oid: "", cond: "true" },
    Part { kind: "language", catalog: "pg_language", name: "o.lanname::text", schema_oid: "", cond: "o.oid >= 16384" },
    Part { kind: "access method", catalog: "pg_am", name: "o.amname::text", schema_oid: "", cond: "o.oid >= 16384" },
    Part { kind: "transform", catalog: "pg_transform", name: "format_type(o.trftype, NULL)", schema_oid: "", cond: "true" },
    Part { kind: "operator", catalog: "pg_operator", name: "o.oprname::text || '(' || format_type(o.oprleft, NULL) || ', ' || format_type(o.oprright, NULL) || ')'", schema_oid: "o.oprnamespace", cond: "true" },
    Part { kind: "operator class", catalog: "pg_opclass", name: "o.opcname::text || ' USING ' || (SELECT amname FROM pg_am WHERE oid = o.opcmethod)", schema_oid: "o.opcnamespace", cond: "true" },
    Part { kind: "operator family", catalog: "pg_opfamily", name: "o.opfname::text || ' USING ' || (SELECT amname FROM pg_am WHERE oid = o.opfmethod)", schema_oid: "o.opfnamespace", cond: "true" },
    Part { kind: "statistics", catalog: "pg_statistic_ext", name: "o.stxname::text", schema_oid: "o.stxnamespace", cond: "true" },
    Part { kind: "text search dictionary", catalog: "pg_ts_dict", name: "o.dictname::text", schema_oid: "o.dictnamespace", cond: "true" },
    Part { kind: "text search parser", catalog: "pg_ts_parser", name: "o.prsname::text", schema_oid: "o.prsnamespace", cond: "true" },
    Part { kind: "text search template", catalog: "pg_ts_template", name: "o.tmplname::text", schema_oid: "o.tmplnamespace", cond: "true" },
    Part { kind: "conversion", catalog: "pg_conversion", name: "o.conname::text", schema_oid: "o.connamespace", cond: "true" },
    Part { kind: "function", catalog: "pg_proc", name: "o.proname::text || '(' || pg_get_function_identity_arguments(o.oid) || ')'", schema_oid: "o.pronamespace", cond: "o.prokind = 'w'" },
    Part { kind: "foreign table", catalog: "pg_class", name: "o.relname::text", schema_oid: "o.relnamespace", cond: "o.relkind = 'f'" },
    Part { kind: "rule", catalog: "pg_rewrite", name: "(SELECT relname FROM pg_class WHERE oid = o.ev_class) || '.' || o.rulename", schema_oid: "(SELECT relnamespace FROM pg_class WHERE oid = o.ev_class)", cond: "o.rulename <> '_RETURN' AND (SELECT relkind FROM pg_class WHERE oid = o.ev_class) = 'f'" },
    Part { kind: "inheritance", catalog: "pg_class", name: "o.relname::text || ' INHERITS ' || (SELECT string_agg(p.oid::regclass::text, ', ') FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhparent WHERE h.inhrelid = o.oid)", schema_oid: "o.relnamespace", cond: "o.relkind = 'f' AND EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = o.oid)" },
    // Base and shell types; arrays and multiranges come with them.
    Part { kind: "type", catalog: "pg_type", name: "o.typname::text", schema_oid: "o.typnamespace", cond: "(o.typtype = 'p' OR (o.typtype = 'b' AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = o.oid)))" },
];

/// Settings and per-column details that are not objects of their own.
const EXTRA: &str = "
SELECT 'subscription', NULL::text, subname::text FROM pg_subscription
 WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL
SELECT 'database setting', NULL::text,
       COALESCE('for role ' || pg_get_userbyid(NULLIF(d.setrole, 0)) || ': ', '') || array_to_string(d.setconfig, ', ')
  FROM pg_db_role_setting d
 WHERE d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
UNION ALL
SELECT 'column storage', n.nspname::text, c.relname || '.' || a.attname || ' STORAGE ' || a.attstorage::text
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_type t ON t.oid = a.atttypid
 WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
   AND (a.attstorage <> t.typstorage OR a.attcompression <> '') AND n.nspname = ANY($1)
UNION ALL
SELECT 'security label', NULL::text, l.provider || ': ' || l.label FROM pg_seclabel l";

/// `ON DELETE SET NULL (columns)`: PostgreSQL 15 and later.
const SET_NULL_COLUMNS: &str = "
UNION ALL
SELECT 'foreign key SET NULL/DEFAULT columns', n.nspname::text, c.relname || '.' || o.conname
  FROM pg_constraint o JOIN pg_class c ON c.oid = o.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE o.confdelsetcols IS NOT NULL AND n.nspname = ANY($1)";

fn part_sql(p: &Part) -> String {
    let schema = if p.schema_oid.is_empty() {
        "NULL::text".to_string()
    } else {
        format!(
            "(SELECT nspname::text FROM pg_namespace WHERE oid = {})",
            p.schema_oid
        )
    };
    // A set of oids found once, not a schema name looked up for every row
    // of pg_operator, pg_collation, pg_type...: this query was the
    // slowest of a reading of 100 tables.
    let scope = if p.schema_oid.is_empty() {
        "true".to_string()
    } else {
        format!(
            "{} IN (SELECT oid FROM pg_namespace WHERE nspname = ANY($1))",
            p.schema_oid
        )
    };
    format!(
        "SELECT '{}'::text AS kind, {schema} AS schema, {} AS name FROM {} o WHERE {} AND {scope} AND {}",
        p.kind,
        p.name,
        p.catalog,
        p.cond,
        not_ext(p.catalog, "o.oid")
    )
}

pub fn unmanaged(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = PARTS
        .iter()
        .map(part_sql)
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n");
    let mut sql = format!("{sql}\nUNION ALL\n{EXTRA}");
    if s.version.at_least(15) {
        sql.push_str(SET_NULL_COLUMNS);
    }
    let rows: Vec<Row> = s.load("unmanaged objects", &sql)?;
    for r in rows {
        let name = match r.schema {
            Some(schema) => format!("{}.{}", crate::model::name::key_part(&schema), r.name),
            None => r.name,
        };
        db.unmanaged.push(Unmanaged { kind: r.kind, name });
    }
    Ok(())
}

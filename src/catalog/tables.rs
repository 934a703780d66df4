//! Tables, their columns and constraints.

use diesel::sql_types::{Array, Bool, Int4, Int8, Nullable, Text};
use diesel::QueryableByName;
use indexmap::IndexMap;

use super::acl::{grants, relation_letters, with_owner, AclKind};
use super::session::{not_ext, qualified_unless_catalog, Session};
use super::types::collation_sql;
use super::CatalogError;
use crate::model::{
    Check, Column, Compression, Database, Deferral, Exclusion, FkAction, FkMatch, ForeignKey,
    Identity, PartitionOf, PrimaryKey, RowLevelSecurity, Storage, Table, Unique,
};

/// SQL: relation `c` (namespace `n`) is in a selected schema and not an
/// extension's.
pub fn rel_filter() -> String {
    format!("n.nspname = ANY($1) AND {}", not_ext("pg_class", "c.oid"))
}

/// SQL: `pg_get_expr` of a stored expression of relation `rel`. Given a
/// relation, pg_get_expr opens it to name its columns (a lock and a
/// relcache entry per call: at 10 000 tables over a second for column
/// defaults alone); an expression without column references (`{VAR` in
/// its node tree: node names are never escaped, strings inside it are)
/// deparses the same without one.
pub fn expr_sql(expr: &str, rel: &str, pretty: bool) -> String {
    format!(
        "pg_get_expr({expr}, CASE WHEN strpos({expr}::text, '{{VAR ') > 0 THEN {rel} ELSE 0 END, \
         {pretty})"
    )
}

/// SQL: joins `ds`, the comment of object `oid` of catalog `catalog`.
/// obj_description() is a SQL function: called per row it cost ~5 µs each.
pub fn comment_join(oid: &str, catalog: &str) -> String {
    format!(
        "LEFT JOIN pg_description ds ON ds.objoid = {oid} \
         AND ds.classoid = '{catalog}'::regclass AND ds.objsubid = 0"
    )
}

/// SQL: the names of columns `attnums` (an int2 array) of relation `rel`,
/// in order. One index lookup per element: joining pg_attribute to the
/// unnested array instead scanned all of the relation's columns per row.
pub fn attnames_sql(rel: &str, attnums: &str) -> String {
    // An expression's place (attnum 0, an exclusion on `lower(n)`) names
    // no column: left out, never a NULL in the list.
    format!(
        "ARRAY(SELECT (SELECT a.attname::text FROM pg_attribute a
                        WHERE a.attrelid = {rel} AND a.attnum = k.num)
                 FROM unnest({attnums}) WITH ORDINALITY k(num, ord)
                WHERE k.num <> 0 ORDER BY k.ord)"
    )
}

/// `k=v` reloptions -> map.
pub fn options_map(options: Option<Vec<String>>) -> IndexMap<String, String> {
    options
        .unwrap_or_default()
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o, String::new()),
        })
        .collect()
}

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Bool)]
    unlogged: bool,
    #[diesel(sql_type = Nullable<Text>)]
    partition_by: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    parent: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    bound: Option<String>,
    /// Parents of a table that is not a partition: schema, name, schema, ...
    #[diesel(sql_type = Array<Text>)]
    inherits: Vec<String>,
    #[diesel(sql_type = Bool)]
    rls: bool,
    #[diesel(sql_type = Bool)]
    rls_forced: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    options: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    replica_identity: Option<String>,
}

pub fn tables(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS name,
                pg_get_userbyid(c.relowner)::text AS owner,
                ds.description AS comment,
                c.relpersistence = 'u' AS unlogged,
                CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_by,
                (SELECT ARRAY[pn.nspname::text, pc.relname::text] FROM pg_inherits i
                   JOIN pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                  WHERE i.inhrelid = c.oid AND c.relispartition) AS parent,
                CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
                ARRAY(SELECT u.part FROM pg_inherits i
                        JOIN pg_class pc ON pc.oid = i.inhparent
                        JOIN pg_namespace pn ON pn.oid = pc.relnamespace,
                        unnest(ARRAY[pn.nspname::text, pc.relname::text]) WITH ORDINALITY u(part, k)
                       WHERE i.inhrelid = c.oid AND NOT c.relispartition
                       ORDER BY i.inhseqno, u.k) AS inherits,
                c.relrowsecurity AS rls, c.relforcerowsecurity AS rls_forced,
                c.relacl::text[] AS acl, c.reloptions::text[] AS options,
                CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'
                     WHEN 'i' THEN (SELECT 'index ' || ic.relname FROM pg_index i
                                      JOIN pg_class ic ON ic.oid = i.indexrelid
                                     WHERE i.indrelid = c.oid AND i.indisreplident LIMIT 1)
                END AS replica_identity
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           {}
          WHERE c.relkind IN ('r', 'p') AND {}",
        comment_join("c.oid", "pg_class"),
        rel_filter()
    );
    let rows: Vec<TableRow> = s.load("tables", &sql)?;
    for r in rows {
        let partition_of = match (r.parent, r.bound) {
            (Some(p), Some(bound)) if p.len() == 2 => Some(PartitionOf {
                parent: Session::key(&p[0], &p[1]),
                bound,
            }),
            _ => None,
        };
        let t = Table {
            owner: s.owner(&r.owner),
            comment: r.comment,
            row_level_security: RowLevelSecurity {
                enabled: r.rls,
                forced: r.rls_forced,
            },
            grants: with_owner(
                grants(r.acl.as_deref(), &r.owner, AclKind::Relation(s.version)),
                r.acl.as_deref(),
                &r.owner,
                &s.me,
                relation_letters(s.version),
                AclKind::Relation(s.version),
            ),
            unlogged: r.unlogged,
            partition_by: r.partition_by,
            partition_of,
            inherits: (r.inherits.chunks(2))
                .map(|p| Session::key(&p[0], &p[1]))
                .collect(),
            options: options_map(r.options),
            replica_identity: r.replica_identity,
            ..Default::default()
        };
        db.tables.insert(Session::key(&r.schema, &r.name), t);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Int8)]
    rel: i64,
    #[diesel(sql_type = Int4)]
    attnum: i32,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Nullable<Text>)]
    default_expr: Option<String>,
    #[diesel(sql_type = Text)]
    identity: String,
    #[diesel(sql_type = Text)]
    generated: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    collation: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
    #[diesel(sql_type = Int4)]
    statistics: i32,
    /// `attstorage`, and `typstorage` of its type: the column's differs
    /// from its type's only when it was set.
    #[diesel(sql_type = Text)]
    storage: String,
    #[diesel(sql_type = Text)]
    type_storage: String,
    /// `attcompression` (PostgreSQL 14; empty for the default).
    #[diesel(sql_type = Text)]
    compression: String,
    /// The NOT NULL constraint (PostgreSQL 18): name, validated, NO INHERIT,
    /// and for a partition the name of its parent's for the same column.
    #[diesel(sql_type = Nullable<Text>)]
    nn_name: Option<String>,
    #[diesel(sql_type = Bool)]
    nn_valid: bool,
    #[diesel(sql_type = Bool)]
    nn_no_inherit: bool,
    #[diesel(sql_type = Nullable<Text>)]
    nn_parent: Option<String>,
}

/// A column's NOT NULL constraint on PostgreSQL 18, where they are catalog
/// constraints with names.
const NOT_NULL_18: &str =
    "nn.conname::text AS nn_name, COALESCE(nn.convalidated, true) AS nn_valid,
                COALESCE(nn.connoinherit, false) AS nn_no_inherit,
                (SELECT pn.conname::text FROM pg_inherits h
                   JOIN pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
                   JOIN pg_constraint pn ON pn.conrelid = h.inhparent AND pn.contype = 'n'
                        AND pn.conkey[1] = pa.attnum
                  WHERE h.inhrelid = a.attrelid AND c.relispartition LIMIT 1) AS nn_parent";

/// Columns of tables, and column comments of views (one query for both).
pub fn columns(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    // Comments come from a join, not col_description() (a SQL function
    // call per row); defaults without column references are deparsed with
    // no relation (see `expr_sql`); the client puts columns in attnum
    // order instead of a server sort that spilled to disk.
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS table_name,
                c.oid::int8 AS rel, a.attnum::int4 AS attnum,
                pg_get_userbyid(c.relowner)::text AS owner, a.attname::text AS name,
                format_type(a.atttypid, a.atttypmod) AS type_name, a.attnotnull AS not_null,
                {} AS default_expr,
                a.attidentity::text AS identity, a.attgenerated::text AS generated,
                {} AS collation,
                ds.description AS comment, a.attacl::text[] AS acl,
                COALESCE(a.attstattarget::int4, -1) AS statistics,
                a.attstorage::text AS storage, t.typstorage::text AS type_storage,
                {} AS compression,
                {}
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_type t ON t.oid = a.atttypid
           LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
           LEFT JOIN pg_description ds ON ds.objoid = a.attrelid
                AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = a.attnum
           {}
          WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
            AND (a.attislocal OR c.relispartition) AND {}",
        expr_sql("ad.adbin", "ad.adrelid", true),
        collation_sql("a.attcollation", "t.typcollation"),
        if s.version.at_least(14) {
            "a.attcompression::text"
        } else {
            "''::text"
        },
        if s.version.at_least(18) {
            NOT_NULL_18
        } else {
            "NULL::text AS nn_name, true AS nn_valid, false AS nn_no_inherit, NULL::text AS nn_parent"
        },
        if s.version.at_least(18) {
            "LEFT JOIN pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n'
                AND nn.conkey[1] = a.attnum"
        } else {
            ""
        },
        rel_filter()
    );
    // Each row is made into its column and put in its table as it arrives;
    // a table whose columns came out of attnum order is put in order
    // after. A list of the 130 000 made columns, to sort them first, was
    // the peak of a 10 000-table read.
    let mut attnums: Vec<Vec<i32>> = vec![Vec::new(); db.tables.len()];
    let mut view_comments = Vec::new();
    let mut view_grants = Vec::new();
    s.each("columns", &sql, |r: ColumnRow| {
        let key = Session::key(&r.schema, &r.table_name);
        if let Some(view) = db.views.get_index_of(&key) {
            let g = grants(r.acl.as_deref(), &r.owner, AclKind::Plain);
            if !g.is_empty() {
                view_grants.push((r.rel, r.attnum, view, r.name.clone(), g));
            }
            if let Some(c) = r.comment {
                view_comments.push((r.rel, r.attnum, view, r.name, c));
            }
        } else if let Some(table) = db.tables.get_index_of(&key) {
            attnums[table].push(r.attnum);
            let (name, col) = column(r);
            db.tables[table].columns.insert(name, col);
        }
    })?;
    for (table, nums) in attnums.into_iter().enumerate() {
        if !nums.is_sorted() {
            let columns = &mut db.tables[table].columns;
            let mut all: Vec<_> = std::mem::take(columns).into_iter().zip(nums).collect();
            all.sort_unstable_by_key(|(_, n)| *n);
            *columns = all.into_iter().map(|(c, _)| c).collect();
        }
    }
    view_comments.sort_unstable_by_key(|f| (f.0, f.1));
    for (_, _, at, name, c) in view_comments {
        db.views[at].column_comments.insert(name, c);
    }
    view_grants.sort_unstable_by_key(|f| (f.0, f.1));
    for (_, _, at, name, g) in view_grants {
        db.views[at].column_grants.insert(name, g);
    }
    Ok(())
}

/// A table's column and its name.
fn column(r: ColumnRow) -> (String, Column) {
    let (default, generated) = if r.generated.is_empty() {
        (r.default_expr, None)
    } else {
        (None, r.default_expr)
    };
    // The name PostgreSQL gives is left out: a partition's comes from its
    // parent, any other table's is `<table>_<column>_not_null`.
    let not_null = r.nn_name.as_ref().filter(|_| r.not_null).map(|name| {
        let default = r
            .nn_parent
            .clone()
            .unwrap_or_else(|| crate::model::name::object_name(&r.table_name, &r.name, "not_null"));
        crate::model::NotNull {
            name: (*name != default).then(|| name.clone()),
            not_valid: !r.nn_valid,
            no_inherit: r.nn_no_inherit,
        }
    });
    let col = Column {
        type_: r.type_name,
        nullable: !r.not_null,
        default,
        identity: match r.identity.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        },
        virtual_: r.generated == "v",
        generated,
        not_null: not_null.filter(|n| !n.is_default()),
        collation: r.collation.as_deref().and_then(qualified_unless_catalog),
        comment: r.comment,
        grants: grants(r.acl.as_deref(), &r.owner, AclKind::Plain),
        statistics: (r.statistics >= 0).then_some(r.statistics),
        storage: (r.storage != r.type_storage)
            .then(|| Storage::from_code(&r.storage))
            .flatten(),
        compression: Compression::from_code(&r.compression),
        ..Default::default()
    };
    (r.name, col)
}

#[derive(QueryableByName)]
struct ConstraintRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    include: Vec<String>,
    #[diesel(sql_type = Bool)]
    nulls_not_distinct: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    ref_table: Option<Vec<String>>,
    #[diesel(sql_type = Array<Text>)]
    ref_columns: Vec<String>,
    #[diesel(sql_type = Text)]
    on_delete: String,
    #[diesel(sql_type = Text)]
    on_update: String,
    #[diesel(sql_type = Text)]
    match_type: String,
    #[diesel(sql_type = Bool)]
    deferrable: bool,
    #[diesel(sql_type = Bool)]
    deferred: bool,
    #[diesel(sql_type = Bool)]
    validated: bool,
    #[diesel(sql_type = Bool)]
    no_inherit: bool,
    #[diesel(sql_type = Bool)]
    enforced: bool,
    #[diesel(sql_type = Bool)]
    period: bool,
    #[diesel(sql_type = Array<Text>)]
    on_delete_columns: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    check_expr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    definition: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

pub fn constraints(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS table_name,
                con.conname::text AS name, con.contype::text AS kind,
                {} AS columns,
                CASE WHEN con.contype IN ('p', 'u') THEN
                  ARRAY(SELECT (SELECT a.attname::text FROM pg_attribute a
                                 WHERE a.attrelid = i.indrelid AND a.attnum = k.num)
                          FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
                         WHERE i.indexrelid = con.conindid AND k.ord > i.indnkeyatts
                         ORDER BY k.ord)
                ELSE '{{}}' END AS include,
                {} AS nulls_not_distinct,
                CASE WHEN con.contype = 'f' THEN
                  (SELECT ARRAY[fn.nspname::text, fc.relname::text] FROM pg_class fc
                     JOIN pg_namespace fn ON fn.oid = fc.relnamespace
                    WHERE fc.oid = con.confrelid) END AS ref_table,
                CASE WHEN con.contype = 'f' THEN {} ELSE '{{}}' END AS ref_columns,
                con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update,
                con.confmatchtype::text AS match_type,
                con.condeferrable AS deferrable, con.condeferred AS deferred,
                con.convalidated AS validated, con.connoinherit AS no_inherit,
                {} AS enforced, {} AS period, {} AS on_delete_columns,
                CASE WHEN con.contype = 'c' THEN {} END AS check_expr,
                CASE WHEN con.contype = 'x' THEN pg_get_constraintdef(con.oid) END AS definition,
                ds.description AS comment
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           {}
          WHERE c.relkind IN ('r', 'p') AND con.contype IN ('p', 'u', 'f', 'c', 'x')
            AND con.conparentid = 0 AND (con.contype <> 'c' OR con.conislocal)
            AND {}",
        attnames_sql("con.conrelid", "con.conkey"),
        if s.version.at_least(15) {
            "COALESCE((SELECT i.indnullsnotdistinct FROM pg_index i
                        WHERE i.indexrelid = con.conindid AND con.contype = 'u'), false)"
        } else {
            "false"
        },
        attnames_sql("con.confrelid", "con.confkey"),
        if s.version.at_least(18) {
            "con.conenforced"
        } else {
            "true"
        },
        if s.version.at_least(18) {
            "con.conperiod"
        } else {
            "false"
        },
        if s.version.at_least(15) {
            attnames_sql("con.conrelid", "con.confdelsetcols")
        } else {
            "'{}'::text[]".to_string()
        },
        expr_sql("con.conbin", "con.conrelid", true),
        comment_join("con.oid", "pg_constraint"),
        rel_filter()
    );
    // Taken a row at a time: as a list, the rows were 34 MB at 10 000
    // tables, held beside the model they make.
    s.each("constraints", &sql, |r: ConstraintRow| {
        let key = Session::key(&r.schema, &r.table_name);
        let Some(table) = db.tables.get_mut(&key) else {
            return;
        };
        let deferrable = deferral(r.deferrable, r.deferred);
        match r.kind.as_str() {
            "p" => {
                let default_name = format!("{}_pkey", r.table_name);
                table.primary_key = Some(PrimaryKey {
                    name: (r.name != default_name).then_some(r.name),
                    columns: r.columns,
                    without_overlaps: r.period,
                    include: r.include,
                    deferrable,
                    comment: r.comment,
                });
            }
            "u" => {
                let u = Unique {
                    renamed_from: None,
                    columns: r.columns,
                    without_overlaps: r.period,
                    include: r.include,
                    nulls_not_distinct: r.nulls_not_distinct,
                    deferrable,
                    comment: r.comment,
                };
                table.unique.insert(r.name, u);
            }
            "f" => {
                let target = r
                    .ref_table
                    .filter(|t| t.len() == 2)
                    .map(|t| Session::key(&t[0], &t[1]))
                    .unwrap_or_default();
                let fk = ForeignKey {
                    renamed_from: None,
                    columns: r.columns,
                    references: format!("{target}({})", r.ref_columns.join(", ")),
                    period: r.period,
                    on_delete: fk_action(&r.on_delete),
                    on_delete_columns: r.on_delete_columns,
                    on_update: fk_action(&r.on_update),
                    match_: match r.match_type.as_str() {
                        "f" => FkMatch::Full,
                        "p" => FkMatch::Partial,
                        _ => FkMatch::Simple,
                    },
                    deferrable,
                    // A constraint not enforced is never validated either.
                    not_valid: !r.validated && r.enforced,
                    not_enforced: !r.enforced,
                    comment: r.comment,
                };
                table.foreign_keys.insert(r.name, fk);
            }
            "c" => {
                let c = Check {
                    renamed_from: None,
                    expression: r.check_expr.unwrap_or_default(),
                    no_inherit: r.no_inherit,
                    not_valid: !r.validated && r.enforced,
                    not_enforced: !r.enforced,
                    comment: r.comment,
                };
                table.checks.insert(r.name, c);
            }
            _ => {
                let x = Exclusion {
                    definition: exclusion_body(r.definition.as_deref().unwrap_or_default()),
                    deferrable,
                    comment: r.comment,
                };
                table.exclusions.insert(r.name, x);
            }
        }
    })
}

pub fn deferral(deferrable: bool, deferred: bool) -> Deferral {
    match (deferrable, deferred) {
        (false, _) => Deferral::No,
        (true, false) => Deferral::InitiallyImmediate,
        (true, true) => Deferral::InitiallyDeferred,
    }
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// `EXCLUDE USING gist (...) DEFERRABLE` -> `USING gist (...)`: deferral
/// has its own field.
fn exclusion_body(def: &str) -> String {
    let mut body = def.strip_prefix("EXCLUDE ").unwrap_or(def);
    for suffix in [" INITIALLY DEFERRED", " DEFERRABLE"] {
        body = body.strip_suffix(suffix).unwrap_or(body);
    }
    body.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_body_drops_prefix_and_deferral() {
        assert_eq!(
            exclusion_body("EXCLUDE USING gist (id WITH =) DEFERRABLE INITIALLY DEFERRED"),
            "USING gist (id WITH =)"
        );
        assert_eq!(
            exclusion_body("EXCLUDE USING gist (id WITH =) WHERE (x > 0)"),
            "USING gist (id WITH =) WHERE (x > 0)"
        );
    }
}

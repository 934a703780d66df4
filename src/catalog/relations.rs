//! Sequences, views, indexes, policies and triggers.

use diesel::sql_types::{Array, Bool, Bytea, Int4, Int8, Nullable, Text};
use diesel::QueryableByName;
use indexmap::IndexMap;
use std::mem::take;

use super::acl::{grants, relation_letters, with_owner, AclKind};
use super::session::{not_ext, not_extension_member, Session};
use super::tables::{attnames_sql, comment_join, deferral, expr_sql, options_map, rel_filter};
use super::CatalogError;
use crate::model::{
    Database, ForEach, IdentitySequence, Index, IndexElem, NullsOrder, Policy, PolicyCommand,
    Sequence, SortOrder, Trigger, TriggerTiming, Unmanaged, View,
};

#[derive(QueryableByName)]
struct SequenceRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Text)]
    type_name: String,
    #[diesel(sql_type = Int8)]
    start: i64,
    #[diesel(sql_type = Int8)]
    increment: i64,
    #[diesel(sql_type = Int8)]
    min_value: i64,
    #[diesel(sql_type = Int8)]
    max_value: i64,
    #[diesel(sql_type = Int8)]
    cache: i64,
    #[diesel(sql_type = Bool)]
    cycle: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    owned_by: Option<Vec<String>>,
    #[diesel(sql_type = Bool)]
    identity: bool,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

pub fn sequences(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS name,
                pg_get_userbyid(c.relowner)::text AS owner,
                format_type(q.seqtypid, NULL) AS type_name, q.seqstart AS start,
                q.seqincrement AS increment, q.seqmin AS min_value, q.seqmax AS max_value,
                q.seqcache AS cache, q.seqcycle AS cycle,
                (SELECT ARRAY[tn.nspname::text, tc.relname::text, a.attname::text]
                   FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
                   JOIN pg_namespace tn ON tn.oid = tc.relnamespace
                   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                    AND d.refobjsubid > 0 LIMIT 1) AS owned_by,
                EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                         AND d.objid = c.oid AND d.deptype = 'i') AS identity,
                obj_description(c.oid, 'pg_class') AS comment, c.relacl::text[] AS acl
           FROM pg_class c JOIN pg_sequence q ON q.seqrelid = c.oid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind = 'S' AND n.nspname = ANY($1) AND {}",
        not_extension_member("pg_class", "c.oid")
    );
    let rows: Vec<SequenceRow> = s.load("sequences", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        if r.identity {
            identity_sequence(db, &r);
            continue;
        }
        let (type_min, type_max) = crate::model::identity::type_range(&r.type_name);
        let ascending = r.increment > 0;
        let (dflt_min, dflt_max) = if ascending {
            (1, type_max)
        } else {
            (type_min, -1)
        };
        let dflt_start = if ascending { r.min_value } else { r.max_value };
        let owned_by = r
            .owned_by
            .filter(|o| o.len() == 3)
            .map(|o| format!("{}.{}", Session::key(&o[0], &o[1]), o[2]));
        let seq = Sequence {
            // An owned sequence has its table's owner.
            owner: owned_by.is_none().then(|| s.owner(&r.owner)).flatten(),
            type_: (r.type_name != "bigint").then_some(r.type_name),
            start: (r.start != dflt_start).then_some(r.start),
            increment: (r.increment != 1).then_some(r.increment),
            min_value: (r.min_value != dflt_min).then_some(r.min_value),
            max_value: (r.max_value != dflt_max).then_some(r.max_value),
            cache: (r.cache != 1).then_some(r.cache),
            cycle: r.cycle,
            owned_by,
            comment: r.comment,
            grants: with_owner(
                grants(r.acl.as_deref(), &r.owner, AclKind::Plain),
                r.acl.as_deref(),
                &r.owner,
                &s.me,
                "rwU",
                AclKind::Plain,
            ),
        };
        db.sequences.insert(key, seq);
    }
    Ok(())
}

/// Attaches an identity column's sequence to its column, keeping only what
/// differs from what `GENERATED ... AS IDENTITY` creates by itself.
fn identity_sequence(db: &mut Database, r: &SequenceRow) {
    let Some(o) = r.owned_by.as_ref().filter(|o| o.len() == 3) else {
        return;
    };
    let Some(column) = db
        .tables
        .get_mut(&Session::key(&o[0], &o[1]))
        .and_then(|t| t.columns.get_mut(&o[2]))
    else {
        return;
    };
    let mut seq = IdentitySequence {
        name: (r.name != format!("{}_{}_seq", o[1], o[2])).then(|| r.name.clone()),
        start: Some(r.start),
        increment: Some(r.increment),
        min_value: Some(r.min_value),
        max_value: Some(r.max_value),
        cache: Some(r.cache),
        cycle: r.cycle,
        grants: grants(r.acl.as_deref(), &r.owner, AclKind::Plain),
    };
    seq.canonicalise(&r.type_name);
    if !seq.is_default() {
        column.identity_sequence = Some(seq);
    }
}

#[derive(QueryableByName)]
struct ViewRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Bool)]
    materialized: bool,
    #[diesel(sql_type = Bool)]
    no_data: bool,
    #[diesel(sql_type = Text)]
    definition: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    options: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

pub fn views(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS name,
                pg_get_userbyid(c.relowner)::text AS owner, c.relkind = 'm' AS materialized,
                NOT c.relispopulated AS no_data,
                pg_get_viewdef(c.oid, true) AS definition, c.reloptions::text[] AS options,
                ds.description AS comment, c.relacl::text[] AS acl
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           {}
          WHERE c.relkind IN ('v', 'm') AND {}",
        comment_join("c.oid", "pg_class"),
        rel_filter()
    );
    let rows: Vec<ViewRow> = s.load("views", &sql)?;
    for r in rows {
        let mut options = options_map(r.options);
        let check_option = options.shift_remove("check_option");
        let definition = r.definition.trim();
        let v = View {
            renamed_from: None,
            materialized: r.materialized,
            with_no_data: r.no_data,
            definition: definition
                .strip_suffix(';')
                .unwrap_or(definition)
                .to_string(),
            options,
            check_option,
            indexes: Default::default(),
            triggers: Default::default(),
            rules: Default::default(),
            owner: s.owner(&r.owner),
            comment: r.comment,
            column_comments: Default::default(),
            column_grants: Default::default(),
            grants: with_owner(
                grants(r.acl.as_deref(), &r.owner, AclKind::Relation(s.version)),
                r.acl.as_deref(),
                &r.owner,
                &s.me,
                relation_letters(s.version),
                AclKind::Relation(s.version),
            ),
        };
        db.views.insert(Session::key(&r.schema, &r.name), v);
    }
    Ok(())
}

/// One column (key or INCLUDE) of an index, with its index's own fields.
#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Int8)]
    id: i64,
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Int4)]
    key_count: i32,
    #[diesel(sql_type = Text)]
    attname: String,
    #[diesel(sql_type = Text)]
    expr: String,
    #[diesel(sql_type = Text)]
    opc_schema: String,
    #[diesel(sql_type = Text)]
    opc_name: String,
    #[diesel(sql_type = Text)]
    coll_schema: String,
    #[diesel(sql_type = Text)]
    coll_name: String,
    #[diesel(sql_type = Int4)]
    sort_bits: i32,
    #[diesel(sql_type = Int4)]
    statistics: i32,
    #[diesel(sql_type = Nullable<Text>)]
    predicate: Option<String>,
    #[diesel(sql_type = Bool)]
    nulls_not_distinct: bool,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    options: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

/// `indoption` bits (pg_index.h).
const INDOPTION_DESC: i32 = 1;
const INDOPTION_NULLS_FIRST: i32 = 2;

/// The name under which indexes read ahead are kept (`ahead`).
pub const INDEXES: &str = "assembled indexes";

/// Each relation's indexes, by relation key, as one map: moved into the
/// relation whole, not index by index (a list of 40 000 indexes beside the
/// maps they went into was 15 MB at 10 000 tables).
pub type Indexes = Vec<(String, IndexMap<String, Index>)>;

/// Indexes of tables and materialized views, except those backing a
/// constraint and partition indexes attached to a parent index.
pub fn indexes(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let found = match s.take_prefetched::<Indexes>(INDEXES) {
        Some(found) => found,
        None => read_indexes(s)?,
    };
    for (key, found) in found {
        if let Some(t) = db.tables.get_mut(&key) {
            t.indexes = found;
        } else if let Some(v) = db.views.get_mut(&key) {
            v.indexes = found;
        }
    }
    Ok(())
}

/// Reads and assembles the indexes of the selected schemas. The rows, one
/// per index column, come a relation and an index at a time and are taken
/// one at a time: as a list they were 22 MB at 10 000 tables, held beside
/// the indexes made of them.
pub fn read_indexes(s: &mut Session) -> Result<Indexes, CatalogError> {
    // One row per index column, assembled here: aggregating them into
    // arrays per index (eight ordered aggregates, a join plan rebuilt per
    // index) was most of this query's 2.7 s at 10 000 tables. The index's
    // own fields are computed once, in `ix`. Vectors are 0-based.
    let sql = format!(
        "WITH ix AS MATERIALIZED (
           SELECT i.indexrelid, i.indrelid, i.indkey, i.indclass, i.indcollation, i.indoption,
                  i.indnkeyatts, n.nspname::text AS schema, c.relname::text AS table_name,
                  ic.relname::text AS name, i.indisunique AS is_unique,
                  am.amname::text AS method, {} AS predicate,
                  {} AS nulls_not_distinct, ic.reloptions::text[] AS options,
                  ds.description AS comment
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_am am ON am.oid = ic.relam
             {}
            WHERE c.relkind IN ('r', 'p', 'm') AND {}
              AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid
                               AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))
              AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
         )
         SELECT ix.indexrelid::int8 AS id, ix.schema, ix.table_name,
                ix.name, ix.is_unique, ix.method, ix.indnkeyatts::int4 AS key_count,
                COALESCE(a.attname::text, '') AS attname,
                CASE WHEN ix.indkey[ia.attnum - 1] = 0 AND ia.attnum <= ix.indnkeyatts
                     THEN pg_get_indexdef(ix.indexrelid, ia.attnum, true) ELSE '' END AS expr,
                COALESCE(CASE WHEN oc.opcdefault THEN '' ELSE ocn.nspname::text END, '') AS opc_schema,
                COALESCE(CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END, '') AS opc_name,
                COALESCE(cn.nspname::text, '') AS coll_schema,
                COALESCE(co.collname::text, '') AS coll_name,
                COALESCE(ix.indoption[ia.attnum - 1]::int4, 0) AS sort_bits,
                COALESCE(ia.attstattarget::int4, -1) AS statistics,
                ix.predicate, ix.nulls_not_distinct, ix.options, ix.comment
           FROM ix JOIN pg_attribute ia ON ia.attrelid = ix.indexrelid AND ia.attnum > 0
           LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid
                AND a.attnum = ix.indkey[ia.attnum - 1]
           LEFT JOIN pg_type it ON it.oid = ia.atttypid
           LEFT JOIN pg_opclass oc ON oc.oid = ix.indclass[ia.attnum - 1]
           LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
           LEFT JOIN pg_collation co ON co.oid = ix.indcollation[ia.attnum - 1]
                AND ix.indcollation[ia.attnum - 1] <> COALESCE(a.attcollation, it.typcollation)
           LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
          ORDER BY ix.indrelid, ix.indexrelid, ia.attnum",
        expr_sql("i.indpred", "i.indrelid", true),
        if s.version.at_least(15) {
            "i.indnullsnotdistinct"
        } else {
            "false"
        },
        comment_join("i.indexrelid", "pg_class"),
        rel_filter()
    );
    let mut out = Indexes::new();
    let mut cols: Vec<IndexRow> = Vec::new();
    s.each("indexes", &sql, |r: IndexRow| {
        if cols.first().is_some_and(|c| c.id != r.id) {
            place(&mut out, assemble(&mut cols));
            cols.clear();
        }
        cols.push(r);
    })?;
    place(&mut out, assemble(&mut cols));
    Ok(out)
}

/// Adds an index to its relation's map: the rows come a relation at a time.
fn place(out: &mut Indexes, made: Option<(String, String, Index)>) {
    let Some((key, name, index)) = made else {
        return;
    };
    if let Some((last, map)) = out.last_mut() {
        if *last == key {
            map.insert(name, index);
            return;
        }
        // The previous relation is complete.
        map.shrink_to_fit();
    }
    out.push((key, IndexMap::from([(name, index)])));
}

/// One index from the rows of its columns, in order.
fn assemble(cols: &mut [IndexRow]) -> Option<(String, String, Index)> {
    let nkeys = cols.first()?.key_count.max(0) as usize;
    let (keys, include) = cols.split_at_mut(nkeys.min(cols.len()));
    let columns = keys.iter_mut().map(index_elem).collect();
    let include = include.iter_mut().map(|c| take(&mut c.attname)).collect();
    let r = &mut cols[0];
    let key = Session::key(&r.schema, &r.table_name);
    let index = Index {
        unique: r.is_unique,
        method: (r.method != "btree").then(|| take(&mut r.method)),
        columns,
        where_: r.predicate.take(),
        nulls_not_distinct: r.nulls_not_distinct,
        renamed_from: None,
        include,
        options: options_map(r.options.take()),
        comment: r.comment.take(),
    };
    Some((key, take(&mut r.name), index))
}

/// A key column of an index.
fn index_elem(c: &mut IndexRow) -> IndexElem {
    let desc = c.sort_bits & INDOPTION_DESC != 0;
    let nulls_first = c.sort_bits & INDOPTION_NULLS_FIRST != 0;
    let (column, expression) = if c.expr.is_empty() {
        (Some(take(&mut c.attname)), None)
    } else {
        (None, Some(take(&mut c.expr)))
    };
    IndexElem {
        column,
        expression,
        opclass: qualified(&c.opc_schema, &c.opc_name),
        statistics: Some(c.statistics).filter(|n| *n >= 0),
        collation: qualified(&c.coll_schema, &c.coll_name),
        order: desc.then_some(SortOrder::Desc),
        nulls: match (desc, nulls_first) {
            (false, true) => Some(NullsOrder::First),
            (true, false) => Some(NullsOrder::Last),
            _ => None,
        },
    }
}

/// Empty name: the default; pg_catalog names are left unqualified.
fn qualified(schema: &str, name: &str) -> Option<String> {
    match (schema, name) {
        (_, "") => None,
        ("pg_catalog", n) => Some(n.to_string()),
        (s, n) => Some(Session::key(s, n)),
    }
}

#[derive(QueryableByName)]
struct PolicyRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    cmd: String,
    #[diesel(sql_type = Bool)]
    permissive: bool,
    #[diesel(sql_type = Array<Text>)]
    roles: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    using_expr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    check_expr: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

pub fn policies(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    // Expressions exactly as the pg_policies view deparses them.
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS table_name,
                p.polname::text AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
                ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
                        FROM unnest(p.polroles) r ORDER BY 1) AS roles,
                {} AS using_expr, {} AS check_expr, ds.description AS comment
           FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           {}
          WHERE {} OR ({} AND c.relkind IN ('r', 'p'))",
        expr_sql("p.polqual", "p.polrelid", false),
        expr_sql("p.polwithcheck", "p.polrelid", false),
        comment_join("p.oid", "pg_policy"),
        rel_filter(),
        super::supabase::in_schemas(&s.attach)
    );
    let rows: Vec<PolicyRow> = s.load("policies", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.table_name);
        let Some(t) = attached(s, db, &r.schema, &key) else {
            continue;
        };
        let mut to = r.roles;
        to.sort();
        if to == ["public"] {
            to.clear();
        }
        let p = Policy {
            renamed_from: None,
            command: match r.cmd.as_str() {
                "r" => PolicyCommand::Select,
                "a" => PolicyCommand::Insert,
                "w" => PolicyCommand::Update,
                "d" => PolicyCommand::Delete,
                _ => PolicyCommand::All,
            },
            restrictive: !r.permissive,
            to,
            using: r.using_expr,
            with_check: r.check_expr,
            comment: r.comment,
        };
        t.policies.insert(r.name, p);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct TriggerRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Int4)]
    tgtype: i32,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
    /// `pg_get_triggerdef`, only for triggers with a WHEN condition.
    #[diesel(sql_type = Nullable<Text>)]
    def: Option<String>,
    #[diesel(sql_type = Text)]
    fn_schema: String,
    #[diesel(sql_type = Text)]
    fn_name: String,
    #[diesel(sql_type = Bytea)]
    args: Vec<u8>,
    #[diesel(sql_type = Int4)]
    nargs: i32,
    #[diesel(sql_type = Nullable<Text>)]
    old_table: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    new_table: Option<String>,
    #[diesel(sql_type = Bool)]
    is_constraint: bool,
    #[diesel(sql_type = Bool)]
    deferrable: bool,
    #[diesel(sql_type = Bool)]
    deferred: bool,
    #[diesel(sql_type = Text)]
    enabled: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

/// tgtype bits (pg_trigger.h).
const TG_ROW: i32 = 1;
const TG_BEFORE: i32 = 2;
const TG_INSERT: i32 = 4;
const TG_DELETE: i32 = 8;
const TG_UPDATE: i32 = 16;
const TG_TRUNCATE: i32 = 32;
const TG_INSTEAD: i32 = 64;

pub fn triggers(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS table_name,
                t.tgname::text AS name, t.tgtype::int4 AS tgtype,
                {} AS columns,
                CASE WHEN t.tgqual IS NOT NULL THEN pg_get_triggerdef(t.oid, true) END AS def,
                fn.nspname::text AS fn_schema, f.proname::text AS fn_name,
                t.tgargs AS args, t.tgnargs::int4 AS nargs,
                t.tgoldtable::text AS old_table, t.tgnewtable::text AS new_table,
                t.tgconstraint <> 0 AS is_constraint, t.tgdeferrable AS deferrable,
                t.tginitdeferred AS deferred, t.tgenabled::text AS enabled,
                ds.description AS comment
           FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace
           {}
          WHERE NOT t.tgisinternal AND t.tgparentid = 0
            AND ({} OR (fn.nspname = ANY($1) AND c.relkind IN ('r', 'p')
                        AND {}))",
        attnames_sql("t.tgrelid", "t.tgattr::int2[]"),
        comment_join("t.oid", "pg_trigger"),
        rel_filter(),
        not_ext("pg_class", "c.oid")
    );
    let rows: Vec<TriggerRow> = s.load("triggers", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.table_name);
        // A trigger calling a function of the schemas read, on a table of
        // another schema (`auth.users`), is the team's.
        let ty = r.tgtype;
        let events = [
            (TG_INSERT, "insert"),
            (TG_UPDATE, "update"),
            (TG_DELETE, "delete"),
            (TG_TRUNCATE, "truncate"),
        ]
        .iter()
        .filter(|(bit, _)| ty & bit != 0)
        .map(|(_, w)| w.to_string())
        .collect();
        let trigger = Trigger {
            timing: if ty & TG_INSTEAD != 0 {
                TriggerTiming::InsteadOf
            } else if ty & TG_BEFORE != 0 {
                TriggerTiming::Before
            } else {
                TriggerTiming::After
            },
            events,
            columns: r.columns,
            for_each: if ty & TG_ROW != 0 {
                ForEach::Row
            } else {
                ForEach::Statement
            },
            when: r.def.as_deref().and_then(when_clause),
            function: Session::key(&r.fn_schema, &r.fn_name),
            arguments: decode_args(&r.args, r.nargs),
            old_table: r.old_table,
            new_table: r.new_table,
            constraint: r.is_constraint,
            deferrable: deferral(r.deferrable, r.deferred),
            enabled: match r.enabled.as_str() {
                "D" => Some("disabled".into()),
                "R" => Some("replica".into()),
                "A" => Some("always".into()),
                _ => None,
            },
            comment: r.comment,
        };
        let foreign = !s.schemas.contains(&r.schema);
        let found = if foreign {
            attached(s, db, &r.schema, &key).map(|t| &mut t.triggers)
        } else if let Some(t) = db.tables.get_mut(&key) {
            Some(&mut t.triggers)
        } else {
            db.views.get_mut(&key).map(|v| &mut v.triggers)
        };
        let Some(triggers) = found else {
            // Triggers on foreign tables have no place in the model.
            db.unmanaged.push(Unmanaged {
                kind: "trigger".into(),
                name: format!("{key}.{}", r.name),
            });
            continue;
        };
        triggers.insert(r.name, trigger);
    }
    Ok(())
}

/// tgargs: `nargs` NUL-terminated strings.
fn decode_args(bytes: &[u8], nargs: i32) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .take(nargs.max(0) as usize)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The expression inside `WHEN (...)` of `pg_get_triggerdef`, found by
/// matching parentheses outside string literals and quoted names.
fn when_clause(def: &str) -> Option<String> {
    let start = ["FOR EACH ROW WHEN (", "FOR EACH STATEMENT WHEN ("]
        .iter()
        .filter_map(|m| def.find(m).map(|i| i + m.len()))
        .min()?;
    let body = &def[start..];
    let mut depth = 1;
    let mut quote: Option<char> = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(body[..i].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// The entry of table `key` for a part read onto it: the table itself
/// when its schema is read; else an entry holding only such parts, the
/// table listed as external.
fn attached<'d>(
    s: &Session,
    db: &'d mut Database,
    schema: &str,
    key: &str,
) -> Option<&'d mut crate::model::Table> {
    if s.schemas.iter().any(|x| x == schema) {
        return db.tables.get_mut(key);
    }
    if !db.external.iter().any(|e| e == key) {
        db.external.push(key.to_string());
    }
    Some(db.tables.entry(key.to_string()).or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_clause_matches_parens() {
        let def = "CREATE TRIGGER tr BEFORE UPDATE OF a ON public.t FOR EACH ROW WHEN \
                   ((old.a IS DISTINCT FROM new.a) AND new.b <> ')') EXECUTE FUNCTION public.tf()";
        assert_eq!(
            when_clause(def).as_deref(),
            Some("(old.a IS DISTINCT FROM new.a) AND new.b <> ')'")
        );
        assert_eq!(
            when_clause("CREATE TRIGGER x ... FOR EACH ROW EXECUTE"),
            None
        );
    }

    #[test]
    fn decodes_trigger_args() {
        assert_eq!(decode_args(b"x\0y'z\0", 2), ["x", "y'z"]);
        assert!(decode_args(b"", 0).is_empty());
    }
}

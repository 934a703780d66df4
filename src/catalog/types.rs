//! Schemas, extensions, enums, domains, composite and range types.

use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::QueryableByName;

use super::acl::{grants, with_owner, AclKind};
use super::session::{not_ext, qualified_unless_catalog, Session};
use super::{CatalogError, InspectOptions};
use crate::model::{
    Collation, CompositeType, Database, Domain, EnumType, Extension, InstalledVersions, RangeType,
    SchemaDef, TextSearchConfiguration,
};

#[derive(QueryableByName)]
struct SchemaRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
    #[diesel(sql_type = Bool)]
    supabase: bool,
}

/// Selects the schemas (first query) and reads them. On a Supabase
/// database, Supabase's schemas are left out unless named; the tables of
/// those not read are someone else's (`Session::attach`).
pub fn schemas(
    s: &mut Session,
    opts: &InspectOptions,
    db: &mut Database,
) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS name, pg_get_userbyid(n.nspowner)::text AS owner,
                obj_description(n.oid, 'pg_namespace') AS comment, n.nspacl::text[] AS acl,
                {} AS supabase
           FROM pg_namespace n
          WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'reconcile')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            AND {}
            AND ($1::text[] IS NULL OR n.nspname = ANY($1))
          ORDER BY 1",
        super::supabase::DETECT,
        not_ext("pg_namespace", "n.oid")
    );
    let mut rows: Vec<SchemaRow> = s.load_filtered("schemas", &sql, opts.schemas.clone())?;
    let supabase = rows.first().is_some_and(|r| r.supabase);
    s.supabase = supabase;
    let managed = |n: &str| super::supabase::MANAGED_SCHEMAS.contains(&n);
    if supabase && opts.schemas.is_none() {
        rows.retain(|r| !managed(&r.name));
    }
    let mut attach: Vec<String> = opts.attach.clone();
    if supabase {
        attach.extend(
            super::supabase::MANAGED_SCHEMAS
                .iter()
                .map(|m| m.to_string()),
        );
    }
    attach.retain(|a| !rows.iter().any(|r| &r.name == a));
    attach.sort();
    attach.dedup();
    s.attach = attach;
    if let Some(wanted) = &opts.schemas {
        let missing: Vec<&str> = wanted
            .iter()
            .filter(|w| !rows.iter().any(|r| &r.name == *w))
            .map(|w| w.as_str())
            .collect();
        if !missing.is_empty() && opts.missing_ok {
            tracing::info!(schemas = ?missing, "not in the database (yet)");
        } else if !missing.is_empty() {
            return Err(CatalogError::Invalid(format!(
                "schema(s) not found or not user schemas: {}",
                missing.join(", ")
            )));
        }
    }
    for r in rows {
        s.schemas.push(r.name.clone());
        let def = SchemaDef {
            owner: s.owner(&r.owner),
            comment: r.comment,
            grants: with_owner(
                grants(r.acl.as_deref(), &r.owner, AclKind::Plain),
                r.acl.as_deref(),
                &r.owner,
                &s.me,
                "UC",
                AclKind::Plain,
            ),
        };
        db.schemas.insert(r.name, def);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct ExtensionRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Nullable<Text>)]
    default_version: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    updates_to: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    updates_from: Vec<String>,
}

pub fn extensions(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let rows: Vec<ExtensionRow> = s.load(
        "extensions",
        "SELECT e.extname::text AS name, n.nspname::text AS schema, e.extversion AS version,
                (SELECT a.default_version FROM pg_available_extensions a
                  WHERE a.name = e.extname) AS default_version,
                obj_description(e.oid, 'pg_extension') AS comment,
                -- Update paths need the control file: none without it.
                CASE WHEN a.name IS NULL THEN '{}'::text[] ELSE ARRAY(
                  SELECT p.target FROM pg_extension_update_paths(e.extname) p
                   WHERE p.source = e.extversion AND p.path IS NOT NULL) END AS updates_to,
                CASE WHEN a.name IS NULL THEN '{}'::text[] ELSE ARRAY(
                  SELECT p.source FROM pg_extension_update_paths(e.extname) p
                   WHERE p.target = e.extversion AND p.path IS NOT NULL) END AS updates_from
           FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           LEFT JOIN pg_available_extensions a ON a.name = e.extname
          WHERE n.nspname = ANY($1)",
    )?;
    for r in rows {
        db.extension_versions.0.insert(
            r.name.clone(),
            InstalledVersions {
                default: r.default_version.clone(),
                installed: r.version.clone(),
                updates_to: r.updates_to,
                updates_from: r.updates_from,
            },
        );
        let ext = Extension {
            schema: (r.schema != "public").then_some(r.schema),
            version: (r.default_version.as_deref() != Some(r.version.as_str()))
                .then_some(r.version),
            comment: r.comment,
        };
        db.extensions.insert(r.name, ext);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct EnumRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Array<Text>)]
    labels: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

/// Columns shared by the three type queries.
const TYPE_COLS: &str = "n.nspname::text AS schema, t.typname::text AS name,
    pg_get_userbyid(t.typowner)::text AS owner, obj_description(t.oid, 'pg_type') AS comment,
    t.typacl::text[] AS acl";

/// A type's grants: USAGE is PUBLIC's by default; an owner holding less
/// than USAGE is named.
fn type_grants(acl: Option<&[String]>, owner: &str, me: &str) -> crate::model::Grants {
    let g = grants(acl, owner, AclKind::PublicDefault('U'));
    with_owner(g, acl, owner, me, "U", AclKind::Plain)
}

fn type_filter() -> String {
    format!("n.nspname = ANY($1) AND {}", not_ext("pg_type", "t.oid"))
}

pub fn enums(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT {TYPE_COLS},
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
                       ORDER BY e.enumsortorder) AS labels
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
          WHERE t.typtype = 'e' AND {}",
        type_filter()
    );
    let rows: Vec<EnumRow> = s.load("enums", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        let e = EnumType {
            owner: s.owner(&r.owner),
            values: r.labels.into_iter().map(Into::into).collect(),
            comment: r.comment,
            grants: type_grants(r.acl.as_deref(), &r.owner, &s.me),
        };
        db.enums.insert(key, e);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct DomainRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Text)]
    base: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
    #[diesel(sql_type = Nullable<Text>)]
    default_expr: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    collation: Option<Vec<String>>,
    #[diesel(sql_type = Array<Text>)]
    check_names: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    check_exprs: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

/// SQL: `[schema, name]` of collation `oid_expr`, NULL when it equals
/// `default_expr` or is 0.
pub fn collation_sql(oid_expr: &str, default_expr: &str) -> String {
    format!(
        "(SELECT ARRAY[cn.nspname::text, co.collname::text] FROM pg_collation co
           JOIN pg_namespace cn ON cn.oid = co.collnamespace
          WHERE co.oid = {oid_expr} AND {oid_expr} <> 0 AND {oid_expr} <> {default_expr})"
    )
}

pub fn domains(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT {TYPE_COLS},
                format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull AS not_null,
                pg_get_expr(t.typdefaultbin, 0, true) AS default_expr,
                {} AS collation,
                ARRAY(SELECT c.conname::text FROM pg_constraint c
                       WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names,
                ARRAY(SELECT pg_get_expr(c.conbin, 0, true) FROM pg_constraint c
                       WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_exprs
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           JOIN pg_type bt ON bt.oid = t.typbasetype
          WHERE t.typtype = 'd' AND {}",
        collation_sql("t.typcollation", "bt.typcollation"),
        type_filter()
    );
    let rows: Vec<DomainRow> = s.load("domains", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        let d = Domain {
            owner: s.owner(&r.owner),
            type_: r.base,
            nullable: !r.not_null,
            default: r.default_expr,
            collation: r.collation.as_deref().and_then(qualified_unless_catalog),
            checks: r.check_names.into_iter().zip(r.check_exprs).collect(),
            comment: r.comment,
            grants: type_grants(r.acl.as_deref(), &r.owner, &s.me),
        };
        db.domains.insert(key, d);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct CompositeRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Array<Text>)]
    attr_names: Vec<String>,
    #[diesel(sql_type = Array<Text>)]
    attr_types: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

pub fn composites(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let attrs = "FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                 AND NOT a.attisdropped ORDER BY a.attnum";
    let sql = format!(
        "SELECT {TYPE_COLS},
                ARRAY(SELECT a.attname::text {attrs}) AS attr_names,
                ARRAY(SELECT format_type(a.atttypid, a.atttypmod) {attrs}) AS attr_types
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           JOIN pg_class c ON c.oid = t.typrelid
          WHERE t.typtype = 'c' AND c.relkind = 'c' AND {}",
        type_filter()
    );
    let rows: Vec<CompositeRow> = s.load("composite types", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        let c = CompositeType {
            owner: s.owner(&r.owner),
            attributes: r.attr_names.into_iter().zip(r.attr_types).collect(),
            comment: r.comment,
            grants: type_grants(r.acl.as_deref(), &r.owner, &s.me),
        };
        db.composite_types.insert(key, c);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct RangeRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Text)]
    subtype: String,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    opclass: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    collation: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    canonical: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    subtype_diff: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    multirange: Option<Vec<String>>,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Array<Text>>)]
    acl: Option<Vec<String>>,
}

/// SQL: `[schema, name]` of the function with oid `expr`, NULL for 0.
fn proc_name(expr: &str) -> String {
    format!(
        "(SELECT ARRAY[x.nspname::text, y.proname::text] FROM pg_proc y
           JOIN pg_namespace x ON x.oid = y.pronamespace WHERE y.oid = {expr}::oid)"
    )
}

pub fn ranges(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT {TYPE_COLS},
                format_type(r.rngsubtype, NULL) AS subtype,
                (SELECT ARRAY[x.nspname::text, o.opcname::text] FROM pg_opclass o
                   JOIN pg_namespace x ON x.oid = o.opcnamespace
                  WHERE o.oid = r.rngsubopc AND NOT o.opcdefault) AS opclass,
                {} AS collation, {} AS canonical, {} AS subtype_diff,
                (SELECT ARRAY[x.nspname::text, m.typname::text]
                   FROM pg_type m JOIN pg_namespace x ON x.oid = m.typnamespace
                  WHERE m.oid = r.rngmultitypid) AS multirange
           FROM pg_range r JOIN pg_type t ON t.oid = r.rngtypid
           JOIN pg_namespace n ON n.oid = t.typnamespace
           JOIN pg_type st ON st.oid = r.rngsubtype
          WHERE {}",
        collation_sql("r.rngcollation", "st.typcollation"),
        proc_name("r.rngcanonical"),
        proc_name("r.rngsubdiff"),
        type_filter()
    );
    let rows: Vec<RangeRow> = s.load("range types", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        // Named only when not the name PostgreSQL would give it.
        let multirange = match r.multirange.as_deref() {
            Some([sc, m]) if *sc == r.schema && *m == RangeType::derived_multirange(&r.name) => {
                None
            }
            Some([sc, m]) if *sc == r.schema => Some(crate::model::name::key_part(m)),
            Some([sc, m]) => Some(Session::key(sc, m)),
            _ => None,
        };
        let g = RangeType {
            owner: s.owner(&r.owner),
            subtype: r.subtype,
            subtype_opclass: r.opclass.as_deref().and_then(qualified_unless_catalog),
            collation: r.collation.as_deref().and_then(qualified_unless_catalog),
            canonical: r.canonical.as_deref().and_then(qualified_unless_catalog),
            subtype_diff: r.subtype_diff.as_deref().and_then(qualified_unless_catalog),
            multirange_type_name: multirange,
            comment: r.comment,
            grants: type_grants(r.acl.as_deref(), &r.owner, &s.me),
        };
        db.range_types.insert(key, g);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct CollationRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    provider: String,
    #[diesel(sql_type = Nullable<Text>)]
    locale: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    lc_collate: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    lc_ctype: Option<String>,
    #[diesel(sql_type = Bool)]
    deterministic: bool,
    #[diesel(sql_type = Nullable<Text>)]
    rules: Option<String>,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

/// Collations of the schemas read; where an ICU locale is kept differs by
/// major (14: in collcollate; 15-16: colliculocale; 17+: colllocale).
pub fn collations(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let v = s.version;
    let locale = if v.at_least(17) {
        "co.colllocale"
    } else if v.at_least(15) {
        "co.colliculocale"
    } else {
        "CASE WHEN co.collprovider = 'i' THEN co.collcollate END"
    };
    let rules = if v.at_least(16) {
        "co.collicurules"
    } else {
        "NULL::text"
    };
    let sql = format!(
        "SELECT n.nspname::text AS schema, co.collname::text AS name,
                co.collprovider::text AS provider, {locale}::text AS locale,
                co.collcollate::text AS lc_collate, co.collctype::text AS lc_ctype,
                co.collisdeterministic AS deterministic, {rules}::text AS rules,
                pg_get_userbyid(co.collowner)::text AS owner,
                obj_description(co.oid, 'pg_collation') AS comment
           FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace
          WHERE n.nspname = ANY($1) AND {}
          ORDER BY 1, 2",
        not_ext("pg_collation", "co.oid")
    );
    let rows: Vec<CollationRow> = s.load("collations", &sql)?;
    for r in rows {
        let mut c = Collation {
            provider: match r.provider.as_str() {
                "i" => "icu",
                "b" => "builtin",
                _ => "libc",
            }
            .into(),
            deterministic: r.deterministic,
            rules: r.rules,
            owner: s.owner(&r.owner),
            comment: r.comment,
            ..Default::default()
        };
        if c.provider == "libc" {
            if r.lc_collate == r.lc_ctype {
                c.locale = r.lc_collate;
            } else {
                c.lc_collate = r.lc_collate;
                c.lc_ctype = r.lc_ctype;
            }
        } else {
            c.locale = r.locale;
        }
        db.collations.insert(Session::key(&r.schema, &r.name), c);
    }
    Ok(())
}

#[derive(QueryableByName)]
struct TsConfigRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    parser: Vec<String>,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    token: Option<String>,
    /// `[schema, name]` pairs flattened.
    #[diesel(sql_type = Array<Text>)]
    dictionaries: Vec<String>,
}

/// Text search configurations of the schemas read, a row per mapped token
/// type (one with none for a configuration without mappings).
pub fn text_search_configurations(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.cfgname::text AS name,
                ARRAY[pn.nspname::text, p.prsname::text] AS parser,
                pg_get_userbyid(c.cfgowner)::text AS owner,
                obj_description(c.oid, 'pg_ts_config') AS comment,
                tt.alias::text AS token,
                ARRAY(SELECT x FROM pg_ts_config_map m2
                        JOIN pg_ts_dict d ON d.oid = m2.mapdict
                        JOIN pg_namespace dn ON dn.oid = d.dictnamespace,
                        LATERAL unnest(ARRAY[dn.nspname::text, d.dictname::text]) WITH ORDINALITY u(x, o)
                       WHERE m2.mapcfg = c.oid AND m2.maptokentype = m.maptokentype
                       ORDER BY m2.mapseqno, u.o) AS dictionaries
           FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace
           JOIN pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_namespace pn ON pn.oid = p.prsnamespace
           LEFT JOIN (SELECT DISTINCT mapcfg, maptokentype FROM pg_ts_config_map) m ON m.mapcfg = c.oid
           LEFT JOIN LATERAL ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
          WHERE n.nspname = ANY($1) AND {}
          ORDER BY 1, 2, m.maptokentype",
        not_ext("pg_ts_config", "c.oid")
    );
    let rows: Vec<TsConfigRow> = s.load("text search configurations", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.name);
        let cfg =
            db.text_search_configurations
                .entry(key)
                .or_insert_with(|| TextSearchConfiguration {
                    parser: qualified_unless_catalog(&r.parser).unwrap_or_else(|| "default".into()),
                    owner: s.owner(&r.owner),
                    comment: r.comment.clone(),
                    ..Default::default()
                });
        if let Some(token) = r.token {
            let dicts = r
                .dictionaries
                .chunks(2)
                .filter_map(qualified_unless_catalog)
                .collect();
            cfg.mappings.insert(token, dicts);
        }
    }
    Ok(())
}

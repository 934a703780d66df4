//! Publications: one query for the publications, one for their tables.

use diesel::sql_types::{Array, Bool, Nullable, Text};
use diesel::QueryableByName;

use super::session::Session;
use super::{CatalogError, InspectOptions};
use crate::model::load::sql::text::strip_parens;
use crate::model::{Database, Publication, PublishedTable, PUBLISH_OPERATIONS};

#[derive(QueryableByName)]
struct PublicationRow {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Bool)]
    all_tables: bool,
    /// insert, update, delete, truncate.
    #[diesel(sql_type = Array<Bool>)]
    publish: Vec<bool>,
    #[diesel(sql_type = Bool)]
    via_root: bool,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    schemas: Vec<String>,
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(sql_type = Text)]
    publication: String,
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    filter: Option<String>,
}

pub fn publications(
    s: &mut Session,
    opts: &InspectOptions,
    db: &mut Database,
) -> Result<(), CatalogError> {
    let v15 = s.version.at_least(15);
    let schemas = if v15 {
        "ARRAY(SELECT n.nspname::text FROM pg_publication_namespace pn
                 JOIN pg_namespace n ON n.oid = pn.pnnspid
                WHERE pn.pnpubid = p.oid ORDER BY 1)"
    } else {
        "ARRAY[]::text[]"
    };
    let sql = format!(
        "SELECT p.pubname::text AS name, pg_get_userbyid(p.pubowner)::text AS owner,
                p.puballtables AS all_tables,
                ARRAY[p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate] AS publish,
                p.pubviaroot AS via_root, obj_description(p.oid, 'pg_publication') AS comment,
                {schemas} AS schemas
           FROM pg_publication p
          WHERE $1::text[] IS NOT NULL
          ORDER BY 1"
    );
    let rows: Vec<PublicationRow> = s.load("publications", &sql)?;
    let (columns, filter) = if v15 {
        (
            "ARRAY(SELECT a.attname::text FROM unnest(pr.prattrs::int2[]) k
                     JOIN pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = k
                    ORDER BY k)",
            "pg_get_expr(pr.prqual, pr.prrelid)",
        )
    } else {
        ("ARRAY[]::text[]", "NULL::text")
    };
    let sql = format!(
        "SELECT p.pubname::text AS publication, n.nspname::text AS schema,
                c.relname::text AS name, {columns} AS columns, {filter} AS filter
           FROM pg_publication_rel pr
           JOIN pg_publication p ON p.oid = pr.prpubid
           JOIN pg_class c ON c.oid = pr.prrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE $1::text[] IS NOT NULL
          ORDER BY 1, 2, 3"
    );
    let members: Vec<MemberRow> = s.load("publication tables", &sql)?;
    for r in rows {
        let managed =
            s.supabase && super::supabase::MANAGED_PUBLICATIONS.contains(&r.name.as_str());
        let mut p = Publication {
            external: managed,
            all_tables: r.all_tables,
            schemas: r.schemas,
            via_partition_root: r.via_root,
            owner: s.owner(&r.owner).filter(|_| !managed),
            comment: r.comment,
            ..Default::default()
        };
        if r.publish.iter().any(|on| !on) {
            let ops = PUBLISH_OPERATIONS.iter().zip(&r.publish);
            p.publish = Some(
                ops.filter(|(_, on)| **on)
                    .map(|(o, _)| o.to_string())
                    .collect(),
            );
        }
        for m in members.iter().filter(|m| m.publication == r.name) {
            p.tables.insert(
                Session::key(&m.schema, &m.name),
                PublishedTable {
                    columns: m.columns.clone(),
                    // Written without the parentheses WHERE (...) adds.
                    where_: m.filter.clone().map(strip_parens),
                },
            );
        }
        if read(s, opts, &r.name, &p) {
            db.publications.insert(r.name, p);
        }
    }
    Ok(())
}

/// Whether publication `name` belongs in the reading: when the desired
/// state names it or it lists a table or schema read; else, for a reading
/// of some schemas only, when it is of all tables or lists none. A
/// Supabase database's own publications only in the first two cases, so
/// that a plan never drops them.
fn read(s: &Session, opts: &InspectOptions, name: &str, p: &Publication) -> bool {
    let in_read = |key: &String| {
        crate::model::external::schema_of(key).is_some_and(|sc| s.schemas.contains(&sc))
    };
    if opts.publications.iter().any(|n| n == name)
        || p.tables.keys().any(in_read)
        || p.schemas.iter().any(|sc| s.schemas.contains(sc))
    {
        return true;
    }
    if s.supabase && super::supabase::MANAGED_PUBLICATIONS.contains(&name) {
        return false;
    }
    opts.schemas.is_none() || p.all_tables || (p.tables.is_empty() && p.schemas.is_empty())
}

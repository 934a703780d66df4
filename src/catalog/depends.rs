//! Dependencies between existing objects, from pg_depend: one query,
//! expressed as the diff's object ids (see `model::depends`).
//!
//! Only normal and automatic dependencies count. Sub-objects are named as
//! the model names them: a view's `_RETURN` rule is the view, a column
//! default its column, an index that backs a constraint that constraint, an
//! array type its element type, a row type its relation. A referenced
//! extension member stands for its extension; an extension member never
//! depends on anything here. Edges to objects outside the selected schemas
//! are left out; the diff ignores ids it does not know.

use diesel::sql_types::{Array, Nullable, Text};
use diesel::QueryableByName;

use super::session::Session;
use super::CatalogError;
use crate::model::{depends::CatalogDeps, Database, Id, IdKind};

const SQL: &str = "WITH ext AS (
  SELECT d.classid, d.objid, e.extname::text AS extname
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
), rel AS (
  -- Indexes are named through pg_index below; nothing else hangs off one.
  SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = ANY($1) AND c.relkind NOT IN ('i', 'I')
), dep AS MATERIALIZED (
  -- pg_depend less the edges the final WHERE leaves out as table parts
  -- (an index, constraint or default of a table, not an extension's, on
  -- that table or its column), found here on oids alone: they are 60 % of
  -- the rows, and naming both ends of each cost more than the rest.
  SELECT d.* FROM pg_depend d
   WHERE d.deptype IN ('n', 'a')
     AND NOT EXISTS (
       SELECT 1 FROM (
         SELECT 'pg_class'::regclass AS classid, i.indexrelid AS objid, i.indrelid AS rel,
                0::int2 AS col
           FROM pg_index i
         UNION ALL
         SELECT 'pg_constraint'::regclass, con.oid, con.conrelid, 0::int2
           FROM pg_constraint con WHERE con.conrelid <> 0
         UNION ALL
         SELECT 'pg_attrdef'::regclass, ad.oid, ad.adrelid, ad.adnum FROM pg_attrdef ad
       ) p JOIN rel t ON t.oid = p.rel
      WHERE t.relkind IN ('r', 'p') AND p.classid = d.classid AND p.objid = d.objid
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid = p.rel
        AND (p.col = 0 OR p.col = d.refobjsubid)
        AND NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass
                         AND ext.objid = t.oid))
), obj AS (
  SELECT 'pg_class'::regclass AS classid, r.oid AS objid,
         ARRAY[CASE WHEN r.relkind IN ('r', 'p') THEN 'table' WHEN r.relkind IN ('v', 'm') THEN 'view'
                    WHEN r.relkind = 'S' THEN 'sequence' ELSE 'type' END, r.schema, r.name] AS d
    FROM rel r WHERE r.relkind IN ('r', 'p', 'v', 'm', 'S', 'c')
  UNION ALL
  SELECT 'pg_class'::regclass, i.indexrelid,
         CASE con.contype WHEN 'p' THEN ARRAY['pk', t.schema, t.name]
              WHEN 'u' THEN ARRAY['unique', t.schema, t.name, con.conname::text]
              WHEN 'x' THEN ARRAY['exclusion', t.schema, t.name, con.conname::text]
              ELSE ARRAY['index', t.schema, t.name, ic.relname::text] END
    FROM pg_index i JOIN rel t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
         AND con.contype IN ('p', 'u', 'x')
  UNION ALL
  SELECT 'pg_constraint'::regclass, con.oid,
         CASE con.contype WHEN 'p' THEN ARRAY['pk', t.schema, t.name]
              ELSE ARRAY[CASE con.contype WHEN 'u' THEN 'unique' WHEN 'c' THEN 'check'
                              WHEN 'f' THEN 'fk' ELSE 'exclusion' END,
                         t.schema, t.name, con.conname::text] END
    FROM pg_constraint con JOIN rel t ON t.oid = con.conrelid
   WHERE con.contype IN ('p', 'u', 'c', 'f', 'x')
  UNION ALL
  SELECT 'pg_constraint'::regclass, con.oid,
         ARRAY['domain_check', n.nspname::text, ty.typname::text, con.conname::text]
    FROM pg_constraint con JOIN pg_type ty ON ty.oid = con.contypid
    JOIN pg_namespace n ON n.oid = ty.typnamespace
   WHERE con.contype = 'c' AND n.nspname = ANY($1)
  UNION ALL
  SELECT 'pg_attrdef'::regclass, ad.oid, ARRAY['column', t.schema, t.name, a.attname::text]
    FROM pg_attrdef ad JOIN rel t ON t.oid = ad.adrelid
    JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
   -- Only defaults left in `dep`: most have no edge but to their column.
   WHERE ad.oid IN (SELECT objid FROM dep WHERE classid = 'pg_attrdef'::regclass
                    UNION ALL SELECT refobjid FROM dep WHERE refclassid = 'pg_attrdef'::regclass)
  UNION ALL
  SELECT 'pg_policy'::regclass, p.oid, ARRAY['policy', t.schema, t.name, p.polname::text]
    FROM pg_policy p JOIN rel t ON t.oid = p.polrelid
  UNION ALL
  SELECT 'pg_trigger'::regclass, g.oid, ARRAY['trigger', t.schema, t.name, g.tgname::text]
    FROM pg_trigger g JOIN rel t ON t.oid = g.tgrelid WHERE NOT g.tgisinternal
  UNION ALL
  SELECT 'pg_rewrite'::regclass, w.oid,
         CASE WHEN w.rulename = '_RETURN' THEN ARRAY['view', t.schema, t.name]
              ELSE ARRAY['rule', t.schema, t.name, w.rulename::text] END
    FROM pg_rewrite w JOIN rel t ON t.oid = w.ev_class
   WHERE t.relkind IN ('v', 'm') OR w.rulename <> '_RETURN'
  UNION ALL
  SELECT 'pg_proc'::regclass, p.oid,
         ARRAY[CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'function' END, n.nspname::text,
               p.proname::text,
               array_to_string(ARRAY(SELECT format_type(u.t, NULL)
                 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, ord) ORDER BY u.ord), ', ')]
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = ANY($1) AND p.prokind IN ('f', 'p', 'a')
  UNION ALL
  SELECT 'pg_type'::regclass, t0.oid,
         CASE WHEN b.typtype = 'd' THEN ARRAY['domain', n.nspname::text, b.typname::text]
              WHEN bc.relkind IN ('r', 'p') THEN ARRAY['table', n.nspname::text, bc.relname::text]
              WHEN bc.relkind IN ('v', 'm') THEN ARRAY['view', n.nspname::text, bc.relname::text]
              ELSE ARRAY['type', n.nspname::text, b.typname::text] END
    FROM pg_type t0 LEFT JOIN pg_type e ON e.oid = t0.typelem AND e.typarray = t0.oid
    JOIN pg_type b ON b.oid = COALESCE(e.oid, t0.oid)
    JOIN pg_namespace n ON n.oid = b.typnamespace
    LEFT JOIN pg_class bc ON bc.oid = b.typrelid
   WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'pg_namespace'::regclass, n.oid, ARRAY['schema', n.nspname::text]
    FROM pg_namespace n WHERE n.nspname = ANY($1)
  UNION ALL
  SELECT 'pg_extension'::regclass, e.oid, ARRAY['extension', e.extname::text] FROM pg_extension e
)
SELECT a.d AS obj, oa.attname::text AS obj_column,
       CASE WHEN x.extname IS NOT NULL THEN ARRAY['extension', x.extname] ELSE b.d END AS refd,
       ra.attname::text AS ref_column, d.deptype::text AS deptype
  FROM dep d
  JOIN obj a ON a.classid = d.classid AND a.objid = d.objid
  LEFT JOIN ext x ON x.classid = d.refclassid AND x.objid = d.refobjid
  LEFT JOIN obj b ON b.classid = d.refclassid AND b.objid = d.refobjid
  LEFT JOIN pg_attribute oa ON d.classid = 'pg_class'::regclass AND d.objsubid > 0
       AND oa.attrelid = d.objid AND oa.attnum = d.objsubid
  LEFT JOIN pg_attribute ra ON d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
       AND ra.attrelid = d.refobjid AND ra.attnum = d.refobjsubid
 WHERE d.deptype IN ('n', 'a')
   AND (x.extname IS NOT NULL OR b.d IS NOT NULL)
   -- Indexes, keys and checks on their own table's columns, and a default
   -- on its own column, are parts of that table: the planner orders them
   -- by membership already. They are most of pg_depend (a third of the rows
   -- at 10 000 tables), so they are left out here; `dep` drops most of them
   -- early.
   AND NOT COALESCE(x.extname IS NULL AND b.d[1] = 'table' AND a.d[2] = b.d[2] AND a.d[3] = b.d[3]
            AND (a.d[1] IN ('index', 'pk', 'unique', 'check', 'exclusion', 'fk')
                 OR (a.d[1] = 'column' AND a.d[4] = ra.attname::text)), false)
   AND NOT EXISTS (SELECT 1 FROM ext y WHERE y.classid = d.classid AND y.objid = d.objid)";

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Array<Text>)]
    obj: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    obj_column: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    refd: Vec<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ref_column: Option<String>,
    #[diesel(sql_type = Text)]
    deptype: String,
}

/// The name under which edges read ahead are kept (`ahead`).
pub const EDGES: &str = "dependency edges";

pub fn depends(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    if let Some(edges) = s.take_prefetched::<CatalogDeps>(EDGES) {
        db.depends = edges;
        return Ok(());
    }
    db.depends.present = true;
    s.each("dependencies", SQL, |r: Row| {
        // A sequence's automatic dependency on a column is OWNED BY.
        let owned_by = r.deptype == "a" && r.obj.first().is_some_and(|k| k == "sequence");
        let obj = match (owned_by, r.obj.as_slice()) {
            (true, [_, schema, name]) => Some(Id::new(IdKind::OwnedBy, Session::key(schema, name))),
            _ => id(&r.obj, r.obj_column.as_deref()),
        };
        if let (Some(obj), Some(refd)) = (obj, id(&r.refd, r.ref_column.as_deref())) {
            db.depends.add(obj, refd);
        }
    })
}

/// The diff's id of an object described as `[kind, schema, name, part]`
/// (`[kind, name]` for schemas and extensions); `column` is the column of
/// a table the dependency is on, if any.
fn id(d: &[String], column: Option<&str>) -> Option<Id> {
    use IdKind::*;
    let key = |s: &str, n: &str| Session::key(s, n);
    let kind = IdKind::parse(d.first()?)?;
    Some(match (kind, d) {
        (Table, [_, s, n]) => match column {
            Some(c) => Id::part(Column, key(s, n), c),
            None => Id::new(Table, key(s, n)),
        },
        (View | Sequence | Type | Domain | Pk, [_, s, n]) => Id::new(kind, key(s, n)),
        (Function | Aggregate, [_, s, n, args]) => {
            Id::new(kind, format_args!("{}({args})", key(s, n)))
        }
        (_, [_, s, n, part]) => Id::part(kind, key(s, n), part),
        (_, [_, name]) => Id::new(kind, name),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn ids_as_the_diff_names_objects() {
        assert_eq!(
            id(&v(&["table", "app", "T x"]), Some("a")).unwrap(),
            "column:app.T x.a"
        );
        assert_eq!(
            id(&v(&["table", "a.b", "t"]), None).unwrap(),
            "table:\"a.b\".t"
        );
        assert_eq!(
            id(&v(&["function", "public", "f", "integer, text"]), None).unwrap(),
            "function:public.f(integer, text)"
        );
        assert_eq!(
            id(&v(&["policy", "public", "t", "own"]), None).unwrap(),
            "policy:public.t.own"
        );
        assert_eq!(id(&v(&["pk", "public", "t"]), None).unwrap(), "pk:public.t");
        assert_eq!(
            id(&v(&["extension", "pgcrypto"]), None).unwrap(),
            "extension:pgcrypto"
        );
        assert!(id(&v(&[]), None).is_none());
    }
}

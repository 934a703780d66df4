//! What a statement needs of the server: the features PostgreSQL added
//! after the oldest supported major, found in PostgreSQL's own parse of
//! the SQL, so that a plan, a migration or a desired state that uses one
//! is refused before it runs on a server without it.

use pg_query::protobuf::{AlterTableType, ConstrType, RangeVar};
use pg_query::NodeEnum;

use super::PgVersion;

/// A feature a statement uses and the major that added it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub major: u32,
    /// What it is, e.g. `security_invoker views`.
    pub feature: &'static str,
    /// The object the statement changes, e.g. `view public.v`.
    pub object: String,
    /// 1-based line of the statement in the text checked.
    pub line: usize,
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} need PostgreSQL {} or later",
            self.object, self.feature, self.major
        )
    }
}

/// The features of `sql` (one or more statements) that `version` lacks.
/// Text PostgreSQL cannot parse needs nothing here; running it will say why.
pub fn missing(sql: &str, version: PgVersion) -> Vec<Need> {
    needs(sql)
        .into_iter()
        .filter(|n| !version.at_least(n.major))
        .collect()
}

/// Every feature newer than the oldest supported major that `sql` uses.
pub fn needs(sql: &str) -> Vec<Need> {
    let Ok(parsed) = pg_query::parse(sql, 0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for raw in &parsed.protobuf.stmts {
        let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
            continue;
        };
        let line = line_at(sql, raw.stmt_location);
        let mut found = Found {
            out: &mut out,
            line,
            object: String::new(),
        };
        statement(node, &mut found);
    }
    out
}

struct Found<'a> {
    out: &'a mut Vec<Need>,
    line: usize,
    object: String,
}

impl Found<'_> {
    fn add(&mut self, major: u32, feature: &'static str) {
        let need = Need {
            major,
            feature,
            object: self.object.clone(),
            line: self.line,
        };
        if !self.out.contains(&need) {
            self.out.push(need);
        }
    }
}

fn statement(node: &NodeEnum, f: &mut Found<'_>) {
    match node {
        NodeEnum::CreateStmt(s) => {
            f.object = relation("table", s.relation.as_ref());
            for e in &s.table_elts {
                match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => column(c, f),
                    Some(NodeEnum::Constraint(k)) => constraint(k, true, f),
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(s) => {
            f.object = relation("relation", s.relation.as_ref());
            for c in &s.cmds {
                let Some(NodeEnum::AlterTableCmd(c)) = c.node.as_ref() else {
                    continue;
                };
                let def = c.def.as_ref().and_then(|d| d.node.as_ref());
                if c.subtype == AlterTableType::AtSetExpression as i32 {
                    f.add(17, "ALTER COLUMN ... SET EXPRESSION");
                }
                match def {
                    Some(NodeEnum::ColumnDef(col)) => column(col, f),
                    Some(NodeEnum::Constraint(k)) => constraint(k, true, f),
                    Some(NodeEnum::List(l))
                        if c.subtype == AlterTableType::AtSetRelOptions as i32
                            && l.items.iter().any(security_invoker) =>
                    {
                        f.add(15, "security_invoker views");
                    }
                    _ => {}
                }
            }
        }
        NodeEnum::IndexStmt(s) => {
            f.object = format!(
                "index {}",
                if s.idxname.is_empty() {
                    relation_name(s.relation.as_ref())
                } else {
                    s.idxname.clone()
                }
            );
            if s.nulls_not_distinct {
                f.add(15, "NULLS NOT DISTINCT indexes");
            }
        }
        NodeEnum::ViewStmt(s) => {
            f.object = relation("view", s.view.as_ref());
            if s.options.iter().any(security_invoker) {
                f.add(15, "security_invoker views");
            }
        }
        NodeEnum::GrantStmt(s) => grant(s, f),
        NodeEnum::AlterDefaultPrivilegesStmt(s) => {
            if let Some(g) = &s.action {
                grant(g, f);
                f.object = format!("default privileges ({})", f.object);
            }
        }
        NodeEnum::CreatePublicationStmt(s) => {
            f.object = format!("publication {}", s.pubname);
            publication_objects(&s.pubobjects, f);
        }
        NodeEnum::AlterPublicationStmt(s) => {
            f.object = format!("publication {}", s.pubname);
            publication_objects(&s.pubobjects, f);
        }
        NodeEnum::MergeStmt(s) => {
            f.object = relation("table", s.relation.as_ref());
            f.add(15, "MERGE statements");
        }
        _ => {}
    }
}

fn publication_objects(objects: &[pg_query::protobuf::Node], f: &mut Found<'_>) {
    use pg_query::protobuf::PublicationObjSpecType as T;
    for o in objects {
        let Some(NodeEnum::PublicationObjSpec(o)) = o.node.as_ref() else {
            continue;
        };
        if o.pubobjtype == T::PublicationobjTablesInSchema as i32
            || o.pubobjtype == T::PublicationobjTablesInCurSchema as i32
        {
            f.add(15, "publications of TABLES IN SCHEMA");
        }
        if let Some(t) = &o.pubtable {
            if t.where_clause.is_some() {
                f.add(15, "publication row filters");
            }
            if !t.columns.is_empty() {
                f.add(15, "publication column lists");
            }
        }
    }
}

fn column(c: &pg_query::protobuf::ColumnDef, f: &mut Found<'_>) {
    for k in &c.constraints {
        if let Some(NodeEnum::Constraint(k)) = k.node.as_ref() {
            constraint(k, false, f);
        }
    }
}

/// `table_level`: written as a table constraint (or added by ALTER TABLE),
/// not inside a column's definition.
fn constraint(k: &pg_query::protobuf::Constraint, table_level: bool, f: &mut Found<'_>) {
    let kind = k.contype;
    let is = |t: ConstrType| kind == t as i32;
    if is(ConstrType::ConstrUnique) && k.nulls_not_distinct {
        f.add(15, "UNIQUE NULLS NOT DISTINCT constraints");
    }
    if is(ConstrType::ConstrForeign) && !k.fk_del_set_cols.is_empty() {
        f.add(15, "ON DELETE SET NULL/SET DEFAULT with a column list");
    }
    if k.without_overlaps || k.fk_with_period || k.pk_with_period {
        f.add(18, "temporal keys (WITHOUT OVERLAPS, PERIOD)");
    }
    let enforceable = is(ConstrType::ConstrCheck) || is(ConstrType::ConstrForeign);
    // In a column's definition, ENFORCED / NOT ENFORCED come as their own node.
    let attribute = is(ConstrType::ConstrAttrNotEnforced) || is(ConstrType::ConstrAttrEnforced);
    if attribute || (enforceable && !k.is_enforced) {
        f.add(18, "NOT ENFORCED constraints");
    }
    if is(ConstrType::ConstrNotnull) {
        if table_level {
            f.add(18, "NOT NULL table constraints");
        } else if !k.conname.is_empty() {
            // Accepted before 18, but the name is not kept.
            f.add(18, "named NOT NULL constraints");
        }
        if k.skip_validation {
            f.add(18, "NOT NULL ... NOT VALID");
        }
        if k.is_no_inherit {
            f.add(18, "NOT NULL ... NO INHERIT");
        }
    }
    if is(ConstrType::ConstrGenerated) && k.generated_kind == "v" {
        f.add(18, "VIRTUAL generated columns");
    }
}

fn grant(s: &pg_query::protobuf::GrantStmt, f: &mut Found<'_>) {
    let object = s
        .objects
        .iter()
        .filter_map(|o| match o.node.as_ref() {
            Some(NodeEnum::RangeVar(r)) => Some(qualified(r)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(", ");
    f.object = if object.is_empty() {
        "grant".to_string()
    } else {
        format!("grant on {object}")
    };
    let maintain = s.privileges.iter().any(|p| {
        matches!(p.node.as_ref(), Some(NodeEnum::AccessPriv(a)) if a.priv_name.eq_ignore_ascii_case("maintain"))
    });
    if maintain {
        f.add(17, "the MAINTAIN privilege");
    }
}

fn security_invoker(n: &pg_query::protobuf::Node) -> bool {
    matches!(n.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "security_invoker")
}

fn qualified(r: &RangeVar) -> String {
    if r.schemaname.is_empty() {
        r.relname.clone()
    } else {
        format!("{}.{}", r.schemaname, r.relname)
    }
}

fn relation_name(r: Option<&RangeVar>) -> String {
    r.map(qualified).unwrap_or_default()
}

fn relation(kind: &str, r: Option<&RangeVar>) -> String {
    format!("{kind} {}", relation_name(r))
}

/// 1-based line of the first non-blank character at or after `offset`.
fn line_at(sql: &str, offset: i32) -> usize {
    let start = usize::try_from(offset).unwrap_or(0).min(sql.len());
    let rest = sql.get(start..).unwrap_or("");
    let skipped = rest.len() - rest.trim_start().len();
    let at = (start + skipped).min(sql.len());
    sql.get(..at).unwrap_or(sql).matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn majors(sql: &str) -> Vec<(u32, &'static str)> {
        needs(sql)
            .into_iter()
            .map(|n| (n.major, n.feature))
            .collect()
    }

    #[test]
    fn each_feature_is_found_with_its_major() {
        let cases: &[(&str, u32)] = &[
            ("CREATE VIEW v WITH (security_invoker = true) AS SELECT 1", 15),
            ("ALTER VIEW v SET (security_invoker = on)", 15),
            ("CREATE UNIQUE INDEX i ON t (a) NULLS NOT DISTINCT", 15),
            ("CREATE TABLE t (a int, UNIQUE NULLS NOT DISTINCT (a))", 15),
            ("ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (a)", 15),
            ("CREATE TABLE t (a int, b int, FOREIGN KEY (a, b) REFERENCES p ON DELETE SET NULL (b))", 15),
            ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE", 15),
            ("GRANT MAINTAIN ON t TO r", 17),
            ("ALTER DEFAULT PRIVILEGES GRANT MAINTAIN ON TABLES TO r", 17),
            ("ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (a * 2)", 17),
            ("CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 2))", 18),
            ("CREATE TABLE t (a int, g int GENERATED ALWAYS AS (a * 2) VIRTUAL)", 18),
            ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) VIRTUAL", 18),
            ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT ENFORCED", 18),
            ("CREATE TABLE t (a int REFERENCES p NOT ENFORCED)", 18),
            ("ALTER TABLE t ADD CONSTRAINT n NOT NULL a", 18),
            ("ALTER TABLE t ADD CONSTRAINT n NOT NULL a NOT VALID", 18),
            ("CREATE TABLE t (a int NOT NULL NO INHERIT)", 18),
            ("CREATE TABLE t (a int CONSTRAINT named_nn NOT NULL)", 18),
            ("CREATE TABLE t (id int, d tstzrange, PRIMARY KEY (id, d WITHOUT OVERLAPS))", 18),
            ("CREATE TABLE t (id int, d tstzrange, FOREIGN KEY (id, PERIOD d) REFERENCES p (id, PERIOD d))", 18),
        ];
        for (sql, major) in cases {
            let found = majors(sql);
            assert!(
                found.iter().any(|(m, _)| m == major),
                "{sql}: expected a need of {major}, found {found:?}"
            );
            assert!(found.iter().all(|(m, _)| m <= major), "{sql}: {found:?}");
        }
    }

    #[test]
    fn what_14_already_has_needs_nothing() {
        for sql in [
            "CREATE TABLE t (a int NOT NULL, g int GENERATED ALWAYS AS (a * 2) STORED, CHECK (a > 0))",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p ON DELETE SET NULL",
            "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)",
            "CREATE VIEW v WITH (security_barrier) AS SELECT 1",
            "GRANT ALL ON t TO r",
            "GRANT SELECT, TRUNCATE ON t TO r",
            "not sql at all",
        ] {
            assert_eq!(majors(sql), [], "{sql}");
        }
    }

    #[test]
    fn needs_name_the_object_and_line() {
        let sql = "SET lock_timeout = '5s';\n\nCREATE VIEW public.v WITH (security_invoker) AS SELECT 1;\nGRANT MAINTAIN ON public.t TO r;";
        let found = missing(sql, PgVersion::of_major(14));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].object, "view public.v");
        assert_eq!(found[0].line, 3);
        assert_eq!(
            found[0].to_string(),
            "view public.v: security_invoker views need PostgreSQL 15 or later"
        );
        assert_eq!(found[1].object, "grant on public.t");
        assert_eq!(missing(sql, PgVersion::of_major(17)), []);
        assert_eq!(missing(sql, PgVersion::of_major(16)).len(), 1);
    }
}

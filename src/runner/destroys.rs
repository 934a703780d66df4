//! What a down script destroys: the tables, columns, schemas, sequences and
//! types in use it drops, the tables it truncates and the columns whose
//! type it narrows, each with whether it holds data now. A revert that
//! destroys anything is refused unless allowed (`--allow-destructive`):
//! a down script is written when the migration is, long before the rows
//! it would take with it exist.

use std::fmt;

use diesel::sql_types::{Bool, Integer, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use pg_query::protobuf::{AlterTableType, DropBehavior, ObjectType};
use pg_query::NodeEnum;
use serde::Serialize;

use crate::sql::split::Statement;

/// One thing a down script destroys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    pub migration: String,
    /// Line of the statement in the stored down SQL.
    pub line: usize,
    /// `drops table public.t`, `changes column public.t.c from text to varchar(10)`.
    pub what: String,
    /// Whether it holds data now: None when that could not be told.
    pub holds_data: Option<bool>,
    /// `holds rows`, `empty`, `not in the database`, `could not tell: ...`.
    pub detail: String,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {}): {} ({})",
            self.migration, self.line, self.what, self.detail
        )
    }
}

/// A name as written: its parts, schema first when qualified.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name(Vec<String>);

impl Name {
    /// For `to_regclass`/`to_regtype`: each part quoted.
    fn quoted(&self) -> String {
        self.0
            .iter()
            .map(|p| quote_ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What a statement would destroy, before looking at the database.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Table {
        name: Name,
        verb: &'static str,
    },
    Column {
        table: Name,
        column: String,
    },
    Retype {
        table: Name,
        column: String,
        to: Retyped,
    },
    Schema {
        name: String,
        cascade: bool,
    },
    Sequence {
        name: Name,
    },
    Type {
        name: Name,
    },
}

/// The type a column is changed to: the names and type modifiers as
/// written, and the text to show.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Retyped {
    names: Vec<String>,
    mods: Vec<i64>,
    array: bool,
    shown: String,
}

fn strings(nodes: &[pg_query::protobuf::Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn range_name(r: &pg_query::protobuf::RangeVar) -> Name {
    let mut parts = Vec::new();
    if !r.schemaname.is_empty() {
        parts.push(r.schemaname.clone());
    }
    parts.push(r.relname.clone());
    Name(parts)
}

/// The targets of one statement's parse tree.
fn targets(node: &NodeEnum) -> Vec<Target> {
    let mut out = Vec::new();
    match node {
        NodeEnum::DropStmt(d) => {
            let kind = ObjectType::try_from(d.remove_type).unwrap_or(ObjectType::Undefined);
            let cascade = d.behavior == DropBehavior::DropCascade as i32;
            for o in &d.objects {
                match (kind, o.node.as_ref()) {
                    (ObjectType::ObjectTable, Some(NodeEnum::List(l))) => out.push(Target::Table {
                        name: Name(strings(&l.items)),
                        verb: "drops table",
                    }),
                    (ObjectType::ObjectSequence, Some(NodeEnum::List(l))) => {
                        out.push(Target::Sequence {
                            name: Name(strings(&l.items)),
                        })
                    }
                    (ObjectType::ObjectSchema, Some(NodeEnum::String(s))) => {
                        out.push(Target::Schema {
                            name: s.sval.clone(),
                            cascade,
                        })
                    }
                    (
                        ObjectType::ObjectType | ObjectType::ObjectDomain,
                        Some(NodeEnum::TypeName(t)),
                    ) => out.push(Target::Type {
                        name: Name(strings(&t.names)),
                    }),
                    _ => {}
                }
            }
        }
        NodeEnum::TruncateStmt(t) => {
            for r in &t.relations {
                if let Some(NodeEnum::RangeVar(r)) = r.node.as_ref() {
                    out.push(Target::Table {
                        name: range_name(r),
                        verb: "truncates table",
                    });
                }
            }
        }
        NodeEnum::AlterTableStmt(a) if a.objtype == ObjectType::ObjectTable as i32 => {
            let Some(table) = a.relation.as_ref().map(range_name) else {
                return out;
            };
            for c in &a.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = c.node.as_ref() else {
                    continue;
                };
                match AlterTableType::try_from(cmd.subtype) {
                    Ok(AlterTableType::AtDropColumn) => out.push(Target::Column {
                        table: table.clone(),
                        column: cmd.name.clone(),
                    }),
                    Ok(AlterTableType::AtAlterColumnType) => {
                        let Some(NodeEnum::ColumnDef(def)) =
                            cmd.def.as_ref().and_then(|d| d.node.as_ref())
                        else {
                            continue;
                        };
                        let Some(t) = def.type_name.as_ref() else {
                            continue;
                        };
                        let mods = t
                            .typmods
                            .iter()
                            .filter_map(|m| match m.node.as_ref() {
                                Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                                    Some(pg_query::protobuf::a_const::Val::Ival(i)) => {
                                        Some(i64::from(i.ival))
                                    }
                                    _ => None,
                                },
                                _ => None,
                            })
                            .collect::<Vec<_>>();
                        let names = strings(&t.names);
                        let base = names.last().cloned().unwrap_or_default();
                        let mut shown = match mods.is_empty() {
                            true => base,
                            false => format!(
                                "{base}({})",
                                mods.iter()
                                    .map(i64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(",")
                            ),
                        };
                        if !t.array_bounds.is_empty() {
                            shown.push_str("[]");
                        }
                        out.push(Target::Retype {
                            table: table.clone(),
                            column: cmd.name.clone(),
                            to: Retyped {
                                names,
                                mods,
                                array: !t.array_bounds.is_empty(),
                                shown,
                            },
                        });
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// What `statements` (the down SQL of `migration`) would destroy in the
/// database `conn` is connected to, with whether each holds data.
pub fn losses(conn: &mut PgConnection, migration: &str, statements: &[Statement]) -> Vec<Loss> {
    let mut out = Vec::new();
    for s in statements {
        let Ok(tree) = pg_query::parse(&s.sql, 0) else {
            continue;
        };
        for raw in &tree.protobuf.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
                continue;
            };
            for t in targets(node) {
                if let Some((what, holds_data, detail)) = measure(conn, &t) {
                    out.push(Loss {
                        migration: migration.to_string(),
                        line: s.line,
                        what,
                        holds_data,
                        detail,
                    });
                }
            }
        }
    }
    out
}

#[derive(QueryableByName)]
struct One {
    #[diesel(sql_type = Nullable<Text>)]
    value: Option<String>,
}

#[derive(QueryableByName)]
struct Yes {
    #[diesel(sql_type = Bool)]
    value: bool,
}

/// The table a name resolves to (schema-qualified, quoted where needed),
/// if it exists.
fn regclass(conn: &mut PgConnection, name: &Name) -> Result<Option<String>, String> {
    let rows: Vec<One> = diesel::sql_query(
        "SELECT format('%I.%I', n.nspname, c.relname) AS value FROM pg_class c \
           JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
    )
    .bind::<Text, _>(name.quoted())
    .load(conn)
    .map_err(|e| e.to_string())?;
    Ok(rows.into_iter().next().and_then(|r| r.value))
}

fn exists(conn: &mut PgConnection, sql: &str) -> Result<bool, String> {
    let rows: Vec<Yes> = diesel::sql_query(sql)
        .load(conn)
        .map_err(|e| e.to_string())?;
    Ok(rows.first().is_some_and(|r| r.value))
}

/// Whether the table holds rows (or, with `column`, a non-null value in it).
fn holds(conn: &mut PgConnection, table: &str, column: Option<&str>) -> (Option<bool>, String) {
    let filter = column
        .map(|c| format!(" WHERE {} IS NOT NULL", quote_ident(c)))
        .unwrap_or_default();
    match exists(
        conn,
        &format!("SELECT EXISTS (SELECT 1 FROM {table}{filter}) AS value"),
    ) {
        Ok(true) => (Some(true), "holds rows".into()),
        Ok(false) => (Some(false), "empty".into()),
        Err(e) => (None, format!("could not tell whether it holds rows: {e}")),
    }
}

/// The loss `t` would be here: what, whether it holds data, and the
/// words for that; None when it destroys nothing (a type no column uses,
/// a type change that only widens).
fn measure(conn: &mut PgConnection, t: &Target) -> Option<(String, Option<bool>, String)> {
    let absent = |what: String| Some((what, Some(false), "not in the database".to_string()));
    match t {
        Target::Table { name, verb } => {
            let what = format!("{verb} {name}");
            match regclass(conn, name) {
                Ok(Some(table)) => {
                    let (h, d) = holds(conn, &table, None);
                    Some((what, h, d))
                }
                Ok(None) => absent(what),
                Err(e) => Some((what, None, format!("could not tell: {e}"))),
            }
        }
        Target::Column { table, column } => {
            let what = format!("drops column {table}.{column}");
            match regclass(conn, table) {
                Ok(Some(reg)) => {
                    let (h, d) = holds(conn, &reg, Some(column));
                    let d = match h {
                        Some(true) => "holds values".to_string(),
                        Some(false) => "no values".to_string(),
                        None => d,
                    };
                    Some((what, h, d))
                }
                Ok(None) => absent(what),
                Err(e) => Some((what, None, format!("could not tell: {e}"))),
            }
        }
        Target::Retype { table, column, to } => retype(conn, table, column, to),
        Target::Schema { name, cascade } => {
            let what = match cascade {
                true => format!("drops schema {name} and everything in it (CASCADE)"),
                false => format!("drops schema {name}"),
            };
            schema(conn, name).map(|(h, d)| (what, h, d))
        }
        Target::Sequence { name } => {
            let what = format!("drops sequence {name}");
            match regclass(conn, name) {
                Ok(Some(seq)) => {
                    match exists(conn, &format!("SELECT is_called AS value FROM {seq}")) {
                        Ok(true) => {
                            Some((what, Some(true), "in use: it has given out values".into()))
                        }
                        Ok(false) => Some((what, Some(false), "never used".into())),
                        Err(e) => Some((what, None, format!("could not tell: {e}"))),
                    }
                }
                Ok(None) => absent(what),
                Err(e) => Some((what, None, format!("could not tell: {e}"))),
            }
        }
        Target::Type { name } => used_type(conn, name),
    }
}

fn schema(conn: &mut PgConnection, name: &str) -> Option<(Option<bool>, String)> {
    let tables: Vec<One> = match diesel::sql_query(
        "SELECT format('%I.%I', n.nspname, c.relname) AS value FROM pg_class c \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
    )
    .bind::<Text, _>(name)
    .load(conn)
    {
        Ok(t) => t,
        Err(e) => return Some((None, format!("could not tell: {e}"))),
    };
    if tables.is_empty() {
        return Some((Some(false), "no tables".into()));
    }
    let mut parts = Vec::new();
    let mut any = Some(false);
    for t in tables.iter().filter_map(|t| t.value.as_deref()) {
        let (h, d) = holds(conn, t, None);
        any = match (any, h) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (None, _) | (_, None) => None,
            _ => Some(false),
        };
        parts.push(format!("{t}: {d}"));
    }
    Some((any, format!("its tables: {}", parts.join(", "))))
}

fn used_type(conn: &mut PgConnection, name: &Name) -> Option<(String, Option<bool>, String)> {
    // The columns of that type, or of an array of it.
    let columns: Vec<One> = match diesel::sql_query(
        "SELECT format('%I.%I.%I', n.nspname, c.relname, a.attname) AS value \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           JOIN pg_type t ON t.oid = to_regtype($1) \
          WHERE a.atttypid IN (t.oid, t.typarray) AND a.attnum > 0 AND NOT a.attisdropped \
            AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1",
    )
    .bind::<Text, _>(name.quoted())
    .load(conn)
    {
        Ok(c) => c,
        Err(e) => {
            return Some((
                format!("drops type {name}"),
                None,
                format!("could not tell whether a column uses it: {e}"),
            ))
        }
    };
    if columns.is_empty() {
        return None;
    }
    let names: Vec<&str> = columns.iter().filter_map(|c| c.value.as_deref()).collect();
    Some((
        format!("drops type {name}, used by column(s) {}", names.join(", ")),
        Some(true),
        "in use".into(),
    ))
}

#[derive(QueryableByName)]
struct Current {
    #[diesel(sql_type = Text)]
    typname: String,
    #[diesel(sql_type = Integer)]
    typmod: i32,
    #[diesel(sql_type = Text)]
    shown: String,
}

fn retype(
    conn: &mut PgConnection,
    table: &Name,
    column: &str,
    to: &Retyped,
) -> Option<(String, Option<bool>, String)> {
    let reg = match regclass(conn, table) {
        Ok(Some(r)) => r,
        _ => return None,
    };
    let rows: Vec<Current> = diesel::sql_query(
        "SELECT t.typname::text AS typname, a.atttypmod AS typmod, \
                format_type(a.atttypid, a.atttypmod) AS shown \
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
          WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped",
    )
    .bind::<Text, _>(&reg)
    .bind::<Text, _>(column)
    .load(conn)
    .ok()?;
    let current = rows.into_iter().next()?;
    if !to.array && widens(&current.typname, current.typmod, to) {
        return None;
    }
    let what = format!(
        "changes column {table}.{column} from {} to {} (values that do not fit are lost or refused)",
        current.shown, to.shown
    );
    let (h, d) = holds(conn, &reg, Some(column));
    let d = match h {
        Some(true) => "holds values".to_string(),
        Some(false) => "no values".to_string(),
        None => d,
    };
    Some((what, h, d))
}

/// The catalog name of a type as written (`int` parses as `int4`, and
/// so on; the parser does that part).
fn canonical(name: &str) -> &str {
    match name {
        "decimal" => "numeric",
        "character varying" => "varchar",
        "character" | "char" => "bpchar",
        "bit varying" => "varbit",
        other => other,
    }
}

/// Whether changing a column of catalog type `old` (with `atttypmod`
/// `old_mod`) to `to` keeps every value: a longer length, more digits,
/// a wider number, text from a character type.
fn widens(old: &str, old_mod: i32, to: &Retyped) -> bool {
    let new = canonical(to.names.last().map(String::as_str).unwrap_or(""));
    let mods = &to.mods;
    if new == old {
        return match old {
            // varchar without a length has none; char without one is char(1).
            "varchar" | "varbit" => {
                mods.is_empty() || (old_mod >= 4 && mods[0] >= i64::from(old_mod - 4))
            }
            "bpchar" | "bit" => {
                let n = mods.first().copied().unwrap_or(1);
                old_mod >= 4 && n >= i64::from(old_mod - 4)
            }
            "numeric" => {
                if mods.is_empty() {
                    return true;
                }
                if old_mod < 4 {
                    return false;
                }
                let (p, s) = (((old_mod - 4) >> 16) & 0xffff, (old_mod - 4) & 0xffff);
                let (np, ns) = (mods[0], mods.get(1).copied().unwrap_or(0));
                ns >= i64::from(s) && np - ns >= i64::from(p - s)
            }
            "timestamp" | "timestamptz" | "time" | "timetz" | "interval" => {
                mods.is_empty() || (old_mod >= 0 && mods[0] >= i64::from(old_mod))
            }
            _ => mods.is_empty(),
        };
    }
    let plain = mods.is_empty();
    matches!(
        (old, new),
        ("int2", "int4" | "int8" | "float4" | "float8")
            | ("int4", "int8" | "float8")
            | ("float4", "float8")
            | ("varchar" | "bpchar", "text")
    ) || (plain
        && matches!(
            (old, new),
            ("int2" | "int4" | "int8", "numeric") | ("text", "varchar")
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets_of(sql: &str) -> Vec<Target> {
        let tree = pg_query::parse(sql, 0).unwrap();
        tree.protobuf
            .stmts
            .iter()
            .filter_map(|r| r.stmt.as_ref().and_then(|n| n.node.as_ref()))
            .flat_map(targets)
            .collect()
    }

    fn name(parts: &[&str]) -> Name {
        Name(parts.iter().map(|p| p.to_string()).collect())
    }

    #[test]
    fn drops_truncates_and_column_changes_are_found() {
        let t = targets_of(
            "DROP TABLE public.a, b CASCADE; DROP SCHEMA s CASCADE; DROP SEQUENCE q; \
             DROP TYPE mood; DROP DOMAIN d; TRUNCATE c; \
             ALTER TABLE t DROP COLUMN x, ALTER COLUMN y TYPE varchar(10), ADD COLUMN z int",
        );
        assert_eq!(
            t,
            vec![
                Target::Table {
                    name: name(&["public", "a"]),
                    verb: "drops table"
                },
                Target::Table {
                    name: name(&["b"]),
                    verb: "drops table"
                },
                Target::Schema {
                    name: "s".into(),
                    cascade: true
                },
                Target::Sequence { name: name(&["q"]) },
                Target::Type {
                    name: name(&["mood"])
                },
                Target::Type { name: name(&["d"]) },
                Target::Table {
                    name: name(&["c"]),
                    verb: "truncates table"
                },
                Target::Column {
                    table: name(&["t"]),
                    column: "x".into()
                },
                Target::Retype {
                    table: name(&["t"]),
                    column: "y".into(),
                    to: Retyped {
                        names: vec!["pg_catalog".into(), "varchar".into()],
                        mods: vec![10],
                        array: false,
                        shown: "varchar(10)".into()
                    }
                },
            ]
        );
        // Not destructive: views, indexes, functions, policies, constraints.
        assert!(targets_of(
            "DROP VIEW v; DROP INDEX i; DROP FUNCTION f(); DROP POLICY p ON t; \
             ALTER TABLE t DROP CONSTRAINT k; DELETE FROM t WHERE false"
        )
        .is_empty());
    }

    fn retyped(sql: &str) -> Retyped {
        match targets_of(sql).pop() {
            Some(Target::Retype { to, .. }) => to,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn widening_keeps_every_value_and_narrowing_does_not() {
        let to = |ty: &str| retyped(&format!("ALTER TABLE t ALTER COLUMN c TYPE {ty}"));
        // varchar(20) is atttypmod 24; numeric(10,2) is (10 << 16 | 2) + 4.
        assert!(widens("varchar", 24, &to("varchar(30)")));
        assert!(widens("varchar", 24, &to("text")));
        assert!(widens("varchar", 24, &to("varchar")));
        assert!(!widens("varchar", 24, &to("varchar(10)")));
        assert!(!widens("text", -1, &to("varchar(10)")));
        assert!(widens("int4", -1, &to("bigint")));
        assert!(!widens("int8", -1, &to("int")));
        assert!(!widens("int4", -1, &to("smallint")));
        let n = (10 << 16 | 2) + 4;
        assert!(widens("numeric", n, &to("numeric(12,2)")));
        assert!(widens("numeric", n, &to("numeric")));
        assert!(!widens("numeric", n, &to("numeric(10,1)")));
        assert!(!widens("numeric", n, &to("numeric(9,2)")));
        assert!(!widens("text", -1, &to("int")));
        assert!(!widens("bpchar", 14, &to("char")));
        assert!(widens("timestamptz", -1, &to("timestamptz")));
        assert!(!widens("timestamptz", -1, &to("timestamptz(0)")));
    }
}

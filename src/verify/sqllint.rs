//! Lint for migration files, hand-written or generated: the planner's hazard
//! rules applied to SQL, read with PostgreSQL's own parser. A table created
//! earlier in the same file is new, so building its indexes or constraints
//! locks nothing anyone waits on. Some rules depend on the PostgreSQL major
//! version the files will run on ([`SqlContext::pg_version`]).

use std::collections::BTreeSet;
use std::path::Path;

use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType, RangeVar, TransactionStmtKind};
use pg_query::{NodeEnum, NodeRef};

use super::lint::{rule_finding, LintFinding, LintOptions};

/// What the linter knows beyond one file's text.
#[derive(Debug, Clone)]
pub struct SqlContext {
    /// PostgreSQL major version the files will run on.
    pub pg_version: u32,
    /// Whether the file runs inside one transaction block (a migration's
    /// `run_in_transaction`); an explicit `BEGIN` in the file also counts.
    pub in_transaction: bool,
    /// Partitioned tables, `schema.name`: from the database when one is
    /// given, and from `PARTITION BY` in earlier statements and files.
    pub partitioned: BTreeSet<String>,
}

impl SqlContext {
    pub fn new(pg_version: u32) -> Self {
        SqlContext {
            pg_version,
            in_transaction: true,
            partitioned: BTreeSet::new(),
        }
    }
}

/// The major version in `15`, `9.6`, or `15.4 (Debian 15.4-1)`.
pub fn major_version(text: &str) -> Option<u32> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `schema.name` of a relation; unqualified names are taken as `public`.
fn qualified(r: &RangeVar) -> String {
    let schema = if r.schemaname.is_empty() {
        "public"
    } else {
        &r.schemaname
    };
    format!("{schema}.{}", r.relname)
}

/// Findings for one SQL file; `label` names it in each finding. Tables the
/// file partitions are added to `ctx.partitioned` for the files after it.
pub fn lint_sql(sql: &str, label: &str, ctx: &mut SqlContext) -> Vec<LintFinding> {
    let mut out = Vec::new();
    let parsed = match pg_query::parse(sql, 0) {
        Ok(p) => p,
        Err(e) => {
            out.push(rule_finding(
                "sql_parse_error",
                label.to_string(),
                e.to_string(),
            ));
            return out;
        }
    };
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut lock_timeout = false;
    let mut warned_timeout = false;
    let mut explicit_tx = false;
    for raw in &parsed.protobuf.stmts {
        let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
            continue;
        };
        let at = format!("{label}:{}", line_of(sql, raw.stmt_location));
        let in_tx = ctx.in_transaction || explicit_tx;
        let mut locks = false;
        match node {
            NodeEnum::VariableSetStmt(s) if s.name == "lock_timeout" => lock_timeout = true,
            NodeEnum::TransactionStmt(t) => {
                let kind = t.kind;
                if kind == TransactionStmtKind::TransStmtBegin as i32
                    || kind == TransactionStmtKind::TransStmtStart as i32
                {
                    explicit_tx = true;
                } else if kind == TransactionStmtKind::TransStmtCommit as i32
                    || kind == TransactionStmtKind::TransStmtRollback as i32
                {
                    explicit_tx = false;
                }
            }
            NodeEnum::CreateStmt(s) => {
                if let Some(r) = &s.relation {
                    created.insert(r.relname.clone());
                    if s.partspec.is_some() {
                        ctx.partitioned.insert(qualified(r));
                    }
                }
            }
            NodeEnum::IndexStmt(s) => {
                let (table, partitioned, only) = match &s.relation {
                    Some(r) => (
                        r.relname.clone(),
                        ctx.partitioned.contains(&qualified(r)),
                        !r.inh,
                    ),
                    None => (String::new(), false, false),
                };
                // ON ONLY a partitioned parent builds nothing (the index
                // stays invalid until each partition's is attached).
                let instant = partitioned && only;
                if s.concurrent && partitioned {
                    out.push(rule_finding(
                        "create_index_concurrently_partitioned",
                        at.clone(),
                        format!("{table} is partitioned: PostgreSQL cannot build an index on it CONCURRENTLY"),
                    ));
                } else if !(s.concurrent || created.contains(&table) || instant) {
                    locks = true;
                    let how = if partitioned {
                        "; it is partitioned, so build it ON ONLY the parent, CONCURRENTLY on each partition, then ATTACH"
                    } else {
                        ""
                    };
                    out.push(rule_finding(
                        "create_index_without_concurrently",
                        at.clone(),
                        format!("CREATE INDEX on {table} blocks writes while it builds{how}"),
                    ));
                }
            }
            NodeEnum::ReindexStmt(s) => {
                let concurrently = s.params.iter().any(|p| {
                    matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
                });
                if concurrently && ctx.pg_version < 12 {
                    out.push(rule_finding(
                        "reindex_concurrently_before_pg12",
                        at.clone(),
                        format!(
                            "REINDEX CONCURRENTLY needs PostgreSQL 12 or later; the target is {}",
                            ctx.pg_version
                        ),
                    ));
                }
            }
            NodeEnum::AlterEnumStmt(s) if s.old_val.is_empty() && in_tx && ctx.pg_version < 12 => {
                out.push(rule_finding(
                    "enum_add_value_in_transaction_before_pg12",
                    at.clone(),
                    format!(
                        "ALTER TYPE ... ADD VALUE '{}' cannot run inside a transaction block before PostgreSQL 12; the target is {}",
                        s.new_val, ctx.pg_version
                    ),
                ));
            }
            NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => {
                locks = true;
                out.push(rule_finding(
                    "drop_table",
                    at.clone(),
                    "DROP TABLE deletes the table and its data".into(),
                ));
            }
            NodeEnum::AlterTableStmt(s) => {
                locks = true;
                let table = s
                    .relation
                    .as_ref()
                    .map(|r| r.relname.clone())
                    .unwrap_or_default();
                let new = created.contains(&table);
                for cmd in &s.cmds {
                    let Some(NodeEnum::AlterTableCmd(c)) = cmd.node.as_ref() else {
                        continue;
                    };
                    alter_cmd(c, &table, new, ctx, &at, &mut out);
                }
            }
            _ => {}
        }
        if locks && !lock_timeout && !warned_timeout {
            warned_timeout = true;
            out.push(rule_finding(
                "missing_lock_timeout",
                at,
                "a locking statement runs without SET lock_timeout first".into(),
            ));
        }
    }
    out
}

fn alter_cmd(
    c: &pg_query::protobuf::AlterTableCmd,
    table: &str,
    new: bool,
    ctx: &SqlContext,
    at: &str,
    out: &mut Vec<LintFinding>,
) {
    let def = c.def.as_ref().and_then(|d| d.node.as_ref());
    let subtype = c.subtype;
    if subtype == AlterTableType::AtAddColumn as i32 {
        if let Some(NodeEnum::ColumnDef(col)) = def {
            add_column(col, table, new, ctx, at, out);
        }
    } else if subtype == AlterTableType::AtAlterColumnType as i32 && !new {
        out.push(rule_finding(
            "alter_column_type",
            at.to_string(),
            format!(
                "ALTER COLUMN {} TYPE may rewrite {table} under an ACCESS EXCLUSIVE lock",
                c.name
            ),
        ));
    } else if subtype == AlterTableType::AtAddConstraint as i32 && !new {
        if let Some(NodeEnum::Constraint(k)) = def {
            let validating = k.contype == ConstrType::ConstrForeign as i32
                || k.contype == ConstrType::ConstrCheck as i32;
            if validating && !k.skip_validation {
                out.push(rule_finding("constraint_without_not_valid", at.to_string(), format!("constraint {} is validated under lock; add it NOT VALID, then VALIDATE CONSTRAINT", k.conname)));
            }
        }
    } else if subtype == AlterTableType::AtSetNotNull as i32 && !new {
        out.push(rule_finding(
            "set_not_null",
            at.to_string(),
            format!(
                "SET NOT NULL on {} scans {table} under an ACCESS EXCLUSIVE lock",
                c.name
            ),
        ));
    } else if subtype == AlterTableType::AtDropColumn as i32 {
        out.push(rule_finding(
            "drop_column",
            at.to_string(),
            format!("DROP COLUMN {} deletes its data", c.name),
        ));
    } else if subtype == AlterTableType::AtDetachPartition as i32 {
        if let Some(NodeEnum::PartitionCmd(p)) = def {
            if p.concurrent && ctx.pg_version < 14 {
                out.push(rule_finding(
                    "detach_partition_concurrently_before_pg14",
                    at.to_string(),
                    format!(
                        "DETACH PARTITION CONCURRENTLY needs PostgreSQL 14 or later; the target is {}",
                        ctx.pg_version
                    ),
                ));
            }
        }
    }
}

fn add_column(
    col: &pg_query::protobuf::ColumnDef,
    table: &str,
    new: bool,
    ctx: &SqlContext,
    at: &str,
    out: &mut Vec<LintFinding>,
) {
    let constraints: Vec<&pg_query::protobuf::Constraint> = col
        .constraints
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
            _ => None,
        })
        .collect();
    let has = |t: ConstrType| constraints.iter().any(|k| k.contype == t as i32);
    let default = constraints
        .iter()
        .find(|k| k.contype == ConstrType::ConstrDefault as i32)
        .and_then(|k| k.raw_expr.as_deref())
        .or(col.raw_default.as_deref());
    let not_null = col.is_not_null || has(ConstrType::ConstrNotnull);
    let has_default =
        default.is_some() || has(ConstrType::ConstrIdentity) || has(ConstrType::ConstrGenerated);
    if not_null && !has_default && !new {
        out.push(rule_finding(
            "add_column_not_null_without_default",
            at.to_string(),
            format!(
                "ADD COLUMN {} NOT NULL without a default fails on a table with rows",
                col.colname
            ),
        ));
    }
    if new {
        return;
    }
    // Values computed per row force a rewrite on every version; since
    // PostgreSQL 11 a non-volatile default is stored once in the catalog.
    let serial = col
        .type_name
        .as_ref()
        .and_then(|t| t.names.last())
        .and_then(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.to_lowercase()),
            _ => None,
        })
        .is_some_and(|t| SERIAL_TYPES.contains(&t.as_str()));
    let stored = constraints
        .iter()
        .any(|k| k.contype == ConstrType::ConstrGenerated as i32 && k.generated_kind != "v");
    let per_row = if serial {
        Some("a serial default (nextval) is volatile".to_string())
    } else if has(ConstrType::ConstrIdentity) {
        Some("an identity column gets a value per row".to_string())
    } else if stored {
        Some("a stored generated column is computed per row".to_string())
    } else {
        default
            .and_then(volatile_call)
            .map(|f| format!("its default calls {f}(), which is volatile"))
    };
    let reason = match per_row {
        Some(why) => why,
        None if ctx.pg_version < 11 && default.is_some_and(|d| !is_null(d)) => format!(
            "any default rewrites the table before PostgreSQL 11; the target is {}",
            ctx.pg_version
        ),
        None => return,
    };
    out.push(rule_finding(
        "add_column_rewrites_table",
        at.to_string(),
        format!(
            "ADD COLUMN {} rewrites {table} under an ACCESS EXCLUSIVE lock: {reason}",
            col.colname
        ),
    ));
}

const SERIAL_TYPES: &[&str] = &[
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallserial",
    "bigserial",
];

/// Built-in and common extension functions marked VOLATILE.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
];

/// The first volatile function an expression calls.
fn volatile_call(expr: &pg_query::protobuf::Node) -> Option<String> {
    let node = expr.node.as_ref()?;
    node.nodes().into_iter().find_map(|(n, ..)| match n {
        NodeRef::FuncCall(f) => f
            .funcname
            .last()
            .and_then(|n| match n.node.as_ref() {
                Some(NodeEnum::String(s)) => Some(s.sval.to_lowercase()),
                _ => None,
            })
            .filter(|name| VOLATILE.contains(&name.as_str())),
        _ => None,
    })
}

fn is_null(expr: &pg_query::protobuf::Node) -> bool {
    matches!(expr.node.as_ref(), Some(NodeEnum::AConst(c)) if c.isnull)
}

/// 1-based line of a byte offset.
fn line_of(sql: &str, offset: i32) -> usize {
    let end = usize::try_from(offset).unwrap_or(0).min(sql.len());
    let head = sql.get(..end).unwrap_or(sql);
    // Leading blank lines and comments belong to no statement.
    let skipped = sql.get(end..).map_or(0, |rest| {
        let trimmed = rest.trim_start();
        let ws = &rest[..rest.len() - trimmed.len()];
        ws.matches('\n').count()
    });
    head.matches('\n').count() + 1 + skipped
}

/// Lints every `up.sql` under a migrations directory (retired ones
/// skipped), in order, each in or out of a transaction as its
/// `metadata.toml` says; `partitioned` seeds the known partitioned tables
/// (e.g. from the database). Ignored findings are left out.
pub fn lint_dir(
    dir: &Path,
    opts: &LintOptions,
    partitioned: BTreeSet<String>,
) -> Result<Vec<LintFinding>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".retired") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut ctx = SqlContext {
        partitioned,
        ..SqlContext::new(opts.pg_version)
    };
    let mut out = Vec::new();
    for n in names {
        let path = dir.join(&n).join("up.sql");
        if let Ok(sql) = std::fs::read_to_string(&path) {
            ctx.in_transaction = crate::migrations::source::transactional_of(&dir.join(&n));
            out.extend(lint_sql(&sql, &path.display().to_string(), &mut ctx));
        }
    }
    Ok(opts.ignores.filter(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<&'static str> {
        ids_on(sql, 15)
    }

    fn ids_on(sql: &str, pg_version: u32) -> Vec<&'static str> {
        let mut ctx = SqlContext::new(pg_version);
        lint_sql(sql, "f.sql", &mut ctx)
            .into_iter()
            .map(|f| f.id)
            .collect()
    }

    #[test]
    fn hand_written_hazards_are_found() {
        let sql = "\nCREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN c int NOT NULL,\n  ALTER COLUMN d TYPE bigint,\n  ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id),\n  ALTER COLUMN e SET NOT NULL,\n  DROP COLUMN g;\nDROP TABLE x;\n";
        assert_eq!(
            ids(sql),
            [
                "create_index_without_concurrently",
                "missing_lock_timeout",
                "add_column_not_null_without_default",
                "alter_column_type",
                "constraint_without_not_valid",
                "set_not_null",
                "drop_column",
                "drop_table",
            ]
        );
        let f = lint_sql(sql, "f.sql", &mut SqlContext::new(15));
        assert_eq!(f[0].object, "f.sql:2");
        assert_eq!(f[2].object, "f.sql:3");
        assert_eq!(f[7].object, "f.sql:8");
    }

    #[test]
    fn safe_forms_and_new_tables_are_clean() {
        let sql = "SET LOCAL lock_timeout = '5s';\nCREATE TABLE n (id int);\nCREATE INDEX n_i ON n (id);\nALTER TABLE n ADD COLUMN c int NOT NULL;\nALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;\nALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT f;\n";
        assert_eq!(ids(sql), Vec::<&str>::new());
        assert_eq!(
            ids("CREATE INDEX CONCURRENTLY i ON t (a);"),
            Vec::<&str>::new()
        );
        assert_eq!(ids("CREATE TABLE ("), ["sql_parse_error"]);
    }

    const LT: &str = "SET LOCAL lock_timeout = '5s';\n";

    #[test]
    fn add_column_rewrites_with_a_volatile_default_on_every_version() {
        for v in [10, 11, 15] {
            for sql in [
                "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();",
                "ALTER TABLE t ADD COLUMN c timestamptz NOT NULL DEFAULT (clock_timestamp() + interval '1 day');",
                "ALTER TABLE t ADD COLUMN n bigserial;",
                "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;",
                "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED;",
            ] {
                assert_eq!(ids_on(&format!("{LT}{sql}"), v), ["add_column_rewrites_table"], "{sql} on {v}");
            }
        }
        // A table created in the same file has no rows to rewrite.
        assert_eq!(
            ids_on(&format!("{LT}CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();"), 15),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn a_constant_default_is_instant_only_from_pg11() {
        let constant = format!("{LT}ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0, ADD COLUMN d timestamptz DEFAULT now();");
        assert_eq!(ids_on(&constant, 11), Vec::<&str>::new());
        assert_eq!(ids_on(&constant, 15), Vec::<&str>::new());
        let f = lint_sql(&constant, "f.sql", &mut SqlContext::new(10));
        assert_eq!(
            f.iter().map(|f| f.id).collect::<Vec<_>>(),
            ["add_column_rewrites_table", "add_column_rewrites_table"]
        );
        assert!(
            f[0].message.contains("before PostgreSQL 11"),
            "{}",
            f[0].message
        );
        // Nullable without a default (or DEFAULT NULL) never rewrites.
        let plain = format!("{LT}ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int DEFAULT NULL;");
        assert_eq!(ids_on(&plain, 10), Vec::<&str>::new());
    }

    #[test]
    fn enum_add_value_in_a_transaction_before_pg12() {
        let sql = "ALTER TYPE mood ADD VALUE 'meh';";
        assert_eq!(
            ids_on(sql, 11),
            ["enum_add_value_in_transaction_before_pg12"]
        );
        assert_eq!(ids_on(sql, 12), Vec::<&str>::new());
        // Outside a transaction it works on every version...
        let mut ctx = SqlContext {
            in_transaction: false,
            ..SqlContext::new(11)
        };
        assert!(lint_sql(sql, "f.sql", &mut ctx).is_empty());
        // ...unless the file opens one itself.
        let wrapped = format!("BEGIN;\n{sql}\nCOMMIT;\n{sql}");
        let f = lint_sql(&wrapped, "f.sql", &mut ctx);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].object, "f.sql:2");
        // Renaming a value is not adding one.
        assert_eq!(
            ids_on("ALTER TYPE mood RENAME VALUE 'a' TO 'b';", 11),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn create_index_concurrently_on_a_partitioned_table() {
        let sql = "CREATE INDEX CONCURRENTLY e_at ON events (at);";
        let mut ctx = SqlContext::new(15);
        ctx.partitioned.insert("public.events".into());
        let f = lint_sql(sql, "f.sql", &mut ctx);
        assert_eq!(
            f.iter().map(|f| f.id).collect::<Vec<_>>(),
            ["create_index_concurrently_partitioned"]
        );
        // Not partitioned: fine.
        assert_eq!(ids(sql), Vec::<&str>::new());
        // Partitioned by an earlier file: found too, and ON ONLY the parent
        // (instant, the index stays invalid until attached) is not a hazard.
        let mut ctx = SqlContext::new(15);
        lint_sql(
            "CREATE TABLE app.events (at timestamptz) PARTITION BY RANGE (at);",
            "0001.sql",
            &mut ctx,
        );
        let f = lint_sql(
            "CREATE INDEX CONCURRENTLY e_at ON app.events (at);",
            "0002.sql",
            &mut ctx,
        );
        assert_eq!(
            f.iter().map(|f| f.id).collect::<Vec<_>>(),
            ["create_index_concurrently_partitioned"]
        );
        assert!(lint_sql(
            "CREATE INDEX e_at ON ONLY app.events (at);",
            "0003.sql",
            &mut ctx
        )
        .is_empty());
    }

    #[test]
    fn reindex_concurrently_needs_pg12() {
        for sql in [
            "REINDEX INDEX CONCURRENTLY i;",
            "REINDEX (CONCURRENTLY) TABLE t;",
        ] {
            assert_eq!(
                ids_on(sql, 11),
                ["reindex_concurrently_before_pg12"],
                "{sql}"
            );
            assert_eq!(ids_on(sql, 12), Vec::<&str>::new(), "{sql}");
        }
        assert_eq!(ids_on("REINDEX INDEX i;", 11), Vec::<&str>::new());
    }

    #[test]
    fn detach_partition_concurrently_needs_pg14() {
        let sql = format!("{LT}ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;");
        assert_eq!(
            ids_on(&sql, 13),
            ["detach_partition_concurrently_before_pg14"]
        );
        assert_eq!(ids_on(&sql, 14), Vec::<&str>::new());
        let plain = format!("{LT}ALTER TABLE events DETACH PARTITION events_2020;");
        assert_eq!(ids_on(&plain, 13), Vec::<&str>::new());
    }
}

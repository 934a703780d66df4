//! Lint for migration files, hand-written or generated: the planner's hazard
//! rules applied to SQL, read with PostgreSQL's own parser. A table created
//! earlier in the same file is new, so building its indexes or constraints
//! locks nothing anyone waits on.

use std::collections::BTreeSet;
use std::path::Path;

use pg_query::protobuf::{AlterTableType, ConstrType, ObjectType};
use pg_query::NodeEnum;

use super::lint::{rule_finding, LintFinding};

/// Findings for one SQL file; `label` names it in each finding.
pub fn lint_sql(sql: &str, label: &str) -> Vec<LintFinding> {
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
    for raw in &parsed.protobuf.stmts {
        let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
            continue;
        };
        let at = format!("{label}:{}", line_of(sql, raw.stmt_location));
        let mut locks = false;
        match node {
            NodeEnum::VariableSetStmt(s) if s.name == "lock_timeout" => lock_timeout = true,
            NodeEnum::CreateStmt(s) => {
                if let Some(r) = &s.relation {
                    created.insert(r.relname.clone());
                }
            }
            NodeEnum::IndexStmt(s) => {
                let table = s
                    .relation
                    .as_ref()
                    .map(|r| r.relname.clone())
                    .unwrap_or_default();
                if !s.concurrent && !created.contains(&table) {
                    locks = true;
                    out.push(rule_finding(
                        "create_index_without_concurrently",
                        at.clone(),
                        format!("CREATE INDEX on {table} blocks writes while it builds"),
                    ));
                }
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
                    alter_cmd(c, &table, new, &at, &mut out);
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
    at: &str,
    out: &mut Vec<LintFinding>,
) {
    let def = c.def.as_ref().and_then(|d| d.node.as_ref());
    let subtype = c.subtype;
    if subtype == AlterTableType::AtAddColumn as i32 {
        if let Some(NodeEnum::ColumnDef(col)) = def {
            let kinds: Vec<i32> = col
                .constraints
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::Constraint(k)) => Some(k.contype),
                    _ => None,
                })
                .collect();
            let not_null = col.is_not_null || kinds.contains(&(ConstrType::ConstrNotnull as i32));
            let has_default = col.raw_default.is_some()
                || kinds.contains(&(ConstrType::ConstrDefault as i32))
                || kinds.contains(&(ConstrType::ConstrIdentity as i32))
                || kinds.contains(&(ConstrType::ConstrGenerated as i32));
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
    }
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

/// Lints every `up.sql` under a migrations directory (retired ones skipped).
pub fn lint_dir(dir: &Path) -> Result<Vec<LintFinding>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".retired") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for n in names {
        let path = dir.join(&n).join("up.sql");
        if let Ok(sql) = std::fs::read_to_string(&path) {
            out.extend(lint_sql(&sql, &path.display().to_string()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<&'static str> {
        lint_sql(sql, "f.sql").into_iter().map(|f| f.id).collect()
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
        let f = lint_sql(sql, "f.sql");
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
}

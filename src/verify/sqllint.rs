//! Lint for migration files, hand-written or generated: the planner's hazard
//! rules applied to SQL, read with PostgreSQL's own parser. A table created
//! earlier in the same file is new, so building its indexes or constraints
//! locks nothing anyone waits on. Some rules depend on the PostgreSQL major
//! version the files will run on ([`SqlContext::pg_version`]).

mod alter;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pg_query::protobuf::{DropBehavior, ObjectType, RangeVar, TransactionStmtKind};
use pg_query::NodeEnum;

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
    /// `CHECK (col IS NOT NULL)` constraints seen: (table, constraint) to
    /// the column.
    not_null_checks: BTreeMap<(String, String), String>,
    /// (table, column) a validated `CHECK (col IS NOT NULL)` covers: from
    /// PostgreSQL 12 on, SET NOT NULL uses it instead of scanning.
    proven_not_null: BTreeSet<(String, String)>,
    /// Column types of the tables created so far, lower case: a primary key
    /// added in a later statement or file names only the columns.
    column_types: BTreeMap<String, BTreeMap<String, String>>,
}

impl SqlContext {
    pub fn new(pg_version: u32) -> Self {
        SqlContext {
            pg_version,
            in_transaction: true,
            partitioned: BTreeSet::new(),
            not_null_checks: BTreeMap::new(),
            proven_not_null: BTreeSet::new(),
            column_types: BTreeMap::new(),
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

/// `schema.name` of a dotted name list (`DROP INDEX a.b`).
fn qualified_list(names: &[pg_query::protobuf::Node]) -> String {
    let parts: Vec<&str> = names
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [name] => format!("public.{name}"),
        [.., schema, name] => format!("{schema}.{name}"),
        [] => String::new(),
    }
}

/// One file being linted: where findings go and what its earlier
/// statements did.
struct File<'a> {
    sql: &'a str,
    label: &'a str,
    out: Vec<LintFinding>,
    /// Tables created earlier in this file: they hold no rows yet and no
    /// running code uses them.
    created: BTreeSet<String>,
    /// Indexes created earlier in this file.
    created_indexes: BTreeSet<String>,
    /// The transaction the current statement runs in: a number that
    /// changes at each BEGIN, COMMIT and ROLLBACK, and at every statement
    /// of a file that runs outside a transaction.
    tx: usize,
    /// Constraints added NOT VALID, (table, name): the transaction that
    /// added them and the lock it took.
    not_valid: BTreeMap<(String, String), (usize, &'static str)>,
}

impl File<'_> {
    fn push(&mut self, id: &'static str, object: String, message: String) {
        self.out.push(rule_finding(id, object, message));
    }

    /// `file:line` of a byte offset in the file.
    fn at(&self, offset: i32) -> String {
        format!("{}:{}", self.label, line_of(self.sql, offset))
    }

    fn is_new(&self, table: &str) -> bool {
        self.created.contains(table)
    }
}

/// Findings for one SQL file; `label` names it in each finding. What the
/// file creates and validates is added to `ctx` for the files after it.
pub fn lint_sql(sql: &str, label: &str, ctx: &mut SqlContext) -> Vec<LintFinding> {
    let parsed = match pg_query::parse(sql, 0) {
        Ok(p) => p,
        Err(e) => {
            return vec![rule_finding(
                "sql_parse_error",
                label.to_string(),
                e.to_string(),
            )]
        }
    };
    let mut f = File {
        sql,
        label,
        out: Vec::new(),
        created: BTreeSet::new(),
        created_indexes: BTreeSet::new(),
        tx: 0,
        not_valid: BTreeMap::new(),
    };
    let mut lock_timeout = false;
    let mut warned_timeout = false;
    let mut explicit_tx = false;
    // Where the file's own BEGIN, not yet committed, is.
    let mut open_at: Option<String> = None;
    for raw in &parsed.protobuf.stmts {
        let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
            continue;
        };
        let at = f.at(raw.stmt_location);
        let in_tx = ctx.in_transaction || explicit_tx;
        if !in_tx {
            f.tx += 1;
        }
        let locks = match node {
            NodeEnum::VariableSetStmt(s) => {
                // SET LOCAL outside a transaction block sets nothing.
                lock_timeout |= s.name == "lock_timeout" && (in_tx || !s.is_local);
                false
            }
            NodeEnum::TransactionStmt(t) => {
                let kind = TransactionStmtKind::try_from(t.kind);
                let (begins, ends) = match kind {
                    Ok(
                        TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart,
                    ) => (true, false),
                    Ok(
                        TransactionStmtKind::TransStmtCommit
                        | TransactionStmtKind::TransStmtRollback,
                    ) => (false, true),
                    _ => (false, false),
                };
                if (begins || ends) && ctx.in_transaction {
                    let what = if begins {
                        "BEGIN opens no new transaction"
                    } else {
                        "this ends the runner's transaction early: what follows runs outside it, and a failure leaves the file half applied"
                    };
                    f.push(
                        "transaction_control_in_transaction",
                        at.clone(),
                        format!("the file runs in a transaction the runner opens; {what}"),
                    );
                }
                if begins {
                    explicit_tx = true;
                    open_at = Some(at.clone());
                    f.tx += 1;
                } else if ends {
                    explicit_tx = false;
                    open_at = None;
                    f.tx += 1;
                }
                false
            }
            NodeEnum::CreateStmt(s) => {
                if let Some(r) = &s.relation {
                    let table = qualified(r);
                    if s.partspec.is_some() {
                        ctx.partitioned.insert(table.clone());
                    }
                    types::create_table(s, &table, ctx, &mut f);
                    f.created.insert(table);
                }
                false
            }
            NodeEnum::IndexStmt(s) => create_index(s, in_tx, &at, ctx, &mut f),
            NodeEnum::ReindexStmt(s) => {
                let concurrently = s.params.iter().any(|p| {
                    matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
                });
                if concurrently && ctx.pg_version < 12 {
                    f.push(
                        "reindex_concurrently_before_pg12",
                        at.clone(),
                        format!(
                            "REINDEX CONCURRENTLY needs PostgreSQL 12 or later; the target is {}",
                            ctx.pg_version
                        ),
                    );
                } else if concurrently && in_tx {
                    concurrently_in_transaction(&mut f, &at, "REINDEX CONCURRENTLY");
                }
                false
            }
            NodeEnum::AlterEnumStmt(s) if s.old_val.is_empty() && in_tx && ctx.pg_version < 12 => {
                f.push(
                    "enum_add_value_in_transaction_before_pg12",
                    at.clone(),
                    format!(
                        "ALTER TYPE ... ADD VALUE '{}' cannot run inside a transaction block before PostgreSQL 12; the target is {}",
                        s.new_val, ctx.pg_version
                    ),
                );
                false
            }
            NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => {
                f.push(
                    "drop_table",
                    at.clone(),
                    "DROP TABLE deletes the table and its data".into(),
                );
                true
            }
            NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectIndex as i32 => {
                drop_index(s, in_tx, &at, &mut f)
            }
            NodeEnum::TruncateStmt(s) => {
                if s.behavior == DropBehavior::DropCascade as i32 {
                    f.push(
                        "truncate_cascade",
                        at.clone(),
                        "TRUNCATE ... CASCADE also empties every table whose foreign keys reach these, and theirs in turn".into(),
                    );
                }
                true
            }
            NodeEnum::RenameStmt(s) => rename(s, &at, &mut f),
            NodeEnum::AlterTableStmt(s) => {
                let table = s.relation.as_ref().map(qualified).unwrap_or_default();
                for cmd in &s.cmds {
                    if let Some(NodeEnum::AlterTableCmd(c)) = cmd.node.as_ref() {
                        alter::command(c, &table, in_tx, &at, ctx, &mut f);
                    }
                }
                true
            }
            _ => false,
        };
        if locks && !lock_timeout && !warned_timeout {
            warned_timeout = true;
            f.push(
                "missing_lock_timeout",
                at,
                "a locking statement runs without SET lock_timeout first".into(),
            );
        }
    }
    if let Some(at) = open_at.filter(|_| !ctx.in_transaction) {
        f.push(
            "uncommitted_transaction",
            at,
            "BEGIN with no COMMIT before the end of the file: the runner's next statements would run in this transaction".into(),
        );
    }
    let target = crate::model::PgVersion::of_major(ctx.pg_version);
    for need in crate::model::version::features::missing(sql, target) {
        f.push(
            "needs_newer_postgres",
            format!("{label}:{}", need.line),
            format!("{need}; the target is {}", ctx.pg_version),
        );
    }
    f.out
}

/// CONCURRENTLY cannot run inside a transaction block: the migration
/// fails at that statement.
fn concurrently_in_transaction(f: &mut File, at: &str, what: &str) {
    f.push(
        "concurrently_in_transaction",
        at.to_string(),
        format!("{what} cannot run inside a transaction block, and this file runs in one"),
    );
}

/// Whether the statement locks a table others use.
fn create_index(
    s: &pg_query::protobuf::IndexStmt,
    in_tx: bool,
    at: &str,
    ctx: &SqlContext,
    f: &mut File,
) -> bool {
    let (table, partitioned, only) = match &s.relation {
        Some(r) => (
            qualified(r),
            ctx.partitioned.contains(&qualified(r)),
            !r.inh,
        ),
        None => (String::new(), false, false),
    };
    if !s.idxname.is_empty() {
        let schema = table.split_once('.').map_or("public", |(s, _)| s);
        f.created_indexes.insert(format!("{schema}.{}", s.idxname));
    }
    let name = table.split_once('.').map_or(table.as_str(), |(_, n)| n);
    // ON ONLY a partitioned parent builds nothing (the index stays invalid
    // until each partition's is attached).
    let instant = partitioned && only;
    if s.concurrent && partitioned {
        f.push(
            "create_index_concurrently_partitioned",
            at.to_string(),
            format!("{name} is partitioned: PostgreSQL cannot build an index on it CONCURRENTLY"),
        );
    } else if s.concurrent && in_tx {
        concurrently_in_transaction(f, at, "CREATE INDEX CONCURRENTLY");
    } else if !(s.concurrent || f.is_new(&table) || instant) {
        let how = if partitioned {
            "; it is partitioned, so build it ON ONLY the parent, CONCURRENTLY on each partition, then ATTACH"
        } else {
            ""
        };
        f.push(
            "create_index_without_concurrently",
            at.to_string(),
            format!("CREATE INDEX on {name} blocks writes while it builds{how}"),
        );
        return true;
    }
    false
}

/// Whether the statement locks a table others use.
fn drop_index(s: &pg_query::protobuf::DropStmt, in_tx: bool, at: &str, f: &mut File) -> bool {
    let names: Vec<String> = s
        .objects
        .iter()
        .filter_map(|o| match o.node.as_ref() {
            Some(NodeEnum::List(l)) => Some(qualified_list(&l.items)),
            _ => None,
        })
        .collect();
    if s.concurrent {
        if in_tx {
            concurrently_in_transaction(f, at, "DROP INDEX CONCURRENTLY");
        }
        return false;
    }
    let old: Vec<&String> = names
        .iter()
        .filter(|n| !f.created_indexes.contains(*n))
        .collect();
    if old.is_empty() {
        return false;
    }
    let list: Vec<&str> = old.iter().map(|n| n.as_str()).collect();
    f.push(
        "drop_index_without_concurrently",
        at.to_string(),
        format!(
            "DROP INDEX {} takes an ACCESS EXCLUSIVE lock on its table, blocking reads and writes until running queries end",
            list.join(", ")
        ),
    );
    true
}

/// Renaming a table, view or column breaks the code that uses the old name
/// the moment the migration commits. Whether the statement locks.
fn rename(s: &pg_query::protobuf::RenameStmt, at: &str, f: &mut File) -> bool {
    let Some(r) = &s.relation else {
        return false;
    };
    let table = qualified(r);
    let kind = |t: i32| match ObjectType::try_from(t) {
        Ok(ObjectType::ObjectTable) => Some("table"),
        Ok(ObjectType::ObjectView) => Some("view"),
        Ok(ObjectType::ObjectMatview) => Some("materialized view"),
        Ok(ObjectType::ObjectForeignTable) => Some("foreign table"),
        _ => None,
    };
    if s.rename_type == ObjectType::ObjectColumn as i32 {
        if !f.is_new(&table) {
            f.push(
                "rename_column",
                at.to_string(),
                format!(
                    "renaming column {}.{} to {} breaks every running query and client that uses the old name",
                    r.relname, s.subname, s.newname
                ),
            );
        }
        return true;
    }
    let Some(what) = kind(s.rename_type) else {
        return false;
    };
    if !f.is_new(&table) {
        f.push(
            "rename_table",
            at.to_string(),
            format!(
                "renaming {what} {} to {} breaks every running query and client that uses the old name",
                r.relname, s.newname
            ),
        );
    }
    true
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
mod tests;

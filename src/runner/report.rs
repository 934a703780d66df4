//! The final report of a run, as data (serialised for `--format json`) and
//! as text.

use std::fmt;

use serde::Serialize;

use super::snapshot::{render_changes, SchemaChange};

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// `apply`, `dry-run` or `revert`.
    pub operation: String,
    pub correlation_id: String,
    /// The target, password redacted.
    pub database: String,
    pub migrations: Vec<MigrationRun>,
    /// Applied migrations whose directory is gone, and similar notes.
    pub warnings: Vec<String>,
    /// What a revert's down SQL destroys (drops, narrowed types), with
    /// whether each object holds rows; refused unless allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub destroys: Vec<super::destroys::Loss>,
    pub failure: Option<RunFailure>,
    pub duration_ms: f64,
    /// The DDL snapshot written before the run changed anything.
    pub snapshot: Option<String>,
    /// What actually changed, from introspection before and after the run;
    /// None when nothing ran (or the schema could not be read).
    pub schema_changes: Option<Vec<SchemaChange>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MigrationRun {
    pub name: String,
    pub checksum: String,
    pub transactional: bool,
    /// `applied`, `reverted`, `pending` (dry run) or `failed`.
    pub status: String,
    pub statements: Vec<StatementRun>,
    pub duration_ms: f64,
    /// The required-schema contract (`--required`): true when it held
    /// after this migration, false when it broke; None when not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_schema_held: Option<bool>,
    /// What the runner found and did beside the statements (an index an
    /// interrupted build left, kept or dropped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementRun {
    /// 1-based position in the file.
    pub number: usize,
    pub line: usize,
    /// Rows affected (PQcmdTuples); None in a dry run and for a statement
    /// not run (see the migration's notes).
    pub rows: Option<u64>,
    pub duration_ms: f64,
    /// The statement's first line, for reading the report. Boxed, as is
    /// `sql`: a run of 180 000 statements keeps one of these for each.
    pub summary: Box<str>,
    /// The whole statement, in a dry run only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<Box<str>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunFailure {
    pub migration: String,
    /// The statement that failed (1-based); 0 when none did (the
    /// required-schema contract broke after every statement ran).
    pub statement: usize,
    pub line: usize,
    /// Known for the error classes libpq reports through diesel
    /// (constraint violations, serialization failures); None otherwise.
    pub sqlstate: Option<String>,
    pub message: String,
    /// Whether it ran in one transaction (then nothing of it stays).
    pub transactional: bool,
    /// Statements of a non-transactional migration that did commit.
    pub committed_statements: usize,
    /// What a non-transactional migration left in the database beside
    /// its committed statements (an INVALID index of a failed build).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.statement {
            0 => write!(f, "migration {}", self.migration)?,
            n => write!(
                f,
                "migration {} failed at statement {n} (line {})",
                self.migration, self.line
            )?,
        }
        if let Some(s) = &self.sqlstate {
            write!(f, " [SQLSTATE {s}]")?;
        }
        write!(f, ": {}", self.message)?;
        match (self.transactional, self.committed_statements) {
            (true, _) => write!(f, "; rolled back, nothing of it was applied")?,
            (false, 0) => write!(
                f,
                "; it runs outside a transaction, and no statement of it committed"
            )?,
            (false, n) => write!(
                f,
                "; it runs outside a transaction, so statements 1-{n} stay committed"
            )?,
        }
        if !self.left.is_empty() {
            write!(f, "; left in the database: {}", self.left.join("; "))?;
        }
        Ok(())
    }
}

/// The statement's first non-empty line, shortened.
pub fn summary(sql: &str) -> Box<str> {
    let line = sql
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut s: String = line.chars().take(72).collect();
    if s.len() < line.len() || sql.trim().lines().count() > 1 {
        s.push_str(" ...");
    }
    s.into_boxed_str()
}

impl Report {
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let verb = match self.operation.as_str() {
            "dry-run" => "would apply",
            "revert" => "reverted",
            "revert-dry-run" => "would revert",
            _ => "applied",
        };
        let done = self
            .migrations
            .iter()
            .filter(|m| m.status != "failed")
            .count();
        out.push_str(&format!(
            "{} {} migration(s) on {} in {:.0} ms (correlation id {})\n",
            verb, done, self.database, self.duration_ms, self.correlation_id
        ));
        for m in &self.migrations {
            let tx = if m.transactional {
                ""
            } else {
                ", outside a transaction"
            };
            let verified = match m.required_schema_held {
                Some(true) => ", required schema held",
                Some(false) => ", required schema broken",
                None => "",
            };
            out.push_str(&format!(
                "  {} {} ({} statement(s){tx}, {:.0} ms{verified})\n",
                m.status,
                m.name,
                m.statements.len(),
                m.duration_ms
            ));
            for n in &m.notes {
                out.push_str(&format!("    note: {n}\n"));
            }
            for s in &m.statements {
                if let Some(sql) = &s.sql {
                    out.push_str(&format!(
                        "    -- statement {}, line {}\n{sql};\n",
                        s.number, s.line
                    ));
                    continue;
                }
                let rows = s.rows.map(|r| format!("{r} row(s)")).unwrap_or_default();
                out.push_str(&format!(
                    "    {:>3}. line {:<5} {:>12} {:>8.1} ms  {}\n",
                    s.number, s.line, rows, s.duration_ms, s.summary
                ));
            }
        }
        if let Some(path) = &self.snapshot {
            out.push_str(&format!("snapshot before the run: {path}\n"));
        }
        if let Some(changes) = &self.schema_changes {
            out.push_str(&render_changes(changes));
        }
        if !self.destroys.is_empty() {
            out.push_str("destroys data:\n");
            for l in &self.destroys {
                out.push_str(&format!("  {l}\n"));
            }
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        if let Some(f) = &self.failure {
            out.push_str(&format!("FAILED: {f}\n"));
        }
        out
    }
}

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
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementRun {
    /// 1-based position in the file.
    pub number: usize,
    pub line: usize,
    /// Rows affected (PQcmdTuples); None in a dry run.
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
    pub statement: usize,
    pub line: usize,
    /// Known for the error classes libpq reports through diesel
    /// (constraint violations, serialization failures); None otherwise.
    pub sqlstate: Option<String>,
    pub message: String,
    /// Statements of a non-transactional migration that did commit.
    pub committed_statements: usize,
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} failed at statement {} (line {})",
            self.migration, self.statement, self.line
        )?;
        if let Some(s) = &self.sqlstate {
            write!(f, " [SQLSTATE {s}]")?;
        }
        write!(f, ": {}", self.message)?;
        if self.committed_statements > 0 {
            write!(
                f,
                "; it runs outside a transaction, so statements 1-{} stay committed",
                self.committed_statements
            )?;
        } else {
            write!(f, "; rolled back, nothing of it was applied")?;
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
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        if let Some(f) = &self.failure {
            out.push_str(&format!("FAILED: {f}\n"));
        }
        out
    }
}

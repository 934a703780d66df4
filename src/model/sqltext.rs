//! The SQL text a desired state holds, each piece parsed as what it is
//! before anything is planned: an expression as exactly one expression, a
//! view's query as one query, a function's header and SQL-standard body as
//! one `CREATE FUNCTION`. Text that would end the planner's statement
//! early (`true); DROP TABLE t; --`) or hide its end is refused with its
//! place in the files.

use std::collections::HashSet;

use pg_query::NodeEnum;

use super::error::Problem;
use super::{expr, Database, Function, FunctionKind, Index, Rule, Table};

/// True when the body is SQL-standard (`BEGIN ATOMIC ... END` or `RETURN x`):
/// written verbatim after the header, not between dollar quotes.
pub fn is_sql_standard_body(f: &Function) -> bool {
    let body = f.body.trim_start();
    let head: String = body
        .chars()
        .take(12)
        .collect::<String>()
        .to_ascii_uppercase();
    f.language.eq_ignore_ascii_case("sql")
        && (head.starts_with("BEGIN ATOMIC")
            || (head.starts_with("RETURN") && head[6..].starts_with(char::is_whitespace)))
}

/// The problems of every piece of SQL text in `db`.
pub fn problems(db: &Database) -> Vec<Problem> {
    let mut cx = Texts {
        out: Vec::new(),
        fine: HashSet::new(),
    };
    for (k, t) in &db.tables {
        cx.table(k, t);
    }
    for (k, v) in &db.views {
        cx.query(&["views", k, "definition"], "view query", &v.definition);
        cx.options(&["views", k], &v.options);
        for (n, ix) in &v.indexes {
            cx.index(&["views", k, "indexes", n], n, ix);
        }
        for (n, tr) in &v.triggers {
            if let Some(x) = &tr.when {
                let what = format!("trigger `{n}`");
                cx.expr(&["views", k, "triggers", n, "when"], &what, x);
            }
        }
        cx.rules(&["views", k], &v.rules);
    }
    for (k, d) in &db.domains {
        if let Some(x) = &d.default {
            cx.expr(&["domains", k, "default"], "default", x);
        }
        for (n, x) in &d.checks {
            cx.expr(&["domains", k, "checks", n], &format!("check `{n}`"), x);
        }
    }
    for (k, f) in &db.functions {
        cx.function(k, f);
    }
    for (n, p) in &db.publications {
        for (t, x) in p
            .tables
            .iter()
            .filter_map(|(t, e)| Some((t, e.where_.as_ref()?)))
        {
            cx.expr(&["publications", n, "tables", t, "where"], "row filter", x);
        }
    }
    cx.out
}

struct Texts<'a> {
    out: Vec<Problem>,
    /// Expressions already found to be one (a model repeats `now()`).
    fine: HashSet<&'a str>,
}

const ONE_EXPRESSION: &str =
    "write one SQL expression: no `;`, no second statement, no `--` comment at its end";

impl<'a> Texts<'a> {
    fn expr(&mut self, path: &[&str], what: &str, x: &'a str) {
        if self.fine.contains(x) {
            return;
        }
        match expr::one_expression(x) {
            Ok(()) => {
                self.fine.insert(x);
            }
            Err(e) => self
                .out
                .push(Problem::new(path, format!("{what}: {e}")).hint(ONE_EXPRESSION)),
        }
    }

    /// A rule's condition is one expression, each action one command.
    fn rules(&mut self, at: &[&str; 2], rules: &'a indexmap::IndexMap<String, Rule>) {
        for (n, r) in rules {
            let what = format!("rule `{n}`");
            if let Some(x) = &r.where_ {
                self.expr(&[at[0], at[1], "rules", n, "where"], &what, x);
            }
            for (i, a) in r.actions.iter().enumerate() {
                let i = i.to_string();
                let action = a.trim().trim_end_matches(';').trim_end();
                self.statement(
                    &[at[0], at[1], "rules", n, "actions", &i],
                    &what,
                    &format!("{action};"),
                    |s| {
                        matches!(
                            s,
                            NodeEnum::SelectStmt(_)
                                | NodeEnum::InsertStmt(_)
                                | NodeEnum::UpdateStmt(_)
                                | NodeEnum::DeleteStmt(_)
                                | NodeEnum::NotifyStmt(_)
                        )
                    },
                );
            }
        }
    }

    fn table(&mut self, k: &str, t: &'a Table) {
        self.rules(&["tables", k], &t.rules);
        for (c, col) in &t.columns {
            if let Some(x) = &col.default {
                self.expr(&["tables", k, "columns", c, "default"], "default", x);
            }
            if let Some(x) = &col.generated {
                self.expr(&["tables", k, "columns", c, "generated"], "generated", x);
            }
        }
        for (n, ch) in &t.checks {
            self.expr(
                &["tables", k, "checks", n],
                &format!("check `{n}`"),
                &ch.expression,
            );
        }
        for (n, ix) in &t.indexes {
            self.index(&["tables", k, "indexes", n], n, ix);
        }
        for (n, p) in &t.policies {
            let what = format!("policy `{n}`");
            if let Some(x) = &p.using {
                self.expr(&["tables", k, "policies", n, "using"], &what, x);
            }
            if let Some(x) = &p.with_check {
                self.expr(&["tables", k, "policies", n, "with_check"], &what, x);
            }
        }
        for (n, tr) in &t.triggers {
            if let Some(x) = &tr.when {
                self.expr(
                    &["tables", k, "triggers", n, "when"],
                    &format!("trigger `{n}`"),
                    x,
                );
            }
        }
        for (n, e) in &t.exclusions {
            let sql = format!("ALTER TABLE t ADD CONSTRAINT c EXCLUDE {};", e.definition);
            self.statement(
                &["tables", k, "exclusions", n],
                &format!("exclusion `{n}`"),
                &sql,
                |s| matches!(s, NodeEnum::AlterTableStmt(_)),
            );
        }
        if let Some(p) = &t.partition_of {
            let sql = format!("CREATE TABLE t PARTITION OF p {};", p.bound);
            self.statement(
                &["tables", k, "partition_of", "bound"],
                "partition bound",
                &sql,
                |s| matches!(s, NodeEnum::CreateStmt(_)),
            );
        }
        if let Some(by) = &t.partition_by {
            let sql = format!("CREATE TABLE t () PARTITION BY {by};");
            self.statement(&["tables", k, "partition_by"], "partition_by", &sql, |s| {
                matches!(s, NodeEnum::CreateStmt(_))
            });
        }
        self.options(&["tables", k], &t.options);
    }

    fn index(&mut self, path: &[&str], n: &str, ix: &'a Index) {
        let what = format!("index `{n}`");
        let mut at = path.to_vec();
        at.push("columns");
        for e in &ix.columns {
            if let Some(x) = &e.expression {
                self.expr(&at, &what, x);
            }
        }
        if let Some(x) = &ix.where_ {
            at.pop();
            at.push("where");
            self.expr(&at, &what, x);
        }
        self.options(path, &ix.options);
    }

    /// Storage option names are written as they are: plain names only.
    fn options(&mut self, path: &[&str], options: &indexmap::IndexMap<String, String>) {
        for k in options.keys() {
            let plain = k.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            if !plain {
                let mut at = path.to_vec();
                at.extend(["options", k]);
                self.out.push(
                    Problem::new(&at, format!("option name `{k}` is not a plain name"))
                        .hint("an option name is letters, digits, `_` and `.`"),
                );
            }
        }
    }

    /// A view's query: one SELECT (or VALUES, or a set operation of them).
    fn query(&mut self, path: &[&str], what: &str, text: &str) {
        let query = text.trim().trim_end_matches(';').trim_end();
        self.statement(path, what, &format!("{query};"), |s| {
            matches!(s, NodeEnum::SelectStmt(_))
        });
    }

    /// `sql` (a statement written around the user's text) must be one
    /// statement of the kind `is`.
    fn statement(&mut self, path: &[&str], what: &str, sql: &str, is: fn(&NodeEnum) -> bool) {
        let problem = match one_of(sql, is) {
            Ok(()) => return,
            Err(e) => e,
        };
        self.out
            .push(Problem::new(path, format!("{what}: {problem}")).hint(
            "write one clause or query: no `;`, no second statement, no `--` comment at its end",
        ));
    }

    fn function(&mut self, k: &str, f: &Function) {
        let args = match k.split_once('(') {
            Some((_, rest)) => rest.strip_suffix(')').unwrap_or(rest),
            None => "",
        };
        let args = f.arguments.as_deref().unwrap_or(args);
        let head = match (f.kind, &f.returns) {
            (FunctionKind::Function, Some(r)) => format!("CREATE FUNCTION f({args}) RETURNS {r}"),
            (FunctionKind::Function, None) => format!("CREATE FUNCTION f({args}) RETURNS void"),
            (FunctionKind::Procedure, _) => format!("CREATE PROCEDURE f({args})"),
        };
        let sql = if is_sql_standard_body(f) {
            format!("{head} LANGUAGE sql\n{};", f.body.trim())
        } else {
            // The body goes between dollar quotes the planner picks so that
            // it cannot end them: only the header is checked here.
            format!("{head} LANGUAGE sql AS '';")
        };
        let path = ["functions", k];
        self.statement(&path, "function header or body", &sql, |s| {
            matches!(s, NodeEnum::CreateFunctionStmt(_))
        });
    }
}

/// `Ok` when `sql` parses as exactly one statement of the kind `is`, ending
/// in its own `;`.
fn one_of(sql: &str, is: fn(&NodeEnum) -> bool) -> Result<(), String> {
    let parsed = pg_query::parse(sql, 0).map_err(|e| format!("does not parse: {e}"))?;
    let stmts = &parsed.protobuf.stmts;
    if stmts.len() != 1 {
        return Err(format!("holds {} statements, not one", stmts.len()));
    }
    let node = stmts[0].stmt.as_ref().and_then(|s| s.node.as_ref());
    if !node.is_some_and(is) {
        return Err("is not the statement it must be".into());
    }
    // The parser also ends a statement at the end of the text: the `;`
    // must be the last token, not inside a comment.
    let tokens = pg_query::scan_tokens(sql).map_err(|e| e.to_string())?;
    if tokens.last().map(|t| t.token) != Some(pg_query::protobuf::Token::Ascii59 as i32) {
        return Err("ends inside a comment".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_statement_of_each_kind() {
        let select = |s: &NodeEnum| matches!(s, NodeEnum::SelectStmt(_));
        assert_eq!(one_of("SELECT 1;", select), Ok(()));
        assert!(one_of("SELECT 1; DROP TABLE t;", select).is_err());
        assert!(one_of("SELECT 1 --;", select).is_err());
        assert!(one_of("DROP TABLE t;", select).is_err());
    }
}

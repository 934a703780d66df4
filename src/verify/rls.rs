//! Declarative row-level-security tests: each case runs one operation as a
//! role (with Supabase-style JWT claims) and states the outcome. The case
//! file is YAML or JSON:
//!
//! ```yaml
//! fixtures:                    # run as the connecting role, before each case
//!   - insert into public.notes (id, owner) values (1, '00000000-0000-0000-0000-000000000001')
//! cases:
//!   - name: owner sees own note
//!     role: authenticated
//!     claims: { sub: 00000000-0000-0000-0000-000000000001, role: authenticated }
//!     select: public.notes
//!     expect: { rows: 1 }
//!   - name: anon cannot insert
//!     role: anon
//!     insert: public.notes
//!     values: { id: 2, owner: 00000000-0000-0000-0000-000000000001 }
//!     expect: denied
//! ```
//!
//! Building the statements is pure; running them is `verify::rls_run`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::name::quote_literal;
use crate::model::{quote_ident, QualifiedName};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Suite {
    pub fixtures: Vec<String>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub claims: IndexMap<String, serde_json::Value>,
    /// One of: raw `sql`, or `select` / `insert` / `update` / `delete` naming a table.
    pub sql: Option<String>,
    pub select: Option<String>,
    pub insert: Option<String>,
    pub update: Option<String>,
    pub delete: Option<String>,
    /// Column values for insert (and the SET list for update).
    #[serde(default)]
    pub values: IndexMap<String, serde_json::Value>,
    /// A WHERE condition for select, update and delete.
    #[serde(rename = "where")]
    pub filter: Option<String>,
    pub expect: Expect,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// The statement runs (any row count).
    Allowed,
    /// The statement fails: missing privilege or an RLS check.
    Denied,
    /// The statement runs and sees or changes exactly this many rows.
    Rows(usize),
}

/// Outcome of running one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Rows(usize),
    Error(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseResult {
    pub name: String,
    pub passed: bool,
    pub expected: Expect,
    pub got: Outcome,
}

pub fn parse(text: &str, label: &str) -> Result<Suite, String> {
    if label.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| format!("{label}:{}:{}: {e}", e.line(), e.column()))
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("{label}: {e}"))
    }
}

fn literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => quote_literal(s),
        other => quote_literal(&other.to_string()),
    }
}

fn table(name: &str) -> Result<String, String> {
    QualifiedName::parse(name, "public").map(|q| q.sql())
}

/// The statement a case runs.
pub fn statement(c: &Case) -> Result<String, String> {
    let filter = c
        .filter
        .as_ref()
        .map(|w| format!(" WHERE {w}"))
        .unwrap_or_default();
    let set = || {
        c.values
            .iter()
            .map(|(k, v)| format!("{} = {}", quote_ident(k), literal(v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen = [&c.sql, &c.select, &c.insert, &c.update, &c.delete]
        .iter()
        .filter(|o| o.is_some())
        .count();
    if chosen != 1 {
        return Err(format!(
            "case `{}`: give exactly one of sql, select, insert, update, delete",
            c.name
        ));
    }
    if let Some(sql) = &c.sql {
        return Ok(sql.clone());
    }
    if let Some(t) = &c.select {
        return Ok(format!("SELECT * FROM {}{filter}", table(t)?));
    }
    if let Some(t) = &c.insert {
        if c.values.is_empty() {
            return Err(format!("case `{}`: insert needs values", c.name));
        }
        let cols: Vec<String> = c.values.keys().map(|k| quote_ident(k)).collect();
        let vals: Vec<String> = c.values.values().map(literal).collect();
        return Ok(format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table(t)?,
            cols.join(", "),
            vals.join(", ")
        ));
    }
    if let Some(t) = &c.update {
        if c.values.is_empty() {
            return Err(format!("case `{}`: update needs values", c.name));
        }
        return Ok(format!("UPDATE {} SET {}{filter}", table(t)?, set()));
    }
    let t = c.delete.as_deref().unwrap_or_default();
    Ok(format!("DELETE FROM {}{filter}", table(t)?))
}

/// `SET LOCAL ROLE` and the claims, as Supabase's API sets them.
pub fn session_setup(c: &Case) -> Vec<String> {
    let claims = serde_json::Value::Object(c.claims.clone().into_iter().collect());
    vec![
        format!("SET LOCAL ROLE {}", quote_ident(&c.role)),
        format!(
            "SELECT set_config('request.jwt.claims', {}, true)",
            quote_literal(&claims.to_string())
        ),
    ]
}

pub fn judge(c: &Case, got: Outcome) -> CaseResult {
    let passed = match (&c.expect, &got) {
        (Expect::Allowed, Outcome::Rows(_)) => true,
        (Expect::Denied, Outcome::Error(e)) => is_denial(e),
        (Expect::Rows(n), Outcome::Rows(m)) => n == m,
        _ => false,
    };
    CaseResult {
        name: c.name.clone(),
        passed,
        expected: c.expect.clone(),
        got,
    }
}

/// A refusal by privileges or a policy, as opposed to any other error
/// (a typo in the case must not pass as "denied").
pub fn is_denial(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("permission denied") || m.contains("row-level security")
}

pub fn render_text(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        let got = match &r.got {
            Outcome::Rows(n) => format!("{n} row(s)"),
            Outcome::Error(e) => format!("denied ({e})"),
        };
        out.push_str(&format!(
            "{} {}: expected {:?}, got {got}\n",
            if r.passed { "PASS" } else { "FAIL" },
            r.name,
            r.expected
        ));
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    out.push_str(&format!(
        "{} passed, {} failed\n",
        results.len() - failed,
        failed
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_and_setup() {
        let suite = parse(
            "cases:\n  - name: ins\n    role: anon\n    insert: notes\n    values: { id: 2, body: \"it's\" }\n    expect: denied\n  - name: sel\n    role: authenticated\n    claims: { sub: abc }\n    select: public.notes\n    where: id = 1\n    expect: { rows: 1 }\n",
            "t.yaml",
        )
        .unwrap();
        assert_eq!(
            statement(&suite.cases[0]).unwrap(),
            "INSERT INTO public.notes (id, body) VALUES (2, 'it''s')"
        );
        assert_eq!(
            statement(&suite.cases[1]).unwrap(),
            "SELECT * FROM public.notes WHERE id = 1"
        );
        assert_eq!(
            session_setup(&suite.cases[1])[1],
            "SELECT set_config('request.jwt.claims', '{\"sub\":\"abc\"}', true)"
        );
        assert!(judge(&suite.cases[1], Outcome::Rows(1)).passed);
        assert!(!judge(&suite.cases[1], Outcome::Rows(2)).passed);
        assert!(
            judge(
                &suite.cases[0],
                Outcome::Error("permission denied for table notes".into())
            )
            .passed
        );
        assert!(
            !judge(
                &suite.cases[0],
                Outcome::Error("syntax error at or near \"x\"".into())
            )
            .passed
        );
    }
}

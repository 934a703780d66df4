//! Critical queries: declared queries with expectations about their plans —
//! an index used, no sequential scan over a large table, a cost ceiling —
//! judged from `EXPLAIN (FORMAT JSON)`, and two runs compared to find plans
//! that got worse. Pure; [`super::explain_run`] runs the EXPLAINs.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::model::load::locate::locate;

/// A queries file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct QueryFile {
    /// By name, in file order.
    pub queries: IndexMap<String, Query>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// One SELECT, INSERT, UPDATE, DELETE or MERGE; `$1`... for params.
    pub sql: String,
    /// Values for `$1`, `$2`...: strings, numbers, booleans or null. The
    /// plan is the one PostgreSQL picks for these values.
    #[serde(default)]
    pub params: Vec<serde_json::Value>,
    /// Plan as this role (`SET LOCAL ROLE`): row-level security policies
    /// become part of the plan.
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub expect: Expect,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// An index the plan must scan (its name, optionally schema-qualified).
    pub uses_index: Option<String>,
    /// No Seq Scan on a relation with more rows than this (the larger of
    /// the table's row count and the plan's estimate).
    pub no_seq_scan_over_rows: Option<f64>,
    /// The plan's estimated total cost at most this.
    pub max_cost: Option<f64>,
}

/// Reads a queries file (YAML, or JSON by extension). Errors name
/// `file:line:column`.
pub fn read(path: &std::path::Path) -> Result<QueryFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text, &path.display().to_string())
}

pub fn parse(text: &str, label: &str) -> Result<QueryFile, String> {
    let file: QueryFile = if label.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(text)
            .map_err(|e| format!("{label}:{}:{}: {e}", e.line(), e.column()))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let message = e.without_snippet().to_string();
            match e.location() {
                Some(l) => {
                    let suffix = format!(" at line {}, column {}", l.line(), l.column());
                    let message = message.strip_suffix(&suffix).unwrap_or(&message);
                    format!("{label}:{}:{}: {message}", l.line(), l.column())
                }
                None => format!("{label}: {message}"),
            }
        })?
    };
    let at = |path: &[&str], message: String| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        match locate(text, &path) {
            Some((line, col)) => format!("{label}:{line}:{col}: {message}"),
            None => format!("{label}: {message}"),
        }
    };
    if file.queries.is_empty() {
        return Err(at(&["queries"], "no queries declared".into()));
    }
    for (name, q) in &file.queries {
        if let Err(e) = check_sql(&q.sql) {
            return Err(at(
                &["queries", name, "sql"],
                format!("query `{name}`: {e}"),
            ));
        }
        if let Some(v) = q.params.iter().find(|v| v.is_array() || v.is_object()) {
            return Err(at(
                &["queries", name, "params"],
                format!("query `{name}`: parameter {v} must be a string, number, boolean or null (write arrays as a string such as '{{1,2}}')"),
            ));
        }
        let e = &q.expect;
        for (key, v) in [
            ("no_seq_scan_over_rows", e.no_seq_scan_over_rows),
            ("max_cost", e.max_cost),
        ] {
            if v.is_some_and(|v| v < 0.0 || v.is_nan()) {
                return Err(at(
                    &["queries", name, "expect", key],
                    format!("query `{name}`: {key} must be zero or more"),
                ));
            }
        }
        if q.role.as_deref().is_some_and(str::is_empty) || e.uses_index.as_deref() == Some("") {
            return Err(at(
                &["queries", name],
                format!("query `{name}`: empty name"),
            ));
        }
    }
    Ok(file)
}

/// Exactly one statement that EXPLAIN accepts.
fn check_sql(sql: &str) -> Result<(), String> {
    use pg_query::NodeEnum;
    let parsed = pg_query::parse(sql, 0).map_err(|e| e.to_string())?;
    let stmts = &parsed.protobuf.stmts;
    if stmts.len() != 1 {
        return Err(format!("expected one statement, found {}", stmts.len()));
    }
    match stmts[0].stmt.as_ref().and_then(|s| s.node.as_ref()) {
        Some(
            NodeEnum::SelectStmt(_)
            | NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_),
        ) => Ok(()),
        _ => Err("only SELECT, INSERT, UPDATE, DELETE or MERGE can be explained".into()),
    }
}

/// A parameter as an SQL literal of unknown type, which PostgreSQL casts
/// to the parameter's inferred type.
pub fn literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "NULL".into(),
        serde_json::Value::Bool(b) => b.to_string().to_uppercase(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        other => format!("'{}'", other.to_string().replace('\'', "''")),
    }
}

/// `"name"`, quoted as an SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The EXPLAIN options: JSON, VERBOSE (schema-qualified relations), and
/// ANALYZE only when asked.
pub fn explain_prefix(analyze: bool) -> &'static str {
    if analyze {
        "EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON)"
    } else {
        "EXPLAIN (VERBOSE, FORMAT JSON)"
    }
}

/// One relation or index a plan reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scan {
    /// `Seq Scan`, `Index Scan`, `Index Only Scan`, `Bitmap Heap Scan`...
    pub node: String,
    /// `schema.name`.
    pub relation: String,
    pub index: Option<String>,
    /// The plan's row estimate for this node.
    pub rows: f64,
    /// The table's row count (statistics), filled in for sequential scans.
    pub table_rows: Option<f64>,
}

impl Scan {
    pub fn is_seq(&self) -> bool {
        self.node == "Seq Scan"
    }

    fn by_index(&self) -> bool {
        self.index.is_some() || self.node == "Bitmap Heap Scan"
    }

    /// Rows a sequential scan reads: the larger of the table's and the plan's.
    pub fn size(&self) -> f64 {
        self.table_rows.unwrap_or(0.0).max(self.rows)
    }
}

impl std::fmt::Display for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.index {
            Some(i) => write!(f, "{} using {i} on {}", self.node, self.relation),
            None => write!(f, "{} on {}", self.node, self.relation),
        }
    }
}

/// What a plan costs and reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub total_cost: f64,
    pub scans: Vec<Scan>,
    /// With ANALYZE: the execution time in milliseconds.
    pub execution_ms: Option<f64>,
}

/// A query's plan, or why PostgreSQL could not plan it.
pub type Planned = Result<Plan, String>;

/// Reads the output of `EXPLAIN (VERBOSE, FORMAT JSON)`.
pub fn read_plan(json: &str) -> Result<Plan, String> {
    let v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("EXPLAIN output: {e}"))?;
    let top = v.get(0).ok_or("EXPLAIN output: not a one-element array")?;
    let root = top.get("Plan").ok_or("EXPLAIN output: no Plan")?;
    let mut scans = Vec::new();
    walk(root, None, &mut scans);
    Ok(Plan {
        total_cost: num(root, "Total Cost"),
        scans,
        execution_ms: top.get("Execution Time").and_then(|t| t.as_f64()),
    })
}

fn num(node: &serde_json::Value, key: &str) -> f64 {
    node.get(key).and_then(|v| v.as_f64()).unwrap_or(0.0)
}

/// Collects scans; a Bitmap Index Scan names no relation, so it takes the
/// one of the Bitmap Heap Scan above it.
fn walk(node: &serde_json::Value, parent_rel: Option<&str>, out: &mut Vec<Scan>) {
    let text = |k: &str| node.get(k).and_then(|v| v.as_str());
    let relation = text("Relation Name").map(|r| match text("Schema") {
        Some(s) => format!("{s}.{r}"),
        None => r.to_string(),
    });
    let index = text("Index Name").map(str::to_string);
    let rel = relation.as_deref().or(parent_rel);
    if relation.is_some() || index.is_some() {
        out.push(Scan {
            node: text("Node Type").unwrap_or("?").to_string(),
            relation: rel.unwrap_or("?").to_string(),
            index,
            rows: num(node, "Plan Rows"),
            table_rows: None,
        });
    }
    if let Some(children) = node.get("Plans").and_then(|p| p.as_array()) {
        for c in children {
            walk(c, rel, out);
        }
    }
}

/// An expectation a plan does not meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmet {
    /// `uses_index`, `no_seq_scan_over_rows`, `max_cost`, or `plans` (EXPLAIN failed).
    pub expectation: &'static str,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    pub name: String,
    pub passed: bool,
    pub cost: Option<f64>,
    pub execution_ms: Option<f64>,
    /// What the plan reads, e.g. `Index Scan using i on public.t`.
    pub scans: Vec<String>,
    pub unmet: Vec<Unmet>,
}

pub fn judge(name: &str, q: &Query, planned: &Planned) -> QueryResult {
    let mut unmet = Vec::new();
    let mut push = |expectation, reason| {
        unmet.push(Unmet {
            expectation,
            reason,
        })
    };
    let plan = match planned {
        Ok(p) => p,
        Err(e) => {
            push("plans", format!("EXPLAIN failed: {e}"));
            return QueryResult {
                name: name.to_string(),
                passed: false,
                cost: None,
                execution_ms: None,
                scans: vec![],
                unmet,
            };
        }
    };
    if let Some(want) = &q.expect.uses_index {
        let bare = want.rsplit('.').next().unwrap_or(want);
        if !plan.scans.iter().any(|s| s.index.as_deref() == Some(bare)) {
            push("uses_index", format!("does not use index {want}"));
        }
    }
    if let Some(limit) = q.expect.no_seq_scan_over_rows {
        for s in plan.scans.iter().filter(|s| s.is_seq() && s.size() > limit) {
            push(
                "no_seq_scan_over_rows",
                format!(
                    "Seq Scan on {} (about {} rows > {})",
                    s.relation,
                    s.size().round(),
                    limit
                ),
            );
        }
    }
    if let Some(max) = q.expect.max_cost {
        if plan.total_cost > max {
            push(
                "max_cost",
                format!("estimated cost {:.2} > max_cost {max}", plan.total_cost),
            );
        }
    }
    QueryResult {
        name: name.to_string(),
        passed: unmet.is_empty(),
        cost: Some(plan.total_cost),
        execution_ms: plan.execution_ms,
        scans: plan.scans.iter().map(|s| s.to_string()).collect(),
        unmet,
    }
}

pub fn judge_all(file: &QueryFile, planned: &[(String, Planned)]) -> Vec<QueryResult> {
    planned
        .iter()
        .filter_map(|(name, p)| file.queries.get(name).map(|q| judge(name, q, p)))
        .collect()
}

pub fn render_text(results: &[QueryResult]) -> String {
    let mut out = String::new();
    for r in results {
        let cost = r.cost.map(|c| format!("  cost {c:.2}")).unwrap_or_default();
        let time = r
            .execution_ms
            .map(|t| format!("  {t:.1} ms"))
            .unwrap_or_default();
        let tag = if r.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!("{tag}  {}{cost}{time}\n", r.name));
        for s in &r.scans {
            out.push_str(&format!("        {s}\n"));
        }
        for u in &r.unmet {
            out.push_str(&format!("      - {}: {}\n", u.expectation, u.reason));
        }
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    out.push_str(&format!(
        "{} passed, {failed} failed\n",
        results.len() - failed
    ));
    out
}

/// A plan that got worse between two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    pub query: String,
    pub reason: String,
}

/// Plans in `after` worse than in `before`: no longer planned, cost up by
/// more than `threshold_pct` percent, a relation read by an index now read
/// by a sequential scan, or an expectation newly unmet. A query that did
/// not plan before has no baseline (its tables may be new).
pub fn compare(
    file: &QueryFile,
    before: &[(String, Planned)],
    after: &[(String, Planned)],
    threshold_pct: f64,
) -> Vec<Regression> {
    let mut out = Vec::new();
    for (name, new) in after {
        let Some((_, Ok(old))) = before.iter().find(|(n, _)| n == name) else {
            continue;
        };
        let mut push = |reason: String| {
            out.push(Regression {
                query: name.clone(),
                reason,
            })
        };
        let new = match new {
            Ok(p) => p,
            Err(e) => {
                push(format!("no longer plans: {e}"));
                continue;
            }
        };
        if new.total_cost > old.total_cost * (1.0 + threshold_pct / 100.0) {
            push(format!(
                "estimated cost {:.2} -> {:.2} (+{:.0}%, threshold {threshold_pct}%)",
                old.total_cost,
                new.total_cost,
                percent_up(old.total_cost, new.total_cost)
            ));
        }
        let mut indexed: Vec<&str> = old
            .scans
            .iter()
            .filter(|s| s.by_index())
            .map(|s| s.relation.as_str())
            .collect();
        indexed.dedup();
        for rel in indexed {
            let on = |s: &&Scan| s.relation == rel;
            let indexed_now = new.scans.iter().filter(on).any(|s| s.by_index());
            if !indexed_now && new.scans.iter().filter(on).any(|s| s.is_seq()) {
                let names: Vec<&str> = old
                    .scans
                    .iter()
                    .filter(on)
                    .filter_map(|s| s.index.as_deref())
                    .collect();
                push(format!(
                    "{rel}: index scan ({}) became Seq Scan",
                    names.join(", ")
                ));
            }
        }
        if let Some(q) = file.queries.get(name) {
            let was = judge(name, q, &Ok(old.clone()));
            for u in judge(name, q, &Ok(new.clone())).unmet {
                if !was.unmet.iter().any(|w| w.expectation == u.expectation) {
                    push(format!("newly unmet {}: {}", u.expectation, u.reason));
                }
            }
        }
    }
    out.dedup();
    out
}

fn percent_up(old: f64, new: f64) -> f64 {
    if old > 0.0 {
        (new / old - 1.0) * 100.0
    } else {
        100.0
    }
}

pub fn render_regressions(regressions: &[Regression]) -> String {
    if regressions.is_empty() {
        return "explain-check: no plan got worse\n".into();
    }
    let mut out = format!("explain-check: {} plan(s) got worse\n", regressions.len());
    for r in regressions {
        out.push_str(&format!("  {}: {}\n", r.query, r.reason));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "queries:\n  by_owner:\n    sql: select * from public.projects where owner_id = $1\n    params: ['00000000-0000-0000-0000-000000000001']\n    expect:\n      uses_index: public.idx_projects_owner_id\n      no_seq_scan_over_rows: 1000\n      max_cost: 50\n";

    fn plan(cost: f64, scans: Vec<Scan>) -> Planned {
        Ok(Plan {
            total_cost: cost,
            scans,
            execution_ms: None,
        })
    }

    fn seq(rel: &str, rows: f64, table_rows: f64) -> Scan {
        Scan {
            node: "Seq Scan".into(),
            relation: rel.into(),
            index: None,
            rows,
            table_rows: Some(table_rows),
        }
    }

    fn idx(rel: &str, index: &str) -> Scan {
        Scan {
            node: "Index Scan".into(),
            relation: rel.into(),
            index: Some(index.into()),
            rows: 1.0,
            table_rows: None,
        }
    }

    #[test]
    fn reads_a_verbose_json_plan_with_bitmap_scans() {
        let json = r#"[{"Plan": {"Node Type": "Hash Join", "Total Cost": 120.5, "Plan Rows": 10, "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "users", "Schema": "public", "Plan Rows": 500},
            {"Node Type": "Hash", "Plans": [
              {"Node Type": "Bitmap Heap Scan", "Relation Name": "projects", "Schema": "public", "Plan Rows": 4, "Plans": [
                {"Node Type": "Bitmap Index Scan", "Index Name": "idx_projects_owner_id", "Plan Rows": 4}]}]}]},
            "Execution Time": 0.25}]"#;
        let p = read_plan(json).unwrap();
        assert_eq!(p.total_cost, 120.5);
        assert_eq!(p.execution_ms, Some(0.25));
        let shown: Vec<String> = p.scans.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            shown,
            [
                "Seq Scan on public.users",
                "Bitmap Heap Scan on public.projects",
                "Bitmap Index Scan using idx_projects_owner_id on public.projects"
            ]
        );
        assert!(read_plan("{}").is_err());
    }

    #[test]
    fn expectations_pass_and_fail_with_reasons() {
        let file = parse(FILE, "q.yaml").unwrap();
        let q = &file.queries["by_owner"];
        let good = plan(8.3, vec![idx("public.projects", "idx_projects_owner_id")]);
        assert!(judge("by_owner", q, &good).passed);
        let bad = plan(180.0, vec![seq("public.projects", 3.0, 5000.0)]);
        let r = judge("by_owner", q, &bad);
        let kinds: Vec<&str> = r.unmet.iter().map(|u| u.expectation).collect();
        assert_eq!(kinds, ["uses_index", "no_seq_scan_over_rows", "max_cost"]);
        assert!(
            r.unmet[1].reason.contains("about 5000 rows > 1000"),
            "{:?}",
            r.unmet
        );
        // A small table may be scanned sequentially.
        let small = plan(1.0, vec![seq("public.projects", 3.0, 20.0)]);
        let r = judge("by_owner", q, &small);
        assert_eq!(r.unmet.len(), 1, "{r:?}");
        let failed = judge("by_owner", q, &Err("relation does not exist".into()));
        assert_eq!(failed.unmet[0].expectation, "plans");
        let text = render_text(&[r, failed]);
        assert!(text.ends_with("0 passed, 2 failed\n"), "{text}");
    }

    #[test]
    fn bad_files_name_the_position() {
        let e = parse(&FILE.replace("max_cost", "max_kost"), "q.yaml").unwrap_err();
        assert!(e.starts_with("q.yaml:8:"), "{e}");
        let e = parse(&FILE.replace("select *", "selec *"), "q.yaml").unwrap_err();
        assert!(
            e.starts_with("q.yaml:3:5: query `by_owner`:") && e.contains("syntax error"),
            "{e}"
        );
        let e = parse(
            &FILE.replace(
                "select * from public.projects where owner_id = $1",
                "select 1; select 2",
            ),
            "q.yaml",
        )
        .unwrap_err();
        assert!(
            e.contains("q.yaml:3:5:") && e.contains("one statement"),
            "{e}"
        );
        let e = parse(
            &FILE.replace(
                "select * from public.projects where owner_id = $1",
                "create table x (a int)",
            ),
            "q.yaml",
        )
        .unwrap_err();
        assert!(e.contains("only SELECT"), "{e}");
        let e = parse(&FILE.replace("max_cost: 50", "max_cost: -1"), "q.yaml").unwrap_err();
        assert!(e.starts_with("q.yaml:8:7:"), "{e}");
        let e = parse(
            &FILE.replace(
                "params: ['00000000-0000-0000-0000-000000000001']",
                "params: [[1]]",
            ),
            "q.yaml",
        )
        .unwrap_err();
        assert!(e.starts_with("q.yaml:4:5:"), "{e}");
        let e = parse("{\"queries\": {\"a\": {\"sql\": 1}}}", "q.json").unwrap_err();
        assert!(e.starts_with("q.json:1:"), "{e}");
        assert!(parse("queries: {}\n", "q.yaml").is_err());
    }

    #[test]
    fn literals() {
        assert_eq!(literal(&serde_json::json!("it's")), "'it''s'");
        assert_eq!(literal(&serde_json::json!(3)), "3");
        assert_eq!(literal(&serde_json::json!(true)), "TRUE");
        assert_eq!(literal(&serde_json::Value::Null), "NULL");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn comparison_flags_what_got_worse() {
        let file = parse(FILE, "q.yaml").unwrap();
        let name = "by_owner".to_string();
        let before = vec![(
            name.clone(),
            plan(8.3, vec![idx("public.projects", "idx_projects_owner_id")]),
        )];
        // Same plan, cost within the threshold: nothing.
        let same = vec![(
            name.clone(),
            plan(9.0, vec![idx("public.projects", "idx_projects_owner_id")]),
        )];
        assert_eq!(compare(&file, &before, &same, 20.0), vec![]);
        let worse = vec![(
            name.clone(),
            plan(45.0, vec![seq("public.projects", 3.0, 900.0)]),
        )];
        let reasons: Vec<String> = compare(&file, &before, &worse, 20.0)
            .into_iter()
            .map(|r| r.reason)
            .collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(
            reasons[0].starts_with("estimated cost 8.30 -> 45.00"),
            "{reasons:?}"
        );
        assert_eq!(
            reasons[1],
            "public.projects: index scan (idx_projects_owner_id) became Seq Scan"
        );
        assert!(
            reasons[2].starts_with("newly unmet uses_index"),
            "{reasons:?}"
        );
        let broken = vec![(
            name.clone(),
            Err("column \"owner_id\" does not exist".to_string()),
        )];
        assert!(compare(&file, &before, &broken, 20.0)[0]
            .reason
            .starts_with("no longer plans"));
        // No baseline: nothing to compare.
        let none = vec![(name.clone(), Err("relation does not exist".to_string()))];
        assert_eq!(compare(&file, &none, &worse, 20.0), vec![]);
    }
}

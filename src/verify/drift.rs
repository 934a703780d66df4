//! Drift: what differs between the desired state and a live database, each
//! difference with both sides, from the planner's own diff (so drift and
//! `plan` never disagree).

use serde::Serialize;

use crate::model::Database;
use crate::plan::{plan_migration, Action, PlanError, PlanOptions};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Desired, not in the database.
    Missing,
    /// In the database, not desired.
    Extra,
    /// In both, different.
    Different,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub kind: Kind,
    pub object: String,
    /// SQL that takes the database to the desired state.
    pub to_desired: Vec<String>,
    /// SQL that takes it back: what the database has now.
    pub database_has: Vec<String>,
}

/// Differences between `live` and `desired`. Renames count as differences.
pub fn drift(live: &Database, desired: &Database) -> Result<Vec<Difference>, PlanError> {
    let opts = PlanOptions {
        online_ddl: false,
        ..PlanOptions::default()
    };
    let mut opts = opts;
    // Drift reports; it never refuses a probable rename.
    opts.diff.allow_drop_add = true;
    let plan = plan_migration(live, desired, &opts)?;
    Ok(plan
        .steps
        .into_iter()
        .map(|s| Difference {
            kind: match s.action {
                Action::Create => Kind::Missing,
                Action::Drop => Kind::Extra,
                Action::Alter | Action::Rename => Kind::Different,
            },
            object: s.summary,
            to_desired: s.up,
            database_has: s.down,
        })
        .collect())
}

pub fn render_text(diffs: &[Difference]) -> String {
    if diffs.is_empty() {
        return "no drift: the database matches the desired state\n".into();
    }
    let mut out = String::new();
    for d in diffs {
        let tag = match d.kind {
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::Different => "different",
        };
        out.push_str(&format!("{tag}: {}\n", d.object));
        for s in &d.to_desired {
            out.push_str(&format!("    desired:  {}\n", one_line(s)));
        }
        for s in &d.database_has {
            out.push_str(&format!("    database: {}\n", one_line(s)));
        }
    }
    out.push_str(&format!("{} difference(s)\n", diffs.len()));
    out
}

/// A Markdown table for a pull-request comment.
pub fn render_markdown(diffs: &[Difference]) -> String {
    if diffs.is_empty() {
        return "**No drift**: the database matches the desired state.\n".into();
    }
    let mut out = format!(
        "**Drift**: {} difference(s)\n\n| | object | to reach the desired state |\n|---|---|---|\n",
        diffs.len()
    );
    for d in diffs {
        let tag = match d.kind {
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::Different => "different",
        };
        let sql: Vec<String> = d
            .to_desired
            .iter()
            .map(|s| format!("`{}`", one_line(s).replace('|', "\\|").replace('`', "'")))
            .collect();
        out.push_str(&format!(
            "| {tag} | {} | {} |\n",
            d.object.replace('|', "\\|"),
            sql.join("<br>")
        ));
    }
    out
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::table;

    fn with_table(cols: &[(&str, &str)]) -> Database {
        let mut db = Database::default();
        db.tables.insert("public.t".into(), table(cols));
        db
    }

    #[test]
    fn reports_both_sides() {
        let live = with_table(&[("id", "integer"), ("old", "text")]);
        let desired = with_table(&[("id", "integer"), ("new", "text")]);
        let d = drift(&live, &desired).unwrap();
        assert!(!d.is_empty());
        let text = render_text(&d);
        assert!(
            text.contains("desired:") && text.contains("database:"),
            "{text}"
        );
        assert!(render_markdown(&d).starts_with("**Drift**"));
        assert!(drift(&live, &live).unwrap().is_empty());
    }
}

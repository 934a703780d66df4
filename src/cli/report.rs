//! What `plan` prints: a readable summary, JSON for tools, the raw SQL, or
//! the step graph.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{GraphFormat, PlanFormat};
use crate::migrations::{is_irreversible, Migration};
use crate::plan::{Action, Level, MigrationPlan, PlannedStep};

pub struct Report<'a> {
    /// `empty`, `database` or the migration whose state the plan starts from.
    pub from: &'a str,
    pub schema: &'a Path,
    pub dir: &'a Path,
    pub plan: &'a MigrationPlan,
    pub migrations: &'a [Migration],
    pub written: bool,
    pub refused: bool,
    pub explain: bool,
}

/// Writes the report to `w`. The migrations' SQL goes out as it is, not
/// copied into one string first.
pub fn write(r: &Report, format: PlanFormat, w: &mut impl Write) -> std::io::Result<()> {
    match format {
        PlanFormat::Text => {
            text(r, Paint::for_stdout(), w)?;
            if !r.plan.is_empty() && !r.written && !r.refused {
                w.write_all(b"\n")?;
                write_sql(r.migrations, w)?;
            }
            Ok(())
        }
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *w, &json(r)).map_err(std::io::Error::from)?;
            w.write_all(b"\n")
        }
        PlanFormat::Sql => write_sql(r.migrations, w),
    }
}

/// ANSI colours, only for a terminal (and not under NO_COLOR).
#[derive(Clone, Copy)]
pub struct Paint(bool);

impl Paint {
    pub fn for_stdout() -> Paint {
        Paint(std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none())
    }

    fn level(self, level: Level, text: &str) -> String {
        let code = match level {
            Level::Green => "32",
            Level::Yellow => "33",
            Level::Red => "31",
        };
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn level_word(level: Level) -> &'static str {
    match level {
        Level::Green => "green",
        Level::Yellow => "yellow",
        Level::Red => "red",
    }
}

fn from_text(r: &Report) -> String {
    match r.from {
        "empty" => "an empty database".into(),
        "database" => "the live database".into(),
        name => format!("{} (recorded state)", r.dir.join(name).display()),
    }
}

/// The readable report, written as it is made rather than built as one
/// string beside the plan and its migrations.
fn text(r: &Report, paint: Paint, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, "Plan: {} -> {}", from_text(r), r.schema.display())?;
    if r.plan.is_empty() {
        return writeln!(out, "No changes: the schema matches; nothing to write.");
    }
    let sections = [
        ("Created", '+', &[Action::Create][..]),
        ("Changed", '~', &[Action::Alter, Action::Rename][..]),
        ("Dropped", '-', &[Action::Drop][..]),
    ];
    for (title, mark, actions) in sections {
        let steps: Vec<&PlannedStep> = r
            .plan
            .steps
            .iter()
            .filter(|s| actions.contains(&s.action))
            .collect();
        if steps.is_empty() {
            continue;
        }
        writeln!(out, "\n{title} ({}):", steps.len())?;
        for s in steps {
            writeln!(out, "  {mark} {}", s.summary)?;
            for h in &s.hazards {
                let tag = paint.level(h.level, &format!("{} {}", level_word(h.level), h.code));
                writeln!(out, "      {tag}: {}", h.message)?;
            }
        }
    }
    let irreversible: Vec<&PlannedStep> =
        r.plan.steps.iter().filter(|s| is_irreversible(s)).collect();
    if !irreversible.is_empty() {
        writeln!(
            out,
            "\nIrreversible (down.sql restores the structure, not the data):"
        )?;
        for s in irreversible {
            writeln!(out, "  {}", paint.level(Level::Red, &s.summary))?;
        }
    }
    if r.explain {
        writeln!(out, "\nOrder:")?;
        for s in &r.plan.steps {
            for e in &s.after {
                writeln!(out, "  {} -> {}: {}", e.before, s.id, e.reason)?;
            }
        }
    }
    let level = r.plan.level();
    writeln!(out, "\nLevel: {}", paint.level(level, level_word(level)))?;
    let verb = if r.written {
        "Wrote"
    } else if r.refused {
        "Refused (destructive steps; --allow-destructive writes them)"
    } else {
        "Would write"
    };
    writeln!(out, "\n{verb}:")?;
    for m in r.migrations {
        let kind = if m.metadata.run_in_transaction {
            "in a transaction"
        } else {
            "no transaction"
        };
        writeln!(out, "  {} ({kind})", r.dir.join(m.dir_name()).display())?;
    }
    Ok(())
}

/// The JSON report, written as it is serialised rather than built as one
/// `serde_json::Value`, which takes several times the text in memory.
#[derive(serde::Serialize)]
struct Json<'a> {
    from: &'a str,
    changes: bool,
    level: Level,
    plan: &'a MigrationPlan,
    hazards: Vec<JsonHazard<'a>>,
    irreversible: Vec<&'a str>,
    refused: bool,
    written: bool,
    migrations: Vec<JsonMigration<'a>>,
}

#[derive(serde::Serialize)]
struct JsonHazard<'a> {
    step: &'a str,
    level: Level,
    code: &'a str,
    message: &'a str,
}

#[derive(serde::Serialize)]
struct JsonMigration<'a> {
    name: String,
    run_in_transaction: bool,
    hazards: &'a [String],
    depends: &'a [String],
}

fn json<'a>(r: &Report<'a>) -> Json<'a> {
    let plan = r.plan;
    let hazards = plan
        .steps
        .iter()
        .flat_map(|s| {
            s.hazards.iter().map(|h| JsonHazard {
                step: &s.id,
                level: h.level,
                code: h.code.as_str(),
                message: &h.message,
            })
        })
        .collect();
    let migrations = r
        .migrations
        .iter()
        .map(|m| JsonMigration {
            name: m.dir_name(),
            run_in_transaction: m.metadata.run_in_transaction,
            hazards: &m.metadata.hazards,
            depends: &m.metadata.depends,
        })
        .collect();
    let irreversible = plan
        .steps
        .iter()
        .filter(|s| is_irreversible(s))
        .map(|s| s.id.as_str())
        .collect();
    Json {
        from: r.from,
        changes: !plan.is_empty(),
        level: plan.level(),
        plan,
        hazards,
        irreversible,
        refused: r.refused,
        written: r.written,
        migrations,
    }
}

/// The up scripts of the new migrations, in order, a blank line between.
fn write_sql(migrations: &[Migration], w: &mut impl Write) -> std::io::Result<()> {
    for (i, m) in migrations.iter().enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
        }
        w.write_all(m.up.as_bytes())?;
    }
    Ok(())
}

fn dot_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn mermaid_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;"))
}

/// The step graph: an edge from each step to the steps that wait for it,
/// labelled with the reason under `--explain`; nodes coloured by hazard.
pub fn graph(plan: &MigrationPlan, format: GraphFormat, explain: bool) -> String {
    let ids: std::collections::HashMap<&str, usize> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let step_level = |s: &PlannedStep| s.hazards.iter().map(|h| h.level).max();
    let ids = &ids;
    let edges: Vec<(usize, usize, &str)> = plan
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.after.iter().filter_map(move |e| {
                ids.get(e.before.as_str())
                    .map(|&j| (j, i, e.reason.as_str()))
            })
        })
        .collect();
    match format {
        GraphFormat::Dot => {
            let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
            for s in &plan.steps {
                let colour = step_level(s)
                    .map(|l| format!(", color={}", level_word(l)))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  {} [label={}{colour}];\n",
                    dot_quote(&s.id),
                    dot_quote(&s.summary)
                ));
            }
            for (j, i, reason) in edges {
                let label = if explain {
                    format!(" [label={}]", dot_quote(reason))
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "  {} -> {}{label};\n",
                    dot_quote(&plan.steps[j].id),
                    dot_quote(&plan.steps[i].id)
                ));
            }
            out.push_str("}\n");
            out
        }
        GraphFormat::Mermaid => {
            let mut out = String::from("flowchart LR\n");
            for (i, s) in plan.steps.iter().enumerate() {
                out.push_str(&format!("  s{i}[{}]\n", mermaid_quote(&s.summary)));
            }
            for (j, i, reason) in edges {
                if explain {
                    out.push_str(&format!("  s{j} -->|{}| s{i}\n", mermaid_quote(reason)));
                } else {
                    out.push_str(&format!("  s{j} --> s{i}\n"));
                }
            }
            for level in [Level::Yellow, Level::Red] {
                let members: Vec<String> = plan
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| step_level(s) == Some(level))
                    .map(|(i, _)| format!("s{i}"))
                    .collect();
                if !members.is_empty() {
                    let name = level_word(level);
                    let fill = if level == Level::Red { "#f88" } else { "#fd5" };
                    out.push_str(&format!("  classDef {name} fill:{fill}\n"));
                    out.push_str(&format!("  class {} {name}\n", members.join(",")));
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Edge, Hazard};

    fn plan() -> MigrationPlan {
        let step = |id: &str, action, level: Option<Level>| PlannedStep {
            id: id.into(),
            action,
            summary: format!("do {id}"),
            up: vec!["SELECT 1;".into()],
            down: vec![],
            hazards: level
                .map(|level| {
                    let code = match level {
                        Level::Green => crate::ddl::Code::AddColumn,
                        Level::Yellow => crate::ddl::Code::IndexBuild,
                        Level::Red => crate::ddl::Code::DropTable,
                    };
                    Hazard::new(code, "\"gone\"".into())
                })
                .into_iter()
                .collect(),
            transactional: true,
            after: vec![],
        };
        let mut b = step("index:public.i", Action::Create, Some(Level::Yellow));
        b.after.push(Edge {
            before: "table:public.t".into(),
            reason: "on \"t\"".into(),
        });
        MigrationPlan {
            steps: vec![
                step("table:public.t", Action::Create, None),
                b,
                step("table:public.old", Action::Drop, Some(Level::Red)),
            ],
        }
    }

    #[test]
    fn graphs() {
        let dot = graph(&plan(), GraphFormat::Dot, true);
        assert!(
            dot.contains("  \"table:public.t\" -> \"index:public.i\" [label=\"on \\\"t\\\"\"];\n"),
            "{dot}"
        );
        assert!(dot.contains("[label=\"do index:public.i\", color=yellow]"));
        assert!(!graph(&plan(), GraphFormat::Dot, false).contains("label=\"on"));
        let m = graph(&plan(), GraphFormat::Mermaid, true);
        assert!(m.contains("  s0 -->|\"on #quot;t#quot;\"| s1\n"), "{m}");
        assert!(m.contains("  class s1 yellow\n") && m.contains("  class s2 red\n"));
    }

    #[test]
    fn summary_colours_only_when_asked() {
        let p = plan();
        let r = Report {
            from: "empty",
            schema: Path::new("schema"),
            dir: Path::new("m"),
            plan: &p,
            migrations: &[],
            written: false,
            refused: true,
            explain: true,
        };
        let written = |paint| {
            let mut out = Vec::new();
            text(&r, paint, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let plain = written(Paint(false));
        assert!(!plain.contains('\x1b'));
        for part in [
            "Created (2):\n  + do table:public.t\n",
            "Dropped (1):\n  - do table:public.old\n      red drop_table: \"gone\"\n",
            "Irreversible (down.sql restores the structure, not the data):\n  do table:public.old\n",
            "Order:\n  table:public.t -> index:public.i: on \"t\"\n",
            "Level: red\n",
            "Refused",
        ] {
            assert!(plain.contains(part), "{part}\n{plain}");
        }
        let coloured = written(Paint(true));
        assert!(
            coloured.contains("\x1b[33myellow index_build\x1b[0m"),
            "{coloured}"
        );
    }
}

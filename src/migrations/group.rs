//! A `MigrationPlan` as numbered migrations. Pure.
//!
//! Consecutive transactional steps share one migration that starts with
//! `SET LOCAL lock_timeout` / `statement_timeout`. `SET LOCAL` because diesel
//! and our runner run each such file inside its own transaction: the
//! settings end with it and never leak into the next migration on the same
//! connection (a plain `SET` would outlive the COMMIT and cap a later
//! `CREATE INDEX CONCURRENTLY` with a short statement_timeout).
//!
//! Every statement of a non-transactional step gets a migration of its own
//! with `run_in_transaction = false` and nothing else in `up.sql`: a second
//! statement (even a `SET`) in the same simple-query batch would open an
//! implicit transaction block, which `CREATE INDEX CONCURRENTLY` refuses.

use super::{derive_slug, valid_slug, Metadata, Migration, MAX_NUMBER};
use crate::plan::{Level, MigrationPlan, PlannedStep};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOptions {
    /// Number of the first new migration (see [`super::next_number`]).
    pub first_number: u32,
    /// The last existing migration, which the first new one depends on.
    pub previous: Option<String>,
    /// `--name`: the slug of the first migration; later ones get `_2`, `_3`...
    pub name: Option<String>,
    pub lock_timeout: String,
    pub statement_timeout: String,
    /// `state.json` for the last migration: the state the plan reaches.
    pub state: Option<String>,
}

/// Whether a step destroys data that its down statements cannot restore
/// (down.sql brings the structure back, not the data).
pub fn is_irreversible(step: &PlannedStep) -> bool {
    step.hazards.iter().any(|h| h.code.loses_data())
}

/// One migration's worth of steps.
enum Chunk<'a> {
    /// Consecutive transactional steps.
    Transaction(Vec<&'a PlannedStep>),
    /// One statement of a non-transactional step and the down statements
    /// that undo it.
    Alone {
        step: &'a PlannedStep,
        up: &'a str,
        down: Vec<&'a str>,
    },
}

impl Chunk<'_> {
    fn steps(&self) -> Vec<&PlannedStep> {
        match self {
            Chunk::Transaction(steps) => steps.clone(),
            Chunk::Alone { step, .. } => vec![step],
        }
    }
}

/// A step that validates a constraint an earlier step added NOT VALID
/// (`<id>:validate`). It must not share a transaction with the ADD: that
/// transaction's lock (ACCESS EXCLUSIVE for a check, SHARE ROW EXCLUSIVE
/// on both tables for a foreign key) would be held through the scan.
fn validates(step: &PlannedStep) -> bool {
    step.id.stage() == Some(crate::model::Stage::Validate)
}

/// A validation that takes no lock stronger than VALIDATE's own (SHARE
/// UPDATE EXCLUSIVE), which blocks no reads or writes: the next
/// validation may share its transaction. One that also sets NOT NULL
/// holds an ACCESS EXCLUSIVE lock until its commit, so it ends one.
fn validates_only(step: &PlannedStep) -> bool {
    validates(step)
        && step.up.iter().all(|s| {
            s.starts_with("ALTER TABLE ")
                && s.contains(" VALIDATE CONSTRAINT ")
                && crate::sql::one_statement(s).is_ok()
        })
}

/// Whether `step` starts a new transaction after `last`: validations run
/// in transactions of their own, which hold nothing else.
fn cuts(last: &PlannedStep, step: &PlannedStep) -> bool {
    if validates(step) {
        !validates_only(last)
    } else {
        validates(last)
    }
}

fn chunks(plan: &MigrationPlan) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut pending: Vec<&PlannedStep> = Vec::new();
    for step in &plan.steps {
        if step.transactional {
            if pending.last().is_some_and(|last| cuts(last, step)) {
                out.push(Chunk::Transaction(std::mem::take(&mut pending)));
            }
            pending.push(step);
            continue;
        }
        if !pending.is_empty() {
            out.push(Chunk::Transaction(std::mem::take(&mut pending)));
        }
        let n = step.up.len();
        let paired = n == step.down.len();
        for (i, up) in step.up.iter().enumerate() {
            // down runs in reverse: the last down statement undoes the first up.
            let down = if paired {
                vec![step.down[n - 1 - i].as_str()]
            } else if i + 1 == n {
                step.down.iter().map(String::as_str).collect()
            } else {
                Vec::new()
            };
            out.push(Chunk::Alone { step, up, down });
        }
    }
    if !pending.is_empty() {
        out.push(Chunk::Transaction(pending));
    }
    out
}

/// One line of comment text: no line breaks, so it cannot end the comment.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_one_line(&mut out, text);
    out
}

/// [`one_line`] of `text`, written at the end of `out`.
fn push_one_line(out: &mut String, text: &str) {
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Green => "green",
        Level::Yellow => "yellow",
        Level::Red => "red",
    }
}

fn header(name: &str, file: &str, steps: &[&PlannedStep]) -> String {
    let mut out = format!(
        "-- {name}/{file}: generated by reconcile plan; do not edit (reconcile.sum records it).\n"
    );
    let hazards: Vec<String> = steps
        .iter()
        .flat_map(|s| {
            s.hazards.iter().map(|h| {
                format!(
                    "--   {} {}: {} ({})\n",
                    level_word(h.level),
                    h.code,
                    one_line(&h.message),
                    one_line(&s.summary)
                )
            })
        })
        .collect();
    if hazards.is_empty() {
        out.push_str("-- hazards: none\n");
    } else {
        out.push_str("-- hazards:\n");
        out.extend(hazards);
    }
    for s in steps.iter().filter(|s| is_irreversible(s)) {
        out.push_str(&format!(
            "-- irreversible: {}: down.sql restores the structure, not the data.\n",
            one_line(&s.summary)
        ));
    }
    out
}

fn timeouts(opts: &GroupOptions) -> String {
    format!(
        "SET LOCAL lock_timeout = '{}';\nSET LOCAL statement_timeout = '{}';\n",
        opts.lock_timeout, opts.statement_timeout
    )
}

/// `SET LOCAL check_function_bodies = false` when `stmts` create a
/// function or procedure: the plan orders a `LANGUAGE sql` body after
/// what it reads where it can see it, but a body may read what no parse
/// can tell (dynamic SQL, another language) or what comes after it to
/// break a cycle; pg_dump sets the same.
fn unchecked_bodies<'s>(stmts: impl IntoIterator<Item = &'s String>) -> &'static str {
    let creates = stmts.into_iter().any(|s| {
        let head: String = s
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        head.starts_with("CREATE FUNCTION")
            || head.starts_with("CREATE PROCEDURE")
            || head.starts_with("CREATE OR REPLACE FUNCTION")
            || head.starts_with("CREATE OR REPLACE PROCEDURE")
    });
    if creates {
        "SET LOCAL check_function_bodies = false;\n"
    } else {
        ""
    }
}

/// A step's statements under its summary, written where they go.
fn statements(out: &mut String, prefix: &str, summary: &str, stmts: &[impl AsRef<str>]) {
    out.push_str("\n-- ");
    out.push_str(prefix);
    push_one_line(out, summary);
    out.push('\n');
    if stmts.is_empty() {
        out.push_str("-- (nothing to run)\n");
    }
    for s in stmts {
        out.push_str(s.as_ref().trim_end());
        out.push('\n');
    }
}

/// At least the length `statements` gives these steps' `stmts`, each
/// summary after `prefix`, so that a script is sized once.
fn body_len(steps: &[&PlannedStep], stmts: fn(&PlannedStep) -> &[String], prefix: &str) -> usize {
    let nothing = "-- (nothing to run)\n".len();
    steps
        .iter()
        .map(|s| {
            let body: usize = stmts(s).iter().map(|x| x.len() + 1).sum();
            "\n-- \n".len() + prefix.len() + s.summary.len() + body.max(nothing)
        })
        .sum()
}

/// `head` with room for `more` bytes after it.
fn with_room(head: String, more: usize) -> String {
    let mut out = String::with_capacity(head.len() + more);
    out.push_str(&head);
    out
}

/// `steps`: the chunk's steps (`Chunk::steps`).
fn render(
    name: &str,
    chunk: &Chunk,
    steps: &[&PlannedStep],
    opts: &GroupOptions,
) -> (String, String) {
    let mut up = header(name, "up.sql", steps);
    let mut down = header(name, "down.sql", steps);
    match chunk {
        Chunk::Transaction(steps) => {
            let t = timeouts(opts);
            let write_up = || {
                let mut up = with_room(up, t.len() + body_len(steps, |s| &s.up, ""));
                up.push_str(&t);
                up.push_str(unchecked_bodies(steps.iter().flat_map(|s| &s.up)));
                for s in steps {
                    statements(&mut up, "", &s.summary, &s.up);
                }
                up
            };
            let write_down = || {
                let mut down = with_room(down, t.len() + body_len(steps, |s| &s.down, "undo: "));
                down.push_str(&t);
                down.push_str(unchecked_bodies(steps.iter().flat_map(|s| &s.down)));
                for s in steps.iter().rev() {
                    statements(&mut down, "undo: ", &s.summary, &s.down);
                }
                down
            };
            return (write_up(), write_down());
        }
        Chunk::Alone {
            step,
            up: stmt,
            down: undo,
        } => {
            let note = "-- run_in_transaction = false: one statement, outside any transaction; \
                        lock_timeout and statement_timeout come from the session.\n";
            up.push_str(note);
            down.push_str(note);
            statements(&mut up, "", &step.summary, &[stmt]);
            statements(&mut down, "undo: ", &step.summary, undo);
        }
    }
    (up, down)
}

fn hazard_codes(steps: &[&PlannedStep]) -> Vec<String> {
    let mut codes: Vec<String> = steps
        .iter()
        .flat_map(|s| s.hazards.iter().map(|h| h.code.to_string()))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// Groups a plan into numbered migrations (empty for an empty plan). The
/// state, when given, goes on the last one.
pub fn from_plan(plan: &MigrationPlan, opts: GroupOptions) -> Result<Vec<Migration>, String> {
    if let Some(name) = &opts.name {
        if !valid_slug(name) {
            return Err(format!("--name `{name}` must match [a-z0-9_]+"));
        }
    }
    for t in [&opts.lock_timeout, &opts.statement_timeout] {
        if !valid_timeout(t) {
            return Err(format!(
                "timeout `{t}` must be a number with an optional unit (us, ms, s, min, h, d)"
            ));
        }
    }
    let chunks = chunks(plan);
    let last = chunks.len().saturating_sub(1) as u32;
    if opts.first_number == 0 || opts.first_number + last > MAX_NUMBER {
        return Err(format!(
            "migration numbers would run past {MAX_NUMBER}; retire or squash old migrations"
        ));
    }
    let mut previous = opts.previous.clone();
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        let steps = chunk.steps();
        let slug = match (&opts.name, i) {
            (Some(name), 0) => name.clone(),
            (Some(name), _) => format!("{name}_{}", i + 1),
            (None, _) => derive_slug(&steps),
        };
        let number = opts.first_number + i as u32;
        let name = format!("{number:04}_{slug}");
        let (up, down) = render(&name, chunk, &steps, &opts);
        out.push(Migration {
            number,
            slug,
            up,
            down,
            metadata: Metadata {
                run_in_transaction: matches!(chunk, Chunk::Transaction(_)),
                hazards: hazard_codes(&steps),
                depends: previous.take().into_iter().collect(),
                timestamp: None,
                extra: String::new(),
            },
            state: None,
        });
        previous = Some(name);
    }
    if let Some(last) = out.last_mut() {
        last.state = opts.state;
    }
    Ok(out)
}

/// A PostgreSQL time setting: digits, an optional fraction, an optional unit.
/// Checked because it is pasted into a quoted `SET` value.
pub fn valid_timeout(text: &str) -> bool {
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(number_end);
    let unit = unit.trim_start();
    !number.is_empty()
        && number.starts_with(|c: char| c.is_ascii_digit())
        && number.matches('.').count() <= 1
        && ["", "us", "ms", "s", "min", "h", "d"].contains(&unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts() {
        for ok in ["5s", "15min", "0", "1.5s", "250 ms", "2h"] {
            assert!(valid_timeout(ok), "{ok}");
        }
        for bad in ["", "s", "5x", "5s'; drop table t; --", ".5s", "1.2.3s"] {
            assert!(!valid_timeout(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod sizing {
    use super::*;
    use crate::plan::{Action, Hazard};

    fn step(i: usize, up: Vec<String>, down: Vec<String>) -> PlannedStep {
        PlannedStep {
            id: crate::model::Id::new(crate::model::IdKind::Table, format_args!("public.t{i}")),
            action: Action::Create,
            summary: format!("create table public.t{i}\nover two lines"),
            up,
            down,
            hazards: vec![Hazard::new(crate::ddl::Code::IndexBuild, "m".into())],
            transactional: true,
            after: vec![],
        }
    }

    /// `steps` as migrations with the default options.
    fn grouped(steps: Vec<PlannedStep>) -> Vec<super::super::Migration> {
        let opts = GroupOptions {
            first_number: 1,
            previous: None,
            name: None,
            lock_timeout: "5s".into(),
            statement_timeout: "1min".into(),
            state: None,
        };
        from_plan(&MigrationPlan { steps }, opts).unwrap()
    }

    #[test]
    fn scripts_are_sized_before_they_are_written() {
        let steps = (0..200)
            .map(|i| {
                let up = vec![format!("CREATE TABLE t{i} (id int);   \n"); i % 3];
                step(i, up, vec![format!("DROP TABLE t{i};")])
            })
            .collect();
        let ms = grouped(steps);
        let m = &ms[0];
        assert!(
            m.up.contains("-- (nothing to run)") && m.up.contains("CREATE TABLE t2 (id int);\n")
        );
        // Grown by doubling, a script would hold up to twice its length.
        for text in [&m.up, &m.down] {
            assert!(text.len() <= text.capacity(), "never");
            assert!(
                text.capacity() - text.len() < 8 * 200 + 16,
                "{} of {}",
                text.capacity(),
                text.len()
            );
        }
    }

    #[test]
    fn large_scripts_keep_their_order() {
        let n = 2100;
        let steps = (0..n)
            .map(|i| {
                let up = vec![format!("CREATE TABLE t{i} (id int);")];
                step(i, up, vec![format!("DROP TABLE t{i};")])
            })
            .collect();
        let ms = grouped(steps);
        assert_eq!(ms.len(), 1);
        let place = |text: &str, stmt: String| text.find(&stmt).expect("each statement once");
        let ups: Vec<usize> = (0..n)
            .map(|i| place(&ms[0].up, format!("\nCREATE TABLE t{i} (id int);\n")))
            .collect();
        let downs: Vec<usize> = (0..n)
            .map(|i| place(&ms[0].down, format!("\nDROP TABLE t{i};\n")))
            .collect();
        assert!(ups.is_sorted(), "up runs the steps in order");
        assert!(downs.iter().rev().is_sorted(), "down runs them backwards");
        assert!(ms[0].up.contains("SET LOCAL lock_timeout") && ms[0].down.contains("-- undo: "));
    }
}

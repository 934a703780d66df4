//! `reconcile lint --migrations` beside Squawk, the migration linter it is
//! measured against: both run on the same files (one fixture per pattern,
//! and the bundled generated/migrations), and every finding of one must be
//! a finding of the other under the mapping below, or a difference that
//! docs/lint.md explains. Squawk comes from PyPI (`squawk-cli`, pinned in
//! scripts/squawk) into a virtual environment under the target directory.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Our rule, and the Squawk rules that report the same thing (empty: a rule
/// Squawk does not have). Squawk sometimes reports one problem under two
/// ids; either counts.
const SAME: &[(&str, &[&str])] = &[
    ("sql_parse_error", &["syntax-error"]),
    (
        "create_index_without_concurrently",
        &["require-concurrent-index-creation"],
    ),
    (
        "add_column_not_null_without_default",
        &["adding-required-field"],
    ),
    ("alter_column_type", &["changing-column-type"]),
    (
        "constraint_without_not_valid",
        &[
            "constraint-missing-not-valid",
            "adding-foreign-key-constraint",
        ],
    ),
    (
        "validate_in_same_transaction",
        &["constraint-missing-not-valid"],
    ),
    ("set_not_null", &["adding-not-nullable-field"]),
    ("drop_table", &["ban-drop-table"]),
    ("drop_column", &["ban-drop-column"]),
    ("missing_lock_timeout", &["require-lock-timeout"]),
    ("add_column_rewrites_table", &["adding-field-with-default"]),
    ("rename_column", &["renaming-column"]),
    ("rename_table", &["renaming-table"]),
    // Squawk also says constraint-missing-not-valid here, though UNIQUE and
    // PRIMARY KEY cannot be added NOT VALID.
    (
        "add_unique_without_index",
        &[
            "disallowed-unique-constraint",
            "constraint-missing-not-valid",
        ],
    ),
    (
        "add_primary_key_without_index",
        &[
            "adding-serial-primary-key-field",
            "constraint-missing-not-valid",
        ],
    ),
    (
        "drop_index_without_concurrently",
        &["require-concurrent-index-deletion"],
    ),
    (
        "concurrently_in_transaction",
        &["ban-concurrent-index-creation-in-transaction"],
    ),
    (
        "transaction_control_in_transaction",
        &["transaction-nesting"],
    ),
    ("uncommitted_transaction", &["ban-uncommitted-transaction"]),
    ("drop_not_null", &["ban-drop-not-null"]),
    ("truncate_cascade", &["ban-truncate-cascade"]),
    ("prefer_text", &["prefer-text-field", "ban-char-field"]),
    ("prefer_timestamptz", &["prefer-timestamp-tz"]),
    ("prefer_identity", &["prefer-identity"]),
    (
        "prefer_bigint_key",
        &["prefer-bigint-over-int", "prefer-bigint-over-smallint"],
    ),
    // Version rules Squawk does not have.
    ("enum_add_value_in_transaction_before_pg12", &[]),
    ("create_index_concurrently_partitioned", &[]),
    ("reindex_concurrently_before_pg12", &[]),
    ("detach_partition_concurrently_before_pg14", &[]),
    ("needs_newer_postgres", &[]),
];

/// Squawk rules we leave out, or follow only in part, on purpose
/// (docs/lint.md says why); their findings need no finding of ours.
const LEFT_OUT: &[&str] = &[
    // Type advice on every int column, not only keys.
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    // IF [NOT] EXISTS: the runner's transaction and checksums do that job.
    "prefer-robust-stmts",
    // The runner's session sets statement_timeout; the planner writes it.
    "require-statement-timeout",
    "require-enum-value-ordering",
    "ban-drop-constraint",
    "ban-drop-function",
];

/// One finding: file, line (1-based; none for a whole file), rule.
type Found = (String, Option<usize>, String);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Squawk's binary, or why it is not there.
fn squawk() -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("squawk-venv");
    let out = Command::new(root().join("scripts/squawk"))
        .arg(&venv)
        .output()
        .map_err(|e| format!("scripts/squawk: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

/// The up.sql files of a migrations directory, in order, and whether each
/// runs in a transaction.
fn files(dir: &str) -> Vec<(String, bool)> {
    let mut names: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| root().join(dir).join(n).join("up.sql").is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let meta = std::fs::read_to_string(root().join(dir).join(&n).join("metadata.toml"))
                .unwrap_or_default();
            let table: toml::Table = meta.parse().unwrap();
            let tx = table
                .get("run_in_transaction")
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            (format!("{dir}/{n}/up.sql"), tx)
        })
        .collect()
}

fn ours(dir: &str, pg: u32) -> Vec<Found> {
    let pg = pg.to_string();
    let args = [
        "lint",
        "--migrations",
        dir,
        "--pg-version",
        &pg,
        "--format",
        "json",
    ];
    let (code, out, err) = support::reconcile_in(root(), &args);
    assert!(code == 0 || code == 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let object = f["object"].as_str().unwrap();
            let (file, line) = match object.rsplit_once(':') {
                Some((file, line)) if line.parse::<usize>().is_ok() => {
                    (file.to_string(), line.parse().ok())
                }
                _ => (object.to_string(), None),
            };
            (file, line, f["id"].as_str().unwrap().to_string())
        })
        .collect()
}

fn theirs(bin: &Path, dir: &str, pg: u32) -> Vec<Found> {
    let mut found = Vec::new();
    for in_tx in [true, false] {
        let chosen: Vec<String> = files(dir)
            .into_iter()
            .filter(|(_, tx)| *tx == in_tx)
            .map(|(f, _)| f)
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let mut cmd = Command::new(bin);
        cmd.current_dir(root())
            .args(["--reporter", "json", "--pg-version", &pg.to_string()]);
        if in_tx {
            cmd.arg("--assume-in-transaction");
        }
        let out = cmd.args(&chosen).output().expect("run squawk");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("squawk: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        for f in v.as_array().unwrap() {
            let line = f["line"].as_u64().unwrap() as usize + 1;
            found.push((
                f["file"].as_str().unwrap().to_string(),
                Some(line),
                f["rule_name"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

fn same(ours: &str) -> &'static [&'static str] {
    SAME.iter()
        .find(|(id, _)| *id == ours)
        .unwrap_or_else(|| panic!("{ours} is not in the mapping"))
        .1
}

/// Whether our finding `o` and Squawk's `t` are the same: one file, one
/// line (or a finding of ours for the whole file), mapped ids.
fn matches(o: &Found, t: &Found) -> bool {
    o.0 == t.0 && (o.1.is_none() || o.1 == t.1) && same(&o.2).contains(&t.2.as_str())
}

/// Compares both tools on `dir`; gives a table row per file.
fn compare(bin: &Path, dir: &str, pg: u32) -> Vec<(String, Vec<String>, Vec<String>)> {
    let (ours, theirs) = (ours(dir, pg), theirs(bin, dir, pg));
    let mut problems = Vec::new();
    for o in &ours {
        if !same(&o.2).is_empty() && !theirs.iter().any(|t| matches(o, t)) {
            problems.push(format!(
                "ours only: {o:?}, expected Squawk's {:?}",
                same(&o.2)
            ));
        }
    }
    for t in &theirs {
        if !LEFT_OUT.contains(&t.2.as_str()) && !ours.iter().any(|o| matches(o, t)) {
            problems.push(format!("Squawk's only: {t:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{dir} on {pg}:\n{}",
        problems.join("\n")
    );
    let mut rows: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for (file, _) in files(dir) {
        rows.entry(file).or_default();
    }
    for (file, _, id) in &ours {
        rows.entry(file.clone()).or_default().0.insert(id.clone());
    }
    for (file, _, id) in &theirs {
        rows.entry(file.clone()).or_default().1.insert(id.clone());
    }
    rows.into_iter()
        .map(|(f, (o, t))| (f, o.into_iter().collect(), t.into_iter().collect()))
        .collect()
}

#[test]
fn every_sql_rule_is_mapped_to_squawk_or_to_none() {
    let ids: BTreeSet<&str> = SAME.iter().map(|(id, _)| *id).collect();
    for id in &ids {
        assert!(
            reconcile::verify::lint::RULES.iter().any(|r| r.id == *id),
            "{id} is not a rule"
        );
    }
    assert_eq!(ids.len(), SAME.len(), "a rule is mapped twice");
}

#[test]
fn findings_agree_with_squawk_on_the_same_files() {
    let bin = match squawk() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("SKIPPED: Squawk could not be installed from PyPI (squawk-cli): {why}");
            return;
        }
    };
    let mut table = Vec::new();
    for (dir, pg) in [
        ("tests/fixtures/squawk/pg15", 15),
        ("tests/fixtures/squawk/pg10", 10),
        ("generated/migrations", 15),
    ] {
        for (file, o, t) in compare(&bin, dir, pg) {
            // Each fixture is named after the rule it is written for (or
            // `clean`): that rule, and only it, is found.
            let name = file.split('/').rev().nth(1).unwrap();
            if dir.starts_with("tests/") {
                let want = name
                    .split_once('_')
                    .unwrap()
                    .1
                    .trim_end_matches("_fk")
                    .trim_end_matches("_check")
                    .trim_end_matches("_varchar")
                    .trim_end_matches("_char");
                if want.starts_with("clean") {
                    assert!(o.is_empty(), "{file}: {o:?}");
                } else {
                    assert_eq!(o, [want.to_string()], "{file}");
                }
            }
            table.push(format!("| {file} | {} | {} |", o.join(", "), t.join(", ")));
        }
    }
    eprintln!(
        "| file | reconcile | Squawk |\n|---|---|---|\n{}",
        table.join("\n")
    );
}

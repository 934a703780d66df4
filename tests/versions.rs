//! Each feature a PostgreSQL major added (tests/cases/versions): it
//! round-trips exactly on the servers that have it, and is refused by name
//! on those that do not (see tests/cases/versions/README.md).

mod support;

use std::path::{Path, PathBuf};

use support::{reconcile_in, server_major, FreshDb};

fn cases() -> Vec<(u32, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/versions");
    let mut out: Vec<(u32, PathBuf)> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let major = name.split('_').next().unwrap().parse().unwrap_or_else(|_| {
                panic!("{name}: a case's name starts with the major that added it")
            });
            (major, p)
        })
        .collect();
    out.sort();
    assert!(out.len() >= 4, "no cases under {}", root.display());
    out
}

fn reconcile(args: &[&str]) -> (i32, String, String) {
    reconcile_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// `pg_dump -s` lines that describe the schema (the runner's bookkeeping
/// left out), sorted.
fn dump_lines(db: &FreshDb) -> Vec<String> {
    let out = std::process::Command::new("pg_dump")
        .args([
            "--schema-only",
            "--exclude-schema",
            "reconcile",
            "-d",
            &db.url,
        ])
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.starts_with("--") && !l.starts_with('\\'))
        .filter(|l| !l.starts_with("SET ") && !l.starts_with("SELECT pg_catalog.set_config"))
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

fn round_trip(name: &str, dir: &Path) {
    let a = FreshDb::new("ver_a");
    a.psql_file(&dir.join("wanted.sql"), &[], None);
    let out = support::temp_dir();
    let (schema, migrations) = (out.join("schema"), out.join("migrations"));
    let (schema, migrations) = (schema.to_str().unwrap(), migrations.to_str().unwrap());
    let (code, o, e) = reconcile(&[
        "baseline",
        "--database-url",
        &a.url,
        "--out",
        schema,
        "--migrations",
        migrations,
    ]);
    assert_eq!(code, 0, "{name}: baseline: {o}{e}");

    let b = FreshDb::new("ver_b");
    let empty = dump_lines(&b);
    let (code, o, e) = reconcile(&[
        "apply",
        "--database-url",
        &b.url,
        "--migrations",
        migrations,
        "--no-snapshot",
    ]);
    assert_eq!(code, 0, "{name}: apply: {o}{e}");
    let (da, db) = (dump_lines(&a), dump_lines(&b));
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        x.iter().filter(|l| !y.contains(l)).cloned().collect()
    };
    assert!(
        da == db,
        "{name}: pg_dump differs\nonly in the wanted database:\n{}\nonly after apply:\n{}",
        only(&da, &db).join("\n"),
        only(&db, &da).join("\n")
    );

    for (what, schema) in [
        ("the baseline's files", schema.to_string()),
        (
            "desired.yaml",
            dir.join("desired.yaml").to_str().unwrap().to_string(),
        ),
    ] {
        let (code, o, e) = reconcile(&[
            "plan",
            "--check",
            "--database-url",
            &a.url,
            "--schema",
            &schema,
            "--migrations",
            migrations,
        ]);
        assert_eq!(code, 0, "{name}: {what} do not converge:\n{o}{e}");
    }

    let (code, o, e) = reconcile(&[
        "revert",
        "--database-url",
        &b.url,
        "--to",
        "0000",
        "--no-snapshot",
        "--allow-destructive",
    ]);
    assert_eq!(code, 0, "{name}: revert: {o}{e}");
    let reverted = dump_lines(&b);
    assert!(
        reverted == empty,
        "{name}: revert left\n{}",
        only(&reverted, &empty).join("\n")
    );
}

fn refused(name: &str, dir: &Path, major: u32) {
    let db = FreshDb::new("ver_old");
    let before = dump_lines(&db);
    let desired = dir.join("desired.yaml");
    let none = support::temp_path("none");
    let (code, o, e) = reconcile(&[
        "plan",
        "--dry-run",
        "--database-url",
        &db.url,
        "--schema",
        desired.to_str().unwrap(),
        "--migrations",
        none.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{name}: {o}{e}");
    assert!(
        e.contains(&format!("need PostgreSQL {major} or later")),
        "{name}: {e}"
    );
    assert_eq!(dump_lines(&db), before, "{name}: something ran");
}

#[test]
fn each_feature_round_trips_where_it_exists_and_is_refused_where_not() {
    let server = server_major();
    for (major, dir) in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if server >= major {
            round_trip(&name, &dir);
        } else {
            refused(&name, &dir, major);
        }
    }
}

#[test]
fn check_refuses_each_feature_below_its_major() {
    for (major, dir) in cases().into_iter().filter(|(m, _)| *m > 14) {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let desired = dir.join("desired.yaml");
        let desired = desired.to_str().unwrap();
        let below = (major - 1).to_string();
        let (code, _, e) = reconcile(&["check", "--schema", desired, "--pg-version", &below]);
        assert_eq!(code, 2, "{name}: {e}");
        assert!(
            e.contains(&format!("need PostgreSQL {major}")),
            "{name}: {e}"
        );
        let (code, o, e) = reconcile(&[
            "check",
            "--schema",
            desired,
            "--pg-version",
            &major.to_string(),
        ]);
        assert_eq!(code, 0, "{name}: {o}{e}");
    }
}

/// From one desired state to the next and back, on a live server: the
/// plan applies, planning again is empty, and revert returns to the first.
fn converges_both_ways(name: &str, first: &str, second: &str) {
    let db = FreshDb::new("ver_edit");
    let dir = support::temp_dir();
    let migrations = dir.join("migrations");
    let m = migrations.to_str().unwrap();
    let step = |yaml: &str, tag: &str| {
        let file = dir.join(format!("{tag}.yaml"));
        std::fs::write(&file, yaml).unwrap();
        let f = file.to_str().unwrap().to_string();
        let (code, o, e) = reconcile(&[
            "plan",
            "--database-url",
            &db.url,
            "--schema",
            &f,
            "--migrations",
            m,
            "--allow-destructive",
        ]);
        assert_eq!(code, 0, "{name} {tag}: plan: {o}{e}");
        let (code, o, e) = reconcile(&[
            "apply",
            "--database-url",
            &db.url,
            "--migrations",
            m,
            "--no-snapshot",
        ]);
        assert_eq!(code, 0, "{name} {tag}: apply: {o}{e}");
        let (code, o, e) = reconcile(&[
            "plan",
            "--check",
            "--database-url",
            &db.url,
            "--schema",
            &f,
            "--migrations",
            m,
        ]);
        assert_eq!(code, 0, "{name} {tag}: not empty after apply: {o}{e}");
        f
    };
    let first = step(first, "first");
    // The second plan may take more than one migration (a validation
    // commits after what it validates): revert all of them.
    let applied = std::fs::read_dir(&migrations)
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
        .count();
    step(second, "second");
    let to = format!("{applied:04}");
    let (code, o, e) = reconcile(&[
        "revert",
        "--database-url",
        &db.url,
        "--to",
        &to,
        "--no-snapshot",
        "--allow-destructive",
    ]);
    assert_eq!(code, 0, "{name}: revert: {o}{e}");
    let (code, o, e) = reconcile(&[
        "plan",
        "--check",
        "--database-url",
        &db.url,
        "--schema",
        &first,
        "--migrations",
        m,
        // The reverted migration is on disk, not applied.
        "--ignore-pending",
    ]);
    assert_eq!(
        code, 0,
        "{name}: revert did not restore the first state: {o}{e}"
    );
}

#[test]
fn not_null_constraints_change_in_place_on_18() {
    if server_major() < 18 {
        return;
    }
    let plain = "tables:\n  public.t:\n    columns:\n      a: { type: integer, nullable: false }\n      b: { type: integer, nullable: false }\n      c: integer\n      d: { type: integer, nullable: false }\n";
    let detailed = "tables:\n  public.t:\n    columns:\n      a: { type: integer, nullable: false, not_null: { name: t_a_required } }\n      b: { type: integer, nullable: false, not_null: { no_inherit: true } }\n      c: { type: integer, nullable: false, not_null: { name: t_c_nn, not_valid: true } }\n      d: { type: integer, nullable: false, not_null: { not_valid: true } }\n";
    converges_both_ways("not null", plain, detailed);
    converges_both_ways("not null back", detailed, plain);
    let stored = "tables:\n  public.g:\n    columns:\n      a: integer\n      v: { type: integer, generated: \"a * 2\" }\n";
    let virtual_ = "tables:\n  public.g:\n    columns:\n      a: integer\n      v: { type: integer, generated: \"a * 2\", virtual: true }\n";
    converges_both_ways("virtual", stored, virtual_);
}

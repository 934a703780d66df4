//! `reconcile.toml` and the environment: precedence flag > environment >
//! file > default, found from subdirectories, errors with file:line.

mod support;

use std::path::Path;

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    support::reconcile_env(dir, args, env)
}

fn option(json: &str, command: &str, option: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let row = v["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["command"] == command && r["option"] == option)
        .unwrap_or_else(|| panic!("{command} {option} in {json}"));
    let value: Vec<&str> = row["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    (value.join(","), row["source"].as_str().unwrap().to_string())
}

#[test]
fn precedence_is_flag_then_environment_then_file_then_default() {
    let root = support::temp_dir();
    let sub = root.join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        root.join("reconcile.toml"),
        "migrations = \"db/migrations\"\nlock-key = 42\n[verify]\nmigrations = \"db/verified\"\n",
    )
    .unwrap();
    let show = |env: &[(&str, &str)]| {
        let (code, out, err) = run(&sub, &["config", "--format", "json"], env);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = show(&[]);
    let file = root.join("reconcile.toml").display().to_string();
    let db = |p: &str| root.join(p).display().to_string();
    assert_eq!(
        option(&out, "apply", "lock-key"),
        ("42".into(), file.clone())
    );
    assert_eq!(
        option(&out, "apply", "migrations"),
        (db("db/migrations"), file.clone())
    );
    assert_eq!(
        option(&out, "verify", "migrations"),
        (db("db/verified"), file.clone())
    );
    assert_eq!(
        option(&out, "apply", "lock-wait"),
        ("60s".into(), "default".into())
    );
    let out = show(&[("RECONCILE_LOCK_KEY", "7")]);
    assert_eq!(
        option(&out, "apply", "lock-key"),
        ("7".into(), "environment (RECONCILE_LOCK_KEY)".into())
    );

    // The commands really use it: verify reads the file's directory...
    let (code, _, err) = run(&sub, &["verify"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains(&db("db/verified")), "{err}");
    // ... the environment wins over the file ...
    let (_, _, err) = run(
        &sub,
        &["verify"],
        &[("RECONCILE_MIGRATIONS", "/nowhere/env")],
    );
    assert!(err.contains("/nowhere/env"), "{err}");
    // ... and a flag over both.
    let (_, _, err) = run(
        &sub,
        &["verify", "--migrations", "/nowhere/flag"],
        &[("RECONCILE_MIGRATIONS", "/nowhere/env")],
    );
    assert!(err.contains("/nowhere/flag"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_files_are_refused_naming_file_and_line_and_secrets_stay_hidden() {
    let root = support::temp_dir();
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("reconcile.toml"), "lock-key = 1\n[plan\n").unwrap();
    let (code, _, err) = run(&root, &["check"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("reconcile.toml:2:"), "{err}");
    std::fs::write(root.join("reconcile.toml"), "[plan]\nformat = \"yaml\"\n").unwrap();
    let (code, _, err) = run(&root, &["check"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("[plan] format: `yaml` is not one of text, sql, json"),
        "{err}"
    );
    std::fs::write(root.join("reconcile.toml"), "[apply]\nlock_key = 5\n").unwrap();
    let (code, out, err) = run(
        &root,
        &["config", "--command", "apply"],
        &[("DATABASE_URL", "postgres://app:s3cr%40t@db.example/prod")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("lock-key = \"5\""),
        "underscores work too: {out}"
    );
    assert!(!out.contains("s3cr"), "{out}");
    assert!(out.contains("environment (DATABASE_URL)"), "{out}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn lint_ignores_come_from_the_config_file() {
    let root = support::temp_dir();
    std::fs::create_dir_all(root.join("schema")).unwrap();
    std::fs::write(
        root.join("schema/t.yaml"),
        "tables:\n  public.notes:\n    columns:\n      body: {type: text, nullable: true}\n",
    )
    .unwrap();
    let (code, out, _) = run(&root, &["lint", "--format", "json"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no_primary_key"), "{out}");
    std::fs::write(
        root.join("reconcile.toml"),
        "[lint]\nignore = [\"no_primary_key:public.notes\", \"rls_disabled_in_exposed_schema\"]\n",
    )
    .unwrap();
    let (code, out, err) = run(&root, &["lint", "--format", "json"], &[]);
    assert!(!out.contains("no_primary_key"), "{out}{err}");
    assert!(
        !out.contains("rls_disabled_in_exposed_schema"),
        "{out}{err}"
    );
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

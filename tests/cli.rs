//! The binary as a user runs it: exit codes, output, and secrets.

mod support;

fn reconcile(args: &[&str]) -> (i32, String, String) {
    support::reconcile_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

#[test]
fn plan_on_the_bundled_example_prints_the_create_script() {
    // From an empty history (a directory that does not exist), writing nothing.
    let empty = support::temp_path("none");
    let empty = empty.to_str().unwrap();
    let (code, out, err) = reconcile(&["plan", "--dry-run", "--migrations", empty]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE TABLE public.user_api_keys"), "{out}");
    assert!(
        out.contains("CREATE POLICY user_api_keys_select_own"),
        "{out}"
    );
    let (code, sql, _) = reconcile(&[
        "plan",
        "--dry-run",
        "--migrations",
        empty,
        "--format",
        "sql",
    ]);
    assert_eq!(code, 0);
    assert!(sql.starts_with("-- 0001_"), "{sql}");
    let (code, json, _) = reconcile(&[
        "plan",
        "--dry-run",
        "--migrations",
        empty,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json output");
    assert_eq!(v["written"], false);
    assert!(!std::path::Path::new(empty).exists());
}

#[test]
fn what_the_target_version_lacks_is_refused_by_name() {
    let view =
        "view public.project_content_stats: security_invoker views need PostgreSQL 15 or later";
    let (code, _, err) = reconcile(&["check", "--pg-version", "14"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(view), "{err}");
    let (code, out, err) = reconcile(&["check", "--pg-version", "15"]);
    assert_eq!(code, 0, "{out}{err}");

    let empty = support::temp_path("none");
    let empty = empty.to_str().unwrap();
    let (code, out, err) = reconcile(&[
        "plan",
        "--dry-run",
        "--migrations",
        empty,
        "--pg-version",
        "14",
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains(&format!("up.sql:151: {view}")), "{err}");
    let (code, _, err) = reconcile(&[
        "plan",
        "--dry-run",
        "--migrations",
        empty,
        "--pg-version",
        "18",
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, out, _) = reconcile(&[
        "lint",
        "--migrations",
        "generated/migrations",
        "--pg-version",
        "14",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let needs: Vec<&serde_json::Value> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "needs_newer_postgres")
        .collect();
    assert_eq!(needs.len(), 1, "{out}");
    assert!(
        needs[0]["message"].as_str().unwrap().contains(view),
        "{out}"
    );
    let (_, out, _) = reconcile(&[
        "lint",
        "--migrations",
        "generated/migrations",
        "--pg-version",
        "15",
        "--format",
        "json",
    ]);
    assert!(!out.contains("needs_newer_postgres"), "{out}");
}

#[test]
fn committed_json_schema_is_current() {
    let (code, out, _) = reconcile(&["json-schema"]);
    assert_eq!(code, 0);
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/generated/reconcile.schema.json"
    ))
    .unwrap();
    assert!(out == committed, "generated/reconcile.schema.json is stale: run `cargo run -- json-schema > generated/reconcile.schema.json`");
}

#[test]
fn bad_schema_file_exits_2_naming_file_line_and_column() {
    let dir = support::temp_dir();
    std::fs::write(
        dir.join("t.yaml"),
        "tables:\n  public.t:\n    columns:\n      id: { type: integer, nulable: false }\n",
    )
    .unwrap();
    let (code, out, err) = reconcile(&["check", "--schema", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("t.yaml:4:") && err.contains("nulable"),
        "{err}"
    );
    let (code, _, err) = reconcile(&["plan", "--schema", dir.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn connection_failures_never_print_the_password() {
    // The seeds' fake credential shape: a URL-encoded password holding `@`.
    let url = "postgresql://app:p%40ssw0rd-S3cret@127.0.0.1:1/postgres?sslmode=disable";
    for cmd in ["inspect", "baseline"] {
        let (code, out, err) = reconcile(&[cmd, "--database-url", url]);
        assert_eq!(code, 3, "{cmd}: {out}{err}");
        for secret in ["p%40ssw0rd-S3cret", "p@ssw0rd-S3cret", "S3cret"] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{cmd} leaked the password: {out}{err}"
            );
        }
    }
}

#[test]
fn unknown_arguments_exit_2() {
    let (code, _, _) = reconcile(&["plan", "--no-such-flag"]);
    assert_eq!(code, 2);
}

#[test]
fn baseline_writes_files_and_migration_then_is_byte_identical() {
    let db = support::FreshDb::new("cli_baseline");
    db.try_psql(
        "CREATE TABLE public.t (id integer PRIMARY KEY, name text NOT NULL);
         CREATE FUNCTION public.f() RETURNS integer LANGUAGE sql AS 'select 1';
         CREATE VIEW public.v AS SELECT id FROM public.t;",
    )
    .unwrap();
    let dir = support::temp_dir();
    let (out_dir, mig) = (dir.join("schema"), dir.join("migrations"));
    let args = |force: bool| {
        let mut a = vec![
            "baseline".to_string(),
            "--database-url".into(),
            db.url.clone(),
        ];
        a.extend([
            "--out".into(),
            out_dir.display().to_string(),
            "--migrations".into(),
            mig.display().to_string(),
        ]);
        if force {
            a.push("--force".into());
        }
        a
    };
    let run = |force: bool| {
        let a = args(force);
        reconcile(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (code, out, err) = run(false);
    assert_eq!(code, 0, "{out}{err}");
    let table = std::fs::read_to_string(out_dir.join("public/tables/t.yaml")).unwrap();
    assert!(
        table.contains("public.t:") && table.contains("primary_key:"),
        "{table}"
    );
    assert!(out_dir.join("public/views/v.yaml").exists());
    assert!(out_dir.join("public/functions/f.yaml").exists());
    let up = std::fs::read_to_string(mig.join("0001_baseline/up.sql")).unwrap();
    assert!(up.contains("CREATE TABLE public.t"), "{up}");
    assert!(mig.join("0001_baseline/down.sql").exists() && mig.join("reconcile.sum").exists());

    // A second run refuses to overwrite without --force, and with it is byte-identical.
    let (code, _, err) = run(false);
    assert_eq!(code, 2, "{err}");
    let before = std::fs::read(out_dir.join("public/tables/t.yaml")).unwrap();
    let (code, _, err) = run(true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(out_dir.join("public/tables/t.yaml")).unwrap(),
        before
    );
    let (code, out, _) = reconcile(&["verify", "--migrations", mig.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");

    // An edited migration is detected, naming the file.
    std::fs::write(mig.join("0001_baseline/up.sql"), "DROP TABLE public.t;").unwrap();
    let (code, _, err) = reconcile(&["verify", "--migrations", mig.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("0001_baseline/up.sql"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

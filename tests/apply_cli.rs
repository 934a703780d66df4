//! The core loop through the binary: plan -> apply -> plan again is empty ->
//! revert, on the bundled example; baseline --mark-applied; a runner killed
//! with SIGKILL leaves nothing half-applied.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::FreshDb;

fn reconcile(args: &[&str]) -> (i32, String, String) {
    let mut args: Vec<&str> = args.to_vec();
    // Snapshots go to a temp dir, not into the checkout's generated/.
    let snaps = std::env::temp_dir().join("reconcile-test-snapshots");
    let snaps = snaps.to_str().unwrap().to_string();
    if matches!(args.first(), Some(&"apply") | Some(&"revert")) && !args.contains(&"--snapshot-dir")
    {
        args.extend(["--snapshot-dir", snaps.as_str()]);
    }
    support::reconcile_in(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
}

fn with_shim() -> FreshDb {
    let db = FreshDb::new("apply_cli");
    db.psql_file(
        &support::fixtures().join("corpus/supabase_shim.sql"),
        &[],
        None,
    );
    db
}

#[test]
fn bundled_example_applies_converges_and_reverts() {
    let db = with_shim();
    let before = inspect(&db);
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url]);
    if support::server_major() < 15 {
        // The example's security_invoker view is 15's: refused by name
        // before anything runs, not a server error halfway.
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains("view public.project_content_stats: security_invoker views need PostgreSQL 15 or later"),
            "{err}"
        );
        assert!(inspect(&db) == before, "something ran");
        let (code, _, err) = reconcile(&["plan", "--check", "--database-url", &db.url]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("need PostgreSQL 15"), "{err}");
        return;
    }
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0001_initial"), "{out}");

    // The live database now matches schema/: planning against it is empty.
    let (code, out, err) = reconcile(&["plan", "--check", "--database-url", &db.url]);
    assert_eq!(code, 0, "plan after apply is not empty:\n{out}{err}");

    let (code, out, _) = reconcile(&["status", "--database-url", &db.url, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"applied\""), "{out}");

    // Down restores the schema exactly (introspection leaves out the
    // bookkeeping schema).
    let (code, out, err) = reconcile(&[
        "revert",
        "--database-url",
        &db.url,
        "--steps",
        "1",
        "--allow-destructive",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let after = inspect(&db);
    assert!(
        after == before,
        "{}",
        support::line_diff(&yaml(&before), &yaml(&after))
    );
}

fn inspect(db: &FreshDb) -> reconcile::model::Database {
    let mut conn = db.connect();
    reconcile::catalog::inspect(&mut conn, &Default::default()).expect("inspect")
}

fn yaml(m: &reconcile::model::Database) -> String {
    serde_saphyr::to_string(m).unwrap()
}

#[test]
fn baseline_mark_applied_adopts_a_database() {
    let db = FreshDb::new("apply_adopt");
    db.try_psql(
        "CREATE TABLE public.t (id integer PRIMARY KEY); CREATE INDEX t_id ON public.t (id);",
    )
    .unwrap();
    let dir = support::temp_dir();
    let (schema, mig) = (dir.join("schema"), dir.join("migrations"));
    let (s, m) = (schema.to_str().unwrap(), mig.to_str().unwrap());
    let (code, out, err) = reconcile(&[
        "baseline",
        "--database-url",
        &db.url,
        "--out",
        s,
        "--migrations",
        m,
        "--mark-applied",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !out.contains("CREATE TABLE"),
        "the baseline ran again: {out}"
    );
    // The captured files describe the database: offline and live plans are empty.
    let (code, out, err) = reconcile(&["plan", "--check", "--schema", s, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&[
        "plan",
        "--check",
        "--schema",
        s,
        "--migrations",
        m,
        "--database-url",
        &db.url,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn write_migration(dir: &Path, name: &str, up: &str) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("up.sql"), up).unwrap();
    std::fs::write(d.join("down.sql"), "SELECT 1;\n").unwrap();
    std::fs::write(d.join("metadata.toml"), "run_in_transaction = true\n").unwrap();
}

#[test]
fn sigkill_mid_migration_leaves_nothing_half_applied() {
    let db = FreshDb::new("apply_kill");
    let dir = support::temp_dir();
    write_migration(&dir, "0001_slow", "CREATE TABLE public.a (id integer);\nSELECT pg_sleep(3);\nCREATE TABLE public.b (id integer);\n");
    let m = dir.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args([
            "apply",
            "--database-url",
            &db.url,
            "--migrations",
            m,
            "--no-snapshot",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The server rolls the transaction back and frees the lock once it sees
    // the client is gone; a new run waits for that and then applies cleanly.
    let (code, out, err) = reconcile(&[
        "apply",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--lock-wait",
        "30s",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let mut conn = db.connect();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM reconcile.schema_migrations")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(n.n, 1, "applied exactly once");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn retire_range_snapshot_and_schema_difference_through_the_binary() {
    let db = FreshDb::new("r2_cli");
    let dir = support::temp_dir();
    let snaps = support::temp_dir();
    let mig = dir.join("migrations");
    for (name, table) in [("0001_a", "a"), ("0002_b", "b"), ("0003_c", "c")] {
        write_migration(
            &mig,
            name,
            &format!("CREATE TABLE public.{table} (id integer);\n"),
        );
        std::fs::write(
            mig.join(name).join("down.sql"),
            format!("DROP TABLE public.{table};\n"),
        )
        .unwrap();
    }
    reconcile::migrations::write_sum(&mig).unwrap();
    let (m, s) = (mig.to_str().unwrap(), snaps.to_str().unwrap());
    let (code, out, err) = reconcile(&[
        "apply",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--snapshot-dir",
        s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let snapshot = report["snapshot"].as_str().unwrap();
    assert!(Path::new(snapshot).starts_with(&snaps), "{snapshot}");
    let changes = report["schema_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 3, "{out}");

    // Retiring an applied migration is refused (2) and changes nothing.
    let (code, out, err) = reconcile(&[
        "retire",
        "0003",
        "--reason",
        "x",
        "--migrations",
        m,
        "--database-url",
        &db.url,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("0003_c is applied"), "{err}");
    assert!(mig.join("0003_c").is_dir());

    let (code, out, err) = reconcile(&[
        "revert",
        "0003..0002",
        "--database-url",
        &db.url,
        "--allow-destructive",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("reverted 2 migration(s)"), "{out}");
    assert!(
        out.contains("schema changes (from introspection): 2"),
        "{out}"
    );
    assert!(out.contains("snapshot before the run:"), "{out}");
    let (code, _, err) = reconcile(&["revert", "0001..", "--database-url", &db.url]);
    assert_eq!(code, 2, "{err}");

    // Never applied now: retired; apply skips it.
    let (code, out, err) = reconcile(&[
        "retire",
        "0003",
        "--reason",
        "not needed",
        "--migrations",
        m,
        "--database-url",
        &db.url,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(mig.join("0003_c.retired/RETIRED.md").is_file());
    let (code, out, err) = reconcile(&["verify", "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("applied 1 migration(s)"), "{out}");
    let (code, out, _) = reconcile(&["status", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}");
    // Row names only: a timestamp such as `56.000301` holds "0003" too.
    assert!(!out.lines().any(|l| l.starts_with("0003")), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&snaps).unwrap();
}

#[test]
fn apply_required_rolls_back_a_migration_that_breaks_the_contract() {
    let db = FreshDb::new("apply_required");
    let dir = support::temp_dir();
    let mig = dir.join("migrations");
    write_migration(
        &mig,
        "0001_users",
        "CREATE TABLE public.users (id uuid PRIMARY KEY);\n",
    );
    let contract = dir.join("required.yaml");
    std::fs::write(&contract, "tables:\n  users:\n    required: [id, email]\n").unwrap();
    let (m, c) = (mig.to_str().unwrap(), contract.to_str().unwrap());
    let (code, out, err) = reconcile(&[
        "apply",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--required",
        c,
    ]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("public.users.email: missing REQUIRED column"),
        "{out}{err}"
    );
    assert!(out.contains("required schema broken"), "{out}");
    let (code, out, _) = reconcile(&[
        "status",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--format",
        "json",
    ]);
    assert!(out.contains("\"failed\""), "{code} {out}");
    assert!(
        db.try_psql("SELECT 1 FROM public.users").is_err(),
        "the migration was rolled back"
    );

    std::fs::write(
        &contract,
        "tables:\n  users:\n    required: [id]\n    optional: [email]\n",
    )
    .unwrap();
    let (code, out, err) = reconcile(&[
        "apply",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--required",
        c,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0001_users (1 statement(s), "), "{out}");
    assert!(out.contains("ms, required schema held)"), "{out}");
    db.try_psql("SELECT 1 FROM public.users").unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn checked_after_each_a_non_transactional_migration_that_breaks_the_contract_is_not_recorded() {
    let db = FreshDb::new("apply_required_ntx");
    let dir = support::temp_dir();
    let mig = dir.join("migrations");
    write_migration(
        &mig,
        "0001_users",
        "CREATE TABLE public.users (id uuid PRIMARY KEY, email text);\n",
    );
    let d = mig.join("0002_drop_email");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("up.sql"),
        "ALTER TABLE public.users DROP COLUMN email;\n",
    )
    .unwrap();
    std::fs::write(d.join("down.sql"), "SELECT 1;\n").unwrap();
    std::fs::write(d.join("metadata.toml"), "run_in_transaction = false\n").unwrap();
    write_migration(&mig, "0003_later", "CREATE TABLE public.later (id int);\n");
    let contract = dir.join("required.yaml");
    std::fs::write(&contract, "tables:\n  users:\n    required: [id, email]\n").unwrap();
    let (m, c) = (mig.to_str().unwrap(), contract.to_str().unwrap());
    let (code, out, err) = reconcile(&[
        "apply",
        "--database-url",
        &db.url,
        "--migrations",
        m,
        "--required",
        c,
        "--required-check",
        "each",
    ]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("after this non-transactional migration"),
        "{out}{err}"
    );
    let recorded = db.scalar(
        "SELECT string_agg(migration_name, ',' ORDER BY 1) FROM reconcile.schema_migrations",
    );
    assert_eq!(recorded, "0001_users", "only the first is recorded");
    assert!(
        db.try_psql("SELECT 1 FROM public.later").is_err(),
        "nothing after the failure ran"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn progress_lines_name_each_migration_on_stderr() {
    let db = FreshDb::new("apply_progress");
    let dir = support::temp_dir();
    let mig = dir.join("migrations");
    write_migration(&mig, "0001_a", "CREATE TABLE public.a (id int);\n");
    write_migration(
        &mig,
        "0002_b",
        "CREATE TABLE public.b (id int);\nSELECT pg_sleep(1.1);\n",
    );
    let m = mig.to_str().unwrap();
    let args = ["apply", "--database-url", &db.url, "--migrations", m];
    let (code, out, err) = reconcile(&[&args[..], &["--progress", "always"]].concat());
    assert_eq!(code, 0, "{out}{err}");
    for line in [
        "[1/2] 0001_a: 1 statement",
        "[1/2] 0001_a: applied in",
        "[2/2] 0002_b: 2 statements",
        "0002_b: statement 2/2 done in",
        "[2/2] 0002_b: applied in",
    ] {
        assert!(err.contains(line), "missing `{line}` in:\n{err}");
    }
    assert!(!out.contains("[1/2]"), "progress stays off stdout: {out}");
    let (code, out, err) = reconcile(&[
        "revert",
        "--database-url",
        &db.url,
        "--steps",
        "1",
        "--progress",
        "never",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("[1/1]"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn eight_concurrent_apply_processes_apply_each_migration_once() {
    let db = FreshDb::new("apply_procs");
    let dir = support::temp_dir();
    let mig = dir.join("migrations");
    write_migration(
        &mig,
        "0001_a",
        "CREATE TABLE public.a (id int);\nSELECT pg_sleep(0.3);\n",
    );
    write_migration(&mig, "0002_b", "INSERT INTO public.a VALUES (1), (2);\n");
    let m = mig.to_str().unwrap().to_string();
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_reconcile"))
                .args(["apply", "--no-snapshot", "--database-url", &db.url])
                .args(["--migrations", &m, "--format", "json"])
                .env_remove("DATABASE_URL")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn reconcile")
        })
        .collect();
    let mut applied = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        applied += report["migrations"].as_array().unwrap().len();
    }
    assert_eq!(applied, 2, "each migration applied by exactly one process");
    assert_eq!(db.scalar("SELECT count(*) FROM public.a"), "2");
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.migration_audit WHERE status = 'applied'"),
        "2"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_against_a_database_that_has_not_applied_the_history_is_refused() {
    let db = FreshDb::new("plan_pending");
    let dir = support::temp_dir();
    let (schema, mig) = (dir.join("schema"), dir.join("migrations"));
    std::fs::create_dir_all(&schema).unwrap();
    let table = |cols: &str| format!("tables:\n  public.t:\n    columns:\n{cols}");
    std::fs::write(schema.join("t.yaml"), table("      id: integer\n")).unwrap();
    let (s, m) = (schema.to_str().unwrap(), mig.to_str().unwrap());
    let plan = |extra: &[&str]| {
        let args = [&["plan", "--schema", s, "--migrations", m][..], extra].concat();
        reconcile(&args)
    };
    let (code, out, err) = plan(&[]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    // A second migration, planned offline and not applied yet.
    std::fs::write(
        schema.join("t.yaml"),
        table("      id: integer\n      note: text\n"),
    )
    .unwrap();
    let (code, out, err) = plan(&[]);
    assert_eq!(code, 0, "{out}{err}");
    let second = std::fs::read_dir(&mig)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("0002_"))
        .expect("a second migration");
    // Against the database it would plan the same column again.
    let (code, out, err) = plan(&["--check", "--database-url", &db.url]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!("the database has not applied {second}")),
        "{err}"
    );
    assert!(err.contains("--ignore-pending"), "{err}");
    let (code, out, err) = plan(&["--check", "--database-url", &db.url, "--ignore-pending"]);
    assert_eq!(code, 1, "the column is missing there: {out}{err}");
    assert!(
        err.contains("warning: the database has not applied"),
        "{err}"
    );
    // Once applied, the plan is empty and says nothing more.
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = plan(&["--check", "--database-url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("warning"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_contract_examples_are_read_in_both_shapes() {
    let db = FreshDb::new("contract_examples");
    db.try_psql(
        "CREATE TABLE public.users (id int, email text NOT NULL, first_name text, \
         last_name text, created_at timestamptz);",
    )
    .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/required");
    for file in ["example.yaml", "complete_required_schema.ts"] {
        let path = dir.join(file);
        let (code, out, err) = reconcile(&[
            "validate",
            "--database-url",
            &db.url,
            "--required",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{file}: {out}{err}");
        assert!(
            out.contains("public.projects: missing REQUIRED table"),
            "{file}: {out}"
        );
        assert!(
            out.contains("public.users.password: missing OPTIONAL column"),
            "{file}: {out}"
        );
        assert!(!out.contains("public.users.email"), "{file}: {out}");
    }
}

//! `validate` and `drift` through the binary, on a crafted bad database and
//! then on the corrected one.

mod support;

use std::process::Command;

use support::FreshDb;

fn reconcile(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DATABASE_URL")
        .output()
        .expect("run reconcile");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_fails_on_missing_required_and_passes_when_fixed() {
    let db = FreshDb::new("verify_required");
    db.try_psql("CREATE TABLE public.users (id uuid PRIMARY KEY, email text);")
        .unwrap();
    let dir = support::temp_dir();
    let file = dir.join("required.yaml");
    std::fs::write(
        &file,
        "tables:\n  users:\n    required: [id, { name: email, type: text, nullable: false }, created_at]\n    optional: [avatar_url]\n    row_level_security: true\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (code, out, err) = reconcile(&["validate", "--database-url", &db.url, "--required", f]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("public.users.created_at: missing REQUIRED column"),
        "{out}"
    );
    assert!(
        out.contains("warning: public.users.avatar_url: missing OPTIONAL column"),
        "{out}"
    );
    assert!(out.contains("row level security is off"), "{out}");

    db.try_psql(
        "ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;
         ALTER TABLE public.users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
         ALTER TABLE public.users ENABLE ROW LEVEL SECURITY;",
    )
    .unwrap();
    let (code, out, err) = reconcile(&[
        "validate",
        "--database-url",
        &db.url,
        "--required",
        f,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], true);
    assert_eq!(v["warnings"], 1);

    std::fs::write(&file, "tables:\n  users:\n    requird: [id]\n").unwrap();
    let (code, _, err) = reconcile(&["validate", "--database-url", &db.url, "--required", f]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("required.yaml"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn drift_reports_both_sides_until_the_database_matches() {
    let db = FreshDb::new("verify_drift");
    let dir = support::temp_dir();
    std::fs::write(
        dir.join("t.yaml"),
        "tables:\n  public.t:\n    columns:\n      id: { type: integer, nullable: false }\n      note: text\n    primary_key: [id]\n",
    )
    .unwrap();
    let s = dir.to_str().unwrap();
    db.try_psql("CREATE TABLE public.t (id integer PRIMARY KEY, extra integer);")
        .unwrap();
    let (code, out, err) = reconcile(&["drift", "--database-url", &db.url, "--schema", s]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("note") && out.contains("extra"), "{out}");
    assert!(
        out.contains("desired:") && out.contains("database:"),
        "{out}"
    );
    let (code, md, _) = reconcile(&[
        "drift",
        "--database-url",
        &db.url,
        "--schema",
        s,
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 1);
    assert!(md.starts_with("**Drift**"), "{md}");

    db.try_psql(
        "ALTER TABLE public.t DROP COLUMN extra; ALTER TABLE public.t ADD COLUMN note text;",
    )
    .unwrap();
    let (code, out, err) = reconcile(&[
        "drift",
        "--database-url",
        &db.url,
        "--schema",
        s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "[]");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn drift_reports_a_schema_the_database_lacks() {
    let db = FreshDb::new("verify_drift_schema");
    let dir = support::temp_dir();
    std::fs::write(
        dir.join("t.yaml"),
        "schemas:\n  app: {}\ntables:\n  app.t:\n    columns:\n      id: integer\n",
    )
    .unwrap();
    let s = dir.to_str().unwrap();
    for lock in [&[][..], &["--lock"][..]] {
        let mut args = vec!["drift", "--database-url", &db.url, "--schema", s];
        args.extend(lock);
        let (code, out, err) = reconcile(&args);
        assert_eq!(code, 1, "{lock:?}: {out}{err}");
        assert!(
            out.contains("app.t") && out.contains("CREATE SCHEMA"),
            "{out}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lint_flags_a_weak_schema_and_passes_the_fixed_one() {
    let dir = support::temp_dir();
    let weak = "tables:\n  public.notes:\n    columns:\n      id: { type: uuid, nullable: false }\n      owner: uuid\n    policies:\n      anyone_writes: { for: insert, with_check: \"true\" }\n";
    std::fs::write(dir.join("notes.yaml"), weak).unwrap();
    let s = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&["lint", "--schema", s]);
    assert_eq!(code, 1, "{out}{err}");
    for rule in [
        "rls_disabled_in_exposed_schema",
        "policies_without_rls",
        "write_policy_always_true",
        "no_primary_key",
    ] {
        assert!(out.contains(rule), "{rule} missing from:\n{out}");
    }
    let (code, json, _) = reconcile(&[
        "lint", "--schema", s, "--format", "json", "--level", "error",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v.as_array().is_some_and(|a| a.len() >= 4));

    let fixed = "tables:\n  public.notes:\n    columns:\n      id: { type: uuid, nullable: false }\n      owner: uuid\n    primary_key: [id]\n    row_level_security: { enabled: true }\n    policies:\n      own_insert: { for: insert, to: [authenticated], with_check: \"(select auth.uid()) = owner\" }\nexternal: [auth.uid()]\n";
    std::fs::write(dir.join("notes.yaml"), fixed).unwrap();
    let (code, out, err) = reconcile(&["lint", "--schema", s]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn doctor_says_what_a_limited_role_cannot_do() {
    let db = FreshDb::new("verify_doctor");
    let role = format!("doctor_{}", std::process::id());
    db.try_psql(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN; END IF; END $$;
         CREATE TABLE public.t (id integer PRIMARY KEY);"
    ))
    .unwrap();
    // Before 15 everyone may create in public; the limited role may not.
    if support::server_major() < 15 {
        db.try_psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
            .unwrap();
    }
    let url = db.url.replacen("://postgres@", &format!("://{role}@"), 1);
    assert_ne!(url, db.url, "the test URL names the postgres user");
    let (code, out, err) = reconcile(&["doctor", "--database-url", &url, "--schemas", "public"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("missing CREATE on schema public"), "{out}");
    assert!(
        out.contains("not owned, so cannot be altered or dropped: t"),
        "{out}"
    );

    db.try_psql(&format!(
        "GRANT CREATE ON DATABASE \"{}\" TO {role}; GRANT CREATE ON SCHEMA public TO {role}; ALTER TABLE public.t OWNER TO {role};",
        db.name
    ))
    .unwrap();
    let (code, out, err) = reconcile(&[
        "doctor",
        "--database-url",
        &url,
        "--schemas",
        "public",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // The role owns objects only in this database, which is dropped with it.
    db.try_psql(&format!(
        "ALTER TABLE public.t OWNER TO postgres; REVOKE ALL ON DATABASE \"{}\" FROM {role};",
        db.name
    ))
    .unwrap();
}

#[test]
fn rls_suite_passes_on_the_bundled_example_and_catches_a_broken_policy() {
    let db = FreshDb::new("verify_rls");
    let (code, shim, _) = reconcile(&["shim"]);
    assert_eq!(code, 0);
    db.try_psql(&shim).unwrap();
    support::apply_bundled_example(&db);
    let suite = support::fixtures().join("../rls/example.yaml");
    let s = suite.to_str().unwrap();
    let (code, out, err) = reconcile(&["test-rls", "--database-url", &db.url, "--tests", s]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("7 passed, 0 failed"), "{out}");

    // Widen a policy by hand: the suite must catch it, and leave no rows behind.
    db.try_psql("DROP POLICY projects_owner_all ON public.projects; CREATE POLICY projects_owner_all ON public.projects TO authenticated USING (true) WITH CHECK (true);").unwrap();
    let (code, out, _) = reconcile(&[
        "test-rls",
        "--database-url",
        &db.url,
        "--tests",
        s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let failed: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"a user sees only their own projects"),
        "{failed:?}"
    );
    assert!(
        failed.contains(&"a user cannot create a project for someone else"),
        "{failed:?}"
    );
    let mut conn = db.connect();
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query("SELECT count(*) AS n FROM public.projects")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(n.n, 0, "every case was rolled back");
}

#[test]
fn lint_on_migration_files_flags_hand_written_hazards() {
    let dir = support::temp_dir();
    let m = dir.join("0002_hand_written");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("up.sql"), "-- add an index\nCREATE INDEX users_email ON public.users (email);\nALTER TABLE public.users ADD COLUMN age integer NOT NULL;\n").unwrap();
    let d = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&["lint", "--migrations", d]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("[create_index_without_concurrently]") && out.contains("up.sql:2"),
        "{out}"
    );
    assert!(
        out.contains("[add_column_not_null_without_default]") && out.contains("up.sql:3"),
        "{out}"
    );
    assert!(out.contains("[missing_lock_timeout]"), "{out}");
    // The committed, generated migrations are clean.
    let (code, out, err) = reconcile(&["lint", "--migrations", "generated/migrations"]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A schema directory with one table, and the same table in the database.
fn drift_fixture(db: &FreshDb) -> std::path::PathBuf {
    let dir = support::temp_dir();
    std::fs::write(
        dir.join("t.yaml"),
        "tables:\n  public.t:\n    columns:\n      id: { type: integer, nullable: false }\n    primary_key: [id]\n",
    )
    .unwrap();
    db.try_psql("CREATE TABLE public.t (id integer PRIMARY KEY);")
        .unwrap();
    dir
}

#[test]
fn drift_lock_waits_for_a_running_apply_then_gives_up() {
    use diesel::connection::SimpleConnection;
    let db = FreshDb::new("verify_drift_lock");
    let dir = drift_fixture(&db);
    let s = dir.to_str().unwrap();
    let drift = |extra: &[&str]| {
        let mut args = vec!["drift", "--database-url", &db.url, "--schema", s, "--lock"];
        args.extend_from_slice(extra);
        reconcile(&args)
    };
    let (code, out, err) = drift(&[]);
    assert_eq!(code, 0, "{out}{err}");

    // Another session (an apply, say) holds the runner's lock.
    let mut other = db.connect();
    other
        .batch_execute("SELECT pg_advisory_lock(914215)")
        .unwrap();
    let started = std::time::Instant::now();
    let (code, out, err) = drift(&["--lock-timeout", "1s"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(
        err.contains("drift --lock: another run holds advisory lock 914215")
            && err.contains("gave up after 1s"),
        "{err}"
    );
    assert!(out.is_empty(), "{out}");
    // A different key does not contend.
    let (code, out, err) = drift(&["--lock-key", "77", "--lock-wait", "1s"]);
    assert_eq!(code, 0, "{out}{err}");
    other
        .batch_execute("SELECT pg_advisory_unlock(914215)")
        .unwrap();
    let (code, out, err) = drift(&["--lock-timeout", "1s", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.trim(), "[]");
    // --lock-key means nothing without --lock.
    let (code, _, err) = reconcile(&[
        "drift",
        "--database-url",
        &db.url,
        "--schema",
        s,
        "--lock-key",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lint_ignores_come_from_flags_and_an_ignore_file() {
    let dir = support::temp_dir();
    let weak = "tables:\n  public.a:\n    columns:\n      id: uuid\n  public.b:\n    columns:\n      id: uuid\n";
    std::fs::write(dir.join("s.yaml"), weak).unwrap();
    let s = dir.to_str().unwrap();
    let ids = |args: &[&str]| {
        let mut all = vec!["lint", "--schema", s, "--format", "json", "--level", "info"];
        all.extend_from_slice(args);
        let (code, out, err) = reconcile(&all);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}{err}"));
        let found: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["id"].as_str().unwrap(),
                    f["object"].as_str().unwrap()
                )
            })
            .collect();
        (code, found)
    };
    let (code, all) = ids(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        all,
        [
            "no_primary_key:public.a",
            "rls_disabled_in_exposed_schema:public.a",
            "no_primary_key:public.b",
            "rls_disabled_in_exposed_schema:public.b"
        ]
    );
    let file = dir.join("lint.ignore");
    std::fs::write(
        &file,
        "# legacy tables without keys\nno_primary_key\n\nrls_disabled_in_exposed_schema:public.a  # served by a view\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (code, left) = ids(&["--ignore-file", f]);
    assert_eq!(code, 1);
    assert_eq!(left, ["rls_disabled_in_exposed_schema:public.b"]);
    let (code, left) = ids(&[
        "--ignore-file",
        f,
        "--ignore",
        "rls_disabled_in_exposed_schema:public.*",
    ]);
    assert_eq!((code, left), (0, vec![]));

    // A typo is refused, naming the line, rather than ignoring nothing.
    std::fs::write(&file, "no_primary_key\nno_primary_keys\n").unwrap();
    let (code, _, err) = reconcile(&["lint", "--schema", s, "--ignore-file", f]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("lint.ignore:2: `no_primary_keys`: unknown lint rule"),
        "{err}"
    );
    let (code, _, err) = reconcile(&["lint", "--schema", s, "--ignore", "nope:x"]);
    assert_eq!(code, 2, "{err}");

    // The same list filters migration-file findings.
    let m = dir.join("migrations/0002_x");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("up.sql"), "CREATE INDEX i ON public.a (id);\n").unwrap();
    let md = dir.join("migrations");
    let md = md.to_str().unwrap();
    let (code, out, _) = reconcile(&["lint", "--migrations", md]);
    assert_eq!(code, 1, "{out}");
    let pattern = format!("create_index_without_concurrently:{}/*", md);
    let (code, out, _) = reconcile(&[
        "lint",
        "--migrations",
        md,
        "--ignore",
        &pattern,
        "--ignore",
        "missing_lock_timeout",
    ]);
    assert_eq!(code, 0, "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lint_of_migration_files_follows_the_postgres_version() {
    let dir = support::temp_dir();
    let m = dir.join("0002_mood");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("up.sql"),
        "ALTER TYPE public.mood ADD VALUE 'meh';\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&["lint", "--migrations", d, "--pg-version", "11"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("error [enum_add_value_in_transaction_before_pg12]")
            && out.contains("0002_mood/up.sql:1")
            && out.contains("(rules for PostgreSQL 11)"),
        "{out}"
    );
    // Outside a transaction it is fine on 11; in one, fine from 12.
    std::fs::write(m.join("metadata.toml"), "run_in_transaction = false\n").unwrap();
    let (code, out, _) = reconcile(&["lint", "--migrations", d, "--pg-version", "11"]);
    assert_eq!(code, 0, "{out}");
    std::fs::remove_file(m.join("metadata.toml")).unwrap();
    let (code, out, _) = reconcile(&["lint", "--migrations", d, "--pg-version", "12"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = reconcile(&["lint", "--migrations", d, "--pg-version", "twelve"]);
    assert_eq!(code, 2, "{err}");

    // With a database: its version, and the tables it partitions.
    let db = FreshDb::new("verify_lint_pg");
    db.try_psql("CREATE TABLE public.events (at timestamptz NOT NULL) PARTITION BY RANGE (at);")
        .unwrap();
    std::fs::write(
        m.join("up.sql"),
        "CREATE INDEX CONCURRENTLY events_at ON public.events (at);\n",
    )
    .unwrap();
    std::fs::write(m.join("metadata.toml"), "run_in_transaction = false\n").unwrap();
    let (code, out, _) = reconcile(&["lint", "--migrations", d]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(rules for PostgreSQL 15)"), "{out}");
    let (code, out, err) = reconcile(&["lint", "--migrations", d, "--database-url", &db.url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("[create_index_concurrently_partitioned]"),
        "{out}"
    );
    let server: u32 = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        let v: V = diesel::sql_query("SELECT current_setting('server_version_num') AS v")
            .get_result(&mut db.connect())
            .unwrap();
        v.v.parse::<u32>().unwrap() / 10000
    };
    assert!(
        out.contains(&format!("(rules for PostgreSQL {server})")),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

const ORDERS_QUERIES: &str = "queries:\n  orders_of_customer:\n    sql: select id, total from public.orders where customer_id = $1\n    params: [42]\n    expect:\n      uses_index: orders_customer_idx\n      no_seq_scan_over_rows: 1000\n      max_cost: 500\n";

/// `public.orders` with 20,000 rows, an index on customer_id, and statistics.
fn orders(db: &FreshDb) {
    db.try_psql(
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, customer_id integer NOT NULL, total numeric NOT NULL);
         INSERT INTO public.orders SELECT g, g % 2000, g * 1.5 FROM generate_series(1, 20000) g;
         CREATE INDEX orders_customer_idx ON public.orders (customer_id);
         ANALYZE public.orders;",
    )
    .unwrap();
}

#[test]
fn explain_check_passes_with_the_index_and_fails_without_it() {
    let db = FreshDb::new("verify_explain");
    orders(&db);
    let dir = support::temp_dir();
    let file = dir.join("queries.yaml");
    std::fs::write(&file, ORDERS_QUERIES).unwrap();
    let f = file.to_str().unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec!["explain-check", "--database-url", &db.url, "--queries", f];
        args.extend_from_slice(extra);
        reconcile(&args)
    };
    let (code, out, err) = check(&[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok    orders_of_customer"), "{out}");
    assert!(
        out.contains("using orders_customer_idx on public.orders"),
        "{out}"
    );

    // --analyze runs the query, inside a transaction that is rolled back.
    std::fs::write(
        &file,
        ORDERS_QUERIES
            .replace("select id, total from", "delete from")
            .replace("id, total", ""),
    )
    .unwrap();
    let (code, out, err) = check(&["--analyze", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["queries"][0]["execution_ms"].is_number(), "{out}");
    db.try_psql("DO $$ BEGIN IF (SELECT count(*) FROM public.orders) <> 20000 THEN RAISE 'rows deleted'; END IF; END $$;")
        .unwrap();
    std::fs::write(&file, ORDERS_QUERIES).unwrap();

    db.try_psql("DROP INDEX public.orders_customer_idx;")
        .unwrap();
    let (code, out, err) = check(&[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("FAIL  orders_of_customer"), "{out}");
    assert!(
        out.contains("- uses_index: does not use index orders_customer_idx"),
        "{out}"
    );
    assert!(
        out.contains(
            "- no_seq_scan_over_rows: Seq Scan on public.orders (about 20000 rows > 1000)"
        ),
        "{out}"
    );
    let (code, out, _) = check(&["--format", "json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["passed"], false);
    assert_eq!(v["queries"][0]["unmet"][0]["expectation"], "uses_index");

    // Bad input names the position; an unreachable database is exit 3.
    std::fs::write(&file, ORDERS_QUERIES.replace("max_cost", "max_kost")).unwrap();
    let (code, _, err) = check(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("queries.yaml:8:7: unknown field `max_kost`"),
        "{err}"
    );
    std::fs::write(&file, ORDERS_QUERIES).unwrap();
    let (code, _, err) = reconcile(&[
        "explain-check",
        "--database-url",
        "postgres://nobody:hunter22@127.0.0.1:1/none",
        "--queries",
        f,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("hunter22"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn apply_explain_check_flags_a_migration_that_makes_a_plan_worse() {
    let db = FreshDb::new("verify_explain_apply");
    orders(&db);
    let dir = support::temp_dir();
    let file = dir.join("queries.yaml");
    std::fs::write(&file, ORDERS_QUERIES).unwrap();
    let migrations = dir.join("migrations");
    let add = migrations.join("0001_add_note");
    std::fs::create_dir_all(&add).unwrap();
    std::fs::write(
        add.join("up.sql"),
        "ALTER TABLE public.orders ADD COLUMN note text;\n",
    )
    .unwrap();
    std::fs::write(
        add.join("down.sql"),
        "ALTER TABLE public.orders DROP COLUMN note;\n",
    )
    .unwrap();
    let (f, m) = (file.to_str().unwrap(), migrations.to_str().unwrap());
    let apply = |extra: &[&str]| {
        let mut args = vec![
            "apply",
            "--database-url",
            &db.url,
            "--migrations",
            m,
            "--no-snapshot",
            "--explain-check",
            f,
        ];
        args.extend_from_slice(extra);
        reconcile(&args)
    };
    let (code, out, err) = apply(&[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("explain-check: no plan got worse"), "{out}");

    let drop = migrations.join("0002_drop_customer_index");
    std::fs::create_dir_all(&drop).unwrap();
    std::fs::write(
        drop.join("up.sql"),
        "DROP INDEX public.orders_customer_idx;\n",
    )
    .unwrap();
    std::fs::write(
        drop.join("down.sql"),
        "CREATE INDEX orders_customer_idx ON public.orders (customer_id);\n",
    )
    .unwrap();
    let (code, out, err) = apply(&["--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["apply"]["migrations"][0]["name"], "0002_drop_customer_index",
        "{out}"
    );
    let reasons: Vec<&str> = v["explain_check"]["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.starts_with("estimated cost ")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"public.orders: index scan (orders_customer_idx) became Seq Scan"),
        "{reasons:?}"
    );
    assert_eq!(v["explain_check"]["queries"][0]["passed"], false);
    // A bad queries file stops apply before anything runs.
    std::fs::write(&file, "queries: [").unwrap();
    let (code, _, err) = apply(&[]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_example_queries_pass_on_the_bundled_schema() {
    let db = FreshDb::new("verify_explain_example");
    let (_, shim, _) = reconcile(&["shim"]);
    db.try_psql(&shim).unwrap();
    support::apply_bundled_example(&db);
    db.try_psql(
        "INSERT INTO auth.users (id, email) SELECT ('00000000-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'u' || g || '@x' FROM generate_series(1, 2000) g;
         INSERT INTO public.users (id, email) SELECT id, email FROM auth.users;
         INSERT INTO public.projects (owner_id, name) SELECT u.id, 'p' || g FROM public.users u, generate_series(1, 5) g;
         INSERT INTO public.content (project_id, author_id, title, status, published_at)
           SELECT p.id, p.owner_id, 't' || g, CASE WHEN g = 1 THEN 'published'::public.content_status ELSE 'draft' END,
                  CASE WHEN g = 1 THEN now() END
             FROM public.projects p, generate_series(1, 4) g;
         INSERT INTO public.export_history (user_id, format) SELECT u.id, 'csv' FROM public.users u, generate_series(1, 10) g;
         ANALYZE;",
    )
    .unwrap();
    let (code, out, err) = reconcile(&[
        "explain-check",
        "--database-url",
        &db.url,
        "--queries",
        "tests/explain/example.yaml",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("5 passed, 0 failed\n"), "{out}");
}

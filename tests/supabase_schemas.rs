//! A Supabase project's declarative schema files (`supabase/schemas/*.sql`,
//! examples/supabase) as reconcile's desired state, on a database with the
//! Supabase shim: they plan, apply, converge and revert; the same schema
//! in YAML plans byte for byte the same; and `baseline` of the database
//! captures only the team's schemas and objects.

mod support;

use std::path::{Path, PathBuf};

use support::{reconcile_in, temp_dir, FreshDb};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/supabase")
}

fn shimmed(prefix: &str) -> FreshDb {
    let db = FreshDb::new(prefix);
    db.psql_file(
        &support::fixtures().join("corpus/supabase_shim.sql"),
        &[],
        None,
    );
    db
}

fn run(dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = reconcile_in(dir, args);
    assert_eq!(code, 0, "reconcile {args:?}:\n{out}{err}");
    out
}

/// The team's objects, as the database has them.
fn objects(db: &FreshDb) -> String {
    db.scalar(
        "SELECT concat_ws(' | ',
            (SELECT string_agg(tablename || ':' || policyname, ',' ORDER BY 1)
               FROM pg_policies WHERE schemaname IN ('public', 'storage')),
            (SELECT string_agg(tgname, ',' ORDER BY 1) FROM pg_trigger
              WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal),
            (SELECT string_agg(relname, ',' ORDER BY 1) FROM pg_class
              WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'),
            (SELECT 'realtime:' || coalesce(string_agg(tablename, ',' ORDER BY 1), '')
               FROM pg_publication_tables WHERE pubname = 'supabase_realtime'),
            (SELECT count(*) || ' publication' FROM pg_publication))",
    )
}

#[test]
fn the_sql_files_plan_apply_converge_and_revert() {
    let db = shimmed("sbschema_cycle");
    let before = objects(&db);
    let dir = temp_dir();
    let schema = example().join("supabase/schemas");
    let schema = schema.to_str().unwrap();
    let migrations = dir.join("migrations");
    let m = migrations.to_str().unwrap();
    run(
        &dir,
        &[
            "plan",
            "--schema",
            schema,
            "--migrations",
            m,
            "--name",
            "init",
        ],
    );
    run(
        &dir,
        &[
            "apply",
            "--database-url",
            &db.url,
            "--migrations",
            m,
            "--no-snapshot",
        ],
    );
    let applied = objects(&db);
    assert!(
        applied.contains("objects:Anyone can upload an avatar."),
        "{applied}"
    );
    assert!(applied.contains("on_auth_user_created"), "{applied}");
    assert!(applied.contains("profiles,todos"), "{applied}");
    assert!(
        applied.contains("realtime:todos | 1 publication"),
        "{applied}"
    );
    // The trigger works: a new user gets a profile.
    db.scalar("INSERT INTO auth.users (id, raw_user_meta_data) VALUES ('6f1b6c39-6f4c-4a53-9f66-5a1f1c4b8d11', '{\"full_name\": \"Ada\"}')");
    assert_eq!(db.scalar("SELECT full_name FROM public.profiles"), "Ada");
    db.scalar("DELETE FROM auth.users");
    // The policies hold, tested with the shim's roles and claims.
    let rls = example().join("tests/rls.yaml");
    let out = run(
        &dir,
        &[
            "test-rls",
            "--database-url",
            &db.url,
            "--tests",
            rls.to_str().unwrap(),
        ],
    );
    assert!(out.contains("5 passed"), "{out}");
    // Converged: nothing to plan against the database, no drift.
    let out = run(
        &dir,
        &[
            "plan",
            "--schema",
            schema,
            "--migrations",
            m,
            "--database-url",
            &db.url,
            "--check",
        ],
    );
    assert!(out.contains("No changes"), "{out}");
    let (code, out, err) = reconcile_in(
        &dir,
        &["drift", "--schema", schema, "--database-url", &db.url],
    );
    assert_eq!(code, 0, "{out}{err}");
    // And offline against the recorded state.
    let out = run(
        &dir,
        &["plan", "--schema", schema, "--migrations", m, "--check"],
    );
    assert!(out.contains("No changes"), "{out}");
    // Reverted: back to the shim alone; Supabase's tables untouched.
    run(
        &dir,
        &[
            "revert",
            "--database-url",
            &db.url,
            "--to",
            "0000",
            "--allow-destructive",
            "--no-snapshot",
        ],
    );
    assert_eq!(objects(&db), before);
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_class WHERE oid = 'storage.objects'::regclass"),
        "1"
    );
}

#[test]
fn the_same_schema_in_yaml_plans_byte_for_byte_the_same() {
    let dir = temp_dir();
    let none = dir.join("none");
    let n = none.to_str().unwrap();
    let plan = |schema: &str, format: &str| {
        let path = example().join(schema);
        let out = run(
            &dir,
            &[
                "plan",
                "--schema",
                path.to_str().unwrap(),
                "--migrations",
                n,
                "--dry-run",
                "--format",
                format,
            ],
        );
        // The first line names the schema path.
        out.replacen(path.to_str().unwrap(), "SCHEMA", 1)
    };
    for format in ["text", "sql", "json"] {
        let sql = plan("supabase/schemas", format);
        let yaml = plan("yaml", format);
        assert!(sql.contains("on_auth_user_created"), "{sql}");
        assert_eq!(sql, yaml, "{format}:\n{}", support::line_diff(&sql, &yaml));
    }
}

#[test]
fn baseline_of_a_shimmed_database_captures_only_the_teams_objects() {
    let db = shimmed("sbschema_baseline");
    let dir = temp_dir();
    let schema = example().join("supabase/schemas");
    let m = dir.join("applied");
    let m = m.to_str().unwrap();
    run(
        &dir,
        &[
            "plan",
            "--schema",
            schema.to_str().unwrap(),
            "--migrations",
            m,
        ],
    );
    run(
        &dir,
        &[
            "apply",
            "--database-url",
            &db.url,
            "--migrations",
            m,
            "--no-snapshot",
        ],
    );
    run(
        &dir,
        &[
            "baseline",
            "--database-url",
            &db.url,
            "--out",
            "schema",
            "--migrations",
            "generated/migrations",
        ],
    );
    let mut files: Vec<String> = Vec::new();
    let root = dir.join("schema");
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p.strip_prefix(&root).unwrap().display().to_string());
            }
        }
    }
    files.sort();
    assert_eq!(
        files,
        [
            "auth/tables/users.yaml",
            "external.yaml",
            "public/functions/handle_new_user.yaml",
            "public/schema.yaml",
            "public/tables/profiles.yaml",
            "public/tables/todos.yaml",
            "publications.yaml",
            "storage/tables/objects.yaml",
        ]
    );
    // Supabase's publication: only the team's table in it.
    let realtime = std::fs::read_to_string(root.join("publications.yaml")).unwrap();
    assert_eq!(
        realtime,
        "publications:\n  supabase_realtime:\n    external: true\n    tables:\n      public.todos: {}\n"
    );
    // Supabase's tables are not captured: only the team's trigger and
    // policies on them.
    let users = std::fs::read_to_string(root.join("auth/tables/users.yaml")).unwrap();
    assert!(
        users.contains("on_auth_user_created") && !users.contains("columns"),
        "{users}"
    );
    let external = std::fs::read_to_string(root.join("external.yaml")).unwrap();
    assert_eq!(external, "external:\n- auth.users\n- storage.objects\n");
    let up =
        std::fs::read_to_string(dir.join("generated/migrations/0001_baseline/up.sql")).unwrap();
    assert!(
        !up.contains("CREATE TABLE auth.") && !up.contains("CREATE SCHEMA"),
        "{up}"
    );
    // Named, a Supabase schema is captured.
    let out = run(
        &dir,
        &[
            "inspect",
            "--database-url",
            &db.url,
            "--schemas",
            "public,auth",
        ],
    );
    assert!(
        out.contains("  auth.users:\n") && out.contains("encrypted_password"),
        "{out}"
    );
    // The baseline is the database: nothing to plan against it.
    let out = run(
        &dir,
        &[
            "plan",
            "--schema",
            "schema",
            "--migrations",
            "generated/migrations",
            "--database-url",
            &db.url,
            "--check",
            "--ignore-pending",
        ],
    );
    assert!(out.contains("No changes"), "{out}");
}

#[test]
fn a_bad_statement_is_named_by_file_line_and_column() {
    let dir = temp_dir();
    let cases = [
        (
            "create table t (id int);\ncreate tabel u (id int);\n",
            "bad.sql:2:8",
            "syntax error",
        ),
        (
            "create table t (id int);\n\n  insert into t values (1);\n",
            "bad.sql:3:3",
            "data statements are not desired state",
        ),
        (
            "create table t (id int);\nalter table t cluster on t_pkey;\n",
            "bad.sql:2:1",
            "not supported",
        ),
        (
            "create policy p on t for select using (true);\n",
            "bad.sql:1:20",
            "table public.t is not created in these files",
        ),
        (
            "create table t (id int references missing_table);\n",
            "bad.sql:1:24",
            "neither declared nor external",
        ),
        (
            "alter publication supabase_realtime add table t;\n",
            "bad.sql:1:1",
            "table `public.t` is not defined",
        ),
        (
            "create table t (id int);\ndo $$ begin perform 1; end $$;\n",
            "bad.sql:2:1",
            "a DO block is not desired state",
        ),
        (
            "create table t (id int, b int);\ncreate statistics st on id, b from t;\n",
            "bad.sql:2:1",
            "`CREATE STATISTICS ST` is not supported",
        ),
        (
            "create table t (id int);\n\\connect other\n",
            "bad.sql:2:1",
            "`\\connect` is a psql command, not SQL",
        ),
        (
            "create table t (id int);\ncreate function f() returns int language sql as $$ select 1\n;\n",
            "bad.sql:2:49",
            "unterminated dollar-quoted string at or near \"$$ select 1...\"",
        ),
        (
            "create table t (id int);\nalter table t owner to;\n",
            "bad.sql:2:23",
            "syntax error at end of input",
        ),
    ];
    for (sql, at, message) in cases {
        let schema = dir.join("s");
        let _ = std::fs::remove_dir_all(&schema);
        std::fs::create_dir_all(&schema).unwrap();
        std::fs::write(schema.join("bad.sql"), sql).unwrap();
        let (code, out, err) = reconcile_in(&dir, &["check", "--schema", "s"]);
        assert_eq!(code, 2, "{sql}: {out}{err}");
        assert!(err.contains(&format!("s/{at}")), "{sql}: {err}");
        assert!(err.contains(message), "{sql}: {err}");
    }
}

/// What `pg_dump -s` writes around the objects (its restore guards,
/// settings, owners) is read, not refused.
#[test]
fn pg_dump_output_is_accepted() {
    let dir = temp_dir();
    let schema = dir.join("s");
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(
        schema.join("dump.sql"),
        "\\restrict 8kQ2yWqkTtQ0\n\nSET statement_timeout = 0;\nSET check_function_bodies = false;\n\
         SELECT pg_catalog.set_config('search_path', '', false);\n\
         CREATE TABLE public.t (id integer NOT NULL);\nALTER TABLE public.t OWNER TO postgres;\n\
         CREATE AGGREGATE public.total(integer) (SFUNC = int4pl, STYPE = integer);\n\
         ALTER AGGREGATE public.total(integer) OWNER TO postgres;\n\n\\unrestrict 8kQ2yWqkTtQ0\n",
    )
    .unwrap();
    let (code, out, err) = reconcile_in(&dir, &["check", "--schema", "s"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 tables"), "{out}");
}

/// A schema file that grants on `public` without creating it (as Supabase
/// teams write) plans the grant alone: PUBLIC keeps its usage, and the
/// schema its owner and comment.
#[test]
fn a_grant_on_public_plans_the_grant_alone() {
    let db = shimmed("sbschema_public");
    let dir = temp_dir();
    let schema = dir.join("s");
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(
        schema.join("grants.sql"),
        "grant usage on schema public to anon;\ncreate table public.notes (id int);\n",
    )
    .unwrap();
    // The shim's own grants, taken back: the file declares anon's alone.
    db.scalar("REVOKE USAGE ON SCHEMA public FROM anon, authenticated, service_role");
    let (code, out, err) = reconcile_in(
        &dir,
        &[
            "plan",
            "--schema",
            "s",
            "--migrations",
            "m",
            "--database-url",
            &db.url,
            "--check",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("GRANT USAGE ON SCHEMA public TO anon;"),
        "{out}"
    );
    assert!(out.contains("CREATE TABLE public.notes"), "{out}");
    for unwanted in ["REVOKE USAGE", "COMMENT ON SCHEMA"] {
        assert!(!out.contains(unwanted), "{unwanted}: {out}");
    }
    // The start is 15's; 14's public is the bootstrap user's, with CREATE
    // for PUBLIC, and is planned to 15's.
    if support::server_major() >= 15 {
        for unwanted in ["REVOKE", "OWNER TO"] {
            assert!(!out.contains(unwanted), "{unwanted}: {out}");
        }
    } else {
        assert!(
            out.contains("REVOKE CREATE ON SCHEMA public FROM PUBLIC;"),
            "{out}"
        );
    }
}

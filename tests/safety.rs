//! Safe by default: hostile text in the desired state is refused where it
//! is written, before anything is planned or run.

mod support;

use std::path::Path;

fn reconcile(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::reconcile_in(dir, args)
}

/// A table every case may add to, and the line each case's text is on.
const HEAD: &str = "tables:
  public.victim:
    columns:
      id: { type: bigint, nullable: false }
  public.t:
    row_level_security: { enabled: true }
    columns:
      id: { type: bigint, nullable: false }
";

/// (what, the rest of the file after HEAD; the hostile text on its first line)
const INJECTIONS: &[(&str, &str)] = &[
    (
        "policy using",
        "    policies:\n      p: { using: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "policy with_check",
        "    policies:\n      p: { for: insert, with_check: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "policy using ending in a comment",
        "    policies:\n      p: { using: \"true --\", with_check: \"true\" }\n",
    ),
    (
        "check",
        "    checks:\n      c: \"id > 0); DROP TABLE public.victim; --\"\n",
    ),
    (
        "default",
        "      v: { type: int, default: \"1; DROP TABLE public.victim\" }\n",
    ),
    (
        "generated column",
        "      g: { type: bigint, generated: \"id); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "index predicate",
        "    indexes:\n      i: { columns: [id], where: \"true); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "index expression",
        "    indexes:\n      i: { columns: [{ expression: \"id); DROP TABLE public.victim; --\" }] }\n",
    ),
    (
        "trigger when",
        "    triggers:\n      tr: { timing: before, events: [insert], function: public.f, when: \"true); DROP TABLE public.victim; --\" }\nfunctions:\n  public.f(): { returns: trigger, language: plpgsql, body: \"begin return new; end\" }\n",
    ),
    (
        "exclusion",
        "    exclusions:\n      e: { definition: \"USING btree (id WITH =); DROP TABLE public.victim; --\" }\n",
    ),
    (
        "domain check",
        "domains:\n  public.d: { type: int, checks: { pos: \"VALUE > 0); DROP TABLE public.victim; --\" } }\n",
    ),
    (
        "view query",
        "views:\n  public.v: { definition: \"SELECT 1 AS one; DROP TABLE public.victim\" }\n",
    ),
    (
        "view query ending in a comment",
        "views:\n  public.v: { definition: \"SELECT 1 AS one --\" }\n",
    ),
    (
        "SQL-standard function body",
        "functions:\n  public.g(): { returns: int, language: sql, body: \"RETURN 1; DROP TABLE public.victim\" }\n",
    ),
    (
        "function return type",
        "functions:\n  public.g(): { returns: \"int LANGUAGE sql AS 'SELECT 1'; DROP TABLE public.victim; --\", language: sql, body: \"SELECT 1\" }\n",
    ),
];

#[test]
fn hostile_text_is_refused_with_its_place_by_check_and_plan() {
    let line = HEAD.lines().count() + 1;
    for (what, rest) in INJECTIONS {
        let dir = support::temp_dir();
        std::fs::create_dir_all(dir.join("schema")).unwrap();
        std::fs::write(dir.join("schema/a.yaml"), format!("{HEAD}{rest}")).unwrap();
        // The hostile text is on the first line after HEAD, or the next.
        let here =
            |err: &str| (line..line + 2).any(|l| err.contains(&format!("schema/a.yaml:{l}:")));
        let (code, out, err) = reconcile(&dir, &["check"]);
        assert_eq!(code, 2, "{what}: check\n{out}{err}");
        assert!(here(&err), "{what}: check names the place\n{err}");
        for args in [&["plan", "--dry-run"][..], &["plan"][..]] {
            let (code, out, err) = reconcile(&dir, args);
            assert_eq!(code, 2, "{what}: {args:?}\n{out}{err}");
            assert!(here(&err), "{what}: {args:?} names the place\n{err}");
            assert!(!out.contains("DROP TABLE"), "{what}: {args:?}\n{out}");
        }
        assert!(
            !dir.join("generated").exists(),
            "{what}: nothing is written"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A project directory with `schema/a.yaml` holding `yaml`.
fn project(yaml: &str) -> std::path::PathBuf {
    let dir = support::temp_dir();
    std::fs::create_dir_all(dir.join("schema")).unwrap();
    std::fs::write(dir.join("schema/a.yaml"), yaml).unwrap();
    dir
}

fn edit(dir: &Path, yaml: &str) {
    std::fs::write(dir.join("schema/a.yaml"), yaml).unwrap();
}

/// Every migration's directory name and up.sql, in order.
fn migrations(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir.join("generated/migrations"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let up = std::fs::read_to_string(e.path().join("up.sql")).unwrap();
            (name, up)
        })
        .collect();
    out.sort();
    out
}

const TABLES: &str = "tables:
  public.p:
    columns:
      id: { type: bigint, nullable: false }
    primary_key: [id]
  public.t:
    columns:
      id: { type: bigint, nullable: false }
      p: bigint
      v: integer
    primary_key: [id]
";

const ONLINE: &str = "tables:
  public.p:
    columns:
      id: { type: bigint, nullable: false }
    primary_key: [id]
  public.t:
    columns:
      id: { type: bigint, nullable: false }
      p: bigint
      v: { type: integer, nullable: false }
      w: { type: integer, default: 7 }
    primary_key: [id]
    checks:
      v_positive: \"v > 0\"
    foreign_keys:
      t_p_fkey: { columns: [p], references: public.p(id) }
    indexes:
      t_v_idx: { columns: [v] }
";

/// The constraints a migration adds NOT VALID, and those it validates.
fn not_valid_and_validated(up: &str) -> (Vec<String>, Vec<String>) {
    let mut added = Vec::new();
    let mut validated = Vec::new();
    for line in up.lines() {
        let words: Vec<&str> = line.trim_end_matches(';').split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "CONSTRAINT") {
            if words.get(i - 1) == Some(&"ADD") && line.contains("NOT VALID") {
                added.push(words[i + 1].to_string());
            }
            if words.get(i - 1) == Some(&"VALIDATE") {
                validated.push(words[i + 1].to_string());
            }
        }
    }
    (added, validated)
}

#[test]
fn a_constraint_added_not_valid_commits_before_its_validation() {
    let dir = project(TABLES);
    let (code, out, err) = reconcile(&dir, &["plan", "--name", "tables"]);
    assert_eq!(code, 0, "{out}{err}");
    edit(&dir, ONLINE);
    let (code, out, err) = reconcile(&dir, &["plan", "--name", "online"]);
    assert_eq!(code, 0, "{out}{err}");
    let ms = migrations(&dir);
    let mut added_in = std::collections::BTreeMap::new();
    let mut validated_in = std::collections::BTreeMap::new();
    for (name, up) in &ms {
        let (added, validated) = not_valid_and_validated(up);
        for c in added {
            added_in.insert(c, name.clone());
        }
        for c in validated {
            validated_in.insert(c, name.clone());
        }
        // A migration that validates does nothing else.
        if up.contains("VALIDATE CONSTRAINT") {
            for line in up
                .lines()
                .filter(|l| l.starts_with("ALTER") || l.starts_with("CREATE"))
            {
                assert!(
                    line.contains(" VALIDATE CONSTRAINT ")
                        || line.contains(" SET NOT NULL")
                        || line.contains(" DROP CONSTRAINT "),
                    "{name}: {line}\n{up}"
                );
            }
        }
    }
    assert_eq!(
        added_in.keys().collect::<Vec<_>>(),
        ["t_p_fkey", "t_v_not_null_check", "v_positive"],
        "{ms:#?}"
    );
    for (c, added) in &added_in {
        let validated = validated_in
            .get(c)
            .unwrap_or_else(|| panic!("{c} is validated"));
        assert!(
            validated > added,
            "{c}: added in {added}, validated in {validated}"
        );
    }
    // The hazards say which lock each holds, and for how long.
    let all: String = ms.iter().map(|(_, up)| up.as_str()).collect();
    for said in [
        "adds check v_positive on public.t NOT VALID: an ACCESS EXCLUSIVE lock for an instant, no scan",
        "adds foreign key t_p_fkey on public.t NOT VALID: a SHARE ROW EXCLUSIVE lock on public.t and on public.p for an instant",
        "NOT NULL is added NOT VALID: an ACCESS EXCLUSIVE lock for an instant, no scan",
        "VALIDATE scans every row of public.t under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on",
        "builds index t_v_idx on public.t CONCURRENTLY: reads and writes go on",
        "adds column w to public.t: an ACCESS EXCLUSIVE lock for an instant, no rewrite",
    ] {
        assert!(all.contains(said), "{said}\n{all}");
    }
    // Our own lint finds nothing to say about it.
    let (code, out, err) = reconcile(&dir, &["lint", "--migrations", "generated/migrations"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("validate_in_same_transaction"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn online_changes_apply_on_rows_converge_and_revert() {
    let db = support::FreshDb::new("safety_online");
    let dir = project(TABLES);
    let url = db.url.as_str();
    let run = |args: &[&str]| {
        let (code, out, err) = reconcile(&dir, args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
        out
    };
    run(&["plan", "--name", "tables"]);
    run(&["apply", "--database-url", url, "--no-snapshot"]);
    db.try_psql(
        "INSERT INTO public.p SELECT g FROM generate_series(1, 100) g;
         INSERT INTO public.t SELECT g, g % 100 + 1, g FROM generate_series(1, 1000) g;",
    )
    .unwrap();
    edit(&dir, ONLINE);
    // Planned against the server: on 18 the NOT NULL constraint itself is
    // added NOT VALID, before through a check.
    run(&["plan", "--name", "online", "--database-url", url]);
    let all: String = migrations(&dir).into_iter().map(|(_, up)| up).collect();
    if support::server_major() >= 18 {
        assert!(
            all.contains("ADD CONSTRAINT t_v_not_null NOT NULL v NOT VALID;"),
            "{all}"
        );
    } else {
        assert!(all.contains("CHECK (v IS NOT NULL) NOT VALID;"), "{all}");
    }
    for (name, up) in migrations(&dir) {
        let (added, validated) = not_valid_and_validated(&up);
        assert!(
            added.iter().all(|c| !validated.contains(c)),
            "{name} validates what it adds NOT VALID:\n{up}"
        );
    }
    run(&["apply", "--database-url", url, "--no-snapshot"]);
    run(&["plan", "--check", "--database-url", url]);
    run(&[
        "revert",
        "--database-url",
        url,
        "--to",
        "0001",
        "--allow-destructive",
        "--no-snapshot",
    ]);
    edit(&dir, TABLES);
    run(&["plan", "--check", "--database-url", url, "--ignore-pending"]);
    assert_eq!(db.scalar("SELECT count(*) FROM public.t"), "1000");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A type change that rewrites is red and says so; it warns that values
/// may not fit only when the new type cannot hold every old one.
#[test]
fn a_rewriting_type_change_is_red_and_says_whether_values_fit() {
    let cases = [
        ("      v: integer\n", "      v: bigint\n", false),
        ("      v: integer\n", "      v: smallint\n", true),
        ("      v: integer\n", "      v: text\n", false),
        ("      v: integer\n", "      v: numeric(3,0)\n", true),
        ("      p: bigint\n", "      p: integer\n", true),
    ];
    for (from, to, narrows) in cases {
        let dir = project(TABLES);
        let (code, out, err) = reconcile(&dir, &["plan", "--name", "tables"]);
        assert_eq!(code, 0, "{out}{err}");
        edit(&dir, &TABLES.replace(from, to));
        let (code, out, err) = reconcile(&dir, &["plan", "--name", "retype"]);
        assert_ne!(code, 0, "{to}: a rewrite is refused by default\n{out}{err}");
        let red = out
            .lines()
            .find(|l| l.trim_start().starts_with("red table_rewrite"))
            .unwrap_or_else(|| panic!("{to}: no red hazard\n{out}{err}"));
        assert!(red.contains("ACCESS EXCLUSIVE"), "{red}");
        let narrowed = out.contains("red type_narrowed");
        assert_eq!(narrowed, narrows, "{to}: {out}");
        // Its down script brings the column back, not values cut or rounded.
        assert_eq!(out.contains("Irreversible"), narrows, "{to}: {out}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A change that keeps the values (a collation, a numeric's precision at
/// the same scale) is no rewrite (the table keeps its file on a real
/// server), so it is yellow and planned by default.
#[test]
fn changes_that_keep_the_values_are_not_rewrites() {
    let cases = [
        ("      v: text\n", "      v: { type: text, collation: C }\n"),
        ("      v: numeric(18,6)\n", "      v: numeric(20,6)\n"),
        ("      v: numeric(18,6)\n", "      v: numeric\n"),
    ];
    for (from, to) in cases {
        let start = TABLES.replace("      v: integer\n", from);
        let db = support::FreshDb::new("safety_keep");
        let url = db.url.as_str();
        let apply = |dir: &Path| {
            let (code, out, err) =
                reconcile(dir, &["apply", "--database-url", url, "--no-snapshot"]);
            assert_eq!(code, 0, "{out}{err}");
        };
        let dir = project(&start);
        let (code, out, err) = reconcile(&dir, &["plan", "--name", "tables"]);
        assert_eq!(code, 0, "{out}{err}");
        apply(&dir);
        let file = || db.scalar("SELECT pg_relation_filenode('public.t')::text");
        let before = file();
        edit(&dir, &start.replace(from, to));
        let (code, out, err) = reconcile(&dir, &["plan", "--name", "change"]);
        assert_eq!(code, 0, "{to}: not refused: {out}{err}");
        assert!(out.contains("yellow type_change"), "{to}: {out}");
        assert!(!out.contains("table_rewrite"), "{to}: {out}");
        apply(&dir);
        assert_eq!(file(), before, "{to}: the table was rewritten");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A database with the Supabase roles and Supabase's default privileges:
/// every new table in `public` granted ALL to the API roles.
fn supabase_like() -> support::FreshDb {
    let db = support::FreshDb::new("safety_grants");
    db.psql_file(
        &support::fixtures().join("corpus/supabase_shim.sql"),
        &[],
        None,
    );
    db.try_psql(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated;",
    )
    .unwrap();
    db
}

const GRANTED: &str = "tables:
  public.notes:
    row_level_security: { enabled: true }
    columns:
      id: { type: bigint, nullable: false }
    primary_key: [id]
    policies:
      own: { for: select, to: [authenticated], using: \"true\" }
    grants: { anon: [], authenticated: [select] }
";

#[test]
fn an_empty_grant_list_revokes_what_default_privileges_gave() {
    let db = supabase_like();
    let url = db.url.as_str();
    let privileges = |role: &str| {
        db.scalar(&format!(
            "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type) FROM information_schema.role_table_grants WHERE table_name = 'notes' AND grantee = '{role}'"
        ))
    };
    // Made by a migration: the defaults hand anon everything on CREATE.
    let dir = project(GRANTED);
    let (code, out, err) = reconcile(&dir, &["plan", "--database-url", url, "--name", "notes"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&dir, &["apply", "--database-url", url, "--no-snapshot"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(privileges("anon"), "", "anon holds nothing");
    assert_eq!(privileges("authenticated"), "SELECT");
    // Granted everything behind the desired state's back: drift sees it,
    // and the plan takes it back.
    db.try_psql("GRANT ALL ON public.notes TO anon;").unwrap();
    let (code, out, err) = reconcile(&dir, &["drift", "--database-url", url]);
    assert_eq!(code, 1, "drift sees anon's privileges\n{out}{err}");
    assert!(
        out.contains("REVOKE ALL ON TABLE public.notes FROM anon;"),
        "{out}"
    );
    let (code, out, err) = reconcile(&dir, &["plan", "--dry-run", "--database-url", url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("REVOKE ALL ON TABLE public.notes FROM anon;"),
        "{out}"
    );
    let (code, out, err) = reconcile(&dir, &["plan", "--database-url", url, "--name", "revoke"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile(&dir, &["apply", "--database-url", url, "--no-snapshot"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(privileges("anon"), "");
    let (code, out, err) = reconcile(&dir, &["drift", "--database-url", url]);
    assert_eq!(code, 0, "{out}{err}");
    // A role the desired state does not name keeps what the defaults gave.
    edit(&dir, &GRANTED.replace("anon: [], ", ""));
    let (code, out, err) = reconcile(&dir, &["plan", "--check", "--database-url", url]);
    assert_eq!(code, 0, "anon unnamed holds nothing either way\n{out}{err}");
    // The lint finds TRUNCATE in the database, and in a desired state
    // that leaves anon to the default privileges.
    let (code, out, _) = reconcile(&dir, &["lint", "--database-url", url]);
    assert_eq!(code, 0, "{out}");
    db.try_psql("GRANT TRUNCATE ON public.notes TO authenticated;")
        .unwrap();
    let (code, out, _) = reconcile(&dir, &["lint", "--database-url", url]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("api_role_truncate") && out.contains("authenticated holds `truncate`"),
        "{out}"
    );
    let with_defaults = format!(
        "{}default_privileges:\n  - {{ on: tables, schema: public, grants: {{ anon: [all] }} }}\n",
        GRANTED.replace("anon: [], ", "")
    );
    edit(&dir, &with_defaults);
    let (code, out, _) = reconcile(&dir, &["lint"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("anon holds `all` (from the default privileges)"),
        "{out}"
    );
    edit(
        &dir,
        &with_defaults.replace(
            "grants: { authenticated",
            "grants: { anon: [], authenticated",
        ),
    );
    let (code, out, _) = reconcile(&dir, &["lint"]);
    assert!(!out.contains("api_role_truncate"), "{code} {out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

const POLICIES: &str = "tables:
  public.docs:
    row_level_security: { enabled: true }
    columns:
      id: { type: bigint, nullable: false }
      tenant: uuid
      owner: uuid
      body: text
    primary_key: [id]
    policies:
      tenant_only: { restrictive: true, using: \"tenant = (SELECT auth.uid())\" }
      read_own: { for: select, to: [authenticated], using: \"owner = (SELECT auth.uid())\" }
      write_own: { for: update, to: [authenticated], using: \"owner = (SELECT auth.uid())\" }
      old_open: { for: select, to: [anon], using: \"true\" }
      old_guard: { for: select, restrictive: true, to: [anon], using: \"body IS NOT NULL\" }
external: [auth.uid()]
";

/// POLICIES changed: WITH CHECK added (ALTER POLICY), a command changed
/// and an expression taken away (DROP and CREATE), a restrictive policy
/// added, a permissive and a restrictive one dropped; and an index built
/// CONCURRENTLY in the same plan.
const POLICIES_CHANGED: &str = "tables:
  public.docs:
    row_level_security: { enabled: true }
    columns:
      id: { type: bigint, nullable: false }
      tenant: uuid
      owner: uuid
      body: text
    primary_key: [id]
    indexes:
      docs_owner_idx: { columns: [owner] }
    policies:
      tenant_only: { restrictive: true, using: \"tenant = (SELECT auth.uid())\" }
      read_own: { for: all, to: [authenticated], using: \"owner = (SELECT auth.uid())\" }
      write_own: { for: update, to: [authenticated], using: \"owner = (SELECT auth.uid())\", with_check: \"owner = (SELECT auth.uid())\" }
      new_guard: { restrictive: true, to: [authenticated], using: \"body IS NOT NULL\" }
external: [auth.uid()]
";

/// The plan of `after` from `before`, written (with `--allow-destructive`),
/// as (migration name, up.sql) pairs.
fn planned(before: &str, after: &str) -> (std::path::PathBuf, Vec<(String, String)>, String) {
    let dir = project(before);
    let (code, out, err) = reconcile(&dir, &["plan", "--name", "before"]);
    assert_eq!(code, 0, "{out}{err}");
    let first = migrations(&dir).len();
    edit(&dir, after);
    let (_, shown, _) = reconcile(&dir, &["plan", "--dry-run"]);
    let (code, out, err) = reconcile(&dir, &["plan", "--allow-destructive", "--name", "after"]);
    assert_eq!(code, 0, "{out}{err}");
    let ms = migrations(&dir).split_off(first);
    (dir, ms, shown)
}

#[test]
fn a_policy_change_is_made_in_place_or_in_one_transaction() {
    let (dir, ms, shown) = planned(POLICIES, POLICIES_CHANGED);
    let with = |needle: &str| -> Vec<&String> {
        ms.iter()
            .filter(|(_, up)| up.contains(needle))
            .map(|(n, _)| n)
            .collect()
    };
    // Adding WITH CHECK is an ALTER POLICY: the policy is never missing.
    assert_eq!(
        with("ALTER POLICY write_own ON public.docs TO authenticated USING ((owner = ( SELECT auth.uid() AS uid))) WITH CHECK").len()
            + with("ALTER POLICY write_own ON public.docs TO authenticated USING (owner = (SELECT auth.uid())) WITH CHECK").len(),
        1,
        "{ms:#?}"
    );
    assert!(with("DROP POLICY write_own").is_empty(), "{ms:#?}");
    // A new command needs DROP and CREATE: in the same migration, in
    // that order, with nothing between.
    let dropped = with("DROP POLICY read_own ON public.docs;");
    assert_eq!(
        dropped,
        with("CREATE POLICY read_own ON public.docs"),
        "{ms:#?}"
    );
    let up = &ms
        .iter()
        .find(|(n, _)| Some(&n) == dropped.first())
        .unwrap()
        .1;
    let (d, c) = (
        up.find("DROP POLICY read_own").unwrap(),
        up.find("CREATE POLICY read_own").unwrap(),
    );
    assert!(d < c && !up[d..c].contains("\n-- "), "{up}");
    // The table's policy drops and creates share one transaction: the
    // index build (outside any) is not between them.
    let policies: Vec<&String> = ms
        .iter()
        .filter(|(_, up)| up.contains(" POLICY "))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(policies.len(), 1, "{ms:#?}");
    assert!(!ms
        .iter()
        .any(|(_, up)| up.contains(" POLICY ") && up.contains("CONCURRENTLY")));
    // What each does to access.
    for said in [
        "yellow access_narrowed: restrictive policy new_guard on public.docs removes rows authenticated may see or write",
        "yellow access_narrowed: dropping permissive policy old_open on public.docs removes the rows it let anon see or write",
        "red rows_widened: dropping restrictive policy old_guard on public.docs adds rows",
        "yellow policy_changed: permissive policy write_own on public.docs changes its USING or WITH CHECK",
        "yellow policy_changed: policy read_own on public.docs applies to other commands",
    ] {
        assert!(shown.contains(said), "{said}\n{shown}");
    }
    assert!(!shown.contains("only adds rows a role may see"), "{shown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_policy_recreated_for_a_column_type_stays_in_one_transaction() {
    // The column's type change makes PostgreSQL refuse it while a policy
    // reads it: the policy is dropped before and created after, and the
    // index built CONCURRENTLY in the same plan does not come between.
    let after = POLICIES
        .replace("      body: text\n", "      body: character varying(200)\n")
        .replace(
            "    policies:\n",
            "    indexes:\n      docs_owner_idx: { columns: [owner] }\n    policies:\n",
        );
    let before = POLICIES.replace("      body: text\n", "      body: character varying(100)\n");
    let (dir, ms, shown) = planned(&before, &after);
    let with = |needle: &str| -> Vec<&String> {
        ms.iter()
            .filter(|(_, up)| up.contains(needle))
            .map(|(n, _)| n)
            .collect()
    };
    let dropped = with("DROP POLICY IF EXISTS old_guard ON public.docs;");
    assert_eq!(dropped.len(), 1, "{ms:#?}");
    assert_eq!(
        dropped,
        with("CREATE POLICY old_guard ON public.docs"),
        "{ms:#?}"
    );
    assert!(shown.contains("green policy_recreated"), "{shown}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn policy_changes_apply_and_revert() {
    let db = support::FreshDb::new("safety_policies");
    db.psql_file(
        &support::fixtures().join("corpus/supabase_shim.sql"),
        &[],
        None,
    );
    let url = db.url.as_str();
    let dir = project(POLICIES);
    let run = |args: &[&str]| {
        let (code, out, err) = reconcile(&dir, args);
        assert_eq!(code, 0, "{args:?}\n{out}{err}");
    };
    run(&["plan", "--name", "before"]);
    run(&["apply", "--database-url", url, "--no-snapshot"]);
    edit(&dir, POLICIES_CHANGED);
    run(&[
        "plan",
        "--database-url",
        url,
        "--allow-destructive",
        "--name",
        "after",
    ]);
    run(&["apply", "--database-url", url, "--no-snapshot"]);
    run(&["plan", "--check", "--database-url", url]);
    run(&[
        "revert",
        "--database-url",
        url,
        "--to",
        "0001",
        "--no-snapshot",
        "--allow-destructive",
    ]);
    edit(&dir, POLICIES);
    run(&["plan", "--check", "--database-url", url, "--ignore-pending"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

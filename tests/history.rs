//! Hand-written migrations in the generated history (`new`, `rehash`),
//! and the generated shell helpers (`completions`, `man`, `--version`).

mod plan_support;
mod support;

use std::path::Path;

use support::{reconcile_in, FreshDb};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const SCHEMA: &str = "tables:\n  public.users:\n    primary_key: [id]\n    columns:\n      id: {type: bigint}\n      email: {type: text, nullable: true}\n";

/// A project dir with schema/ and the first generated migration.
fn project() -> std::path::PathBuf {
    let dir = support::temp_dir();
    write(&dir.join("schema/users.yaml"), SCHEMA);
    let (code, out, err) = reconcile_in(&dir, &["plan", "--name", "users"]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

#[test]
fn new_apply_revert_of_a_hand_written_data_migration() {
    let dir = project();
    let db = FreshDb::new("hist_new");
    let url = db.url.as_str();
    let apply = ["apply", "--no-snapshot", "--database-url", url];
    let (code, out, err) = reconcile_in(&dir, &apply);
    assert_eq!(code, 0, "{out}{err}");
    db.try_psql("INSERT INTO public.users (id) VALUES (1), (2)")
        .unwrap();

    let (code, out, err) = reconcile_in(&dir, &["new", "backfill_emails"]);
    assert_eq!(code, 0, "{out}{err}");
    let m = dir.join("generated/migrations/0002_backfill_emails");
    assert!(out.contains("0002_backfill_emails"), "{out}");
    let meta = std::fs::read_to_string(m.join("metadata.toml")).unwrap();
    assert!(meta.contains("run_in_transaction = true"), "{meta}");
    assert!(meta.contains("schema_effect = \"none\""), "{meta}");
    // The template alone is consistent: verify passes, offline plan is empty.
    let (code, out, err) = reconcile_in(&dir, &["verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile_in(&dir, &["plan", "--check"]);
    assert_eq!(code, 0, "a data migration has no schema effect: {out}{err}");

    // Edited before it ran: the sum no longer matches until rehash.
    write(
        &m.join("up.sql"),
        "UPDATE public.users SET email = 'user' || id || '@example.com';\n",
    );
    write(
        &m.join("down.sql"),
        "UPDATE public.users SET email = NULL;\n",
    );
    let (code, _, err) = reconcile_in(&dir, &apply);
    assert_eq!(code, 2, "edited files are refused until rehash: {err}");
    assert!(err.contains("0002_backfill_emails/"), "{err}");
    let (code, out, err) = reconcile_in(&dir, &["rehash", "--database-url", url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("edited from 0002_backfill_emails on"), "{out}");

    let (code, out, err) = reconcile_in(&dir, &apply);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        db.scalar("SELECT string_agg(email, ',' ORDER BY id) FROM public.users"),
        "user1@example.com,user2@example.com"
    );
    let (code, out, err) = reconcile_in(
        &dir,
        &[
            "revert",
            "--no-snapshot",
            "--database-url",
            url,
            "--steps",
            "1",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        db.scalar("SELECT count(*) FROM public.users WHERE email IS NULL"),
        "2"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_new_migration_whose_down_is_still_the_template_is_never_reverted() {
    let dir = project();
    let db = FreshDb::new("hist_new_nodown");
    let url = db.url.as_str();
    let (code, out, err) = reconcile_in(&dir, &["new", "add_audit_table"]);
    assert_eq!(code, 0, "{out}{err}");
    let m = dir.join("generated/migrations/0002_add_audit_table");
    let down = std::fs::read_to_string(m.join("down.sql")).unwrap();
    assert!(
        down.contains("`reconcile revert` refuses to revert it"),
        "{down}"
    );
    write(&m.join("up.sql"), "CREATE TABLE public.audit (id int);\n");
    let (code, out, err) = reconcile_in(&dir, &["rehash"]);
    assert_eq!(code, 0, "{out}{err}");
    let apply = ["apply", "--no-snapshot", "--database-url", url];
    let (code, out, err) = reconcile_in(&dir, &apply);
    assert_eq!(code, 0, "{out}{err}");
    let revert = [
        "revert",
        "--no-snapshot",
        "--database-url",
        url,
        "--steps",
        "1",
    ];
    let (code, out, err) = reconcile_in(&dir, &revert);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("0002_add_audit_table has no down script"),
        "{err}"
    );
    db.try_psql("SELECT 1 FROM public.audit").unwrap();
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.schema_migrations"),
        "2",
        "nothing was reverted"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rehash_is_refused_for_an_applied_migration() {
    let dir = project();
    let db = FreshDb::new("hist_rehash");
    let url = db.url.as_str();
    let (code, out, err) = reconcile_in(&dir, &["apply", "--no-snapshot", "--database-url", url]);
    assert_eq!(code, 0, "{out}{err}");
    let up = dir.join("generated/migrations/0001_users/up.sql");
    let text = std::fs::read_to_string(&up).unwrap();
    write(&up, &format!("{text}\n-- edited after it ran\n"));
    let (code, out, err) = reconcile_in(&dir, &["rehash", "--database-url", url]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("0001_users is applied in"), "{err}");
    // The sum is untouched, so verify still names the edit.
    let (code, _, err) = reconcile_in(&dir, &["verify"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("0001_users/up.sql was edited"), "{err}");
    // Restored: nothing to rehash.
    write(&up, &text);
    let (code, out, err) = reconcile_in(&dir, &["rehash", "--database-url", url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("the sum file is current"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_declared_schema_effect_keeps_offline_planning_honest() {
    let dir = project();
    // The user adds a column by hand and declares it in schema/ too.
    write(
        &dir.join("schema/users.yaml"),
        &format!("{SCHEMA}      nickname: {{type: text, nullable: true}}\n"),
    );
    let (code, _, _) = reconcile_in(&dir, &["plan", "--check"]);
    assert_eq!(code, 1, "schema/ has a change not in any migration");
    let (code, out, err) = reconcile_in(
        &dir,
        &[
            "new",
            "add_nickname",
            "--non-transactional",
            "--schema-effect",
            "desired",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let m = dir.join("generated/migrations/0002_add_nickname");
    let meta = std::fs::read_to_string(m.join("metadata.toml")).unwrap();
    assert!(meta.contains("run_in_transaction = false"), "{meta}");
    assert!(meta.contains("schema_effect = \"desired\""), "{meta}");
    let (code, out, err) = reconcile_in(&dir, &["plan", "--check"]);
    assert_eq!(code, 0, "the declared effect covers schema/: {out}{err}");
    // Bad names are refused before anything is written.
    let (code, _, err) = reconcile_in(&dir, &["new", "Bad-Name"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[a-z0-9_]+"), "{err}");
    assert!(!dir.join("generated/migrations/0003_Bad-Name").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_man_page_and_version() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, marker) in [
        ("bash", "_reconcile()"),
        ("zsh", "#compdef reconcile"),
        ("fish", "complete -c reconcile"),
    ] {
        let (code, out, err) = reconcile_in(here, &["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("rehash"), "{shell} completes subcommands");
    }
    let (code, out, _) = reconcile_in(here, &["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH reconcile 1"), "{out}");
    let (code, out, _) = reconcile_in(here, &["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("reconcile 0."), "{out}");
    assert!(out.contains("(commit "), "{out}");
}

/// Runs `files` with psql in order, each in one transaction unless its
/// header says it runs outside one (what each tool's own runner does).
fn apply_files(db: &FreshDb, files: &[std::path::PathBuf]) {
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        let single = !text.contains("-- Runs outside a transaction");
        let extra: &[&str] = if single { &["-1"] } else { &[] };
        db.try_psql_file(f, extra, None)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}

fn listed(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| keep(p.file_name().unwrap().to_str().unwrap()))
        .collect();
    v.sort();
    v
}

#[test]
fn exported_layouts_apply_by_their_own_convention_to_the_same_schema() {
    let dir = project();
    let (code, out, err) = reconcile_in(&dir, &["new", "email_index", "--non-transactional"]);
    assert_eq!(code, 0, "{out}{err}");
    let m = dir.join("generated/migrations/0002_email_index");
    write(
        &m.join("up.sql"),
        "CREATE INDEX CONCURRENTLY users_email ON public.users (email);\n",
    );
    write(
        &m.join("down.sql"),
        "DROP INDEX CONCURRENTLY public.users_email;\n",
    );
    let (code, out, err) = reconcile_in(&dir, &["rehash"]);
    assert_eq!(code, 0, "{out}{err}");

    let reference = FreshDb::new("hist_export_ref");
    let (code, out, err) = reconcile_in(
        &dir,
        &["apply", "--no-snapshot", "--database-url", &reference.url],
    );
    assert_eq!(code, 0, "{out}{err}");
    let inspect = |db: &FreshDb| {
        let mut c = db.connect();
        let m = reconcile::catalog::inspect(&mut c, &Default::default()).unwrap();
        serde_json::to_string_pretty(&m).unwrap()
    };
    let want = inspect(&reference);
    assert!(want.contains("users_email"), "{want}");

    for layout in ["supabase", "flyway", "plain"] {
        let out_dir = dir.join("export").join(layout);
        let o = out_dir.to_str().unwrap();
        let (code, out, err) = reconcile_in(&dir, &["export", "--layout", layout, "--out", o]);
        assert_eq!(code, 0, "{out}{err}");
        let ups = match layout {
            "supabase" => listed(&out_dir, |n| n.ends_with(".sql")),
            "flyway" => {
                let mut v = listed(&out_dir, |n| n.starts_with('V') && n.ends_with(".sql"));
                // Flyway orders by version number, not by name.
                v.sort_by_key(|p| {
                    let n = p.file_name().unwrap().to_str().unwrap();
                    n[1..n.find("__").unwrap()].parse::<u32>().unwrap()
                });
                v
            }
            _ => listed(&out_dir, |n| n.ends_with(".up.sql")),
        };
        assert_eq!(ups.len(), 2, "{layout}: {ups:?}");
        let db = FreshDb::new("hist_export");
        apply_files(&db, &ups);
        assert_eq!(inspect(&db), want, "{layout} gives the same schema");
        if layout == "flyway" {
            let conf = out_dir.join("V2__email_index.sql.conf");
            assert_eq!(
                std::fs::read_to_string(conf).unwrap(),
                "executeInTransaction=false\n"
            );
        }
        if layout == "plain" {
            let mut downs = listed(&out_dir, |n| n.ends_with(".down.sql"));
            downs.reverse();
            apply_files(&db, &downs);
            let empty = FreshDb::new("hist_export_empty");
            assert_eq!(inspect(&db), inspect(&empty), "plain downs undo everything");
        }
        // Exporting again changes nothing.
        let before: Vec<_> = listed(&out_dir, |_| true)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        let (code, _, _) = reconcile_in(&dir, &["export", "--layout", layout, "--out", o]);
        assert_eq!(code, 0);
        let after: Vec<_> = listed(&out_dir, |_| true)
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert_eq!(before, after);
    }
    // An edited source is not exported.
    write(&m.join("up.sql"), "SELECT 1;\n");
    let (code, _, err) = reconcile_in(&dir, &["export", "--layout", "plain", "--out", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("0002_email_index/up.sql was edited"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn import_of_the_storage_history_plans_empty_against_its_database() {
    let corpus = support::fixtures().join("corpus/supabase-storage");
    let path = Some("-c search_path=storage,public");
    // The database where the history already ran, file by file with psql.
    let target = FreshDb::new("hist_import_target");
    target.try_psql(plan_support::ROLES).unwrap();
    let order = std::fs::read_to_string(corpus.join("order-all.txt")).unwrap();
    for f in order.lines().filter(|l| !l.trim().is_empty()) {
        target
            .try_psql_file(&corpus.join(f.trim()), &[], path)
            .unwrap_or_else(|e| panic!("{f}: {e}"));
    }
    let dev = FreshDb::new("hist_import_dev");
    dev.try_psql(plan_support::ROLES).unwrap();
    let dir = support::temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let (code, out, err) = reconcile_in(
        &dir,
        &[
            "import",
            corpus.to_str().unwrap(),
            "--from",
            "supabase",
            "--dev-url",
            &dev.url,
            "--search-path",
            "storage, public",
            "--mark-applied",
            "--database-url",
            &target.url,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 63 migration(s)"), "{out}");
    let names = migrations_in(&dir.join("generated/migrations"));
    assert_eq!(names.len(), 63);
    assert_eq!(
        names[9], "0010_search_files_search_function",
        "numeric order"
    );
    assert!(std::fs::read_to_string(
        dir.join("generated/migrations/0029_create_prefixes/metadata.toml")
    )
    .unwrap()
    .contains("imported_from = \"0029-create-prefixes.sql\""));

    // The learned desired state plans empty against the real database, and
    // offline against the imported history's recorded state.
    let (code, out, err) = reconcile_in(&dir, &["plan", "--check", "--database-url", &target.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile_in(&dir, &["plan", "--check"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile_in(&dir, &["status", "--database-url", &target.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !out.contains("pending"),
        "everything is marked applied: {out}"
    );
    // A second import into the same history is refused.
    let (code, _, err) = reconcile_in(
        &dir,
        &[
            "import",
            corpus.to_str().unwrap(),
            "--from",
            "supabase",
            "--dev-url",
            &dev.url,
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already holds migrations"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn migrations_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every file and directory under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()) {
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if p.is_dir() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn a_failed_import_leaves_the_tree_as_it_was_and_can_be_run_again() {
    let history = support::temp_dir();
    write(
        &history.join("20240101000000_a.sql"),
        "CREATE TABLE public.a (id int PRIMARY KEY);\n",
    );
    write(
        &history.join("20240102000000_b.sql"),
        "CREATE TABLE public.b (a_id int REFERENCES public.nope (id));\n",
    );
    let dev = FreshDb::new("hist_imp_dev");
    let target = FreshDb::new("hist_imp_target");
    let dir = support::temp_dir();
    write(&dir.join("README.md"), "mine\n");
    let before = tree(&dir);
    let h = history.to_str().unwrap();
    let import = |url: &str| {
        reconcile_in(
            &dir,
            &[
                "import",
                h,
                "--from",
                "supabase",
                "--dev-url",
                &dev.url,
                "--mark-applied",
                "--database-url",
                url,
            ],
        )
    };
    // A database URL that goes nowhere: found before anything is written.
    let nowhere = "postgres://someone@127.0.0.1:1/none?connect_timeout=2";
    let (code, out, err) = import(nowhere);
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(tree(&dir), before);
    assert_eq!(
        dev.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
        "0",
        "the scratch database is untouched"
    );
    // A history that fails on the scratch database writes no file.
    let (code, out, err) = import(&target.url);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("the history does not run on the scratch database"),
        "{err}"
    );
    assert_eq!(tree(&dir), before);
    // Fixed, it runs again (the scratch database resumes where it
    // stopped), but the target lacks the schema: refused, nothing written,
    // the differences shown.
    write(
        &history.join("20240102000000_b.sql"),
        "CREATE TABLE public.b (a_id int REFERENCES public.a (id));\n",
    );
    let (code, out, err) = import(&target.url);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("does not have the schema the history builds"),
        "{err}"
    );
    assert!(out.contains("missing: create table public.a"), "{out}");
    assert_eq!(tree(&dir), before);
    assert_eq!(
        target.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'reconcile'"),
        "0",
        "nothing recorded"
    );
    // Where the history ran, it is adopted.
    target
        .try_psql(
            "CREATE TABLE public.a (id int PRIMARY KEY);\n\
             CREATE TABLE public.b (a_id int REFERENCES public.a (id));",
        )
        .unwrap();
    let (code, out, err) = import(&target.url);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported 2 migration(s)"), "{out}");
    let after = tree(&dir);
    assert!(
        after.contains(&"generated/migrations/0002_b/up.sql".to_string()),
        "{after:?}"
    );
    assert!(
        after
            .iter()
            .any(|p| p.starts_with("schema/") && p.ends_with(".yaml")),
        "{after:?}"
    );
    assert!(!after.iter().any(|p| p.contains(".import-")), "{after:?}");
    assert_eq!(
        target.scalar("SELECT string_agg(migration_name || ':' || recorded_as, ',' ORDER BY 1) FROM reconcile.schema_migrations"),
        "0001_a:adopted,0002_b:adopted"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&history).unwrap();
}

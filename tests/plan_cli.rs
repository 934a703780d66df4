//! `reconcile plan` and the migrations it writes: grouping and numbering
//! (pure, with hand-built plans), the layout diesel runs, the sum file,
//! offline state, and the binary's flags and exit codes.

mod support;

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::{sql_query, QueryableByName, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use reconcile::migrations::{self, GroupOptions, Migration};
use reconcile::plan::{Action, Code, Edge, Hazard, MigrationPlan, PlannedStep};

const MANIFEST: &str = env!("CARGO_MANIFEST_DIR");

fn reconcile(args: &[&str]) -> (i32, String, String) {
    support::reconcile_in(std::path::Path::new(MANIFEST), args)
}

fn run_plan(schema: &Path, dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "plan",
        "--schema",
        schema.to_str().unwrap(),
        "--migrations",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    reconcile(&args)
}

fn step(id: &str, action: Action, up: &[&str], down: &[&str]) -> PlannedStep {
    PlannedStep {
        id: reconcile::model::Id::parse(id).expect("an id"),
        action,
        summary: format!("{} {id}", format!("{action:?}").to_lowercase()),
        up: up.iter().map(|s| s.to_string()).collect(),
        down: down.iter().map(|s| s.to_string()).collect(),
        hazards: vec![],
        transactional: true,
        after: vec![],
    }
}

fn hazard(code: Code) -> Hazard {
    Hazard::new(code, format!("{code} happens"))
}

/// Create a table, build an index concurrently, add a foreign key: three
/// migrations, the index alone and outside a transaction.
fn sample_plan() -> MigrationPlan {
    let mut table = step(
        "table:public.t",
        Action::Create,
        &[
            "CREATE TABLE public.t (id integer PRIMARY KEY, p integer);",
            // Records the setting the migration runs under.
            "CREATE TABLE public.seen AS SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout;",
        ],
        &["DROP TABLE public.seen;", "DROP TABLE public.t;"],
    );
    table.summary = "create table public.t".into();
    let mut index = step(
        "index:public.t_p_idx",
        Action::Create,
        &["CREATE INDEX CONCURRENTLY t_p_idx ON public.t USING btree (p);"],
        &["DROP INDEX CONCURRENTLY public.t_p_idx;"],
    );
    index.transactional = false;
    index.hazards = vec![hazard(Code::IndexBuild)];
    index.after = vec![Edge {
        before: reconcile::model::Id::parse("table:public.t").unwrap(),
        reason: "the index is on the table".into(),
    }];
    let mut fk = step(
        "constraint:public.t.t_p_fkey",
        Action::Create,
        &["ALTER TABLE public.t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES public.t(id) NOT VALID;"],
        &["ALTER TABLE public.t DROP CONSTRAINT t_p_fkey;"],
    );
    fk.hazards = vec![hazard(Code::ConstraintScan)];
    fk.after = vec![Edge {
        before: reconcile::model::Id::parse("table:public.t").unwrap(),
        reason: "the key references the table".into(),
    }];
    // Not a `:validate` stage: one step that may share the key's migration.
    let mut validate = step(
        "check:public.t.t_p_fkey",
        Action::Alter,
        &["ALTER TABLE public.t VALIDATE CONSTRAINT t_p_fkey;"],
        &[],
    );
    validate.summary = "alter validate public.t.t_p_fkey".into();
    MigrationPlan {
        steps: vec![table, index, fk, validate],
    }
}

fn options(first: u32, previous: Option<&str>) -> GroupOptions {
    GroupOptions {
        first_number: first,
        previous: previous.map(str::to_string),
        name: None,
        lock_timeout: "5s".into(),
        statement_timeout: "15min".into(),
        state: Some("{}\n".into()),
    }
}

fn statement_count(sql: &str) -> usize {
    pg_query::parse(sql, 0)
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .protobuf
        .stmts
        .len()
}

fn name_ok(name: &str) -> bool {
    let (digits, slug) = name.split_at(4);
    digits.bytes().all(|b| b.is_ascii_digit())
        && slug.starts_with('_')
        && migrations::valid_slug(&slug[1..])
}

#[test]
fn grouping_puts_each_non_transactional_statement_alone() {
    let ms = migrations::from_plan(&sample_plan(), options(3, Some("0002_before"))).unwrap();
    let names: Vec<String> = ms.iter().map(Migration::dir_name).collect();
    assert_eq!(
        names,
        ["0003_create_t", "0004_create_index_t_p_idx", "0005_changes"]
    );
    assert!(names.iter().all(|n| name_ok(n)), "{names:?}");
    let tx: Vec<bool> = ms.iter().map(|m| m.metadata.run_in_transaction).collect();
    assert_eq!(tx, [true, false, true]);
    let depends: Vec<&[String]> = ms.iter().map(|m| &m.metadata.depends[..]).collect();
    assert_eq!(
        depends,
        [
            &["0002_before".to_string()][..],
            &["0003_create_t".to_string()][..],
            &["0004_create_index_t_p_idx".to_string()][..]
        ]
    );
    // The transactional ones start with the timeouts, after the header.
    let body: Vec<&str> = ms[0].up.lines().filter(|l| !l.starts_with("--")).collect();
    assert_eq!(
        &body[..2],
        [
            "SET LOCAL lock_timeout = '5s';",
            "SET LOCAL statement_timeout = '15min';"
        ]
    );
    assert!(ms[0]
        .up
        .starts_with("-- 0003_create_t/up.sql: generated by reconcile"));
    assert_eq!(statement_count(&ms[0].up), 4);
    // The concurrent index: one statement, nothing else, and its own undo.
    assert_eq!(statement_count(&ms[1].up), 1);
    assert!(ms[1].up.contains("CREATE INDEX CONCURRENTLY"));
    assert!(ms[1].up.contains("-- hazards:\n--   yellow index_build:"));
    assert_eq!(statement_count(&ms[1].down), 1);
    assert!(ms[1].down.contains("DROP INDEX CONCURRENTLY"));
    assert_eq!(ms[1].metadata.hazards, ["index_build"]);
    // down.sql undoes the steps in reverse order.
    let down = &ms[0].down;
    let (seen, t) = (
        down.find("DROP TABLE public.seen").unwrap(),
        down.find("DROP TABLE public.t").unwrap(),
    );
    assert!(seen < t, "{down}");
    let down = &ms[2].down;
    assert!(down.find("undo: alter validate").unwrap() < down.find("DROP CONSTRAINT").unwrap());
    // Only the last migration records the state.
    let states: Vec<bool> = ms.iter().map(|m| m.state.is_some()).collect();
    assert_eq!(states, [false, false, true]);
}

#[test]
fn name_sets_the_slug_and_bad_input_is_refused() {
    let mut o = options(1, None);
    o.name = Some("initial".into());
    let ms = migrations::from_plan(&sample_plan(), o.clone()).unwrap();
    let names: Vec<String> = ms.iter().map(Migration::dir_name).collect();
    assert_eq!(names, ["0001_initial", "0002_initial_2", "0003_initial_3"]);
    o.name = Some("Initial-Schema".into());
    assert!(migrations::from_plan(&sample_plan(), o.clone()).is_err());
    let mut o = options(9998, None);
    assert!(
        migrations::from_plan(&sample_plan(), o.clone()).is_err(),
        "past 9999"
    );
    o.first_number = 1;
    o.lock_timeout = "5s'; DROP TABLE x; --".into();
    assert!(migrations::from_plan(&sample_plan(), o.clone()).is_err());
    assert!(
        migrations::from_plan(&MigrationPlan::default(), options(1, None))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn irreversible_steps_are_noted_in_both_scripts() {
    let mut drop = step(
        "column:public.t.note",
        Action::Drop,
        &["ALTER TABLE public.t DROP COLUMN note;"],
        &["ALTER TABLE public.t ADD COLUMN note text;"],
    );
    drop.summary = "drop column public.t.note".into();
    drop.hazards = vec![hazard(Code::DropColumn)];
    let plan = MigrationPlan { steps: vec![drop] };
    let ms = migrations::from_plan(&plan, options(2, Some("0001_a"))).unwrap();
    assert_eq!(ms[0].dir_name(), "0002_alter_t_drop_note");
    for text in [&ms[0].up, &ms[0].down] {
        assert!(
            text.contains("-- irreversible: drop column public.t.note: down.sql restores the structure, not the data."),
            "{text}"
        );
    }
    assert!(ms[0].up.contains("--   red drop_column:"));
}

#[test]
fn numbers_continue_and_migrations_are_never_rewritten() {
    let dir = support::temp_dir().join("migrations");
    let first = migrations::from_plan(&sample_plan(), options(1, None)).unwrap();
    migrations::write_all(&dir, &first).unwrap();
    assert_eq!(migrations::next_number(&dir).unwrap(), 4);
    // A retired number stays taken.
    std::fs::write(dir.join("0004_old.retired"), "").unwrap();
    assert_eq!(migrations::next_number(&dir).unwrap(), 5);
    let existing = migrations::existing(&dir).unwrap();
    assert_eq!(existing.len(), 3);
    let second = migrations::from_plan(
        &sample_plan(),
        options(5, existing.last().map(String::as_str)),
    )
    .unwrap();
    assert_eq!(second[0].dir_name(), "0005_create_t");
    migrations::write_all(&dir, &second).unwrap();
    migrations::sum::verify(&dir).unwrap();
    // Writing different content under an existing name is refused, and the
    // files stay as they were.
    let before = std::fs::read(dir.join("0001_create_t/up.sql")).unwrap();
    let mut changed = first[0].clone();
    changed.up.push_str("SELECT 1;\n");
    let err = migrations::write_all(&dir, &[changed]).unwrap_err();
    assert!(err.contains("never rewritten"), "{err}");
    assert_eq!(
        std::fs::read(dir.join("0001_create_t/up.sql")).unwrap(),
        before
    );
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn sum_covers_the_state_file() {
    let dir = support::temp_dir().join("migrations");
    let ms = migrations::from_plan(&sample_plan(), options(1, None)).unwrap();
    migrations::write_all(&dir, &ms).unwrap();
    let sum = std::fs::read_to_string(dir.join("reconcile.sum")).unwrap();
    assert!(sum.contains("0003_changes/state.json h1:"), "{sum}");
    std::fs::write(dir.join("0003_changes/state.json"), "{\"tables\":{}}\n").unwrap();
    let err = migrations::sum::verify(&dir).unwrap_err();
    assert!(err.contains("0003_changes/state.json was edited"), "{err}");
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    lock_timeout: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    statement_timeout: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn diesel_reads_runs_and_reverts_the_layout() {
    let dir = support::temp_dir().join("migrations");
    let ms = migrations::from_plan(&sample_plan(), options(1, None)).unwrap();
    migrations::write_all(&dir, &ms).unwrap();
    let source = FileBasedMigrations::from_path(&dir).expect("diesel reads the directory");
    let listed = diesel::migration::MigrationSource::<Pg>::migrations(&source)
        .expect("diesel parses every metadata.toml");
    assert_eq!(listed.len(), 3);

    let db = support::FreshDb::new("mf_diesel");
    let mut conn = db.connect();
    let ran = conn
        .run_pending_migrations(source.clone())
        .expect("diesel runs the migrations, the concurrent index outside a transaction");
    assert_eq!(ran.len(), 3);
    // SET LOCAL held inside the migration's transaction...
    let seen: Vec<Setting> = sql_query("SELECT lock_timeout, statement_timeout FROM public.seen")
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        (
            seen[0].lock_timeout.as_str(),
            seen[0].statement_timeout.as_str()
        ),
        ("5s", "15min")
    );
    // ...and did not leak into the session afterwards.
    let now: Vec<Setting> = sql_query(
        "SELECT current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(now[0].lock_timeout, "0");
    let valid: Vec<Count> = sql_query(
        "SELECT count(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname = 't_p_idx' AND i.indisvalid",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(valid[0].n, 1);
    conn.revert_all_migrations(source)
        .expect("diesel reverts through every down.sql");
    let left: Vec<Count> =
        sql_query("SELECT count(*) AS n FROM pg_class WHERE relname IN ('t', 'seen', 't_p_idx')")
            .load(&mut conn)
            .unwrap();
    assert_eq!(left[0].n, 0);
    conn.batch_execute("SELECT 1").unwrap();
    drop(conn);
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn state_round_trips_the_bundled_example() {
    let loaded = reconcile::model::load::load(&Path::new(MANIFEST).join("schema")).unwrap();
    let text = migrations::render_state(&loaded).unwrap();
    let back = migrations::state::parse_state(&text, "state.json").unwrap();
    assert_eq!(back, reconcile::model::write::sorted(&loaded));
    assert_eq!(
        migrations::render_state(&back).unwrap(),
        text,
        "deterministic"
    );
}

// ---- the binary ----

/// A one-table schema in a fresh directory; returns (root, schema dir, migrations dir).
fn project(yaml: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = support::temp_dir();
    let schema = root.join("schema");
    std::fs::create_dir_all(&schema).unwrap();
    std::fs::write(schema.join("t.yaml"), yaml).unwrap();
    (root.clone(), schema, root.join("migrations"))
}

const ONE_TABLE: &str = "tables:\n  public.t:\n    columns:\n      id: { type: integer, nullable: false }\n    primary_key: [id]\n";
const WITH_NOTE: &str = "tables:\n  public.t:\n    columns:\n      id: { type: integer, nullable: false }\n      note: text\n    primary_key: [id]\n    indexes:\n      t_note_idx: { columns: [note] }\n";

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn sum_mismatch_refuses_naming_the_file() {
    let (root, schema, dir) = project(ONE_TABLE);
    let ms = migrations::from_plan(&sample_plan(), options(1, None)).unwrap();
    migrations::write_all(&dir, &ms).unwrap();
    std::fs::write(
        dir.join("0002_create_index_t_p_idx/down.sql"),
        "SELECT 1;\n",
    )
    .unwrap();
    for extra in [&[][..], &["--check"][..], &["--dry-run"][..]] {
        let (code, out, err) = run_plan(&schema, &dir, extra);
        assert_eq!(code, 2, "{extra:?}: {out}{err}");
        assert!(
            err.contains("0002_create_index_t_p_idx/down.sql was edited"),
            "{err}"
        );
    }
    let (code, _, _) = reconcile(&["verify", "--migrations", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    // A missing sum file is a mismatch too.
    std::fs::remove_file(dir.join("reconcile.sum")).unwrap();
    let (code, _, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("reconcile.sum"), "{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn offline_plan_needs_the_last_state() {
    let (root, schema, dir) = project(ONE_TABLE);
    let mut ms = migrations::from_plan(&sample_plan(), options(1, None)).unwrap();
    ms.last_mut().unwrap().state = None;
    migrations::write_all(&dir, &ms).unwrap();
    let (code, _, err) = run_plan(&schema, &dir, &["--dry-run"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("0003_changes/state.json is missing") && err.contains("--database-url"),
        "{err}"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_flags_exit_2_before_anything_is_written() {
    let (root, schema, dir) = project(ONE_TABLE);
    for extra in [
        &["--name", "Bad Name"][..],
        &["--lock-timeout", "5s'; DROP TABLE t; --"][..],
        &["--statement-timeout", "soon"][..],
        &["--format", "yaml"][..],
        &["--graph", "svg"][..],
        &["--schemas", "public"][..],
    ] {
        let (code, out, err) = run_plan(&schema, &dir, extra);
        assert_eq!(code, 2, "{extra:?}: {out}{err}");
    }
    assert!(!dir.exists());
    std::fs::remove_dir_all(&root).unwrap();
}

// The tests below need the diff planner (`plan::plan_migration`).

#[test]
fn check_dry_run_write_and_offline_state_round_trip() {
    let (root, schema, dir) = project(ONE_TABLE);
    // Changes not yet in a migration: --check exits 1, --dry-run prints; neither writes.
    let (code, out, err) = run_plan(&schema, &dir, &["--check"]);
    assert_eq!(code, 1, "{out}{err}");
    let (code, out, err) = run_plan(&schema, &dir, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE TABLE public.t"), "{out}");
    assert!(out.contains("Would write:"), "{out}");
    assert!(!dir.exists(), "--check and --dry-run write nothing");

    let (code, out, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(migrations::existing(&dir).unwrap(), ["0001_create_t"]);
    assert!(dir.join("0001_create_t/state.json").exists());
    assert!(out.contains("Wrote:") && out.contains("+ "), "{out}");

    // The recorded state equals the schema: nothing more to do, offline.
    let (code, out, err) = run_plan(&schema, &dir, &["--check"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 0);
    assert!(out.contains("No changes"), "{out}");
    assert_eq!(migrations::existing(&dir).unwrap().len(), 1);

    // An added column and index: new migrations after 0001; the index, if
    // built concurrently, alone and outside a transaction.
    std::fs::write(schema.join("t.yaml"), WITH_NOTE).unwrap();
    let (code, _, _) = run_plan(&schema, &dir, &["--check"]);
    assert_eq!(code, 1);
    let (code, out, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let names = migrations::existing(&dir).unwrap();
    assert!(
        names.len() >= 2 && names[1].starts_with("0002_"),
        "{names:?}"
    );
    for name in &names[1..] {
        let meta = std::fs::read_to_string(dir.join(name).join("metadata.toml")).unwrap();
        let up = std::fs::read_to_string(dir.join(name).join("up.sql")).unwrap();
        if meta.contains("run_in_transaction = false") {
            assert_eq!(statement_count(&up), 1, "{name}: {up}");
        } else {
            assert!(up.contains("SET LOCAL lock_timeout = '5s';"), "{up}");
        }
    }
    let (code, _, _) = run_plan(&schema, &dir, &["--check"]);
    assert_eq!(code, 0, "the state after the new migrations matches");
    let (code, _, _) = reconcile(&["verify", "--migrations", dir.to_str().unwrap()]);
    assert_eq!(code, 0);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn same_inputs_give_byte_identical_files() {
    let (root, schema, _) = project(WITH_NOTE);
    let (a, b) = (root.join("a"), root.join("b"));
    for dir in [&a, &b] {
        // The time a migration is written at is one of its inputs.
        let args = [
            "plan",
            "--schema",
            schema.to_str().unwrap(),
            "--migrations",
            dir.to_str().unwrap(),
            "--name",
            "initial",
        ];
        let (code, out, err) = support::reconcile_env(
            Path::new(MANIFEST),
            &args,
            &[("SOURCE_DATE_EPOCH", "1780000000")],
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let (ta, tb) = (tree(&a), tree(&b));
    assert!(!ta.is_empty());
    assert!(ta == tb, "two runs differ");
    assert!(ta.iter().any(|(p, _)| p.starts_with("0001_initial/")));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn json_output_shape() {
    let (root, schema, dir) = project(WITH_NOTE);
    let (code, out, err) = run_plan(&schema, &dir, &["--dry-run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["from"], "empty");
    assert_eq!(v["changes"], true);
    assert_eq!(v["written"], false);
    assert_eq!(v["refused"], false);
    assert!(["green", "yellow", "red"].contains(&v["level"].as_str().unwrap()));
    let steps = v["plan"]["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["id"].is_string()
        && s["up"].is_array()
        && s["hazards"].is_array()
        && s["after"].is_array()));
    assert!(v["hazards"].is_array() && v["irreversible"].is_array());
    let names: Vec<&str> = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| name_ok(n)),
        "{names:?}"
    );
    assert!(!dir.exists());
    // --format sql is the raw up script of the same migrations.
    let (code, sql, _) = run_plan(&schema, &dir, &["--dry-run", "--format", "sql"]);
    assert_eq!(code, 0);
    assert!(sql.starts_with(&format!("-- {}/up.sql", names[0])), "{sql}");
    // --graph draws the steps, --explain labels the edges; nothing written.
    let (code, dot, _) = run_plan(&schema, &dir, &["--graph", "dot", "--explain"]);
    assert_eq!(code, 0);
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    let (code, mermaid, _) = run_plan(&schema, &dir, &["--graph", "mermaid"]);
    assert_eq!(code, 0);
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(!dir.exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn destructive_steps_are_refused_unless_allowed() {
    let (root, schema, dir) = project(WITH_NOTE);
    let (code, _, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(schema.join("t.yaml"), ONE_TABLE).unwrap();
    let before = migrations::existing(&dir).unwrap();
    let (code, out, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 5, "dropping a column is red: {out}{err}");
    assert!(err.contains("--allow-destructive"), "{err}");
    assert_eq!(
        migrations::existing(&dir).unwrap(),
        before,
        "nothing written"
    );
    // Naming the object under allow_drop in the desired state is enough.
    std::fs::write(schema.join("drops.yaml"), "allow_drop: [public.t.note]\n").unwrap();
    let (code, out, err) = run_plan(&schema, &dir, &["--dry-run"]);
    assert_eq!(code, 0, "allow_drop names the column: {out}{err}");
    std::fs::write(schema.join("drops.yaml"), "allow_drop: [public.t.other]\n").unwrap();
    let (code, out, err) = run_plan(&schema, &dir, &["--dry-run"]);
    assert_eq!(code, 5, "another name does not allow it: {out}{err}");
    std::fs::remove_file(schema.join("drops.yaml")).unwrap();
    let (code, out, err) = run_plan(&schema, &dir, &["--allow-destructive"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Irreversible"), "{out}");
    let last = migrations::existing(&dir).unwrap().pop().unwrap();
    let down = std::fs::read_to_string(dir.join(last).join("down.sql")).unwrap();
    assert!(down.contains("-- irreversible:"), "{down}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn applied_migrations_converge_with_the_live_database() {
    let (root, schema, dir) = project(WITH_NOTE);
    let (code, out, err) = run_plan(&schema, &dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let db = support::FreshDb::new("mf_converge");
    let mut conn = db.connect();
    let source = FileBasedMigrations::from_path(&dir).unwrap();
    conn.run_pending_migrations(source)
        .expect("diesel runs the generated migrations");
    // diesel's own bookkeeping table is not part of the schema.
    conn.batch_execute("DROP TABLE public.__diesel_schema_migrations")
        .unwrap();
    drop(conn);
    let (code, out, err) = run_plan(
        &schema,
        &dir,
        &["--check", "--database-url", &db.url, "--schemas", "public"],
    );
    assert_eq!(code, 0, "live database matches the schema: {out}{err}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn online_with_schemas_reads_the_database_alongside_and_still_reports_the_schema_first() {
    // With --schemas the live database is read while the files load; a
    // broken schema is still what the user is told about, and nothing is
    // written.
    let (root, schema, dir) =
        project("tables:\n  public.t:\n    columns:\n      id: { type: nosuchtype }\n");
    let db = support::FreshDb::new("mf_early");
    let (code, out, err) = run_plan(
        &schema,
        &dir,
        &["--database-url", &db.url, "--schemas", "public"],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("t.yaml:4:"), "{err}");
    assert!(!dir.exists(), "nothing written");
    // A valid schema against the empty database plans its table.
    std::fs::write(schema.join("t.yaml"), ONE_TABLE).unwrap();
    let (code, out, err) = run_plan(
        &schema,
        &dir,
        &[
            "--dry-run",
            "--database-url",
            &db.url,
            "--schemas",
            "public",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Plan: the live database -> "), "{out}");
    assert!(out.contains("+ create table public.t"), "{out}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn committed_migrations_are_up_to_date() {
    let (code, out, err) = reconcile(&["plan", "--check"]);
    assert_eq!(
        code, 0,
        "schema/ has changes not in generated/migrations: run `cargo run -- plan --name initial`\n{out}{err}"
    );
}

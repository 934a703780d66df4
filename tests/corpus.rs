//! Round trip on every real corpus: load it into database A, baseline A
//! (model + files + `0001_baseline/up.sql`), apply up.sql to an empty
//! database B; A and B must introspect equal, dump equal, and the written
//! files must load back to the same model.

mod support;

use std::path::PathBuf;

use reconcile::catalog::{self, InspectOptions};
use reconcile::model::{self, Database};
use support::{line_diff, FreshDb as TestDb};

#[derive(Clone, Copy, PartialEq)]
enum Shim {
    None,
    Default,
}

struct Corpus {
    dir: &'static str,
    order: &'static str,
    shim: Shim,
    pgoptions: Option<&'static str>,
    /// pg_dump lines allowed to exist only in A, each with the reason: objects
    /// the model does not cover yet. They are also reported as unmanaged.
    known_gaps: &'static [(&'static str, &'static str)],
}

const STORAGE_PATH: Option<&str> = Some("-c search_path=storage,public");

fn corpus_dir(dir: &str) -> PathBuf {
    support::fixtures().join("corpus").join(dir)
}

fn apply_corpus(db: &TestDb, c: &Corpus) {
    let shim = support::fixtures().join("corpus/supabase_shim.sql");
    match c.shim {
        Shim::None => {}
        Shim::Default => db.psql_file(&shim, &[], None),
    }
    let dir = corpus_dir(c.dir);
    let order = std::fs::read_to_string(dir.join(c.order)).expect("order file");
    for f in order.lines().map(str::trim).filter(|l| !l.is_empty()) {
        db.try_psql_file(&dir.join(f), &[], c.pgoptions)
            .unwrap_or_else(|e| panic!("corpus {} file {f} does not apply: {e}", c.dir));
    }
}

/// Every schema of the database, Supabase's (the shim's) included: the
/// round trip rebuilds all of it on an empty database.
fn inspect(db: &TestDb) -> Database {
    let schemas = db.scalar(
        "SELECT string_agg(nspname, ',') FROM pg_namespace
          WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'reconcile')
            AND nspname NOT LIKE 'pg\\_%'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                              AND d.objid = pg_namespace.oid AND d.deptype = 'e')",
    );
    let opts = InspectOptions {
        schemas: Some(schemas.split(',').map(str::to_string).collect()),
        ..InspectOptions::default()
    };
    let mut conn = catalog::connect(&db.url).expect("connect");
    let m = catalog::inspect(&mut conn, &opts).expect("inspect");
    model::write::sorted(&m)
}

fn yaml(db: &Database) -> String {
    serde_saphyr::to_string(db).unwrap()
}

/// pg_dump output reduced to its statements' lines, sorted, so two databases
/// built in different orders compare equal.
fn dump_lines(text: &str) -> Vec<String> {
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

fn round_trip(c: &Corpus) {
    let a = TestDb::new("corpus_a");
    apply_corpus(&a, c);
    let model_a = inspect(&a);
    assert!(
        !model_a.tables.is_empty(),
        "corpus {} introspected no tables",
        c.dir
    );

    // The files baseline writes load back to the same model.
    let files = model::write::to_files(&model_a).unwrap();
    let out = support::temp_dir();
    model::write::write_files(&files, &out, false).unwrap();
    let loaded = model::load::load(&out)
        .unwrap_or_else(|e| panic!("baseline files of {} do not load:\n{e}", c.dir));
    // The parse cache, written then read, gives the same model.
    let cache = support::temp_dir();
    for pass in ["writing", "reading", "reading again"] {
        let (cached, _) = model::load::load_cached(&out, Some(&cache), 0)
            .unwrap_or_else(|e| panic!("{}: {pass} the parse cache:\n{e}", c.dir));
        assert!(
            cached == loaded,
            "{}: {pass} the parse cache changed the model",
            c.dir
        );
    }
    let opts = reconcile::plan::PlanOptions::default();
    let empty = Database::default();
    let kept = reconcile::plan::plan_migration(&empty, &loaded, &opts).unwrap();
    // Unexplained, the same steps in the same order, with no reasons.
    let mut bare = reconcile::plan::changes(&empty, &loaded, &opts)
        .and_then(|c| c.order_explained(false))
        .unwrap();
    assert!(bare.steps.iter().all(|s| s.after.is_empty()));
    assert!(kept.steps.iter().any(|s| !s.after.is_empty()), "{}", c.dir);
    bare.steps
        .iter_mut()
        .zip(&kept.steps)
        .for_each(|(b, k)| b.after = k.after.clone());
    assert!(kept == bare, "{}: the unexplained plan differs", c.dir);
    let loaded = model::write::sorted(&loaded);
    let mut expected = model_a.clone();
    expected.unmanaged.clear();
    assert!(
        loaded == expected,
        "files of {} load to a different model:\n{}",
        c.dir,
        line_diff(&yaml(&expected), &yaml(&loaded))
    );
    // So do the SQL files of `baseline --format sql`.
    let sql_out = support::temp_dir();
    let sql_files = reconcile::plan::files::sql_files(&model_a).unwrap();
    model::write::write_files(&sql_files, &sql_out, false).unwrap();
    let from_sql = model::load::load(&sql_out)
        .unwrap_or_else(|e| panic!("SQL baseline files of {} do not load:\n{e}", c.dir));
    let from_sql = model::write::sorted(&from_sql);
    assert!(
        from_sql == expected,
        "SQL files of {} load to a different model:\n{}",
        c.dir,
        line_diff(&yaml(&expected), &yaml(&from_sql))
    );
    let _ = std::fs::remove_dir_all(&sql_out);
    // Baseline is deterministic.
    assert_eq!(
        model::write::to_files(&inspect(&a)).unwrap(),
        files,
        "second baseline of {} differs",
        c.dir
    );
    let _ = std::fs::remove_dir_all(&out);

    // up.sql rebuilds the same schema on an empty database.
    let up = reconcile::plan::create_script(&model_a).unwrap();
    let b = TestDb::new("corpus_b");
    if matches!(c.shim, Shim::Default) {
        // Supabase's own publication: the model adds tables to it (it is
        // external), the platform makes it.
        b.try_psql("CREATE PUBLICATION supabase_realtime;").unwrap();
    }
    b.try_psql(&up).unwrap_or_else(|e| {
        panic!(
            "0001_baseline/up.sql of {} fails on an empty database: {e}",
            c.dir
        )
    });
    let mut model_b = inspect(&b);
    let mut model_a_cmp = model_a.clone();
    model_a_cmp.unmanaged.clear();
    model_b.unmanaged.clear();
    assert!(
        model_a_cmp == model_b,
        "{}: B differs from A:\n{}",
        c.dir,
        line_diff(&yaml(&model_a_cmp), &yaml(&model_b))
    );

    let (da, db) = (dump_lines(&a.dump()), dump_lines(&b.dump()));
    let gap = |l: &String| c.known_gaps.iter().any(|(p, _)| l.contains(p));
    let only_a: Vec<&String> = da.iter().filter(|l| !db.contains(l) && !gap(l)).collect();
    let only_b: Vec<&String> = db.iter().filter(|l| !da.contains(l)).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "{}: pg_dump of A and B differ\nonly in A:\n{}\nonly in B:\n{}",
        c.dir,
        only_a
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        only_b
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}

#[test]
fn corpus_basejump() {
    round_trip(&Corpus {
        dir: "basejump",
        order: "order.txt",
        shim: Shim::Default,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_nextjs_subscription_payments() {
    round_trip(&Corpus {
        dir: "nextjs-subscription-payments",
        order: "order.txt",
        shim: Shim::Default,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_supabase_storage() {
    round_trip(&Corpus {
        dir: "supabase-storage",
        order: "order.txt",
        shim: Shim::None,
        pgoptions: STORAGE_PATH,
        known_gaps: &[],
    });
}

#[test]
fn corpus_supabase_storage_all() {
    round_trip(&Corpus {
        dir: "supabase-storage",
        order: "order-all.txt",
        shim: Shim::None,
        pgoptions: STORAGE_PATH,
        known_gaps: &[],
    });
}

#[test]
fn corpus_example_todo_list() {
    round_trip(&Corpus {
        dir: "supabase-examples/todo-list",
        order: "order.txt",
        shim: Shim::Default,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_example_user_management() {
    round_trip(&Corpus {
        dir: "supabase-examples/user-management",
        order: "order.txt",
        shim: Shim::Default,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_example_slack_clone() {
    round_trip(&Corpus {
        dir: "supabase-examples/slack-clone",
        order: "order.txt",
        shim: Shim::Default,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_pagila() {
    round_trip(&Corpus {
        dir: "pagila",
        order: "order.txt",
        shim: Shim::None,
        pgoptions: None,
        known_gaps: &[],
    });
}

#[test]
fn corpus_danbooru() {
    round_trip(&Corpus {
        dir: "danbooru",
        order: "order.txt",
        shim: Shim::None,
        pgoptions: None,
        // The lines of danbooru's one CREATE OPERATOR statement.
        known_gaps: &[
            (
                "OPERATOR public.~<<",
                "user-defined operators are not in the model yet; reported as unmanaged",
            ),
            (
                "FUNCTION = public.reverse_textregexeq",
                "part of the CREATE OPERATOR above",
            ),
            ("LEFTARG = text", "part of the CREATE OPERATOR above"),
            ("RIGHTARG = text", "part of the CREATE OPERATOR above"),
        ],
    });
}

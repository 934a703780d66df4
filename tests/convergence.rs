//! Convergence on a real server: generated pairs of models (property
//! test), every corpus planned from empty plus hand edits, and the bundled
//! example as users write it.

mod plan_support;
mod support;

use indexmap::IndexMap;
use plan_support::*;
use proptest::prelude::*;
use reconcile::diff::DiffOptions;
use reconcile::model::{
    self, Column, Database, Index, IndexElem, Policy, PolicyCommand, PrimaryKey, RowLevelSecurity,
    Table,
};
use reconcile::plan::{plan_migration, PlanOptions};
use support::FreshDb;

const NAMES: &[&str] = &[
    "id",
    "name",
    "Mixed Case",
    "select",
    "bıgınt",
    "a.b",
    "x\"y",
    "qty",
];
/// Pairs a column type may change between (castable on empty tables).
const TYPES: &[(&str, &str)] = &[
    ("integer", "bigint"),
    ("text", "character varying(20)"),
    ("numeric(10,2)", "numeric(12,2)"),
    ("boolean", "boolean"),
    ("timestamp with time zone", "timestamp without time zone"),
];

#[derive(Debug, Clone)]
struct ColGen {
    ty: usize,
    nullable: bool,
    default: bool,
    comment: Option<String>,
    reader: bool,
}

fn col_gen() -> impl Strategy<Value = ColGen> {
    (
        0..TYPES.len(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[a-z ]{1,8}"),
        any::<bool>(),
    )
        .prop_map(|(ty, nullable, default, comment, reader)| ColGen {
            ty,
            nullable,
            default,
            comment,
            reader,
        })
}

fn column(g: &ColGen, second: bool) -> Column {
    let pair = TYPES[g.ty];
    let ty = if second { pair.1 } else { pair.0 };
    let default = g.default.then(|| match ty {
        "integer" | "bigint" | "numeric(10,2)" | "numeric(12,2)" => "7".to_string(),
        "text" => "'it''s'::text".to_string(),
        "character varying(20)" => "'v'::character varying".to_string(),
        "boolean" => "true".to_string(),
        _ => "now()".to_string(),
    });
    let mut grants = IndexMap::new();
    if g.reader {
        grants.insert("pl_reader".to_string(), vec!["select".to_string()]);
    }
    let mut c = Column {
        type_: ty.to_string(),
        nullable: g.nullable,
        default,
        ..Default::default()
    };
    c.comment = g.comment.clone();
    c.grants = grants;
    c
}

/// One table in two versions: the generator draws both sides' settings.
#[derive(Debug, Clone)]
struct TableGen {
    cols: Vec<(usize, ColGen, ColGen, u8)>,
    flags: [bool; 12],
    comment: (Option<String>, Option<String>),
}

fn table_gen() -> impl Strategy<Value = TableGen> {
    (
        proptest::collection::vec((0..NAMES.len(), col_gen(), col_gen(), 0u8..4), 1..5),
        proptest::array::uniform12(any::<bool>()),
        (
            proptest::option::of("[a-z]{1,6}"),
            proptest::option::of("[a-z]{1,6}"),
        ),
    )
        .prop_map(|(cols, flags, comment)| TableGen {
            cols,
            flags,
            comment,
        })
}

/// Side `second` of a generated table. Column presence: 0 both, 1 only A,
/// 2 only B, 3 both with B's settings from the second draw.
fn build(t: &TableGen, i: usize, second: bool) -> Table {
    let f = |k: usize| t.flags[k] ^ (second && t.flags[k + 6]);
    let mut out = Table {
        comment: if second {
            t.comment.1.clone()
        } else {
            t.comment.0.clone()
        },
        ..Default::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for (n, a, b, presence) in &t.cols {
        let name = NAMES[*n].to_string();
        // The first entry of a name decides it on both sides.
        if !seen.insert(name.clone()) {
            continue;
        }
        let c = match (presence, second) {
            (1, true) | (2, false) => continue,
            // Same type family, so the change is castable.
            (3, true) => column(
                &ColGen {
                    ty: a.ty,
                    ..b.clone()
                },
                true,
            ),
            (0, true) => column(a, true),
            _ => column(a, false),
        };
        out.columns.insert(name, c);
    }
    if out.columns.is_empty() {
        // A name the list never uses, so it never meets a listed column.
        out.columns
            .insert("only col".into(), column(&t.cols[0].1, second));
    }
    let first = out.columns.keys().next().unwrap().clone();
    let last = out.columns.keys().last().unwrap().clone();
    if f(0) {
        out.columns[&first].nullable = false;
        out.primary_key = Some(PrimaryKey {
            columns: vec![first.clone()],
            ..Default::default()
        });
    }
    if f(1) {
        let elem = IndexElem {
            column: Some(last.clone()),
            ..Default::default()
        };
        out.indexes.insert(
            format!("Idx {i}"),
            Index {
                columns: vec![elem],
                ..Default::default()
            },
        );
    }
    if f(2) {
        out.row_level_security = RowLevelSecurity {
            enabled: true,
            forced: f(3),
        };
    }
    if f(4) {
        let using = if f(5) { "true" } else { "false" };
        let p = Policy {
            command: PolicyCommand::Select,
            using: Some(using.into()),
            to: if f(3) {
                vec!["pl_reader".into()]
            } else {
                vec![]
            },
            ..Default::default()
        };
        out.policies.insert("read all".into(), p);
    }
    if f(5) {
        out.grants
            .insert("pl_writer".into(), vec!["select".into(), "insert".into()]);
    }
    out
}

/// Objects beyond tables, drawn per side: an enum used by a column, a
/// function used by a column default, a view over the first table's
/// columns and a view over that view. Each can appear, vanish or change,
/// so ordering across kinds (default before function drop, views around a
/// column type change) is exercised.
#[derive(Debug, Clone)]
struct Extras {
    /// Enum values on each side (0: no enum); B keeps A's as a prefix.
    enum_values: (usize, usize),
    enum_column: bool,
    /// Function present, and its body variant, per side.
    function: (Option<bool>, Option<bool>),
    /// Column default calls the function, per side.
    function_default: (bool, bool),
    /// Column mask of the view over the first table (0: no view).
    view: (u8, u8),
    view_over_view: (bool, bool),
}

fn extras_gen() -> impl Strategy<Value = Extras> {
    (
        (0usize..4, 0usize..4),
        any::<bool>(),
        (
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
        (any::<bool>(), any::<bool>()),
        (0u8..16, 0u8..16),
        (any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(enum_values, enum_column, function, function_default, view, view_over_view)| {
                let (a, b) = enum_values;
                Extras {
                    enum_values: (a, if a > 0 && b > 0 { a.max(b) } else { b }),
                    enum_column,
                    function,
                    function_default,
                    view,
                    view_over_view,
                }
            },
        )
}

/// The enum as SQL (column types) and as a model key.
const ENUM: &str = "public.\"Mood\"";
const ENUM_KEY: &str = "public.Mood";
const ENUM_VALUES: &[&str] = &["ok", "it's", "Meh"];

fn add_extras(db: &mut Database, x: &Extras, second: bool, first_table: Option<(&str, &str)>) {
    let pick = |p: (bool, bool)| if second { p.1 } else { p.0 };
    let (n_values, both_enums) = (
        if second {
            x.enum_values.1
        } else {
            x.enum_values.0
        },
        x.enum_values.0 > 0 && x.enum_values.1 > 0,
    );
    if n_values > 0 {
        db.enums.insert(
            ENUM_KEY.into(),
            model::EnumType {
                values: ENUM_VALUES[..n_values]
                    .iter()
                    .map(|v| (*v).into())
                    .collect(),
                ..Default::default()
            },
        );
    }
    let function = if second { x.function.1 } else { x.function.0 };
    if let Some(variant) = function {
        db.functions.insert(
            "public.seven()".into(),
            model::Function {
                returns: Some("integer".into()),
                language: "sql".into(),
                body: if variant { "SELECT 7" } else { "SELECT 8" }.into(),
                volatility: model::Volatility::Immutable,
                ..Default::default()
            },
        );
    }
    let Some((key, first_sql)) = first_table else {
        return;
    };
    let table = db.tables.get_mut(key).unwrap();
    if x.enum_column && both_enums {
        table.columns.insert(
            "mood".into(),
            Column {
                type_: ENUM.into(),
                ..Default::default()
            },
        );
    }
    let default = (function.is_some() && pick(x.function_default)).then(|| "public.seven()".into());
    table.columns.insert(
        "n".into(),
        Column {
            type_: "integer".into(),
            default,
            ..Default::default()
        },
    );
    let mask = if second { x.view.1 } else { x.view.0 };
    if mask == 0 {
        return;
    }
    let names: Vec<&String> = table.columns.keys().collect();
    let mut cols: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << (i % 4)) != 0)
        .map(|(_, n)| model::name::quote_ident(n))
        .collect();
    if cols.is_empty() {
        cols.push(model::name::quote_ident(names[0]));
    }
    let first_col = cols[0].clone();
    db.views.insert(
        "public.V all".into(),
        model::View {
            definition: format!("SELECT {} FROM {}", cols.join(", "), first_sql),
            ..Default::default()
        },
    );
    if pick(x.view_over_view) {
        db.views.insert(
            "public.w".into(),
            model::View {
                definition: format!("SELECT {first_col} FROM public.\"V all\""),
                ..Default::default()
            },
        );
    }
}

fn pair() -> impl Strategy<Value = (Database, Database)> {
    (
        proptest::collection::vec((table_gen(), 0u8..3), 1..4),
        extras_gen(),
    )
        .prop_map(|(tables, extras)| {
            let mut dbs = [Database::default(), Database::default()];
            for (side, db) in dbs.iter_mut().enumerate() {
                let second = side == 1;
                db.schemas.insert("My Schema".into(), Default::default());
                let mut public = model::SchemaDef {
                    owner: Some("pg_database_owner".into()),
                    comment: Some("standard public schema".into()),
                    ..Default::default()
                };
                public.grants.insert("public".into(), vec!["usage".into()]);
                db.schemas.insert("public".into(), public);
                let mut first = None;
                for (i, (t, presence)) in tables.iter().enumerate() {
                    // Table presence: 0 both, 1 only A, 2 only B.
                    if (*presence == 1 && second) || (*presence == 2 && !second) {
                        continue;
                    }
                    let schema = ["public", "My Schema"][i % 2];
                    let key = model::QualifiedName::new(schema, format!("T{i} tbl")).to_string();
                    if i == 0 {
                        let q = model::QualifiedName::new(schema, format!("T{i} tbl"));
                        first = Some((key.clone(), q.sql()));
                    }
                    db.tables.insert(key, build(t, i, second));
                }
                let first = first.as_ref().map(|(k, q)| (k.as_str(), q.as_str()));
                add_extras(db, &extras, second, first);
            }
            let [a, b] = dbs;
            (a, b)
        })
}

fn converges((a, b): (Database, Database)) -> Result<(), TestCaseError> {
    let opts = PlanOptions {
        diff: DiffOptions {
            allow_drop_add: true,
            ..DiffOptions::default()
        },
        ..PlanOptions::default()
    };
    converge_with("", &a, &b, &opts)
        .map(|_| ())
        .map_err(TestCaseError::fail)
}

// 8 x 32 = 256 cases a run, split so nextest runs them in parallel.
proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn generated_pairs_converge_1(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_2(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_3(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_4(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_5(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_6(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_7(p in pair()) { converges(p)?; }
    #[test]
    fn generated_pairs_converge_8(p in pair()) { converges(p)?; }
}

// ---- corpora ----

fn corpus_dir(dir: &str) -> std::path::PathBuf {
    support::fixtures().join("corpus").join(dir)
}

fn shim() -> String {
    std::fs::read_to_string(support::fixtures().join("corpus/supabase_shim.sql")).unwrap()
}

/// Applies a corpus (shim first when asked) and introspects it.
fn corpus_model(dir: &str, with_shim: bool, pgoptions: Option<&str>) -> Database {
    corpus_model_in(dir, "order.txt", with_shim, pgoptions)
}

fn corpus_model_in(dir: &str, order: &str, with_shim: bool, pgoptions: Option<&str>) -> Database {
    let db = FreshDb::new("cp_corpus");
    db.try_psql(ROLES).unwrap();
    if with_shim {
        db.try_psql(&shim()).unwrap();
    }
    let d = corpus_dir(dir);
    let order = std::fs::read_to_string(d.join(order)).unwrap();
    for f in order.lines().map(str::trim).filter(|l| !l.is_empty()) {
        db.try_psql_file(&d.join(f), &[], pgoptions)
            .unwrap_or_else(|e| panic!("{dir}/{f}: {e}"));
    }
    inspect(&db)
}

/// A fresh database holding the setup and then `want`, built by the
/// planner from empty; returns the plan.
fn build_from_empty(
    dir: &str,
    setup: &str,
    want: &Database,
) -> (FreshDb, Database, reconcile::plan::MigrationPlan) {
    let db = FreshDb::new("cp_corpus");
    let empty = make_a(&db, setup, &Database::default());
    let plan = plan_migration(&empty, want, &opts()).unwrap_or_else(|e| panic!("{dir}: {e}"));
    db.try_psql(&up_script(&plan))
        .unwrap_or_else(|e| panic!("{dir}: up fails: {e}\n{}", show(&plan)));
    (db, empty, plan)
}

/// From an empty database (with the shim) to the corpus: applies, and
/// planning again is empty. Then each edit converges both ways.
fn corpus(dir: &str, with_shim: bool, pgoptions: Option<&str>, edits: &[&dyn Fn(&mut Database)]) {
    let want = corpus_model(dir, with_shim, pgoptions);
    let setup = if with_shim { shim() } else { String::new() };
    let started = std::time::Instant::now();
    let (db, empty, plan) = build_from_empty(dir, &setup, &want);
    let again = plan_migration(&inspect(&db), &want, &opts()).unwrap();
    assert!(
        again.is_empty(),
        "{dir}: plan after up is not empty:\n{}",
        show(&again)
    );
    eprintln!(
        "{dir}: {} steps from empty, {:?}",
        plan.steps.len(),
        started.elapsed()
    );
    for (i, edit) in edits.iter().enumerate() {
        let mut b = want.clone();
        edit(&mut b);
        assert!(b != want, "{dir}: edit {i} changes nothing");
        // converge_on leaves the database back in state A, so one build serves every edit.
        let plan = converge_on(&db, &b, &opts()).unwrap_or_else(|e| panic!("{dir}: edit {i}: {e}"));
        assert!(!plan.is_empty());
        eprintln!("{dir}: edit {i}: {} steps", plan.steps.len());
    }
    db.try_psql(&down_script(&plan))
        .unwrap_or_else(|e| panic!("{dir}: down fails: {e}"));
    assert!(
        inspect(&db) == empty,
        "{dir}: down does not restore the empty database"
    );
    eprintln!("{dir}: done in {:?}", started.elapsed());
}

fn first_table_with(db: &mut Database, f: impl Fn(&Table) -> bool) -> &mut Table {
    let key = db
        .tables
        .iter()
        .filter(|(k, t)| !k.starts_with("auth.") && f(t))
        .map(|(k, _)| k.clone())
        .next()
        .expect("a table that fits the edit");
    db.tables.get_mut(&key).unwrap()
}

fn add_column(db: &mut Database) {
    let t = first_table_with(db, |_| true);
    t.columns.insert(
        "added note".into(),
        Column {
            type_: "text".into(),
            nullable: true,
            ..Default::default()
        },
    );
}

fn add_index(db: &mut Database) {
    let t = first_table_with(db, |t| t.columns.len() > 1);
    let col = t.columns.keys().nth(1).unwrap().clone();
    let elem = IndexElem {
        column: Some(col),
        ..Default::default()
    };
    t.indexes.insert(
        "added_idx".into(),
        Index {
            columns: vec![elem],
            ..Default::default()
        },
    );
}

fn change_policy(db: &mut Database) {
    let t = first_table_with(db, |t| t.policies.values().any(|p| p.using.is_some()));
    let p = t.policies.values_mut().find(|p| p.using.is_some()).unwrap();
    let old = p.using.clone().unwrap();
    p.using = Some(format!("({old}) AND (1 = 1)"));
}

fn change_default(db: &mut Database) {
    let t = first_table_with(db, |t| t.columns.values().any(|c| c.type_ == "text"));
    let c = t.columns.values_mut().find(|c| c.type_ == "text").unwrap();
    c.default = Some(match c.default {
        Some(_) => "'changed'::text".into(),
        None => "'added'::text".into(),
    });
}

/// A new body for the first plpgsql function outside the platform schemas
/// (CREATE OR REPLACE FUNCTION both ways).
fn change_function_body(db: &mut Database) {
    let f = db
        .functions
        .iter_mut()
        .find(|(k, f)| {
            !k.starts_with("auth.") && !k.starts_with("extensions.") && f.language == "plpgsql"
        })
        .map(|(_, f)| f)
        .expect("a plpgsql function");
    f.body = format!("\n-- edited by the test{}", f.body);
}

/// Appends `1 AS added_one` to the first view that is one plain SELECT.
fn append_view_column(db: &mut Database) {
    use pg_query::protobuf::node::Node as N;
    for v in db.views.values_mut().filter(|v| !v.materialized) {
        let mut parsed = pg_query::parse(&v.definition, 0).unwrap().protobuf;
        let Some(N::SelectStmt(sel)) = parsed.stmts[0].stmt.as_mut().and_then(|s| s.node.as_mut())
        else {
            continue;
        };
        if sel.larg.is_some() {
            continue;
        }
        let one = pg_query::parse("SELECT 1 AS added_one", 0)
            .unwrap()
            .protobuf;
        let Some(N::SelectStmt(extra)) = one.stmts[0].stmt.clone().and_then(|s| s.node) else {
            unreachable!()
        };
        sel.target_list.extend(extra.target_list);
        v.definition = pg_query::deparse(&parsed, Default::default()).unwrap();
        return;
    }
    panic!("no plain view to extend");
}

/// pagila: a type change under two views (they are dropped and recreated).
fn widen_film_length(db: &mut Database) {
    let c = &mut db.tables["public.film"].columns["length"];
    assert_eq!(c.type_, "smallint");
    c.type_ = "integer".into();
}

fn drop_table(db: &mut Database) {
    // A table nothing else refers to.
    let referenced: Vec<String> = db
        .tables
        .values()
        .flat_map(|t| t.foreign_keys.values().map(|f| f.references.clone()))
        .collect();
    let views: Vec<String> = db.views.values().map(|v| v.definition.clone()).collect();
    let key = db
        .tables
        .iter()
        .filter(|(k, t)| {
            let name = k.split('.').nth(1).unwrap_or(k);
            !k.starts_with("auth.")
                && t.partition_of.is_none()
                && t.partition_by.is_none()
                && !referenced.iter().any(|r| r.starts_with(k.as_str()))
                && !views.iter().any(|v| v.contains(name))
        })
        .map(|(k, _)| k.clone())
        .next()
        .expect("an unreferenced table");
    let prefix = format!("{key}.");
    db.tables.shift_remove(&key);
    // A publication listing it would not load: it goes from there too.
    for p in db.publications.values_mut() {
        p.tables.shift_remove(&key);
    }
    db.sequences.retain(|_, s| {
        !s.owned_by
            .as_deref()
            .is_some_and(|o| o.starts_with(&prefix))
    });
}

#[test]
fn corpus_basejump() {
    corpus(
        "basejump",
        true,
        None,
        &[&add_column, &change_policy, &add_index, &drop_table],
    );
}

#[test]
fn corpus_nextjs_subscription_payments() {
    corpus(
        "nextjs-subscription-payments",
        true,
        None,
        &[&add_column, &change_policy, &add_index, &drop_table],
    );
}

#[test]
fn corpus_pagila() {
    corpus(
        "pagila",
        false,
        None,
        &[
            &add_column,
            &add_index,
            &append_view_column,
            &widen_film_length,
        ],
    );
}

#[test]
fn bundled_example_as_written_converges() {
    let mut want = support::bundled_example();
    support::for_server(&mut want);
    let db = FreshDb::new("pl_example");
    let ia = make_a(&db, &shim(), &Database::default());
    // The shim stands for the platform: its schemas are managed elsewhere.
    let mut want = want;
    for s in ia.schemas.keys().filter(|s| *s != "public") {
        want.external.push(s.clone());
    }
    let plan = plan_migration(&ia, &want, &opts()).unwrap_or_else(|e| panic!("{e}"));
    db.try_psql(&up_script(&plan))
        .unwrap_or_else(|e| panic!("up fails: {e}\n{}", show(&plan)));
    let again = plan_migration(&inspect(&db), &want, &opts()).unwrap();
    assert!(
        again.is_empty(),
        "plan after up is not empty:\n{}",
        show(&again)
    );
    db.try_psql(&down_script(&plan)).unwrap();
    assert!(
        inspect(&db) == ia,
        "down does not restore the empty database"
    );
}

const STORAGE_PATH: Option<&str> = Some("-c search_path=storage,public");

#[test]
fn storage_histories_plan_empty_both_ways() {
    let a = corpus_model_in("supabase-storage", "order.txt", false, STORAGE_PATH);
    let b = corpus_model_in("supabase-storage", "order-all.txt", false, STORAGE_PATH);
    assert!(!a.tables.is_empty());
    let ab = plan_migration(&a, &b, &opts()).unwrap();
    assert!(ab.is_empty(), "order.txt -> order-all.txt:\n{}", show(&ab));
    let ba = plan_migration(&b, &a, &opts()).unwrap();
    assert!(ba.is_empty(), "order-all.txt -> order.txt:\n{}", show(&ba));
}

#[test]
fn corpus_supabase_storage() {
    corpus(
        "supabase-storage",
        false,
        STORAGE_PATH,
        &[
            &add_column,
            &change_default,
            &add_index,
            &drop_table,
            &change_function_body,
        ],
    );
}

#[test]
fn corpus_danbooru() {
    corpus(
        "danbooru",
        false,
        None,
        &[&add_column, &change_default, &add_index, &drop_table],
    );
}

#[test]
fn corpus_example_todo_list() {
    corpus(
        "supabase-examples/todo-list",
        true,
        None,
        &[&add_column, &change_policy, &add_index],
    );
}

#[test]
fn corpus_example_user_management() {
    corpus(
        "supabase-examples/user-management",
        true,
        None,
        &[&add_column, &change_policy, &add_index, &change_default],
    );
}

#[test]
fn corpus_example_slack_clone() {
    corpus(
        "supabase-examples/slack-clone",
        true,
        None,
        &[
            &add_column,
            &change_policy,
            &add_index,
            &drop_table,
            &change_function_body,
        ],
    );
}

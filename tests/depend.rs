//! Dependencies of existing objects read from pg_depend, against a real
//! server: the edges introspection records, and plans from a live database
//! that parsing alone gets wrong (too much recreated, or a statement that
//! PostgreSQL refuses). Each plan is applied, planned again (empty) and
//! undone (see `converge_with`).

mod plan_support;
mod support;

use plan_support::*;
use reconcile::model::Database;
use reconcile::plan::{plan_migration, Action, MigrationPlan};
use support::FreshDb;

fn ids(plan: &MigrationPlan) -> Vec<&str> {
    plan.steps.iter().map(|s| s.id.as_str()).collect()
}

fn assert_before(plan: &MigrationPlan, first: &str, then: &str) {
    assert!(
        pos(plan, first) < pos(plan, then),
        "{first} must run before {then}:\n{}",
        show(plan)
    );
}

fn touches(plan: &MigrationPlan, prefix: &str) -> bool {
    plan.steps.iter().any(|s| s.id.starts_with(prefix))
}

/// The live model of `setup` SQL run into a fresh database.
fn live(setup: &str) -> (FreshDb, Database) {
    let db = FreshDb::new("dep");
    db.try_psql(ROLES).expect("roles");
    db.try_psql(setup)
        .unwrap_or_else(|e| panic!("setup fails: {e}"));
    let m = inspect(&db);
    (db, m)
}

fn edges(m: &Database) -> Vec<(String, String)> {
    m.depends
        .edges()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn catalog_records_edges_by_object_id() {
    let (_db, m) = live(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;
         CREATE SCHEMA app;
         CREATE TYPE app.mood AS ENUM ('ok');
         CREATE TABLE app.t (id int PRIMARY KEY, a int CHECK (a > 0), b text, m app.mood[]);
         CREATE SEQUENCE app.s OWNED BY app.t.a;
         ALTER TABLE app.t ALTER a SET DEFAULT nextval('app.s');
         CREATE TABLE public.u (id int, t_id int REFERENCES app.t (id));
         CREATE INDEX u_b ON app.t USING gin (b gin_trgm_ops);
         SET search_path = app;
         CREATE VIEW public.v AS SELECT id, a FROM t;
         CREATE VIEW public.vv AS SELECT a FROM public.v;
         CREATE FUNCTION public.f() RETURNS bigint LANGUAGE sql
           BEGIN ATOMIC SELECT count(*) FROM t WHERE b = 'x'; END;
         RESET search_path;
         CREATE FUNCTION public.tg() RETURNS trigger LANGUAGE plpgsql AS 'begin return new; end';
         CREATE TRIGGER tr BEFORE UPDATE OF b ON app.t FOR EACH ROW EXECUTE FUNCTION public.tg();
         ALTER TABLE public.u ENABLE ROW LEVEL SECURITY;
         CREATE POLICY p ON public.u USING (EXISTS (SELECT 1 FROM app.t WHERE t.b = 'x'));",
    );
    assert!(m.depends.present);
    let e = edges(&m);
    let has = |a: &str, b: &str| e.contains(&(a.to_string(), b.to_string()));
    for (a, b) in [
        ("view:public.v", "column:app.t.id"),
        ("view:public.v", "column:app.t.a"),
        ("view:public.vv", "view:public.v"),
        ("function:public.f()", "column:app.t.b"),
        ("trigger:app.t.tr", "function:public.tg()"),
        ("trigger:app.t.tr", "column:app.t.b"),
        ("policy:public.u.p", "column:app.t.b"),
        ("fk:public.u.u_t_id_fkey", "pk:app.t"),
        ("column:app.t.a", "sequence:app.s"),
        ("owned_by:app.s", "column:app.t.a"),
        ("column:app.t.m", "type:app.mood"),
        ("index:app.t.u_b", "extension:pg_trgm"),
    ] {
        assert!(has(a, b), "no edge {a} -> {b} in {e:#?}");
    }
    // Parts on their own table's columns are ordered by membership; the
    // catalog leaves those edges out (most of pg_depend at scale).
    assert!(!has("check:app.t.t_a_check", "column:app.t.a"));
    assert!(!has("index:app.t.u_b", "column:app.t.b"));
    // The view reads neither b nor m; no self edges; extension members
    // (pg_trgm's functions) depend on nothing here.
    assert!(!has("view:public.v", "column:app.t.b"));
    assert!(e.iter().all(|(a, b)| a != b));
    let ours = ["function:public.f()", "function:public.tg()"];
    assert!(
        !e.iter()
            .any(|(a, _)| a.starts_with("function:public.") && !ours.contains(&a.as_str())),
        "{e:#?}"
    );
    // Derived data: not written, not compared.
    let text = yaml(&m);
    assert!(!text.contains("column:app.t"), "{text}");
    let mut plain = m.clone();
    plain.depends = Default::default();
    assert_eq!(plain, m);
}

/// `lower(url)` resolves through the search path to pg_catalog's
/// `lower(text)`; parsing cannot tell it from the schema's own
/// `public.lower(text[])` and would rebuild the index and view.
#[test]
fn overloaded_name_resolved_through_search_path() {
    const T: &str = r#"
tables:
  public.links:
    columns:
      id: { type: integer, nullable: false }
      url: text
    primary_key: [id]
    indexes:
      links_lower: { columns: [{ expression: "lower(url)" }] }
views:
  public.lowered:
    definition: "SELECT id, lower(url) AS url FROM public.links"
"#;
    // A new argument name cannot be replaced in place: drop and create.
    let f = |arg: &str| {
        format!(
            "{T}functions:\n  public.lower(text[]):\n    arguments: \"{arg} text[]\"\n    returns: text[]\n    language: sql\n    volatility: immutable\n    body: \"SELECT {arg}\"\n"
        )
    };
    let (a, b) = (load(&f("words")), load(&f("parts")));
    let from_files = plan_migration(&a, &b, &opts()).unwrap();
    assert!(touches(&from_files, "index:"), "{}", show(&from_files));
    let plan = converge(&a, &b);
    pos(&plan, "function:public.lower(text[])");
    assert!(!touches(&plan, "index:"), "{}", show(&plan));
    assert!(!touches(&plan, "view:"), "{}", show(&plan));
}

/// The view is read by another view; the inner one changes its query but
/// keeps its columns: CREATE OR REPLACE, the outer one is left alone.
#[test]
fn view_over_view_where_only_the_inner_view_changes() {
    let m = |filter: &str| {
        load(&format!(
            r#"
tables:
  public.t:
    columns:
      id: {{ type: integer, nullable: false }}
      a: integer
      b: character varying(20)
    primary_key: [id]
views:
  public.inner_v:
    definition: "SELECT t.id, t.a, t.b::text AS b FROM public.t{filter}"
  public.outer_v:
    definition: "SELECT id, b FROM public.inner_v"
"#
        ))
    };
    let plan = converge(&m(""), &m(" WHERE t.a > 0"));
    assert_eq!(ids(&plan), ["view:public.inner_v"], "{}", show(&plan));
    assert_eq!(plan.steps[0].action, Action::Alter);
    assert!(plan.steps[0].up[0].starts_with("CREATE OR REPLACE VIEW"));
    // A column whose type changes is not a replacement: the reader goes
    // first and comes back after.
    let c = load(
        r#"
tables:
  public.t:
    columns:
      id: { type: integer, nullable: false }
      a: integer
      b: character varying(20)
    primary_key: [id]
views:
  public.inner_v:
    definition: "SELECT t.id, t.a::bigint AS a, t.b::text AS b FROM public.t"
  public.outer_v:
    definition: "SELECT id, b FROM public.inner_v"
"#,
    );
    let plan = converge(&m(""), &c);
    assert_before(
        &plan,
        "view:public.outer_v:drop",
        "view:public.inner_v:drop",
    );
}

const RETYPE: &str = r#"
tables:
  public.t:
    columns:
      id: { type: integer, nullable: false }
      a: integer
      b: integer
    primary_key: [id]
    row_level_security: { enabled: true }
    policies:
      positive: { using: "a > 0" }
views:
  public.v:
    definition: "SELECT id, a FROM public.t"
"#;

/// A column type change recreates what reads that column, not everything
/// that reads the table.
#[test]
fn column_type_change_recreates_only_readers_of_the_column() {
    let a = load(RETYPE);
    let b = load(&RETYPE.replace("      b: integer", "      b: bigint"));
    let from_files = plan_migration(&a, &b, &opts()).unwrap();
    assert!(touches(&from_files, "view:"), "{}", show(&from_files));
    let plan = converge(&a, &b);
    assert_eq!(ids(&plan), ["column:public.t.b"], "{}", show(&plan));

    let c = load(&RETYPE.replace("      a: integer", "      a: bigint"));
    let plan = converge(&a, &c);
    assert_before(&plan, "view:public.v:drop", "column:public.t.a");
    assert_before(&plan, "policy:public.t.positive:drop", "column:public.t.a");
    assert_before(&plan, "column:public.t.a", "view:public.v");
}

/// A SQL-standard body is bound at CREATE: PostgreSQL records what it
/// reads, refuses a type change of such a column and a drop of such a table.
#[test]
fn sql_standard_function_body() {
    const M: &str = r#"
tables:
  public.t:
    columns:
      id: { type: integer, nullable: false }
      a: integer
    primary_key: [id]
  public.u:
    columns:
      id: { type: integer, nullable: false }
    primary_key: [id]
functions:
  public.total():
    returns: bigint
    language: sql
    body: "BEGIN ATOMIC\n SELECT sum(t.a) AS sum\n    FROM public.t;\nEND"
"#;
    let a = load(M);
    // The table it reads is dropped; the function now reads another one.
    let b = load(
        &M.replace(
            "  public.t:\n    columns:\n      id: { type: integer, nullable: false }\n      a: integer\n    primary_key: [id]\n",
            "",
        )
        .replace(
            "SELECT sum(t.a) AS sum\\n    FROM public.t;",
            "SELECT sum(u.id) AS sum\\n    FROM public.u;",
        ),
    );
    let plan = converge(&a, &b);
    assert_before(&plan, "function:public.total()", "table:public.t");
    // The column it reads changes type: dropped first, created after.
    let c = load(&M.replace("      a: integer", "      a: bigint"));
    let plan = converge(&a, &c);
    assert_before(&plan, "function:public.total():drop", "column:public.t.a");
    assert_before(&plan, "column:public.t.a", "function:public.total()");
    // A column it does not read: left alone.
    let d = load(&M.replace(
        "      id: { type: integer, nullable: false }\n      a:",
        "      id: { type: bigint, nullable: false }\n      a:",
    ));
    let plan = converge(&a, &d);
    assert!(!touches(&plan, "function:"), "{}", show(&plan));
}

const TRIGGERED: &str = r#"
tables:
  public.t:
    columns:
      id: { type: integer, nullable: false }
    primary_key: [id]
    triggers:
      touch: { timing: before, events: [update], for_each: row, function: public.touch }
functions:
  public.touch():
    returns: trigger
    language: plpgsql
    body: "begin return new; end"
  public.touch(integer):
    arguments: "n integer"
    returns: integer
    language: sql
    body: "SELECT n"
"#;

/// A trigger needs the one function it calls, not every function of that
/// name: changing an overload leaves it alone; dropping its function drops
/// it first.
#[test]
fn trigger_function_and_its_overload() {
    let a = load(TRIGGERED);
    let b = load(
        &TRIGGERED
            .replace("n integer", "m integer")
            .replace("SELECT n", "SELECT m"),
    );
    let from_files = plan_migration(&a, &b, &opts()).unwrap();
    assert!(touches(&from_files, "trigger:"), "{}", show(&from_files));
    let plan = converge(&a, &b);
    assert!(!touches(&plan, "trigger:"), "{}", show(&plan));
    let c = load(
        &TRIGGERED
            .replace(
                "    triggers:\n      touch: { timing: before, events: [update], for_each: row, function: public.touch }\n",
                "",
            )
            .replace(
                "  public.touch():\n    returns: trigger\n    language: plpgsql\n    body: \"begin return new; end\"\n",
                "",
            ),
    );
    let plan = converge(&a, &c);
    assert_before(&plan, "trigger:public.t.touch", "function:public.touch()");
}

/// A policy on one table reads another table, which is dropped: the policy
/// changes first. pg_depend records the columns the policy reads.
#[test]
fn table_read_by_a_policy_on_another_table_is_dropped() {
    let m = |policy: &str, other: bool| {
        let other = if other {
            "  public.teams:\n    columns:\n      id: { type: integer, nullable: false }\n      open: boolean\n    primary_key: [id]\n"
        } else {
            ""
        };
        load(&format!(
            r#"
tables:
  public.docs:
    columns:
      id: {{ type: integer, nullable: false }}
      team_id: integer
    primary_key: [id]
    row_level_security: {{ enabled: true }}
    policies:
      team_open: {{ using: "{policy}" }}
{other}"#
        ))
    };
    let a = m(
        "EXISTS (SELECT 1 FROM public.teams WHERE teams.id = docs.team_id AND teams.open)",
        true,
    );
    let (_db, live_a) = live(&reconcile::plan::create_script(&a).unwrap());
    assert!(edges(&live_a).contains(&(
        "policy:public.docs.team_open".into(),
        "column:public.teams.open".into()
    )));
    let b = m("team_id IS NOT NULL", false);
    let plan = converge(&a, &b);
    let policy = plan
        .steps
        .iter()
        .position(|s| s.id.starts_with("policy:public.docs.team_open"))
        .expect("policy step");
    assert!(policy < pos(&plan, "table:public.teams"), "{}", show(&plan));
}

/// Renames carry the catalog's edges: a trigger on `UPDATE OF a` still
/// reads the column once it is renamed, so a type change in the same plan
/// recreates it (PostgreSQL refuses the change otherwise).
#[test]
fn renamed_column_keeps_its_readers() {
    const M: &str = r#"
tables:
  public.t:
    columns:
      id: { type: integer, nullable: false }
      a: integer
    primary_key: [id]
    triggers:
      touch: { timing: before, events: [update], columns: [a], for_each: row, function: public.touch }
functions:
  public.touch():
    returns: trigger
    language: plpgsql
    body: "begin return new; end"
"#;
    let a = load(M);
    let b = load(
        &M.replace(
            "      a: integer",
            "      c: { type: bigint, renamed_from: a }",
        )
        .replace("columns: [a]", "columns: [c]"),
    );
    let plan = converge(&a, &b);
    assert_before(&plan, "trigger:public.t.touch:drop", "column:public.t.c");
}

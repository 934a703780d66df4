//! Migration planner against a real server: convergence of hand-made
//! pairs, ordering regressions, renames, determinism.

mod plan_support;
mod support;

use plan_support::*;
use reconcile::diff::DiffOptions;
use reconcile::plan::{Action, Level, PlanOptions};

const BASE: &str = r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: text
    primary_key: [id]
"#;

#[test]
fn add_alter_drop_columns() {
    let a = load(BASE);
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: { type: character varying(200), nullable: false, default: "'x'::character varying" , comment: "mail" }
      "Created At": { type: timestamptz, default: now() }
    primary_key: [id]
    indexes:
      users_email_idx: { columns: [email] }
    checks:
      id_positive: "id > 0"
    grants: { pl_reader: [select] }
"#,
    );
    let plan = converge(&a, &b);
    assert!(
        plan.steps.iter().any(|s| !s.transactional),
        "index built concurrently"
    );
}

#[test]
fn drop_table_and_column_restore_structure() {
    let a = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: { type: text, comment: "mail" }
      age: integer
    primary_key: [id]
  public.posts:
    columns:
      id: { type: bigint, nullable: false }
      user_id: bigint
    primary_key: [id]
    foreign_keys:
      posts_user_fk: { columns: [user_id], references: public.users(id) }
    indexes:
      posts_user_idx: { columns: [user_id] }
"#,
    );
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: { type: text, comment: "mail" }
    primary_key: [id]
"#,
    );
    let plan = converge_with(
        "",
        &a,
        &b,
        &PlanOptions {
            diff: DiffOptions {
                allow_drop_add: true,
                ..DiffOptions::default()
            },
            ..opts()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fk = pos(&plan, "fk:public.posts.posts_user_fk");
    let t = pos(&plan, "table:public.posts");
    assert!(fk < t, "{}", show(&plan));
    let drop_col = &plan.steps[pos(&plan, "column:public.users.age")];
    assert_eq!(drop_col.hazards[0].level, Level::Red);
    assert!(drop_col.down[0].starts_with("-- data in public.users.age is not restored"));
    assert_eq!(plan.level(), Level::Red);
}

#[test]
fn rls_policies_grants_comments() {
    let a = load(
        r#"
tables:
  public.docs:
    columns:
      id: { type: bigint, nullable: false }
      owner: uuid
    primary_key: [id]
    row_level_security: { enabled: true }
    policies:
      own: { to: [authenticated], using: "owner = auth_uid()", with_check: "true" }
      gone: { for: select, using: "true" }
    grants: { pl_reader: [select, insert], pl_writer: [select] }
    comment: "docs"
functions:
  public.auth_uid():
    returns: uuid
    language: sql
    volatility: stable
    body: "select null::uuid"
"#,
    );
    let b = load(
        r#"
tables:
  public.docs:
    columns:
      id: { type: bigint, nullable: false }
      owner: { type: uuid, grants: { pl_writer: [update] } }
    primary_key: [id]
    row_level_security: { enabled: true, forced: true }
    policies:
      own: { to: [authenticated, pl_reader], using: "(owner = auth_uid()) AND (id > 0)", with_check: "owner = auth_uid()" }
      fresh: { for: insert, with_check: "id > 10" }
    grants: { pl_reader: [select], pl_writer: [select with grant option] }
functions:
  public.auth_uid():
    returns: uuid
    language: sql
    volatility: stable
    body: "select '00000000-0000-0000-0000-000000000000'::uuid"
    comment: "who"
"#,
    );
    let plan = converge(&a, &b);
    let own = &plan.steps[pos(&plan, "policy:public.docs.own")];
    assert_eq!(own.action, Action::Alter);
    assert!(
        own.up[0].starts_with("ALTER POLICY own ON public.docs"),
        "{:?}",
        own.up
    );
    // A permissive policy dropped takes rows away: it narrows access.
    let gone = &plan.steps[pos(&plan, "policy:public.docs.gone")];
    assert_eq!(gone.hazards[0].code, reconcile::plan::Code::AccessNarrowed);
    assert_eq!(gone.hazards[0].level, Level::Yellow);
}

fn assert_before(plan: &reconcile::plan::MigrationPlan, first: &str, then: &str) {
    assert!(
        pos(plan, first) < pos(plan, then),
        "{first} must run before {then}:\n{}",
        show(plan)
    );
}

const FUNC: &str = r#"
functions:
  public.twice(integer):
    returns: integer
    language: sql
    volatility: immutable
    body: "select $1 * 2"
"#;

#[test]
fn view_calls_function() {
    let a = load(BASE);
    let b = load(&format!(
        "{BASE}{FUNC}views:\n  public.v:\n    definition: \"SELECT public.twice(id::integer) AS t FROM public.users\"\n"
    ));
    let plan = converge(&a, &b);
    assert_before(&plan, "function:public.twice(integer)", "view:public.v");
    // And back: the view goes before the function.
    let plan = converge(&b, &a);
    assert_before(&plan, "view:public.v", "function:public.twice(integer)");
}

#[test]
fn table_default_calls_function() {
    let a = load(BASE);
    let b = load(&format!(
        "{FUNC}tables:\n  public.users:\n    columns:\n      id: {{ type: bigint, nullable: false }}\n      email: text\n      n: {{ type: integer, default: \"public.twice(21)\" }}\n    primary_key: [id]\n"
    ));
    let plan = converge(&a, &b);
    assert_before(
        &plan,
        "function:public.twice(integer)",
        "column:public.users.n",
    );
    let plan = converge(&b, &a);
    assert_before(
        &plan,
        "column:public.users.n",
        "function:public.twice(integer)",
    );
}

#[test]
fn trigger_function_dropped_with_trigger() {
    let a = load(&format!(
        r#"{BASE}
    triggers:
      touch: {{ timing: before, events: [update], for_each: row, function: public.touch }}
functions:
  public.touch():
    returns: trigger
    language: plpgsql
    body: "begin return new; end"
"#
    ));
    let b = load(BASE);
    let plan = converge(&a, &b);
    assert_before(
        &plan,
        "trigger:public.users.touch",
        "function:public.touch()",
    );
}

#[test]
fn view_over_view() {
    let a = load(BASE);
    let b = load(&format!(
        "{BASE}views:\n  public.v1:\n    definition: \"SELECT id, email FROM public.users\"\n  public.v0:\n    definition: \"SELECT id FROM public.v1\"\n"
    ));
    let plan = converge(&a, &b);
    assert_before(&plan, "view:public.v1", "view:public.v0");
    let plan = converge(&b, &a);
    assert_before(&plan, "view:public.v0", "view:public.v1");
}

#[test]
fn mutual_foreign_keys() {
    let a = load(BASE);
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: text
      team_id: bigint
    primary_key: [id]
    foreign_keys:
      users_team_fk: { columns: [team_id], references: public.teams(id) }
  public.teams:
    columns:
      id: { type: bigint, nullable: false }
      lead_id: bigint
    primary_key: [id]
    foreign_keys:
      teams_lead_fk: { columns: [lead_id], references: public.users(id) }
"#,
    );
    let plan = converge(&a, &b);
    assert_before(&plan, "table:public.teams", "fk:public.users.users_team_fk");
    let plan = converge(&b, &a);
    assert_before(&plan, "fk:public.users.users_team_fk", "table:public.teams");
}

#[test]
fn policy_reads_another_table() {
    let a = load(BASE);
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: text
    primary_key: [id]
    row_level_security: { enabled: true }
    policies:
      members: { using: "EXISTS (SELECT 1 FROM public.members m WHERE m.user_id = users.id)" }
  public.members:
    columns:
      user_id: bigint
"#,
    );
    let plan = converge(&a, &b);
    assert_before(&plan, "table:public.members", "policy:public.users.members");
    let plan = converge(&b, &a);
    assert_before(&plan, "policy:public.users.members", "table:public.members");
}

#[test]
fn column_type_change_under_view_and_policy() {
    let body = |ty: &str| {
        format!(
            r#"
tables:
  public.users:
    columns:
      id: {{ type: bigint, nullable: false }}
      email: text
      score: {ty}
    primary_key: [id]
    row_level_security: {{ enabled: true }}
    policies:
      positive: {{ using: "score > 0" }}
views:
  public.v:
    definition: "SELECT id, score FROM public.users"
"#
        )
    };
    let a = load(&body("integer"));
    let b = load(&body("bigint"));
    let plan = converge(&a, &b);
    let col = pos(&plan, "column:public.users.score");
    assert!(pos(&plan, "view:public.v:drop") < col, "{}", show(&plan));
    assert!(pos(&plan, "policy:public.users.positive:drop") < col);
    assert!(pos(&plan, "view:public.v") > col);
    assert!(pos(&plan, "policy:public.users.positive") > col);
}

#[test]
fn unmarked_rename_is_refused() {
    let a = load(BASE);
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      mail: text
    primary_key: [id]
"#,
    );
    let db = support::FreshDb::new("pl");
    let ia = make_a(&db, "", &a);
    let err = reconcile::plan::plan_migration(&ia, &b, &opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("renamed_from: email"), "{err}");
}

/// Plans `b` from the database `db` (read as `ia`): renames only, which
/// keep the value `query` reads (`want`), plan nothing more once run, and
/// whose down script gives back `ia` exactly.
fn renames_round_trip(
    db: &support::FreshDb,
    ia: &reconcile::model::Database,
    b: &reconcile::model::Database,
    query: &str,
    want: &str,
) {
    let plan = reconcile::plan::plan_migration(ia, b, &opts()).unwrap();
    assert!(
        plan.steps.iter().all(|s| s.action == Action::Rename),
        "{}",
        show(&plan)
    );
    db.try_psql(&up_script(&plan)).unwrap();
    db.try_psql(&format!(
        "DO $$ BEGIN IF ({query}) IS DISTINCT FROM {want} THEN RAISE 'lost'; END IF; END $$"
    ))
    .unwrap();
    let again = reconcile::plan::plan_migration(&inspect(db), b, &opts()).unwrap();
    assert!(again.is_empty(), "{}", show(&again));
    db.try_psql(&down_script(&plan)).unwrap();
    assert_eq!(inspect(db), *ia);
}

#[test]
fn renamed_from_keeps_data() {
    let a = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: text
    primary_key: [id]
    unique:
      users_email_key: [email]
    indexes:
      users_id_idx: { columns: [id] }
"#,
    );
    let b = load(
        r#"
tables:
  public.people:
    renamed_from: users
    columns:
      id: { type: bigint, nullable: false }
      mail: { type: text, renamed_from: email }
    primary_key: { name: users_pkey, columns: [id] }
    unique:
      people_mail_key: { columns: [mail], renamed_from: users_email_key }
    indexes:
      people_id_idx: { columns: [id], renamed_from: users_id_idx }
"#,
    );
    let db = support::FreshDb::new("pl");
    make_a(&db, "", &a);
    db.try_psql("INSERT INTO public.users VALUES (1, 'a@b')")
        .unwrap();
    let ia = inspect(&db);
    renames_round_trip(
        &db,
        &ia,
        &b,
        "SELECT mail FROM public.people WHERE id = 1",
        "'a@b'",
    );
    // A rename whose source is nowhere is an error.
    let mut bad = b.clone();
    bad.tables[0].renamed_from = Some("nowhere".into());
    let err = reconcile::plan::plan_migration(&ia, &bad, &opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn plans_are_deterministic() {
    let a = load(BASE);
    let b = load(&format!(
        "{FUNC}views:\n  public.v:\n    definition: \"SELECT public.twice(1) AS t\"\ntables:\n  public.users:\n    columns:\n      id: {{ type: bigint, nullable: false }}\n      qty: integer\n    primary_key: [id]\n    indexes:\n      i1: {{ columns: [qty] }}\n      i2: {{ columns: [id, qty] }}\n"
    ));
    let db = support::FreshDb::new("pl");
    let ia = make_a(&db, "", &a);
    let p1 = reconcile::plan::plan_migration(&ia, &b, &opts()).unwrap();
    let p2 = reconcile::plan::plan_migration(&ia, &b, &opts()).unwrap();
    assert_eq!(
        serde_json::to_string(&p1).unwrap(),
        serde_json::to_string(&p2).unwrap()
    );
}

#[test]
fn varchar_under_text_functions_plans_empty_after_apply() {
    // The catalog stores `length((email)::text) > 1`; the user wrote none of the casts.
    let a = load(BASE);
    let b = load(
        r#"
tables:
  public.users:
    columns:
      id: { type: bigint, nullable: false }
      email: text
      handle: character varying(40)
    primary_key: [id]
    checks:
      handle_long: "length(handle) > 1"
    indexes:
      users_handle_lower: { columns: [{ expression: "lower(handle)" }], where: "handle like 'a%'" }
    row_level_security: { enabled: true }
    policies:
      own: { using: "upper(handle) = 'X'" }
views:
  public.handles:
    definition: "SELECT id, length(handle) AS n FROM public.users"
"#,
    );
    converge(&a, &b);
    // A bounded cast truncates, so it is a real difference.
    let mut c = b.clone();
    c.tables["public.users"].checks["handle_long"].expression =
        "length(handle::varchar(3)) > 1".into();
    let plan = reconcile::plan::plan_migration(&b, &c, &opts()).unwrap();
    assert!(!plan.is_empty());
}

fn users_view(columns: &str, extra: &str) -> String {
    format!(
        r#"
tables:
  public.users:
    columns:
      id: {{ type: bigint, nullable: false }}
      email: text
      score: integer
    primary_key: [id]
views:
  public.v:
    definition: "SELECT {columns} FROM public.users"
    comment: scores
    grants: {{ pl_reader: [select] }}
{extra}"#
    )
}

#[test]
fn view_gaining_columns_is_replaced_in_place() {
    let a = load(&users_view("id, score", ""));
    let b = load(&users_view("id, score, email, score + 1 AS next", ""));
    let plan = converge(&a, &b);
    let step = &plan.steps[pos(&plan, "view:public.v")];
    assert_eq!(step.action, Action::Alter, "{}", show(&plan));
    assert!(step.up[0].starts_with("CREATE OR REPLACE VIEW"));
    assert!(!plan.steps.iter().any(|s| s.id == "view:public.v:drop"));
}

#[test]
fn view_changing_is_recreated_unless_only_appended() {
    // A column in the middle: CREATE OR REPLACE would fail.
    let a = load(&users_view("id, score", ""));
    let b = load(&users_view("id, email, score", ""));
    let plan = converge(&a, &b);
    pos(&plan, "view:public.v:drop");
    // Appended while another view reads it: replaced in place, the reader
    // is left alone; the down drops and creates the reader around the old
    // view (columns cannot be taken off a view).
    let w = "  public.w:\n    definition: \"SELECT id FROM public.v\"\n";
    let a = load(&users_view("id, score", w));
    let b = load(&users_view("id, score, email", w));
    let plan = converge(&a, &b);
    let step = &plan.steps[pos(&plan, "view:public.v")];
    assert_eq!(step.action, Action::Alter, "{}", show(&plan));
    assert_eq!(plan.steps.len(), 1, "{}", show(&plan));
    let down = step.down.join("\n");
    let (drop_w, drop_v) = (
        down.find("DROP VIEW IF EXISTS public.w"),
        down.find("DROP VIEW IF EXISTS public.v"),
    );
    assert!(drop_w.is_some() && drop_w < drop_v, "{down}");
}

#[test]
fn renamed_view_column_is_planned() {
    let a = load(&users_view("id, score", ""));
    let b = load(&users_view("id, score AS points", ""));
    let plan = converge(&a, &b);
    pos(&plan, "view:public.v:drop");
}

/// A name freed by a drop is taken by a create only after it, and says so:
/// an index moved to another table frees its relation name, and an index
/// recreated frees its own id.
#[test]
fn freed_names_order_creates_after_drops() {
    let table = |name: &str, index: &str| {
        format!("  public.{name}:\n    columns:\n      id: bigint\n      v: text\n{index}")
    };
    let a = load(&format!(
        "tables:\n{}{}",
        table(
            "t",
            "    indexes:\n      moved_idx: {columns: [v]}\n      redone_idx: {columns: [v]}\n"
        ),
        table("u", "")
    ));
    let b = load(&format!(
        "tables:\n{}{}",
        table("t", "    indexes:\n      redone_idx: {columns: [id]}\n"),
        table("u", "    indexes:\n      moved_idx: {columns: [v]}\n")
    ));
    let opts = PlanOptions {
        diff: DiffOptions {
            allow_drop_add: true,
            ..DiffOptions::default()
        },
        ..PlanOptions::default()
    };
    let plan = reconcile::plan::plan_migration(&a, &b, &opts).unwrap();
    let reason = |create: &str, drop: &str| {
        let step = &plan.steps[pos(&plan, create)];
        assert!(pos(&plan, drop) < pos(&plan, create), "{}", show(&plan));
        step.after
            .iter()
            .find(|e| e.before == drop)
            .map(|e| e.reason.clone())
            .unwrap_or_else(|| panic!("{create} does not wait for {drop}:\n{}", show(&plan)))
    };
    assert_eq!(
        reason("index:public.u.moved_idx", "index:public.t.moved_idx"),
        "the name public.moved_idx is freed first"
    );
    assert_eq!(
        reason(
            "index:public.t.redone_idx",
            "index:public.t.redone_idx:drop"
        ),
        "the name index:public.t.redone_idx is freed first"
    );
}

const MOODS: &str = r#"
enums:
  public.mood:
    values: [sad, ok, happy]
tables:
  public.person:
    columns:
      id: { type: integer, nullable: false }
      m: { type: public.mood, default: "'happy'::public.mood" }
    primary_key: [id]
"#;

#[test]
fn enum_losing_a_value_is_made_again_and_red() {
    let a = load(MOODS);
    let b = load(&MOODS.replace("[sad, ok, happy]", "[sad, happy]"));
    let db = support::FreshDb::new("pl");
    make_a(&db, "", &a);
    db.try_psql("INSERT INTO public.person VALUES (1, 'ok'), (2, 'happy')")
        .unwrap();
    let ia = inspect(&db);
    let plan = reconcile::plan::plan_migration(&ia, &b, &opts()).unwrap();
    let step = plan.steps.iter().find(|s| s.id == "type:public.mood");
    let step = step.unwrap_or_else(|| panic!("{}", show(&plan)));
    assert!(step
        .hazards
        .iter()
        .any(|h| h.level == Level::Red && h.code == reconcile::plan::Code::TypeNarrowed));
    // A row holding the value lost stops the migration; nothing changes.
    let up = format!("BEGIN;\n{}COMMIT;\n", up_script(&plan));
    assert!(db.try_psql(&up).is_err());
    assert_eq!(inspect(&db), ia);
    db.try_psql("DELETE FROM public.person WHERE m = 'ok'")
        .unwrap();
    db.try_psql(&up_script(&plan)).unwrap();
    let again = reconcile::plan::plan_migration(&inspect(&db), &b, &opts()).unwrap();
    assert!(again.is_empty(), "{}", show(&again));
    db.try_psql("DO $$ BEGIN IF (SELECT m FROM public.person WHERE id = 2) IS DISTINCT FROM 'happy' THEN RAISE 'lost'; END IF; END $$").unwrap();
    db.try_psql(&down_script(&plan)).unwrap();
    assert_eq!(inspect(&db), ia);
}

#[test]
fn enum_value_renamed_only_when_marked() {
    let a = load(MOODS);
    let unmarked = load(&MOODS.replace("[sad, ok, happy]", "[sad, fine, happy]"));
    let db = support::FreshDb::new("pl");
    make_a(&db, "", &a);
    db.try_psql("INSERT INTO public.person VALUES (1, 'ok')")
        .unwrap();
    let ia = inspect(&db);
    let err = reconcile::plan::plan_migration(&ia, &unmarked, &opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("renamed_from: ok"), "{err}");
    let b = load(&MOODS.replace(
        "[sad, ok, happy]",
        "[sad, { name: fine, renamed_from: ok }, happy]",
    ));
    renames_round_trip(
        &db,
        &ia,
        &b,
        "SELECT m FROM public.person WHERE id = 1",
        "'fine'",
    );
}

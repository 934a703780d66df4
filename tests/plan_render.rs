//! The create script, applied to a real empty PostgreSQL database.
//!
//! Needs `RECONCILE_TEST_PG` (or `DATABASE_URL`): an admin URL such as
//! postgres://postgres@127.0.0.1:PORT/postgres. Each test makes and drops
//! its own database.

mod support;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use reconcile::model::Database;
use reconcile::plan::{create_script, create_steps, drop_script, PlanError};

fn admin_url() -> String {
    std::env::var("RECONCILE_TEST_PG")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("set RECONCILE_TEST_PG (or DATABASE_URL) to an admin PostgreSQL URL")
}

/// `url` with its database name replaced.
fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("URL has a path");
    format!("{}/{db}{query}", &base[..cut])
}

/// A fresh database, dropped when the value goes.
struct TestDb {
    name: String,
    conn: PgConnection,
}

impl TestDb {
    fn new(tag: &str) -> TestDb {
        let name = format!("plan_{tag}_{}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url()).expect("connect to admin database");
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name};"
            ))
            .unwrap_or_else(|_| {
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .expect("drop old test database");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
            });
        // Roles are cluster-wide: create them only once. Tests running at
        // the same time may race on CREATE ROLE, so retry once.
        let roles = "DO $$ DECLARE r text; BEGIN
               FOREACH r IN ARRAY ARRAY['plan_reader', 'plan_owner', 'authenticated_plan', 'authenticated'] LOOP
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
                   EXECUTE format('CREATE ROLE %I', r);
                 END IF;
               END LOOP;
             END $$;";
        if admin.batch_execute(roles).is_err() {
            admin.batch_execute(roles).expect("create test roles");
        }
        let conn =
            PgConnection::establish(&with_db(&admin_url(), &name)).expect("connect to test db");
        TestDb { name, conn }
    }

    fn apply(&mut self, sql: &str) {
        if let Err(e) = self.conn.batch_execute(sql) {
            panic!("script failed: {e}\n--- script ---\n{sql}");
        }
    }

    fn strings(&mut self, sql: &str) -> Vec<String> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Text)]
            v: String,
        }
        diesel::sql_query(sql)
            .load::<Row>(&mut self.conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .into_iter()
            .map(|r| r.v)
            .collect()
    }

    fn one(&mut self, sql: &str) -> String {
        let rows = self.strings(sql);
        assert_eq!(rows.len(), 1, "{sql} gave {rows:?}");
        rows[0].clone()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn model(yaml: &str) -> Database {
    serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("bad test model: {e}"))
}

/// Stand-ins for objects a model lists as external (Supabase's auth).
const AUTH_SETUP: &str = r#"
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY, email text);
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
"#;

/// Every object kind, named so that name order alone would be wrong.
const TRAPS: &str = r#"
schemas:
  app:
    owner: plan_owner
    comment: application schema
    grants: { plan_reader: [usage] }
  Mixed Case: { comment: "it's mixed" }
  public: { grants: { plan_reader: [usage] } }
extensions:
  pg_trgm: { schema: public, comment: trigram matching }
  pgcrypto: { schema: app }
enums:
  app.mood:
    values: [sad, ok, "it's fine"]
    comment: feelings
    grants: { public: [], plan_reader: [usage] }
composite_types:
  app.a_pair:
    attributes: { left: app.z_email, right: app.mood }
    comment: a pair
domains:
  public."bıgınt":
    type: bigint
    checks: { positive: "VALUE >= 0" }
    comment: dotless
  app.z_email:
    type: text
    nullable: false
    collation: C
    default: "'nobody@example.com'::text"
    checks: { has_at: "app.zz_is_email(VALUE)" }
sequences:
  app.counter: { type: integer, start: 100, increment: 5, cache: 1, comment: counts, grants: { plan_reader: [usage, select] } }
  public.a_orders_id_seq: { type: integer, owned_by: public.orders.id }
functions:
  app.zz_is_email(text):
    returns: boolean
    language: sql
    volatility: immutable
    strict: true
    body: "select $1 ~ '@'"
  app.zz_total_default():
    returns: numeric
    language: sql
    volatility: stable
    body: "select 0::numeric"
    comment: default total
  app.next_order():
    returns: public.orders
    language: sql
    body: "select * from public.orders order by id desc limit 1"
  app.latest_orders(integer):
    arguments: "p_limit integer DEFAULT 10"
    returns: SETOF public.orders
    language: sql
    volatility: stable
    rows: 10
    body: "select * from public.orders order by id desc limit p_limit"
  app.order_count():
    returns: bigint
    language: sql
    body: "BEGIN ATOMIC\n SELECT count(*) AS count\n   FROM public.orders;\nEND"
  app.a_touch():
    returns: trigger
    language: plpgsql
    security_definer: true
    config: { search_path: "public, app" }
    body: "\nbegin\n  new.touched_at := now();\n  return new;\nend\n"
    owner: plan_owner
    grants: { public: [], plan_reader: [execute] }
  app.audit_row():
    returns: trigger
    language: plpgsql
    config: { search_path: '""' }
    body: "begin return null; end"
  app.last_audit():
    returns: public.audit_log
    language: sql
    body: "select * from public.audit_log order by id desc limit 1"
  app.do_nothing(integer):
    kind: procedure
    language: plpgsql
    body: "begin perform $1; end"
    comment: a procedure
  app._concat(text, text):
    returns: text
    language: sql
    volatility: immutable
    parallel: safe
    cost: 2
    body: "select case when $1 = '' then $2 else $1 || ', ' || $2 end"
  public."Weird Fn"(public."bıgınt"):
    returns: public."bıgınt"
    language: sql
    body: "select $1"
aggregates:
  app.group_concat(text):
    sfunc: app._concat
    stype: text
    initcond: ""
    comment: concatenation
tables:
  public.orders:
    owner: plan_owner
    comment: orders
    columns:
      id:
        type: integer
        nullable: false
        default: "nextval('public.a_orders_id_seq'::regclass)"
      customer: { type: uuid, comment: the customer }
      total:
        type: numeric(10,2)
        default: app.zz_total_default()
      mood: app.mood
      "select": { type: text, collation: C, grants: { plan_reader: [select, update] } }
      amount: { type: public."bıgınt" }
      doubled: { type: bigint, generated: "amount * 2" }
      touched_at: timestamp with time zone
      during: tstzrange
    primary_key: { columns: [id], comment: the key }
    unique:
      orders_select_key: { columns: [select], nulls_not_distinct: true, comment: unique select }
    checks:
      total_positive: { expression: "total >= 0", comment: no negatives }
      later_check: { expression: "amount < 1000000", not_valid: true, comment: added later }
      mood_not_sad: "app.zz_is_email(\"select\") OR mood <> 'sad'::app.mood"
    exclusions:
      no_overlap: { definition: "USING gist (during WITH &&)", comment: no overlap }
    foreign_keys:
      orders_customer_fkey:
        columns: [customer]
        references: app.customers(id)
        on_delete: cascade
        comment: to customers
    indexes:
      orders_select_trgm:
        method: gin
        columns: [{ column: select, opclass: public.gin_trgm_ops }]
        comment: fuzzy
      orders_expr_idx:
        columns:
          - { expression: "app.zz_is_email(\"select\")" }
          - { column: id, order: desc, nulls: last }
        include: [total]
        where: "total > 0::numeric"
    grants: { plan_reader: [select, "insert with grant option"], plan_owner: ["[all]"] }
    row_level_security: { enabled: true }
    policies:
      reads_counts:
        for: select
        to: [plan_reader]
        using: "(total <= (SELECT max(c.total) FROM app.customer_totals c))"
        comment: reads a view
    triggers:
      a_touch:
        timing: before
        events: [insert, update]
        columns: [total]
        for_each: row
        when: "(pg_trigger_depth() = 0)"
        function: app.a_touch
        comment: touches
      audit_stmt:
        timing: after
        events: [update]
        for_each: statement
        function: app.audit_row
        new_table: new_rows
        old_table: old_rows
        enabled: disabled
      audit_constraint:
        timing: after
        events: [insert]
        for_each: row
        function: app.audit_row
        constraint: true
        deferrable: initially_deferred
        arguments: ["it's", "2"]
  app.customers:
    columns:
      id: { type: uuid, nullable: false, default: gen_random_uuid() }
      last_order: integer
      email: app.z_email
      pair: app.a_pair
      Mixed Case: text
      bıgınt: public."bıgınt"
      user_id: uuid
      total: numeric
    primary_key: [id]
    foreign_keys:
      customers_last_order_fkey: { columns: [last_order], references: public.orders(id), deferrable: initially_deferred }
      customers_user_fkey: { columns: [user_id], references: auth.users(id) }
    row_level_security: { enabled: true, forced: true }
    policies:
      own:
        to: [authenticated_plan, plan_reader]
        using: "(user_id = auth.uid())"
        with_check: "(user_id = auth.uid())"
        restrictive: true
  public.audit_log:
    columns:
      id: { type: integer, nullable: false, identity: always }
      prev_id: { type: integer, default: (app.last_audit()).id }
    primary_key: [id]
  public.invoices:
    columns:
      id: { type: bigint, nullable: false, identity: by_default }
      order_id: { type: integer, default: (app.next_order()).id }
      counter: { type: integer, default: "nextval('app.counter'::regclass)" }
    primary_key: [id]
    unlogged: true
    options: { fillfactor: "70" }
  public.zz_events:
    columns:
      at: { type: date, nullable: false }
      kind: { type: text, nullable: false }
      v: { type: integer, default: "0" }
    primary_key: [at, kind]
    partition_by: RANGE (at)
    indexes:
      zz_events_kind_idx: { columns: [kind] }
  public.events_2020:
    columns:
      at: { type: date, nullable: false }
      kind: { type: text, nullable: false }
      v: { type: integer, default: "1" }
    primary_key: [at, kind]
    partition_of: { parent: public.zz_events, bound: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')" }
    indexes:
      events_2020_kind_idx: { columns: [kind] }
  public.events_other:
    columns:
      at: { type: date, nullable: false }
      kind: { type: text, nullable: false }
    partition_of: { parent: public.zz_events, bound: DEFAULT }
  Mixed Case.select:
    columns:
      "Mixed Case": { type: text, comment: "it's a column" }
      "bıgınt": public."bıgınt"
views:
  app.a_first_view:
    definition: "SELECT v.id, v.n FROM app.z_second_view v WHERE v.n > 0"
    comment: over a view
    column_comments: { id: the id }
    owner: plan_owner
    grants: { plan_reader: [select] }
  app.z_second_view:
    definition: "SELECT o.id, app.order_count() AS n, public.\"Weird Fn\"(o.amount) AS w FROM public.orders o"
    options: { security_barrier: "true" }
  app.by_pk:
    definition: "SELECT o.id, o.total, count(*) AS n FROM public.orders o GROUP BY o.id"
    comment: needs the primary key (functional dependency)
  app.customer_totals:
    definition: "SELECT c.id, c.total FROM app.customers c"
    check_option: cascaded
  app.a_matview:
    materialized: true
    definition: "SELECT id, app.group_concat(\"select\") AS s FROM app.latest_orders(5) GROUP BY id"
    comment: materialized
    indexes:
      a_matview_id: { unique: true, columns: [id], comment: matview index }
default_privileges:
  - { for_role: plan_owner, schema: app, on: tables, grants: { plan_reader: [select] } }
  - { on: functions, grants: { public: [] } }
external: [auth.users, auth.uid(), auth]
"#;

fn traps() -> Database {
    let mut db = model(TRAPS);
    support::for_server(&mut db);
    db
}

#[test]
fn ordering_traps_apply_and_land() {
    let db = traps();
    let script = create_script(&db).expect("plan");
    let mut t = TestDb::new("traps");
    t.apply(AUTH_SETUP);
    t.apply(&script);

    // The detached default (cycle audit_log <-> app.last_audit) landed.
    assert_eq!(
        t.one(
            "SELECT pg_get_expr(d.adbin, d.adrelid) AS v FROM pg_attrdef d \
             JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum \
             WHERE d.adrelid = 'public.audit_log'::regclass AND a.attname = 'prev_id'"
        ),
        "(app.last_audit()).id"
    );
    assert!(script.contains("ALTER TABLE public.audit_log ALTER COLUMN prev_id SET DEFAULT"));
    assert_eq!(
        t.one("SELECT proconfig::text AS v FROM pg_proc WHERE proname = 'a_touch'"),
        "{\"search_path=public, app\"}"
    );
    assert_eq!(
        t.one("SELECT proconfig::text AS v FROM pg_proc WHERE proname = 'audit_row'"),
        "{\"search_path=\\\"\\\"\"}"
    );
    assert_eq!(
        t.one("SELECT tgenabled::text AS v FROM pg_trigger WHERE tgname = 'audit_stmt'"),
        "D"
    );
    assert_eq!(
        t.one("SELECT pg_get_serial_sequence('public.orders', 'id') AS v"),
        "public.a_orders_id_seq"
    );
    assert_eq!(
        t.one("SELECT has_function_privilege('public', 'app.a_touch()', 'execute')::text AS v"),
        "false"
    );
    assert_eq!(
        t.one("SELECT relforcerowsecurity::text AS v FROM pg_class WHERE oid = 'app.customers'::regclass"),
        "true"
    );
    assert_eq!(
        t.one("SELECT convalidated::text AS v FROM pg_constraint WHERE conname = 'later_check'"),
        "false"
    );
    // The partition keeps its own index name; the parent's index attached it.
    assert_eq!(
        t.strings(
            "SELECT indexrelid::regclass::text AS v FROM pg_index \
             WHERE indrelid = 'public.events_2020'::regclass ORDER BY 1"
        ),
        vec!["events_2020_kind_idx", "events_2020_pkey"]
    );
    assert_eq!(
        t.one("SELECT obj_description('app.group_concat(text)'::regprocedure) AS v"),
        "concatenation"
    );
    assert_eq!(
        t.one("SELECT col_description('\"Mixed Case\".\"select\"'::regclass, 1) AS v"),
        "it's a column"
    );
    // The owner holds every table privilege: MAINTAIN (m) too since 17.
    let owner = if support::server_major() >= 17 {
        "arwdDxtm"
    } else {
        "arwdDxt"
    };
    assert_eq!(
        t.one("SELECT relacl::text AS v FROM pg_class WHERE oid = 'public.orders'::regclass"),
        format!("{{plan_owner={owner}/plan_owner,plan_reader=a*r/plan_owner}}")
    );
    assert_eq!(t.one("SELECT count(*)::text AS v FROM pg_default_acl"), "2");
}

#[test]
fn script_is_deterministic() {
    let db = traps();
    let a = create_script(&db).unwrap();
    if let Ok(path) = std::env::var("PLAN_DUMP") {
        std::fs::write(path, &a).unwrap();
    }
    let b = create_script(&db).unwrap();
    assert_eq!(a, b);
    // Map order does not matter: only names and dependencies do.
    let mut reversed = db.clone();
    reversed.tables.reverse();
    reversed.views.reverse();
    reversed.functions.reverse();
    reversed.domains.reverse();
    reversed.schemas.reverse();
    assert_eq!(a, create_script(&reversed).unwrap());
}

#[test]
fn dependencies_are_recorded() {
    let steps = create_steps(&traps()).unwrap();
    let pos = |id: &str| {
        steps
            .iter()
            .position(|s| s.id == id)
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let deps = |id: &str| -> Vec<String> {
        (steps[pos(id)].depends_on.iter())
            .map(|d| d.to_string())
            .collect()
    };
    assert!(deps("view:app.a_first_view").contains(&"view:app.z_second_view".to_string()));
    assert!(pos("view:app.z_second_view") < pos("view:app.a_first_view"));
    assert!(deps("domain:app.z_email").contains(&"function:app.zz_is_email(text)".to_string()));
    assert!(deps("type:app.a_pair").contains(&"domain:app.z_email".to_string()));
    assert!(deps("table:public.invoices").contains(&"function:app.next_order()".to_string()));
    assert!(deps("function:app.next_order()").contains(&"table:public.orders".to_string()));
    assert!(deps("function:app.order_count()").contains(&"table:public.orders".to_string()));
    assert!(deps("table:public.invoices").contains(&"sequence:app.counter".to_string()));
    assert!(
        deps("policy:public.orders.reads_counts").contains(&"view:app.customer_totals".to_string())
    );
    assert!(deps("index:public.zz_events.zz_events_kind_idx")
        .contains(&"index:public.events_2020.events_2020_kind_idx".to_string()));
    assert!(deps("aggregate:app.group_concat(text)")
        .contains(&"function:app._concat(text, text)".to_string()));
    assert!(
        deps("index:public.orders.orders_select_trgm").contains(&"extension:pg_trgm".to_string())
    );
    // External objects are never created.
    assert!(!steps
        .iter()
        .any(|s| s.sql.contains("CREATE TABLE auth.users")));
    assert!(!steps.iter().any(|s| s.sql.contains("CREATE SCHEMA auth")));
    // Default privileges come last.
    assert_eq!(
        steps.last().unwrap().kind,
        reconcile::plan::StepKind::DefaultPrivileges
    );
    // Every dependency is placed before its dependent.
    for (i, s) in steps.iter().enumerate() {
        for d in &s.depends_on {
            assert!(pos(d) < i, "{} before its dependency {d}", s.id);
        }
    }
}

/// A function and a view that each read the other.
const UNBREAKABLE_CYCLE: &str = r#"
functions:
  public.f():
    returns: SETOF public.v
    language: sql
    body: "select * from public.v"
views:
  public.v:
    definition: "SELECT 1 AS x FROM public.f() f(x)"
"#;

/// A CHECK calls a function whose signature uses the table's row type.
const CHECK_CYCLE: &str = r#"
functions:
  public.ok(public.t):
    returns: boolean
    language: sql
    body: "select $1.x > 0"
tables:
  public.t:
    columns: { x: integer }
    checks: { t_ok: "public.ok(t.*)" }
"#;

#[test]
fn unbreakable_cycle_is_an_error() {
    let db = model(UNBREAKABLE_CYCLE);
    match create_script(&db) {
        Err(PlanError::Cycle(c)) => {
            assert!(c.contains("function:public.f()"), "{c}");
            assert!(c.contains("view:public.v"), "{c}");
        }
        other => panic!("expected a cycle error, got {other:?}"),
    }
}

/// The diff takes its create steps unordered (it orders its changes
/// itself): a cycle must still be found, split off where it can be, and an
/// error where it cannot.
#[test]
fn a_migration_from_nothing_splits_or_refuses_cycles_as_the_script_does() {
    let opts = reconcile::plan::PlanOptions::default();
    let empty = Database::default();
    let split = model(CHECK_CYCLE);
    let plan = reconcile::plan::plan_migration(&empty, &split, &opts).unwrap();
    let up: Vec<&str> = plan
        .steps
        .iter()
        .flat_map(|s| &s.up)
        .map(|x| x.as_str())
        .collect();
    let at = |text: &str| up.iter().position(|u| u.contains(text));
    let (table, function, check) = (
        at("CREATE TABLE public.t").expect("the table"),
        at("CREATE FUNCTION public.ok").expect("the function"),
        at("ADD CONSTRAINT t_ok CHECK").expect("the check, split off"),
    );
    assert!(table < function && function < check, "{up:#?}");
    let unbreakable = model(UNBREAKABLE_CYCLE);
    match reconcile::plan::plan_migration(&empty, &unbreakable, &opts) {
        Err(PlanError::Cycle(c)) => assert!(c.contains("view:public.v"), "{c}"),
        other => panic!("expected a cycle error, got {other:?}"),
    }
}

#[test]
fn check_cycle_is_split_off() {
    let db = model(CHECK_CYCLE);
    let script = create_script(&db).unwrap();
    assert!(
        script.contains("ALTER TABLE public.t ADD CONSTRAINT t_ok CHECK"),
        "{script}"
    );
    let mut t = TestDb::new("checkcycle");
    t.apply(&script);
    assert_eq!(
        t.one("SELECT conname::text AS v FROM pg_constraint WHERE conrelid = 'public.t'::regclass"),
        "t_ok"
    );
}

#[test]
fn domain_check_cycle_is_split_off() {
    // The function returns the domain; the domain's check calls it.
    let db = model(
        r#"
domains:
  public.code: { type: text, checks: { code_ok: "public.normalize(VALUE) IS NOT NULL" } }
functions:
  public.normalize(text):
    returns: public.code
    language: sql
    volatility: immutable
    body: "select upper($1)"
"#,
    );
    let script = create_script(&db).unwrap();
    assert!(
        script.contains("ALTER DOMAIN public.code ADD CONSTRAINT code_ok CHECK"),
        "{script}"
    );
    let mut t = TestDb::new("domaincycle");
    let before = t.one(INVENTORY);
    t.apply(&script);
    assert_eq!(
        t.one(
            "SELECT conname::text AS v FROM pg_constraint WHERE contypid = 'public.code'::regtype"
        ),
        "code_ok"
    );
    t.apply(&drop_script(&db).unwrap());
    assert_eq!(t.one(INVENTORY), before);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let db = model("tables: { public.t: { columns: { x: { type: integer, default: \"1 +\" } } } }");
    assert!(matches!(create_script(&db), Err(PlanError::Parse { .. })));
    let db = model("functions: { \"public.f\": { returns: int, language: sql, body: x } }");
    assert!(matches!(create_script(&db), Err(PlanError::Name { .. })));
}

/// A pagila-like model: enum, domains (one Unicode), partitioned payments,
/// triggers, views, a matview with an index, full-text, an aggregate.
const PAGILA_LIKE: &str = r#"
enums:
  public.mpaa_rating: { values: [G, PG, PG-13, R, NC-17] }
domains:
  public."bıgınt": { type: bigint }
  public.year: { type: integer, checks: { year_check: "VALUE >= 1901 AND VALUE <= 2155" } }
sequences:
  public.actor_actor_id_seq: { type: integer, owned_by: public.actor.actor_id }
  public.film_film_id_seq: { type: integer, owned_by: public.film.film_id }
functions:
  public.last_updated():
    returns: trigger
    language: plpgsql
    body: "\nBEGIN\n    NEW.last_update = CURRENT_TIMESTAMP;\n    RETURN NEW;\nEND "
  public._group_concat(text, text):
    returns: text
    language: sql
    volatility: immutable
    body: "\nSELECT CASE\n  WHEN $2 IS NULL THEN $1\n  WHEN $1 IS NULL THEN $2\n  ELSE $1 || ', ' || $2\nEND\n"
  public.film_in_stock(integer, integer):
    arguments: "p_film_id integer, p_store_id integer, OUT p_film_count integer"
    returns: SETOF integer
    language: sql
    body: "\n     SELECT film_id FROM film WHERE film_id = $1;\n"
aggregates:
  public.group_concat(text): { sfunc: public._group_concat, stype: text }
tables:
  public.actor:
    columns:
      actor_id: { type: integer, nullable: false, default: "nextval('public.actor_actor_id_seq'::regclass)" }
      first_name: { type: text, nullable: false }
      last_name: { type: text, nullable: false }
      last_update: { type: timestamp with time zone, nullable: false, default: now() }
    primary_key: [actor_id]
    indexes:
      idx_actor_last_name: { columns: [last_name] }
    triggers:
      last_updated: { timing: before, events: [update], for_each: row, function: public.last_updated }
  public.film:
    columns:
      film_id: { type: integer, nullable: false, default: "nextval('public.film_film_id_seq'::regclass)" }
      title: { type: text, nullable: false }
      release_year: public.year
      rating: { type: public.mpaa_rating, default: "'G'::public.mpaa_rating" }
      special_features: text[]
      fulltext: { type: tsvector, nullable: false }
      revenue: public."bıgınt"
    primary_key: [film_id]
    indexes:
      film_fulltext_idx: { method: gist, columns: [fulltext] }
  public.film_actor:
    columns:
      actor_id: { type: integer, nullable: false }
      film_id: { type: integer, nullable: false }
    primary_key: [actor_id, film_id]
    foreign_keys:
      film_actor_actor_id_fkey: { columns: [actor_id], references: public.actor(actor_id), on_update: cascade, on_delete: restrict }
      film_actor_film_id_fkey: { columns: [film_id], references: public.film(film_id), on_update: cascade, on_delete: restrict }
  public.payment:
    columns:
      payment_id: { type: integer, nullable: false, identity: by_default }
      amount: { type: "numeric(5,2)", nullable: false }
      payment_date: { type: timestamp with time zone, nullable: false }
    primary_key: [payment_date, payment_id]
    partition_by: RANGE (payment_date)
  public.payment_p2022_01:
    columns:
      payment_id: { type: integer, nullable: false }
      amount: { type: "numeric(5,2)", nullable: false }
      payment_date: { type: timestamp with time zone, nullable: false }
    primary_key: [payment_date, payment_id]
    partition_of: { parent: public.payment, bound: "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')" }
views:
  public.actor_info:
    definition: " SELECT a.actor_id,\n    a.first_name,\n    group_concat(DISTINCT f.title) AS film_info\n   FROM ((public.actor a\n     LEFT JOIN public.film_actor fa ON ((a.actor_id = fa.actor_id)))\n     LEFT JOIN public.film f ON ((fa.film_id = f.film_id)))\n  GROUP BY a.actor_id, a.first_name"
  public.rental_by_category:
    materialized: true
    definition: " SELECT f.rating, count(*) AS n\n   FROM public.film f\n  GROUP BY f.rating"
    indexes:
      rental_category: { unique: true, columns: [rating] }
"#;

#[test]
fn pagila_like_model_applies() {
    let db = model(PAGILA_LIKE);
    let script = create_script(&db).unwrap();
    let mut t = TestDb::new("pagila");
    t.apply(&script);
    assert_eq!(
        t.one("SELECT count(*)::text AS v FROM pg_inherits WHERE inhparent = 'public.payment'::regclass"),
        "1"
    );
    assert_eq!(
        t.one(
            "SELECT format_type(typbasetype, typtypmod) AS v FROM pg_type WHERE typname = 'bıgınt'"
        ),
        "bigint"
    );
}

/// A Supabase-like model (basejump style): auth is external, RLS
/// everywhere, SECURITY DEFINER functions with `search_path = ''`.
const SUPABASE_LIKE: &str = r#"
schemas:
  basejump: { grants: { plan_reader: [usage] } }
enums:
  basejump.account_role: { values: [owner, member] }
functions:
  basejump.has_role_on_account(uuid, basejump.account_role):
    arguments: "account_id uuid, account_role basejump.account_role DEFAULT NULL::basejump.account_role"
    returns: boolean
    language: sql
    security_definer: true
    config: { search_path: '""' }
    body: "\nselect exists(select 1 from basejump.account_user wu\n  where wu.user_id = auth.uid() and wu.account_id = has_role_on_account.account_id\n  and (wu.account_role = has_role_on_account.account_role or has_role_on_account.account_role is null));\n"
    grants: { public: [], plan_reader: [execute] }
  basejump.trigger_set_timestamps():
    returns: trigger
    language: plpgsql
    body: "\nBEGIN\n    NEW.updated_at = now();\n    RETURN NEW;\nEND\n"
tables:
  basejump.accounts:
    columns:
      id: { type: uuid, nullable: false, default: gen_random_uuid() }
      primary_owner_user_id: { type: uuid, nullable: false, default: auth.uid() }
      name: text
      updated_at: timestamp with time zone
    primary_key: [id]
    foreign_keys:
      accounts_primary_owner_user_id_fkey: { columns: [primary_owner_user_id], references: auth.users(id) }
    row_level_security: { enabled: true }
    policies:
      Accounts are viewable by members:
        for: select
        to: [plan_reader]
        using: "basejump.has_role_on_account(id)"
    triggers:
      basejump_set_accounts_timestamp:
        timing: before
        events: [insert, update]
        for_each: row
        function: basejump.trigger_set_timestamps
    grants: { plan_reader: [select, insert, update, delete] }
  basejump.account_user:
    columns:
      user_id: { type: uuid, nullable: false }
      account_id: { type: uuid, nullable: false }
      account_role: { type: basejump.account_role, nullable: false }
    primary_key: [user_id, account_id]
    foreign_keys:
      account_user_account_id_fkey: { columns: [account_id], references: basejump.accounts(id), on_delete: cascade }
      account_user_user_id_fkey: { columns: [user_id], references: auth.users(id), on_delete: cascade }
    row_level_security: { enabled: true }
    policies:
      users can view their own account_users:
        for: select
        to: [plan_reader]
        using: "(user_id = auth.uid())"
external: [auth.users, auth.uid()]
"#;

#[test]
fn supabase_like_model_applies() {
    let db = model(SUPABASE_LIKE);
    let script = create_script(&db).unwrap();
    assert!(script.starts_with("SET check_function_bodies = false;\n"));
    let mut t = TestDb::new("supa");
    t.apply(AUTH_SETUP);
    t.apply(&script);
    assert_eq!(
        t.one("SELECT count(*)::text AS v FROM pg_policies WHERE schemaname = 'basejump'"),
        "2"
    );
}

/// Every `*.yaml` under `dir`, in path order.
fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

/// The example desired state in `schema/`: one partial model per file,
/// merged (the loader proper lives elsewhere; this needs only the types).
fn example_schema() -> Database {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    assert!(!files.is_empty(), "no example schema files");
    let mut db = Database::default();
    for f in files {
        let part = model(&std::fs::read_to_string(&f).unwrap());
        db.schemas.extend(part.schemas);
        db.extensions.extend(part.extensions);
        db.enums.extend(part.enums);
        db.domains.extend(part.domains);
        db.composite_types.extend(part.composite_types);
        db.sequences.extend(part.sequences);
        db.tables.extend(part.tables);
        db.views.extend(part.views);
        db.functions.extend(part.functions);
        db.aggregates.extend(part.aggregates);
        db.default_privileges.extend(part.default_privileges);
        db.external.extend(part.external);
    }
    support::for_server(&mut db);
    db
}

#[test]
fn example_schema_applies() {
    let db = example_schema();
    assert!(db.tables.len() >= 8);
    let script = create_script(&db).unwrap();
    let mut t = TestDb::new("example");
    t.apply(AUTH_SETUP);
    t.apply(&script);
    let tables = t.one(
        "SELECT count(*)::text AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
    );
    assert_eq!(tables, db.tables.len().to_string());
    let policies = t.one("SELECT count(*)::text AS v FROM pg_policies WHERE schemaname = 'public'");
    let expected: usize = db.tables.values().map(|t| t.policies.len()).sum();
    assert_eq!(policies, expected.to_string());
}

/// Everything user-visible in a database, as one sorted list.
const INVENTORY: &str = "SELECT coalesce(string_agg(x, ', ' ORDER BY x), '') AS v FROM (
  SELECT 'class ' || c.oid::regclass::text FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL SELECT 'proc ' || p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL SELECT 'type ' || t.oid::regtype::text FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  UNION ALL SELECT 'schema ' || nspname FROM pg_namespace
  UNION ALL SELECT 'extension ' || extname FROM pg_extension
  UNION ALL SELECT 'default acl ' || defaclobjtype::text FROM pg_default_acl) s(x)";

#[test]
fn down_script_undoes_up() {
    let db = traps();
    let up = create_script(&db).unwrap();
    let down = drop_script(&db).unwrap();
    let mut t = TestDb::new("down");
    t.apply(AUTH_SETUP);
    let before = t.one(INVENTORY);
    t.apply(&up);
    assert_ne!(t.one(INVENTORY), before);
    t.apply(&down);
    assert_eq!(
        t.one(INVENTORY),
        before,
        "down script left objects behind:\n{down}"
    );
    // And up again on the emptied database.
    t.apply(&up);
    // The example schema too.
    let example = example_schema();
    let mut e = TestDb::new("example_down");
    e.apply(AUTH_SETUP);
    let before = e.one(INVENTORY);
    e.apply(&create_script(&example).unwrap());
    e.apply(&drop_script(&example).unwrap());
    assert_eq!(e.one(INVENTORY), before);
}

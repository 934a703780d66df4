//! SQL files against the YAML that says the same: each pair must load to
//! the same model.

use crate::model::load::load_str;
use crate::model::Database;

fn sql(text: &str) -> Database {
    load_str(text, "schema.sql").unwrap_or_else(|e| panic!("{text}\n{e}"))
}

fn yaml(text: &str) -> Database {
    load_str(text, "schema.yaml").unwrap_or_else(|e| panic!("{text}\n{e}"))
}

fn same(sql_text: &str, yaml_text: &str) {
    // Maps are compared in name order: YAML keeps file order.
    let a = crate::model::write::sorted(&sql(sql_text));
    let b = crate::model::write::sorted(&yaml(yaml_text));
    assert_eq!(
        serde_saphyr::to_string(&a).unwrap(),
        serde_saphyr::to_string(&b).unwrap(),
        "{sql_text}"
    );
    assert_eq!(a, b, "{sql_text}");
}

#[test]
fn constraints_get_the_names_postgres_gives_them() {
    same(
        "create table t (a int primary key, b text unique, c int check (c > 0), d int references t, check (b <> ''), unique (b, c));",
        "tables:
  public.t:
    columns: { a: integer, b: text, c: integer, d: integer }
    primary_key: [a]
    unique: { t_b_key: [b], t_b_c_key: [b, c] }
    checks: { t_c_check: c > 0, t_b_check: b <> '' }
    foreign_keys: { t_d_fkey: { columns: [d], references: public.t } }
",
    );
}

#[test]
fn pg_dump_output_reads_as_the_schema_it_dumps() {
    same(
        "SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE SCHEMA app;
CREATE TABLE app.items (
    id integer NOT NULL,
    name text DEFAULT 'x'::text
);
CREATE SEQUENCE app.items_id_seq
    AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE app.items_id_seq OWNED BY app.items.id;
ALTER TABLE ONLY app.items ALTER COLUMN id SET DEFAULT nextval('app.items_id_seq'::regclass);
ALTER TABLE ONLY app.items ADD CONSTRAINT items_pkey PRIMARY KEY (id);
CREATE INDEX items_name_idx ON app.items USING btree (name);
COMMENT ON COLUMN app.items.name IS 'the name';
REVOKE ALL ON TABLE app.items FROM PUBLIC;
GRANT SELECT ON TABLE app.items TO PUBLIC;
",
        "schemas:
  app: {}
sequences:
  app.items_id_seq: { type: integer, start: 1, increment: 1, cache: 1, owned_by: app.items.id }
tables:
  app.items:
    columns:
      id: { type: integer, nullable: false, default: \"nextval('app.items_id_seq'::regclass)\" }
      name: { type: text, default: \"'x'::text\", comment: the name }
    primary_key: [id]
    indexes: { items_name_idx: { columns: [name] } }
    grants: { public: [select] }
",
    );
}

#[test]
fn search_path_places_unqualified_names() {
    same(
        "create schema app;
set search_path = app, public;
create type mood as enum ('ok', 'sad');
create table people (m mood, n int);
create policy p on people for select to authenticated using (n > 0);
",
        "schemas:
  app: {}
enums:
  app.mood: { values: [ok, sad] }
tables:
  app.people:
    columns: { m: app.mood, n: integer }
    policies: { p: { for: select, to: [authenticated], using: n > 0 } }
",
    );
}

#[test]
fn functions_grants_and_default_privileges() {
    same(
        "create function public.add(a integer, b integer default 1) returns integer
  language sql immutable strict as $$ select a + b $$;
revoke all on function public.add(integer, integer) from public;
grant execute on function public.add to authenticated;
comment on function public.add(int, int) is 'adds';
alter default privileges in schema public grant select on tables to anon;
",
        "functions:
  public.add(integer, integer):
    arguments: a integer, b integer DEFAULT 1
    returns: integer
    language: sql
    body: ' select a + b '
    volatility: immutable
    strict: true
    comment: adds
    grants: { public: [], authenticated: [execute] }
default_privileges:
  - { schema: public, on: tables, grants: { anon: [select] } }
",
    );
}

#[test]
fn objects_on_a_table_the_files_do_not_create_are_attached_to_it() {
    same(
        "create function public.f() returns trigger language plpgsql as $$ begin return new; end $$;
create trigger t after insert on auth.users for each row execute function public.f();
create policy \"read\" on storage.objects for select using (bucket_id = 'a');
create table public.p (id uuid references auth.users);
",
        "functions:
  public.f():
    returns: trigger
    language: plpgsql
    body: ' begin return new; end '
tables:
  auth.users:
    triggers: { t: { timing: after, events: [insert], for_each: row, function: public.f } }
  storage.objects:
    policies: { read: { for: select, using: bucket_id = 'a' } }
  public.p:
    columns: { id: uuid }
    foreign_keys: { p_id_fkey: { columns: [id], references: auth.users } }
external: [auth.users, storage.objects]
",
    );
}

#[test]
fn file_order_does_not_matter() {
    let files = [
        ("b.sql", "alter table public.t add constraint t_u_fkey foreign key (u) references public.u;\ncreate index t_u_idx on public.t (u);"),
        ("a.sql", "create table public.t (id int primary key, u int);"),
        ("c.sql", "create table public.u (id int primary key);"),
    ];
    let sources: Vec<crate::model::load::Source> = files
        .iter()
        .map(|(l, t)| crate::model::load::Source::new(l, t))
        .collect();
    let (db, _) = crate::model::load::load_sources(sources).unwrap();
    let t = &db.tables["public.t"];
    assert_eq!(t.foreign_keys["t_u_fkey"].references, "public.u(id)");
    assert!(t.indexes.contains_key("t_u_idx"));
}

#[test]
fn view_column_grants() {
    same(
        "create table t (a int, b text);
create view v as select a, b from t;
grant select (a, b), update (b) on v to reader;
grant select on v to admin;",
        "tables:
  public.t:
    columns: { a: integer, b: text }
views:
  public.v:
    definition: select a, b from t
    grants: { admin: [select] }
    column_grants:
      a: { reader: [select] }
      b: { reader: [select, update] }
",
    );
}

#[test]
fn pg_dump_guards_and_owners_read_as_the_schema_they_dump() {
    same(
        "--
-- PostgreSQL database dump
--

\\restrict Mpf2ACLxH3lgp8Nm3JBnphx21XXCQqCcumaQtgdHfOfpNxOKMXJeFYy4bWEKIcW

SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);
CREATE SCHEMA app;
ALTER SCHEMA app OWNER TO postgres;
CREATE TYPE app.mood AS ENUM ('ok');
ALTER TYPE app.mood OWNER TO postgres;
CREATE FUNCTION app.two(a integer) RETURNS integer LANGUAGE sql AS $$ select 2 $$;
ALTER FUNCTION app.two(a integer) OWNER TO postgres;
CREATE AGGREGATE app.total(integer) (SFUNC = int4pl, STYPE = integer);
ALTER AGGREGATE app.total(integer) OWNER TO postgres;
CREATE TABLE app.t (id integer);
ALTER TABLE app.t OWNER TO postgres;
CREATE SEQUENCE app.s;
ALTER SEQUENCE app.s OWNER TO postgres;
CREATE VIEW app.v AS SELECT 1 AS one;
ALTER VIEW app.v OWNER TO postgres;

\\unrestrict Mpf2ACLxH3lgp8Nm3JBnphx21XXCQqCcumaQtgdHfOfpNxOKMXJeFYy4bWEKIcW
",
        "schemas:
  app: { owner: postgres }
enums:
  app.mood: { values: [ok], owner: postgres }
functions:
  app.two(integer):
    arguments: a integer
    returns: integer
    language: sql
    body: ' select 2 '
    owner: postgres
aggregates:
  app.total(integer): { sfunc: int4pl, stype: integer }
tables:
  app.t:
    columns: { id: integer }
    owner: postgres
sequences:
  app.s: { owner: postgres }
views:
  app.v:
    definition: SELECT 1 AS one
    owner: postgres
",
    );
}

#[test]
fn a_line_after_a_dump_guard_keeps_its_line_and_column() {
    let text = "\\restrict kéy\ncreate table t (id int);\n  create tabel u ();\n";
    let e = load_str(text, "schema.sql").unwrap_err().to_string();
    assert!(e.contains("schema.sql:3:10"), "{e}");
    let e = load_str("create table t (id int);\n\\connect other\n", "schema.sql")
        .unwrap_err()
        .to_string();
    assert!(e.contains("schema.sql:2:1"), "{e}");
    assert!(e.contains("`\\connect` is a psql command, not SQL"), "{e}");
}

#[test]
fn collations_read_as_the_catalog_names_them() {
    same(
        "create table t (a text collate \"C\", b text not null collate pg_catalog.\"C\");
create index t_a_idx on t (a collate pg_catalog.\"C\");",
        "tables:
  public.t:
    columns:
      a: { type: text, collation: C }
      b: { type: text, nullable: false, collation: C }
    indexes: { t_a_idx: { columns: [{ column: a, collation: C }] } }
",
    );
}

#[test]
fn a_partitions_attached_index_belongs_to_its_parents() {
    same(
        "CREATE TABLE public.m (id integer NOT NULL, at date NOT NULL, note text) PARTITION BY RANGE (at);
CREATE TABLE public.m_2024 (id integer NOT NULL, at date NOT NULL, note text);
ALTER TABLE ONLY public.m ATTACH PARTITION public.m_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
ALTER TABLE ONLY public.m ADD CONSTRAINT m_pkey PRIMARY KEY (id, at);
ALTER TABLE ONLY public.m_2024 ADD CONSTRAINT m_2024_pkey PRIMARY KEY (id, at);
ALTER TABLE ONLY public.m ADD CONSTRAINT m_note_key UNIQUE (note, at);
ALTER TABLE ONLY public.m_2024 ADD CONSTRAINT m_2024_note_at_key UNIQUE (note, at);
CREATE INDEX m_note_idx ON ONLY public.m USING btree (note);
CREATE INDEX m_2024_note_idx ON public.m_2024 USING btree (note);
CREATE INDEX m_2024_at_idx ON public.m_2024 USING btree (at);
ALTER INDEX public.m_pkey ATTACH PARTITION public.m_2024_pkey;
ALTER INDEX public.m_note_key ATTACH PARTITION public.m_2024_note_at_key;
ALTER INDEX public.m_note_idx ATTACH PARTITION public.m_2024_note_idx;
",
        "tables:
  public.m:
    columns: { id: { type: integer, nullable: false }, at: { type: date, nullable: false }, note: text }
    primary_key: [id, at]
    unique: { m_note_key: [note, at] }
    indexes: { m_note_idx: { columns: [note] } }
    partition_by: RANGE (at)
  public.m_2024:
    columns: { id: { type: integer, nullable: false }, at: { type: date, nullable: false }, note: text }
    indexes: { m_2024_at_idx: { columns: [at] } }
    partition_of: { parent: public.m, bound: FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') }
",
    );
    let e = load_str(
        "create table t (id int);\nalter index public.nothing attach partition public.t_idx;\n",
        "schema.sql",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("schema.sql:2:1: index nothing is not created in these files"),
        "{e}"
    );
}

#[test]
fn postgres_own_trigger_functions_are_found_in_pg_catalog() {
    same(
        "create table public.d (body text, v tsvector);
create trigger d_v before insert on public.d for each row execute function tsvector_update_trigger('v', 'pg_catalog.english', 'body');",
        "tables:
  public.d:
    columns: { body: text, v: tsvector }
    triggers:
      d_v:
        timing: before
        events: [insert]
        for_each: row
        function: pg_catalog.tsvector_update_trigger
        arguments: [v, pg_catalog.english, body]
external: [pg_catalog.tsvector_update_trigger]
",
    );
}

#[test]
fn the_public_schema_starts_as_postgres_makes_it() {
    let public = "schemas:
  public:
    owner: pg_database_owner
    comment: standard public schema
    grants: { public: [usage], anon: [usage] }
";
    // Written by hand: public is not created, only granted on.
    same("grant usage on schema public to anon;", public);
    // Written by pg_dump: created, then what differs from its start.
    same(
        "CREATE SCHEMA public;
ALTER SCHEMA public OWNER TO pg_database_owner;
COMMENT ON SCHEMA public IS 'standard public schema';
GRANT USAGE ON SCHEMA public TO anon;",
        public,
    );
    same(
        "revoke usage on schema public from public;",
        "schemas:
  public:
    owner: pg_database_owner
    comment: standard public schema
    grants: { public: [] }
",
    );
    // Any other schema starts empty.
    same(
        "create schema app; grant usage on schema app to anon;",
        "schemas:\n  app: { grants: { anon: [usage] } }\n",
    );
}

#[test]
fn not_null_constraints_keep_their_names_and_flags() {
    same(
        "create table t (a int constraint a_required not null, b int, c int);
alter table t add constraint b_later not null b not valid;
alter table t add constraint c_here not null c no inherit;",
        "tables:
  public.t:
    columns:
      a: { type: integer, nullable: false, not_null: { name: a_required } }
      b: { type: integer, nullable: false, not_null: { name: b_later, not_valid: true } }
      c: { type: integer, nullable: false, not_null: { name: c_here, no_inherit: true } }
",
    );
}

#[test]
fn a_partition_column_with_options_takes_the_parent_type() {
    same(
        "create table m (at date not null, v int) partition by range (at);
create table m_2024 partition of m (
    at with options constraint m_2024_at_nn not null,
    v with options default 1
) FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        "tables:
  public.m:
    columns: { at: { type: date, nullable: false }, v: integer }
    partition_by: RANGE (at)
  public.m_2024:
    columns:
      at: { type: date, nullable: false, not_null: { name: m_2024_at_nn } }
      v: { type: integer, default: '1' }
    partition_of: { parent: public.m, bound: FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') }
",
    );
}

#[test]
fn on_delete_set_null_keeps_its_columns() {
    same(
        "create table p (t int, id int, primary key (t, id));
create table c (t int not null, p_id int, constraint c_p foreign key (t, p_id) references p on delete set null (p_id));",
        "tables:
  public.p:
    columns: { t: { type: integer, nullable: false }, id: { type: integer, nullable: false } }
    primary_key: [t, id]
  public.c:
    columns: { t: { type: integer, nullable: false }, p_id: integer }
    foreign_keys:
      c_p: { columns: [t, p_id], references: public.p, on_delete: set_null, on_delete_columns: [p_id] }
",
    );
}

#[test]
fn publications_read_as_declared() {
    same(
        "create schema app;
create table t (id int primary key, a text, b text);
create table app.u (id int primary key);
create publication pub for table t (b, id) where (a is not null), app.u, tables in schema app
  with (publish = 'insert, update', publish_via_partition_root = true);
comment on publication pub is 'feed';
alter publication pub owner to someone;
create publication everything for all tables;",
        "schemas: { app: {} }
tables:
  public.t: { columns: { id: integer, a: text, b: text }, primary_key: [id] }
  app.u: { columns: { id: integer }, primary_key: [id] }
publications:
  pub:
    tables:
      public.t: { columns: [id, b], where: a is not null }
      app.u: {}
    schemas: [app]
    publish: [update, insert]
    via_partition_root: true
    comment: feed
    owner: someone
  everything: { all_tables: true }
",
    );
}

#[test]
fn alter_publication_adds_and_drops_in_file_order() {
    // pg_dump's form, and an ALTER of a publication the files do not
    // create (a platform's: someone else's, tables added only).
    same(
        "alter publication supabase_realtime add table public.t;
create table t (id int primary key);
create table v (id int primary key);
create publication p;
alter publication p add table only public.t;
alter publication p add table v;
alter publication p drop table t;
alter publication p set (publish = 'insert');",
        "tables:
  public.t: { columns: { id: integer }, primary_key: [id] }
  public.v: { columns: { id: integer }, primary_key: [id] }
publications:
  p: { tables: { public.v: {} }, publish: [insert] }
  supabase_realtime: { external: true, tables: { public.t: {} } }
",
    );
}

#[test]
fn a_publication_created_twice_or_with_an_unknown_option_is_refused() {
    for text in [
        "create table t (id int);\ncreate publication p for table t;\ncreate publication p;",
        "create publication p with (publish_generated_columns = stored);",
    ] {
        let e = load_str(text, "schema.sql").unwrap_err().to_string();
        assert!(e.contains("schema.sql:"), "{e}");
        assert!(e.contains("publication"), "{e}");
    }
    let e = load_str(
        "publications: { p: { all_tables: true, tables: { public.t: {} }, publish: [upsert] } }",
        "schema.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`upsert` is not an operation"), "{e}");
    assert!(e.contains("lists no tables or schemas"), "{e}");
}

#[test]
fn collations_read_as_declared() {
    same(
        "create collation ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
create collation posix (locale = 'C');
create collation split (lc_collate = 'C', lc_ctype = 'POSIX');
comment on collation ci is 'case-insensitive';
alter collation ci owner to someone;
create table t (a text collate ci);",
        "collations:
  public.ci: { provider: icu, locale: und-u-ks-level2, deterministic: false, comment: case-insensitive, owner: someone }
  public.posix: { provider: libc, locale: C }
  public.split: { provider: libc, lc_collate: C, lc_ctype: POSIX }
tables:
  public.t: { columns: { a: { type: text, collation: public.ci } } }
",
    );
    let e = load_str("create collation c2 from \"C\";", "schema.sql")
        .unwrap_err()
        .to_string();
    assert!(e.contains("schema.sql:1:1") && e.contains("FROM"), "{e}");
}

#[test]
fn text_search_configurations_read_as_pg_dump_writes_them() {
    same(
        "create text search configuration cfg (parser = pg_catalog.\"default\");
alter text search configuration cfg add mapping for asciiword, word with pg_catalog.english_stem, simple;
alter text search configuration cfg add mapping for email with simple;
alter text search configuration cfg alter mapping for word with unaccent, simple;
alter text search configuration cfg drop mapping for email;
comment on text search configuration cfg is 'mine';",
        "text_search_configurations:
  public.cfg:
    parser: default
    mappings:
      asciiword: [english_stem, simple]
      word: [public.unaccent, simple]
    comment: mine
",
    );
    let e = load_str(
        "create text search configuration c (copy = english);",
        "schema.sql",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("schema.sql:1:1") && e.contains("COPY"), "{e}");
}

#[test]
fn identity_options_from_create_alter_column_and_alter_sequence() {
    let yaml_text = "schemas:
  app: {}
tables:
  app.t:
    columns:
      id: { type: bigint, nullable: false, identity: by_default, identity_sequence: { start: 100, increment: 5, max_value: 9000000000, cache: 10, cycle: true } }
      n: { type: integer, nullable: false, identity: always, identity_sequence: { increment: -1 } }
";
    same(
        "create schema app;
create table app.t (
  id bigint generated always as identity (start with 100 increment by 5 maxvalue 9000000000 cache 10 cycle),
  n integer generated always as identity (increment by -1 minvalue -2147483648 maxvalue -1 start with -1)
);
alter table app.t alter column id set generated by default;
",
        yaml_text,
    );
    same(
        "create schema app;
create table app.t (
  id bigint generated always as identity (minvalue 7),
  n integer generated always as identity
);
alter table app.t alter column id set generated by default set increment by 5 set no minvalue set start with 100 restart;
alter sequence app.t_id_seq maxvalue 9000000000 cache 10 cycle;
alter table app.t alter column n set increment by -1;
",
        yaml_text,
    );
}

#[test]
fn identity_options_spelled_as_defaults_say_nothing() {
    same(
        "create table t (
  a smallint generated always as identity (start with 1 increment by 1 minvalue 1 maxvalue 32767 cache 1 no cycle),
  b integer generated always as identity (increment by -1 maxvalue -1 minvalue -2147483648),
  c bigint generated always as identity (no minvalue no maxvalue)
);
",
        "tables:
  public.t:
    columns:
      a: { type: smallint, nullable: false, identity: always }
      b: { type: integer, nullable: false, identity: always, identity_sequence: { increment: -1 } }
      c: { type: bigint, nullable: false, identity: always }
",
    );
}

#[test]
fn identity_dropped_in_an_alter() {
    same(
        "create table t (a integer generated always as identity (start with 5));
alter table t alter column a drop identity;
",
        "tables:
  public.t:
    columns:
      a: { type: integer, nullable: false }
",
    );
}

#[test]
fn a_materialized_view_with_no_data_says_so() {
    same(
        "create table t (a int);
create materialized view v1 as select a from t with no data;
create materialized view v2 as select a from t with data;",
        "tables:
  public.t:
    columns: { a: integer }
views:
  public.v1: { materialized: true, with_no_data: true, definition: select a from t }
  public.v2: { materialized: true, definition: select a from t }
",
    );
}

#[test]
fn column_storage_and_compression_as_pg_dump_writes_them() {
    same(
        "CREATE DOMAIN d AS text;
CREATE TABLE t (a text, b text COMPRESSION pglz, c d, e integer, f text);
ALTER TABLE ONLY t ALTER COLUMN a SET STORAGE EXTERNAL;
ALTER TABLE t ALTER COLUMN c SET STORAGE main;
ALTER TABLE t ALTER COLUMN e SET STORAGE PLAIN;
ALTER TABLE t ALTER COLUMN f SET STORAGE EXTENDED;
ALTER TABLE t ALTER COLUMN f SET COMPRESSION lz4;",
        "domains:
  public.d: { type: text }
tables:
  public.t:
    columns:
      a: { type: text, storage: external }
      b: { type: text, compression: pglz }
      c: { type: public.d, storage: main }
      e: integer
      f: { type: text, compression: lz4 }
",
    );
}

#[test]
fn range_types_read_as_pg_dump_writes_them() {
    same(
        "create schema app;
create function app.time_diff(a time, b time) returns float8 language sql immutable as 'select 0';
create type public.floatrange as range (subtype = double precision, subtype_diff = pg_catalog.float8mi);
set search_path = app;
create type period as range (subtype = date, multirange_type_name = periods);
create type textrange_c as range (subtype = text, collation = pg_catalog.\"C\", subtype_diff = time_diff);
create type other as range (subtype = int4, multirange_type_name = public.others);
create type plain as range (subtype = int4, multirange_type_name = plain_multirange);
comment on type period is 'days';
alter type period owner to someone;
create table t (p period, ps periods, f public.floatmultirange);",
        "schemas: { app: {} }
functions:
  app.time_diff(time without time zone, time without time zone):
    arguments: a time without time zone, b time without time zone
    returns: double precision
    language: sql
    volatility: immutable
    body: select 0
range_types:
  public.floatrange: { subtype: double precision, subtype_diff: float8mi }
  app.period: { subtype: date, multirange_type_name: periods, comment: days, owner: someone }
  app.textrange_c: { subtype: text, collation: C, subtype_diff: app.time_diff }
  app.other: { subtype: integer, multirange_type_name: public.others }
  app.plain: { subtype: integer }
tables:
  app.t: { columns: { p: { type: app.period }, ps: { type: app.periods }, f: { type: public.floatmultirange } } }
",
    );
    let e = load_str(
        "create type r as range (subtype = int4, foo = 1);",
        "schema.sql",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("schema.sql:1:1") && e.contains("foo"), "{e}");
}

#[test]
fn rules_on_tables_and_views() {
    same(
        "create table t (id int, a text);
create table l (id int);
create view v as select id, a from t;
create rule t_log as on insert to t where new.id > 0 do also (insert into l values (new.id); notify t);
alter table t disable rule t_log;
comment on rule t_log on t is 'logs';
create rule v_del as on delete to v do instead delete from t where t.id = old.id;
create rule t_keep as on update to t do instead nothing;
",
        "tables:
  public.t:
    columns: { id: integer, a: text }
    rules:
      t_log:
        event: insert
        where: new.id > 0
        actions: ['insert into l values (new.id)', 'notify t']
        enabled: disabled
        comment: logs
      t_keep: { event: update, instead: true }
  public.l:
    columns: { id: integer }
views:
  public.v:
    definition: select id, a from t
    rules:
      v_del: { event: delete, instead: true, actions: ['delete from t where t.id = old.id'] }
",
    );
    let e = load_str(
        "create table t (id int);\ncreate rule r as on insert to auth.users do nothing;\n",
        "schema.sql",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("schema.sql:2:1"), "{e}");
}

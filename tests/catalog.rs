//! Introspection against a real PostgreSQL server (see tests/support).

mod support;

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use reconcile::catalog::{self, InspectOptions};
use reconcile::model::{
    Database, Deferral, FkAction, FkMatch, ForEach, FunctionKind, Identity, NullsOrder,
    PolicyCommand, SortOrder, TriggerTiming, Unmanaged, Volatility,
};
use support::FreshDb;

fn corpus_dir() -> PathBuf {
    // The repository's copy, so the tests need nothing beside the repository.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// Applies one corpus into a fresh database, as its README says.
fn apply_corpus(dir: &str, order: &str, shim: bool, pgoptions: Option<&str>) -> FreshDb {
    let root = corpus_dir();
    let db = FreshDb::new("cat");
    if shim {
        db.psql_file(&root.join("supabase_shim.sql"), &[], None);
    }
    let dir = root.join(dir);
    let list = std::fs::read_to_string(dir.join(order)).expect("read order file");
    for file in list.lines().map(str::trim).filter(|l| !l.is_empty()) {
        db.psql_file(&dir.join(file), &[], pgoptions);
    }
    db
}

fn inspect(db: &FreshDb, schemas: Option<&[&str]>) -> Database {
    let mut conn = db.connect();
    let opts = InspectOptions {
        schemas: schemas.map(|s| s.iter().map(|x| x.to_string()).collect()),
        ..Default::default()
    };
    catalog::inspect(&mut conn, &opts).expect("inspect")
}

/// (tables, policies, functions, indexes incl. constraint indexes, triggers).
fn counts(m: &Database) -> (usize, usize, usize, usize, usize) {
    // An external table's entry (its policies and triggers) is no table.
    let tables = m.tables.keys().filter(|k| !m.external.contains(k)).count();
    let policies = m.tables.values().map(|t| t.policies.len()).sum();
    let functions = m.functions.len();
    let indexes = m
        .tables
        .values()
        .map(|t| {
            t.indexes.len()
                + t.unique.len()
                + t.exclusions.len()
                + usize::from(t.primary_key.is_some())
        })
        .sum::<usize>()
        + m.views.values().map(|v| v.indexes.len()).sum::<usize>();
    let triggers = m.tables.values().map(|t| t.triggers.len()).sum();
    (tables, policies, functions, indexes, triggers)
}

/// The every-kind fixture; before PostgreSQL 15, without what 15 added
/// (NULLS NOT DISTINCT), which the assertions check by version.
fn fixture_db() -> FreshDb {
    let db = FreshDb::new("cat");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog_all_kinds.sql");
    if support::server_major() >= 15 {
        db.psql_file(&file, &[], None);
    } else {
        let sql = std::fs::read_to_string(&file)
            .unwrap()
            .replace(" NULLS NOT DISTINCT", "");
        db.try_psql(&sql).unwrap();
    }
    db
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fixture_every_kind() {
    let db = fixture_db();
    let m = inspect(&db, None);

    // Schemas.
    assert_eq!(
        m.schemas.keys().collect::<Vec<_>>(),
        ["My Schema", "app", "public"]
    );
    let my = &m.schemas["My Schema"];
    assert_eq!(my.owner, None);
    assert_eq!(my.comment.as_deref(), Some("mixed case"));
    assert_eq!(my.grants["cat_reader"], ["usage"]);
    assert_eq!(
        my.grants["Cat Writer"],
        ["usage with grant option", "create with grant option"]
    );
    // A new database's public schema: owned by pg_database_owner with
    // USAGE for PUBLIC since 15; by the bootstrap superuser (the test's
    // user, so not recorded) with USAGE and CREATE before.
    if support::server_major() >= 15 {
        assert_eq!(
            m.schemas["public"].owner.as_deref(),
            Some("pg_database_owner")
        );
        assert_eq!(m.schemas["public"].grants["public"], ["usage"]);
    } else {
        assert_eq!(m.schemas["public"].owner, None);
        assert_eq!(m.schemas["public"].grants["public"], ["usage", "create"]);
    }

    // Extensions: plpgsql (pg_catalog) is not ours; version only when pinned.
    assert_eq!(
        m.extensions.keys().collect::<Vec<_>>(),
        ["btree_gist", "pg_trgm"]
    );
    assert_eq!(m.extensions["btree_gist"].schema, None);
    assert_eq!(m.extensions["btree_gist"].version, None);
    assert_eq!(m.extensions["pg_trgm"].schema.as_deref(), Some("app"));
    assert_eq!(m.extensions["pg_trgm"].version.as_deref(), Some("1.5"));

    // Enum: sort order, comment, revoked PUBLIC.
    let mood = &m.enums["app.mood"];
    let labels: Vec<&str> = mood.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(labels, ["sad", "meh", "ok", "happy"]);
    assert_eq!(mood.comment.as_deref(), Some("feelings"));
    assert_eq!(mood.grants["cat_reader"], ["usage"]);
    assert!(mood.grants["public"].is_empty());
    assert_eq!(m.enums.len(), 1, "no extension or array types");

    // Domains.
    assert_eq!(m.domains["app.bıgınt"].type_, "bigint");
    let posint = &m.domains["app.posint"];
    assert_eq!(posint.type_, "integer");
    assert!(!posint.nullable);
    assert_eq!(posint.default.as_deref(), Some("1"));
    assert_eq!(posint.checks["posint_positive"], "VALUE > 0");
    assert_eq!(posint.checks["posint_small"], "VALUE < 1000000");
    assert_eq!(posint.collation, None);
    assert_eq!(m.domains["app.code"].collation.as_deref(), Some("C"));
    assert!(m.domains["app.code"].nullable);

    // Composite type: attribute order kept.
    let pair = &m.composite_types["app.pair"];
    let attrs: Vec<(&String, &String)> = pair.attributes.iter().collect();
    assert_eq!(attrs.len(), 3);
    assert_eq!(
        (attrs[1].0.as_str(), attrs[1].1.as_str()),
        ("B", "character varying(20)")
    );
    assert_eq!(attrs[2].1, "app.mood");

    // Sequences: identity sequence skipped, serial owned, defaults omitted.
    assert_eq!(
        m.sequences.keys().collect::<Vec<_>>(),
        [
            "app.counter",
            "app.parent_id_seq",
            "app.plain",
            "app.theirs"
        ]
    );
    let counter = &m.sequences["app.counter"];
    assert_eq!(counter.type_.as_deref(), Some("integer"));
    assert_eq!(
        (
            counter.start,
            counter.increment,
            counter.min_value,
            counter.max_value,
            counter.cache
        ),
        (Some(20), Some(5), Some(10), Some(1000), Some(3))
    );
    assert!(counter.cycle);
    let serial = &m.sequences["app.parent_id_seq"];
    assert_eq!(serial.owned_by.as_deref(), Some("app.parent.id"));
    assert_eq!(serial.type_.as_deref(), Some("integer"));
    assert_eq!(
        (serial.start, serial.max_value, serial.cache),
        (None, None, None)
    );
    let plain = &m.sequences["app.plain"];
    assert_eq!(
        (
            plain.type_.clone(),
            plain.start,
            plain.min_value,
            plain.max_value,
            plain.owned_by.clone()
        ),
        (None, None, None, None, None)
    );
    assert_eq!(plain.grants["cat_reader"], ["usage"]);

    // Table with weird names.
    let items = &m.tables["My Schema.Order Items"];
    assert_eq!(items.comment.as_deref(), Some("items"));
    let cols: Vec<&String> = items.columns.keys().collect();
    assert_eq!(
        cols,
        [
            "id",
            "select",
            "Mixed Case",
            "qty",
            "price",
            "total",
            "label",
            "big",
            "created"
        ]
    );
    let c = &items.columns;
    assert_eq!(c["id"].identity, Some(Identity::Always));
    assert_eq!(c["id"].default, None);
    assert!(!c["id"].nullable);
    assert_eq!(c["select"].default.as_deref(), Some("'x'::text"));
    assert_eq!(c["select"].comment.as_deref(), Some("reserved word"));
    assert_eq!(c["select"].grants["cat_reader"], ["select", "update"]);
    assert_eq!(c["Mixed Case"].type_, "app.mood");
    assert_eq!(c["qty"].type_, "app.posint");
    assert_eq!(c["price"].type_, "numeric(10,2)");
    assert_eq!(c["total"].generated.as_deref(), Some("price * 2::numeric"));
    assert_eq!(c["total"].default, None);
    assert_eq!(c["label"].collation.as_deref(), Some("C"));
    assert_eq!(c["select"].collation, None);
    assert_eq!(c["big"].type_, "app.\"bıgınt\"");
    assert_eq!(c["created"].default.as_deref(), Some("now()"));
    assert_eq!(items.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(items.primary_key.as_ref().unwrap().name, None);
    assert_eq!(
        items.checks["Order Items_price_check"].expression,
        "price >= 0::numeric"
    );
    assert_eq!(items.checks.len(), 1, "NOT NULL is not a check");

    // Constraints.
    let parent = &m.tables["app.parent"];
    let pk = parent.primary_key.as_ref().unwrap();
    assert_eq!(pk.name.as_deref(), Some("parent_pk"));
    let uq = &parent.unique["parent_code_key"];
    assert_eq!(uq.columns, ["code"]);
    assert_eq!(uq.include, ["other"]);
    assert_eq!(uq.nulls_not_distinct, support::server_major() >= 15);
    assert_eq!(uq.deferrable, Deferral::InitiallyDeferred);
    assert_eq!(parent.unique["parent other"].columns, ["other"]);
    assert!(
        parent.indexes.is_empty(),
        "constraint indexes are not indexes"
    );
    assert_eq!(parent.options["fillfactor"], "70");
    assert!(parent.row_level_security.enabled && parent.row_level_security.forced);
    assert_eq!(parent.grants["Cat Writer"], ["all"]);
    assert_eq!(
        parent.grants["cat_reader"],
        ["select with grant option", "insert with grant option"]
    );
    assert_eq!(parent.grants["public"], ["select"]);
    assert_eq!(
        parent.columns["id"].default.as_deref(),
        Some("nextval('app.parent_id_seq'::regclass)")
    );

    let child = &m.tables["app.child"];
    assert!(child.unlogged);
    assert_eq!(
        child.primary_key.as_ref().unwrap().deferrable,
        Deferral::InitiallyImmediate
    );
    let fk = &child.foreign_keys["child_parent_fk"];
    assert_eq!(fk.columns, ["parent_id"]);
    assert_eq!(fk.references, "app.parent(id)");
    assert_eq!(fk.on_delete, FkAction::Cascade);
    assert_eq!(fk.on_update, FkAction::SetNull);
    assert_eq!(fk.match_, FkMatch::Full);
    assert_eq!(fk.deferrable, Deferral::InitiallyImmediate);
    assert!(!fk.not_valid);
    assert_eq!(fk.comment.as_deref(), Some("fk comment"));
    let fk2 = &child.foreign_keys["child_other_fk"];
    assert!(fk2.not_valid);
    assert_eq!(fk2.references, "app.parent(other)");
    assert_eq!(
        (fk2.on_delete, fk2.match_),
        (FkAction::NoAction, FkMatch::Simple)
    );
    assert_eq!(
        child.checks["child_note_check"].expression,
        "length(note) < 100"
    );
    assert!(child.checks["child_note_check"].no_inherit);
    assert!(child.checks["child_id_positive"].not_valid);
    let ex = &child.exclusions["child_no_overlap"];
    assert_eq!(
        ex.definition,
        "USING gist (parent_id WITH =, during WITH &&)"
    );
    assert_eq!(ex.deferrable, Deferral::InitiallyDeferred);

    // Indexes.
    assert_eq!(
        child.indexes.keys().collect::<Vec<_>>(),
        ["child_multi", "child_trgm", "child_uq"]
    );
    let multi = &child.indexes["child_multi"];
    assert!(!multi.unique);
    assert_eq!(multi.method, None);
    assert_eq!(multi.columns.len(), 3);
    assert_eq!(multi.columns[0].column.as_deref(), Some("parent_id"));
    assert_eq!(multi.columns[0].order, Some(SortOrder::Desc));
    assert_eq!(multi.columns[0].nulls, Some(NullsOrder::Last));
    assert_eq!(multi.columns[1].column, None);
    assert_eq!(multi.columns[1].expression.as_deref(), Some("lower(note)"));
    assert_eq!(
        multi.columns[1].opclass.as_deref(),
        Some("text_pattern_ops")
    );
    assert_eq!(multi.columns[1].collation.as_deref(), Some("C"));
    assert_eq!(multi.columns[2].order, None);
    assert_eq!(multi.columns[2].nulls, Some(NullsOrder::First));
    assert_eq!(multi.columns[2].opclass, None);
    assert_eq!(multi.include, ["during"]);
    assert_eq!(multi.where_.as_deref(), Some("note IS NOT NULL"));
    assert_eq!(multi.comment.as_deref(), Some("multi"));
    let trgm = &child.indexes["child_trgm"];
    assert_eq!(trgm.method.as_deref(), Some("gin"));
    assert_eq!(trgm.columns[0].opclass.as_deref(), Some("app.gin_trgm_ops"));
    assert_eq!(trgm.options["fastupdate"], "off");
    let cuq = &child.indexes["child_uq"];
    assert!(cuq.unique);
    assert_eq!(cuq.nulls_not_distinct, support::server_major() >= 15);

    // Partitioning: inherited PK, index and trigger are not repeated.
    let events = &m.tables["app.events"];
    assert_eq!(events.partition_by.as_deref(), Some("RANGE (at)"));
    assert_eq!(events.primary_key.as_ref().unwrap().columns, ["id", "at"]);
    assert!(events.indexes.contains_key("events_at"));
    assert!(events.triggers.contains_key("ev_trg"));
    let p2024 = &m.tables["app.events_2024"];
    let po = p2024.partition_of.as_ref().unwrap();
    assert_eq!(po.parent, "app.events");
    assert_eq!(po.bound, "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')");
    assert!(p2024.primary_key.is_none() && p2024.indexes.is_empty() && p2024.triggers.is_empty());
    let other = &m.tables["app.events_other"];
    assert_eq!(other.partition_of.as_ref().unwrap().bound, "DEFAULT");
    assert_eq!(
        other.indexes.keys().collect::<Vec<_>>(),
        ["events_other_payload"]
    );

    // Policies.
    let read = &parent.policies["Read own"];
    assert_eq!(read.command, PolicyCommand::Select);
    assert_eq!(read.to, ["Cat Writer", "cat_reader"]);
    assert_eq!(read.using.as_deref(), Some("(code = CURRENT_USER)"));
    assert!(!read.restrictive);
    let strict = &parent.policies["strict_insert"];
    assert!(strict.restrictive);
    assert_eq!(strict.command, PolicyCommand::Insert);
    assert!(strict.to.is_empty(), "[public] is the default");
    assert_eq!(strict.with_check.as_deref(), Some("(other > 0)"));
    assert_eq!(strict.using, None);
    assert_eq!(parent.policies["everyone"].command, PolicyCommand::All);
    assert_eq!(parent.policies["everyone"].comment.as_deref(), Some("open"));

    // Triggers.
    let touch = &child.triggers["Touch It"];
    assert_eq!(touch.timing, TriggerTiming::Before);
    assert_eq!(touch.events, ["insert", "update"]);
    assert_eq!(touch.columns, ["note", "parent_id"]);
    assert_eq!(touch.for_each, ForEach::Row);
    assert_eq!(
        touch.when.as_deref(),
        Some("new.note IS DISTINCT FROM 'x)'::text")
    );
    assert_eq!(touch.function, "app.touch");
    assert_eq!(touch.arguments, ["a", "b'c", ""]);
    assert_eq!(touch.enabled, None);
    let stmt = &child.triggers["stmt_trg"];
    assert_eq!(stmt.timing, TriggerTiming::After);
    assert_eq!(stmt.for_each, ForEach::Statement);
    assert_eq!(stmt.old_table.as_deref(), Some("gone"));
    assert_eq!(stmt.new_table, None);
    assert_eq!(stmt.enabled.as_deref(), Some("disabled"));
    assert_eq!(stmt.comment.as_deref(), Some("audit"));
    assert!(stmt.arguments.is_empty());
    let ctrg = &child.triggers["ctrg"];
    assert!(ctrg.constraint);
    assert_eq!(ctrg.deferrable, Deferral::InitiallyDeferred);
    assert_eq!(
        child.triggers.len(),
        3,
        "FK and internal triggers are not listed"
    );

    // Views.
    let codes = &m.views["app.parent_codes"];
    assert!(!codes.materialized);
    // Since 16 a column of the only relation is deparsed unqualified.
    let definition = match support::server_major() {
        ..=15 => "SELECT parent.id,\n    parent.code\n   FROM app.parent\n  WHERE parent.other > 0",
        _ => "SELECT id,\n    code\n   FROM app.parent\n  WHERE other > 0",
    };
    assert_eq!(codes.definition, definition);
    assert_eq!(codes.options["security_barrier"], "true");
    assert_eq!(codes.check_option.as_deref(), Some("local"));
    assert_eq!(codes.comment.as_deref(), Some("codes"));
    assert_eq!(codes.column_comments["code"], "the code");
    assert_eq!(codes.grants["cat_reader"], ["select"]);
    let counts = &m.views["app.child_counts"];
    assert!(counts.materialized);
    assert!(counts.indexes["child_counts_pid"].unique);
    assert_eq!(
        counts.indexes["child_counts_pid"].columns[0]
            .column
            .as_deref(),
        Some("parent_id")
    );

    // Functions.
    assert!(
        !m.functions.keys().any(|k| k.contains("float_")),
        "range constructors are implicit: {:?}",
        m.functions.keys()
    );
    assert!(
        !m.functions.keys().any(|k| k.contains("gtrgm")),
        "extension functions"
    );
    let add = &m.functions["app.add(integer, integer)"];
    assert_eq!(
        add.arguments.as_deref(),
        Some("a integer, b integer DEFAULT 1")
    );
    assert_eq!(add.returns.as_deref(), Some("integer"));
    assert_eq!(add.language, "sql");
    assert_eq!(add.body, "RETURN (a + b)");
    assert_eq!(add.volatility, Volatility::Immutable);
    assert!(add.strict && add.leakproof && !add.security_definer);
    assert_eq!(add.parallel.as_deref(), Some("safe"));
    assert_eq!(add.cost, Some(5.0));
    assert_eq!(add.rows, None);
    assert_eq!(add.comment.as_deref(), Some("adds"));
    assert!(add.grants.is_empty(), "PUBLIC keeps EXECUTE");
    let mixed = &m.functions["app.Mixed Case(app.mood)"];
    assert_eq!(mixed.returns.as_deref(), Some("SETOF text"));
    assert_eq!(mixed.volatility, Volatility::Stable);
    assert!(mixed.security_definer);
    assert_eq!(mixed.parallel.as_deref(), Some("restricted"));
    assert_eq!(mixed.rows, Some(10.0));
    assert_eq!(mixed.cost, None);
    assert_eq!(mixed.config["search_path"], "\"\"");
    assert_eq!(mixed.config["work_mem"], "64MB");
    assert_eq!(mixed.body, " BEGIN RETURN NEXT p::text; END ");
    assert!(mixed.grants["public"].is_empty());
    assert_eq!(mixed.grants["cat_reader"], ["execute"]);
    assert_eq!(
        m.functions["app.atomic(integer)"].body,
        "BEGIN ATOMIC\n SELECT (x * 2);\nEND"
    );
    let proc_ = &m.functions["app.proc(integer, integer)"];
    assert_eq!(proc_.kind, FunctionKind::Procedure);
    assert_eq!(proc_.returns, None);
    assert_eq!(
        proc_.arguments.as_deref(),
        Some("IN a integer, INOUT b integer")
    );
    let noargs = &m.functions["app.noargs()"];
    assert_eq!(noargs.arguments, None);
    assert_eq!(noargs.parallel, None);
    assert_eq!(noargs.volatility, Volatility::Volatile);
    // Created after ALTER DEFAULT PRIVILEGES ... REVOKE EXECUTE FROM PUBLIC.
    assert!(m.functions["app.text_eq(text, text)"].grants["public"].is_empty());

    // Aggregates.
    let cat = &m.aggregates["app.concat_all(text)"];
    assert_eq!(cat.sfunc, "app.concat_sfunc");
    assert_eq!(cat.stype, "text");
    assert_eq!(cat.initcond.as_deref(), Some(""));
    assert_eq!(cat.parallel.as_deref(), Some("safe"));
    assert_eq!(cat.finalfunc, None);
    let mx = &m.aggregates["app.my_max(integer)"];
    assert_eq!(mx.sfunc, "pg_catalog.int4larger");
    assert_eq!(mx.combinefunc.as_deref(), Some("pg_catalog.int4larger"));
    assert_eq!(mx.sortop.as_deref(), Some(">"));
    assert_eq!(mx.initcond, None);

    // Default privileges.
    let dp = &m.default_privileges;
    assert_eq!(dp.len(), 3);
    let global = dp.iter().find(|d| d.on == "functions").unwrap();
    assert_eq!(
        (global.for_role.as_deref(), global.schema.as_deref()),
        (None, None)
    );
    assert!(global.grants["public"].is_empty());
    let tables = dp.iter().find(|d| d.on == "tables").unwrap();
    assert_eq!(tables.schema.as_deref(), Some("app"));
    assert_eq!(tables.grants["cat_reader"], ["select"]);
    let seqs = dp.iter().find(|d| d.on == "sequences").unwrap();
    assert_eq!(seqs.for_role.as_deref(), Some("cat_reader"));
    assert_eq!(seqs.grants["Cat Writer"], ["usage"]);

    // A free sequence's owner is modelled (it was reported unmanaged).
    assert_eq!(
        m.sequences["app.theirs"].owner.as_deref(),
        Some("cat_reader")
    );

    // Text search configurations are modelled.
    assert!(m.text_search_configurations.contains_key("app.my_ts"));
    // Collations are modelled.
    assert!(m.collations.contains_key("app.my_coll"));
    // A view's trigger is the view's.
    assert!(m.views["app.v_trg"].triggers.contains_key("v_ins"));
    // Publications are modelled.
    assert_eq!(
        m.publications["cat_pub"].tables.keys().collect::<Vec<_>>(),
        ["app.parent"]
    );

    // Inheritance is modelled: the child holds only its own columns.
    assert_eq!(m.tables["app.derived"].inherits, ["app.base"]);
    assert_eq!(
        m.tables["app.derived"].columns.keys().collect::<Vec<_>>(),
        ["extra"]
    );

    let r = &m.range_types["app.float_range"];
    assert_eq!(r.subtype, "double precision");
    assert_eq!(r.multirange_type_name, None);
    let rule = &m.tables["app.base"].rules["no_delete"];
    assert_eq!(rule.event, reconcile::model::RuleEvent::Delete);
    assert!(rule.instead && rule.actions.is_empty() && rule.where_.is_none());

    // Everything else is reported, nothing dropped.
    let un = |kind: &str, name: &str| Unmanaged {
        kind: kind.into(),
        name: name.into(),
    };
    let expected = vec![
        un("event trigger", "cat_evt"),
        un("operator", "app.===(text, text)"),
        un("statistics", "app.child_stats"),
    ];
    assert_eq!(m.unmanaged, expected);

    // Deterministic: a second run gives the same model.
    assert_eq!(inspect(&db, None), m);
}

#[test]
fn schema_filter_search_path_and_jit_restored() {
    let db = fixture_db();
    let mut conn = db.connect();
    conn.batch_execute("SET search_path = app, public; SET jit = on")
        .unwrap();
    let opts = InspectOptions {
        schemas: Some(strings(&["My Schema"])),
        ..Default::default()
    };
    let m = catalog::inspect(&mut conn, &opts).unwrap();
    assert_eq!(m.schemas.keys().collect::<Vec<_>>(), ["My Schema"]);
    assert_eq!(
        m.tables.keys().collect::<Vec<_>>(),
        ["My Schema.Order Items"]
    );
    // Types from other schemas are still named in full.
    assert_eq!(
        m.tables["My Schema.Order Items"].columns["qty"].type_,
        "app.posint"
    );
    assert!(m.functions.is_empty() && m.enums.is_empty() && m.extensions.is_empty());
    #[derive(QueryableByName)]
    struct Path {
        #[diesel(sql_type = diesel::sql_types::Text)]
        search_path: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        jit: String,
    }
    let p: Vec<Path> = diesel::sql_query(
        "SELECT current_setting('search_path') AS search_path, current_setting('jit') AS jit",
    )
    .load(&mut conn)
    .unwrap();
    assert_eq!(p[0].search_path, "app, public");
    // Introspection turns JIT off for its own queries only.
    assert_eq!(p[0].jit, "on");
    let bad = InspectOptions {
        schemas: Some(strings(&["nope", "pg_catalog"])),
        ..Default::default()
    };
    let err = catalog::inspect(&mut conn, &bad).unwrap_err().to_string();
    assert!(err.contains("nope") && err.contains("pg_catalog"), "{err}");
}

#[test]
fn query_count_does_not_grow_with_tables() {
    let run = |n: usize| {
        let db = FreshDb::new("cat");
        let mut conn = db.connect();
        conn.batch_execute(&many_tables(n)).unwrap();
        let (m, stats) =
            catalog::inspect_with_stats(&mut conn, &InspectOptions::default()).unwrap();
        assert_eq!(m.tables.len(), n);
        assert_eq!(m.views.len(), n);
        assert_eq!(m.functions.len(), n);
        stats.queries
    };
    let one = run(1);
    let fifty = run(50);
    assert_eq!(one, fifty);
    // Session setup and restore (3), one query per object kind (22, publications two), and
    // the dependencies (1).
    assert_eq!(one, 27, "{one} queries");
}

/// Two connections in one snapshot read exactly what one reads, catalog
/// edges included, with a fixed number of statements.
#[test]
fn reading_ahead_reads_what_one_connection_reads() {
    let run = |n: usize| {
        let db = FreshDb::new("cat");
        let mut conn = db.connect();
        conn.batch_execute(&many_tables(n)).unwrap();
        conn.batch_execute(
            "CREATE EXTENSION pg_trgm; CREATE INDEX t0_trgm ON t0 USING gin (v gin_trgm_ops);",
        )
        .unwrap();
        let opts = InspectOptions::default();
        let (one, _) = catalog::inspect_with_stats(&mut conn, &opts).unwrap();
        let (two, stats) = catalog::inspect_url(&db.url, &opts).unwrap();
        assert!(one == two, "models differ");
        let yaml = |d: &reconcile::model::Database| serde_saphyr::to_string(d).unwrap();
        assert_eq!(yaml(&one), yaml(&two));
        assert_eq!(format!("{:?}", one.depends), format!("{:?}", two.depends));
        assert_eq!(one.unmanaged, two.unmanaged);
        assert!(two.tables["public.t0"].indexes.contains_key("t0_trgm"));
        stats.queries
    };
    let one = run(1);
    assert_eq!(one, run(30));
    // 22 as above (three of them on the second connection), the snapshot's
    // BEGIN, export and COMMIT (3), and the second connection's own BEGIN,
    // SET TRANSACTION SNAPSHOT, setup, COMMIT and restore (6).
    assert_eq!(one, 36, "{one} queries");
}

/// Without the dependencies, a reading is the same model with no catalog
/// edges, and one query fewer, on one connection or two.
#[test]
fn reading_without_dependencies_leaves_out_only_them() {
    let db = FreshDb::new("cat");
    let mut conn = db.connect();
    conn.batch_execute(&many_tables(3)).unwrap();
    let without = InspectOptions {
        dependencies: false,
        ..Default::default()
    };
    let yaml = |d: &reconcile::model::Database| serde_saphyr::to_string(d).unwrap();
    let (all, all_stats) =
        catalog::inspect_with_stats(&mut conn, &InspectOptions::default()).unwrap();
    assert!(all.depends.present);
    let (some, stats) = catalog::inspect_with_stats(&mut conn, &without).unwrap();
    assert!(!some.depends.present, "{:?}", some.depends);
    assert_eq!(yaml(&all), yaml(&some));
    assert_eq!(stats.queries + 1, all_stats.queries);
    let (ahead, ahead_stats) = catalog::inspect_url(&db.url, &without).unwrap();
    assert!(!ahead.depends.present, "{:?}", ahead.depends);
    assert_eq!(yaml(&all), yaml(&ahead));
    assert_eq!(ahead_stats.queries, 35, "{} queries", ahead_stats.queries);
}

/// Without the unmanaged objects (the runner's readings that are only
/// compared), a reading is the same model with none listed, one query
/// fewer, on a connection of the caller's with a second beside it too; that
/// connection is left outside a transaction with its search_path as it was.
#[test]
fn reading_without_unmanaged_objects_leaves_out_only_them() {
    let db = FreshDb::new("cat");
    let mut conn = db.connect();
    conn.batch_execute(&many_tables(3)).unwrap();
    conn.batch_execute(&format!(
        "CREATE TABLE st_{0} (a int, b int); CREATE STATISTICS stx_{0} ON a, b FROM st_{0}; SET search_path = public, pg_catalog",
        db.name
    ))
    .unwrap();
    let without = InspectOptions {
        unmanaged: false,
        ..Default::default()
    };
    let yaml = |d: &reconcile::model::Database| serde_saphyr::to_string(d).unwrap();
    let (all, all_stats) =
        catalog::inspect_with_stats(&mut conn, &InspectOptions::default()).unwrap();
    assert!(
        all.unmanaged.iter().any(|u| u.kind == "statistics"),
        "{:?}",
        all.unmanaged
    );
    let mut bare = all.clone();
    bare.unmanaged.clear();
    let (some, stats) = catalog::inspect_with_stats(&mut conn, &without).unwrap();
    assert!(some.unmanaged.is_empty(), "{:?}", some.unmanaged);
    assert_eq!(yaml(&bare), yaml(&some));
    assert_eq!(stats.queries + 1, all_stats.queries);
    for (opts, expected) in [(InspectOptions::default(), &all), (without, &bare)] {
        let (beside, _) = catalog::inspect_beside(&mut conn, &db.url, &opts).unwrap();
        assert!(beside == *expected, "models differ");
        assert_eq!(yaml(&beside), yaml(expected));
    }
    #[derive(QueryableByName)]
    struct Path {
        #[diesel(sql_type = diesel::sql_types::Text)]
        path: String,
    }
    let path: Path = diesel::sql_query("SELECT current_setting('search_path') AS path")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(path.path, "public, pg_catalog");
    // A savepoint is refused outside a transaction block.
    assert!(conn.batch_execute("SAVEPOINT probe").is_err());
}

/// A role allowed one connection: the second is refused, and the first
/// reads everything itself.
#[test]
fn reading_ahead_falls_back_to_one_connection() {
    let db = FreshDb::new("cat");
    let mut conn = db.connect();
    conn.batch_execute(&many_tables(3)).unwrap();
    let role = format!("one_{}", db.name);
    conn.batch_execute(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'pw' CONNECTION LIMIT 1"
    ))
    .unwrap();
    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    let url = format!("{scheme}://{role}:pw@{host}");
    let opts = InspectOptions::default();
    let read = catalog::inspect_url(&url, &opts);
    // The server frees the role's one slot when the closed connection's
    // backend exits, a moment after the client is done: wait for it.
    let mut alone = (0..50)
        .find_map(|_| {
            let c = diesel::PgConnection::establish(&url).ok();
            if c.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            c
        })
        .expect("the role's one connection is free again");
    let (one, _) = catalog::inspect_with_stats(&mut alone, &opts).unwrap();
    drop(alone);
    conn.batch_execute(&format!("DROP ROLE {role}")).unwrap();
    let (two, stats) = read.unwrap();
    assert!(one == two, "models differ");
    assert_eq!(two.tables.len(), 3);
    // 27 and the snapshot's three: nothing ran on a second connection.
    assert_eq!(stats.queries, 30);
}

fn many_tables(n: usize) -> String {
    let mut sql = String::new();
    for i in 0..n {
        sql.push_str(&format!(
                "CREATE TABLE t{i} (id serial PRIMARY KEY, v text CHECK (v <> ''), p integer REFERENCES t0(id));
                 CREATE INDEX t{i}_v ON t{i} (v);
                 ALTER TABLE t{i} ENABLE ROW LEVEL SECURITY;
                 CREATE POLICY p{i} ON t{i} USING (v IS NOT NULL);
                 CREATE VIEW v{i} AS SELECT id FROM t{i};
                 CREATE FUNCTION f{i}() RETURNS int LANGUAGE sql AS 'SELECT {i}';\n"
            ));
    }
    sql
}

#[test]
fn connect_errors_hide_the_password() {
    // Port 1 refuses connections; the password must not show up.
    let url = "postgresql://app:p%40ss%3Aw0rd@127.0.0.1:1/postgres?connect_timeout=2";
    let err = catalog::connect(url)
        .err()
        .expect("no server on port 1")
        .to_string();
    assert!(!err.contains("w0rd") && !err.contains("p%40ss"), "{err}");
    // A malformed DSN whose error echoes part of the password.
    let bad = "postgresql://app:s3cr%zzet@127.0.0.1:1/postgres";
    let err = catalog::connect(bad).err().expect("bad DSN").to_string();
    assert!(!err.contains("s3cr") && !err.contains("%zzet"), "{err}");
    let kv = "host=127.0.0.1 port=1 password='top secret' connect_timeout=2 bogus";
    let err = catalog::connect(kv)
        .err()
        .expect("bad key=value DSN")
        .to_string();
    assert!(!err.contains("top secret"), "{err}");
}

/// Columns read back in attnum order even when the catalog's rows are
/// not (a retyped column's pg_attribute row moves to the end of the heap).
#[test]
fn columns_come_in_attnum_order_whatever_the_rows_order() {
    let db = FreshDb::new("cat");
    let mut conn = db.connect();
    conn.batch_execute(
        "CREATE TABLE t (a int, b int, c int, d int);
         ALTER TABLE t ALTER a TYPE bigint, ALTER c TYPE bigint;
         ALTER TABLE t DROP COLUMN b;
         ALTER TABLE t ADD COLUMN e text;
         CREATE VIEW v AS SELECT a, c FROM t;
         COMMENT ON COLUMN v.c IS 'see';
         COMMENT ON COLUMN v.a IS 'saw';",
    )
    .unwrap();
    let physical: Vec<String> = diesel::sql_query(
        "SELECT attname::text AS name FROM pg_attribute \
          WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY ctid",
    )
    .load::<Name>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect();
    assert_ne!(
        physical,
        ["a", "c", "d", "e"],
        "the rows should be out of order"
    );
    // Heap order, not the (attrelid, attnum) index's.
    conn.batch_execute("SET enable_indexscan = off; SET enable_bitmapscan = off")
        .unwrap();
    let m = catalog::inspect(&mut conn, &InspectOptions::default()).unwrap();
    let names: Vec<&str> = m.tables["public.t"]
        .columns
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["a", "c", "d", "e"]);
    assert_eq!(m.tables["public.t"].columns["a"].type_, "bigint");
    let comments: Vec<&str> = m.views["public.v"]
        .column_comments
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(comments, ["a", "c"]);
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[test]
fn fresh_database_has_only_public() {
    let db = FreshDb::new("cat");
    let m = inspect(&db, None);
    assert_eq!(m.schemas.keys().collect::<Vec<_>>(), ["public"]);
    assert!(m.tables.is_empty() && m.functions.is_empty() && m.extensions.is_empty());
    assert!(m.unmanaged.is_empty(), "{:?}", m.unmanaged);
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Indexes on partitions that PostgreSQL attached to a parent index: they
/// are created with the parent's and so not part of the model.
fn attached_partition_indexes(db: &FreshDb) -> usize {
    let rows: Vec<Count> = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
          WHERE c.relkind IN ('i', 'I')",
    )
    .load(&mut db.connect())
    .unwrap();
    rows[0].n as usize
}

/// Counts of the shim alone, subtracted from a corpus applied on top of it.
fn shim_counts() -> (usize, usize, usize, usize, usize) {
    let db = FreshDb::new("cat");
    db.psql_file(&corpus_dir().join("supabase_shim.sql"), &[], None);
    counts(&inspect(&db, None))
}

fn minus(
    a: (usize, usize, usize, usize, usize),
    b: (usize, usize, usize, usize, usize),
) -> (usize, usize, usize, usize, usize) {
    (a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3, a.4 - b.4)
}

/// (tables, policies, functions, indexes, triggers) from the corpus README's
/// "catalog after apply" column.
#[test]
fn corpus_basejump() {
    let db = apply_corpus("basejump", "order.txt", true, None);
    let m = inspect(&db, None);
    let (t, p, f, _, tr) = minus(counts(&m), shim_counts());
    assert_eq!((t, p, f, tr), (6, 13, 30, 8));
    let basejump: Vec<_> = m
        .tables
        .iter()
        .filter(|(k, _)| k.starts_with("basejump."))
        .collect();
    let idx: usize = basejump
        .iter()
        .map(|(_, t)| t.indexes.len() + t.unique.len() + usize::from(t.primary_key.is_some()))
        .sum();
    assert_eq!(idx, 7);
    let fks: Vec<_> = basejump
        .iter()
        .flat_map(|(_, t)| t.foreign_keys.values())
        .collect();
    assert_eq!(fks.len(), 10);
    assert_eq!(
        fks.iter()
            .filter(|f| f.on_delete == FkAction::Cascade)
            .count(),
        6
    );
    assert_eq!(
        m.enums
            .keys()
            .filter(|k| k.starts_with("basejump."))
            .count(),
        3
    );
}

#[test]
fn corpus_nextjs_subscription_payments() {
    let db = apply_corpus("nextjs-subscription-payments", "order.txt", true, None);
    let m = inspect(&db, None);
    let (t, p, f, _, tr) = minus(counts(&m), shim_counts());
    assert_eq!((t, p, f, tr), (5, 5, 1, 1));
    // Supabase's publication, read for the team's tables in it.
    let realtime = &m.publications["supabase_realtime"];
    assert!(realtime.external);
    assert_eq!(
        realtime.tables.keys().collect::<Vec<_>>(),
        ["public.prices", "public.products"]
    );
}

#[test]
fn corpus_supabase_examples() {
    let shim = shim_counts();
    for (dir, expected) in [
        ("todo-list", (1, 4, 0, 0)),
        ("user-management", (1, 6, 1, 1)),
        ("slack-clone", (5, 13, 3, 1)),
    ] {
        let db = apply_corpus(&format!("supabase-examples/{dir}"), "order.txt", true, None);
        let (t, p, f, _, tr) = minus(counts(&inspect(&db, None)), shim);
        assert_eq!((t, p, f, tr), expected, "{dir}");
    }
}

#[test]
fn corpus_supabase_storage() {
    let path = Some("-c search_path=storage,public");
    let mut models = Vec::new();
    for order in ["order.txt", "order-all.txt"] {
        let db = apply_corpus("supabase-storage", order, false, path);
        let m = inspect(&db, None);
        let storage: Vec<_> = m
            .tables
            .iter()
            .filter(|(k, _)| k.starts_with("storage."))
            .collect();
        assert_eq!(storage.len(), 10, "{order}");
        assert!(storage
            .iter()
            .all(|(_, t)| t.row_level_security.enabled && t.policies.is_empty()));
        let (t, p, f, i, tr) = counts(&m);
        assert_eq!((t, p, f, i, tr), (10, 0, 17, 22, 4), "{order}");
        let fks: Vec<_> = storage
            .iter()
            .flat_map(|(_, t)| t.foreign_keys.values())
            .collect();
        assert_eq!(fks.len(), 8);
        assert_eq!(
            fks.iter()
                .filter(|f| f.on_delete == FkAction::Cascade)
                .count(),
            4
        );
        let all_idx: Vec<_> = storage
            .iter()
            .flat_map(|(_, t)| t.indexes.values())
            .collect();
        assert_eq!(all_idx.iter().filter(|i| i.where_.is_some()).count(), 1);
        assert_eq!(
            all_idx
                .iter()
                .filter(|i| i.columns.iter().any(|c| c.expression.is_some()))
                .count(),
            1
        );
        models.push(m);
    }
    // Two histories, one end state.
    assert_eq!(models[0], models[1]);
}

#[test]
fn corpus_pagila() {
    let db = apply_corpus("pagila", "order.txt", false, None);
    let m = inspect(&db, None);
    let (t, p, f, i, tr) = counts(&m);
    assert_eq!((t, p, f, tr), (70, 0, 9, 15));
    assert_eq!(i + attached_partition_indexes(&db), 104);
    assert_eq!(m.aggregates.len(), 1);
    assert_eq!(
        m.tables
            .values()
            .filter(|t| t.partition_by.is_some())
            .count(),
        1
    );
    assert_eq!(
        m.tables
            .values()
            .filter(|t| t.partition_of.is_some())
            .count(),
        55
    );
    let fks: usize = m.tables.values().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 36);
    assert_eq!(m.views.values().filter(|v| !v.materialized).count(), 7);
    assert_eq!(m.views.values().filter(|v| v.materialized).count(), 1);
    assert!(m.domains.contains_key("public.bıgınt"));
    assert_eq!(m.domains.len(), 2);
    assert_eq!(m.enums.len(), 1);
}

#[test]
fn corpus_danbooru() {
    let db = apply_corpus("danbooru", "order.txt", false, None);
    let m = inspect(&db, None);
    let (t, p, f, i, tr) = counts(&m);
    assert_eq!((t, p, f, i, tr), (66, 0, 3, 456, 0));
    let idx: Vec<_> = m.tables.values().flat_map(|t| t.indexes.values()).collect();
    assert_eq!(idx.iter().filter(|i| i.where_.is_some()).count(), 49);
    assert_eq!(
        idx.iter()
            .filter(|i| i.columns.iter().any(|c| c.expression.is_some()))
            .count(),
        35
    );
    let gin_gist = idx
        .iter()
        .filter(|i| matches!(i.method.as_deref(), Some("gin" | "gist")))
        .count();
    assert_eq!(gin_gist, 55);
    let fks: usize = m.tables.values().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 93);
    assert_eq!(m.extensions.len(), 5);
    assert_eq!(m.views.len(), 2);
}

#[test]
fn settings_and_column_details_are_reported_unmanaged() {
    let db = FreshDb::new("cat_unmanaged");
    db.try_psql(&format!(
        "ALTER DATABASE \"{}\" SET search_path = public, extensions;
         CREATE TABLE public.docs (id integer PRIMARY KEY, body text, parent integer);
         ALTER TABLE public.docs ALTER COLUMN body SET STORAGE EXTERNAL;",
        db.name
    ))
    .unwrap();
    // A foreign key's SET NULL column list is PostgreSQL 15's.
    let set_null_columns = support::server_major() >= 15;
    if set_null_columns {
        db.try_psql(
            "ALTER TABLE public.docs ADD CONSTRAINT docs_parent_fkey FOREIGN KEY (parent)
                 REFERENCES public.docs (id) ON DELETE SET NULL (parent);",
        )
        .unwrap();
    }
    let m = inspect(&db, None);
    let kinds: Vec<(&str, &str)> = m
        .unmanaged
        .iter()
        .map(|u| (u.kind.as_str(), u.name.as_str()))
        .collect();
    assert!(
        kinds.contains(&("database setting", "search_path=public, extensions")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("column storage", "public.docs.body STORAGE e")),
        "{kinds:?}"
    );
    assert_eq!(
        kinds.contains(&(
            "foreign key SET NULL/DEFAULT columns",
            "public.docs.docs_parent_fkey"
        )),
        set_null_columns,
        "{kinds:?}"
    );
}

/// A reading of some schemas takes the publications that concern them,
/// those named, and those of all tables or of nothing; a whole reading
/// takes every one.
#[test]
fn publications_are_read_for_the_schemas_read() {
    let db = FreshDb::new("cat_pubscope");
    db.connect()
        .batch_execute(
            "CREATE SCHEMA a; CREATE SCHEMA b;
             CREATE TABLE a.t (id int PRIMARY KEY); CREATE TABLE b.u (id int PRIMARY KEY);
             CREATE PUBLICATION pa FOR TABLE a.t; CREATE PUBLICATION pb FOR TABLE b.u;
             CREATE PUBLICATION pab FOR TABLE a.t, b.u; CREATE PUBLICATION empty;",
        )
        .unwrap();
    let names = |m: &Database| m.publications.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&inspect(&db, None)), ["empty", "pa", "pab", "pb"]);
    let only_a = inspect(&db, Some(&["a"]));
    assert_eq!(names(&only_a), ["empty", "pa", "pab"]);
    // What it lists outside the schemas read is someone else's.
    assert!(only_a.external.contains(&"b.u".to_string()));
    let mut conn = db.connect();
    let opts = InspectOptions {
        schemas: Some(vec!["a".into()]),
        publications: vec!["pb".into()],
        ..Default::default()
    };
    let named = catalog::inspect(&mut conn, &opts).unwrap();
    assert_eq!(names(&named), ["empty", "pa", "pab", "pb"]);
}

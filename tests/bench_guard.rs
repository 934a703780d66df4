//! Benchmark guard: a generated schema of 1 000 tables,
//! introspected and planned. Fails on the introspection query count growing
//! with the schema, on a plan that is not proportional to the edits, or on a
//! gross slowdown (limits are some 20 times what the debug build needs on
//! these 2 cores: 0.8 s to inspect, 0.5 s to plan the create, 0.25 s to
//! plan the edits) — never on a tight timing. The full benchmark is
//! `scripts/bench` (docs/BENCHMARKS.md).

#[path = "../bench/schemagen.rs"]
#[allow(dead_code)]
mod schemagen;
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use reconcile::catalog::{self, InspectOptions};
use reconcile::model::Database;
use reconcile::plan::{plan_migration, PlanOptions};
use support::FreshDb;

const N: usize = 1000;
const EDITS: usize = 20;

/// Loads the generated schema (after the auth shim) and introspects it.
fn load_and_inspect(n: usize, edits: usize) -> (Database, usize, Duration, schemagen::Schema) {
    let mut schema = schemagen::generate(n, 6);
    schema.edit(edits);
    let db = FreshDb::new("benchguard");
    db.psql_file(
        Path::new("tests/fixtures/corpus/supabase_shim.sql"),
        &[],
        None,
    );
    let mut conn = db.connect();
    conn.batch_execute(&schema.sql())
        .expect("generated schema loads");
    let opts = InspectOptions {
        schemas: Some(vec!["public".into()]),
        ..Default::default()
    };
    let t = Instant::now();
    let (model, stats) = catalog::inspect_with_stats(&mut conn, &opts).expect("inspect");
    (model, stats.queries, t.elapsed(), schema)
}

fn counts(m: &Database) -> (usize, usize, usize) {
    let indexes = m.tables.values().map(|t| t.indexes.len()).sum();
    let policies = m.tables.values().map(|t| t.policies.len()).sum();
    (m.tables.len(), indexes, policies)
}

#[test]
fn generated_schema_inspects_and_plans_at_scale() {
    let (_, small_queries, _, _) = load_and_inspect(20, 0);
    let (base, queries, inspect_time, gen) = load_and_inspect(N, 0);
    assert_eq!(
        small_queries, queries,
        "introspection queries grew with the schema (20 tables: {small_queries}, {N}: {queries})"
    );
    assert_eq!(
        counts(&base),
        (gen.table_count(), gen.index_count(), gen.policy_count())
    );
    assert_eq!(base.views.len(), gen.view_count());

    let (edited, _, _, _) = load_and_inspect(N, EDITS);
    let opts = PlanOptions::default();
    let t = Instant::now();
    let create = plan_migration(&Database::default(), &base, &opts).expect("plan create");
    let create_time = t.elapsed();
    let t = Instant::now();
    let edits = plan_migration(&base, &edited, &opts).expect("plan edits");
    let edit_time = t.elapsed();
    let same = plan_migration(&base, &base, &opts).expect("plan nothing");
    // The diff cuts steps only for what differs or mentions it (diff::scope):
    // both ways, the whole models must plan exactly the same.
    let mut whole = opts.clone();
    whole.diff.whole_models = true;
    for (from, to) in [(&base, &edited), (&edited, &base)] {
        let scoped = plan_migration(from, to, &opts).map_err(|e| e.to_string());
        let all = plan_migration(from, to, &whole).map_err(|e| e.to_string());
        assert!(
            scoped == all,
            "the scoped plan differs from the whole-model plan"
        );
        assert!(scoped.is_ok_and(|p| !p.is_empty()));
    }

    // Every table needs at least a create and its indexes.
    assert!(
        create.steps.len() > N + gen.index_count(),
        "{} steps",
        create.steps.len()
    );
    // Each edit is a step or a few; a diff that rebuilds unchanged objects is a bug.
    assert!(
        (EDITS..=EDITS * 4).contains(&edits.steps.len()),
        "{} steps for {EDITS} edits",
        edits.steps.len()
    );
    assert!(
        same.steps.is_empty(),
        "{} steps for no change",
        same.steps.len()
    );

    let gross = Duration::from_secs(15);
    for (what, took) in [
        ("inspect", inspect_time),
        ("plan create", create_time),
        ("plan edits", edit_time),
    ] {
        eprintln!("{what} of {N} tables: {took:?}");
        assert!(took < gross, "{what} of {N} tables took {took:?}");
    }
}

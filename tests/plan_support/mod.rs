//! Helpers for migration-plan tests: apply a plan's up and down scripts to
//! a real database and compare introspected models.
#![allow(dead_code)]

use reconcile::catalog::{self, InspectOptions};
use reconcile::model::{self, Database};
use reconcile::plan::{plan_migration, MigrationPlan, PlanOptions};

use crate::support::{line_diff, FreshDb};

pub const ROLES: &str = "DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pl_reader') THEN CREATE ROLE pl_reader; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pl_writer') THEN CREATE ROLE pl_writer; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon; END IF;
END $$;";

pub fn load(yaml: &str) -> Database {
    model::load::load_str(yaml, "test.yaml")
        .unwrap_or_else(|e| panic!("model does not load:\n{e}\n{yaml}"))
}

pub fn inspect(db: &FreshDb) -> Database {
    let mut conn = catalog::connect(&db.url).expect("connect");
    let m = catalog::inspect(&mut conn, &InspectOptions::default()).expect("inspect");
    let mut m = model::write::sorted(&m);
    m.unmanaged.clear();
    m
}

pub fn yaml(db: &Database) -> String {
    serde_saphyr::to_string(db).unwrap()
}

/// Every up statement in order.
pub fn up_script(plan: &MigrationPlan) -> String {
    let mut out = String::from("SET check_function_bodies = false;\n");
    for s in &plan.steps {
        for u in &s.up {
            out.push_str(u);
            out.push('\n');
        }
    }
    out
}

/// Every down statement, last step first.
pub fn down_script(plan: &MigrationPlan) -> String {
    let mut out = String::from("SET check_function_bodies = false;\n");
    for s in plan.steps.iter().rev() {
        for d in &s.down {
            out.push_str(d);
            out.push('\n');
        }
    }
    out
}

pub fn show(plan: &MigrationPlan) -> String {
    let mut out = String::new();
    for s in &plan.steps {
        out.push_str(&format!("-- {} [{}]\n", s.id, s.summary));
        for u in &s.up {
            out.push_str(&format!("{u}\n"));
        }
    }
    out
}

pub fn opts() -> PlanOptions {
    PlanOptions::default()
}

/// State A from `setup` SQL (run first), then `create_script(a)`.
pub fn make_a(db: &FreshDb, setup: &str, a: &Database) -> Database {
    db.try_psql(ROLES).expect("roles");
    if !setup.is_empty() {
        db.try_psql(setup)
            .unwrap_or_else(|e| panic!("setup fails: {e}"));
    }
    let script = reconcile::plan::create_script(a).unwrap();
    db.try_psql(&script)
        .unwrap_or_else(|e| panic!("create script of A fails: {e}\n{script}"));
    inspect(db)
}

/// The plan from `a` to `b`, checked against the plan that looks at every
/// table and view of both models (`DiffOptions::whole_models`): the diff
/// leaves out what cannot change, and must not change the plan by it.
pub fn plan_scoped(
    a: &Database,
    b: &Database,
    opts: &PlanOptions,
) -> Result<MigrationPlan, String> {
    let plan = plan_migration(a, b, opts).map_err(|e| format!("plan fails: {e}"))?;
    let mut whole = opts.clone();
    whole.diff.whole_models = true;
    let want = plan_migration(a, b, &whole).map_err(|e| format!("whole plan fails: {e}"))?;
    if plan != want {
        return Err(format!(
            "the scoped plan differs from the whole-model plan:\n{}\nwhole:\n{}",
            show(&plan),
            show(&want)
        ));
    }
    Ok(plan)
}

/// A -> B on a real database: up converges to B (planning again is empty),
/// down comes back to A exactly. Returns the plan.
pub fn converge_with(
    setup: &str,
    a: &Database,
    b: &Database,
    opts: &PlanOptions,
) -> Result<MigrationPlan, String> {
    let db = FreshDb::new("pl");
    let ia = make_a(&db, setup, a);
    let plan = plan_scoped(&ia, b, opts)?;
    let up = up_script(&plan);
    db.try_psql(&up)
        .map_err(|e| format!("up fails: {e}\n{}", show(&plan)))?;
    let ib = inspect(&db);
    let again = plan_scoped(&ib, b, opts).map_err(|e| format!("second plan: {e}"))?;
    if !again.is_empty() {
        return Err(format!(
            "plan after up is not empty:\n{}\nfirst plan:\n{}\nintrospected after up:\n{}",
            show(&again),
            show(&plan),
            yaml(&ib)
        ));
    }
    let down = down_script(&plan);
    db.try_psql(&down)
        .map_err(|e| format!("down fails: {e}\n{down}"))?;
    let back = inspect(&db);
    if back != ia {
        return Err(format!(
            "down does not restore A:\n{}\nplan:\n{}\ndown:\n{down}",
            line_diff(&yaml(&ia), &yaml(&back)),
            show(&plan)
        ));
    }
    Ok(plan)
}

/// From the state `db` is in to `b`: up converges, down comes back.
pub fn converge_on(
    db: &FreshDb,
    b: &Database,
    opts: &PlanOptions,
) -> Result<MigrationPlan, String> {
    let ia = inspect(db);
    let plan = plan_scoped(&ia, b, opts)?;
    db.try_psql(&up_script(&plan))
        .map_err(|e| format!("up fails: {e}\n{}", show(&plan)))?;
    let ib = inspect(db);
    let again = plan_scoped(&ib, b, opts).map_err(|e| format!("second plan: {e}"))?;
    if !again.is_empty() {
        return Err(format!(
            "plan after up is not empty:\n{}\nfirst plan:\n{}",
            show(&again),
            show(&plan)
        ));
    }
    let down = down_script(&plan);
    db.try_psql(&down)
        .map_err(|e| format!("down fails: {e}\n{down}"))?;
    let back = inspect(db);
    if back != ia {
        return Err(format!(
            "down does not restore A:\n{}\nplan:\n{}",
            line_diff(&yaml(&ia), &yaml(&back)),
            show(&plan)
        ));
    }
    Ok(plan)
}

pub fn converge(a: &Database, b: &Database) -> MigrationPlan {
    converge_with("", a, b, &opts()).unwrap_or_else(|e| panic!("{e}"))
}

/// Index of the first step whose id is `id`.
pub fn pos(plan: &MigrationPlan, id: &str) -> usize {
    plan.steps
        .iter()
        .position(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id} in\n{}", show(plan)))
}

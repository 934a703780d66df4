//! Property test: random models, with names that need quoting, rendered by
//! the planner, applied to a real database and introspected back must equal
//! the model.

mod support;

use indexmap::IndexMap;
use proptest::prelude::*;
use reconcile::catalog::{self, InspectOptions};
use reconcile::model::{
    self, Column, Database, Index, IndexElem, Policy, PolicyCommand, PrimaryKey, RowLevelSecurity,
    Table, Unique,
};

const NAMES: &[&str] = &[
    "id",
    "name",
    "Mixed Case",
    "select",
    "bıgınt",
    "user",
    "a.b",
    "x\"y",
    "order",
    "qty",
];
const TYPES: &[&str] = &[
    "integer",
    "bigint",
    "text",
    "boolean",
    "uuid",
    "timestamp with time zone",
    "numeric(10,2)",
    "character varying(20)",
    "jsonb",
    "text[]",
];

fn column() -> impl Strategy<Value = Column> {
    (
        0..TYPES.len(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[a-z ]{1,12}"),
    )
        .prop_map(|(t, nullable, with_default, comment)| {
            let type_ = TYPES[t].to_string();
            let default = with_default.then(|| match type_.as_str() {
                "integer" | "bigint" => "42".to_string(),
                "text" => "'it''s'::text".to_string(),
                "boolean" => "true".to_string(),
                "timestamp with time zone" => "now()".to_string(),
                "uuid" => "gen_random_uuid()".to_string(),
                _ => "NULL".to_string(),
            });
            let default = default.filter(|d| d != "NULL");
            let mut c = Column {
                type_,
                nullable,
                default,
                ..Default::default()
            };
            c.comment = comment;
            c
        })
}

fn table() -> impl Strategy<Value = Table> {
    (
        proptest::collection::vec((0..NAMES.len(), column()), 1..6),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("[a-z ]{1,20}"),
    )
        .prop_map(|(cols, pk, uniq, idx, rls, comment)| {
            let mut t = Table {
                comment,
                ..Default::default()
            };
            for (n, c) in cols {
                t.columns.insert(NAMES[n].to_string(), c);
            }
            let first = t.columns.keys().next().unwrap().clone();
            let last = t.columns.keys().last().unwrap().clone();
            if pk {
                t.columns[&first].nullable = false;
                t.primary_key = Some(PrimaryKey {
                    columns: vec![first.clone()],
                    ..Default::default()
                });
            }
            if uniq && last != first {
                t.unique.insert(
                    "uq_last".into(),
                    Unique {
                        columns: vec![last.clone()],
                        ..Default::default()
                    },
                );
            }
            if idx {
                let elem = IndexElem {
                    column: Some(last.clone()),
                    ..Default::default()
                };
                t.indexes.insert(
                    "Idx Last".into(),
                    Index {
                        columns: vec![elem],
                        ..Default::default()
                    },
                );
            }
            if rls {
                t.row_level_security = RowLevelSecurity {
                    enabled: true,
                    forced: false,
                };
                let p = Policy {
                    command: PolicyCommand::Select,
                    using: Some("true".into()),
                    ..Default::default()
                };
                t.policies.insert("read all".into(), p);
            }
            t
        })
}

fn database() -> impl Strategy<Value = Database> {
    proptest::collection::vec(table(), 1..4).prop_map(|tables| {
        let mut db = Database::default();
        let schemas = ["public", "My Schema"];
        let mut map = IndexMap::new();
        for (i, mut t) in tables.into_iter().enumerate() {
            let schema = schemas[i % 2];
            // Index and constraint names are unique per schema.
            t.unique = std::mem::take(&mut t.unique)
                .into_values()
                .map(|u| (format!("uq_{i}"), u))
                .collect();
            t.indexes = std::mem::take(&mut t.indexes)
                .into_values()
                .map(|x| (format!("Idx {i}"), x))
                .collect();
            let key = model::QualifiedName::new(schema, format!("T{i} tbl")).to_string();
            map.insert(key, t);
        }
        db.schemas.insert("My Schema".into(), Default::default());
        db.schemas
            .insert("public".into(), support::fresh_public_schema());
        db.tables = map.into_iter().collect();
        db
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn rendered_models_introspect_equal(db in database()) {
        let test_db = support::FreshDb::new("prop");
        let script = reconcile::plan::create_script(&db).unwrap();
        test_db.try_psql(&script).map_err(|e| TestCaseError::fail(format!("{e}\n{script}")))?;
        let mut conn = catalog::connect(&test_db.url).unwrap();
        let back = model::write::sorted(&catalog::inspect(&mut conn, &InspectOptions::default()).unwrap());
        let want = model::write::sorted(&db);
        prop_assert!(back == want, "{}", support::line_diff(&serde_saphyr::to_string(&want).unwrap(), &serde_saphyr::to_string(&back).unwrap()));
    }

    /// A recorded state reads back as the model it records.
    #[test]
    fn a_recorded_state_reads_back(recorded in database()) {
        let text = reconcile::migrations::render_state(&recorded).unwrap();
        let back = reconcile::migrations::state::parse_state(&text, "state.json").unwrap();
        prop_assert_eq!(&back, &model::write::sorted(&recorded));
    }
}

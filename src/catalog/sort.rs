//! Deterministic output: every map in key order, except those whose order
//! means something (columns, composite attributes, enum values) or that
//! are kept as the catalog holds them (storage options and a function's
//! SET options: PostgreSQL keeps them in the order given, and so does
//! `pg_dump`; comparing them ignores the order).

use crate::model::Database;

pub fn sort(db: &mut Database) {
    db.schemas.sort_keys();
    db.extensions.sort_keys();
    db.collations.sort_keys();
    db.text_search_configurations.sort_keys();
    db.enums.sort_keys();
    db.domains.sort_keys();
    for d in db.domains.values_mut() {
        d.checks.sort_keys();
    }
    db.composite_types.sort_keys();
    db.range_types.sort_keys();
    db.sequences.sort_keys();
    db.tables.sort_keys();
    for t in db.tables.values_mut() {
        t.unique.sort_keys();
        t.foreign_keys.sort_keys();
        t.checks.sort_keys();
        t.indexes.sort_keys();
        t.policies.sort_keys();
        t.triggers.sort_keys();
        t.rules.sort_keys();
        t.grants.sort_keys();
        t.exclusions.sort_keys();
        for c in t.columns.values_mut() {
            c.grants.sort_keys();
        }
    }
    db.views.sort_keys();
    for v in db.views.values_mut() {
        v.indexes.sort_keys();
        v.triggers.sort_keys();
        v.rules.sort_keys();
        v.column_comments.sort_keys();
        v.column_grants.sort_keys();
    }
    db.functions.sort_keys();
    db.aggregates.sort_keys();
    db.publications.sort_keys();
    for pb in db.publications.values_mut() {
        pb.tables.sort_keys();
    }
    db.default_privileges
        .sort_by(|a, b| (&a.for_role, &a.schema, &a.on).cmp(&(&b.for_role, &b.schema, &b.on)));
    db.unmanaged.sort();
    db.unmanaged.dedup();
}

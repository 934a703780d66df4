//! Tables two models agree on, held once.
//!
//! A plan holds two models: the desired state and the state it starts from
//! (recorded or live). Between two plans almost every table is the same, so
//! on a large schema half of the memory held was a second copy of equal
//! tables (75 MB at 10 000 tables). The tables sit behind an `Arc`, so an
//! equal table can point at the other model's and its own copy be freed.
//! Nothing observable changes: the two are equal by value, and anything
//! that edits a shared table (`Arc::make_mut`) gets its own copy first.

use std::sync::Arc;

use super::{par, Database};

/// Makes each table of `db` equal to the table of the same key in `other`
/// share `other`'s, freeing its own copy. Returns how many it shared.
pub fn share_tables(db: &mut Database, other: &Database) -> usize {
    let shared = par::each_mut(&mut db.tables, |key, table, out| {
        let Some(theirs) = other.tables.get(key) else {
            return;
        };
        if !Arc::ptr_eq(table, theirs) && **table == **theirs {
            *table = Arc::clone(theirs);
            out.push(());
        }
    });
    shared.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Table};

    fn table(ty: &str) -> Arc<Table> {
        let mut t = Table::default();
        t.columns.insert("id".into(), Column::of_type(ty));
        Arc::new(t)
    }

    #[test]
    fn equal_tables_are_shared_and_others_kept() {
        let mut ours = Database::default();
        let mut theirs = Database::default();
        ours.tables.insert("public.same".into(), table("uuid"));
        theirs.tables.insert("public.same".into(), table("uuid"));
        ours.tables.insert("public.changed".into(), table("uuid"));
        theirs.tables.insert("public.changed".into(), table("text"));
        ours.tables.insert("public.only_ours".into(), table("uuid"));
        let before = ours.clone();

        assert_eq!(share_tables(&mut ours, &theirs), 1);
        assert_eq!(ours, before);
        assert!(Arc::ptr_eq(
            &ours.tables["public.same"],
            &theirs.tables["public.same"]
        ));
        assert!(!Arc::ptr_eq(
            &ours.tables["public.changed"],
            &theirs.tables["public.changed"]
        ));
        // Done already: nothing more to share.
        assert_eq!(share_tables(&mut ours, &theirs), 0);
    }

    #[test]
    fn editing_a_shared_table_leaves_the_other_model_alone() {
        let mut ours = Database::default();
        let mut theirs = Database::default();
        ours.tables.insert("public.t".into(), table("uuid"));
        theirs.tables.insert("public.t".into(), table("uuid"));
        share_tables(&mut ours, &theirs);
        Arc::make_mut(&mut ours.tables["public.t"]).comment = Some("edited".into());
        assert_eq!(theirs.tables["public.t"].comment, None);
        assert_eq!(ours.tables["public.t"].comment.as_deref(), Some("edited"));
    }
}

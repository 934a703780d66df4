//! Tables two models agree on, held once.
//!
//! A plan holds two models: the desired state and the state it starts from
//! (recorded or live). Between two plans almost every table is the same, so
//! on a large schema half of the memory held was a second copy of equal
//! tables (75 MB at 10 000 tables). The tables sit behind an `Arc`, so an
//! equal table can point at the other model's and its own copy be freed.
//! Nothing observable changes: the two are equal by value, and anything
//! that edits a shared table (`Arc::make_mut`) gets its own copy first.
//!
//! A model that must wait for the other one to be built (the recorded
//! state for the desired one, the desired state for the live reading)
//! waits packed, and its tables equal to the other's are never rebuilt.

use std::sync::Arc;

use super::{par, Database, Shrink, Table};

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

/// Text, compressed (LZ4, its length first): a table held this way as
/// compact JSON costs about a sixth of its model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed(Box<[u8]>);

impl Packed {
    pub fn new(json: &[u8]) -> Packed {
        Packed(lz4_flex::compress_prepend_size(json).into_boxed_slice())
    }

    /// The text back; an error only for bytes this type did not make.
    pub fn json(&self) -> Result<Vec<u8>, String> {
        lz4_flex::decompress_size_prepended(&self.0).map_err(|e| e.to_string())
    }
}

/// Tables by key, packed.
pub type PackedTables = Vec<(String, Packed)>;

/// Takes `db`'s tables out, packed. A model held while another is built
/// (the desired state while the live database is read) costs its tables'
/// packed size, not their whole (12 MB, not 75, at 10 000 tables).
pub fn pack_tables(db: &mut Database) -> PackedTables {
    let tables: Vec<(String, Arc<Table>)> = std::mem::take(&mut db.tables).into_iter().collect();
    // Tables are plain data: serialising one cannot fail.
    let packed = par::map(&tables, |(_, t)| {
        Packed::new(&serde_json::to_vec(&**t).unwrap_or_default())
    });
    tables.into_iter().map(|(key, _)| key).zip(packed).collect()
}

/// Puts packed tables into `db`, in their order. A table whose JSON is the
/// JSON of `other`'s table of the same key is that table, shared; the
/// others are parsed. An error names the table.
pub fn unpack_tables(
    db: &mut Database,
    tables: PackedTables,
    other: Option<&Database>,
) -> Result<usize, String> {
    let parsed = par::map(&tables, |(key, packed)| -> Result<_, String> {
        let broken = |e: String| format!("table `{key}`: {e}");
        let json = packed.json().map_err(broken)?;
        if let Some(theirs) = other.and_then(|d| d.tables.get(key)) {
            if serde_json::to_vec(&**theirs).is_ok_and(|j| j == json) {
                return Ok((Arc::clone(theirs), true));
            }
        }
        let mut table: Table = serde_json::from_slice(&json).map_err(|e| {
            // The position would be in the compacted text, not a file.
            broken(super::load::strip_json_position(&e.to_string()))
        })?;
        table.shrink();
        Ok((Arc::new(table), false))
    });
    let mut shared = 0;
    db.tables.reserve_exact(tables.len());
    for ((key, _), table) in tables.into_iter().zip(parsed) {
        let (table, same) = table?;
        shared += usize::from(same);
        db.tables.insert(key, table);
    }
    Ok(shared)
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

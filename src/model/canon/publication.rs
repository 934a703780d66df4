//! Publications in the catalog's form: table keys qualified, operations
//! in PostgreSQL's order (all four written as none), column lists in the
//! table's column order.

use indexmap::IndexMap;

use super::relation_str;
use crate::model::error::Problem;
use crate::model::{Database, PUBLISH_OPERATIONS};

pub fn canonicalise(db: &mut Database, p: &mut Vec<Problem>) {
    let order: IndexMap<String, Vec<String>> = db
        .tables
        .iter()
        .map(|(k, t)| (k.clone(), t.columns.keys().cloned().collect()))
        .collect();
    for (name, pb) in db.publications.iter_mut() {
        let at = ["publications", name.as_str()];
        if pb.comment.as_deref() == Some("") {
            pb.comment = None;
        }
        let tables = std::mem::take(&mut pb.tables);
        for (key, mut t) in tables {
            let key = match relation_str(&key) {
                Ok(k) => k,
                Err(e) => {
                    p.push(Problem::new(&[at[0], at[1], "tables", &key], e));
                    key
                }
            };
            if let Some(cols) = order.get(&key) {
                t.columns
                    .sort_by_key(|c| cols.iter().position(|x| x == c).unwrap_or(usize::MAX));
            }
            t.columns.dedup();
            if pb.tables.contains_key(&key) {
                p.push(Problem::new(
                    &[at[0], at[1], "tables", &key],
                    format!("`{key}` is listed twice"),
                ));
                continue;
            }
            pb.tables.insert(key, t);
        }
        for s in pb.schemas.iter_mut() {
            *s = s.trim().to_string();
        }
        pb.schemas.sort();
        pb.schemas.dedup();
        if let Some(ops) = pb.publish.as_mut() {
            let mut known = Vec::new();
            for op in ops.iter() {
                let word = op.trim().to_lowercase();
                match PUBLISH_OPERATIONS.iter().position(|o| *o == word) {
                    Some(i) => known.push(i),
                    None => p.push(
                        Problem::new(
                            &[at[0], at[1], "publish"],
                            format!("`{op}` is not an operation a publication sends"),
                        )
                        .hint("use insert, update, delete or truncate"),
                    ),
                }
            }
            known.sort();
            known.dedup();
            *ops = known
                .iter()
                .map(|i| PUBLISH_OPERATIONS[*i].to_string())
                .collect();
            if ops.len() == PUBLISH_OPERATIONS.len() {
                pb.publish = None;
            }
        }
    }
}

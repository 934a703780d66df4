//! The last model a load gave, kept whole beside the parse cache: merged,
//! canonicalised and validated, with its warnings, under a key made of
//! every source's label and text.
//!
//! With every file read back from the parse cache, merging, canonicalising
//! and validating are still about half of a load (0.17 s of 0.38 s at
//! 10 000 tables). Between two plans of the same schema (`plan --check` in
//! CI, a second look after a review) they give the same model again, so a
//! load whose sources are exactly those of the last one reads that model
//! back. Like the pack, it is tied to this build of the binary.
//!
//! It is written only by a load whose files all came from the parse cache:
//! the first load after an edit pays nothing for it, the second keeps it.
//!
//! The file: the build's header line, the key, the warnings, the model
//! without its tables, then one line per table (its key and its JSON), so
//! that the tables are read back on two threads.

use std::path::Path;

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::super::error::LoadError;
use super::super::{par, Database, Shrink, Table};
use super::cache;

const FILE: &str = "loaded-v1.jsonl";

/// The text of the model kept in `dir`, if any.
pub fn read(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join(FILE)).ok()
}

/// The key of a load: each source's label and the parse-cache key of its
/// text, in order.
pub fn key<'a>(sources: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (label, key) in sources {
        // A label holds no NUL; a key is hex.
        h.update(label.as_bytes());
        h.update(b"\0");
        h.update(key.as_bytes());
        h.update(b"\n");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The model and warnings kept in `text`, if this build kept them under
/// `key`. Anything that does not read back is no model: the load then
/// runs in full.
pub fn take(text: &str, key: &str) -> Option<(Database, Vec<LoadError>)> {
    let mut lines = text.split('\n');
    if lines.next()? != cache::header() || lines.next()? != key {
        return None;
    }
    let warnings: Vec<LoadError> = serde_json::from_str(lines.next()?).ok()?;
    let mut db: Database = serde_json::from_str(lines.next()?).ok()?;
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    let tables = par::map(&rows, |row| {
        let (key, json) = row.split_once('\t')?;
        let key: String = serde_json::from_str(key).ok()?;
        let mut table: Table = serde_json::from_str(json).ok()?;
        table.shrink();
        Some((key, std::sync::Arc::new(table)))
    });
    let mut map = IndexMap::with_capacity(tables.len());
    for t in tables {
        let (key, table) = t?;
        map.insert(key, table);
    }
    db.tables = map;
    db.shrink();
    Some((db, warnings))
}

/// Keeps `db` and `warnings` under `key` in `dir`, in place of what was
/// kept. A model that cannot be written is not kept: it never fails a
/// command.
pub fn store(dir: &Path, key: &str, db: &mut Database, warnings: &[LoadError]) {
    let tables = std::mem::take(&mut db.tables);
    let written = write(dir, key, db, &tables, warnings);
    db.tables = tables;
    if let Err(e) = written {
        tracing::debug!(dir = %dir.display(), error = %e, "model not kept");
    }
}

fn write(
    dir: &Path,
    key: &str,
    rest: &Database,
    tables: &IndexMap<String, std::sync::Arc<Table>>,
    warnings: &[LoadError],
) -> std::io::Result<()> {
    let json = |e: serde_json::Error| std::io::Error::other(e.to_string());
    let entries: Vec<(&String, &std::sync::Arc<Table>)> = tables.iter().collect();
    let rows = par::map(&entries, |(key, table)| {
        let key = serde_json::to_string(key)?;
        let table = serde_json::to_string(table)?;
        Ok::<_, serde_json::Error>(format!("{key}\t{table}\n"))
    });
    let mut out = String::new();
    for line in [
        cache::header(),
        key.to_string(),
        serde_json::to_string(warnings).map_err(json)?,
        serde_json::to_string(rest).map_err(json)?,
    ] {
        out.push_str(&line);
        out.push('\n');
    }
    for row in rows {
        out.push_str(&row.map_err(json)?);
    }
    // Written aside and renamed, as the pack is: a concurrent reader sees
    // the old model or the new one.
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, out)?;
    std::fs::rename(&tmp, dir.join(FILE))
}

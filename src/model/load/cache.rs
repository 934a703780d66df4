//! A cache of parsed schema files, keyed by their content.
//!
//! Parsing YAML is most of an offline plan on a large schema, and between
//! two plans almost every file is unchanged. Each file that parsed cleanly is kept here as
//! the JSON of its model, under the sha256 of its text; reading that back is
//! several times faster than parsing the YAML again.
//!
//! Only the parse is cached: merging, canonicalising and validating run
//! every time, so a hit gives exactly the model a fresh parse would. The
//! pack is tied to this build of the binary (version, size and mtime of the
//! executable), so a rebuilt binary never reads another build's entries.
//! A cache that cannot be read or written is ignored: it never fails a
//! command.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::super::Database;

const PACK: &str = "parsed-v1.jsonl";

/// Below this much schema text, parsing takes a few milliseconds and a
/// cache would only leave a directory behind.
pub const MIN_BYTES: usize = 1 << 20;

/// The entries read from a cache directory, and where to write them back.
pub struct Cache {
    dir: PathBuf,
    header: String,
    /// Key -> model JSON. Each entry is its own string, so that it can be
    /// let go as soon as its file is read back.
    entries: HashMap<String, String>,
}

impl Cache {
    /// Opens the cache in `dir`; a missing, unreadable or foreign pack is
    /// an empty cache.
    pub fn open(dir: &Path) -> Cache {
        let header = header();
        let text = std::fs::read_to_string(dir.join(PACK))
            .ok()
            .filter(|t| t.lines().next() == Some(header.as_str()))
            .unwrap_or_default();
        let entries = text
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once('\t'))
            .map(|(key, json)| (key.to_string(), json.to_string()))
            .collect();
        Cache {
            dir: dir.to_path_buf(),
            header,
            entries,
        }
    }

    /// Takes out the entry of each key, in order. A key given twice (two
    /// files with the same text) gets a copy of the entry each time.
    pub fn take(&mut self, keys: &[String]) -> Vec<Option<String>> {
        let last: HashMap<&str, usize> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        keys.iter()
            .enumerate()
            .map(|(i, key)| {
                if last.get(key.as_str()) == Some(&i) {
                    self.entries.remove(key)
                } else {
                    self.entries.get(key).cloned()
                }
            })
            .collect()
    }

    /// How many entries no key took: files changed or gone since the pack
    /// was written.
    pub fn stale(&self) -> usize {
        self.entries.len()
    }

    /// Removes the pack, so that the next load writes a whole new one.
    pub fn discard(&self) {
        let _ = std::fs::remove_file(self.dir.join(PACK));
    }

    /// Rewrites the pack with exactly these entries (the current files), so
    /// it never grows with old versions. Written aside and renamed, so a
    /// concurrent reader sees the old pack or the new one.
    pub fn store(&self, entries: &[(&str, &str)]) {
        if let Err(e) = self.try_store(entries) {
            tracing::debug!(dir = %self.dir.display(), error = %e, "parse cache not written");
        }
    }

    fn try_store(&self, entries: &[(&str, &str)]) -> std::io::Result<()> {
        let len: usize = entries.iter().map(|(k, j)| k.len() + j.len() + 2).sum();
        let mut out = String::with_capacity(self.header.len() + 1 + len);
        out.push_str(&self.header);
        out.push('\n');
        for (key, json) in entries {
            out.push_str(key);
            out.push('\t');
            out.push_str(json);
            out.push('\n');
        }
        write_aside(&self.dir, PACK, &out)
    }
}

/// Writes `text` as the file `name` in the cache directory `dir`, making
/// the directory (marked never to be committed) if need be. Written aside
/// and renamed, so a concurrent reader sees the old file or the new one.
pub(super) fn write_aside(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ignore = dir.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(
            ignore,
            "# Written by reconcile: a cache, never committed.\n*\n",
        )?;
    }
    let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, dir.join(name))
}

/// The key of one source: its kind and exact text.
pub fn key(text: &str, json: bool) -> String {
    let kind: &[u8] = if json { b"json\n" } else { b"yaml\n" };
    digest(&[kind, text.as_bytes()])
}

/// The default cache of the schema at `schema`: a directory named after
/// its absolute path in `$XDG_CACHE_HOME/reconcile` (or
/// `~/.cache/reconcile`). None when there is no such home.
pub fn default_dir(schema: &Path) -> Option<PathBuf> {
    let home = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    let schema = std::fs::canonicalize(schema).ok()?;
    let id = digest(&[schema.as_os_str().as_encoded_bytes()]);
    Some(home.join("reconcile").join(id))
}

/// The first 128 bits of the sha256 of these bytes, in hex.
fn digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A cached model, or None when the entry does not read back (then the
/// file is parsed as if there were no entry).
pub fn read(json: &str) -> Option<Database> {
    serde_json::from_str(json).ok()
}

/// A model as a one-line entry. serde_json escapes every control
/// character, so the JSON holds no newline or tab.
pub fn write(db: &Database) -> Option<String> {
    serde_json::to_string(db).ok()
}

/// The first line of a pack: which build wrote it.
pub(super) fn header() -> String {
    let exe = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let mtime = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}-{mtime}", m.len())
        })
        .unwrap_or_default();
    format!("reconcile parse cache {} {exe}", env!("CARGO_PKG_VERSION"))
}

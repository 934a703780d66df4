//! The last model a load gave, kept whole beside the parse cache: merged,
//! canonicalised and validated, with its warnings, under the label and
//! content key of every source it was made from, in order.
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
//! Each source is also kept with what the file system said of it before it
//! was read ([`Stat`]): while every file still says the same, the files are
//! not even read (0.1 s at 10 000 tables). Any write to a file moves its
//! change time, which, unlike the modification time, tools cannot set back;
//! so a changed file always falls back to the full check of its content.
//!
//! The file: the build's header line, the sources, the warnings, the model
//! without its tables, then one line per table (its key and its JSON), so
//! that the tables are read back on two threads.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::super::error::LoadError;
use super::super::{par, Database, Shrink, Table};
use super::cache;

const FILE: &str = "loaded-v1.jsonl";

/// A file changed this recently may change again within the same tick of
/// the file system's clock, and say the same as before: its [`Stat`] is not
/// kept, and the next load checks its content.
const SETTLED: Duration = Duration::from_secs(2);

/// What the file system says of a file: device, inode, size, and the times
/// of its last modification and last change (seconds, nanoseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat(u64, u64, u64, i64, i64, i64, i64);

/// Each file's [`Stat`], taken before it is read; None for one changed
/// less than [`SETTLED`] ago, or that cannot be looked at.
pub fn stats(files: &[PathBuf]) -> Vec<Option<Stat>> {
    let now = SystemTime::now();
    par::map(files, |f| stat(f, now))
}

#[cfg(unix)]
fn stat(file: &Path, now: SystemTime) -> Option<Stat> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(file).ok()?;
    let changed = SystemTime::UNIX_EPOCH
        .checked_add(Duration::new(u64::try_from(m.ctime()).ok()?, 0))?
        .checked_add(Duration::from_nanos(u64::try_from(m.ctime_nsec()).ok()?))?;
    if changed
        .checked_add(SETTLED)
        .is_none_or(|settled| settled > now)
    {
        return None;
    }
    Some(Stat(
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
    ))
}

#[cfg(not(unix))]
fn stat(_: &Path, _: SystemTime) -> Option<Stat> {
    None
}

/// One source as kept: its label, its key in the parse cache, its stat.
type KeptSource = (String, String, Option<Stat>);

/// The model kept in a cache directory: what it was made from, read; the
/// model itself not yet (19 MB at 10 000 tables, not to be held through a
/// load that cannot use it). The file stays open, so a model another
/// process keeps meanwhile (written aside and renamed) cannot be mixed in.
pub struct Kept {
    sources: Vec<KeptSource>,
    rest: BufReader<File>,
}

impl Kept {
    /// The model kept in `dir` by this build, if any.
    pub fn read(dir: &Path) -> Option<Kept> {
        let mut rest = BufReader::new(File::open(dir.join(FILE)).ok()?);
        let mut line = String::new();
        rest.read_line(&mut line).ok()?;
        if line.strip_suffix('\n')? != cache::header() {
            return None;
        }
        line.clear();
        rest.read_line(&mut line).ok()?;
        let sources = serde_json::from_str(&line).ok()?;
        Some(Kept { sources, rest })
    }

    /// Whether it was made from files with these labels that, by their
    /// stats, have not changed since.
    pub fn unchanged(&self, labels: &[String], stats: &[Option<Stat>]) -> bool {
        self.sources.len() == labels.len()
            && (self.sources.iter().zip(labels.iter().zip(stats)))
                .all(|((l, _, kept), (label, now))| l == label && kept.is_some() && kept == now)
    }

    /// Whether it was made from sources with these labels and keys.
    pub fn same(&self, labels: &[String], keys: &[String]) -> bool {
        self.sources.len() == labels.len()
            && (self.sources.iter().zip(labels.iter().zip(keys)))
                .all(|((l, k, _), (label, key))| l == label && k == key)
    }

    /// The model and its warnings; None if they do not read back (the
    /// load then runs in full).
    pub fn model(mut self) -> Option<(Database, Vec<LoadError>)> {
        let mut text = String::new();
        self.rest.read_to_string(&mut text).ok()?;
        let mut lines = text.split('\n');
        let warnings: Vec<LoadError> = serde_json::from_str(lines.next()?).ok()?;
        let mut db: Database = serde_json::from_str(lines.next()?).ok()?;
        let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
        let tables = par::map(&rows, |row| {
            let (key, json) = row.split_once('\t')?;
            let key: String = serde_json::from_str(key).ok()?;
            let mut table: Table = serde_json::from_str(json).ok()?;
            table.shrink();
            Some((key, Arc::new(table)))
        });
        // The tables were shrunk as they were read: the rest is shrunk
        // before they join it, not walked a second time.
        db.shrink();
        let mut map = IndexMap::with_capacity(tables.len());
        for t in tables {
            let (key, table) = t?;
            map.insert(key, table);
        }
        db.tables = map;
        Some((db, warnings))
    }
}

/// The sources of a load, as kept: label, key and stat of each.
pub struct Sources<'a> {
    pub labels: &'a [String],
    pub keys: &'a [String],
    pub stats: &'a [Option<Stat>],
}

/// Keeps `db` and `warnings`, made from `sources`, in `dir` in place of
/// what was kept. A model that cannot be written is not kept: it never
/// fails a command.
pub fn store(dir: &Path, sources: Sources, db: &mut Database, warnings: &[LoadError]) {
    let tables = std::mem::take(&mut db.tables);
    let written = write(dir, sources, db, &tables, warnings);
    db.tables = tables;
    if let Err(e) = written {
        tracing::debug!(dir = %dir.display(), error = %e, "model not kept");
    }
}

fn write(
    dir: &Path,
    sources: Sources,
    rest: &Database,
    tables: &IndexMap<String, Arc<Table>>,
    warnings: &[LoadError],
) -> std::io::Result<()> {
    let json = |e: serde_json::Error| std::io::Error::other(e.to_string());
    let kept: Vec<(&String, &String, &Option<Stat>)> = (sources.labels.iter())
        .zip(sources.keys)
        .zip(sources.stats)
        .map(|((label, key), stat)| (label, key, stat))
        .collect();
    let entries: Vec<(&String, &Arc<Table>)> = tables.iter().collect();
    let rows = par::map(&entries, |(key, table)| {
        let key = serde_json::to_string(key)?;
        let table = serde_json::to_string(table)?;
        Ok::<_, serde_json::Error>(format!("{key}\t{table}\n"))
    });
    let rows: Vec<String> = rows.into_iter().collect::<Result<_, _>>().map_err(json)?;
    let head = [
        cache::header(),
        serde_json::to_string(&kept).map_err(json)?,
        serde_json::to_string(warnings).map_err(json)?,
        serde_json::to_string(rest).map_err(json)?,
    ];
    // Sized once: 19 MB at 10 000 tables, not grown by doubling.
    let len = head.iter().map(|l| l.len() + 1).sum::<usize>()
        + rows.iter().map(String::len).sum::<usize>();
    let mut out = String::with_capacity(len);
    for line in head {
        out.push_str(&line);
        out.push('\n');
    }
    for row in rows {
        out.push_str(&row);
    }
    cache::write_aside(dir, FILE, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> PathBuf {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "reconcile-stat-{}-{nanos}.yaml",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_file_changed_just_now_has_no_stat_and_a_settled_one_has() {
        let f = file("a");
        let now = SystemTime::now();
        assert_eq!(stat(&f, now), None);
        assert!(stat(&f, now + SETTLED + Duration::from_secs(1)).is_some());
        std::fs::remove_file(&f).unwrap();
    }

    #[test]
    fn a_rewrite_changes_the_stat_whatever_its_size_and_modification_time() {
        let f = file("aaaa");
        let later = || SystemTime::now() + SETTLED + Duration::from_secs(1);
        let before = stat(&f, later()).unwrap();
        let modified = std::fs::metadata(&f).unwrap().modified().unwrap();
        // Past the file system clock's tick (a few milliseconds).
        std::thread::sleep(Duration::from_millis(50));
        std::fs::write(&f, "bbbb").unwrap();
        let handle = std::fs::File::options().write(true).open(&f).unwrap();
        handle.set_modified(modified).unwrap();
        drop(handle);
        let after = stat(&f, later()).unwrap();
        assert_eq!((before.2, before.3, before.4), (after.2, after.3, after.4));
        assert_ne!(before, after, "the change time moved");
        std::fs::remove_file(&f).unwrap();
    }

    #[test]
    fn kept_sources_match_only_the_same_labels_keys_and_stats() {
        let s = Some(Stat(1, 2, 3, 4, 5, 6, 7));
        let kept = |sources| Kept {
            sources,
            rest: BufReader::new(File::open(std::env::current_exe().unwrap()).unwrap()),
        };
        let unknown = kept(vec![("a".into(), "k".into(), None)]);
        let kept = kept(vec![("a".into(), "k".into(), s)]);
        let (a, k) = (vec!["a".to_string()], vec!["k".to_string()]);
        assert!(kept.same(&a, &k) && kept.unchanged(&a, &[s]));
        assert!(!kept.same(&["b".to_string()], &k));
        assert!(!kept.same(&a, &["j".to_string()]));
        assert!(!kept.same(&[], &[]));
        assert!(!kept.unchanged(&a, &[None]));
        assert!(!kept.unchanged(&a, &[Some(Stat(1, 2, 3, 4, 5, 6, 8))]));
        assert!(
            !unknown.unchanged(&a, &[None]),
            "an unknown stat is a change"
        );
    }
}

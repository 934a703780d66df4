//! The sum file: a sha256 per migration file, chained so each entry covers
//! every file before it, plus one hash over all. Any edit, insertion,
//! removal or reordering of a generated file changes it (like `atlas.sum`).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub const SUM_FILE: &str = "reconcile.sum";

/// One file's entry: its path relative to the migrations directory and the
/// chained hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumEntry {
    pub path: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub total: String,
    pub entries: Vec<SumEntry>,
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Computes the sum of (relative path, exact bytes) pairs, in the given order.
pub fn compute(files: &[(String, Vec<u8>)]) -> Sum {
    let mut chain = Chain::default();
    for (path, bytes) in files {
        chain.add(path, bytes);
    }
    chain.finish()
}

/// The sum of the migration files under `dir`, each read in pieces: a
/// large first plan's files, `state.json` above all, would otherwise be
/// held whole at the end of the plan.
pub fn of_dir(dir: &Path) -> Result<Sum, String> {
    let mut chain = Chain::default();
    for (name, path) in migration_files(dir)? {
        let digest = file_digest(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        chain.add_digest(&name, &digest);
    }
    Ok(chain.finish())
}

/// The sha256 of a file's bytes, read 64 KiB at a time.
fn file_digest(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hash.finalize().to_vec()),
            Ok(n) => hash.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The chained hash as files are added.
#[derive(Default)]
struct Chain {
    chain: Sha256,
    entries: Vec<SumEntry>,
}

impl Chain {
    fn add(&mut self, path: &str, bytes: &[u8]) {
        self.add_digest(path, &Sha256::digest(bytes));
    }

    /// [`Chain::add`] of a file whose own sha256 is `digest`.
    fn add_digest(&mut self, path: &str, digest: &[u8]) {
        self.chain.update(path.as_bytes());
        self.chain.update([0u8]);
        self.chain.update(digest);
        self.entries.push(SumEntry {
            path: path.to_string(),
            hash: hex(&self.chain.clone().finalize()),
        });
    }

    fn finish(self) -> Sum {
        Sum {
            total: hex(&self.chain.finalize()),
            entries: self.entries,
        }
    }
}

impl Sum {
    pub fn render(&self) -> String {
        let mut out = format!("h1:{}\n", self.total);
        for e in &self.entries {
            out.push_str(&format!("{} h1:{}\n", e.path, e.hash));
        }
        out
    }

    pub fn parse(text: &str) -> Result<Sum, String> {
        let mut lines = text.lines();
        let total = lines
            .next()
            .and_then(|l| l.strip_prefix("h1:"))
            .ok_or("first line must be `h1:<hash>`")?
            .to_string();
        let mut entries = Vec::new();
        for (i, line) in lines.enumerate() {
            let (path, hash) = line
                .rsplit_once(" h1:")
                .ok_or_else(|| format!("line {}: expected `<path> h1:<hash>`", i + 2))?;
            entries.push(SumEntry {
                path: path.to_string(),
                hash: hash.to_string(),
            });
        }
        Ok(Sum { total, entries })
    }
}

/// The files of one migration that the sum covers, in order.
pub const COVERED: [&str; 4] = ["up.sql", "down.sql", "metadata.toml", "state.json"];

/// Every migration file under `dir` (`NNNN_name/{up.sql,down.sql,metadata.toml,state.json}`)
/// in a fixed order, with its path. Hidden directories (staging) are skipped.
pub fn migration_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let mut names: Vec<String> = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort();
    let mut files = Vec::new();
    for name in names {
        for file in COVERED {
            let path = dir.join(&name).join(file);
            if path.exists() {
                files.push((format!("{name}/{file}"), path));
            }
        }
    }
    Ok(files)
}

/// The migration (directory name) of the first file that differs from the
/// sum file, in order; None when the sum matches. The chain cannot tell
/// whether later files were edited too: everything from there on is suspect.
pub fn first_edited(dir: &Path) -> Result<Option<String>, String> {
    let sum_path = dir.join(SUM_FILE);
    let recorded = if sum_path.exists() {
        let text = std::fs::read_to_string(&sum_path)
            .map_err(|e| format!("{}: {e}", sum_path.display()))?;
        Sum::parse(&text).map_err(|e| format!("{}: {e}", sum_path.display()))?
    } else {
        compute(&[])
    };
    let actual = of_dir(dir)?;
    if recorded == actual {
        return Ok(None);
    }
    let n = recorded.entries.len().max(actual.entries.len());
    let first = (0..n)
        .find(|&i| recorded.entries.get(i) != actual.entries.get(i))
        .and_then(|i| actual.entries.get(i).or(recorded.entries.get(i)));
    Ok(first.map(|e| e.path.split('/').next().unwrap_or(&e.path).to_string()))
}

/// Checks `dir`'s sum file against its files; on a mismatch names the first
/// file whose chained hash differs.
pub fn verify(dir: &Path) -> Result<(), String> {
    let sum_path = dir.join(SUM_FILE);
    let text =
        std::fs::read_to_string(&sum_path).map_err(|e| format!("{}: {e}", sum_path.display()))?;
    let recorded = Sum::parse(&text).map_err(|e| format!("{}: {e}", sum_path.display()))?;
    let actual = of_dir(dir)?;
    if recorded == actual {
        return Ok(());
    }
    for i in 0..recorded.entries.len().max(actual.entries.len()) {
        match (recorded.entries.get(i), actual.entries.get(i)) {
            (Some(r), Some(a)) if r == a => continue,
            (Some(r), Some(a)) if r.path == a.path => {
                return Err(format!(
                    "{} was edited after it was generated",
                    dir.join(&a.path).display()
                ))
            }
            (Some(r), Some(a)) => {
                return Err(format!(
                    "migration files differ from {SUM_FILE}: expected {} but found {}",
                    r.path, a.path
                ))
            }
            (Some(r), None) => return Err(format!("{} is missing", dir.join(&r.path).display())),
            (None, Some(a)) => {
                return Err(format!(
                    "{} is not recorded in {SUM_FILE}",
                    dir.join(&a.path).display()
                ))
            }
            (None, None) => break,
        }
    }
    Err(format!("{} does not match its files", sum_path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("0001_a/up.sql".into(), b"create table a();".to_vec()),
            ("0001_a/down.sql".into(), b"drop table a;".to_vec()),
            ("0002_b/up.sql".into(), b"create table b();".to_vec()),
        ]
    }

    #[test]
    fn chain_detects_edits_and_reordering() {
        let base = compute(&files());
        assert_eq!(Sum::parse(&base.render()).unwrap(), base);
        let mut edited = files();
        edited[0].1.push(b' ');
        let e = compute(&edited);
        assert_ne!(e.entries[0], base.entries[0]);
        assert_ne!(
            e.entries[2].hash, base.entries[2].hash,
            "later entries cover earlier files"
        );
        let mut swapped = files();
        swapped.swap(0, 1);
        assert_ne!(compute(&swapped).total, base.total);
    }

    #[test]
    fn files_read_in_pieces_sum_as_read_whole() {
        let dir = std::env::temp_dir().join(format!("reconcile-sum-pieces-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("0001_a")).unwrap();
        // Past one piece, and not a whole number of them.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.join("0001_a/up.sql"), &big).unwrap();
        std::fs::write(dir.join("0001_a/down.sql"), b"").unwrap();
        let whole = compute(&[
            ("0001_a/up.sql".into(), big),
            ("0001_a/down.sql".into(), vec![]),
        ]);
        assert_eq!(of_dir(&dir).unwrap(), whole);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn verify_names_the_edited_file() {
        let dir = std::env::temp_dir().join(format!("reconcile-sum-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("0001_a")).unwrap();
        std::fs::write(dir.join("0001_a/up.sql"), "create table a();").unwrap();
        let sum = of_dir(&dir).unwrap();
        std::fs::write(dir.join(SUM_FILE), sum.render()).unwrap();
        assert_eq!(verify(&dir), Ok(()));
        std::fs::write(dir.join("0001_a/up.sql"), "create table b();").unwrap();
        let err = verify(&dir).unwrap_err();
        assert!(err.contains("0001_a/up.sql was edited"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

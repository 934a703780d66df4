//! Reading a migrations directory, with every check that needs no
//! database: names, numbering, the sum file, metadata, splitting. What the
//! runner applies, `export` writes out and `lint` reads. Errors name the
//! file (and line).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::sum;
use crate::sql::split::{self, Statement};

/// One migration directory, read and checked.
#[derive(Debug, Clone)]
pub struct Source {
    /// Directory name, `NNNN_slug`.
    pub name: String,
    pub number: u32,
    pub dir: PathBuf,
    /// sha256 (hex) of the exact bytes of up.sql.
    pub checksum: String,
    /// up.sql's statements, once split (see `Source::split`).
    pub up: Vec<Statement>,
    /// up.sql's text until it is split.
    unsplit: Option<String>,
    /// down.sql as written (empty when absent).
    pub down_sql: String,
    pub run_in_transaction: bool,
    pub depends: Vec<String>,
    /// `timestamp` of metadata.toml (see `stamp`).
    pub timestamp: Option<String>,
}

/// `metadata.toml`; unknown keys are left to other tools.
#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(default = "yes")]
    run_in_transaction: bool,
    #[serde(default)]
    depends: Vec<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

fn yes() -> bool {
    true
}

/// Whether `name` is `^\d{4}_[a-z0-9_]+$`.
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 5
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'_'
        && b[5..]
            .iter()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

pub fn checksum(bytes: &[u8]) -> String {
    sum::hex(&Sha256::digest(bytes))
}

/// Reads, checks and splits every migration under `dir`, in order.
pub fn load(dir: &Path) -> Result<Vec<Source>, String> {
    let mut sources = read(dir)?;
    let ups = split_all(&sources)?;
    fill(&mut sources, ups);
    Ok(sources)
}

/// Reads and checks every migration under `dir`, in order, but leaves the
/// SQL unsplit: splitting is the costly part of reading (PostgreSQL's
/// parser), and the runner needs only the pending migrations split, which
/// it does while it connects and reads the schema (`exec::apply`). Plain files and
/// dot-directories in `dir` are ignored, as are `*.retired` directories.
pub fn read(dir: &Path) -> Result<Vec<Source>, String> {
    let names = directory_names(dir)?;
    let bad: Vec<&String> = names.iter().filter(|n| !valid_name(n)).collect();
    if !bad.is_empty() {
        let list: Vec<&str> = bad.iter().map(|s| s.as_str()).collect();
        return Err(format!(
            "{}: invalid migration name(s) {}: names must match ^\\d{{4}}_[a-z0-9_]+$",
            dir.display(),
            list.join(", ")
        ));
    }
    let mut by_number: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in &names {
        by_number.entry(&n[..4]).or_default().push(n);
    }
    let dups: Vec<String> = by_number
        .values()
        .filter(|v| v.len() > 1)
        .map(|v| v.join(" and "))
        .collect();
    if !dups.is_empty() {
        return Err(format!(
            "{}: duplicate migration numbers: {}",
            dir.display(),
            dups.join("; ")
        ));
    }
    if dir.join(sum::SUM_FILE).exists() {
        sum::verify(dir)?;
    }
    let mut out = Vec::new();
    for name in names {
        out.push(read_one(dir, &name)?);
    }
    Ok(out)
}

fn directory_names(dir: &Path) -> Result<Vec<String>, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') && !name.ends_with(".retired") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn read_one(base: &Path, name: &str) -> Result<Source, String> {
    let dir = base.join(name);
    let up_path = dir.join("up.sql");
    let up_bytes = std::fs::read(&up_path).map_err(|e| format!("{}: {e}", up_path.display()))?;
    let up_checksum = checksum(&up_bytes);
    let up_text =
        String::from_utf8(up_bytes).map_err(|_| format!("{}: not UTF-8", up_path.display()))?;
    let down_path = dir.join("down.sql");
    let down_sql = match std::fs::read(&down_path) {
        Ok(b) => String::from_utf8(b).map_err(|_| format!("{}: not UTF-8", down_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", down_path.display())),
    };
    let meta = read_metadata(&dir.join("metadata.toml"))?;
    Ok(Source {
        number: name[..4].parse().unwrap_or(0),
        name: name.to_string(),
        dir,
        checksum: up_checksum,
        up: Vec::new(),
        unsplit: Some(up_text),
        down_sql,
        run_in_transaction: meta.run_in_transaction,
        depends: meta.depends,
        timestamp: meta.timestamp,
    })
}

/// Each migration's up.sql statements, in order; checks too that down.sql
/// splits and that a migration run in a transaction holds no statement
/// that cannot. Reads only: `fill` puts the statements in.
pub fn split_all(sources: &[Source]) -> Result<Vec<Vec<Statement>>, String> {
    sources.iter().map(Source::split).collect()
}

/// Puts the statements `split_all` made into their migrations and lets go
/// of the text they came from.
pub fn fill(sources: &mut [Source], ups: Vec<Vec<Statement>>) {
    for (s, up) in sources.iter_mut().zip(ups) {
        s.up = up;
        s.unsplit = None;
    }
}

impl Source {
    /// Its version in Supabase's layout: the recorded timestamp, else the
    /// legacy one its number gives.
    pub fn version(&self) -> String {
        self.timestamp
            .clone()
            .unwrap_or_else(|| super::stamp::legacy(self.number))
    }

    fn split(&self) -> Result<Vec<Statement>, String> {
        let Some(text) = &self.unsplit else {
            return Ok(self.up.clone());
        };
        let up_path = self.dir.join("up.sql");
        let up = split_file(&up_path, text)?;
        split_file(&self.dir.join("down.sql"), &self.down_sql)?;
        if self.run_in_transaction {
            if let Some(s) = up.iter().find(|s| s.outside_transaction.is_some()) {
                return Err(format!(
                    "{}:{}: {} cannot run inside a transaction, but metadata.toml says run_in_transaction = true; \
                     put it in its own migration with run_in_transaction = false",
                    up_path.display(),
                    s.line,
                    s.outside_transaction.unwrap_or("this statement")
                ));
            }
        }
        Ok(up)
    }
}

/// Splits a file, naming the file and line on failure.
pub fn split_file(path: &Path, text: &str) -> Result<Vec<Statement>, String> {
    split::split(text).map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))
}

fn read_metadata(path: &Path) -> Result<Metadata, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    // Strict, unlike diesel: a typo must not silently mean "in a transaction".
    toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))
}

/// The `depends` of one migration directory; empty if unreadable.
pub fn depends_of(dir: &Path) -> Vec<String> {
    read_metadata(&dir.join("metadata.toml"))
        .map(|m| m.depends)
        .unwrap_or_default()
}

/// Whether a migration directory runs in a transaction; true if unreadable.
pub fn transactional_of(dir: &Path) -> bool {
    read_metadata(&dir.join("metadata.toml"))
        .map(|m| m.run_in_transaction)
        .unwrap_or(true)
}

/// Every `depends` names an applied migration or one that runs earlier.
pub fn check_depends(all: &[Source], applied: &[String]) -> Result<(), String> {
    for m in all {
        for dep in &m.depends {
            let dep_name = dep.trim_end_matches(".sql");
            let earlier = all.iter().any(|o| o.name == dep_name && o.name < m.name);
            if !earlier && !applied.iter().any(|a| a == dep_name) {
                return Err(format!(
                    "{}: depends on `{dep}`, which is neither applied nor an earlier migration in this directory",
                    m.dir.join("metadata.toml").display()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("0001_baseline"));
        assert!(valid_name("0042_add_2_cols"));
        for bad in [
            "001_a",
            "0001-a",
            "0001_AddColumn",
            "0001_",
            "abcd_x",
            "0001_a-b",
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}

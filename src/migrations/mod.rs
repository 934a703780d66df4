//! Migrations on disk: `NNNN_slug/{up.sql,down.sql,metadata.toml,state.json}`
//! (a layout `diesel migration run` can read too: diesel ignores the extra
//! keys and files) and the chained sum file. Existing migrations are never
//! rewritten.

pub mod export;
pub mod group;
pub mod import;
pub mod new;
pub mod slug;
pub mod source;
pub mod stamp;
pub mod state;
pub mod sum;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

pub use group::{from_plan, is_irreversible, GroupOptions};
pub use new::{new_migration, SchemaEffect};
pub use slug::{derive_slug, valid_slug};
pub use state::{read_last_state, render_state, STATE_FILE};

/// What goes into `metadata.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub run_in_transaction: bool,
    pub hazards: Vec<String>,
    pub depends: Vec<String>,
    /// When it was written, `YYYYMMDDHHMMSS` UTC (an imported Supabase
    /// migration: its own version): its name in the Supabase layout.
    pub timestamp: Option<String>,
    /// Further TOML lines, verbatim (a hand-written migration's declaration).
    pub extra: String,
}

impl Metadata {
    pub fn render(&self) -> String {
        let list = |v: &[String]| {
            let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
            format!("[{}]", items.join(", "))
        };
        let timestamp = match &self.timestamp {
            Some(t) => format!("timestamp = {t:?}\n"),
            None => String::new(),
        };
        format!(
            "run_in_transaction = {}\nhazards = {}\ndepends = {}\n{timestamp}{}",
            self.run_in_transaction,
            list(&self.hazards),
            list(&self.depends),
            self.extra
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub number: u32,
    pub slug: String,
    pub up: String,
    pub down: String,
    pub metadata: Metadata,
    /// The desired state this migration reaches (`state.json`), recorded on
    /// the last migration of each plan so later plans work offline.
    pub state: Option<String>,
}

impl Migration {
    pub fn dir_name(&self) -> String {
        format!("{:04}_{}", self.number, self.slug)
    }

    fn files(&self) -> Vec<(&'static str, Cow<'_, str>)> {
        let mut files = vec![
            ("up.sql", Cow::from(self.up.as_str())),
            ("down.sql", Cow::from(self.down.as_str())),
            ("metadata.toml", Cow::from(self.metadata.render())),
        ];
        if let Some(state) = &self.state {
            files.push((STATE_FILE, Cow::from(state.as_str())));
        }
        files
    }
}

/// Largest migration number `NNNN` allowed by the `^\d{4}_` layout.
pub const MAX_NUMBER: u32 = 9999;

/// The number of a migration-like entry: four digits and `_`.
/// What of `ms` (up and down scripts) `version` cannot run, one line each:
/// `0003_slug/up.sql:12: view public.v: ... need PostgreSQL 15 or later`.
pub fn needs_newer(ms: &[Migration], version: crate::model::PgVersion) -> Vec<String> {
    let mut out = Vec::new();
    for m in ms {
        let dir = format!("{:04}_{}", m.number, m.slug);
        for (file, sql) in [("up.sql", &m.up), ("down.sql", &m.down)] {
            for need in crate::model::version::features::missing(sql, version) {
                out.push(format!("{dir}/{file}:{}: {need}", need.line));
            }
        }
    }
    out
}

pub fn number_of(name: &str) -> Option<u32> {
    let (digits, rest) = name.split_at_checked(4)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !rest.starts_with('_') {
        return None;
    }
    digits.parse().ok()
}

/// Whether an entry is a retired migration (`NNNN_slug.retired`, file or
/// directory): it keeps its number but is no longer part of the history.
pub fn is_retired(name: &str) -> bool {
    name.ends_with(".retired")
}

/// Writes a migration under `dir` and refreshes the sum file. Writing the
/// same migration again is a no-op; writing different content over an
/// existing migration is refused, since migrations are immutable.
pub fn write(dir: &Path, m: &Migration) -> Result<PathBuf, String> {
    let paths = write_all(dir, std::slice::from_ref(m))?;
    Ok(paths.into_iter().next().unwrap_or_default())
}

/// Writes several migrations, then refreshes the sum once. The sum is
/// checked first; each migration is written to a hidden staging directory
/// and renamed into place, so a failure never leaves a half-written one.
pub fn write_all(dir: &Path, ms: &[Migration]) -> Result<Vec<PathBuf>, String> {
    for m in ms {
        if !valid_slug(&m.slug) {
            return Err(format!("migration name `{}` must match [a-z0-9_]+", m.slug));
        }
        if m.number == 0 || m.number > MAX_NUMBER {
            return Err(format!(
                "migration number {} is outside 0001..{MAX_NUMBER}",
                m.number
            ));
        }
    }
    if dir.exists() {
        sum_check_if_present(dir)?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for m in ms {
        let target = dir.join(m.dir_name());
        if target.exists() {
            same_content(&target, m)?;
        } else {
            let staging = dir.join(format!(".staging-{}", m.dir_name()));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
            for (name, content) in m.files() {
                let path = staging.join(name);
                std::fs::write(&path, content.as_bytes())
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            std::fs::rename(&staging, &target).map_err(|e| format!("{}: {e}", target.display()))?;
        }
        written.push(target);
    }
    write_sum(dir)?;
    Ok(written)
}

fn same_content(target: &Path, m: &Migration) -> Result<(), String> {
    for (name, content) in m.files() {
        let existing = std::fs::read_to_string(target.join(name)).unwrap_or_default();
        if content != existing {
            return Err(format!(
                "{} already exists with different content; migrations are never rewritten",
                target.join(name).display()
            ));
        }
    }
    Ok(())
}

fn sum_check_if_present(dir: &Path) -> Result<(), String> {
    if dir.join(sum::SUM_FILE).exists() {
        sum::verify(dir)?;
    }
    Ok(())
}

/// Checks the sum before planning on top of `dir`: required as soon as any
/// migration exists.
pub fn check_sum(dir: &Path) -> Result<(), String> {
    if existing(dir)?.is_empty() && !dir.join(sum::SUM_FILE).exists() {
        return Ok(());
    }
    sum::verify(dir)
}

pub fn write_sum(dir: &Path) -> Result<(), String> {
    let s = sum::of_dir(dir)?;
    let path = dir.join(sum::SUM_FILE);
    std::fs::write(&path, s.render()).map_err(|e| format!("{}: {e}", path.display()))
}

/// Names of the live (not retired) migration directories under `dir`, in order.
pub fn existing(dir: &Path) -> Result<Vec<String>, String> {
    Ok(entries(dir)?
        .into_iter()
        .filter(|(name, is_dir)| *is_dir && !is_retired(name))
        .map(|(name, _)| name)
        .collect())
}

/// The number the next migration gets: one past the highest number in use,
/// retired migrations included, so numbers are never reused.
pub fn next_number(dir: &Path) -> Result<u32, String> {
    let highest = entries(dir)?
        .iter()
        .filter_map(|(name, _)| number_of(name))
        .max()
        .unwrap_or(0);
    Ok(highest + 1)
}

/// Migration-like entries (`NNNN_...`, not hidden), sorted, with whether each is a directory.
fn entries(dir: &Path) -> Result<Vec<(String, bool)>, String> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if number_of(&name).is_some() {
            names.push((name, entry.path().is_dir()));
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(slug: &str) -> Migration {
        Migration {
            number: 1,
            slug: slug.into(),
            up: "create table a();\n".into(),
            down: "drop table a;\n".into(),
            metadata: Metadata {
                run_in_transaction: true,
                hazards: vec![],
                depends: vec![],
                timestamp: None,
                extra: String::new(),
            },
            state: Some("{}\n".into()),
        }
    }

    #[test]
    fn writes_once_and_refuses_rewrites() {
        let dir = std::env::temp_dir().join(format!("reconcile-mig-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let m = migration("baseline");
        let path = write(&dir, &m).unwrap();
        assert!(path.ends_with("0001_baseline"));
        assert!(path.join(STATE_FILE).exists());
        assert_eq!(existing(&dir).unwrap(), ["0001_baseline"]);
        write(&dir, &m).unwrap();
        let mut changed = m.clone();
        changed.up = "create table b();\n".into();
        let err = write(&dir, &changed).unwrap_err();
        assert!(err.contains("never rewritten"), "{err}");
        let mut changed = m.clone();
        changed.state = Some("{\"tables\":{}}\n".into());
        let err = write(&dir, &changed).unwrap_err();
        assert!(err.contains("state.json already exists"), "{err}");
        assert!(sum::verify(&dir).is_ok());
        assert!(write(&dir, &migration("Bad-Name")).is_err());
        let mut too_big = migration("late");
        too_big.number = 10_000;
        assert!(write(&dir, &too_big).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn numbers_continue_past_retired_ones() {
        let dir = std::env::temp_dir().join(format!("reconcile-num-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(next_number(&dir).unwrap(), 1);
        std::fs::create_dir_all(dir.join("0001_a")).unwrap();
        std::fs::create_dir_all(dir.join("0007_b.retired")).unwrap();
        std::fs::write(dir.join("0009_c.retired"), "").unwrap();
        std::fs::create_dir_all(dir.join(".staging-0010_x")).unwrap();
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        assert_eq!(next_number(&dir).unwrap(), 10);
        assert_eq!(existing(&dir).unwrap(), ["0001_a"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn metadata_is_toml() {
        let m = Metadata {
            run_in_transaction: false,
            hazards: vec!["index_build".into()],
            depends: vec!["0001_baseline".into()],
            timestamp: None,
            extra: String::new(),
        };
        assert_eq!(m.render(), "run_in_transaction = false\nhazards = [\"index_build\"]\ndepends = [\"0001_baseline\"]\n");
        let stamped = Metadata {
            timestamp: Some("20260512093000".into()),
            ..m
        };
        assert!(stamped
            .render()
            .ends_with("depends = [\"0001_baseline\"]\ntimestamp = \"20260512093000\"\n"));
    }
}

//! Migrations on disk: `NNNN_slug/{up.sql,down.sql,metadata.toml}` (a layout
//! `diesel migration run` can read too) and the chained sum file.
//! Existing migrations are never rewritten.

pub mod runner;
pub mod sum;

use std::path::{Path, PathBuf};

/// What goes into `metadata.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub run_in_transaction: bool,
    pub hazards: Vec<String>,
    pub depends: Vec<String>,
}

impl Metadata {
    pub fn render(&self) -> String {
        let list = |v: &[String]| {
            let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
            format!("[{}]", items.join(", "))
        };
        format!(
            "run_in_transaction = {}\nhazards = {}\ndepends = {}\n",
            self.run_in_transaction,
            list(&self.hazards),
            list(&self.depends)
        )
    }
}

#[derive(Debug, Clone)]
pub struct Migration {
    pub number: u32,
    pub slug: String,
    pub up: String,
    pub down: String,
    pub metadata: Metadata,
}

impl Migration {
    pub fn dir_name(&self) -> String {
        format!("{:04}_{}", self.number, self.slug)
    }
}

/// Whether a slug is valid: `[a-z0-9_]+`, so the directory matches `^\d{4}_[a-z0-9_]+$`.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Writes a migration under `dir` and refreshes the sum file. Writing the
/// same migration again is a no-op; writing different content over an
/// existing migration is refused, since migrations are immutable.
pub fn write(dir: &Path, m: &Migration) -> Result<PathBuf, String> {
    if !valid_slug(&m.slug) {
        return Err(format!("migration name `{}` must match [a-z0-9_]+", m.slug));
    }
    if dir.exists() {
        sum_check_if_present(dir)?;
    }
    let target = dir.join(m.dir_name());
    let files = [
        ("up.sql", m.up.as_str()),
        ("down.sql", m.down.as_str()),
        ("metadata.toml", &m.metadata.render()),
    ];
    if target.exists() {
        for (name, content) in &files {
            let existing = std::fs::read_to_string(target.join(name)).unwrap_or_default();
            if existing != *content {
                return Err(format!(
                    "{} already exists with different content; migrations are never rewritten",
                    target.join(name).display()
                ));
            }
        }
    } else {
        std::fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        for (name, content) in &files {
            let path = target.join(name);
            std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    write_sum(dir)?;
    Ok(target)
}

fn sum_check_if_present(dir: &Path) -> Result<(), String> {
    if dir.join(sum::SUM_FILE).exists() {
        sum::verify(dir)?;
    }
    Ok(())
}

pub fn write_sum(dir: &Path) -> Result<(), String> {
    let s = sum::compute(&sum::read_migration_files(dir)?);
    let path = dir.join(sum::SUM_FILE);
    std::fs::write(&path, s.render()).map_err(|e| format!("{}: {e}", path.display()))
}

/// Names of the migration directories under `dir`, in order.
pub fn existing(dir: &Path) -> Result<Vec<String>, String> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && name.len() > 5 && name[..4].bytes().all(|b| b.is_ascii_digit())
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_refuses_rewrites() {
        let dir = std::env::temp_dir().join(format!("reconcile-mig-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let m = Migration {
            number: 1,
            slug: "baseline".into(),
            up: "create table a();\n".into(),
            down: "drop table a;\n".into(),
            metadata: Metadata {
                run_in_transaction: true,
                hazards: vec![],
                depends: vec![],
            },
        };
        let path = write(&dir, &m).unwrap();
        assert!(path.ends_with("0001_baseline"));
        assert_eq!(existing(&dir).unwrap(), ["0001_baseline"]);
        write(&dir, &m).unwrap();
        let mut changed = m.clone();
        changed.up = "create table b();\n".into();
        let err = write(&dir, &changed).unwrap_err();
        assert!(err.contains("never rewritten"), "{err}");
        assert!(sum::verify(&dir).is_ok());
        let bad = Migration {
            slug: "Bad-Name".into(),
            ..m
        };
        assert!(write(&dir, &bad).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn metadata_is_toml() {
        let m = Metadata {
            run_in_transaction: false,
            hazards: vec!["index_build".into()],
            depends: vec!["0001_baseline".into()],
        };
        assert_eq!(m.render(), "run_in_transaction = false\nhazards = [\"index_build\"]\ndepends = [\"0001_baseline\"]\n");
    }
}

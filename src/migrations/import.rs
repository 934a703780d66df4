//! `reconcile import`: adopt another tool's migration history. The files
//! are read in that tool's order and become `NNNN_slug` migrations; what
//! they build is learned by running them on a scratch database (the CLI
//! does that part).

use std::path::{Path, PathBuf};

use super::slug::sanitize;
use crate::sql::split;

/// Where a history comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// `<digits>_<name>.sql` (Supabase CLI; `<digits>-<name>.sql` too), by number.
    Supabase,
    /// `V<version>__<name>.sql`, with `U<version>__<name>.sql` as the down.
    Flyway,
    /// `<version>_<name>/{up.sql,down.sql}` directories, by name.
    Diesel,
}

/// One migration of the history, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub slug: String,
    pub up: String,
    pub down: String,
    pub transactional: bool,
    /// The source file or directory, relative to the history's root.
    pub origin: String,
    /// A Supabase migration's version (the digits of its name), kept as
    /// its timestamp so that exporting it names it as before.
    pub version: Option<String>,
}

/// Reads the history under `dir` in its tool's order. `search_path`, when
/// given, is set for each migration, since tools that set it themselves
/// (Supabase's storage runner) wrote migrations that rely on it.
pub fn read(dir: &Path, from: From, search_path: Option<&str>) -> Result<Vec<Imported>, String> {
    let mut out = Vec::new();
    for (origin, up_path, down_path) in ordered(dir, from)? {
        let up = read_text(&up_path)?;
        let down = match &down_path {
            Some(p) => read_text(p)?,
            None => String::new(),
        };
        let label = up_path.display().to_string();
        let (up, transactional) = clean(&up, &label, search_path)?;
        let (down, _) = clean(&down, &label, search_path)?;
        let stem = origin
            .trim_end_matches(".sql")
            .split_once(['_', '-'])
            .map(|(_, rest)| rest.trim_start_matches(['_', '-']))
            .unwrap_or(&origin);
        let slug = match sanitize(stem) {
            s if s.is_empty() => "imported".to_string(),
            s => s,
        };
        let note = format!("-- imported from {origin}\n");
        let down = if down_path.is_none() {
            format!(
                "{note}-- the source has no down script: `reconcile revert` refuses to revert it\n"
            )
        } else {
            format!("{note}{down}")
        };
        let version = match from {
            From::Supabase => origin.split_once(['_', '-']).map(|(v, _)| v.to_string()),
            From::Flyway | From::Diesel => None,
        };
        out.push(Imported {
            slug,
            up: format!("{note}{up}"),
            down,
            transactional,
            origin,
            version,
        });
    }
    if out.is_empty() {
        return Err(format!("{}: no migrations found", dir.display()));
    }
    Ok(out)
}

fn read_text(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

type Entry = (String, PathBuf, Option<PathBuf>);

fn ordered(dir: &Path, from: From) -> Result<Vec<Entry>, String> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    let mut keyed: Vec<(Vec<u128>, Entry)> = Vec::new();
    for n in &names {
        let path = dir.join(n);
        match from {
            From::Supabase => {
                let Some((digits, _)) = n
                    .strip_suffix(".sql")
                    .and_then(|s| s.split_once(['_', '-']))
                else {
                    continue;
                };
                if let Ok(v) = digits.parse::<u128>() {
                    keyed.push((vec![v], (n.clone(), path, None)));
                }
            }
            From::Flyway => {
                if n.starts_with("R__") && n.ends_with(".sql") {
                    return Err(format!(
                        "{}: repeatable Flyway migrations (R__) are not imported; fold it into a versioned one",
                        path.display()
                    ));
                }
                let Some((version, rest)) = n
                    .strip_prefix('V')
                    .and_then(|s| s.strip_suffix(".sql"))
                    .and_then(|s| s.split_once("__"))
                else {
                    continue;
                };
                let key: Option<Vec<u128>> =
                    version.split(['.', '_']).map(|p| p.parse().ok()).collect();
                let Some(key) = key else { continue };
                let undo = dir.join(format!("U{version}__{rest}.sql"));
                let undo = undo.exists().then_some(undo);
                keyed.push((key, (n.clone(), path, undo)));
            }
            From::Diesel => {
                let up = path.join("up.sql");
                if path.is_dir() && up.exists() {
                    let down = path.join("down.sql");
                    keyed.push((Vec::new(), (n.clone(), up, down.exists().then_some(down))));
                }
            }
        }
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1 .0.cmp(&b.1 .0)));
    for w in keyed.windows(2) {
        if !w[0].0.is_empty() && w[0].0 == w[1].0 {
            return Err(format!(
                "{}: {} and {} have the same version",
                dir.display(),
                w[0].1 .0,
                w[1].1 .0
            ));
        }
    }
    Ok(keyed.into_iter().map(|(_, e)| e).collect())
}

/// Drops top-level transaction control (the runner wraps each migration
/// itself), adds the search_path, and says whether the rest can run in a
/// transaction.
fn clean(text: &str, label: &str, search_path: Option<&str>) -> Result<(String, bool), String> {
    let pieces = pg_query::split_with_parser(text).map_err(|e| format!("{label}: {e}"))?;
    let is_tx_control = |sql: &str| {
        pg_query::parse(sql, 0).ok().is_some_and(|p| {
            p.protobuf
                .stmts
                .first()
                .and_then(|s| s.stmt.as_ref())
                .and_then(|s| s.node.as_ref())
                .is_some_and(|n| matches!(n, pg_query::protobuf::node::Node::TransactionStmt(_)))
        })
    };
    let control = pieces.iter().any(|p| is_tx_control(p));
    let body = if control {
        let kept: Vec<&str> = pieces
            .iter()
            .copied()
            .filter(|p| !is_tx_control(p))
            .collect();
        let mut s = kept
            .iter()
            .map(|p| p.trim())
            .collect::<Vec<_>>()
            .join(";\n\n");
        if !s.is_empty() {
            s.push_str(";\n");
        }
        s
    } else {
        text.to_string()
    };
    let statements =
        split::split(&body).map_err(|e| format!("{label}:{}: {}", e.line, e.message))?;
    // The marker of postgres-migrations (Supabase storage's runner): the
    // file commits by itself (a DO block with COMMIT), which no parser sees.
    let marked = text
        .lines()
        .any(|l| l.trim() == "-- postgres-migrations disable-transaction");
    let transactional = !marked && statements.iter().all(|s| s.outside_transaction.is_none());
    let body = match search_path {
        Some(path) if transactional => format!("SET LOCAL search_path = {path};\n{body}"),
        // Outside a transaction SET LOCAL does nothing; set it for the
        // session and reset it after, so later migrations are unaffected.
        Some(path) => format!("SET search_path = {path};\n{body}\nRESET search_path;\n"),
        None => body,
    };
    Ok((body, transactional))
}

/// Files written aside, beside where they go, and moved into place only
/// once everything that can fail has: an import either writes all of its
/// files or none. Dropped before [`Staging::place`], it removes what it
/// wrote and the directories it had to create.
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    /// Directories created for it, deepest first.
    created: Vec<PathBuf>,
}

impl Staging {
    /// A hidden directory beside `target` (same file system, so a rename
    /// moves it), creating `target`'s parents as needed.
    pub fn beside(target: &Path, id: &str) -> Result<Staging, String> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut created = Vec::new();
        let mut missing = Vec::new();
        let mut up = Some(parent.as_path());
        while let Some(d) = up.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            missing.push(d.to_path_buf());
            up = d.parent();
        }
        for d in missing.iter().rev() {
            std::fs::create_dir(d).map_err(|e| format!("{}: {e}", d.display()))?;
            created.insert(0, d.clone());
        }
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "import".into());
        let dir = parent.join(format!(".{name}.import-{id}"));
        let staging = Staging {
            target: target.to_path_buf(),
            dir,
            created,
        };
        std::fs::create_dir(&staging.dir).map_err(|e| format!("{}: {e}", staging.dir.display()))?;
        Ok(staging)
    }

    /// Where to write.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves what was written into place: the whole directory when the
    /// target does not exist, else each file, after moving the files in
    /// `replaced` (under the target) aside. On an error everything is put
    /// back as it was.
    pub fn place(mut self, replaced: &[PathBuf]) -> Result<Placed, String> {
        let mut placed = Placed {
            moved: Vec::new(),
            aside: Vec::new(),
            made: Vec::new(),
            staging: std::mem::take(&mut self.dir),
            created: std::mem::take(&mut self.created),
        };
        let result = placed.place(&self.target, replaced);
        match result {
            Ok(()) => Ok(placed),
            Err(e) => {
                placed.undo();
                Err(e)
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        for d in &self.created {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// Files moved into place, until [`Placed::keep`]; dropped (or
/// [`Placed::undo`]ne) before that, it puts everything back.
pub struct Placed {
    /// (staged, placed) pairs, in the order moved.
    moved: Vec<(PathBuf, PathBuf)>,
    /// (original, aside) pairs of replaced files.
    aside: Vec<(PathBuf, PathBuf)>,
    /// Directories made under the target for the moved files.
    made: Vec<PathBuf>,
    staging: PathBuf,
    created: Vec<PathBuf>,
}

impl Placed {
    fn place(&mut self, target: &Path, replaced: &[PathBuf]) -> Result<(), String> {
        fn io(p: &Path) -> impl Fn(std::io::Error) -> String + '_ {
            move |e| format!("{}: {e}", p.display())
        }
        if !target.exists() && replaced.is_empty() {
            std::fs::rename(&self.staging, target).map_err(io(target))?;
            self.moved
                .push((self.staging.clone(), target.to_path_buf()));
            return Ok(());
        }
        let aside_root = self.staging.join(".replaced");
        for (i, old) in replaced.iter().enumerate() {
            std::fs::create_dir_all(&aside_root).map_err(io(&aside_root))?;
            let to = aside_root.join(i.to_string());
            std::fs::rename(old, &to).map_err(io(old))?;
            self.aside.push((old.clone(), to));
        }
        for file in files_under(&self.staging, &aside_root)? {
            let rel = file.strip_prefix(&self.staging).unwrap_or(&file);
            let to = target.join(rel);
            if to.exists() {
                return Err(format!("{} already exists", to.display()));
            }
            if let Some(parent) = to.parent() {
                let mut missing = Vec::new();
                let mut up = Some(parent);
                while let Some(d) = up.filter(|d| !d.exists()) {
                    missing.push(d.to_path_buf());
                    up = d.parent();
                }
                for d in missing.into_iter().rev() {
                    std::fs::create_dir(&d).map_err(io(&d))?;
                    self.made.push(d);
                }
            }
            std::fs::rename(&file, &to).map_err(io(&to))?;
            self.moved.push((file, to));
        }
        Ok(())
    }

    /// Puts everything back where it was.
    pub fn undo(&mut self) {
        for (staged, placed) in self.moved.drain(..).rev() {
            if let Some(parent) = staged.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::rename(&placed, &staged);
        }
        for d in self.made.drain(..).rev() {
            let _ = std::fs::remove_dir(&d);
        }
        for (original, aside) in self.aside.drain(..).rev() {
            let _ = std::fs::rename(&aside, &original);
        }
        self.clear();
    }

    /// Keeps the files in place, and drops the replaced ones.
    pub fn keep(mut self) {
        self.moved.clear();
        self.aside.clear();
        self.made.clear();
        self.created.clear();
        self.clear();
    }

    fn clear(&mut self) {
        if !self.staging.as_os_str().is_empty() && self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        self.staging = PathBuf::new();
        for d in std::mem::take(&mut self.created) {
            let _ = std::fs::remove_dir(&d);
        }
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if !self.moved.is_empty() || !self.aside.is_empty() {
            self.undo();
        }
    }
}

/// The desired-state files under `dir` (YAML and JSON), which a new
/// schema replaces; none when it does not exist.
pub fn schema_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    Ok(files_under(dir, Path::new(""))?
        .into_iter()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect())
}

/// Every file under `dir`, but not under `skip`.
fn files_under(dir: &Path, skip: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path == skip {
            continue;
        }
        if path.is_dir() {
            out.extend(files_under(&path, skip)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = files_under(dir, Path::new(""))
            .unwrap_or_default()
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                format!("{rel}={}", std::fs::read_to_string(p).unwrap())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn staged_files_are_placed_whole_or_not_at_all() {
        let root = std::env::temp_dir().join(format!(
            "reconcile-staging-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        // A target whose parents do not exist: dropped, nothing stays.
        let target = root.join("generated/migrations");
        let s = Staging::beside(&target, "a").unwrap();
        std::fs::write(s.path().join("f"), "1").unwrap();
        drop(s);
        assert!(!root.exists(), "created directories are removed");
        // Placed whole, kept.
        let s = Staging::beside(&target, "b").unwrap();
        std::fs::create_dir(s.path().join("0001_a")).unwrap();
        std::fs::write(s.path().join("0001_a/up.sql"), "x").unwrap();
        s.place(&[]).unwrap().keep();
        assert_eq!(tree(&target), ["0001_a/up.sql=x"]);
        // Into an existing directory, replacing a file, then undone.
        let s = Staging::beside(&target, "c").unwrap();
        std::fs::write(s.path().join("new"), "n").unwrap();
        let mut placed = s.place(&[target.join("0001_a/up.sql")]).unwrap();
        assert_eq!(tree(&target), ["new=n"]);
        placed.undo();
        assert_eq!(tree(&target), ["0001_a/up.sql=x"]);
        // A file that would be overwritten refuses the whole placement.
        let s = Staging::beside(&target, "d").unwrap();
        std::fs::write(s.path().join("a"), "a").unwrap();
        std::fs::create_dir(s.path().join("0001_a")).unwrap();
        std::fs::write(s.path().join("0001_a/up.sql"), "y").unwrap();
        assert!(s.place(&[]).is_err());
        assert_eq!(tree(&target), ["0001_a/up.sql=x"]);
        let leftovers: Vec<_> = std::fs::read_dir(root.join("generated"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["migrations"], "no staging directory stays");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn transaction_control_is_dropped_and_concurrently_detected() {
        let (body, tx) =
            clean("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "f.sql", None).unwrap();
        assert!(tx);
        assert_eq!(body, "CREATE TABLE a (id int);\n");
        let (body, tx) = clean(
            "CREATE INDEX CONCURRENTLY a_id ON a (id);\n",
            "f.sql",
            Some("storage, public"),
        )
        .unwrap();
        assert!(!tx);
        assert!(
            body.starts_with("SET search_path = storage, public;\n"),
            "{body}"
        );
        assert!(body.ends_with("RESET search_path;\n"), "{body}");
        assert!(clean("CREATE TABLE (", "bad.sql", None)
            .unwrap_err()
            .starts_with("bad.sql"));
        let (_, tx) = clean(
            "-- postgres-migrations disable-transaction\nDO $$ BEGIN COMMIT; END $$;\n",
            "f.sql",
            None,
        )
        .unwrap();
        assert!(!tx, "the marker is honoured");
    }
}

//! `reconcile export`: the migrations in another tool's layout, so a team
//! can keep `supabase db push` or Flyway while `generated/migrations` (and
//! its sum) stays the source. Deterministic: the same history always gives
//! the same file names and bytes.

use std::path::{Path, PathBuf};

use super::source::{self, Source};

/// Target layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `<version>_<slug>.sql` (Supabase CLI), up only: the version is the
    /// timestamp in the migration's metadata (see `stamp`).
    Supabase,
    /// `V<n>__<slug>.sql`, `U<n>__<slug>.sql` (undo), and
    /// `V<n>__<slug>.sql.conf` with `executeInTransaction=false` when needed.
    Flyway,
    /// `NNNN_slug.up.sql` / `NNNN_slug.down.sql`.
    Plain,
}

impl Layout {
    pub fn default_dir(self) -> &'static str {
        match self {
            Layout::Supabase => "supabase/migrations",
            Layout::Flyway => "flyway/sql",
            Layout::Plain => "export/plain",
        }
    }
}

/// Writes every live migration of `dir` into `out` in `layout`; returns the
/// files written or already current. The source is checked first (names,
/// sum, statements), so an edited history is never exported.
pub fn export(dir: &Path, layout: Layout, out: &Path) -> Result<Vec<PathBuf>, String> {
    let sources = source::load(dir)?;
    if layout == Layout::Supabase {
        in_order(&sources)?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut written = Vec::new();
    for s in &sources {
        for (name, text) in files(s, layout)? {
            let path = out.join(name);
            let current = std::fs::read_to_string(&path).ok();
            if current.as_deref() != Some(text.as_str()) {
                std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            written.push(path);
        }
    }
    Ok(written)
}

/// Supabase applies by version as a string: the versions must sort as
/// the migrations do.
fn in_order(sources: &[Source]) -> Result<(), String> {
    for w in sources.windows(2) {
        let (a, b) = (w[0].version(), w[1].version());
        if a >= b {
            return Err(format!(
                "{}: its timestamp {b} does not sort after {a} of {}; Supabase would apply them out of order",
                w[1].name, w[0].name
            ));
        }
    }
    Ok(())
}

fn read(s: &Source, file: &str) -> Result<String, String> {
    let path = s.dir.join(file);
    if !path.exists() {
        return Ok(String::new());
    }
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn slug(s: &Source) -> &str {
    s.name.get(5..).unwrap_or(&s.name)
}

fn files(s: &Source, layout: Layout) -> Result<Vec<(String, String)>, String> {
    let header = |what: &str| {
        let mut h = format!(
            "-- {what} of {} (exported by reconcile from generated/migrations; edit there, not here)\n",
            s.name
        );
        if !s.run_in_transaction {
            h.push_str("-- Runs outside a transaction: apply it statement by statement.\n");
        }
        h
    };
    let up = format!("{}{}", header("up"), read(s, "up.sql")?);
    let down = format!("{}{}", header("down"), read(s, "down.sql")?);
    Ok(match layout {
        Layout::Supabase => vec![(format!("{}_{}.sql", s.version(), slug(s)), up)],
        Layout::Flyway => {
            let mut out = vec![
                (format!("V{}__{}.sql", s.number, slug(s)), up),
                (format!("U{}__{}.sql", s.number, slug(s)), down),
            ];
            if !s.run_in_transaction {
                out.push((
                    format!("V{}__{}.sql.conf", s.number, slug(s)),
                    "executeInTransaction=false\n".to_string(),
                ));
            }
            out
        }
        Layout::Plain => vec![
            (format!("{}.up.sql", s.name), up),
            (format!("{}.down.sql", s.name), down),
        ],
    })
}

//! `reconcile import`: adopt another tool's migration history. The files
//! are read in that tool's order and become `NNNN_slug` migrations; what
//! they build is learned by running them on a scratch database (the CLI
//! does that part).

use std::path::{Path, PathBuf};

use super::runner::split;
use super::slug::sanitize;

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
            format!("{note}-- the source has no down script: nothing is undone\n")
        } else {
            format!("{note}{down}")
        };
        out.push(Imported {
            slug,
            up: format!("{note}{up}"),
            down,
            transactional,
            origin,
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

#[cfg(test)]
mod tests {
    use super::*;

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

//! Reading ahead: the heaviest catalog queries run on a second connection,
//! in the same snapshot, while the first reads everything else. A backend
//! runs one query on one core; at 10 000 tables these three are half of
//! the server's 6.7 s, so two backends finish in a little over half the time.
//! pg_dump does the same with `--jobs` and an exported snapshot.

use std::thread::JoinHandle;

use diesel::connection::SimpleConnection;

use super::session::{Prefetched, Session};
use super::{depends, relations, unmanaged, CatalogError, InspectOptions};
use crate::model::Database;

/// What the second connection read, and how many statements it sent.
pub(super) type Ahead = Result<(Prefetched, usize), CatalogError>;

/// Starts reading the indexes, unmanaged objects and dependencies of the
/// selected `schemas` on a new connection to `url`, in `snapshot`; the
/// last two only when `opts` asks for them.
pub(super) fn start(
    url: &str,
    snapshot: String,
    schemas: Vec<String>,
    opts: &InspectOptions,
) -> JoinHandle<Ahead> {
    let url = url.to_string();
    let (dependencies, unmanaged) = (opts.dependencies, opts.unmanaged);
    std::thread::spawn(move || read(&url, &snapshot, schemas, dependencies, unmanaged))
}

fn read(
    url: &str,
    snapshot: &str,
    schemas: Vec<String>,
    dependencies: bool,
    unmanaged: bool,
) -> Ahead {
    // An exported snapshot id is hex digits and dashes; anything else would
    // not be ours, and is never spliced into SQL.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(CatalogError::Invalid(format!(
            "odd snapshot id `{snapshot}`"
        )));
    }
    let mut conn = super::connect(url)?;
    conn.batch_execute(&format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '{snapshot}'"
    ))
    .map_err(|source| CatalogError::Query {
        what: "snapshot",
        source,
    })?;
    let mut s = Session::open(&mut conn)?;
    s.schemas = schemas;
    s.recording = true;
    // The readers see no rows here; their queries' rows are kept for the
    // first connection, whose readers find them by name.
    let mut unused = Database::default();
    // The indexes are assembled here, as their rows come.
    let indexes = relations::read_indexes(&mut s)?;
    if unmanaged {
        unmanaged::unmanaged(&mut s, &mut unused)?;
    }
    // The dependencies are made into edges here, row by row: their rows
    // would be several times the size of the edges.
    if dependencies {
        depends::depends(&mut s, &mut unused)?;
    }
    let mut rows = std::mem::take(&mut s.prefetched);
    if unused.depends.present {
        rows.insert(depends::EDGES, Box::new(unused.depends));
    }
    rows.insert(relations::INDEXES, Box::new(indexes));
    let unreadable = std::mem::take(&mut s.unreadable);
    if !unreadable.is_empty() {
        rows.insert(super::session::UNREADABLE, Box::new(unreadable));
    }
    s.execute("commit", "COMMIT")?;
    let stats = s.close()?;
    // BEGIN and SET TRANSACTION SNAPSHOT went as one batch of two.
    Ok((rows, stats.queries + 2))
}

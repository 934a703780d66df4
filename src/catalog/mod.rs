//! Introspection: reads a live PostgreSQL database into the same
//! [`crate::model::Database`] the desired state loads into. The only module
//! that talks to a database.
//!
//! Every object kind is read with one catalog query for the whole database,
//! so the number of queries does not grow with the schema.

mod acl;
mod ahead;
mod depends;
pub mod facts;
mod functions;
mod privileges;
mod publications;
pub mod redact;
mod relations;
mod rules;
mod session;
mod sort;
pub mod supabase;
mod tables;
mod types;
mod unmanaged;

use diesel::{Connection, PgConnection};

use crate::model::{Database, PgVersion};

pub use redact::redact;
pub use session::InspectStats;

/// Errors of connecting and introspecting. Never holds a password or DSN.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("catalog query for {what} failed: {source}")]
    Query {
        what: &'static str,
        #[source]
        source: diesel::result::Error,
    },
    #[error("{0}")]
    Invalid(String),
    #[error(
        "PostgreSQL {0} is not supported: reconcile reads PostgreSQL {oldest} to {newest}",
        oldest = crate::model::version::OLDEST_MAJOR,
        newest = crate::model::version::NEWEST_MAJOR
    )]
    Unsupported(PgVersion),
}

/// What to introspect.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Schemas to read; `None` means every schema that is not PostgreSQL's
    /// own, an extension's, or the tool's bookkeeping schema `reconcile`.
    pub schemas: Option<Vec<String>>,
    /// Read pg_depend into `Database::depends`. A plan from the reading
    /// needs it; a reading only written out or compared does not, and the
    /// query is among the heaviest (a sixth of inspect's memory at 10 000
    /// tables).
    pub dependencies: bool,
    /// Read what the model does not cover (`Database::unmanaged`), for a
    /// report or a script; a reading only compared does not need it.
    pub unmanaged: bool,
    /// Schemas not read whose tables are someone else's, but may carry
    /// policies of the schemas read (Supabase's are added on their own).
    pub attach: Vec<String>,
    /// Publications the desired state names: read even where the rules
    /// for a platform's own publications would leave them out.
    pub publications: Vec<String>,
    /// A schema of `schemas` the database lacks is read as absent (a plan
    /// creates it) rather than refused (what `inspect` asked for by name).
    pub missing_ok: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            schemas: None,
            dependencies: true,
            unmanaged: true,
            attach: Vec::new(),
            publications: Vec::new(),
            missing_ok: false,
        }
    }
}

/// Opens a connection; the error message has any password scrubbed out.
pub fn connect(url: &str) -> Result<PgConnection, CatalogError> {
    redact::check(url).map_err(CatalogError::Connect)?;
    PgConnection::establish(url)
        .map_err(|e| CatalogError::Connect(redact::scrub(e.to_string().trim_end(), url)))
}

/// Reads the database's schema.
pub fn inspect(conn: &mut PgConnection, opts: &InspectOptions) -> Result<Database, CatalogError> {
    inspect_with_stats(conn, opts).map(|(db, _)| db)
}

/// [`inspect`], also telling how many queries it ran.
pub fn inspect_with_stats(
    conn: &mut PgConnection,
    opts: &InspectOptions,
) -> Result<(Database, InspectStats), CatalogError> {
    let mut s = session::Session::open(conn)?;
    let result = read_all(&mut s, opts, None);
    let restored = s.close();
    let db = result?;
    let stats = restored?;
    Ok((db, stats))
}

/// [`inspect_with_stats`] of the database at `url`, on two connections
/// reading one snapshot: the heaviest queries run on the second while the
/// first reads the rest (`ahead`). Falls back to one connection when the
/// second cannot be had.
pub fn inspect_url(
    url: &str,
    opts: &InspectOptions,
) -> Result<(Database, InspectStats), CatalogError> {
    let mut conn = connect(url)?;
    inspect_beside(&mut conn, url, opts)
}

/// [`inspect_url`] on a connection already open to `url`, which must not
/// be inside a transaction: its reading is one read-only transaction.
pub fn inspect_beside(
    conn: &mut PgConnection,
    url: &str,
    opts: &InspectOptions,
) -> Result<(Database, InspectStats), CatalogError> {
    let mut s = session::Session::open(conn)?;
    let result = s
        .share_snapshot()
        .and_then(|snapshot| read_all(&mut s, opts, Some((url, snapshot))));
    let ended = s.execute("commit", "COMMIT");
    let restored = s.close();
    let db = result?;
    ended?;
    let stats = restored?;
    Ok((db, stats))
}

fn read_all(
    s: &mut session::Session,
    opts: &InspectOptions,
    ahead: Option<(&str, String)>,
) -> Result<Database, CatalogError> {
    let mut db = Database {
        server: crate::model::version::Server(Some(s.version)),
        ..Database::default()
    };
    types::schemas(s, opts, &mut db)?;
    let worker = ahead.map(|(url, snapshot)| ahead::start(url, snapshot, s.schemas.clone(), opts));
    types::extensions(s, &mut db)?;
    types::collations(s, &mut db)?;
    types::text_search_configurations(s, &mut db)?;
    types::enums(s, &mut db)?;
    types::domains(s, &mut db)?;
    types::composites(s, &mut db)?;
    types::ranges(s, &mut db)?;
    tables::tables(s, &mut db)?;
    relations::views(s, &mut db)?;
    tables::columns(s, &mut db)?;
    // After columns: identity sequences are attached to their column.
    relations::sequences(s, &mut db)?;
    tables::constraints(s, &mut db)?;
    relations::policies(s, &mut db)?;
    relations::triggers(s, &mut db)?;
    rules::rules(s, &mut db)?;
    functions::functions(s, &mut db)?;
    functions::aggregates(s, &mut db)?;
    privileges::default_privileges(s, &mut db)?;
    publications::publications(s, opts, &mut db)?;
    if let Some(worker) = worker {
        match worker.join() {
            Ok(Ok((rows, queries))) => {
                s.prefetched = rows;
                s.stats.queries += queries;
            }
            // The readers below then run their queries here.
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "reading ahead failed; reading on one connection")
            }
            Err(_) => tracing::warn!("reading ahead panicked; reading on one connection"),
        }
    }
    // Read ahead on the second connection when there is one.
    relations::indexes(s, &mut db)?;
    if opts.unmanaged {
        unmanaged::unmanaged(s, &mut db)?;
    }
    if opts.dependencies {
        depends::depends(s, &mut db)?;
    }
    // What the schemas read refer to in schemas not read is someone
    // else's: listed as external, so the model stands on its own.
    let undeclared = crate::model::external::undeclared(&db);
    let read =
        |k: &String| crate::model::external::schema_of(k).is_some_and(|sc| s.schemas.contains(&sc));
    db.external
        .extend(undeclared.into_iter().filter(|k| !read(k)));
    db.external.sort();
    db.external.dedup();
    let mut unreadable = std::mem::take(&mut s.unreadable);
    unreadable.extend(
        s.take_prefetched::<Vec<String>>(session::UNREADABLE)
            .unwrap_or_default(),
    );
    db.unmanaged
        .extend(unreadable.into_iter().map(|name| crate::model::Unmanaged {
            kind: "unreadable catalog row".into(),
            name,
        }));
    sort::sort(&mut db);
    Ok(db)
}

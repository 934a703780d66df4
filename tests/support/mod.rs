//! Shared integration-test helpers: a fresh, uniquely named database per
//! test on the server named by `RECONCILE_TEST_PG` (or `DATABASE_URL`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The admin URL; tests fail (not skip) without one.
pub fn admin_url() -> String {
    std::env::var("RECONCILE_TEST_PG")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("set RECONCILE_TEST_PG (or DATABASE_URL) to an admin PostgreSQL URL")
}

/// The major version of the test server (14 through 18), read once.
pub fn server_major() -> u32 {
    static MAJOR: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MAJOR.get_or_init(|| {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Int4)]
            v: i32,
        }
        let mut conn =
            PgConnection::establish(&admin_url()).expect("connect to the admin database");
        let v: V = diesel::sql_query("SELECT current_setting('server_version_num')::int4 AS v")
            .get_result(&mut conn)
            .expect("read server_version_num");
        (v.v / 10_000) as u32
    })
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_start..]
        .find('/')
        .map(|i| i + authority_start)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A database that exists for the life of the value.
pub struct FreshDb {
    pub name: String,
    pub url: String,
    admin: String,
}

impl FreshDb {
    /// Creates `<prefix>_<pid>_<n>_<nanos>`.
    pub fn new(prefix: &str) -> FreshDb {
        let admin = admin_url();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "{prefix}_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = PgConnection::establish(&admin).expect("connect to the admin database");
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create test database");
        let url = with_database(&admin, &name);
        FreshDb { name, url, admin }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to the test database")
    }

    /// Runs a file with psql, stopping at the first error; panics on failure.
    pub fn psql_file(&self, file: &Path, extra: &[&str], pgoptions: Option<&str>) {
        if let Err(e) = self.try_psql_file(file, extra, pgoptions) {
            panic!("psql failed on {}: {e}", file.display());
        }
    }

    /// Runs a file with psql, stopping at the first error. Runs are
    /// serialised across test processes: scripts create cluster-wide roles
    /// with check-then-create, which races.
    pub fn try_psql_file(
        &self,
        file: &Path,
        extra: &[&str],
        pgoptions: Option<&str>,
    ) -> Result<(), String> {
        let mut lock = PgConnection::establish(&self.admin).expect("connect to the admin database");
        lock.batch_execute("SELECT pg_advisory_lock(727274001)")
            .expect("take the script lock");
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url, "-f"])
            .arg(file)
            .args(extra);
        if let Some(o) = pgoptions {
            cmd.env("PGOPTIONS", o);
        }
        let out = cmd.output().expect("run psql");
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Runs SQL text with psql (so scripts may hold any statement).
    /// One query's result as `psql -tA` prints it, trimmed.
    pub fn scalar(&self, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-tA",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &self.url,
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn try_psql(&self, sql: &str) -> Result<(), String> {
        let file = temp_path("sql");
        std::fs::write(&file, sql).expect("write temp sql");
        let r = self.try_psql_file(&file, &[], None);
        let _ = std::fs::remove_file(&file);
        r
    }

    /// `pg_dump --schema-only` of this database.
    pub fn dump(&self) -> String {
        let out = Command::new("pg_dump")
            .args(["--schema-only", "-d", &self.url])
            .output()
            .expect("run pg_dump");
        assert!(
            out.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("pg_dump prints UTF-8")
    }
}

/// A path no earlier run can have used: process ids repeat across runs, so
/// the time goes in too.
pub fn temp_path(ext: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "reconcile-test-{}-{}-{nanos}.{ext}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ))
}

/// A fresh, empty directory.
pub fn temp_dir() -> PathBuf {
    let d = temp_path("d");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A readable diff of two texts: the lines only in one or the other.
pub fn line_diff(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    for l in la.iter().filter(|l| !lb.contains(l)) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in lb.iter().filter(|l| !la.contains(l)) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Runs the binary in `dir` without `$DATABASE_URL`: (exit code, stdout, stderr).
pub fn reconcile_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    reconcile_env(dir, args, &[])
}

/// [`reconcile_in`] with these environment variables set.
pub fn reconcile_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .output()
        .expect("run reconcile");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `db` without what the test server's version cannot create, so that a
/// model written for the newest version still tests everything else on
/// older ones: security_invoker views and NULLS NOT DISTINCT before 15.
pub fn for_server(db: &mut reconcile::model::Database) {
    if server_major() >= 15 {
        return;
    }
    for v in db.views.values_mut() {
        v.options.shift_remove("security_invoker");
    }
    for t in db.tables.values_mut() {
        for u in t.unique.values_mut() {
            u.nulls_not_distinct = false;
        }
        for i in t.indexes.values_mut() {
            i.nulls_not_distinct = false;
        }
    }
}

/// The bundled example (`schema/`) as a model.
pub fn bundled_example() -> reconcile::model::Database {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema");
    reconcile::model::load::load(&dir).unwrap_or_else(|e| panic!("schema/ does not load:\n{e}"))
}

/// Puts the bundled example in `db` (which has the auth shim): its
/// migrations through `reconcile apply` where the server can run them, the
/// example adapted by [`for_server`] before 15.
pub fn apply_bundled_example(db: &FreshDb) {
    if server_major() >= 15 {
        let (code, out, err) = reconcile_in(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &["apply", "--database-url", &db.url, "--no-snapshot"],
        );
        assert_eq!(code, 0, "{out}{err}");
        return;
    }
    let mut model = bundled_example();
    for_server(&mut model);
    let script = reconcile::plan::create_script(&model).expect("plan the example");
    db.try_psql(&script)
        .unwrap_or_else(|e| panic!("{e}\n{script}"));
}

/// A new database's `public` schema as the test server reads it: owned by
/// pg_database_owner with USAGE for PUBLIC since 15; before, owned by the
/// bootstrap superuser (the tests' own user, so not recorded) with USAGE
/// and CREATE for PUBLIC.
pub fn fresh_public_schema() -> reconcile::model::SchemaDef {
    let (owner, privileges) = match server_major() {
        15.. => (
            Some("pg_database_owner".to_string()),
            vec!["usage".to_string()],
        ),
        _ => (None, vec!["usage".to_string(), "create".to_string()]),
    };
    let mut public = reconcile::model::SchemaDef {
        owner,
        comment: Some("standard public schema".into()),
        ..Default::default()
    };
    public.grants.insert("public".into(), privileges);
    public
}

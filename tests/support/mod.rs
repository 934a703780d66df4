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

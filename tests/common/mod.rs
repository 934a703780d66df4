//! Shared helpers for tests against a real PostgreSQL server: the server comes
//! from `RECONCILE_TEST_PG` (set by `scripts/pg run`) or `DATABASE_URL`; each
//! test gets its own fresh database, dropped when the guard goes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub fn admin_url() -> String {
    std::env::var("RECONCILE_TEST_PG")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .expect("set RECONCILE_TEST_PG or DATABASE_URL (scripts/pg run does)")
}

/// The URL of database `db` on the test server.
pub fn url_for(db: &str) -> String {
    let admin = admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..path_start])
}

pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh, empty database named after the test.
    pub fn new(tag: &str) -> TestDb {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let tag: String = tag.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(30).collect();
        let name = format!("t_{}_{}_{}", tag.to_lowercase(), std::process::id(), n);
        psql_admin(&format!("DROP DATABASE IF EXISTS {name}"));
        psql_admin(&format!("CREATE DATABASE {name} TEMPLATE template0"));
        TestDb { url: url_for(&name), name }
    }

    /// Runs a SQL file with psql, stopping at the first error.
    pub fn apply_file(&self, file: &Path, pgoptions: Option<&str>, vars: &[(&str, &str)]) -> Result<(), String> {
        let mut cmd = Command::new("psql");
        cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &self.url, "-f"]).arg(file);
        for (k, v) in vars {
            cmd.arg("-v").arg(format!("{k}={v}"));
        }
        if let Some(o) = pgoptions {
            cmd.env("PGOPTIONS", o);
        }
        run(cmd)
    }

    pub fn apply_sql(&self, sql: &str) -> Result<(), String> {
        let file = temp_path("sql");
        std::fs::write(&file, sql).unwrap();
        let r = self.apply_file(&file, None, &[]);
        let _ = std::fs::remove_file(&file);
        r
    }

    /// `pg_dump --schema-only` of this database.
    pub fn dump(&self) -> String {
        let out = Command::new("pg_dump")
            .arg("--schema-only")
            .arg("-d")
            .arg(&self.url)
            .output()
            .expect("pg_dump runs");
        assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args(["-X", "-q", "-d", &admin_url(), "-c", &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)])
            .output();
    }
}

fn psql_admin(sql: &str) {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &admin_url(), "-c", sql]);
    run(cmd).unwrap();
}

fn run(mut cmd: Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

pub fn temp_path(ext: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("reconcile-test-{}-{n}.{ext}", std::process::id()))
}

pub fn temp_dir() -> PathBuf {
    let d = temp_path("d");
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A readable diff of two texts: the lines only in one or the other.
pub fn line_diff(a: &str, b: &str) -> String {
    let mut out = String::new();
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for l in &la {
        if !lb.contains(l) {
            out.push_str(&format!("- {l}\n"));
        }
    }
    for l in &lb {
        if !la.contains(l) {
            out.push_str(&format!("+ {l}\n"));
        }
    }
    out
}

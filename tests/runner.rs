//! The runner against a real PostgreSQL server: each test builds its
//! migrations in a temp dir and applies them to its own fresh database.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use reconcile::runner::{self, Options, RevertTarget, RunnerError, State};
use support::{temp_dir, FreshDb};

/// The report of a run that failed at a statement.
fn failed_run(err: &RunnerError) -> &runner::Report {
    match err {
        RunnerError::Failed(report) => report,
        other => panic!("expected a failed migration, got {other}"),
    }
}

/// Writes `NNNN_name/{up.sql,down.sql,metadata.toml}` under a new temp dir.
fn migrations(list: &[(&str, &str, &str, bool)]) -> PathBuf {
    let dir = temp_dir();
    for (name, up, down, tx) in list {
        add(&dir, name, up, down, *tx);
    }
    dir
}

fn add(dir: &Path, name: &str, up: &str, down: &str, tx: bool) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("up.sql"), up).unwrap();
    std::fs::write(d.join("down.sql"), down).unwrap();
    std::fs::write(
        d.join("metadata.toml"),
        format!("run_in_transaction = {tx}\nhazards = []\ndepends = []\n"),
    )
    .unwrap();
}

fn opts() -> Options {
    Options {
        lock_wait: Duration::from_secs(30),
        ..Options::default()
    }
}

/// [`opts`] for a revert whose down SQL drops what its up made.
fn destructive() -> Options {
    Options {
        allow_destructive: true,
        ..opts()
    }
}

/// A URL nothing listens on: anything that connects fails with Connect.
const NOWHERE: &str = "postgres://someone:Nowhere%40Secret1@127.0.0.1:1/none?connect_timeout=2";

/// `pg_dump --schema-only` without the bookkeeping schema.
fn dump(db: &FreshDb) -> String {
    let out = Command::new("pg_dump")
        .args(["--schema-only", "--exclude-schema=reconcile", "-d", &db.url])
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `\restrict` lines carry a random key per dump.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    let rows: Vec<Count> = diesel::sql_query(sql).load(conn).unwrap();
    rows[0].n
}

#[derive(QueryableByName, Debug)]
struct AuditRow {
    #[diesel(sql_type = Text)]
    migration_name: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    error_message: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    rows: Option<String>,
    #[diesel(sql_type = Bool)]
    finished: bool,
}

fn audit(conn: &mut PgConnection) -> Vec<AuditRow> {
    diesel::sql_query(
        "SELECT migration_name, status, error_message, rows_affected_json::text AS rows, \
         finished_at IS NOT NULL AS finished FROM reconcile.migration_audit ORDER BY id",
    )
    .load(conn)
    .unwrap()
}

fn lock_is_free(conn: &mut PgConnection, key: i64) -> bool {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = Bool)]
        got: bool,
    }
    let got: Vec<Got> = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS got")
        .bind::<BigInt, _>(key)
        .load(conn)
        .unwrap();
    if got[0].got {
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({key})"))
            .unwrap();
    }
    got[0].got
}

#[test]
fn eight_concurrent_runs_apply_each_migration_once() {
    let db = FreshDb::new("run");
    let dir = migrations(&[
        (
            "0001_a",
            "CREATE TABLE a (id int);\nSELECT pg_sleep(0.2);",
            "DROP TABLE a;",
            true,
        ),
        (
            "0002_b",
            "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1), (2);",
            "DROP TABLE b;",
            true,
        ),
        (
            "0003_c",
            "CREATE INDEX CONCURRENTLY a_id ON a (id);",
            "DROP INDEX a_id;",
            false,
        ),
    ]);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (url, dir) = (db.url.clone(), dir.clone());
            std::thread::spawn(move || runner::apply(&url, &dir, &opts()))
        })
        .collect();
    let mut applied = 0;
    for h in handles {
        let report = h.join().unwrap().unwrap_or_else(|e| panic!("{e}"));
        applied += report.migrations.len();
    }
    assert_eq!(applied, 3, "each migration applied by exactly one run");
    let mut c = db.connect();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM reconcile.schema_migrations"
        ),
        3
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM reconcile.migration_audit WHERE status = 'applied'"
        ),
        3
    );
    assert_eq!(count(&mut c, "SELECT count(*) AS n FROM a"), 2);
    assert!(lock_is_free(&mut c, runner::DEFAULT_LOCK_KEY));
}

#[test]
fn a_failing_statement_rolls_the_migration_back_and_stops() {
    let db = FreshDb::new("run");
    let dir = migrations(&[(
        "0001_a",
        "CREATE TABLE a (id int PRIMARY KEY);",
        "DROP TABLE a;",
        true,
    )]);
    runner::apply(&db.url, &dir, &opts()).unwrap();
    let before = dump(&db);
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);\nINSERT INTO a VALUES (1);\nINSERT INTO a VALUES (1);\nCREATE TABLE c (id int);",
        "DROP TABLE c; DROP TABLE b;",
        true,
    );
    add(
        &dir,
        "0003_d",
        "CREATE TABLE d (id int);",
        "DROP TABLE d;",
        true,
    );
    let err = runner::apply(&db.url, &dir, &opts()).unwrap_err();
    let report = failed_run(&err);
    let f = report.failure.as_ref().unwrap();
    assert_eq!(
        (f.migration.as_str(), f.statement, f.line),
        ("0002_b", 3, 3)
    );
    assert_eq!(f.sqlstate.as_deref(), Some("23505"));
    assert!(f.message.contains("duplicate key"), "{}", f.message);
    assert_eq!(dump(&db), before, "nothing of 0002 stays");
    let mut c = db.connect();
    let rows = audit(&mut c);
    assert_eq!(rows.len(), 2, "0003 never started: {rows:?}");
    let failed = &rows[1];
    assert_eq!(
        (failed.migration_name.as_str(), failed.status.as_str()),
        ("0002_b", "failed")
    );
    let msg = failed.error_message.as_deref().unwrap();
    assert!(
        msg.contains("statement 3") && msg.contains("duplicate key"),
        "{msg}"
    );
    assert!(failed.finished);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM reconcile.schema_migrations"
        ),
        1
    );
    assert!(lock_is_free(&mut c, runner::DEFAULT_LOCK_KEY));
    let status = runner::status(&db.url, &dir, &opts()).unwrap().rows;
    let states: Vec<State> = status.iter().map(|r| r.state).collect();
    assert_eq!(states, [State::Applied, State::Failed, State::Pending]);

    // DDL runs without asking for a row count (one round trip), and fails
    // the same way: the statement, its line, the server's message.
    std::fs::remove_dir_all(dir.join("0002_b")).unwrap();
    std::fs::remove_dir_all(dir.join("0003_d")).unwrap();
    add(
        &dir,
        "0002_e",
        "CREATE TABLE e (id int);\nINSERT INTO e VALUES (1), (2);\n\nCREATE TABLE e (id int);",
        "DROP TABLE e;",
        true,
    );
    let err = runner::apply(&db.url, &dir, &opts()).unwrap_err();
    let report = failed_run(&err);
    let f = report.failure.as_ref().unwrap();
    assert_eq!((f.statement, f.line), (3, 4), "{f:?}");
    assert!(f.message.contains("\"e\" already exists"), "{}", f.message);
    let rows: Vec<Option<u64>> = report.migrations[0]
        .statements
        .iter()
        .map(|s| s.rows)
        .collect();
    assert_eq!(rows, [Some(0), Some(2)]);
    assert_eq!(dump(&db), before, "nothing of 0002_e stays");
}

#[test]
fn an_applied_migration_edited_on_disk_is_refused() {
    let db = FreshDb::new("run");
    let dir = migrations(&[("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true)]);
    runner::apply(&db.url, &dir, &opts()).unwrap();
    std::fs::write(dir.join("0001_a/up.sql"), "CREATE TABLE a (id bigint);").unwrap();
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);",
        "DROP TABLE b;",
        true,
    );
    let err = runner::apply(&db.url, &dir, &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Refused(_)), "{msg}");
    assert!(
        msg.contains("0001_a/up.sql was modified after it was applied"),
        "{msg}"
    );
    let new_sum = runner::load(&dir).unwrap()[0].checksum.clone();
    assert!(msg.contains(&new_sum), "{msg}");
    assert_eq!(msg.matches("checksum").count(), 1, "{msg}");
    let mut c = db.connect();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM pg_tables WHERE tablename = 'b'"
        ),
        0
    );
    let status = runner::status(&db.url, &dir, &opts()).unwrap().rows;
    assert_eq!(status[0].state, State::Modified);
    assert_ne!(status[0].file_checksum, status[0].applied_checksum);
}

#[test]
fn bad_names_and_duplicate_numbers_are_refused_before_connecting() {
    for bad in ["0001-add-column", "0001_AddColumn", "001_short"] {
        let dir = migrations(&[(bad, "SELECT 1;", "", true)]);
        let err = runner::apply(NOWHERE, &dir, &opts()).unwrap_err();
        assert!(matches!(err, RunnerError::Input(_)), "{bad}: {err}");
        assert!(err.to_string().contains(bad), "{err}");
    }
    let dir = migrations(&[
        ("0003_a", "SELECT 1;", "", true),
        ("0003_b", "SELECT 1;", "", true),
    ]);
    let err = runner::apply(NOWHERE, &dir, &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Input(_)), "{err}");
    assert!(
        err.to_string()
            .contains("duplicate migration numbers: 0003_a and 0003_b"),
        "{err}"
    );
    // Files in the base dir and unknown files in a migration dir are ignored.
    let dir = migrations(&[("0001_a", "SELECT 1;", "", true)]);
    std::fs::write(dir.join("README.md"), "notes").unwrap();
    std::fs::write(dir.join("0001_a/state.json"), "{}").unwrap();
    assert_eq!(runner::load(&dir).unwrap().len(), 1);
    // A CIC in a migration that says it runs in a transaction.
    let dir = migrations(&[(
        "0001_a",
        "SELECT 1;\nCREATE INDEX CONCURRENTLY i ON t (a);",
        "",
        true,
    )]);
    let err = runner::apply(NOWHERE, &dir, &opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("0001_a/up.sql:2: CREATE INDEX CONCURRENTLY"),
        "{err}"
    );
    // A typo in metadata.toml is an error, not "in a transaction".
    let dir = migrations(&[("0001_a", "SELECT 1;", "", true)]);
    std::fs::write(
        dir.join("0001_a/metadata.toml"),
        "run_in_transaction = flase\n",
    )
    .unwrap();
    let err = runner::apply(NOWHERE, &dir, &opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("0001_a/metadata.toml"), "{err}");
}

/// The SQL is split while the runner connects and reads the schema: a file
/// that does not split still stops the run before anything is written,
/// the bookkeeping tables included, and is the error reported.
#[test]
fn a_file_that_does_not_split_writes_nothing() {
    let db = FreshDb::new("run");
    let dir = migrations(&[
        ("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true),
        ("0002_b", "CREATE TABLE b (id int;", "DROP TABLE b;", true),
    ]);
    let err = runner::apply(&db.url, &dir, &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Input(_)), "{msg}");
    assert!(msg.contains("0002_b/up.sql:1: syntax error"), "{msg}");
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'reconcile'"),
        "0"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'a'"),
        "0"
    );
    // Fixed, it runs; a broken migration added later is refused whole.
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);",
        "DROP TABLE b;",
        true,
    );
    runner::apply(&db.url, &dir, &opts()).unwrap();
    add(&dir, "0003_c", "SELECT 1;\nBEGIN;", "", true);
    let err = runner::apply(&db.url, &dir, &opts())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("0003_c/up.sql:2: transaction control"),
        "{err}"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.schema_migrations"),
        "2"
    );
}

#[test]
fn the_known_bad_corpus_file_is_refused_with_file_and_line() {
    let corpus = support::fixtures()
        .join("corpus/supabase-examples/slack-clone-full-schema/full-schema.sql");
    let dir = migrations(&[(
        "0001_slack",
        &std::fs::read_to_string(corpus).unwrap(),
        "",
        true,
    )]);
    let err = runner::apply(NOWHERE, &dir, &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Input(_)), "{msg}");
    // The policy on line 197 lacks its `;`: the parser trips over the
    // `create` on line 207; psql reports the statement's end, line 224.
    assert!(
        msg.contains("0001_slack/up.sql:207: syntax error at or near \"create\""),
        "{msg}"
    );
    assert!(msg.contains("lines 197-224"), "{msg}");
}

#[test]
fn apply_all_revert_all_apply_again() {
    let db = FreshDb::new("run");
    let empty = dump(&db);
    let dir = migrations(&[
        (
            "0001_types",
            "CREATE TYPE mood AS ENUM ('ok', 'meh');\nCREATE TABLE person (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, m mood);",
            "DROP TABLE person;\nDROP TYPE mood;",
            true,
        ),
        (
            "0002_logic",
            "CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN upper(t) || ';';\nEND\n$fn$;\n\
             CREATE FUNCTION one() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\nEND;\n\
             CREATE VIEW loud AS SELECT shout(name) AS name FROM person;\n\
             DO $$ BEGIN PERFORM 1; END $$;\nINSERT INTO person (name) VALUES ('a'), ('b');",
            "DELETE FROM person;\nDROP VIEW loud;\nDROP FUNCTION one();\nDROP FUNCTION shout(text);",
            true,
        ),
        (
            "0003_index",
            "CREATE INDEX CONCURRENTLY person_name ON person (name);",
            "DROP INDEX CONCURRENTLY person_name;",
            false,
        ),
    ]);
    let report = runner::apply(&db.url, &dir, &opts()).unwrap();
    let rows: Vec<Option<u64>> = report.migrations[1]
        .statements
        .iter()
        .map(|s| s.rows)
        .collect();
    assert_eq!(rows, [Some(0), Some(0), Some(0), Some(0), Some(2)]);
    assert!(!report.migrations[2].transactional);
    let first = dump(&db);
    assert!(first.contains("person_name"));
    let mut c = db.connect();
    // The bookkeeping schema is granted to nobody.
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM pg_class c, aclexplode(c.relacl) a \
             WHERE c.relnamespace = 'reconcile'::regnamespace AND a.grantee <> c.relowner"
        ),
        0
    );
    assert!(!has_privilege(
        &mut c,
        "SELECT has_schema_privilege('public', 'reconcile', 'USAGE') AS b"
    ));

    let reverted =
        runner::revert(&db.url, &RevertTarget::To("0000".into()), &destructive()).unwrap();
    let names: Vec<&str> = reverted
        .migrations
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(names, ["0003_index", "0002_logic", "0001_types"]);
    assert_eq!(dump(&db), empty);
    runner::apply(&db.url, &dir, &opts()).unwrap();
    assert_eq!(dump(&db), first);
    // Revert works from the stored SQL, with the files gone.
    std::fs::remove_dir_all(&dir).unwrap();
    let r = runner::revert(&db.url, &RevertTarget::Steps(2), &destructive()).unwrap();
    assert_eq!(r.migrations.len(), 2);
    let status = runner::status(&db.url, &dir, &opts()).unwrap().rows;
    assert_eq!(status.len(), 1);
    assert_eq!(
        (status[0].name.as_str(), status[0].state),
        ("0001_types", State::Missing)
    );
}

fn has_privilege(conn: &mut PgConnection, sql: &str) -> bool {
    #[derive(QueryableByName)]
    struct B {
        #[diesel(sql_type = Bool)]
        b: bool,
    }
    let r: Vec<B> = diesel::sql_query(sql).load(conn).unwrap();
    r[0].b
}

#[test]
fn a_failed_concurrent_index_leaves_no_invalid_index() {
    let db = FreshDb::new("run");
    let dir = migrations(&[
        (
            "0001_a",
            "CREATE TABLE a (v int);\nINSERT INTO a VALUES (1), (1);",
            "DROP TABLE a;",
            true,
        ),
        (
            "0002_idx",
            "CREATE UNIQUE INDEX CONCURRENTLY a_v ON a (v);",
            "DROP INDEX a_v;",
            false,
        ),
    ]);
    let err = runner::apply(&db.url, &dir, &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("0002_idx failed at statement 1"), "{msg}");
    assert!(
        msg.contains("dropped the INVALID index public.a_v"),
        "{msg}"
    );
    let mut c = db.connect();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM pg_class WHERE relname = 'a_v'"
        ),
        0
    );
    let rows = audit(&mut c);
    assert_eq!(rows[1].status, "failed");
    assert_eq!(
        rows[1].rows.as_deref(),
        Some("[]"),
        "no statement committed"
    );
}

#[test]
fn a_connection_terminated_mid_run_fails_cleanly() {
    let db = FreshDb::new("run");
    let dir = migrations(&[
        ("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true),
        (
            "0002_slow",
            "CREATE TABLE b (id int);\nSELECT pg_sleep(5);\nCREATE TABLE c (id int);",
            "DROP TABLE c; DROP TABLE b;",
            true,
        ),
    ]);
    let (url, d) = (db.url.clone(), dir.clone());
    let started = Instant::now();
    let run = std::thread::spawn(move || runner::apply(&url, &d, &opts()));
    let mut c = db.connect();
    let pid = loop {
        #[derive(QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        let rows: Vec<Pid> = diesel::sql_query(
            "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND datname = current_database()",
        )
        .load(&mut c)
        .unwrap();
        if let Some(r) = rows.first() {
            break r.pid;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the slow statement never ran"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    c.batch_execute(&format!("SELECT pg_terminate_backend({pid})"))
        .unwrap();
    let err = run.join().unwrap().unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "did not wait for pg_sleep"
    );
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Failed(_)), "{msg}");
    assert!(
        msg.contains("0002_slow failed at statement 2 (line 2)"),
        "{msg}"
    );
    assert!(
        !msg.contains("Nowhere") && !msg.contains("postgres://"),
        "{msg}"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM pg_tables WHERE tablename IN ('b', 'c')"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM reconcile.schema_migrations"
        ),
        1
    );
    let rows = audit(&mut c);
    assert_eq!(
        rows[1].status, "failed",
        "written on a new connection: {rows:?}"
    );
    assert!(lock_is_free(&mut c, runner::DEFAULT_LOCK_KEY));
    // A re-run after the fault finishes the job.
    std::fs::write(dir.join("0002_slow/up.sql"), "CREATE TABLE b (id int);").unwrap();
    runner::apply(&db.url, &dir, &opts()).unwrap();
}

#[test]
fn a_held_lock_times_out_cleanly() {
    let db = FreshDb::new("run");
    let dir = migrations(&[("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true)]);
    let mut holder = db.connect();
    holder
        .batch_execute("SELECT pg_advisory_lock(4242)")
        .unwrap();
    let o = Options {
        lock_key: 4242,
        lock_wait: Duration::from_millis(300),
        ..Options::default()
    };
    let err = runner::apply(&db.url, &dir, &o).unwrap_err();
    assert!(matches!(err, RunnerError::LockTimeout(_)), "{err}");
    assert!(err.to_string().contains("backend pid"), "{err}");
    holder
        .batch_execute("SELECT pg_advisory_unlock(4242)")
        .unwrap();
    runner::apply(&db.url, &dir, &o).unwrap();
}

#[test]
fn mark_applied_records_without_running() {
    let db = FreshDb::new("run");
    db.try_psql("CREATE TABLE existing (id int);").unwrap();
    let dir = migrations(&[
        (
            "0001_baseline",
            "CREATE TABLE existing (id int);",
            "DROP TABLE existing;",
            true,
        ),
        (
            "0002_next",
            "ALTER TABLE existing ADD COLUMN v text;",
            "ALTER TABLE existing DROP COLUMN v;",
            true,
        ),
    ]);
    let mut c = db.connect();
    runner::mark_applied(&mut c, &dir, "0001_baseline", &opts()).unwrap();
    runner::mark_applied(&mut c, &dir, "0001_baseline", &opts()).unwrap();
    let dry = runner::dry_run(&db.url, &dir, None, &opts()).unwrap();
    assert_eq!(dry.migrations.len(), 1);
    assert_eq!(dry.migrations[0].name, "0002_next");
    let report = runner::apply(&db.url, &dir, &opts()).unwrap();
    assert_eq!(report.migrations.len(), 1);
    let statuses: Vec<String> = audit(&mut c).into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, ["marked_applied", "applied"]);
    assert!(lock_is_free(&mut c, runner::DEFAULT_LOCK_KEY));
}

/// A fake server that asks for a cleartext password and answers with an
/// error quoting it: whatever it sends, our error output must not show it.
fn echoing_server() -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let read_packet = |s: &mut std::net::TcpStream, typed: bool| -> Vec<u8> {
            let mut head = vec![0u8; if typed { 5 } else { 4 }];
            if s.read_exact(&mut head).is_err() {
                return Vec::new();
            }
            let len = u32::from_be_bytes(head[head.len() - 4..].try_into().unwrap()) as usize;
            let mut body = vec![0u8; len.saturating_sub(4)];
            let _ = s.read_exact(&mut body);
            body
        };
        loop {
            let body = read_packet(&mut s, false);
            let code = body
                .get(..4)
                .map(|c| u32::from_be_bytes(c.try_into().unwrap()));
            // SSLRequest / GSSENCRequest: "not supported", then the real startup.
            if matches!(code, Some(80877103) | Some(80877104)) {
                let _ = s.write_all(b"N");
                continue;
            }
            break;
        }
        let _ = s.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]);
        let password = read_packet(&mut s, true);
        let password = String::from_utf8_lossy(&password)
            .trim_end_matches('\0')
            .to_string();
        let mut fields = Vec::new();
        for (k, v) in [
            (b'S', "FATAL".to_string()),
            (b'V', "FATAL".into()),
            (b'C', "28P01".into()),
            (
                b'M',
                format!("password authentication failed: got \"{password}\""),
            ),
        ] {
            fields.push(k);
            fields.extend_from_slice(v.as_bytes());
            fields.push(0);
        }
        fields.push(0);
        let mut msg = vec![b'E'];
        msg.extend_from_slice(&((fields.len() + 4) as u32).to_be_bytes());
        msg.extend_from_slice(&fields);
        let _ = s.write_all(&msg);
    });
    (port, handle)
}

#[test]
fn no_password_in_any_error() {
    let dir = migrations(&[("0001_a", "SELECT 1;", "", true)]);
    // Wrong password, URL-encoded `@`: the server even echoes it back.
    let (port, server) = echoing_server();
    let url = format!("postgresql://app:Hunter%40Secret9@127.0.0.1:{port}/db?sslmode=disable");
    let err = runner::apply(&url, &dir, &opts()).unwrap_err().to_string();
    server.join().unwrap();
    assert!(err.contains("password authentication failed"), "{err}");
    for secret in ["Hunter", "Secret9", "%40"] {
        assert!(!err.contains(secret), "{secret} in: {err}");
    }
    // The same in key=value form.
    let (port, server) = echoing_server();
    let kv = format!("host=127.0.0.1 port={port} user=app password='Kv Secret7' sslmode=disable");
    let err = runner::status(&kv, &dir, &opts()).unwrap_err().to_string();
    server.join().unwrap();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains("Secret7"), "{err}");
    // Unreachable host.
    let err = runner::apply(NOWHERE, &dir, &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Connect(_)), "{err}");
    assert!(!err.to_string().contains("Secret1"), "{err}");
    // SSL required, the server has none.
    let admin = support::admin_url();
    let sep = if admin.contains('?') { '&' } else { '?' };
    let err = runner::status(&format!("{admin}{sep}sslmode=require"), &dir, &opts())
        .unwrap_err()
        .to_string();
    assert_no_admin_password(&err, &admin);
    let o = Options {
        require_ssl: true,
        ..opts()
    };
    let err = runner::status(&admin, &dir, &o).unwrap_err().to_string();
    assert!(err.contains("not encrypted"), "{err}");
    assert_no_admin_password(&err, &admin);
}

fn assert_no_admin_password(err: &str, admin: &str) {
    let pw = admin
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, pw)| pw.to_string());
    if let Some(pw) = pw.filter(|p| !p.is_empty()) {
        assert!(!err.contains(&pw), "password in: {err}");
    }
}

fn with_sum(dir: &Path) {
    reconcile::migrations::write_sum(dir).unwrap();
}

#[test]
fn retire_renames_records_the_reason_and_is_skipped() {
    let db = FreshDb::new("r2_retire");
    let dir = migrations(&[
        ("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true),
        ("0002_b", "CREATE TABLE b (id int);", "DROP TABLE b;", true),
    ]);
    with_sum(&dir);
    runner::apply(&db.url, &dir, &opts()).unwrap();

    // Applied in the target database: refused, nothing renamed.
    let err = runner::retire(&dir, "0002", "typo", Some(&db.url), &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Refused(_)), "{err}");
    assert!(err.to_string().contains("0002_b is applied in"), "{err}");
    assert!(dir.join("0002_b").is_dir());

    add(
        &dir,
        "0003_oops",
        "CREATE TABLE oops (id int);",
        "DROP TABLE oops;",
        true,
    );
    with_sum(&dir);
    let err = runner::retire(&dir, "0003", "  ", Some(&db.url), &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Input(_)), "{err}");
    let retired = runner::retire(
        &dir,
        "0003",
        "created the wrong table; superseded by 0004",
        Some(&db.url),
        &opts(),
    )
    .unwrap();
    assert_eq!(retired, dir.join("0003_oops.retired"));
    assert!(!dir.join("0003_oops").exists());
    let note = std::fs::read_to_string(retired.join("RETIRED.md")).unwrap();
    assert!(note.contains("superseded by 0004"), "{note}");
    reconcile::migrations::sum::verify(&dir).unwrap();
    // Skipped by apply and status; its number is never reused.
    let report = runner::apply(&db.url, &dir, &opts()).unwrap();
    assert!(report.migrations.is_empty());
    let mut c = db.connect();
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) AS n FROM pg_class WHERE relname = 'oops'"
        ),
        0
    );
    let names: Vec<String> = runner::status(&db.url, &dir, &opts())
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["0001_a", "0002_b"]);
    assert_eq!(reconcile::migrations::next_number(&dir).unwrap(), 4);
    let again = runner::retire(&dir, "0003_oops", "again", None, &opts()).unwrap_err();
    assert!(again.to_string().contains("already retired"), "{again}");
    let unknown = runner::retire(&dir, "0009", "x", None, &opts()).unwrap_err();
    assert!(
        unknown.to_string().contains("no migration 0009"),
        "{unknown}"
    );

    // A non-transactional migration whose run failed part-way did run.
    add(
        &dir,
        "0004_half",
        "CREATE TABLE half (id int);\nSELECT 1/0;",
        "DROP TABLE half;",
        false,
    );
    with_sum(&dir);
    assert!(runner::apply(&db.url, &dir, &opts()).is_err());
    let err = runner::retire(&dir, "0004", "x", Some(&db.url), &opts()).unwrap_err();
    assert!(err.to_string().contains("may be committed"), "{err}");
    std::fs::remove_dir_all(dir.join("0004_half")).unwrap();
    with_sum(&dir);

    // A migration another one depends on stays.
    add(&dir, "0004_p", "SELECT 1;", "SELECT 1;", true);
    add(&dir, "0005_q", "SELECT 2;", "SELECT 1;", true);
    std::fs::write(
        dir.join("0005_q/metadata.toml"),
        "run_in_transaction = true\ndepends = [\"0004_p\"]\n",
    )
    .unwrap();
    with_sum(&dir);
    let err = runner::retire(&dir, "0004", "x", None, &opts()).unwrap_err();
    assert!(err.to_string().contains("0005_q depend"), "{err}");
    // An edited file is not blessed by the sum refresh.
    std::fs::write(dir.join("0005_q/up.sql"), "SELECT 3;").unwrap();
    let err = runner::retire(&dir, "0005", "x", None, &opts()).unwrap_err();
    assert!(err.to_string().contains("was edited"), "{err}");
    assert!(dir.join("0005_q").is_dir());
}

fn three_tables() -> PathBuf {
    migrations(&[
        ("0001_a", "CREATE TABLE a (id int);", "DROP TABLE a;", true),
        ("0002_b", "CREATE TABLE b (id int);", "DROP TABLE b;", true),
        ("0003_c", "CREATE TABLE c (id int);", "DROP TABLE c;", true),
    ])
}

fn tables(conn: &mut PgConnection) -> i64 {
    count(
        conn,
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'",
    )
}

#[test]
fn revert_a_range() {
    let db = FreshDb::new("r2_range");
    let dir = three_tables();
    runner::apply(&db.url, &dir, &opts()).unwrap();
    let range = |s: &str| RevertTarget::parse_range(s).unwrap();
    assert!(RevertTarget::parse_range("0003").is_err());
    assert!(RevertTarget::parse_range("0003..").is_err());

    // A range that leaves a later migration applied on top is refused.
    let err = runner::revert(&db.url, &range("0001..0002"), &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Refused(_)), "{err}");
    assert!(
        err.to_string().contains("0003_c would stay applied"),
        "{err}"
    );
    for bad in ["0002..0009", "0002..x", "0002_zzz..0003"] {
        let err = runner::revert(&db.url, &range(bad), &opts()).unwrap_err();
        assert!(
            matches!(err, RunnerError::Refused(_) | RunnerError::Input(_)),
            "{bad}: {err}"
        );
    }
    let mut c = db.connect();
    assert_eq!(tables(&mut c), 3, "nothing reverted by a refused range");

    // Either order; both ends included; newest first.
    let r = runner::revert(&db.url, &range("0002..0003_c"), &destructive()).unwrap();
    let names: Vec<&str> = r.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["0003_c", "0002_b"]);
    assert_eq!(tables(&mut c), 1);
    let r = runner::revert(&db.url, &range("0001..0001"), &destructive()).unwrap();
    assert_eq!(r.migrations.len(), 1);
    assert_eq!(tables(&mut c), 0);
    // Re-applies cleanly.
    assert_eq!(
        runner::apply(&db.url, &dir, &opts())
            .unwrap()
            .migrations
            .len(),
        3
    );
}

fn inspect_db(db: &FreshDb) -> reconcile::model::Database {
    let mut c = db.connect();
    reconcile::catalog::inspect(&mut c, &Default::default()).unwrap()
}

#[test]
fn a_snapshot_is_written_before_changes_and_restores_the_schema() {
    let db = FreshDb::new("r2_snap");
    let snaps = temp_dir();
    let o = Options {
        snapshot_dir: Some(snaps.clone()),
        ..opts()
    };
    let dir = migrations(&[(
        "0001_base",
        "CREATE TYPE mood AS ENUM ('ok', 'meh');\n\
         CREATE TABLE person (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL CHECK (name <> ''), m mood DEFAULT 'ok');\n\
         CREATE TABLE pet (id int PRIMARY KEY, owner bigint REFERENCES person (id) ON DELETE CASCADE);\n\
         CREATE INDEX pet_owner ON pet (owner);\n\
         CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(t) $$;\n\
         CREATE VIEW loud AS SELECT shout(name) AS name FROM person;\n\
         INSERT INTO person (name) VALUES ('a');",
        "DROP VIEW loud; DROP FUNCTION shout(text); DROP TABLE pet; DROP TABLE person; DROP TYPE mood;",
        true,
    )]);
    let first = runner::apply(&db.url, &dir, &o).unwrap();
    let before = inspect_db(&db);
    add(
        &dir,
        "0002_more",
        "ALTER TABLE person ADD COLUMN email text;\nDROP VIEW loud;",
        "CREATE VIEW loud AS SELECT shout(name) AS name FROM person;\nALTER TABLE person DROP COLUMN email;",
        true,
    );
    let second = runner::apply(&db.url, &dir, &o).unwrap();
    let (p1, p2) = (first.snapshot.unwrap(), second.snapshot.unwrap());
    assert_ne!(p1, p2);
    for p in [&p1, &p2] {
        let p = Path::new(p);
        assert_eq!(p.parent(), Some(snaps.as_path()));
        assert!(p.file_name().unwrap().to_str().unwrap().ends_with(".sql"));
    }
    assert!(Path::new(&p2)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .contains(&second.correlation_id));
    let text = std::fs::read_to_string(&p2).unwrap();
    assert!(text.contains("CREATE TABLE public.person"), "{text}");
    assert!(
        text.contains("-- objects this run touches (their DDL is below, with the rest of the schema):\n--   public.loud\n--   public.person\n"),
        "{text}"
    );
    assert!(!text.contains("schema_migrations"), "bookkeeping left out");
    // Recreates the schema as it was before the second run.
    let restored = FreshDb::new("r2_snap_restore");
    restored.try_psql(&text).unwrap();
    let got = inspect_db(&restored);
    assert!(
        got == before,
        "{}",
        support::line_diff(
            &serde_json::to_string_pretty(&before).unwrap(),
            &serde_json::to_string_pretty(&got).unwrap()
        )
    );
    // No pending work: no snapshot.
    assert!(runner::apply(&db.url, &dir, &o).unwrap().snapshot.is_none());
    // An unwritable directory falls back to the system temp dir.
    let file = temp_dir().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let o2 = Options {
        snapshot_dir: Some(file.clone()),
        ..opts()
    };
    let r = runner::revert(
        &db.url,
        &RevertTarget::Steps(1),
        &Options {
            allow_destructive: true,
            ..o2.clone()
        },
    )
    .unwrap();
    let p = r.snapshot.unwrap();
    assert!(p.starts_with(std::env::temp_dir().to_str().unwrap()), "{p}");
    assert!(Path::new(&p).is_file());
    assert!(r.warnings.iter().any(|w| w.contains("not writable")));
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn the_report_has_the_schema_difference_of_the_run() {
    let db = FreshDb::new("r2_diff");
    // A custom bookkeeping schema stays out of the difference too.
    let o = Options {
        schema: "r2_books".into(),
        ..opts()
    };
    let dir = migrations(&[
        (
            "0001_t",
            "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_id2 ON t ((id * 2));",
            "DROP TABLE t;",
            true,
        ),
        (
            "0002_rows",
            "INSERT INTO t VALUES (1), (2);",
            "DELETE FROM t;",
            true,
        ),
    ]);
    let r = runner::apply(&db.url, &dir, &o).unwrap();
    let changes = r.schema_changes.clone().unwrap();
    let ids: Vec<&str> = changes.iter().map(|c| c.id.as_str()).collect();
    assert!(ids.iter().any(|i| i.contains("public.t")), "{ids:?}");
    assert!(!ids.iter().any(|i| i.contains("r2_books")), "{ids:?}");
    assert!(changes
        .iter()
        .all(|c| c.action == reconcile::plan::Action::Create));
    let json = serde_json::to_value(&r).unwrap();
    let list = json["schema_changes"].as_array().unwrap();
    assert_eq!(list.len(), changes.len());
    assert_eq!(list[0]["action"], "create");
    assert!(list[0]["summary"].as_str().unwrap().contains("public.t"));
    let text = r.render_text();
    assert!(
        text.contains(&format!(
            "schema changes (from introspection): {}",
            changes.len()
        )),
        "{text}"
    );

    // Data only: nothing changed in the schema. A failed run: nothing either.
    let r = runner::revert(
        &db.url,
        &RevertTarget::Steps(1),
        &Options {
            allow_destructive: true,
            ..o.clone()
        },
    )
    .unwrap();
    assert_eq!(r.schema_changes, Some(vec![]));
    add(
        &dir,
        "0003_bad",
        "ALTER TABLE t ADD COLUMN v int;\nSELECT 1/0;",
        "ALTER TABLE t DROP COLUMN v;",
        true,
    );
    let err = runner::apply(&db.url, &dir, &o).unwrap_err();
    let report = failed_run(&err);
    assert_eq!(report.migrations.len(), 2);
    assert_eq!(report.schema_changes, Some(vec![]));
    assert!(report
        .render_text()
        .contains("schema changes (from introspection): none"));

    // A drop shows as a drop.
    std::fs::remove_dir_all(dir.join("0003_bad")).unwrap();
    let r = runner::revert(
        &db.url,
        &RevertTarget::To("0000".into()),
        &Options {
            allow_destructive: true,
            ..o.clone()
        },
    )
    .unwrap();
    let changes = r.schema_changes.unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c.action == reconcile::plan::Action::Drop && c.id.contains("public.t")),
        "{changes:?}"
    );
}

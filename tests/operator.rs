//! The runner as an operator meets it, against a real server: reverts that
//! would destroy data, interrupted concurrent index builds, `status` during
//! a live run, lock keys, `apply --to`, `mark`, and who ran what.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reconcile::runner::{self, Mark, Options, RequiredCheck, RevertTarget, RunnerError, State};
use support::{temp_dir, FreshDb};

fn add(dir: &Path, name: &str, up: &str, down: &str, tx: bool) {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("up.sql"), up).unwrap();
    std::fs::write(d.join("down.sql"), down).unwrap();
    std::fs::write(
        d.join("metadata.toml"),
        format!("run_in_transaction = {tx}\n"),
    )
    .unwrap();
}

fn opts() -> Options {
    Options {
        lock_wait: Duration::from_secs(30),
        ..Options::default()
    }
}

/// Runs the binary with a snapshot dir of its own: (exit code, stdout, stderr).
fn reconcile(args: &[&str]) -> (i32, String, String) {
    let mut args: Vec<&str> = args.to_vec();
    let snaps = std::env::temp_dir().join("reconcile-test-snapshots");
    let snaps = snaps.to_str().unwrap().to_string();
    if matches!(args.first(), Some(&"apply") | Some(&"revert")) {
        args.extend(["--snapshot-dir", snaps.as_str()]);
    }
    support::reconcile_in(Path::new(env!("CARGO_MANIFEST_DIR")), &args)
}

/// A table with rows, and a column holding values added by a second migration.
fn with_rows(db: &FreshDb) -> PathBuf {
    let dir = temp_dir();
    add(
        &dir,
        "0001_t",
        "CREATE TABLE public.t (id int PRIMARY KEY);\nCREATE TABLE public.e (id int);\n",
        "DROP TABLE public.e;\nDROP TABLE public.t;\n",
        true,
    );
    add(
        &dir,
        "0002_note",
        "ALTER TABLE public.t ADD COLUMN note text;\n",
        "ALTER TABLE public.t DROP COLUMN note;\n",
        true,
    );
    runner::apply(&db.url, &dir, &opts()).unwrap();
    db.try_psql("INSERT INTO public.t VALUES (1, 'kept'), (2, NULL);")
        .unwrap();
    dir
}

fn applied(db: &FreshDb) -> String {
    db.scalar(
        "SELECT coalesce(string_agg(migration_name, ',' ORDER BY 1), '') FROM reconcile.schema_migrations",
    )
}

#[test]
fn a_revert_that_drops_rows_is_refused_without_allow_destructive() {
    let db = FreshDb::new("op_destroy");
    let dir = with_rows(&db);
    let err = runner::revert(&db.url, &RevertTarget::To("0000".into()), &opts()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Destructive(..)), "{msg}");
    assert!(
        msg.contains("0002_note (line 1): drops column public.t.note (holds values)"),
        "{msg}"
    );
    assert!(
        msg.contains("0001_t (line 2): drops table public.t (holds rows)"),
        "{msg}"
    );
    assert!(
        msg.contains("0001_t (line 1): drops table public.e (empty)"),
        "{msg}"
    );
    // Nothing ran, nothing was written.
    assert_eq!(applied(&db), "0001_t,0002_note");
    assert_eq!(db.scalar("SELECT count(note) FROM public.t"), "1");
    let audits =
        db.scalar("SELECT count(*) FROM reconcile.migration_audit WHERE status LIKE 'revert%'");
    assert_eq!(audits, "0");

    // Through the binary: exit 5, the report says what it would destroy.
    let (code, out, err) = reconcile(&["revert", "--steps", "1", "--database-url", &db.url]);
    assert_eq!(code, 5, "{out}{err}");
    assert!(out.starts_with("would revert 1 migration(s)"), "{out}");
    assert!(
        out.contains("ALTER TABLE public.t DROP COLUMN note;"),
        "{out}"
    );
    assert!(out.contains("destroys data:"), "{out}");
    assert!(err.contains("--allow-destructive"), "{err}");

    // Allowed, it runs.
    let allowed = Options {
        allow_destructive: true,
        ..opts()
    };
    let r = runner::revert(&db.url, &RevertTarget::Steps(1), &allowed).unwrap();
    assert_eq!(r.migrations.len(), 1);
    assert_eq!(r.destroys.len(), 1, "{:?}", r.destroys);
    assert_eq!(applied(&db), "0001_t");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn destructive_downs_of_every_kind_name_their_objects() {
    let db = FreshDb::new("op_kinds");
    let dir = temp_dir();
    add(
        &dir,
        "0001_kinds",
        "CREATE SCHEMA app;\nCREATE TABLE app.a (id int);\nCREATE SEQUENCE public.s;\n\
         CREATE TYPE public.mood AS ENUM ('ok');\nCREATE TABLE public.m (m public.mood, v varchar(40), n numeric(10,2));\n\
         CREATE TYPE public.unused AS ENUM ('x');\n",
        "ALTER TABLE public.m ALTER COLUMN v TYPE varchar(10), ALTER COLUMN n TYPE numeric(12,2);\n\
         DROP TYPE public.mood CASCADE;\nDROP TYPE public.unused;\nDROP SEQUENCE public.s;\n\
         DROP SCHEMA app CASCADE;\nTRUNCATE public.m;\nDROP TABLE public.m;\n",
        true,
    );
    runner::apply(&db.url, &dir, &opts()).unwrap();
    db.try_psql(
        "INSERT INTO app.a VALUES (1); SELECT nextval('public.s'); \
         INSERT INTO public.m VALUES ('ok', 'x', 1);",
    )
    .unwrap();
    let report = runner::revert_dry_run(&db.url, &RevertTarget::Steps(1), &opts());
    let err = report.unwrap_err();
    let msg = err.to_string();
    for want in [
        "changes column public.m.v from character varying(40) to varchar(10)",
        "drops type public.mood, used by column(s) public.m.m",
        "drops sequence public.s (in use: it has given out values)",
        "drops schema app and everything in it (CASCADE) (its tables: app.a: holds rows)",
        "truncates table public.m (holds rows)",
        "drops table public.m (holds rows)",
    ] {
        assert!(msg.contains(want), "missing `{want}` in {msg}");
    }
    // Widening a numeric and dropping a type no column uses lose nothing.
    assert!(!msg.contains("public.m.n"), "{msg}");
    assert!(!msg.contains("public.unused"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn revert_dry_run_prints_what_would_run_and_changes_nothing() {
    let db = FreshDb::new("op_dry");
    let dir = with_rows(&db);
    let (code, out, err) = reconcile(&[
        "revert",
        "--steps",
        "1",
        "--dry-run",
        "--database-url",
        &db.url,
    ]);
    assert_eq!(code, 5, "refused as the revert would be: {out}{err}");
    assert!(out.starts_with("would revert 1 migration(s)"), "{out}");
    assert!(
        out.contains("ALTER TABLE public.t DROP COLUMN note;"),
        "{out}"
    );
    assert!(
        out.contains("drops column public.t.note (holds values)"),
        "{out}"
    );
    let (code, out, err) = reconcile(&[
        "revert",
        "--to",
        "0001",
        "--dry-run",
        "--allow-destructive",
        "--database-url",
        &db.url,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["operation"], "revert-dry-run");
    assert_eq!(json["migrations"][0]["name"], "0002_note");
    assert_eq!(json["destroys"][0]["holds_data"], true);
    assert_eq!(
        applied(&db),
        "0001_t,0002_note",
        "a dry run changes nothing"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.migration_audit WHERE status LIKE 'revert%'"),
        "0"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_adopted_baseline_is_never_reverted() {
    let db = FreshDb::new("op_baseline");
    db.try_psql("CREATE TABLE public.kept (id int); INSERT INTO public.kept VALUES (1);")
        .unwrap();
    let dir = temp_dir();
    let (schema, mig) = (dir.join("schema"), dir.join("migrations"));
    let (s, m) = (schema.to_str().unwrap(), mig.to_str().unwrap());
    let (code, out, err) = reconcile(&[
        "baseline",
        "--database-url",
        &db.url,
        "--out",
        s,
        "--migrations",
        m,
        "--mark-applied",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    for extra in [&[][..], &["--allow-destructive"][..]] {
        let args = [
            &["revert", "--to", "0000", "--database-url", &db.url][..],
            extra,
        ]
        .concat();
        let (code, out, err) = reconcile(&args);
        assert_eq!(code, 2, "{out}{err}");
        assert!(
            err.contains("0001_baseline was recorded with --mark-applied"),
            "{err}"
        );
        assert!(err.contains("reconcile mark 0001 --pending"), "{err}");
    }
    assert_eq!(db.scalar("SELECT count(*) FROM public.kept"), "1");
    let (code, out, _) = reconcile(&["status", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(adopted, not run)"), "{out}");
    // The way out it names works, and leaves the table alone.
    let (code, out, err) = reconcile(&[
        "mark",
        "0001",
        "--pending",
        "--reason",
        "stop tracking the adopted baseline",
        "--database-url",
        &db.url,
        "--migrations",
        m,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(applied(&db), "");
    assert_eq!(db.scalar("SELECT count(*) FROM public.kept"), "1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_down_script_of_comments_only_refuses_the_whole_revert_up_front() {
    let db = FreshDb::new("op_nodown");
    let dir = temp_dir();
    add(
        &dir,
        "0001_a",
        "CREATE TABLE a (id int);",
        "DROP TABLE a;",
        true,
    );
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);",
        "-- 0002_b: undo the change of up.sql here.\n/* nothing */\n",
        true,
    );
    add(
        &dir,
        "0003_c",
        "CREATE TABLE c (id int);",
        "DROP TABLE c;",
        true,
    );
    runner::apply(&db.url, &dir, &opts()).unwrap();
    let allowed = Options {
        allow_destructive: true,
        ..opts()
    };
    let err = runner::revert(&db.url, &RevertTarget::To("0000".into()), &allowed).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, RunnerError::Refused(_)), "{msg}");
    assert!(msg.contains("0002_b has no down script"), "{msg}");
    // Up front: not even 0003, which comes first and has a down script.
    assert_eq!(applied(&db), "0001_a,0002_b,0003_c");
    db.try_psql("SELECT 1 FROM c").unwrap();
    // A range that stops above it is fine.
    runner::revert(&db.url, &RevertTarget::Steps(1), &allowed).unwrap();
    assert_eq!(applied(&db), "0001_a,0002_b");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A table whose index takes `seconds` to build, and a migration that
/// builds it concurrently (0002), after the one that makes the table.
fn slow_index(seconds: u32) -> PathBuf {
    let dir = temp_dir();
    add(
        &dir,
        "0001_big",
        &format!(
            "CREATE FUNCTION public.slow(v int) RETURNS int LANGUAGE plpgsql IMMUTABLE \
             AS $$ BEGIN PERFORM pg_sleep(0.01); RETURN v; END $$;\n\
             CREATE TABLE public.big (v int);\n\
             INSERT INTO public.big SELECT generate_series(1, {});\n",
            seconds * 100
        ),
        "DROP TABLE public.big;\nDROP FUNCTION public.slow(int);\n",
        true,
    );
    add(
        &dir,
        "0002_big_v_idx",
        "CREATE INDEX CONCURRENTLY big_v_idx ON big (slow(v));\n",
        "DROP INDEX CONCURRENTLY public.big_v_idx;\n",
        false,
    );
    add(
        &dir,
        "0003_after",
        "CREATE TABLE public.after (id int);\n",
        "DROP TABLE public.after;\n",
        true,
    );
    dir
}

/// Waits until a backend named `app` runs a statement starting with
/// `start`; its pid.
fn backend_running(db: &FreshDb, app: &str, start: &str) -> i32 {
    let t = Instant::now();
    loop {
        let pid = db.scalar(&format!(
            "SELECT coalesce(max(pid), 0) FROM pg_stat_activity \
              WHERE application_name = '{app}' AND state = 'active' AND query LIKE '{start}%' \
                AND datname = current_database()"
        ));
        let pid: i32 = pid.parse().unwrap();
        if pid != 0 {
            return pid;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "no backend of {app} ran `{start}`"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn index_state(db: &FreshDb) -> String {
    db.scalar(
        "SELECT coalesce(string_agg(CASE WHEN i.indisvalid THEN 'valid' ELSE 'INVALID' END, ','), 'none') \
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'big_v_idx'",
    )
}

fn spawn_apply(url: &str, dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_reconcile"))
        .args(["apply", "--database-url", url, "--migrations"])
        .arg(dir)
        .args(["--no-snapshot", "--format", "json"])
        .env_remove("DATABASE_URL")
        .env_remove("PGAPPNAME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_build_finished_by_the_backend_of_a_killed_run_is_recognised() {
    let db = FreshDb::new("op_kill_cic");
    let dir = slow_index(3);
    let mut child = spawn_apply(&db.url, &dir);
    backend_running(&db, "reconcile apply", "CREATE INDEX CONCURRENTLY");
    child.kill().unwrap(); // SIGKILL: the backend goes on building.
    child.wait().unwrap();
    assert_eq!(applied(&db), "0001_big");
    // One plain apply: it waits for the orphaned backend's lock, finds the
    // index it finished, and records the migration without building again.
    let m = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&["apply", "--database-url", &db.url, "--migrations", m]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("note: public.big_v_idx already exists, valid, with the planned definition"),
        "{out}"
    );
    assert!(
        out.contains("an earlier run was interrupted during 0002_big_v_idx"),
        "{out}"
    );
    assert_eq!(applied(&db), "0001_big,0002_big_v_idx,0003_after");
    assert_eq!(index_state(&db), "valid");
    assert_eq!(
        db.scalar(
            "SELECT string_agg(status, ',' ORDER BY id) FROM reconcile.migration_audit \
              WHERE migration_name = '0002_big_v_idx'"
        ),
        "interrupted,applied"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_build_whose_backend_was_terminated_leaves_nothing_and_the_next_apply_succeeds() {
    let db = FreshDb::new("op_term_cic");
    let dir = slow_index(3);
    let (url, d) = (db.url.clone(), dir.clone());
    let run = std::thread::spawn(move || runner::apply(&url, &d, &opts()));
    let pid = backend_running(&db, "reconcile", "CREATE INDEX CONCURRENTLY");
    db.scalar(&format!("SELECT pg_terminate_backend({pid})"));
    let err = run.join().unwrap().unwrap_err();
    let RunnerError::Failed(report) = &err else {
        panic!("{err}")
    };
    let f = report.failure.as_ref().unwrap();
    let msg = f.to_string();
    assert!(!msg.contains("nothing of it was applied"), "{msg}");
    assert!(
        msg.contains("dropped the INVALID index public.big_v_idx the failed build left"),
        "{msg}"
    );
    assert!(
        msg.contains("outside a transaction, and no statement of it committed"),
        "{msg}"
    );
    assert!(f.left.is_empty(), "{:?}", f.left);
    assert_eq!(index_state(&db), "none");
    runner::apply(&db.url, &dir, &opts()).unwrap();
    assert_eq!(applied(&db), "0001_big,0002_big_v_idx,0003_after");
    assert_eq!(index_state(&db), "valid");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_invalid_index_left_behind_is_dropped_and_built_again() {
    let db = FreshDb::new("op_invalid");
    let dir = temp_dir();
    add(
        &dir,
        "0001_t",
        "CREATE TABLE t (v int);",
        "DROP TABLE t;",
        true,
    );
    add(
        &dir,
        "0002_t_v",
        "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);",
        "DROP INDEX t_v;",
        false,
    );
    runner::apply_to(&db.url, &dir, Some("0001"), &opts()).unwrap();
    // A build that failed by hand (psql does not clean up) leaves it INVALID.
    db.try_psql("INSERT INTO t VALUES (1), (1);").unwrap();
    assert!(db
        .try_psql("CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);")
        .is_err());
    db.try_psql("DELETE FROM t;").unwrap();
    let r = runner::apply(&db.url, &dir, &opts()).unwrap();
    assert_eq!(
        r.migrations[0].notes,
        ["dropped the INVALID index public.t_v an interrupted build left, and built it again"]
    );
    assert_eq!(
        db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v'::regclass"),
        "t"
    );
    // An index of that name with another definition is not taken for it.
    add(
        &dir,
        "0003_u",
        "CREATE TABLE u (a int, b int);",
        "DROP TABLE u;",
        true,
    );
    add(
        &dir,
        "0004_u_a",
        "CREATE INDEX CONCURRENTLY u_a ON u (a);",
        "DROP INDEX u_a;",
        false,
    );
    runner::apply_to(&db.url, &dir, Some("0003"), &opts()).unwrap();
    db.try_psql("CREATE INDEX u_a ON u (b);").unwrap();
    let err = runner::apply(&db.url, &dir, &opts())
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    assert!(
        err.contains("an index of that name already exists, with another definition: CREATE INDEX u_a ON public.u USING btree (b)"),
        "{err}"
    );
    assert!(!err.contains("left in the database"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A cluster of the test's own, to stop with `-m immediate`.
struct Cluster {
    dir: String,
    url: String,
}

impl Cluster {
    fn start() -> Cluster {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg");
        let out = Command::new(&script).arg("start").output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).unwrap();
        let value = |key: &str| {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{key}=")))
                .unwrap()
                .to_string()
        };
        Cluster {
            url: value("RECONCILE_TEST_PG"),
            dir: value("RECONCILE_TEST_PG_DIR"),
        }
    }

    /// `pg_ctl` of the server that runs the cluster, as its owner.
    fn pg_ctl(&self, args: &[&str]) {
        let opts = std::fs::read_to_string(format!("{}/data/postmaster.opts", self.dir)).unwrap();
        let postgres = opts.split_whitespace().next().unwrap();
        let pg_ctl = Path::new(postgres).with_file_name("pg_ctl");
        let data = format!("{}/data", self.dir);
        let log = format!("{}/server.log", self.dir);
        let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
        let mut cmd = match root {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
                c
            }
            false => Command::new(&pg_ctl),
        };
        let out = cmd
            .args(["-D", &data, "-l", &log, "-w"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/pg");
        let _ = Command::new(script).args(["stop", &self.dir]).output();
    }
}

#[test]
fn a_build_cut_by_an_immediate_server_stop_is_built_again_by_the_next_apply() {
    let cluster = Cluster::start();
    let db = cluster.url.clone();
    let dir = slow_index(3);
    let m = dir.to_str().unwrap().to_string();
    let child = spawn_apply(&db, &dir);
    let t = Instant::now();
    loop {
        let out = Command::new("psql")
            .args(["-X", "-tA", "-d", &db, "-c"])
            .arg(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reconcile apply' \
                 AND state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY%'",
            )
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).trim() == "1" {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the build never started"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    // The test cluster runs with synchronous_commit off: give the WAL
    // writer time to flush the build's first commit (its INVALID index).
    std::thread::sleep(Duration::from_millis(800));
    cluster.pg_ctl(&["-m", "immediate", "stop"]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let failure = &json["failure"];
    assert_eq!(failure["migration"], "0002_big_v_idx");
    assert_eq!(failure["transactional"], false);
    let left = failure["left"][0].as_str().unwrap_or_default();
    assert!(
        left.starts_with("possibly the INVALID index big_v_idx (the database could not be reached"),
        "{report}"
    );
    cluster.pg_ctl(&["restart"]);
    let state = Command::new("psql")
        .args(["-X", "-tA", "-d", &db, "-c"])
        .arg("SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.big_v_idx'::regclass")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&state.stdout).trim(),
        "f",
        "the stop left it INVALID"
    );
    let (code, out, err) = reconcile(&["apply", "--database-url", &db, "--migrations", &m]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("dropped the INVALID index public.big_v_idx"),
        "{out}"
    );
    assert!(out.contains("applied 2 migration(s)"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn status_during_a_live_run_names_the_migration_its_start_and_backend() {
    let db = FreshDb::new("op_live");
    let dir = temp_dir();
    add(
        &dir,
        "0001_a",
        "CREATE TABLE a (id int);",
        "DROP TABLE a;",
        true,
    );
    // Long enough for the status calls below on a loaded machine.
    add(&dir, "0002_slow", "SELECT pg_sleep(8);", "SELECT 1;", true);
    let (url, d) = (db.url.clone(), dir.clone());
    let run = std::thread::spawn(move || runner::apply(&url, &d, &opts()));
    let pid = backend_running(&db, "reconcile", "SELECT pg_sleep(8)");
    let status = runner::status(&db.url, &dir, &opts()).unwrap();
    let live = &status.rows[1];
    assert_eq!(
        (live.name.as_str(), live.state),
        ("0002_slow", State::Running)
    );
    assert_eq!(live.backend_pid, Some(pid));
    assert!(live.running_since.is_some());
    assert_eq!(status.lock.as_ref().map(|l| l.pid), Some(pid));
    let (code, out, _) = reconcile(&[
        "status",
        "--database-url",
        &db.url,
        "--migrations",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "a live run is no failure: {out}");
    assert!(
        out.contains(&format!(
            "a run holds the lock: backend pid {pid} (reconcile)"
        )),
        "{out}"
    );
    assert!(
        out.contains("0002_slow  running   applying since "),
        "{out}"
    );
    assert!(out.contains(&format!(", backend pid {pid}")), "{out}");
    run.join().unwrap().unwrap();
    let status = runner::status(&db.url, &dir, &opts()).unwrap();
    assert_eq!(status.rows[1].state, State::Applied);
    assert!(status.lock.is_none());
    // Who ran it, in each audit row.
    let who = db.scalar(
        "SELECT role || '|' || (tool_version LIKE 'reconcile %') || '|' || (client_host IS NOT NULL) \
                || '|' || application_name || '|' || (backend_pid IS NOT NULL AND backend_start IS NOT NULL) \
           FROM reconcile.migration_audit WHERE migration_name = '0002_slow'",
    );
    assert_eq!(who, "postgres|true|true|reconcile|true");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn audit_rows_of_a_killed_run_are_closed_by_the_next_one() {
    let db = FreshDb::new("op_closed");
    let dir = temp_dir();
    add(
        &dir,
        "0001_slow",
        "CREATE TABLE a (id int);\nSELECT pg_sleep(3);",
        "DROP TABLE a;",
        true,
    );
    let mut child = spawn_apply(&db.url, &dir);
    backend_running(&db, "reconcile apply", "SELECT pg_sleep(3)");
    child.kill().unwrap();
    child.wait().unwrap();
    // The server ends the orphan's transaction once it notices; until then
    // status says the run is still going or interrupted, never applied.
    let (code, out, _) = reconcile(&[
        "status",
        "--database-url",
        &db.url,
        "--migrations",
        dir.to_str().unwrap(),
    ]);
    assert!(out.contains("0001_slow"), "{out}");
    assert!(code == 0 || out.contains("interrupted"), "{code} {out}");
    let r = runner::apply(&db.url, &dir, &opts()).unwrap();
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("interrupted during 0001_slow")),
        "{:?}",
        r.warnings
    );
    assert_eq!(
        db.scalar("SELECT string_agg(status, ',' ORDER BY id) FROM reconcile.migration_audit"),
        "interrupted,applied"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_runner_with_another_lock_key_is_refused_before_it_writes() {
    let db = FreshDb::new("op_keys");
    let dir = temp_dir();
    add(
        &dir,
        "0001_a",
        "CREATE TABLE a (id int);",
        "DROP TABLE a;",
        true,
    );
    runner::apply(&db.url, &dir, &opts()).unwrap();
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);",
        "DROP TABLE b;",
        true,
    );
    let other = Options {
        lock_key: 42,
        ..opts()
    };
    let err = runner::apply(&db.url, &dir, &other)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("kept under advisory lock key 914215, but this run uses --lock-key 42"),
        "{err}"
    );
    assert_eq!(applied(&db), "0001_a");
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.migration_audit"),
        "1"
    );
    let err = runner::revert(&db.url, &RevertTarget::Steps(1), &other).unwrap_err();
    assert!(matches!(err, RunnerError::Refused(_)), "{err}");
    // Two first runs with different keys at once: one applies, the other
    // is refused, and neither crashes on the bookkeeping's creation.
    for round in 0..4 {
        let db = FreshDb::new("op_keys_race");
        let runs: Vec<_> = [1_i64, 2]
            .into_iter()
            .map(|key| {
                let (url, d) = (db.url.clone(), dir.clone());
                std::thread::spawn(move || {
                    let o = Options {
                        lock_key: key,
                        ..opts()
                    };
                    runner::apply(&url, &d, &o)
                })
            })
            .collect();
        let results: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(matches!(r, RunnerError::Refused(_)), "round {round}: {r}");
        }
        assert_eq!(applied(&db), "0001_a,0002_b");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn apply_to_stops_at_a_version() {
    let db = FreshDb::new("op_to");
    let dir = temp_dir();
    for (n, t) in [("0001_a", "a"), ("0002_b", "b"), ("0003_c", "c")] {
        add(
            &dir,
            n,
            &format!("CREATE TABLE {t} (id int);"),
            &format!("DROP TABLE {t};"),
            true,
        );
    }
    let dry = runner::dry_run(&db.url, &dir, Some("0002"), &opts()).unwrap();
    let names: Vec<&str> = dry.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["0001_a", "0002_b"]);
    let r = runner::apply_to(&db.url, &dir, Some("0002"), &opts()).unwrap();
    assert_eq!(r.migrations.len(), 2);
    assert_eq!(applied(&db), "0001_a,0002_b");
    let r = runner::apply_to(&db.url, &dir, Some("0001_a"), &opts()).unwrap();
    assert!(r.migrations.is_empty());
    let err = runner::apply_to(&db.url, &dir, Some("0009"), &opts()).unwrap_err();
    assert!(matches!(err, RunnerError::Input(_)), "{err}");
    assert!(
        err.to_string().contains("--to 0009: no such migration"),
        "{err}"
    );
    let m = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&[
        "apply",
        "--to",
        "0003_c",
        "--database-url",
        &db.url,
        "--migrations",
        m,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(applied(&db), "0001_a,0002_b,0003_c");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mark_records_and_removes_a_migration_run_by_hand() {
    let db = FreshDb::new("op_mark");
    let dir = temp_dir();
    add(
        &dir,
        "0001_a",
        "CREATE TABLE a (id int);",
        "DROP TABLE a;",
        true,
    );
    add(
        &dir,
        "0002_b",
        "CREATE TABLE b (id int);",
        "DROP TABLE b;",
        true,
    );
    let o = opts();
    // Out of order, or without a reason: refused.
    let err = runner::mark(&db.url, &dir, "0002", Mark::Applied, "hand", &o).unwrap_err();
    assert!(
        err.to_string().contains("while 0001_a before it is not"),
        "{err}"
    );
    let err = runner::mark(&db.url, &dir, "0001", Mark::Applied, " ", &o).unwrap_err();
    assert!(matches!(err, RunnerError::Input(_)), "{err}");
    // An operator ran 0001 by hand during an incident.
    db.try_psql("CREATE TABLE a (id int);").unwrap();
    let done = runner::mark(
        &db.url,
        &dir,
        "0001",
        Mark::Applied,
        "ran by hand in the incident",
        &o,
    )
    .unwrap();
    assert_eq!((done.name.as_str(), done.changed), ("0001_a", true));
    let again = runner::mark(&db.url, &dir, "0001_a", Mark::Applied, "again", &o).unwrap();
    assert!(!again.changed);
    assert_eq!(
        db.scalar("SELECT status || '|' || reason FROM reconcile.migration_audit ORDER BY id DESC LIMIT 1"),
        "marked_applied|ran by hand in the incident"
    );
    let r = runner::apply(&db.url, &dir, &o).unwrap();
    let names: Vec<&str> = r.migrations.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["0002_b"], "0001 is not run again");
    let status = runner::status(&db.url, &dir, &o).unwrap();
    assert_eq!(status.rows[0].recorded_as, Some(runner::Recorded::Marked));
    // A marked migration reverts like any other (its down SQL is stored).
    // Pending: newest first.
    let err = runner::mark(&db.url, &dir, "0001", Mark::Pending, "undone", &o).unwrap_err();
    assert!(
        err.to_string().contains("while 0002_b after it is applied"),
        "{err}"
    );
    // Refused while another session holds the lock.
    use diesel::connection::SimpleConnection;
    let mut holder = db.connect();
    holder
        .batch_execute("SELECT pg_advisory_lock(914215)")
        .unwrap();
    let err = runner::mark(&db.url, &dir, "0002", Mark::Pending, "undone", &o).unwrap_err();
    assert!(matches!(err, RunnerError::LockTimeout(_)), "{err}");
    assert!(
        err.to_string().contains("try again once it is done"),
        "{err}"
    );
    drop(holder);
    // Through the binary.
    let m = dir.to_str().unwrap();
    let (code, out, err) = reconcile(&[
        "mark",
        "0002",
        "--pending",
        "--reason",
        "dropped b by hand",
        "--database-url",
        &db.url,
        "--migrations",
        m,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("marked 0002_b pending (not run)"), "{out}");
    assert_eq!(applied(&db), "0001_a");
    db.try_psql("SELECT 1 FROM b").unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_required_contract_is_checked_once_at_the_end_of_the_run() {
    let db = FreshDb::new("op_required");
    let dir = temp_dir();
    add(
        &dir,
        "0001_users",
        "CREATE TABLE public.users (id int PRIMARY KEY);",
        "DROP TABLE public.users;",
        true,
    );
    // A backfill placed before the migration that completes the schema.
    add(
        &dir,
        "0002_backfill",
        "INSERT INTO public.users VALUES (1), (2);",
        "DELETE FROM public.users;",
        true,
    );
    add(
        &dir,
        "0003_email",
        "ALTER TABLE public.users ADD COLUMN email text;",
        "ALTER TABLE public.users DROP COLUMN email;",
        true,
    );
    let contract = |yaml: &str| reconcile::verify::required::parse(yaml, "required.yaml").unwrap();
    let with = |yaml: &str, check| Options {
        required: Some(contract(yaml)),
        required_check: check,
        ..opts()
    };
    let full = "tables:\n  users:\n    required: [id, email]\n";
    // After each migration, the backfill is rolled back: the old behaviour,
    // now opt-in.
    let err = runner::apply(&db.url, &dir, &with(full, RequiredCheck::Each)).unwrap_err();
    assert!(
        err.to_string()
            .contains("migration 0001_users: required schema not met after this migration"),
        "{err}"
    );
    assert_eq!(
        db.scalar("SELECT count(*) FROM reconcile.schema_migrations"),
        "0"
    );
    // Once at the end (the default): the run goes through.
    let r = runner::apply(&db.url, &dir, &with(full, RequiredCheck::End)).unwrap();
    assert_eq!(r.migrations.len(), 3);
    assert_eq!(r.migrations[2].required_schema_held, Some(true));
    assert_eq!(r.migrations[0].required_schema_held, None);
    // A break at the end names the missing columns, not a statement, and
    // rolls back the last migration only.
    add(
        &dir,
        "0004_name",
        "ALTER TABLE public.users ADD COLUMN nickname text;",
        "ALTER TABLE public.users DROP COLUMN nickname;",
        true,
    );
    add(
        &dir,
        "0005_more",
        "CREATE TABLE public.more (id int);",
        "DROP TABLE public.more;",
        true,
    );
    let broken = "tables:\n  users:\n    required: [id, email, name, handle]\n";
    let err = runner::apply(&db.url, &dir, &with(broken, RequiredCheck::End)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("migration 0005_more: required schema not met at the end of the run"),
        "{msg}"
    );
    assert!(
        msg.contains("public.users.name: missing REQUIRED column"),
        "{msg}"
    );
    assert!(
        msg.contains("public.users.handle: missing REQUIRED column"),
        "{msg}"
    );
    assert!(!msg.contains("statement"), "{msg}");
    assert_eq!(
        applied(&db),
        "0001_users,0002_backfill,0003_email,0004_name"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

//! The acceptance suite: every case under `tests/cases/<kind>/<case>/`
//! through the whole protocol against a real server (see
//! tests/cases/README.md). One test per case; cases share the server, each
//! in databases of its own, and run in parallel.
//!
//! The binary speaks the part of libtest's command line that cargo and
//! nextest use (`--list --format terse`, `--exact NAME`, filters), so
//! `cargo nextest run --test accept -E 'test(/function/)'` runs one kind.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use support::{reconcile_in, server_major, FreshDb};

/// One case directory.
struct Case {
    /// `<kind>/<case>`.
    name: String,
    dir: PathBuf,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// Every directory two levels down that has an `after.sql`.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let dirs = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.is_dir());
        v.sort();
        v
    };
    for kind in dirs(&root()) {
        for dir in dirs(&kind) {
            if !dir.join("after.sql").exists() {
                continue;
            }
            let name = format!(
                "{}/{}",
                kind.file_name().unwrap().to_string_lossy(),
                dir.file_name().unwrap().to_string_lossy()
            );
            out.push(Case { name, dir });
        }
    }
    // RECONCILE_ACCEPT_PART=i/n keeps every n-th case from the i-th: the
    // majors that run the quick protocol share the cases between them.
    if let Some((i, n)) = part() {
        out = (out.into_iter().enumerate())
            .filter(|(k, _)| k % n == i)
            .map(|(_, c)| c)
            .collect();
    }
    out
}

fn part() -> Option<(usize, usize)> {
    let v = std::env::var("RECONCILE_ACCEPT_PART").ok()?;
    let (i, n) = v.split_once('/')?;
    let (i, n) = (i.trim().parse().ok()?, n.trim().parse::<usize>().ok()?);
    (n > 0 && i < n).then_some((i, n))
}

fn reconcile(args: &[&str]) -> (i32, String, String) {
    reconcile_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// `pg_dump -s` as its entries (the header naming the object, then its
/// statements), sorted: two databases that hold the same schema built in
/// different orders give the same list. The runner's bookkeeping, the
/// session settings and `\restrict` lines are left out.
fn dump(db: &FreshDb) -> Result<Vec<String>, String> {
    let out = Command::new("pg_dump")
        .args([
            "--schema-only",
            "--exclude-schema",
            "reconcile",
            "-d",
            &db.url,
        ])
        .output()
        .map_err(|e| format!("run pg_dump: {e}"))?;
    if !out.status.success() {
        return Err(format!("pg_dump: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut entries: Vec<String> = facts(db)?;
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim_end) {
        if let Some(header) = line.strip_prefix("-- Name: ") {
            entries.extend(current.take());
            current = Some(header.to_string());
            continue;
        }
        let skip = line.is_empty()
            || line.starts_with("--")
            || line.starts_with('\\')
            || line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config(");
        if skip {
            continue;
        }
        // The preamble before the first entry is settings only.
        if let Some(c) = current.as_mut() {
            c.push('\n');
            c.push_str(line);
        }
    }
    entries.extend(current);
    entries.sort();
    Ok(entries)
}

/// What `pg_dump -s` does not show, as entries of their own: each
/// extension's version, and whether a materialized view holds data.
fn facts(db: &FreshDb) -> Result<Vec<String>, String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &db.url,
            "-c",
        ])
        .arg(
            "SELECT 'extension ' || extname || ' version ' || extversion FROM pg_extension \
             UNION ALL SELECT 'materialized view ' || oid::regclass::text || \
             CASE WHEN relispopulated THEN ' with data' ELSE ' with no data' END \
             FROM pg_class WHERE relkind = 'm'",
        )
        .output()
        .map_err(|e| format!("run psql: {e}"))?;
    if !out.status.success() {
        return Err(format!("psql: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| format!("({l})"))
        .collect())
}

/// The entries only in `a` and only in `b`, for a failure message.
fn dump_diff(a: &[String], b: &[String], a_name: &str, b_name: &str) -> String {
    let only = |x: &[String], y: &[String]| -> String {
        x.iter()
            .filter(|e| !y.contains(e))
            .map(|e| format!("  {}\n", e.replace('\n', "\n    ")))
            .collect()
    };
    format!(
        "only in {a_name}:\n{}only in {b_name}:\n{}",
        only(a, b),
        only(b, a)
    )
}

/// The SQL of every migration in `dir`, for a failure message.
fn migrations_text(dir: &Path) -> String {
    let mut out = String::new();
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    subdirs.retain(|p| p.is_dir());
    subdirs.sort();
    for d in subdirs {
        for f in ["up.sql", "down.sql"] {
            if let Ok(t) = std::fs::read_to_string(d.join(f)) {
                out.push_str(&format!(
                    "---- {}/{f}\n{t}",
                    d.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    out
}

/// The up scripts of `dir`'s migrations, without comment lines: what a
/// case's `expected.sql` is compared with.
fn up_statements(dir: &Path) -> String {
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    subdirs.retain(|p| p.is_dir());
    subdirs.sort();
    let mut out = String::new();
    for d in subdirs {
        let t = std::fs::read_to_string(d.join("up.sql")).unwrap_or_default();
        for line in t.lines() {
            if line.starts_with("--") || line.trim().is_empty() {
                continue;
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out
}

/// Runs `reconcile`, an error naming the stage unless it exits `want`.
fn run(stage: &str, args: &[&str], want: i32) -> Result<String, String> {
    let t = std::time::Instant::now();
    let (code, out, err) = reconcile(args);
    if std::env::var_os("RECONCILE_ACCEPT_TIMES").is_some() {
        eprintln!("{:>6.0} ms  {stage}", t.elapsed().as_secs_f64() * 1000.0);
    }
    if code == want {
        Ok(out)
    } else {
        Err(format!("{stage}: exit {code} (want {want})\n{out}{err}"))
    }
}

/// Whether cases run the quick protocol (see tests/cases/README.md).
fn quick() -> bool {
    std::env::var_os("RECONCILE_ACCEPT_QUICK").is_some_and(|v| !v.is_empty())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The roles cases grant to and own with: cluster-wide, made once.
fn roles() {
    static DONE: std::sync::Once = std::sync::Once::new();
    DONE.call_once(|| {
        let out = Command::new("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                &support::admin_url(),
            ])
            // The lock the tests' scripts take: CREATE ROLE races.
            .args(["-c", "SELECT pg_advisory_lock(727274001)", "-f"])
            .arg(root().join("roles.sql"))
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "roles.sql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A database holding `file` (nothing when it is absent).
fn loaded(prefix: &str, file: &Path) -> Result<FreshDb, String> {
    let db = FreshDb::new(prefix);
    if file.exists() {
        db.try_psql_file(file, &[], None)
            .map_err(|e| format!("{} does not load: {e}", file.display()))?;
    }
    Ok(db)
}

/// From the before-state to `desired`: plan against the live database,
/// apply, the same schema as the after-state, nothing left to plan, and
/// revert to exactly the before-state. Returns the migrations written.
fn forward_and_back(
    label: &str,
    db: &FreshDb,
    desired: &Path,
    case_dir: &Path,
    want_before: &[String],
    want_after: &[String],
    work: &Path,
) -> Result<PathBuf, String> {
    let m = work.join(format!("migrations-{label}"));
    // Arguments the case adds to its plans against the before-state (e.g.
    // `--schemas public,app` to drop a schema the desired state no longer
    // names).
    let extra: Vec<String> = std::fs::read_to_string(case_dir.join("plan_args"))
        .map(|t| t.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let check = case_dir.join("check.sql");
    let check = check.as_path();
    let stage = |what: &str| format!("{label}: {what}");
    let with_extra = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        v.extend(extra.iter().cloned());
        v
    };
    let args = with_extra(&[
        "plan",
        "--database-url",
        &db.url,
        "--schema",
        s(desired),
        "--migrations",
        s(&m),
        "--allow-destructive",
    ]);
    run(
        &stage("plan --database-url"),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        0,
    )?;
    let with_sql = |e: String| format!("{e}\n{}", migrations_text(&m));
    if m.exists() {
        run(
            &stage("apply"),
            &[
                "apply",
                "--database-url",
                &db.url,
                "--migrations",
                s(&m),
                "--no-snapshot",
            ],
            0,
        )
        .map_err(with_sql)?;
    }
    let got = dump(db)?;
    if got != want_after {
        return Err(with_sql(format!(
            "{}: pg_dump after apply differs from the after-state\n{}",
            label,
            dump_diff(want_after, &got, "the after-state", "the applied database")
        )));
    }
    checked(&stage("check.sql after apply"), db, check).map_err(with_sql)?;
    let args = with_extra(&[
        "plan",
        "--check",
        "--database-url",
        &db.url,
        "--schema",
        s(desired),
        "--migrations",
        s(&m),
    ]);
    run(
        &stage("plan --check after apply"),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        0,
    )
    .map_err(with_sql)?;
    if m.exists() {
        run(
            &stage("revert"),
            &[
                "revert",
                "--database-url",
                &db.url,
                "--to",
                "0000",
                "--no-snapshot",
                "--allow-destructive",
            ],
            0,
        )
        .map_err(with_sql)?;
    }
    let got = dump(db)?;
    if got != want_before {
        return Err(with_sql(format!(
            "{label}: pg_dump after revert differs from the before-state\n{}",
            dump_diff(
                want_before,
                &got,
                "the before-state",
                "the reverted database"
            )
        )));
    }
    checked(&stage("check.sql after revert"), db, check).map_err(with_sql)?;
    Ok(m)
}

/// Runs the case's `check.sql` (when it has one) on `db`: what must
/// hold of the data, e.g. that an insert takes an id no row has.
fn checked(stage: &str, db: &FreshDb, check: &Path) -> Result<(), String> {
    if !check.exists() {
        return Ok(());
    }
    db.try_psql_file(check, &[], None)
        .map_err(|e| format!("{stage}: {e}"))
}

/// Applies the migrations in `m` to `db` and checks it holds the after-state.
fn applies_from_empty(
    label: &str,
    db: &FreshDb,
    m: &Path,
    want_after: &[String],
) -> Result<(), String> {
    let with_sql = |e: String| format!("{e}\n{}", migrations_text(m));
    // A plan with nothing to do writes nothing.
    if m.exists() {
        run(
            &format!("{label}: apply"),
            &[
                "apply",
                "--database-url",
                &db.url,
                "--migrations",
                s(m),
                "--no-snapshot",
            ],
            0,
        )
        .map_err(with_sql)?;
    }
    let got = dump(db)?;
    if got != want_after {
        return Err(with_sql(format!(
            "{label}: pg_dump differs from the after-state\n{}",
            dump_diff(want_after, &got, "the after-state", "the applied database")
        )));
    }
    Ok(())
}

fn run_case(case: &Case) -> Result<(), String> {
    let work = support::temp_dir();
    let result = run_case_in(case, &work);
    if result.is_ok() {
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

fn run_case_in(case: &Case, work: &Path) -> Result<(), String> {
    let dir = &case.dir;
    let before = loaded("acc_before", &dir.join("before.sql"))?;
    let after = loaded("acc_after", &dir.join("after.sql"))?;
    let want_before = dump(&before)?;
    let want_after = dump(&after)?;
    if want_before == want_after {
        return Err("before.sql and after.sql give the same schema".into());
    }

    // The desired state from the after-state, as baseline writes it.
    let schema = work.join("schema");
    let base = work.join("baseline");
    run(
        "baseline",
        &[
            "baseline",
            "--database-url",
            &after.url,
            "--out",
            s(&schema),
            "--migrations",
            s(&base),
        ],
        0,
    )?;

    let desired = dir.join("desired.yaml");
    // A rename the baseline cannot mark: its plan must be refused (a
    // rename is never guessed), and only desired.yaml goes forward.
    let unmarked = dir.join("unmarked_rename").exists();
    if unmarked {
        if !desired.exists() {
            return Err("unmarked_rename needs a desired.yaml".into());
        }
        let m = work.join("migrations-refused");
        let (code, out, err) = reconcile(&[
            "plan",
            "--database-url",
            &before.url,
            "--schema",
            s(&schema),
            "--migrations",
            s(&m),
            "--allow-destructive",
        ]);
        if code != 2 || !err.contains("renamed_from") {
            return Err(format!(
                "baseline files: plan --database-url: exit {code}, not refused as an unmarked rename\n{out}{err}"
            ));
        }
    } else {
        let m = forward_and_back(
            "baseline files",
            &before,
            &schema,
            dir,
            &want_before,
            &want_after,
            work,
        )?;
        if let Ok(expected) = std::fs::read_to_string(dir.join("expected.sql")) {
            let got = up_statements(&m);
            if got.trim() != expected.trim() {
                return Err(format!(
                    "the plan's up.sql differs from expected.sql\n--- expected\n{expected}\n--- got\n{got}"
                ));
            }
        }
    }
    // The quick protocol (RECONCILE_ACCEPT_QUICK, for the majors the full
    // suite does not run on) stops here: what differs between majors is
    // mostly what the catalog reads and what the server accepts.
    if quick() && !unmarked {
        return Ok(());
    }
    if desired.exists() {
        forward_and_back(
            "desired.yaml",
            &before,
            &desired,
            dir,
            &want_before,
            &want_after,
            work,
        )?;
    }

    if quick() {
        return Ok(());
    }

    // The after-state from nothing: the baseline's own migration, an
    // offline plan and a plan against an empty database, each applied
    // (once per distinct script).
    let empty = FreshDb::new("acc_empty");
    let online = work.join("from-empty-online");
    run(
        "from empty, online: plan",
        &[
            "plan",
            "--database-url",
            &empty.url,
            "--schema",
            s(&schema),
            "--migrations",
            s(&online),
        ],
        0,
    )?;
    let offline = work.join("from-empty-offline");
    run(
        "from empty, offline: plan",
        &["plan", "--schema", s(&schema), "--migrations", s(&offline)],
        0,
    )?;
    applies_from_empty("from empty, offline plan", &empty, &offline, &want_after)?;
    let mut applied = vec![up_statements(&offline)];
    for (label, m) in [
        ("from empty, online plan", &online),
        ("from empty, baseline", &base),
    ] {
        let text = up_statements(m);
        if applied.contains(&text) {
            continue;
        }
        let db = FreshDb::new("acc_empty");
        applies_from_empty(label, &db, m, &want_after)?;
        applied.push(text);
    }
    Ok(())
}

/// The options of libtest's command line that cargo and nextest pass.
#[derive(Default)]
struct Args {
    list: bool,
    ignored: bool,
    exact: bool,
    filters: Vec<String>,
    threads: Option<usize>,
}

fn parse_args() -> Args {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--list" => a.list = true,
            "--ignored" => a.ignored = true,
            "--exact" => a.exact = true,
            "--format" | "--logfile" | "--color" | "-Z" | "--skip" => {
                it.next();
            }
            "--test-threads" => a.threads = it.next().and_then(|n| n.parse().ok()),
            x if x.starts_with("--test-threads=") => {
                a.threads = x["--test-threads=".len()..].parse().ok()
            }
            x if x.starts_with('-') => {}
            x => a.filters.push(x.to_string()),
        }
    }
    a
}

/// Whether the server is too old for the case (`min_major` holds the
/// major it needs).
fn too_new(case: &Case) -> Option<u32> {
    let text = std::fs::read_to_string(case.dir.join("min_major")).ok()?;
    let major: u32 = text
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{}: min_major holds a major version", case.name));
    (server_major() < major).then_some(major)
}

/// Why the case is known to fail on this server, when `xfail_from` says
/// so: its first line is the first major it fails on, the rest why.
fn fails_from(case: &Case) -> Option<String> {
    let text = std::fs::read_to_string(case.dir.join("xfail_from")).ok()?;
    let (first, why) = text.split_once('\n').unwrap_or((&text, ""));
    let major: u32 = (first.trim().parse())
        .unwrap_or_else(|_| panic!("{}: xfail_from starts with a major version", case.name));
    (server_major() >= major).then(|| why.trim().to_string())
}

fn main() {
    let args = parse_args();
    let all = cases();
    if args.list {
        if !args.ignored {
            for c in &all {
                println!("{}: test", c.name);
            }
        }
        return;
    }
    let chosen: Vec<&Case> = all
        .iter()
        .filter(|c| {
            args.filters.is_empty()
                || args.filters.iter().any(|f| {
                    if args.exact {
                        &c.name == f
                    } else {
                        c.name.contains(f.as_str())
                    }
                })
        })
        .collect();
    if args.ignored || chosen.is_empty() {
        println!("running 0 tests");
        return;
    }
    roles();
    let threads = args
        .threads
        .or_else(|| std::env::var("RECONCILE_ACCEPT_THREADS").ok()?.parse().ok())
        .unwrap_or(4)
        .max(1);
    println!("running {} tests", chosen.len());
    let next = AtomicUsize::new(0);
    let failed: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads.min(chosen.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(case) = chosen.get(i) else { break };
                if let Some(major) = too_new(case) {
                    println!("test {} ... ok (needs PostgreSQL {major})", case.name);
                    continue;
                }
                let t = std::time::Instant::now();
                let r = std::panic::catch_unwind(|| run_case(case))
                    .unwrap_or_else(|p| Err(panic_text(&p)));
                // A case known to fail says why in `xfail`: it must still
                // fail, so that a fix removes the file.
                let xfail = std::fs::read_to_string(case.dir.join("xfail"))
                    .ok()
                    .or_else(|| fails_from(case));
                let r = match (xfail.ok_or(()), r) {
                    (Ok(why), Err(_)) => {
                        println!("test {} ... ok (known to fail: {})", case.name, why.trim());
                        continue;
                    }
                    // The quick protocol may leave out the stage that fails.
                    (Ok(_), Ok(())) if quick() => Ok(()),
                    (Ok(_), Ok(())) => {
                        Err("passes, but its xfail says it fails: remove xfail".into())
                    }
                    (Err(_), r) => r,
                };
                match r {
                    Ok(()) => println!(
                        "test {} ... ok ({:.1} s)",
                        case.name,
                        t.elapsed().as_secs_f64()
                    ),
                    Err(e) => {
                        println!("test {} ... FAILED", case.name);
                        failed.lock().unwrap().push((case.name.clone(), e));
                    }
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap();
    for (name, e) in &failed {
        println!("\n---- {name} ----\n{e}");
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; finished in {:.1} s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        chosen.len() - failed.len(),
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}

fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into())
}

//! Real application schemas (`../shared/corpus/realworld`, loaded by its
//! own `load.sh`): `baseline` of the loaded database, a first plan from
//! empty applied to an empty database gives the same `pg_dump -s`, entry
//! by entry, but for the entries named as known gaps; and the plan of the
//! baseline against either database is empty.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::{reconcile_in, temp_dir, FreshDb};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld")
}

/// `pg_dump -s` as entries: each `-- Name: ...` header with its lines,
/// settings and comments left out, the runner's own schema too.
fn entries(dump: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut at = String::from("(head)");
    for line in dump.lines() {
        if let Some(h) = line.strip_prefix("-- Name: ") {
            at = h.to_string();
            continue;
        }
        let skip = line.is_empty()
            || line.starts_with("--")
            || line.starts_with("SET ")
            || line.starts_with("SELECT pg_catalog.set_config")
            || line.starts_with('\\');
        if !skip {
            out.entry(at.clone()).or_default().push(line.to_string());
        }
    }
    out.retain(|k, _| {
        !k.contains("Schema: reconcile;") && !k.starts_with("reconcile; Type: SCHEMA")
    });
    out
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let (code, out, err) = reconcile_in(dir, args);
    (code, format!("{out}{err}"))
}

/// `gaps`: entries (by the start of their header) the model does not hold.
/// A schema that needs a newer major, or that an older grammar only
/// reads (`json` as a column name in 18), runs where it loads: `majors`.
fn round_trip_on(name: &str, majors: std::ops::RangeInclusive<u32>, gaps: &[&str]) {
    let major = support::server_major();
    if !majors.contains(&major) {
        eprintln!("{name}: not on PostgreSQL {major} (loads on {majors:?})");
        return;
    }
    round_trip(name, gaps)
}

fn round_trip(name: &str, gaps: &[&str]) {
    let load = corpus().join("load.sh");
    assert!(
        load.exists(),
        "{} is missing: the real-world corpus sits beside the project",
        load.display()
    );
    let a = FreshDb::new(&format!("rw_{}", name.replace('-', "_")));
    let out = Command::new("bash")
        .arg(&load)
        .args([name, &a.url])
        .output()
        .expect("run load.sh");
    assert!(
        out.status.success(),
        "{name} does not load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = temp_dir();
    let (code, log) = run(
        &dir,
        &[
            "baseline",
            "--database-url",
            &a.url,
            "--out",
            "schema",
            "--migrations",
            "gen",
        ],
    );
    assert_eq!(code, 0, "{name}: baseline: {log}");
    let (code, log) = run(
        &dir,
        &[
            "plan",
            "--schema",
            "schema",
            "--migrations",
            "m",
            "--name",
            "first",
        ],
    );
    assert_eq!(code, 0, "{name}: first plan: {log}");
    let b = FreshDb::new(&format!("rw_{}_b", name.replace('-', "_")));
    let (code, log) = run(
        &dir,
        &[
            "apply",
            "--database-url",
            &b.url,
            "--migrations",
            "m",
            "--no-snapshot",
        ],
    );
    assert_eq!(code, 0, "{name}: the first plan does not apply: {log}");
    let (x, y) = (entries(&a.dump()), entries(&b.dump()));
    let gap = |k: &String| gaps.iter().any(|g| k.starts_with(g));
    let differ: Vec<&String> = x
        .keys()
        .chain(y.keys())
        .filter(|k| x.get(*k) != y.get(*k) && !gap(k))
        .collect();
    assert!(
        differ.is_empty(),
        "{name}: pg_dump entries differ: {differ:?}\n{}",
        differ
            .iter()
            .take(3)
            .map(|k| format!(
                "{k}\n--- loaded\n{:?}\n--- planned\n{:?}",
                x.get(*k),
                y.get(*k)
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
    for (which, url) in [("loaded", &a.url), ("planned", &b.url)] {
        let (code, log) = run(
            &dir,
            &[
                "plan",
                "--schema",
                "schema",
                "--migrations",
                "none",
                "--database-url",
                url,
                "--check",
            ],
        );
        assert_eq!(
            code, 0,
            "{name}: plan against the {which} database is not empty: {log}"
        );
    }
}

#[test]
fn graphile_starter() {
    // On 14, whose `public` belongs to the bootstrap user, it revokes that
    // owner's own privileges: not yet planned (grant/owner_revokes_own).
    round_trip_on("graphile-starter", 15..=18, &[]);
}

#[test]
fn lago_api() {
    round_trip("lago-api", &[]);
}

#[test]
fn openstreetmap_website() {
    round_trip("openstreetmap-website", &[]);
}

// Supabase Auth's own schema is left out: in a cluster where another test
// has made Supabase's roles, a database with an `auth` schema is taken for
// a Supabase one and `auth` is Supabase's, so what is rebuilt depends on
// the order the tests run in (see the session note; to be made explicit).

/// A rule and a foreign table on a file_fdw server are not modelled. Its
/// fixtures name a column `json`, which 17 and 18 refuse; on 14 the
/// owner of `public` revokes its own privileges, as graphile-starter does.
#[test]
fn postgrest() {
    round_trip_on(
        "postgrest",
        15..=16,
        &[
            "test_null_pk_competitors_sponsors test_null_pk_competitors_sponsors; Type: RULE",
            "projects_dump; Type: FOREIGN TABLE",
            "COLUMN projects_dump",
            "import_csv; Type: SERVER",
            "TABLE projects_dump",
            "FOREIGN TABLE projects_dump; Type: COMMENT",
        ],
    );
}

/// Two CHECKs over `ARRAY[...]::text[]` and a view's unnamed `NULL::integer`
/// read back from the catalog's text deparse differently (same meaning).
/// It uses NULLS NOT DISTINCT (15+).
#[test]
fn musicbrainz() {
    round_trip_on(
        "musicbrainz",
        15..=18,
        &[
            "editor_collection_type; Type: TABLE",
            "series_type; Type: TABLE",
            "release_event; Type: VIEW",
        ],
    );
}

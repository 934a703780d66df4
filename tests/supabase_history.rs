//! A Supabase project's migration history through import, plan and
//! export: the imported migrations keep their versions, new ones are
//! stamped after them, and Supabase's own CLI (`supabase db push`) takes
//! the exported directory in order. The CLI comes from the npm package
//! `supabase` (scripts/setup installs it); where it cannot be found, the
//! naming rules it follows are checked instead: `^([0-9]+)_(.*)\.sql$`,
//! applied by version compared as a string, refused when a new version
//! sorts before the newest applied one.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{reconcile_in, temp_dir, FreshDb};

/// The Supabase CLI: `$RECONCILE_SUPABASE_CLI`, the one scripts/setup
/// installs, or one on PATH; the first that runs. `RECONCILE_SUPABASE_CLI=none`
/// checks the naming rules only, as on a machine without it.
fn supabase_cli() -> Option<PathBuf> {
    let chosen = std::env::var_os("RECONCILE_SUPABASE_CLI");
    if chosen.as_deref() == Some("none".as_ref()) {
        return None;
    }
    let candidates = [
        chosen.map(PathBuf::from),
        Some(PathBuf::from(
            "/opt/reconcile-supabase/node_modules/.bin/supabase",
        )),
        Some(PathBuf::from("supabase")),
    ];
    // A half-finished install leaves a launcher that does not run.
    let runs = |cli: &PathBuf| {
        let out = Command::new(cli)
            .arg("--version")
            .env("DO_NOT_TRACK", "1")
            .output();
        out.is_ok_and(|o| o.status.success())
    };
    candidates.into_iter().flatten().find(runs)
}

/// `supabase db push` of `project`'s `supabase/migrations` to `url`:
/// (success, output).
fn push(cli: &Path, project: &Path, url: &str) -> (bool, String) {
    let url = format!("{url}?sslmode=disable");
    let out = Command::new(cli)
        .args(["db", "push", "--db-url", &url, "--yes"])
        .current_dir(project)
        .env("DO_NOT_TRACK", "1")
        .output()
        .expect("run supabase");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The versions of the files in `dir` as the Supabase CLI reads them,
/// in its order (by file name), with the names that do not match left out.
fn versions(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .iter()
        .filter_map(|n| {
            let (v, rest) = n.strip_suffix(".sql")?.split_once('_')?;
            (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty())
                .then(|| v.to_string())
        })
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn export_after_import_keeps_the_versions_and_appends_new_ones_in_order() {
    let project = temp_dir();
    let history = project.join("supabase/migrations");
    let original = [
        (
            "20240105101010_init.sql",
            "create table public.notes (id bigint generated always as identity primary key, body text not null);\n",
        ),
        (
            "20240210121212_add_author.sql",
            "alter table public.notes add column author uuid;\n",
        ),
        (
            "20250301080000_notes_index.sql",
            "create index notes_author_idx on public.notes (author);\n",
        ),
    ];
    for (name, sql) in original {
        write(&history.join(name), sql);
    }
    let cli = supabase_cli();
    // The project's database, with the existing history pushed by Supabase.
    let remote = FreshDb::new("sbhist_remote");
    if let Some(cli) = &cli {
        let (ok, out) = push(cli, &project, &remote.url);
        assert!(ok, "{out}");
    } else {
        eprintln!("the Supabase CLI is not installed: checking its naming rules only");
    }
    let dev = FreshDb::new("sbhist_dev");
    let (code, out, err) = reconcile_in(
        &project,
        &[
            "import",
            "supabase/migrations",
            "--from",
            "supabase",
            "--dev-url",
            &dev.url,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let meta =
        std::fs::read_to_string(project.join("generated/migrations/0002_add_author/metadata.toml"))
            .unwrap();
    assert!(meta.contains("timestamp = \"20240210121212\""), "{meta}");

    // A change planned after the import, then two more in one plan run
    // (and so within one second).
    write(
        &project.join("schema/public/tables/tags.yaml"),
        "tables:\n  public.tags:\n    columns:\n      id: bigint\n      name: text\n",
    );
    let (code, out, err) = reconcile_in(&project, &["plan", "--name", "tags"]);
    assert_eq!(code, 0, "{out}{err}");
    write(
        &project.join("schema/public/tables/labels.yaml"),
        "tables:\n  public.labels:\n    columns:\n      id: bigint\n",
    );
    let (code, out, err) = reconcile_in(&project, &["new", "backfill_labels"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = reconcile_in(&project, &["plan", "--name", "labels"]);
    assert_eq!(code, 0, "{out}{err}");

    let exported = project.join("exported");
    let o = exported.to_str().unwrap();
    let (code, out, err) = reconcile_in(&project, &["export", "--layout", "supabase", "--out", o]);
    assert_eq!(code, 0, "{out}{err}");
    let got = versions(&exported);
    let before: Vec<String> = versions(&history);
    assert_eq!(got.len(), 6, "{got:?}");
    // The existing history keeps its versions, and so its place.
    assert_eq!(got[..3], before[..], "{got:?}");
    // The new ones come after it, each after the one before, as real
    // times no older than the import.
    assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
    for v in &got[3..] {
        assert_eq!(v.len(), 14, "{v}");
        assert!(v.as_str() > "20250301080000", "{got:?}");
    }
    // Stable: a second export names every file the same.
    let again = project.join("exported-again");
    let (code, _, err) = reconcile_in(
        &project,
        &[
            "export",
            "--layout",
            "supabase",
            "--out",
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(versions(&again), got);

    // Supabase itself takes them: the three applied ones are known, the
    // three new ones are pushed in order.
    if let Some(cli) = &cli {
        std::fs::remove_dir_all(&history).unwrap();
        std::fs::rename(&exported, &history).unwrap();
        let (ok, out) = push(cli, &project, &remote.url);
        assert!(ok, "{out}");
        for v in &got[3..] {
            assert!(out.contains(v.as_str()), "{v} not pushed: {out}");
        }
        assert_eq!(
            remote.scalar("SELECT string_agg(version, ',' ORDER BY version) FROM supabase_migrations.schema_migrations"),
            got.join(",")
        );
        assert_eq!(remote.scalar("SELECT count(*) FROM public.tags"), "0");
    }
}

/// What the exports of before this change did: migration N stamped
/// 2000-01-01 00:00:00 + N s. Supabase refuses such a file after a real
/// project's history.
#[test]
fn a_version_before_the_newest_applied_is_refused_by_supabase() {
    let Some(cli) = supabase_cli() else {
        eprintln!("the Supabase CLI is not installed: nothing to check here");
        return;
    };
    let project = temp_dir();
    let history = project.join("supabase/migrations");
    write(
        &history.join("20240105101010_init.sql"),
        "create table public.a (id int);\n",
    );
    let remote = FreshDb::new("sbhist_order");
    let (ok, out) = push(&cli, &project, &remote.url);
    assert!(ok, "{out}");
    write(&history.join("20000101000002_late.sql"), "select 1;\n");
    let (ok, out) = push(&cli, &project, &remote.url);
    assert!(!ok, "{out}");
    assert!(out.contains("inserted before the last migration"), "{out}");
}

//! The parse cache: a warm load gives exactly the model and messages of a
//! cold one, the pack is what is read on a hit, changed or unreadable
//! entries are parsed afresh, files with errors are never cached, and a
//! small schema leaves no cache behind.

mod support;

use std::path::{Path, PathBuf};

use reconcile::model::load::{cache, load_cached, load_with_warnings};

/// One table, `public.a`, as a schema file.
const TABLE_A: &str = "tables:\n  public.a:\n    columns:\n      id: uuid\n";

/// The file in `dir` whose name starts with `what`: the pack of parsed
/// files (`parsed`).
fn cache_file(dir: &Path, what: &str) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(what))
        .collect();
    assert_eq!(files.len(), 1, "one {what} file in {}", dir.display());
    files[0].clone()
}

fn pack(dir: &Path) -> PathBuf {
    cache_file(dir, "parsed")
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn tables(dir: &Path, cache: &Path) -> Vec<String> {
    let (db, _) = load_cached(dir, Some(cache), 0).unwrap_or_else(|e| panic!("{e}"));
    db.tables.keys().cloned().collect()
}

#[test]
fn warm_and_cold_loads_agree_with_no_cache() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let fixture = support::fixtures().join("load/good/dir");
    let warned = support::temp_dir();
    write(
        &warned,
        "a.yaml",
        &format!("{TABLE_A}    policies:\n      p:\n        for: select\n        using: 'true'\n"),
    );
    for dir in [schema, fixture, warned] {
        let (plain, plain_warnings) = load_with_warnings(&dir).unwrap_or_else(|e| panic!("{e}"));
        let cache_dir = support::temp_dir();
        // Cold: files parsed, the pack written. Warm: files read back from
        // the pack.
        for pass in ["cold", "warm", "again"] {
            let (db, warnings) =
                load_cached(&dir, Some(&cache_dir), 0).unwrap_or_else(|e| panic!("{e}"));
            assert!(db == plain, "{pass} load of {} differs", dir.display());
            assert_eq!(warnings, plain_warnings, "{pass} load of {}", dir.display());
        }
        let entries = std::fs::read_to_string(pack(&cache_dir)).unwrap();
        let mut errors = Vec::new();
        let files = reconcile::model::load::schema_files(&dir, &mut errors);
        assert_eq!(
            entries.lines().count(),
            files.len() + 1,
            "header + one per file"
        );
        let ignore = std::fs::read_to_string(cache_dir.join(".gitignore")).unwrap();
        assert!(ignore.lines().any(|l| l == "*"), "{ignore}");
    }
}

#[test]
fn a_hit_reads_the_pack_and_a_changed_file_is_parsed_afresh() {
    let dir = support::temp_dir();
    let cache_dir = support::temp_dir();
    write(&dir, "a.yaml", TABLE_A);
    assert_eq!(tables(&dir, &cache_dir), ["public.a"]);

    // Tamper with the entry: an unchanged file is read from the pack.
    let pack = pack(&cache_dir);
    let text = std::fs::read_to_string(&pack).unwrap();
    std::fs::write(&pack, text.replace("public.a", "public.from_the_cache")).unwrap();
    assert_eq!(tables(&dir, &cache_dir), ["public.from_the_cache"]);

    // Any change to the text is another key.
    write(&dir, "a.yaml", &format!("{TABLE_A}# edited\n"));
    assert_eq!(tables(&dir, &cache_dir), ["public.a"]);

    // An entry that does not read back is parsed afresh. The other entries
    // were let go as they were read, so the pack is removed, and the next
    // load writes it anew.
    let text = std::fs::read_to_string(&pack).unwrap();
    let (header, entry) = text.split_once('\n').unwrap();
    let (key, _) = entry.split_once('\t').unwrap();
    std::fs::write(&pack, format!("{header}\n{key}\t{{not json\n")).unwrap();
    assert_eq!(tables(&dir, &cache_dir), ["public.a"]);
    assert!(!pack.exists());
    assert_eq!(tables(&dir, &cache_dir), ["public.a"]);
    assert!(std::fs::read_to_string(&pack).unwrap().contains("public.a"));

    // A pack written by another build is not read.
    let text = std::fs::read_to_string(&pack).unwrap();
    let (_, entries) = text.split_once('\n').unwrap();
    let forged = format!(
        "another build\n{}",
        entries.replace("public.a", "public.forged")
    );
    std::fs::write(&pack, forged).unwrap();
    assert_eq!(tables(&dir, &cache_dir), ["public.a"]);
}

#[test]
fn a_changed_file_keeps_the_other_entries_and_drops_its_old_one() {
    let dir = support::temp_dir();
    let cache_dir = support::temp_dir();
    let loads = |want: &[&str]| assert_eq!(tables(&dir, &cache_dir), want);
    write(&dir, "a.yaml", TABLE_A);
    write(&dir, "b.yaml", &TABLE_A.replace("public.a", "public.b"));
    write(&dir, "c.yaml", &TABLE_A.replace("public.a", "public.c"));
    write(&dir, "d.yaml", &TABLE_A.replace("public.a", "public.c"));
    let cold = load_with_warnings(&dir).unwrap_err().to_string();
    assert!(cold.contains("already defined"), "{cold}");
    // Two files with the same text share one entry.
    write(&dir, "d.yaml", "tables: {}\n");
    write(&dir, "e.yaml", "tables: {}\n");
    loads(&["public.a", "public.b", "public.c"]);
    let before = std::fs::read_to_string(pack(&cache_dir)).unwrap();
    assert_eq!(before.lines().count(), 1 + 4, "d and e share:\n{before}");
    loads(&["public.a", "public.b", "public.c"]);
    assert_eq!(std::fs::read_to_string(pack(&cache_dir)).unwrap(), before);

    write(&dir, "b.yaml", &TABLE_A.replace("public.a", "public.b2"));
    loads(&["public.a", "public.b2", "public.c"]);
    let after = std::fs::read_to_string(pack(&cache_dir)).unwrap();
    assert_eq!(after.lines().count(), 1 + 4, "{after}");
    assert!(
        after.contains("public.b2") && !after.contains("public.b\""),
        "{after}"
    );
    assert!(
        after.contains("public.a") && after.contains("public.c"),
        "{after}"
    );
}

#[test]
fn files_with_errors_are_reported_alike_and_never_cached() {
    let dir = support::temp_dir();
    let cache_dir = support::temp_dir();
    write(&dir, "a.yaml", TABLE_A);
    write(
        &dir,
        "b.yaml",
        "tables:\n  public.b:\n    colums:\n      id: uuid\n",
    );
    let plain = load_with_warnings(&dir).unwrap_err().to_string();
    for _ in 0..2 {
        let cached = load_cached(&dir, Some(&cache_dir), 0)
            .unwrap_err()
            .to_string();
        assert_eq!(cached, plain);
    }
    let entries = std::fs::read_to_string(pack(&cache_dir)).unwrap();
    assert_eq!(
        entries.lines().count(),
        2,
        "header and a.yaml only:\n{entries}"
    );
}

#[test]
fn a_small_schema_leaves_no_cache() {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
    let cache_dir = support::temp_dir().join("cache");
    load_cached(&schema, Some(&cache_dir), cache::MIN_BYTES).unwrap();
    assert!(!cache_dir.exists());
}

/// The cache directories the binary left under `root` (any depth).
fn packs_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_cli_keeps_a_large_schema_outside_the_project_or_where_told() {
    // Over 1 MiB of YAML: one table with a long comment.
    let project = support::temp_dir();
    let schema = project.join("schema");
    std::fs::create_dir_all(&schema).unwrap();
    let comment = "x".repeat(cache::MIN_BYTES);
    write(
        &schema,
        "t.yaml",
        &format!("tables:\n  public.t:\n    comment: {comment}\n    columns:\n      id: uuid\n"),
    );
    let home = support::temp_dir();
    let told = support::temp_dir().join("told");
    let xdg = home.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--schema", "schema"];
        args.extend_from_slice(extra);
        let (code, _, err) = support::reconcile_env(&project, &args, &[("XDG_CACHE_HOME", xdg)]);
        assert_eq!(code, 0, "{err}");
    };

    run(&["--no-cache"]);
    assert!(packs_under(&home).is_empty() && packs_under(&project).is_empty());

    run(&[]);
    let default = packs_under(&home);
    assert_eq!(default.len(), 1, "one pack under $XDG_CACHE_HOME/reconcile");
    assert!(
        default[0].starts_with(home.join("reconcile")),
        "{default:?}"
    );
    assert!(
        packs_under(&project).is_empty(),
        "nothing written in the project"
    );

    run(&["--cache-dir", told.to_str().unwrap()]);
    assert_eq!(packs_under(&told).len(), 1);
}

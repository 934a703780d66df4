//! The layers of `src/` import only the layers below them (ARCHITECTURE.md),
//! so none loops back: read from the source, as a maintainer would.

use std::collections::BTreeSet;
use std::path::Path;

/// Each layer and what it may import, lowest first.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("sql", &["model"]),
    ("catalog", &["model", "sql"]),
    ("ddl", &["model", "sql"]),
    ("diff", &["model", "sql", "ddl"]),
    ("plan", &["model", "sql", "ddl", "diff"]),
    ("migrations", &["model", "sql", "ddl", "diff", "plan"]),
    (
        "verify",
        &[
            "model",
            "sql",
            "catalog",
            "ddl",
            "diff",
            "plan",
            "migrations",
        ],
    ),
    (
        "runner",
        &[
            "model",
            "sql",
            "catalog",
            "ddl",
            "diff",
            "plan",
            "migrations",
            "verify",
        ],
    ),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a file names as `crate::<module>`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.insert(name);
    }
    found
}

#[test]
fn each_layer_imports_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let all: BTreeSet<&str> = LAYERS.iter().map(|(l, _)| *l).chain(["cli"]).collect();
    let mut wrong = Vec::new();
    for (layer, allowed) in LAYERS {
        let mut files = Vec::new();
        let dir = src.join(layer);
        if dir.is_dir() {
            sources(&dir, &mut files);
        }
        let file = src.join(format!("{layer}.rs"));
        if file.is_file() {
            files.push(file);
        }
        assert!(!files.is_empty(), "no source for layer {layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for m in imports(&text) {
                if m != *layer && all.contains(m.as_str()) && !allowed.contains(&m.as_str()) {
                    wrong.push(format!("{} imports crate::{m}", f.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_import_finder_sees_a_use_and_a_path() {
    let found = imports("use crate::plan::render;\nlet x = crate::diff::diff(a);");
    assert_eq!(
        found,
        BTreeSet::from(["plan".to_string(), "diff".to_string()])
    );
}

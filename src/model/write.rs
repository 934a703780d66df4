//! Writes a `Database` as desired-state files: the layout `reconcile baseline`
//! produces. One file per table, view and function name, grouped by schema;
//! types, sequences and schema-level settings in their own files. The same
//! model always gives byte-identical files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::name::QualifiedName;
use super::types::Database;

/// Relative path -> file content.
pub type Files = BTreeMap<PathBuf, String>;

/// Splits a model into files. Pure: nothing touches the disk.
pub fn to_files(db: &Database) -> Result<Files, String> {
    let mut parts: BTreeMap<PathBuf, Database> = BTreeMap::new();
    macro_rules! part {
        ($path:expr) => {
            parts.entry($path).or_default()
        };
    }

    for (name, s) in &db.schemas {
        part!(dir(name).join("schema.yaml"))
            .schemas
            .insert(name.clone(), s.clone());
    }
    for (name, e) in &db.extensions {
        part!(PathBuf::from("extensions.yaml"))
            .extensions
            .insert(name.clone(), e.clone());
    }
    for (key, c) in &db.collations {
        part!(in_schema(key, "types.yaml")?)
            .collations
            .insert(key.clone(), c.clone());
    }
    for (key, c) in &db.text_search_configurations {
        part!(in_schema(key, "types.yaml")?)
            .text_search_configurations
            .insert(key.clone(), c.clone());
    }
    for (key, t) in &db.enums {
        part!(in_schema(key, "types.yaml")?)
            .enums
            .insert(key.clone(), t.clone());
    }
    for (key, t) in &db.domains {
        part!(in_schema(key, "types.yaml")?)
            .domains
            .insert(key.clone(), t.clone());
    }
    for (key, t) in &db.composite_types {
        part!(in_schema(key, "types.yaml")?)
            .composite_types
            .insert(key.clone(), t.clone());
    }
    for (key, t) in &db.range_types {
        part!(in_schema(key, "types.yaml")?)
            .range_types
            .insert(key.clone(), t.clone());
    }
    for (key, s) in &db.sequences {
        part!(in_schema(key, "sequences.yaml")?)
            .sequences
            .insert(key.clone(), s.clone());
    }
    for (key, t) in &db.tables {
        part!(object_file(key, "tables")?)
            .tables
            .insert(key.clone(), t.clone());
    }
    for (key, v) in &db.views {
        part!(object_file(key, "views")?)
            .views
            .insert(key.clone(), v.clone());
    }
    for (key, f) in &db.functions {
        part!(object_file(function_name(key), "functions")?)
            .functions
            .insert(key.clone(), f.clone());
    }
    for (key, a) in &db.aggregates {
        part!(object_file(function_name(key), "functions")?)
            .aggregates
            .insert(key.clone(), a.clone());
    }
    for (name, pb) in &db.publications {
        part!(PathBuf::from("publications.yaml"))
            .publications
            .insert(name.clone(), pb.clone());
    }
    for d in &db.default_privileges {
        let path = match &d.schema {
            Some(s) => dir(s).join("schema.yaml"),
            None => PathBuf::from("default_privileges.yaml"),
        };
        part!(path).default_privileges.push(d.clone());
    }
    if !db.external.is_empty() {
        part!(PathBuf::from("external.yaml")).external = db.external.clone();
    }

    let mut files = Files::new();
    for (path, content) in parts {
        let yaml =
            serde_saphyr::to_string(&content).map_err(|e| format!("{}: {e}", path.display()))?;
        files.insert(path, yaml);
    }
    Ok(files)
}

/// Writes the files under `out`. Refuses a non-empty directory unless
/// `replace` is set, in which case the YAML files there are removed first, so
/// objects that no longer exist leave no stale file behind.
pub fn write_files(files: &Files, out: &Path, replace: bool) -> Result<(), String> {
    if out.exists() {
        let existing = yaml_files(out)?;
        if !existing.is_empty() && !replace {
            return Err(format!(
                "{} already holds {} schema file(s); pass --force to replace them",
                out.display(),
                existing.len()
            ));
        }
        for f in existing {
            std::fs::remove_file(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        }
    }
    for (rel, content) in files {
        let path = out.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    remove_empty_dirs(out);
    Ok(())
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            found.extend(yaml_files(&path)?);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json" | "sql")
        ) {
            found.push(path);
        }
    }
    Ok(found)
}

fn remove_empty_dirs(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                remove_empty_dirs(&path);
                let _ = std::fs::remove_dir(&path); // fails, harmlessly, when not empty
            }
        }
    }
}

/// `public.users` -> `public/tables/users.yaml`.
fn object_file(key: &str, kind: &str) -> Result<PathBuf, String> {
    let q = QualifiedName::parse(key, "public")?;
    Ok(dir(&q.schema)
        .join(kind)
        .join(format!("{}.yaml", file_part(&q.name))))
}

fn in_schema(key: &str, file: &str) -> Result<PathBuf, String> {
    let q = QualifiedName::parse(key, "public")?;
    Ok(dir(&q.schema).join(file))
}

fn dir(schema: &str) -> PathBuf {
    PathBuf::from(file_part(schema))
}

/// `public.f(integer, text)` -> `public.f`: overloads share one file.
pub fn function_name(key: &str) -> &str {
    let mut in_quotes = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => return &key[..i],
            _ => {}
        }
    }
    key
}

/// A file or directory name for an object name: letters, digits, `_`, `-`
/// and `.` stay; anything else is percent-encoded, so any name is safe on
/// any file system and two names never share a file.
pub fn file_part(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '-') || (c == '.' && !out.is_empty()) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    out
}

/// Re-sorts a model's maps by key, so output does not depend on the order
/// objects were read in.
pub fn sorted(db: &Database) -> Database {
    let mut db = db.clone();
    sort(&mut db);
    db
}

/// [`sorted`] in place, for a model the caller owns (no copy).
pub fn sort(db: &mut Database) {
    db.schemas.sort_keys();
    db.extensions.sort_keys();
    db.collations.sort_keys();
    db.text_search_configurations.sort_keys();
    db.enums.sort_keys();
    db.domains.sort_keys();
    db.composite_types.sort_keys();
    db.range_types.sort_keys();
    db.sequences.sort_keys();
    db.tables.sort_keys();
    db.views.sort_keys();
    db.functions.sort_keys();
    db.aggregates.sort_keys();
    db.publications.sort_keys();
    for pb in db.publications.values_mut() {
        pb.tables.sort_keys();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::types::{Column, Function, Table};

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_part("users"), "users");
        assert_eq!(file_part("Order Items"), "Order%20Items");
        assert_eq!(file_part("a/b"), "a%2Fb");
        assert_eq!(file_part("bıgınt"), "bıgınt");
        assert_eq!(file_part(".."), "%2E.");
        assert_eq!(file_part(""), "%00");
    }

    #[test]
    fn layout_groups_by_schema_and_kind() {
        let mut db = Database::default();
        let mut t = Table::default();
        t.columns.insert(
            "id".into(),
            Column {
                type_: "uuid".into(),
                nullable: false,
                ..Default::default()
            },
        );
        db.tables.insert("auth.users".into(), t);
        db.functions.insert(
            "public.f(integer)".into(),
            Function {
                language: "sql".into(),
                body: "select 1".into(),
                ..Default::default()
            },
        );
        db.functions.insert(
            "public.f(text)".into(),
            Function {
                language: "sql".into(),
                body: "select 2".into(),
                ..Default::default()
            },
        );
        let files = to_files(&db).unwrap();
        let names: Vec<_> = files.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(names, ["auth/tables/users.yaml", "public/functions/f.yaml"]);
        let f = &files[&PathBuf::from("public/functions/f.yaml")];
        assert!(
            f.contains("public.f(integer)") && f.contains("public.f(text)"),
            "{f}"
        );
        assert_eq!(to_files(&db).unwrap(), files);
    }
}

//! The model as SQL files, as `baseline --format sql` writes them: one
//! file per table, view and function (with its indexes, keys, policies,
//! triggers, comments and grants), grouped by schema; types, sequences and
//! schema settings in files of their own. The statements are those of the
//! create script, so the files load back (`model::load::sql`) to the same
//! model. The same model always gives the same files.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use super::graph::create_steps;
use super::PlanError;
use crate::model::name::split_dotted;
use crate::model::write::{file_part, function_name};
use crate::model::{Database, QualifiedName};

/// Relative path -> file content.
pub fn sql_files(db: &Database) -> Result<BTreeMap<PathBuf, String>, PlanError> {
    let steps = create_steps(db)?;
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut file_of: HashMap<String, PathBuf> = HashMap::new();
    for s in &steps {
        let path = s
            .attached_to
            .as_ref()
            .and_then(|p| file_of.get(p).cloned())
            .unwrap_or_else(|| path_of(db, &s.id, &s.sql));
        file_of.insert(s.id.clone(), path.clone());
        let text = files.entry(path).or_default();
        if !text.is_empty() && s.attached_to.is_none() {
            text.push('\n');
        }
        text.push_str(&s.sql);
        text.push('\n');
    }
    Ok(files)
}

fn schema_dir(schema: &str) -> PathBuf {
    PathBuf::from(file_part(schema))
}

/// `schema.name` of a key, or of the first two parts of a part's key
/// (`public.t.idx` -> `public.t`).
fn relation(key: &str) -> Option<QualifiedName> {
    // The first two parts only: a part's own name may hold anything.
    let mut cut = Vec::new();
    let mut quoted = false;
    for (i, c) in key.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => {
                cut.push(i);
                if cut.len() == 2 {
                    break;
                }
            }
            _ => {}
        }
    }
    let head = match cut.as_slice() {
        [_, second] => &key[..*second],
        _ => key,
    };
    match split_dotted(head).ok()?.as_slice() {
        [s, n] => Some(QualifiedName::new(s, n)),
        _ => None,
    }
}

fn path_of(db: &Database, id: &str, sql: &str) -> PathBuf {
    let (kind, key) = id.split_once(':').unwrap_or(("", id));
    let in_schema = |key: &str, file: &str| match relation(key) {
        Some(q) => schema_dir(&q.schema).join(file),
        None => PathBuf::from("other.sql"),
    };
    let object = |key: &str, dir: &str| match relation(key) {
        Some(q) => schema_dir(&q.schema)
            .join(dir)
            .join(format!("{}.sql", file_part(&q.name))),
        None => PathBuf::from("other.sql"),
    };
    match kind {
        "schema" => schema_dir(key).join("schema.sql"),
        "extension" => PathBuf::from("extensions.sql"),
        "type" | "domain" | "domain_check" | "collation" | "text_search_configuration" => {
            in_schema(key, "types.sql")
        }
        "sequence" | "owned_by" => in_schema(key, "sequences.sql"),
        "function" | "aggregate" => object(function_name(key), "functions"),
        "view" | "materialized_view" => object(key, "views"),
        "index" | "trigger" => match relation(key) {
            Some(q) if db.views.contains_key(&q.to_string()) => object(key, "views"),
            _ => object(key, "tables"),
        },
        "default_privileges" => PathBuf::from("default_privileges.sql"),
        "publication" => PathBuf::from("publications.sql"),
        "table" | "fk" | "policy" | "check" | "default" | "replica_identity" | "exclusion" => {
            object(key, "tables")
        }
        // Statements of no step of their own: settings of `public`.
        _ if sql.contains("SCHEMA public") => schema_dir("public").join("schema.sql"),
        _ => PathBuf::from("other.sql"),
    }
}

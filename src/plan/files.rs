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
use crate::model::{Database, Id, IdKind, QualifiedName};

/// Relative path -> file content.
pub fn sql_files(db: &Database) -> Result<BTreeMap<PathBuf, String>, PlanError> {
    let steps = create_steps(db)?;
    let mut files: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut file_of: HashMap<Id, PathBuf> = HashMap::new();
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

fn path_of(db: &Database, id: &Id, sql: &str) -> PathBuf {
    use IdKind::*;
    let key = id.key();
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
    match id.kind() {
        Some(Schema) => schema_dir(key).join("schema.sql"),
        Some(Extension) => PathBuf::from("extensions.sql"),
        Some(Type | Domain | DomainCheck | Collation | TextSearchConfiguration) => {
            in_schema(key, "types.sql")
        }
        Some(Sequence | OwnedBy) => in_schema(key, "sequences.sql"),
        Some(Function | Aggregate) => object(function_name(key), "functions"),
        Some(View | MaterializedView) => object(key, "views"),
        Some(Index | Trigger) => match relation(key) {
            Some(q) if db.views.contains_key(&q.to_string()) => object(key, "views"),
            _ => object(key, "tables"),
        },
        Some(DefaultPrivileges) => PathBuf::from("default_privileges.sql"),
        Some(Publication) => PathBuf::from("publications.sql"),
        Some(Table | Fk | Policy | Check | Default | ReplicaIdentity | Exclusion) => {
            object(key, "tables")
        }
        // Statements of no step of their own: settings of `public`.
        _ if sql.contains("SCHEMA public") => schema_dir("public").join("schema.sql"),
        _ => PathBuf::from("other.sql"),
    }
}

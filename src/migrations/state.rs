//! Offline state: each plan records, beside its last migration, the desired
//! state that migration reaches (`state.json`), so the next plan can diff
//! against it with no database.

use std::path::Path;

use crate::model::{write::sorted, Database};

pub const STATE_FILE: &str = "state.json";

/// The model as deterministic JSON: top-level maps sorted by name, the
/// order inside objects (columns) as written. Unmanaged objects found by
/// introspection are not state: they are left out.
pub fn render_state(db: &Database) -> Result<String, String> {
    let mut db = sorted(db);
    db.unmanaged.clear();
    let mut out = serde_json::to_string_pretty(&db)
        .map_err(|e| format!("cannot serialise the state: {e}"))?;
    out.push('\n');
    Ok(out)
}

/// The model a `state.json` text records; errors name `label`.
pub fn parse_state(text: &str, label: &str) -> Result<Database, String> {
    serde_json::from_str(text).map_err(|e| format!("{label}: {e}"))
}

/// The state reached by the last migration under `dir` and its name; None
/// when there are no migrations (the empty database). The last migration
/// must carry a state: an earlier one would miss what came after it.
pub fn read_last_state(dir: &Path) -> Result<Option<(String, Database)>, String> {
    let Some(last) = super::existing(dir)?.pop() else {
        return Ok(None);
    };
    let path = dir.join(&last).join(STATE_FILE);
    if !path.exists() {
        return Err(format!(
            "{} is missing, so the state {last} reaches is unknown; plan with --database-url instead",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let db = parse_state(&text, &path.display().to_string())?;
    Ok(Some((last, db)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Table};

    fn model(types: &[(&str, &str)]) -> Database {
        let mut db = Database::default();
        for (name, ty) in types {
            let mut t = Table::default();
            t.columns.insert("id".into(), Column::of_type(*ty));
            t.comment = Some("a \"quoted\"  two-space\ncomment".into());
            db.tables.insert(format!("public.{name}"), t);
        }
        db
    }

    #[test]
    fn a_state_reads_back_as_its_model() {
        let recorded = model(&[("a", "uuid"), ("b", "text")]);
        let text = render_state(&recorded).unwrap();
        assert!(text.ends_with("}\n"));
        assert_eq!(parse_state(&text, "state.json").unwrap(), recorded);
    }

    #[test]
    fn a_broken_state_is_named() {
        let text = r#"{ "tables": { "public.t": { "columns": 7 } } }"#;
        let err = parse_state(text, "state.json").unwrap_err();
        assert!(
            err.starts_with("state.json: invalid type: integer `7`, expected a map"),
            "{err}"
        );
    }
}

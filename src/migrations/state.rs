//! Offline state: each plan records, beside its last migration, the desired
//! state that migration reaches (`state.json`), so the next plan can diff
//! against it with no database.

use std::path::Path;

use crate::model::{write::sorted, Database, Shrink};

pub const STATE_FILE: &str = "state.json";

/// The model as deterministic JSON: top-level maps sorted by name, the
/// order inside objects (columns) as written. Unmanaged objects found by
/// introspection are not state: they are left out.
pub fn render_state(db: &Database) -> Result<String, String> {
    let mut db = sorted(db);
    db.unmanaged.clear();
    serde_json::to_string_pretty(&db)
        .map(|s| s + "\n")
        .map_err(|e| format!("cannot serialise the state: {e}"))
}

pub fn parse_state(text: &str, label: &str) -> Result<Database, String> {
    read_state(text.as_bytes(), label)
}

fn read_state(json: impl std::io::Read, label: &str) -> Result<Database, String> {
    let mut db: Database = serde_json::from_reader(json).map_err(|e| format!("{label}: {e}"))?;
    db.shrink();
    Ok(db)
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
    let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Read as a stream: on a large schema the whole text would be a third
    // of the model again, held while the model is built.
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    let db = read_state(reader, &path.display().to_string())?;
    Ok(Some((last, db)))
}

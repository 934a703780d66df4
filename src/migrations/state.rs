//! Offline state: each plan records, beside its last migration, the desired
//! state that migration reaches (`state.json`), so the next plan can diff
//! against it with no database.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::{par, write::sorted, Database, Shrink, Table};

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
    read_state(text.as_bytes(), label)?.into_model(None)
}

/// A recorded state as read: the tables still as JSON text. A plan's two
/// models mostly hold the same tables; parsing each recorded table only to
/// find it equal to the desired one held a second 75 MB model at 10 000
/// tables. [`Recorded::into_model`] parses only the tables that differ.
pub struct Recorded {
    label: String,
    rest: serde_json::Map<String, serde_json::Value>,
    tables: Vec<(String, Box<RawValue>)>,
}

impl<'de> Deserialize<'de> for Recorded {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Top;
        impl<'de> Visitor<'de> for Top {
            type Value = Recorded;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a recorded state (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Recorded, A::Error> {
                let mut rest = serde_json::Map::new();
                let mut tables = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "tables" {
                        let raw: IndexMap<String, Box<RawValue>> = map.next_value()?;
                        tables = raw.into_iter().collect();
                    } else {
                        rest.insert(key, map.next_value()?);
                    }
                }
                Ok(Recorded {
                    label: String::new(),
                    rest,
                    tables,
                })
            }
        }
        d.deserialize_map(Top)
    }
}

impl Recorded {
    /// The recorded model. A table whose JSON is the JSON of the desired
    /// state's table of that name is that table, shared (see
    /// `model::share`); the others are parsed.
    pub fn into_model(self, desired: Option<&Database>) -> Result<Database, String> {
        let label = &self.label;
        let mut db: Database = serde_json::from_value(serde_json::Value::Object(self.rest))
            .map_err(|e| format!("{label}: {e}"))?;
        let tables = par::map(&self.tables, |(key, raw)| -> Result<Arc<Table>, String> {
            if let Some(theirs) = desired.and_then(|d| d.tables.get(key)) {
                if same_json(theirs, raw.get()) {
                    return Ok(Arc::clone(theirs));
                }
            }
            let mut table: Table = serde_json::from_str(raw.get())
                .map_err(|e| format!("{label}: table `{key}`: {e}"))?;
            table.shrink();
            Ok(Arc::new(table))
        });
        db.tables.reserve_exact(tables.len());
        for ((key, _), table) in self.tables.into_iter().zip(tables) {
            db.tables.insert(key, table?);
        }
        db.shrink();
        Ok(db)
    }
}

/// Whether `text` (as `render_state` writes it, indented) is the JSON of
/// `table`: the same bytes once the whitespace between tokens is left out.
fn same_json(table: &Table, text: &str) -> bool {
    let Ok(compact) = serde_json::to_vec(table) else {
        return false;
    };
    let mut want = compact.iter();
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if !in_string && matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            continue;
        }
        if want.next() != Some(&b) {
            return false;
        }
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = in_string;
        } else if b == b'"' {
            in_string = !in_string;
        }
    }
    want.next().is_none()
}

fn read_state(json: impl std::io::Read, label: &str) -> Result<Recorded, String> {
    let mut state: Recorded = serde_json::from_reader(json).map_err(|e| format!("{label}: {e}"))?;
    state.label = label.to_string();
    Ok(state)
}

/// The state reached by the last migration under `dir` and its name; None
/// when there are no migrations (the empty database). The last migration
/// must carry a state: an earlier one would miss what came after it.
pub fn read_last_state(dir: &Path) -> Result<Option<(String, Recorded)>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Column;

    fn model(types: &[(&str, &str)]) -> Database {
        let mut db = Database::default();
        for (name, ty) in types {
            let mut t = Table::default();
            t.columns.insert("id".into(), Column::of_type(*ty));
            t.comment = Some("a \"quoted\"  two-space\ncomment".into());
            db.tables.insert(format!("public.{name}"), Arc::new(t));
        }
        db
    }

    #[test]
    fn equal_tables_are_taken_from_the_desired_state_and_the_rest_parsed() {
        let recorded = model(&[("a", "uuid"), ("b", "text")]);
        let desired = model(&[("a", "uuid"), ("b", "integer")]);
        let text = render_state(&recorded).unwrap();
        let back = read_state(text.as_bytes(), "state.json")
            .unwrap()
            .into_model(Some(&desired))
            .unwrap();
        assert_eq!(back, recorded);
        assert!(Arc::ptr_eq(
            &back.tables["public.a"],
            &desired.tables["public.a"]
        ));
        assert!(!Arc::ptr_eq(
            &back.tables["public.b"],
            &desired.tables["public.b"]
        ));
        assert_eq!(back.tables["public.b"].columns["id"].type_, "text");
    }

    #[test]
    fn whitespace_only_matters_inside_strings() {
        let t = &model(&[("a", "uuid")]).tables["public.a"];
        let pretty = serde_json::to_string_pretty(&**t).unwrap();
        assert!(same_json(t, &pretty));
        assert!(!same_json(t, &pretty.replace("two-space", "two - space")));
        assert!(!same_json(t, &pretty.replace("  two", " two")));
        assert!(!same_json(t, &pretty[..pretty.len() - 1]));
        assert!(!same_json(t, &format!("{pretty} ,")));
    }

    #[test]
    fn a_broken_table_is_named() {
        let text = r#"{ "tables": { "public.t": { "columns": 7 } } }"#;
        let err = read_state(text.as_bytes(), "state.json")
            .unwrap()
            .into_model(None)
            .unwrap_err();
        assert!(err.starts_with("state.json: table `public.t`:"), "{err}");
    }
}

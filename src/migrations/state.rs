//! Offline state: each plan records, beside its last migration, the desired
//! state that migration reaches (`state.json`), so the next plan can diff
//! against it with no database.

use std::fmt;
use std::path::Path;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::model::share::{unpack_tables, Packed, PackedTables};
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
    parse_recorded(text, label)?.into_model(None)
}

/// A state's text as read by `read_last_state`, its tables not parsed yet.
pub fn parse_recorded(text: &str, label: &str) -> Result<Recorded, String> {
    read_state(text.as_bytes(), label)
}

/// A recorded state as read: the tables still as JSON text, without the
/// indentation, and compressed. A plan's two models mostly hold the same
/// tables; parsing each recorded table only to find it equal to the
/// desired one held a second 75 MB model at 10 000 tables. The compact
/// text is 19 MB, held at the peak of the plan; compressed, 12 MB.
/// [`Recorded::into_model`] parses only the tables that differ.
#[derive(Deserialize)]
pub struct Recorded {
    #[serde(skip)]
    label: String,
    #[serde(default, deserialize_with = "compact_tables")]
    tables: PackedTables,
    /// Everything else, read as the model once `tables` is settled.
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// Tables by key as compact JSON text, each made compact and packed as it
/// is read.
fn compact_tables<'de, D: Deserializer<'de>>(d: D) -> Result<PackedTables, D::Error> {
    struct Tables;
    impl<'de> Visitor<'de> for Tables {
        type Value = PackedTables;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a map of tables")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((key, raw)) = map.next_entry::<String, Box<RawValue>>()? {
                out.push((key, Packed::new(compact(raw.get()).as_bytes())));
            }
            Ok(out)
        }
    }
    d.deserialize_map(Tables)
}

/// JSON text without the whitespace between its tokens.
fn compact(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in text.as_bytes() {
        if !in_string && matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            continue;
        }
        out.push(b);
        if escaped {
            escaped = false;
        } else if b == b'\\' {
            escaped = in_string;
        } else if b == b'"' {
            in_string = !in_string;
        }
    }
    // Only ASCII whitespace outside strings was left out.
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

impl Recorded {
    /// The recorded model. A table whose JSON is the JSON of the desired
    /// state's table of that name is that table, shared (see
    /// `model::share`); the others are parsed.
    pub fn into_model(self, desired: Option<&Database>) -> Result<Database, String> {
        let label = &self.label;
        let mut db: Database = serde_json::from_value(serde_json::Value::Object(self.rest))
            .map_err(|e| format!("{label}: {e}"))?;
        unpack_tables(&mut db, self.tables, desired).map_err(|e| format!("{label}: {e}"))?;
        db.shrink();
        Ok(db)
    }
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
    use std::sync::Arc;

    use super::*;
    use crate::model::{Column, Table};

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
    fn whitespace_is_left_out_only_between_tokens() {
        let t = &model(&[("a", "uuid")]).tables["public.a"];
        let pretty = serde_json::to_string_pretty(&**t).unwrap();
        assert_eq!(compact(&pretty), serde_json::to_string(&**t).unwrap());
        let odd = "{ \"a\" :\t[ \"x \\\" y\" , \"\\\\\" ]\r\n}";
        assert_eq!(compact(odd), r#"{"a":["x \" y","\\"]}"#);
    }

    #[test]
    fn a_broken_table_is_named() {
        let text = r#"{ "tables": { "public.t": { "columns": 7 } } }"#;
        let err = read_state(text.as_bytes(), "state.json")
            .unwrap()
            .into_model(None)
            .unwrap_err();
        assert_eq!(
            err,
            "state.json: table `public.t`: invalid type: integer `7`, expected a map"
        );
    }
}

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
pub fn render_state(db: &Database) -> Result<StateText, String> {
    let mut db = sorted(db);
    db.unmanaged.clear();
    let mut out = StateText::default();
    serde_json::to_writer_pretty(&mut out, &db)
        .map_err(|e| format!("cannot serialise the state: {e}"))?;
    out.push(b"\n");
    out.finish();
    Ok(out)
}

/// A `state.json` text, held compressed until it is written: at 10 000
/// tables the text is 34 MB, and rendered into one string it took 64 MB
/// (the string doubles as it grows) beside the plan and its migrations.
/// Kept in LZ4 blocks of `STATE_BLOCK` bytes of text (the last shorter),
/// whatever the sizes it was written in, so equal texts are equal values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateText {
    blocks: Vec<Packed>,
    /// Text not yet a whole block.
    tail: Vec<u8>,
}

const STATE_BLOCK: usize = 1 << 20;

impl StateText {
    fn push(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = STATE_BLOCK - self.tail.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.tail.extend_from_slice(now);
            bytes = later;
            if self.tail.len() == STATE_BLOCK {
                self.seal();
            }
        }
    }

    fn seal(&mut self) {
        self.blocks.push(Packed::new(&self.tail));
        self.tail.clear();
    }

    /// Seals the last, shorter block and lets go of the buffer.
    fn finish(&mut self) {
        if !self.tail.is_empty() {
            self.seal();
        }
        self.tail = Vec::new();
    }

    /// Writes the text to `w`, a block at a time.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        for b in &self.blocks {
            let text = b
                .json()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            w.write_all(&text)?;
        }
        w.write_all(&self.tail)
    }

    /// The whole text.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        // Writing into a Vec fails only on a block this type did not make.
        let _ = self.write_to(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

impl std::io::Write for StateText {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl From<&str> for StateText {
    fn from(text: &str) -> StateText {
        let mut out = StateText::default();
        out.push(text.as_bytes());
        out.finish();
        out
    }
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

    /// Blocks are cut at the same places whatever sizes the text comes in,
    /// so equal texts are equal values, and the text comes back whole.
    #[test]
    fn a_state_text_is_its_text_in_blocks() {
        let text: String = (0..3 * STATE_BLOCK / 10 + 7)
            .map(|i| format!("{:09}\n", i * 7919 % 1_000_003))
            .collect();
        let whole = StateText::from(text.as_str());
        assert_eq!(whole.blocks.len(), text.len().div_ceil(STATE_BLOCK));
        let mut pieces = StateText::default();
        let mut rest = text.as_bytes();
        for size in [1, 7, STATE_BLOCK - 3, 5, 2 * STATE_BLOCK].iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at((*size).min(rest.len()));
            std::io::Write::write_all(&mut pieces, now).unwrap();
            rest = later;
        }
        pieces.finish();
        assert_eq!(pieces, whole);
        assert_eq!(whole.text(), text);
        let mut written = Vec::new();
        whole.write_to(&mut written).unwrap();
        assert_eq!(written, text.as_bytes());
        assert_ne!(StateText::from("{}\n"), StateText::from("{ }\n"));
    }

    #[test]
    fn equal_tables_are_taken_from_the_desired_state_and_the_rest_parsed() {
        let recorded = model(&[("a", "uuid"), ("b", "text")]);
        let desired = model(&[("a", "uuid"), ("b", "integer")]);
        let text = render_state(&recorded).unwrap().text();
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

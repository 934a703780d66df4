//! A column: what few columns set sits behind one pointer, while the file
//! format stays one flat map (or the short form, a bare type name).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, value::MapAccessDeserializer};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::extras::{described_as, field, map, rare_fields};
use super::short::{is_true, yes};
use super::types::{Column, ColumnExtras, Grants, Identity, IdentitySequence};

rare_fields!(Column, ColumnExtras);

impl Column {
    /// A nullable column of `type_` and nothing else (`name: type`).
    pub fn of_type(type_: impl Into<String>) -> Column {
        Column {
            type_: type_.into(),
            nullable: true,
            ..Default::default()
        }
    }

    /// Says nothing but its type: written in the short form.
    fn is_bare(&self) -> bool {
        self.nullable
            && self.default.is_none()
            && self.identity.is_none()
            && self.extras().is_empty()
    }
}

/// Equal when they say the same: an empty box of extras is no extras.
impl PartialEq for Column {
    fn eq(&self, other: &Column) -> bool {
        self.type_ == other.type_
            && self.nullable == other.nullable
            && self.default == other.default
            && self.identity == other.identity
            && self.extras() == other.extras()
    }
}

// The column as the format spells it: read, and described in the JSON
// Schema, in place of `Column`. Its attributes are those the derived impls
// of the flat struct had, so the schema stays as it was.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Column", transform = super::short::or_string)]
struct ColumnDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<String>,
    #[serde(rename = "type")]
    type_: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Identity>,
    /// The identity column's sequence, when its name, options or grants
    /// differ from what `GENERATED ... AS IDENTITY` creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    identity_sequence: Option<IdentitySequence>,
    /// Expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(skip_serializing_if = "Option::is_none")]
    generated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    /// Column-level privileges: role -> `select` / `insert` / `update` / `references`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    grants: Grants,
    /// Statistics target (`ALTER COLUMN ... SET STATISTICS n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    statistics: Option<i32>,
}

impl From<ColumnDef> for Column {
    fn from(d: ColumnDef) -> Column {
        let c = Column {
            type_: d.type_,
            nullable: d.nullable,
            default: d.default,
            identity: d.identity,
            extras: None,
        };
        c.with_extras(ColumnExtras {
            renamed_from: d.renamed_from,
            identity_sequence: d.identity_sequence,
            generated: d.generated,
            collation: d.collation,
            comment: d.comment,
            grants: d.grants,
            statistics: d.statistics,
        })
    }
}

described_as!(Column, ColumnDef);

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a type name or a column map")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Column, E> {
                Ok(Column::of_type(s))
            }
            fn visit_map<M: de::MapAccess<'de>>(self, m: M) -> Result<Column, M::Error> {
                ColumnDef::deserialize(MapAccessDeserializer::new(m)).map(Column::from)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_bare() {
            return s.serialize_str(&self.type_);
        }
        let e = self.extras();
        let mut m = s.serialize_struct("Column", 11)?;
        field(&mut m, "renamed_from", &e.renamed_from)?;
        m.serialize_field("type", &self.type_)?;
        if is_true(&self.nullable) {
            m.skip_field("nullable")?;
        } else {
            m.serialize_field("nullable", &self.nullable)?;
        }
        field(&mut m, "default", &self.default)?;
        field(&mut m, "identity", &self.identity)?;
        field(&mut m, "identity_sequence", &e.identity_sequence)?;
        field(&mut m, "generated", &e.generated)?;
        field(&mut m, "collation", &e.collation)?;
        field(&mut m, "comment", &e.comment)?;
        map(&mut m, "grants", &e.grants)?;
        field(&mut m, "statistics", &e.statistics)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Column {
        let mut c = Column {
            type_: "integer".into(),
            nullable: false,
            default: None,
            identity: Some(Identity::Always),
            extras: None,
        };
        let mut grants = Grants::new();
        grants.insert("app".into(), vec!["select".into()]);
        *c.extras_mut() = ColumnExtras {
            renamed_from: Some("old".into()),
            identity_sequence: Some(IdentitySequence {
                name: Some("s".into()),
                ..Default::default()
            }),
            generated: Some("1 + 1".into()),
            collation: Some("C".into()),
            comment: Some("a column".into()),
            grants,
            statistics: Some(100),
        };
        c
    }

    #[test]
    fn every_field_round_trips_in_the_order_written() {
        let c = full();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"renamed_from":"old","type":"integer","nullable":false,"identity":"always","identity_sequence":{"name":"s"},"generated":"1 + 1","collation":"C","comment":"a column","grants":{"app":["select"]},"statistics":100}"#
        );
        assert_eq!(serde_json::from_str::<Column>(&json).unwrap(), c);
    }

    #[test]
    fn a_bare_column_is_its_type_and_empty_extras_are_none() {
        let c = Column::of_type("text");
        assert_eq!(serde_json::to_string(&c).unwrap(), r#""text""#);
        let read: Column = serde_json::from_str(r#"{"type": "text"}"#).unwrap();
        assert_eq!(read, c);
        assert!(read.extras.is_none());
        let mut touched = c.clone();
        touched.extras_mut();
        assert_eq!(touched, c);
        touched.tidy();
        assert!(touched.extras.is_none());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<Column>(r#"{"type": "text", "nulable": false}"#);
        assert!(err.unwrap_err().to_string().contains("nulable"));
    }
}

//! Short forms of the desired-state format: `name: text` for a column,
//! `primary_key: [id]`, `unique: { k: [a, b] }`, `checks: { c: "x > 0" }`,
//! index columns as plain names. The long map form always works too; output
//! uses the short form whenever it says everything.

use serde::de::{self, value::MapAccessDeserializer, value::SeqAccessDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::types::{Check, Column, EnumValue, IndexElem, PrimaryKey, Unique};

pub fn yes() -> bool {
    true
}
pub fn is_true(b: &bool) -> bool {
    *b
}
pub fn is_false(b: &bool) -> bool {
    !*b
}

/// JSON Schema: the long form, or a string.
pub fn or_string(schema: &mut schemars::Schema) {
    either(schema, serde_json::json!({ "type": "string" }));
}

/// JSON Schema: the long form, or a list of column names.
pub fn or_array(schema: &mut schemars::Schema) {
    either(
        schema,
        serde_json::json!({ "type": "array", "items": { "type": "string" } }),
    );
}

fn either(schema: &mut schemars::Schema, short: serde_json::Value) {
    let long = schema.clone().to_value();
    let description = long.get("description").cloned();
    let mut any = serde_json::json!({ "anyOf": [short, long] });
    if let Some(d) = description {
        any["description"] = d;
    }
    *schema = schemars::Schema::try_from(any).expect("anyOf is an object");
}

/// Implements Deserialize (short or long form) and Serialize (short when it
/// says everything) for a type whose derived impls are `remote = "Self"`.
macro_rules! short_form {
    ($ty:ident, $expecting:literal, str: |$s:ident| $from_str:expr, to_str: |$v:ident| $to_str:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, $s: &str) -> Result<$ty, E> {
                        Ok($from_str)
                    }
                    fn visit_map<M: de::MapAccess<'de>>(self, m: M) -> Result<$ty, M::Error> {
                        $ty::deserialize(MapAccessDeserializer::new(m))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let $v = self;
                match $to_str {
                    Some(short) => s.serialize_str(short),
                    None => $ty::serialize(self, s),
                }
            }
        }
    };
    ($ty:ident, $expecting:literal, seq, to_seq: |$v:ident| $to_seq:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_seq<A: de::SeqAccess<'de>>(self, a: A) -> Result<$ty, A::Error> {
                        let columns = Vec::<String>::deserialize(SeqAccessDeserializer::new(a))?;
                        Ok($ty {
                            columns,
                            ..Default::default()
                        })
                    }
                    fn visit_map<M: de::MapAccess<'de>>(self, m: M) -> Result<$ty, M::Error> {
                        $ty::deserialize(MapAccessDeserializer::new(m))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let $v = self;
                if $to_seq {
                    self.columns.serialize(s)
                } else {
                    $ty::serialize(self, s)
                }
            }
        }
    };
}

short_form!(Column, "a type name or a column map",
str: |s| Column::of_type(s),
to_str: |c| (*c == Column::of_type(c.type_.as_str())).then_some(c.type_.as_str()));

short_form!(Check, "a CHECK expression or a check map",
str: |s| Check { expression: s.to_string(), ..Default::default() },
to_str: |c| {
    let bare = Check { expression: c.expression.clone(), ..Default::default() };
    (*c == bare).then_some(c.expression.as_str())
});

short_form!(IndexElem, "a column name or an index element map",
str: |s| IndexElem { column: Some(s.to_string()), ..Default::default() },
to_str: |e| {
    let bare = IndexElem { column: e.column.clone(), ..Default::default() };
    if *e == bare { e.column.as_deref() } else { None }
});

short_form!(EnumValue, "a label or an enum value map",
str: |s| EnumValue::from(s),
to_str: |v| v.renamed_from.is_none().then_some(v.name.as_str()));

short_form!(PrimaryKey, "a list of columns or a primary key map", seq,
    to_seq: |k| *k == PrimaryKey { columns: k.columns.clone(), ..Default::default() });

short_form!(Unique, "a list of columns or a unique constraint map", seq,
    to_seq: |k| *k == Unique { columns: k.columns.clone(), ..Default::default() });

#[cfg(test)]
mod tests {
    use crate::model::{
        Column, Compression, Identity, IdentitySequence, Index, IndexElem, Storage, Table,
    };

    #[test]
    fn a_column_round_trips_in_the_order_written() {
        let mut c = Column {
            renamed_from: Some("old".into()),
            type_: "integer".into(),
            identity: Some(Identity::Always),
            identity_sequence: Some(IdentitySequence {
                name: Some("s".into()),
                ..Default::default()
            }),
            generated: Some("1 + 1".into()),
            collation: Some("C".into()),
            comment: Some("a column".into()),
            statistics: Some(100),
            storage: Some(Storage::External),
            compression: Some(Compression::Pglz),
            ..Default::default()
        };
        c.grants.insert("app".into(), vec!["select".into()]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"renamed_from":"old","type":"integer","nullable":false,"identity":"always","identity_sequence":{"name":"s"},"generated":"1 + 1","collation":"C","comment":"a column","grants":{"app":["select"]},"statistics":100,"storage":"external","compression":"pglz"}"#
        );
        assert_eq!(serde_json::from_str::<Column>(&json).unwrap(), c);
    }

    #[test]
    fn a_bare_column_is_its_type() {
        let c = Column::of_type("text");
        assert_eq!(serde_json::to_string(&c).unwrap(), r#""text""#);
        assert_eq!(serde_json::from_str::<Column>(r#""text""#).unwrap(), c);
        let read: Column = serde_json::from_str(r#"{"type": "text"}"#).unwrap();
        assert_eq!(read, c);
        let not_null = Column {
            nullable: false,
            ..c
        };
        assert_eq!(
            serde_json::to_string(&not_null).unwrap(),
            r#"{"type":"text","nullable":false}"#
        );
    }

    #[test]
    fn an_index_round_trips_in_the_order_written() {
        let mut ix = Index {
            renamed_from: Some("old".into()),
            unique: true,
            method: Some("gin".into()),
            columns: vec![IndexElem {
                column: Some("a".into()),
                ..Default::default()
            }],
            include: vec!["b".into()],
            where_: Some("a > 0".into()),
            nulls_not_distinct: true,
            comment: Some("an index".into()),
            ..Default::default()
        };
        ix.options.insert("fastupdate".into(), "off".into());
        let json = serde_json::to_string(&ix).unwrap();
        assert_eq!(
            json,
            r#"{"renamed_from":"old","unique":true,"method":"gin","columns":["a"],"include":["b"],"where":"a > 0","nulls_not_distinct":true,"options":{"fastupdate":"off"},"comment":"an index"}"#
        );
        assert_eq!(serde_json::from_str::<Index>(&json).unwrap(), ix);
    }

    #[test]
    fn a_table_round_trips_in_the_order_written() {
        let json = r#"{"renamed_from":"old","owner":"app","comment":"c","unlogged":true,"columns":{"id":"integer"},"primary_key":["id"],"unique":{"u":["id"]},"foreign_keys":{"f":{"columns":["id"],"references":"public.p(id)"}},"checks":{"k":"id > 0"},"exclusions":{"x":{"definition":"USING gist (id WITH =)"}},"indexes":{"i":{"columns":["id"]}},"partition_by":"RANGE (id)","partition_of":{"parent":"public.p","bound":"DEFAULT"},"row_level_security":{"enabled":true},"policies":{"p":{"using":"true"}},"triggers":{"t":{"timing":"before","events":["update"],"for_each":"row","function":"public.f"}},"grants":{"app":["select"]},"options":{"fillfactor":"70"},"replica_identity":"full"}"#;
        let t: Table = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), json);
        let plain: Table = serde_json::from_str(r#"{"columns": {"id": "integer"}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"columns":{"id":"integer"}}"#
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<Column>(r#"{"type": "text", "nulable": false}"#);
        assert!(err.unwrap_err().to_string().contains("nulable"));
        let err = serde_json::from_str::<Index>(r#"{"columns": ["a"], "uniqe": true}"#);
        assert!(err.unwrap_err().to_string().contains("uniqe"));
        let err = serde_json::from_str::<Table>(r#"{"columns": {}, "unloged": true}"#);
        assert!(err.unwrap_err().to_string().contains("unloged"));
    }

    #[test]
    fn an_enum_value_is_its_label_unless_renamed() {
        let e: crate::model::EnumType =
            serde_json::from_str(r#"{"values":["sad",{"name":"fine","renamed_from":"ok"}]}"#)
                .unwrap();
        assert_eq!(e.values[0], "sad".into());
        assert_eq!(e.values[1].renamed_from.as_deref(), Some("ok"));
        assert_eq!(
            serde_json::to_string(&e.values).unwrap(),
            r#"["sad",{"name":"fine","renamed_from":"ok"}]"#
        );
        let err = serde_json::from_str::<crate::model::EnumValue>(r#"{"nam": "x"}"#);
        assert!(err.unwrap_err().to_string().contains("nam"));
    }
}

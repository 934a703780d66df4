//! Short forms of the desired-state format: `name: text` for a column,
//! `primary_key: [id]`, `unique: { k: [a, b] }`, `checks: { c: "x > 0" }`,
//! index columns as plain names. The long map form always works too; output
//! uses the short form whenever it says everything.

use serde::de::{self, value::MapAccessDeserializer, value::SeqAccessDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::types::{Check, IndexElem, PrimaryKey, Unique};

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

short_form!(PrimaryKey, "a list of columns or a primary key map", seq,
    to_seq: |k| *k == PrimaryKey { columns: k.columns.clone(), ..Default::default() });

short_form!(Unique, "a list of columns or a unique constraint map", seq,
    to_seq: |k| *k == Unique { columns: k.columns.clone(), ..Default::default() });

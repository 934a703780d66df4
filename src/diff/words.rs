//! The words an object's definition is made of, read straight from its
//! serde form: every string and map key it holds, cut into identifier-like
//! runs and interned. Field names and enum keywords are the format's, not
//! the schema's, and are left out.
//!
//! Reading through `Serialize` means nothing a model type holds can be
//! missed, as writing it out as JSON and cutting that would also ensure,
//! but without writing the JSON.

use std::collections::HashMap;
use std::fmt;

use serde::ser::{self, Serialize};

/// Interned lower-case tokens: thousands of tables spell the same column
/// names and types.
#[derive(Default)]
pub(crate) struct Words {
    // A fast hash: millions of lookups of short words, all from the
    // user's own schema (nothing to defend against).
    pub ids: HashMap<String, u32, foldhash::fast::RandomState>,
}

impl Words {
    pub fn intern(&mut self, word: String) -> u32 {
        let next = self.ids.len() as u32;
        *self.ids.entry(word).or_insert(next)
    }

    fn push_ids(&mut self, text: &str, out: &mut Vec<u32>) {
        for t in words(text) {
            let id = match self.ids.get(t) {
                Some(&id) => id,
                None => self.intern(t.to_lowercase()),
            };
            out.push(id);
        }
    }

    /// The words of `value`, and apart those under any field named
    /// `split_off` (a table's foreign keys), each sorted and deduplicated.
    pub fn of<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        split_off: &str,
    ) -> Option<(Vec<u32>, Vec<u32>)> {
        let mut c = Collect {
            words: self,
            split_off,
            own: Vec::new(),
            apart: Vec::new(),
            in_apart: false,
        };
        value.serialize(&mut c).ok()?;
        Some((dedup(c.own), dedup(c.apart)))
    }
}

fn dedup(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Identifier-like runs of `text`.
pub(crate) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
}

struct Collect<'w, 's> {
    words: &'w mut Words,
    split_off: &'s str,
    own: Vec<u32>,
    apart: Vec<u32>,
    in_apart: bool,
}

impl Collect<'_, '_> {
    fn text(&mut self, text: &str) {
        let out = if self.in_apart {
            &mut self.apart
        } else {
            &mut self.own
        };
        self.words.push_ids(text, out);
    }
}

/// Never raised by the collector; serde needs an error type.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Refused(msg.to_string())
    }
}

type Done = Result<(), Refused>;

/// Serializer methods for values that hold no words.
macro_rules! ignored {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, _: $ty) -> Done {
            Ok(())
        })*
    };
}

/// Compound serializers whose elements are read one after the other.
macro_rules! each_element {
    ($($kind:ident::$method:ident),* $(,)?) => {
        $(impl ser::$kind for &mut Collect<'_, '_> {
            type Ok = ();
            type Error = Refused;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Done {
                v.serialize(&mut **self)
            }
            fn end(self) -> Done {
                Ok(())
            }
        })*
    };
}

impl ser::Serializer for &mut Collect<'_, '_> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    ignored!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_f32: f32,
        serialize_f64: f64,
        serialize_bytes: &[u8],
    );
    fn serialize_char(self, c: char) -> Done {
        self.text(c.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Done {
        self.text(v);
        Ok(())
    }
    fn serialize_none(self) -> Done {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Done {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Done {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Done {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Done {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Done {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Refused> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Refused> {
        Ok(self)
    }
}

each_element!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field,
);

impl ser::SerializeMap for &mut Collect<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Done {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Done {
        v.serialize(&mut **self)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Collect<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, name: &'static str, v: &T) -> Done {
        if name != self.split_off || self.in_apart {
            return v.serialize(&mut **self);
        }
        self.in_apart = true;
        let done = v.serialize(&mut **self);
        self.in_apart = false;
        done
    }
    fn end(self) -> Done {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Collect<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, v: &T) -> Done {
        v.serialize(&mut **self)
    }
    fn end(self) -> Done {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::table;
    use crate::model::ForeignKey;

    fn spelled(w: &Words, ids: &[u32]) -> Vec<String> {
        let mut out: Vec<String> = ids
            .iter()
            .map(|id| w.ids.iter().find(|(_, v)| *v == id).unwrap().0.clone())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn strings_and_keys_count_field_names_and_keywords_do_not() {
        let mut t = table(&[("Owner_Id", "uuid")]);
        t.comment = Some("Line one\nsecond line: auth.uid()".into());
        t.foreign_keys.insert(
            "t_owner_fkey".into(),
            ForeignKey {
                columns: vec!["Owner_Id".into()],
                references: "auth.users(id)".into(),
                on_delete: crate::model::FkAction::Cascade,
                ..Default::default()
            },
        );
        let mut w = Words::default();
        let (own, apart) = w.of(&t, "foreign_keys").unwrap();
        assert_eq!(
            spelled(&w, &own),
            ["auth", "line", "one", "owner_id", "second", "uid", "uuid"]
        );
        assert_eq!(
            spelled(&w, &apart),
            ["auth", "id", "owner_id", "t_owner_fkey", "users"]
        );
    }

    #[test]
    fn words_are_identifier_runs() {
        let got: Vec<&str> = words("a.b(c_d, $1)::text[]\"Ünï\"").collect();
        assert_eq!(got, ["a", "b", "c_d", "$1", "text", "Ünï"]);
    }
}

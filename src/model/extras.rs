//! What columns, indexes and tables share: the attributes few of them set
//! sit behind one pointer (`extras`), empty when nothing in it is set,
//! while the file format stays one flat map written field by field.
//!
//! Each type is read, and described in the JSON Schema, through a flat
//! struct "as the file spells it" (`ColumnDef`, `IndexDef`, `TableDef`)
//! that keeps the attributes, doc comments and field order the derived
//! impls had, so the format and the schema stay as they were; it is
//! written field by field in that same order.

use indexmap::IndexMap;
use serde::ser::SerializeStruct;
use serde::Serialize;

/// For `$ty` with `extras: Option<Box<$extras>>`: `extras()`,
/// `extras_mut()`, `with_extras()`, `tidy()` and `$extras::is_empty()`.
macro_rules! rare_fields {
    ($ty:ty, $extras:ty) => {
        /// What one without extras reads as.
        static NO_EXTRAS: std::sync::LazyLock<$extras> =
            std::sync::LazyLock::new(<$extras>::default);

        impl $ty {
            /// The rarely set attributes; all unset when there are none.
            pub fn extras(&self) -> &$extras {
                self.extras.as_deref().unwrap_or(&NO_EXTRAS)
            }

            /// The rarely set attributes, to change them.
            pub fn extras_mut(&mut self) -> &mut $extras {
                self.extras.get_or_insert_with(Default::default)
            }

            /// This with `extras`, boxed only when something in them is set.
            pub fn with_extras(mut self, extras: $extras) -> Self {
                self.extras = (!extras.is_empty()).then(|| Box::new(extras));
                self
            }

            /// Drops the extras' box when nothing in it is set.
            pub fn tidy(&mut self) {
                if self.extras.as_deref() == Some(&NO_EXTRAS) {
                    self.extras = None;
                }
            }
        }

        impl $extras {
            pub fn is_empty(&self) -> bool {
                *self == *NO_EXTRAS
            }
        }
    };
}
pub(crate) use rare_fields;

/// `$ty`'s JSON Schema is that of `$def`, the flat form the file spells.
macro_rules! described_as {
    ($ty:ty, $def:ty) => {
        impl schemars::JsonSchema for $ty {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                <$def>::schema_name()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <$def>::json_schema(generator)
            }
        }
    };
}
pub(crate) use described_as;

/// `$ty` is read as `$def` and made from it (`From`), and described as it.
macro_rules! read_as {
    ($ty:ty, $def:ty) => {
        $crate::model::extras::described_as!($ty, $def);

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$def>::deserialize(d).map(<$ty>::from)
            }
        }
    };
}
pub(crate) use read_as;

/// An optional field: written when set.
pub fn field<M: SerializeStruct, T: Serialize>(
    m: &mut M,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_field(name, v),
        None => m.skip_field(name),
    }
}

/// A flag: written when set.
pub fn flag<M: SerializeStruct>(
    m: &mut M,
    name: &'static str,
    value: bool,
) -> Result<(), M::Error> {
    match value {
        true => m.serialize_field(name, &value),
        false => m.skip_field(name),
    }
}

/// A map: written when not empty.
pub fn map<M: SerializeStruct, V: Serialize>(
    m: &mut M,
    name: &'static str,
    value: &IndexMap<String, V>,
) -> Result<(), M::Error> {
    match value.is_empty() {
        true => m.skip_field(name),
        false => m.serialize_field(name, value),
    }
}

//! An index: what few indexes set sits behind one pointer, while the file
//! format stays one flat map (as for a column, see `model::column`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::extras::{field, flag, map, rare_fields, read_as};
use super::short::is_false;
use super::types::{Index, IndexElem, IndexExtras};

rare_fields!(Index, IndexExtras);

/// Equal when they say the same: an empty box of extras is no extras.
impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        self.unique == other.unique
            && self.nulls_not_distinct == other.nulls_not_distinct
            && self.method == other.method
            && self.columns == other.columns
            && self.where_ == other.where_
            && self.extras() == other.extras()
    }
}

// The index as the file spells it (see `model::extras`).
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Index")]
struct IndexDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    unique: bool,
    /// `btree` (default), `hash`, `gin`, `gist`, `brin`, `spgist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    /// Key columns: a column name, or `{ column | expression, opclass, order, nulls, collation }`.
    columns: Vec<IndexElem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    include: Vec<String>,
    /// Partial index predicate.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    where_: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    nulls_not_distinct: bool,
    /// Storage parameters (`WITH (fastupdate = off)`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    options: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

impl From<IndexDef> for Index {
    fn from(d: IndexDef) -> Index {
        let ix = Index {
            unique: d.unique,
            nulls_not_distinct: d.nulls_not_distinct,
            method: d.method,
            columns: d.columns,
            where_: d.where_,
            extras: None,
        };
        ix.with_extras(IndexExtras {
            renamed_from: d.renamed_from,
            include: d.include,
            options: d.options,
            comment: d.comment,
        })
    }
}

read_as!(Index, IndexDef);

impl Serialize for Index {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.extras();
        let mut m = s.serialize_struct("Index", 9)?;
        field(&mut m, "renamed_from", &e.renamed_from)?;
        flag(&mut m, "unique", self.unique)?;
        field(&mut m, "method", &self.method)?;
        m.serialize_field("columns", &self.columns)?;
        match e.include.is_empty() {
            true => m.skip_field("include")?,
            false => m.serialize_field("include", &e.include)?,
        }
        field(&mut m, "where", &self.where_)?;
        flag(&mut m, "nulls_not_distinct", self.nulls_not_distinct)?;
        map(&mut m, "options", &e.options)?;
        field(&mut m, "comment", &e.comment)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Index {
        let mut options = IndexMap::new();
        options.insert("fastupdate".into(), "off".into());
        Index {
            unique: true,
            nulls_not_distinct: true,
            method: Some("gin".into()),
            columns: vec![IndexElem {
                column: Some("a".into()),
                ..Default::default()
            }],
            where_: Some("a > 0".into()),
            extras: None,
        }
        .with_extras(IndexExtras {
            renamed_from: Some("old".into()),
            include: vec!["b".into()],
            options,
            comment: Some("an index".into()),
        })
    }

    #[test]
    fn every_field_round_trips_in_the_order_written() {
        let ix = full();
        let json = serde_json::to_string(&ix).unwrap();
        assert_eq!(
            json,
            r#"{"renamed_from":"old","unique":true,"method":"gin","columns":["a"],"include":["b"],"where":"a > 0","nulls_not_distinct":true,"options":{"fastupdate":"off"},"comment":"an index"}"#
        );
        assert_eq!(serde_json::from_str::<Index>(&json).unwrap(), ix);
    }

    #[test]
    fn a_plain_index_has_no_extras_and_empty_extras_are_none() {
        let read: Index = serde_json::from_str(r#"{"columns": ["a"]}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"columns":["a"]}"#
        );
        assert!(read.extras.is_none());
        let mut touched = read.clone();
        touched.extras_mut();
        assert_eq!(touched, read);
        touched.tidy();
        assert!(touched.extras.is_none());
    }

    #[test]
    fn unknown_fields_are_refused() {
        let err = serde_json::from_str::<Index>(r#"{"columns": ["a"], "uniqe": true}"#);
        assert!(err.unwrap_err().to_string().contains("uniqe"));
    }
}

//! A table: what few tables set sits behind one pointer, while the file
//! format stays one flat map (as for a column, see `model::column`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::extras::{field, flag, map, rare_fields, read_as};
use super::short::is_false;
use super::types::{
    Check, Column, Exclusion, ForeignKey, Grants, Index, PartitionOf, Policy, PrimaryKey,
    RowLevelSecurity, Table, TableExtras, Trigger, Unique,
};

rare_fields!(Table, TableExtras);

/// Equal when they say the same: an empty box of extras is no extras.
impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.owner == other.owner
            && self.comment == other.comment
            && self.columns == other.columns
            && self.primary_key == other.primary_key
            && self.unique == other.unique
            && self.foreign_keys == other.foreign_keys
            && self.checks == other.checks
            && self.indexes == other.indexes
            && self.row_level_security == other.row_level_security
            && self.policies == other.policies
            && self.triggers == other.triggers
            && self.grants == other.grants
            && self.extras() == other.extras()
    }
}

// The table as the file spells it (see `model::extras`).
#[derive(Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(rename = "Table")]
struct TableDef {
    /// The table's previous name, to rename instead of drop and create.
    #[serde(skip_serializing_if = "Option::is_none")]
    renamed_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    unlogged: bool,
    /// Column name -> column. A bare string is the column's type.
    columns: IndexMap<String, Column>,
    /// `[col, ...]` or `{ name, columns }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    primary_key: Option<PrimaryKey>,
    /// Constraint name -> `[col, ...]` or `{ columns, ... }`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    unique: IndexMap<String, Unique>,
    /// Constraint name -> foreign key.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    foreign_keys: IndexMap<String, ForeignKey>,
    /// Constraint name -> CHECK expression or `{ expression, ... }`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    checks: IndexMap<String, Check>,
    /// Constraint name -> exclusion constraint.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    exclusions: IndexMap<String, Exclusion>,
    /// Index name -> index.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    indexes: IndexMap<String, Index>,
    /// Partition key of a partitioned table, e.g. `RANGE (created_at)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    partition_by: Option<String>,
    /// This table is a partition of another.
    #[serde(skip_serializing_if = "Option::is_none")]
    partition_of: Option<PartitionOf>,
    #[serde(skip_serializing_if = "RowLevelSecurity::is_off")]
    row_level_security: RowLevelSecurity,
    /// Policy name -> policy.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    policies: IndexMap<String, Policy>,
    /// Trigger name -> trigger.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    triggers: IndexMap<String, Trigger>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    grants: Grants,
    /// Storage parameters (`WITH (fillfactor = 70)`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    options: IndexMap<String, String>,
    /// `full`, `nothing`, or `index <name>`; omitted for the default (primary key).
    #[serde(skip_serializing_if = "Option::is_none")]
    replica_identity: Option<String>,
}

impl From<TableDef> for Table {
    fn from(d: TableDef) -> Table {
        let t = Table {
            owner: d.owner,
            comment: d.comment,
            columns: d.columns,
            primary_key: d.primary_key,
            unique: d.unique,
            foreign_keys: d.foreign_keys,
            checks: d.checks,
            indexes: d.indexes,
            row_level_security: d.row_level_security,
            policies: d.policies,
            triggers: d.triggers,
            grants: d.grants,
            extras: None,
        };
        t.with_extras(TableExtras {
            renamed_from: d.renamed_from,
            unlogged: d.unlogged,
            exclusions: d.exclusions,
            partition_by: d.partition_by,
            partition_of: d.partition_of,
            options: d.options,
            replica_identity: d.replica_identity,
        })
    }
}

read_as!(Table, TableDef);

impl Serialize for Table {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.extras();
        let mut m = s.serialize_struct("Table", 19)?;
        field(&mut m, "renamed_from", &e.renamed_from)?;
        field(&mut m, "owner", &self.owner)?;
        field(&mut m, "comment", &self.comment)?;
        flag(&mut m, "unlogged", e.unlogged)?;
        m.serialize_field("columns", &self.columns)?;
        field(&mut m, "primary_key", &self.primary_key)?;
        map(&mut m, "unique", &self.unique)?;
        map(&mut m, "foreign_keys", &self.foreign_keys)?;
        map(&mut m, "checks", &self.checks)?;
        map(&mut m, "exclusions", &e.exclusions)?;
        map(&mut m, "indexes", &self.indexes)?;
        field(&mut m, "partition_by", &e.partition_by)?;
        field(&mut m, "partition_of", &e.partition_of)?;
        match self.row_level_security.is_off() {
            true => m.skip_field("row_level_security")?,
            false => m.serialize_field("row_level_security", &self.row_level_security)?,
        }
        map(&mut m, "policies", &self.policies)?;
        map(&mut m, "triggers", &self.triggers)?;
        map(&mut m, "grants", &self.grants)?;
        map(&mut m, "options", &e.options)?;
        field(&mut m, "replica_identity", &e.replica_identity)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_in_the_order_written() {
        let json = r#"{"renamed_from":"old","owner":"app","comment":"c","unlogged":true,"columns":{"id":"integer"},"primary_key":["id"],"unique":{"u":["id"]},"foreign_keys":{"f":{"columns":["id"],"references":"public.p(id)"}},"checks":{"k":"id > 0"},"exclusions":{"x":{"definition":"USING gist (id WITH =)"}},"indexes":{"i":{"columns":["id"]}},"partition_by":"RANGE (id)","partition_of":{"parent":"public.p","bound":"DEFAULT"},"row_level_security":{"enabled":true},"policies":{"p":{"using":"true"}},"triggers":{"t":{"timing":"before","events":["update"],"for_each":"row","function":"public.f"}},"grants":{"app":["select"]},"options":{"fillfactor":"70"},"replica_identity":"full"}"#;
        let t: Table = serde_json::from_str(json).unwrap();
        assert!(t.extras.is_some());
        assert_eq!(serde_json::to_string(&t).unwrap(), json);
    }

    #[test]
    fn a_plain_table_has_no_extras_and_empty_extras_are_none() {
        let read: Table = serde_json::from_str(r#"{"columns": {"id": "integer"}}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"columns":{"id":"integer"}}"#
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
        let err = serde_json::from_str::<Table>(r#"{"columns": {}, "unloged": true}"#);
        assert!(err.unwrap_err().to_string().contains("unloged"));
    }
}

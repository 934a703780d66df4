//! The one set of types that describes a database schema.
//!
//! Desired state (loaded from files) and actual state (introspected) are both
//! a [`Database`]. Object maps are keyed by canonical names (see
//! [`crate::model::name`]): `schema.name` for relations and types,
//! `schema.name(arg types)` for functions. Maps are `IndexMap`s so output
//! order is stable; `Database::sort` puts every map in name order.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::name::QualifiedName;
use super::short::{is_false, is_true, yes};

/// Role name -> privileges, e.g. `{ authenticated: [select, insert] }`.
/// A privilege may carry ` with grant option`. The owner holds every
/// privilege unless it is named: then it holds what is listed (`[]`:
/// none). `current_user` names the applying role, the owner when `owner`
/// is omitted.
pub type Grants = IndexMap<String, Vec<String>>;

/// A whole database schema: the desired state, or what a database holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// Schemas (namespaces). `public` need not be declared.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub schemas: IndexMap<String, SchemaDef>,
    /// Extensions by name.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extensions: IndexMap<String, Extension>,
    /// Collations by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub collations: IndexMap<String, Collation>,
    /// Text search configurations by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub text_search_configurations: IndexMap<String, TextSearchConfiguration>,
    /// Enum types by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub enums: IndexMap<String, EnumType>,
    /// Domains by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub domains: IndexMap<String, Domain>,
    /// Composite types by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub composite_types: IndexMap<String, CompositeType>,
    /// Range types by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub range_types: IndexMap<String, RangeType>,
    /// Free-standing sequences (serial sequences included; identity sequences are part of their column).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub sequences: IndexMap<String, Sequence>,
    /// Tables by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub tables: IndexMap<String, Table>,
    /// Views and materialized views by `schema.name`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub views: IndexMap<String, View>,
    /// Functions and procedures by `schema.name(argument types)`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub functions: IndexMap<String, Function>,
    /// Aggregates by `schema.name(argument types)`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub aggregates: IndexMap<String, Aggregate>,
    /// `ALTER DEFAULT PRIVILEGES` entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub default_privileges: Vec<DefaultPrivilege>,
    /// Publications (logical replication, Supabase Realtime) by name.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub publications: IndexMap<String, Publication>,
    /// Objects that exist but are managed elsewhere (e.g. `auth.users`,
    /// `auth.uid()`): they may be referenced, and are never created or dropped.
    /// An external table may still have an entry under `tables` holding
    /// the policies and triggers this schema puts on it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external: Vec<String>,
    /// Drops that are intended: `schema.table` or `schema.table.column`.
    /// `reconcile plan` refuses destructive steps unless the object is named
    /// here (or `--allow-destructive` is given).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_drop: Vec<String>,
    /// Objects found in a database that the model does not cover. Filled by
    /// introspection only; never part of the desired state.
    #[serde(skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    #[schemars(skip)]
    pub unmanaged: Vec<Unmanaged>,
    /// What existing objects depend on, read from pg_depend by
    /// introspection. Never written, never compared (see `depends`).
    #[serde(skip)]
    #[schemars(skip)]
    pub depends: super::depends::CatalogDeps,
    /// The server a model was read from. Never written, never compared.
    #[serde(skip)]
    #[schemars(skip)]
    pub server: super::version::Server,
    /// The versions each installed extension can be updated to and from,
    /// read by introspection. Never written, never compared.
    #[serde(skip)]
    #[schemars(skip)]
    pub extension_versions: ExtensionVersions,
}

/// Installed extensions' versions as the server knows them, by extension
/// name. Empty for a desired state: a plan from files knows no update
/// paths.
#[derive(Debug, Clone, Default)]
pub struct ExtensionVersions(pub IndexMap<String, InstalledVersions>);

impl PartialEq for ExtensionVersions {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One installed extension's versions.
#[derive(Debug, Clone, Default)]
pub struct InstalledVersions {
    /// The control file's default version, when the server has one.
    pub default: Option<String>,
    pub installed: String,
    /// Versions the installed one has an update path to.
    pub updates_to: Vec<String>,
    /// Versions that have an update path to the installed one.
    pub updates_from: Vec<String>,
}

/// An object the model does not cover, reported instead of dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
pub struct Unmanaged {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SchemaDef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Role -> `usage` / `create`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Extension {
    /// Schema the extension's objects live in (default: `public`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Pinned version; omitted means the default version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A text search configuration: a parser and, for each of its token
/// types, the dictionaries consulted in turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TextSearchConfiguration {
    /// The parser: `default` (PostgreSQL's) unless another is named.
    pub parser: String,
    /// Token type (`asciiword`, `word`, ...) -> dictionaries, in order
    /// (`simple`, `public.unaccent`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub mappings: IndexMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Default for TextSearchConfiguration {
    fn default() -> Self {
        TextSearchConfiguration {
            parser: "default".into(),
            mappings: IndexMap::new(),
            owner: None,
            comment: None,
        }
    }
}

/// A collation (`CREATE COLLATION`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Collation {
    /// `libc` (the default), `icu` or `builtin` (PostgreSQL 17+).
    pub provider: String,
    /// The locale; for `libc`, both LC_COLLATE and LC_CTYPE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `libc` only, when it differs from `lc_ctype`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lc_collate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lc_ctype: Option<String>,
    /// False for a nondeterministic collation (`icu`): strings equal
    /// under it may differ in bytes.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub deterministic: bool,
    /// ICU tailoring rules (PostgreSQL 16+).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Default for Collation {
    fn default() -> Self {
        Collation {
            provider: "libc".into(),
            locale: None,
            lc_collate: None,
            lc_ctype: None,
            deterministic: true,
            rules: None,
            owner: None,
            comment: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnumType {
    /// The labels in sort order; a label or `{ name, renamed_from }`.
    pub values: Vec<EnumValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

// Read and written as a bare label when it says everything: see
// `model::short`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields)]
#[schemars(transform = super::short::or_string)]
pub struct EnumValue {
    /// The label.
    pub name: String,
    /// The value's previous label, to rename it (`RENAME VALUE`) instead
    /// of removing one value and adding another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
}

impl From<&str> for EnumValue {
    fn from(name: &str) -> Self {
        EnumValue {
            name: name.to_string(),
            renamed_from: None,
        }
    }
}

impl From<String> for EnumValue {
    fn from(name: String) -> Self {
        EnumValue {
            name,
            renamed_from: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Domain {
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Constraint name -> CHECK expression (using `VALUE`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CompositeType {
    /// Attribute name -> type.
    pub attributes: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

/// A range type (`CREATE TYPE ... AS RANGE`). Its definition cannot be
/// altered: a change makes it again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RangeType {
    /// The element type, e.g. `double precision`.
    pub subtype: String,
    /// The B-tree operator class ordering the subtype, when not its default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype_opclass: Option<String>,
    /// The collation, when the subtype is collatable and it is not the
    /// subtype's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// The function making a value canonical (discrete ranges).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<String>,
    /// The function giving the difference of two subtype values, as a
    /// `double precision` (helps GiST indexes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<String>,
    /// The multirange type's name, when not the one PostgreSQL derives
    /// (`multi` put before the first `range` in the name, or `_multirange`
    /// appended); in the range type's schema unless qualified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multirange_type_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

impl RangeType {
    /// The multirange type name PostgreSQL derives from a range type's
    /// name: `multi` before its first `range`, else `_multirange` appended.
    pub fn derived_multirange(name: &str) -> String {
        match name.find("range") {
            Some(i) => format!("{}multi{}", &name[..i], &name[i..]),
            None => format!("{name}_multirange"),
        }
    }

    /// The multirange type made with this range type, `name`.
    pub fn multirange(&self, name: &super::QualifiedName) -> super::QualifiedName {
        use super::QualifiedName as Q;
        let given = self
            .multirange_type_name
            .as_deref()
            .map(super::name::split_dotted);
        match given.as_ref().map(|p| p.as_ref().map(Vec::as_slice)) {
            Some(Ok([n])) => Q::new(&name.schema, n),
            Some(Ok([s, n])) => Q::new(s, n),
            _ => Q::new(&name.schema, Self::derived_multirange(&name.name)),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Sequence {
    /// `smallint`, `integer` or `bigint` (default `bigint`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(skip_serializing_if = "is_false")]
    pub cycle: bool,
    /// `schema.table.column` that owns the sequence (serial columns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

// No doc comment on Table, Column and Index: it would become their
// description in the JSON Schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Table {
    /// The table's previous name, to rename instead of drop and create.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub unlogged: bool,
    /// Column name -> column. A bare string is the column's type. None for
    /// an external table, whose entry holds only policies and triggers.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub columns: IndexMap<String, Column>,
    /// `[col, ...]` or `{ name, columns }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<PrimaryKey>,
    /// Constraint name -> `[col, ...]` or `{ columns, ... }`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub unique: IndexMap<String, Unique>,
    /// Constraint name -> foreign key.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub foreign_keys: IndexMap<String, ForeignKey>,
    /// Constraint name -> CHECK expression or `{ expression, ... }`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub checks: IndexMap<String, Check>,
    /// Constraint name -> exclusion constraint.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub exclusions: IndexMap<String, Exclusion>,
    /// Index name -> index.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub indexes: IndexMap<String, Index>,
    /// Partition key of a partitioned table, e.g. `RANGE (created_at)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// This table is a partition of another.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// Parent tables (`INHERITS`), in order. `columns` are then the
    /// table's own: those it declares itself, not those it only inherits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    #[serde(skip_serializing_if = "RowLevelSecurity::is_off")]
    pub row_level_security: RowLevelSecurity,
    /// Policy name -> policy.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub policies: IndexMap<String, Policy>,
    /// Trigger name -> trigger.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub triggers: IndexMap<String, Trigger>,
    /// Rule name -> rule (`CREATE RULE`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub rules: IndexMap<String, Rule>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// Storage parameters (`WITH (fillfactor = 70)`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub options: IndexMap<String, String>,
    /// `full`, `nothing`, or `index <name>`; omitted for the default (primary key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_identity: Option<String>,
}

// Read and written in the short form (`name: type`) when it says
// everything: see `model::short`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields, default)]
#[schemars(transform = super::short::or_string)]
pub struct Column {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The identity column's sequence, when its name, options or grants
    /// differ from what `GENERATED ... AS IDENTITY` creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_sequence: Option<IdentitySequence>,
    /// Expression of a `GENERATED ALWAYS AS (...) STORED` column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// The generated column is `VIRTUAL`: computed when read, not stored
    /// (PostgreSQL 18).
    #[serde(rename = "virtual", skip_serializing_if = "is_false")]
    pub virtual_: bool,
    /// A column that is not nullable: its NOT NULL constraint, where it
    /// says more than PostgreSQL's default (PostgreSQL 18 names them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_null: Option<NotNull>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Column-level privileges: role -> `select` / `insert` / `update` / `references`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// Statistics target (`ALTER COLUMN ... SET STATISTICS n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<i32>,
    /// How its values are stored and TOASTed (`ALTER COLUMN ... SET
    /// STORAGE`): `plain`, `main`, `external` or `extended`; omitted for
    /// its type's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    /// How its values are compressed (`ALTER COLUMN ... SET COMPRESSION`,
    /// PostgreSQL 14): `pglz` or `lz4`; omitted for the server's
    /// `default_toast_compression`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<Compression>,
}

/// A column's storage strategy (`pg_attribute.attstorage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// Never compressed nor moved out of line (`p`).
    Plain,
    /// Compressed, moved out of line only as a last resort (`m`).
    Main,
    /// Moved out of line, never compressed (`e`).
    External,
    /// Compressed and moved out of line (`x`).
    Extended,
}

impl Storage {
    /// From `attstorage` / `typstorage`.
    pub fn from_code(code: &str) -> Option<Storage> {
        Some(match code {
            "p" => Storage::Plain,
            "m" => Storage::Main,
            "e" => Storage::External,
            "x" => Storage::Extended,
            _ => return None,
        })
    }

    /// From the word of `SET STORAGE` (any case).
    pub fn from_word(word: &str) -> Option<Storage> {
        Some(match word.to_ascii_lowercase().as_str() {
            "plain" => Storage::Plain,
            "main" => Storage::Main,
            "external" => Storage::External,
            "extended" => Storage::Extended,
            _ => return None,
        })
    }

    pub fn sql(self) -> &'static str {
        match self {
            Storage::Plain => "PLAIN",
            Storage::Main => "MAIN",
            Storage::External => "EXTERNAL",
            Storage::Extended => "EXTENDED",
        }
    }

    /// The storage a column of type `ty` gets by default, where it is
    /// known: PostgreSQL's common types, arrays, and the model's enums,
    /// composite types and domains.
    pub fn of_type(db: &Database, ty: &str) -> Option<Storage> {
        Storage::of_type_at(db, ty, 0)
    }

    fn of_type_at(db: &Database, ty: &str, depth: u8) -> Option<Storage> {
        let ty = ty.trim();
        if ty.ends_with(']') {
            return Some(Storage::Extended);
        }
        let base = ty.split('(').next().unwrap_or(ty).trim();
        let base = base.strip_prefix("pg_catalog.").unwrap_or(base);
        match base {
            "numeric" | "decimal" | "inet" | "cidr" => return Some(Storage::Main),
            // tsquery, and the fixed-length types, which can only be plain.
            "tsquery"
            | "smallint"
            | "integer"
            | "bigint"
            | "real"
            | "double precision"
            | "boolean"
            | "date"
            | "time"
            | "time with time zone"
            | "time without time zone"
            | "timestamp"
            | "timestamp with time zone"
            | "timestamp without time zone"
            | "interval"
            | "uuid"
            | "money"
            | "oid"
            | "\"char\""
            | "point"
            | "line"
            | "lseg"
            | "box"
            | "circle"
            | "macaddr"
            | "macaddr8"
            | "pg_lsn" => return Some(Storage::Plain),
            "text" | "character varying" | "varchar" | "character" | "char" | "bpchar"
            | "bytea" | "json" | "jsonb" | "jsonpath" | "xml" | "tsvector" | "bit"
            | "bit varying" | "varbit" | "path" | "polygon" | "refcursor" | "txid_snapshot"
            | "int4range" | "int8range" | "numrange" | "tsrange" | "tstzrange" | "daterange"
            | "int4multirange" | "int8multirange" | "nummultirange" | "tsmultirange"
            | "tstzmultirange" | "datemultirange" => return Some(Storage::Extended),
            _ => {}
        }
        let key = QualifiedName::parse(base, "public").ok()?.to_string();
        if db.enums.contains_key(&key) {
            Some(Storage::Plain)
        } else if db.composite_types.contains_key(&key) {
            Some(Storage::Extended)
        } else {
            // A domain's is its base type's (a bound stops a cycle).
            let d = db.domains.get(&key).filter(|_| depth < 8)?;
            Storage::of_type_at(db, &d.type_, depth + 1)
        }
    }
}

/// A column's compression method (`pg_attribute.attcompression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    Pglz,
    /// Needs a server built with lz4.
    Lz4,
}

impl Compression {
    /// From `attcompression` (`p`, `l`; empty is the default).
    pub fn from_code(code: &str) -> Option<Compression> {
        Some(match code {
            "p" => Compression::Pglz,
            "l" => Compression::Lz4,
            _ => return None,
        })
    }

    /// From the word of `SET COMPRESSION` (any case); `default` is none.
    pub fn from_word(word: &str) -> Option<Compression> {
        Some(match word.to_ascii_lowercase().as_str() {
            "pglz" => Compression::Pglz,
            "lz4" => Compression::Lz4,
            _ => return None,
        })
    }

    pub fn sql(self) -> &'static str {
        match self {
            Compression::Pglz => "pglz",
            Compression::Lz4 => "lz4",
        }
    }
}

impl Column {
    /// A nullable column of `type_` and nothing else (`name: type`).
    pub fn of_type(type_: impl Into<String>) -> Column {
        Column {
            type_: type_.into(),
            nullable: true,
            ..Default::default()
        }
    }
}

/// A column's NOT NULL constraint (PostgreSQL 18).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct NotNull {
    /// Omitted when it is PostgreSQL's choice: `<table>_<column>_not_null`,
    /// or for a partition its parent's constraint's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `NOT VALID`: rows already there may hold NULL; new ones may not.
    #[serde(skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// `NO INHERIT`: not given to inheriting tables.
    #[serde(skip_serializing_if = "is_false")]
    pub no_inherit: bool,
}

impl NotNull {
    /// Says nothing a plain `NOT NULL` does not.
    pub fn is_default(&self) -> bool {
        *self == NotNull::default()
    }
}

/// The sequence behind an identity column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct IdentitySequence {
    /// Omitted when it is PostgreSQL's choice, `<table>_<column>_seq`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(skip_serializing_if = "is_false")]
    pub cycle: bool,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

impl IdentitySequence {
    pub fn is_default(&self) -> bool {
        *self == IdentitySequence::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields, default)]
#[schemars(transform = super::short::or_array)]
pub struct PrimaryKey {
    /// Defaults to `<table>_pkey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// The last column is compared `WITHOUT OVERLAPS` (a temporal key,
    /// PostgreSQL 18).
    #[serde(skip_serializing_if = "is_false")]
    pub without_overlaps: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(skip_serializing_if = "Deferral::is_none")]
    pub deferrable: Deferral,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields, default)]
#[schemars(transform = super::short::or_array)]
pub struct Unique {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    pub columns: Vec<String>,
    /// The last column is compared `WITHOUT OVERLAPS` (PostgreSQL 18).
    #[serde(skip_serializing_if = "is_false")]
    pub without_overlaps: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    #[serde(skip_serializing_if = "Deferral::is_none")]
    pub deferrable: Deferral,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// DEFERRABLE state of a constraint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Deferral {
    #[default]
    No,
    InitiallyImmediate,
    InitiallyDeferred,
}

impl Deferral {
    pub fn is_none(&self) -> bool {
        *self == Deferral::No
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ForeignKey {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    pub columns: Vec<String>,
    /// `schema.table(col, ...)`; columns may be omitted to mean the primary key.
    pub references: String,
    /// The last column on both sides is a `PERIOD` (a temporal foreign
    /// key, PostgreSQL 18).
    #[serde(skip_serializing_if = "is_false")]
    pub period: bool,
    #[serde(skip_serializing_if = "FkAction::is_default")]
    pub on_delete: FkAction,
    /// `ON DELETE SET NULL (col, ...)` / `SET DEFAULT (...)`: only these
    /// columns are set (PostgreSQL 15).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub on_delete_columns: Vec<String>,
    #[serde(skip_serializing_if = "FkAction::is_default")]
    pub on_update: FkAction,
    #[serde(rename = "match", skip_serializing_if = "FkMatch::is_default")]
    pub match_: FkMatch,
    #[serde(skip_serializing_if = "Deferral::is_none")]
    pub deferrable: Deferral,
    /// Created `NOT VALID` and never validated.
    #[serde(skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// `NOT ENFORCED`: recorded, never checked (PostgreSQL 18).
    #[serde(skip_serializing_if = "is_false")]
    pub not_enforced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn is_default(&self) -> bool {
        *self == FkAction::NoAction
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FkMatch {
    #[default]
    Simple,
    Full,
    Partial,
}

impl FkMatch {
    pub fn is_default(&self) -> bool {
        *self == FkMatch::Simple
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields, default)]
#[schemars(transform = super::short::or_string)]
pub struct Check {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    pub expression: String,
    #[serde(skip_serializing_if = "is_false")]
    pub no_inherit: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// `NOT ENFORCED`: recorded, never checked (PostgreSQL 18).
    #[serde(skip_serializing_if = "is_false")]
    pub not_enforced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Exclusion {
    /// Everything after `EXCLUDE`, e.g. `USING gist (room WITH =, during WITH &&)`.
    pub definition: String,
    #[serde(skip_serializing_if = "Deferral::is_none")]
    pub deferrable: Deferral,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Index {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub unique: bool,
    /// `btree` (default), `hash`, `gin`, `gist`, `brin`, `spgist`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Key columns: a column name, or `{ column | expression, opclass, order, nulls, collation }`.
    pub columns: Vec<IndexElem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Partial index predicate.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// Storage parameters (`WITH (fastupdate = off)`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub options: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(remote = "Self", deny_unknown_fields, default)]
#[schemars(transform = super::short::or_string)]
pub struct IndexElem {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opclass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    /// `first` or `last`; default follows the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nulls: Option<NullsOrder>,
    /// Statistics target of an expression column (`ALTER INDEX ... SET STATISTICS`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statistics: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NullsOrder {
    First,
    Last,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PartitionOf {
    /// The partitioned parent, `schema.table`.
    pub parent: String,
    /// `FOR VALUES ...` or `DEFAULT`.
    pub bound: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RowLevelSecurity {
    pub enabled: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub forced: bool,
}

impl RowLevelSecurity {
    pub fn is_off(&self) -> bool {
        !self.enabled && !self.forced
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// `all` (default), `select`, `insert`, `update`, `delete`.
    #[serde(rename = "for", skip_serializing_if = "PolicyCommand::is_default")]
    pub command: PolicyCommand,
    #[serde(skip_serializing_if = "is_false")]
    pub restrictive: bool,
    /// Roles; default `[public]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    pub fn is_default(&self) -> bool {
        *self == PolicyCommand::All
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Trigger {
    pub timing: TriggerTiming,
    /// `insert`, `update`, `delete`, `truncate`.
    pub events: Vec<String>,
    /// `UPDATE OF` columns.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    pub for_each: ForEach,
    #[serde(rename = "when", skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The trigger function, `schema.name`.
    pub function: String,
    /// Literal arguments passed to the function.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arguments: Vec<String>,
    /// Transition tables: `REFERENCING OLD TABLE AS x`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_table: Option<String>,
    /// A `CREATE CONSTRAINT TRIGGER`.
    #[serde(skip_serializing_if = "is_false")]
    pub constraint: bool,
    #[serde(skip_serializing_if = "Deferral::is_none")]
    pub deferrable: Deferral,
    /// `origin` (default), `disabled`, `replica`, `always`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A rule (`CREATE RULE name AS ON event TO relation [WHERE condition] DO
/// [ALSO | INSTEAD] actions`). Its condition and actions are compared as
/// PostgreSQL parses them; `reconcile baseline` writes them as the server
/// prints them (qualified names, INSERT column lists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Rule {
    /// `select`, `insert`, `update` or `delete`.
    pub event: RuleEvent,
    /// `DO INSTEAD` (true) or `DO ALSO` (false, the default).
    #[serde(skip_serializing_if = "is_false")]
    pub instead: bool,
    /// The `WHERE` condition, reading `old` and `new`.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
    /// The commands run, each one `SELECT`, `INSERT`, `UPDATE`, `DELETE`
    /// or `NOTIFY` without its `;`; none: `DO NOTHING`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// `origin` (default), `disabled`, `replica`, `always`
    /// (`ALTER TABLE ... DISABLE RULE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleEvent {
    #[default]
    Select,
    Insert,
    Update,
    Delete,
}

impl RuleEvent {
    pub fn sql(self) -> &'static str {
        match self {
            RuleEvent::Select => "SELECT",
            RuleEvent::Insert => "INSERT",
            RuleEvent::Update => "UPDATE",
            RuleEvent::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    #[default]
    Before,
    After,
    InsteadOf,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForEach {
    #[default]
    Row,
    Statement,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct View {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub materialized: bool,
    /// A materialized view `WITH NO DATA`: created empty and not readable
    /// until `REFRESH MATERIALIZED VIEW`. On a view that exists the plan
    /// refreshes it, or empties it (`REFRESH ... WITH NO DATA`), to match.
    #[serde(skip_serializing_if = "is_false")]
    pub with_no_data: bool,
    /// The query (`SELECT ...`).
    pub definition: String,
    /// `WITH (...)` options, e.g. `security_invoker: "true"`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub options: IndexMap<String, String>,
    /// `local` or `cascaded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_option: Option<String>,
    /// Materialized views only: indexes by name.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub indexes: IndexMap<String, Index>,
    /// Triggers by name: `INSTEAD OF` row triggers on a view, statement
    /// triggers on either.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub triggers: IndexMap<String, Trigger>,
    /// Rules by name (`CREATE RULE`), besides the view's own query.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub rules: IndexMap<String, Rule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Column name -> comment.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub column_comments: IndexMap<String, String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
    /// Column name -> column-level privileges (role -> `select` /
    /// `insert` / `update` / `references`), as on a table's columns.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub column_grants: IndexMap<String, Grants>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Function {
    /// `function` (default) or `procedure`.
    #[serde(skip_serializing_if = "FunctionKind::is_default")]
    pub kind: FunctionKind,
    /// Full argument list with names, modes and defaults, when it says more
    /// than the key (e.g. `p_limit integer DEFAULT 10`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    /// Return type, e.g. `trigger`, `SETOF text`, `TABLE(id uuid)`. None for procedures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    pub language: String,
    /// The body as written between the dollar quotes, or a `BEGIN ATOMIC ... END` block;
    /// for a `c` function, its link symbol.
    pub body: String,
    /// A `c` function's shared library (`$libdir/unaccent`): `AS 'library', 'body'`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub library: Option<String>,
    #[serde(skip_serializing_if = "Volatility::is_default")]
    pub volatility: Volatility,
    #[serde(skip_serializing_if = "is_false")]
    pub strict: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub security_definer: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub leakproof: bool,
    /// `unsafe` (default), `restricted`, `safe`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<f64>,
    /// `SET name = value` settings, e.g. `search_path: ""`.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub config: IndexMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Role -> `execute`. `public: []` revokes the default EXECUTE from PUBLIC.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    #[default]
    Function,
    Procedure,
}

impl FunctionKind {
    pub fn is_default(&self) -> bool {
        *self == FunctionKind::Function
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    #[default]
    Volatile,
    Stable,
    Immutable,
}

impl Volatility {
    pub fn is_default(&self) -> bool {
        *self == Volatility::Volatile
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Aggregate {
    /// State transition function, `schema.name`.
    pub sfunc: String,
    /// State data type.
    pub stype: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finalfunc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combinefunc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initcond: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sortop: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub grants: Grants,
}

/// A publication: which tables' changes logical replication sends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Publication {
    /// Made by someone else (Supabase's `supabase_realtime`): never created
    /// or dropped; only the tables and options listed are this model's.
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    /// `FOR ALL TABLES`: every table, present and future.
    #[serde(skip_serializing_if = "is_false")]
    pub all_tables: bool,
    /// Tables by `schema.name`, each with an optional column list and
    /// row filter (PostgreSQL 15+).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub tables: IndexMap<String, PublishedTable>,
    /// Schemas whose every table is published (`FOR TABLES IN SCHEMA`,
    /// PostgreSQL 15+).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// Operations published: `insert`, `update`, `delete`, `truncate`.
    /// Omitted means all four.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<Vec<String>>,
    /// `publish_via_partition_root`: a partition's changes are sent as
    /// its root table's.
    #[serde(skip_serializing_if = "is_false")]
    pub via_partition_root: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One table of a publication.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PublishedTable {
    /// Columns sent; empty means all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Row filter: only rows for which it is true are sent.
    #[serde(rename = "where", skip_serializing_if = "Option::is_none")]
    pub where_: Option<String>,
}

/// The operations a publication sends, in PostgreSQL's order.
pub const PUBLISH_OPERATIONS: [&str; 4] = ["insert", "update", "delete", "truncate"];

/// One `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT ...`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DefaultPrivilege {
    /// The role whose future objects are affected; default: the applying role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_role: Option<String>,
    /// Limit to one schema; default: all schemas.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `tables`, `sequences`, `functions`, `types` or `schemas`.
    pub on: String,
    /// Role -> privileges.
    pub grants: Grants,
}

//! The required-schema contract (`COMPLETE_REQUIRED_SCHEMA` in the source
//! documents): per table, required columns (missing = error) and optional
//! ones (missing = warning), extended with types, nullability, RLS, named
//! policies and indexes, and required types. YAML or JSON:
//!
//! ```yaml
//! tables:
//!   users:
//!     required: [id, email, { name: created_at, type: timestamptz, nullable: false }]
//!     optional: [display_name]
//!     row_level_security: true
//!     policies: [users_select_own]
//!     indexes: [idx_users_email]
//! types: [public.content_status]
//! ```
//!
//! The shape of the source documents is accepted too: the tables at the
//! top level (no `tables:`), and the TypeScript constant itself
//! (`const COMPLETE_REQUIRED_SCHEMA = { users: { required: ['id'] } };`,
//! whose object literal reads as YAML).

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;

use super::{Finding, Report};
use crate::model::canon::canonical_type;
use crate::model::{Database, QualifiedName};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RequiredSchema {
    /// Table (`name` or `schema.name`; default schema `public`) -> contract.
    pub tables: IndexMap<String, TableContract>,
    /// Enum, domain or composite types that must exist.
    pub types: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TableContract {
    pub required: Vec<ColumnSpec>,
    pub optional: Vec<ColumnSpec>,
    pub row_level_security: Option<bool>,
    pub policies: Vec<String>,
    pub indexes: Vec<String>,
}

/// A column name, or `{ name, type, nullable }`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ColumnSpec {
    Name(String),
    Full(ColumnContract),
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ColumnContract {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub nullable: Option<bool>,
}

impl ColumnSpec {
    fn contract(&self) -> ColumnContract {
        match self {
            ColumnSpec::Name(n) => ColumnContract {
                name: n.clone(),
                type_: None,
                nullable: None,
            },
            ColumnSpec::Full(c) => c.clone(),
        }
    }
}

/// Reads a contract file; errors name the file (and line and column for YAML).
pub fn read(path: &Path) -> Result<RequiredSchema, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text, &path.display().to_string())
}

pub fn parse(text: &str, label: &str) -> Result<RequiredSchema, String> {
    let text = without_declaration(text);
    // The typed readings below give the positions; this one only tells the
    // two shapes apart.
    let value: serde_json::Value = from_text(&text, label)?;
    let wrapped = value
        .as_object()
        .is_some_and(|m| m.keys().any(|k| k == "tables" || k == "types"));
    match wrapped {
        true => from_text(&text, label),
        // The tables at the top level, as the source documents write them.
        false => from_text(&text, label).map(|tables| RequiredSchema {
            tables,
            types: Vec::new(),
        }),
    }
}

fn from_text<T: serde::de::DeserializeOwned>(text: &str, label: &str) -> Result<T, String> {
    if label.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| format!("{label}:{}:{}: {e}", e.line(), e.column()))
    } else {
        serde_saphyr::from_str(text).map_err(|e| format!("{label}: {e}"))
    }
}

/// `text` without a TypeScript/JavaScript declaration around the object
/// (`const NAME = {...};`, `export const NAME: T = {...};`).
fn without_declaration(text: &str) -> std::borrow::Cow<'_, str> {
    // After blank lines and `//` comments.
    let mut t = text;
    loop {
        let s = t.trim_start();
        match s.strip_prefix("//") {
            Some(rest) => t = rest.find('\n').map_or("", |i| &rest[i..]),
            None => break t = s,
        }
    }
    let declared = ["const ", "export const ", "let ", "var "]
        .iter()
        .any(|p| t.starts_with(p));
    match (declared, t.find('=')) {
        (true, Some(eq)) => {
            let body = t[eq + 1..].trim_end();
            let body = body.strip_suffix(';').unwrap_or(body);
            // Keep the lines where they were, for positions in errors.
            let lines = text[..text.len() - t.len() + eq].matches('\n').count();
            format!("{}{body}", "\n".repeat(lines)).into()
        }
        _ => text.into(),
    }
}

/// Checks `db` against the contract.
pub fn check(contract: &RequiredSchema, db: &Database) -> Report {
    let mut findings = Vec::new();
    for (key, t) in &contract.tables {
        let name = match QualifiedName::parse(key, "public") {
            Ok(q) => q.to_string(),
            Err(e) => {
                findings.push(Finding::error(key, format!("not a table name: {e}")));
                continue;
            }
        };
        let Some(table) = db.tables.get(&name) else {
            findings.push(Finding::error(&name, "missing REQUIRED table"));
            continue;
        };
        let columns = t
            .required
            .iter()
            .map(|c| (c, true))
            .chain(t.optional.iter().map(|c| (c, false)));
        for (spec, required) in columns {
            let c = spec.contract();
            let object = format!("{name}.{}", c.name);
            let Some(actual) = table.columns.get(&c.name) else {
                findings.push(if required {
                    Finding::error(&object, "missing REQUIRED column")
                } else {
                    Finding::warning(&object, "missing OPTIONAL column")
                });
                continue;
            };
            if let Some(want) = &c.type_ {
                match canonical_type(want) {
                    Ok(want) if want != actual.type_ => findings.push(Finding::error(
                        &object,
                        format!("type is {}, expected {want}", actual.type_),
                    )),
                    Ok(_) => {}
                    Err(e) => findings.push(Finding::error(
                        &object,
                        format!("contract type `{want}`: {e}"),
                    )),
                }
            }
            if let Some(want) = c.nullable {
                if want != actual.nullable {
                    let say = |n: bool| if n { "nullable" } else { "NOT NULL" };
                    findings.push(Finding::error(
                        &object,
                        format!("is {}, expected {}", say(actual.nullable), say(want)),
                    ));
                }
            }
        }
        if t.row_level_security == Some(true) && !table.row_level_security.enabled {
            findings.push(Finding::error(
                &name,
                "row level security is off, expected on",
            ));
        }
        if t.row_level_security == Some(false) && table.row_level_security.enabled {
            findings.push(Finding::error(
                &name,
                "row level security is on, expected off",
            ));
        }
        for p in &t.policies {
            if !table.policies.contains_key(p) {
                findings.push(Finding::error(
                    format!("{name}.{p}"),
                    "missing REQUIRED policy",
                ));
            }
        }
        for i in &t.indexes {
            let backing = table.unique.contains_key(i)
                || table.primary_key.as_ref().is_some_and(|pk| {
                    pk.name
                        .clone()
                        .unwrap_or_else(|| format!("{}_pkey", name_part(&name)))
                        == *i
                });
            if !table.indexes.contains_key(i) && !backing {
                findings.push(Finding::error(
                    format!("{name}.{i}"),
                    "missing REQUIRED index",
                ));
            }
        }
    }
    for ty in &contract.types {
        let key = QualifiedName::parse(ty, "public")
            .map(|q| q.to_string())
            .unwrap_or_else(|_| ty.clone());
        let found = db.has_type(&key);
        if !found {
            findings.push(Finding::error(&key, "missing REQUIRED type"));
        }
    }
    Report::new(findings)
}

fn name_part(key: &str) -> String {
    QualifiedName::parse(key, "public")
        .map(|q| q.name)
        .unwrap_or_default()
}

/// For an application's start-up gate: introspects the database at `url`
/// and checks it against the contract in `path`.
pub fn validate_database(url: &str, path: &Path) -> Result<Report, String> {
    let contract = read(path)?;
    let (db, _) =
        crate::catalog::inspect_url(url, &Default::default()).map_err(|e| e.to_string())?;
    Ok(check(&contract, &db))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Policy, RowLevelSecurity, Table};

    fn db() -> Database {
        let mut t = Table::default();
        t.columns.insert(
            "id".into(),
            Column {
                type_: "uuid".into(),
                nullable: false,
                ..Default::default()
            },
        );
        t.columns.insert(
            "email".into(),
            Column {
                type_: "text".into(),
                nullable: true,
                ..Default::default()
            },
        );
        t.row_level_security = RowLevelSecurity {
            enabled: true,
            forced: false,
        };
        t.policies.insert("own".into(), Policy::default());
        let mut db = Database::default();
        db.tables.insert("public.users".into(), t);
        db
    }

    #[test]
    fn required_missing_is_an_error_optional_missing_a_warning() {
        let c = parse(
            "tables:\n  users:\n    required: [id, email, first_name]\n    optional: [avatar]\n",
            "req.yaml",
        )
        .unwrap();
        let r = check(&c, &db());
        assert!(!r.passed);
        assert_eq!((r.errors, r.warnings), (1, 1));
        assert_eq!(
            r.findings[0],
            Finding::error("public.users.first_name", "missing REQUIRED column")
        );
        assert_eq!(
            r.findings[1],
            Finding::warning("public.users.avatar", "missing OPTIONAL column")
        );
    }

    #[test]
    fn types_nullability_rls_policies_and_tables() {
        let c = parse(
            r#"{"tables": {"users": {"required": [{"name": "id", "type": "uuid", "nullable": false},
                 {"name": "email", "type": "varchar(20)", "nullable": false}],
                 "row_level_security": true, "policies": ["own", "admin"]},
                 "public.orders": {"required": ["id"]}},
                "types": ["public.status"]}"#,
            "req.json",
        )
        .unwrap();
        let r = check(&c, &db());
        let messages: Vec<String> = r
            .findings
            .iter()
            .map(|f| format!("{}: {}", f.object, f.message))
            .collect();
        assert_eq!(
            messages,
            [
                "public.users.email: type is text, expected character varying(20)",
                "public.users.email: is nullable, expected NOT NULL",
                "public.users.admin: missing REQUIRED policy",
                "public.orders: missing REQUIRED table",
                "public.status: missing REQUIRED type",
            ]
        );
    }

    #[test]
    fn a_satisfied_contract_passes_and_bad_files_name_the_position() {
        let c = parse(
            "tables:\n  users:\n    required: [id]\n    row_level_security: true\n",
            "ok.yaml",
        )
        .unwrap();
        assert!(check(&c, &db()).passed);
        let e = parse("tables:\n  users:\n    requird: [id]\n", "bad.yaml").unwrap_err();
        assert!(e.contains("bad.yaml") && e.contains("line 3"), "{e}");
        let e = parse("{\"tables\": {\"users\": [1]}}", "bad.json").unwrap_err();
        assert!(e.starts_with("bad.json:1:"), "{e}");
    }

    /// The shape of the source documents: the tables at the top level, and
    /// the TypeScript constant itself.
    #[test]
    fn the_source_documents_shape_is_read_as_the_same_contract() {
        let wrapped = parse(
            "tables:\n  users:\n    required: [id, email]\n    optional: [password]\n",
            "a.yaml",
        )
        .unwrap();
        let bare = parse(
            "users:\n  required: [id, email]\n  optional: [password]\n",
            "b.yaml",
        )
        .unwrap();
        assert_eq!(bare, wrapped);
        let ts = parse(
            "// the seed's\nconst COMPLETE_REQUIRED_SCHEMA = {\n  users: {\n    required: ['id', 'email'],\n    \
             optional: ['password']\n  }\n};\n",
            "c.ts",
        )
        .unwrap();
        assert_eq!(ts, wrapped);
        let json = parse(
            "{\"users\": {\"required\": [\"id\", \"email\"], \"optional\": [\"password\"]}}",
            "d.json",
        )
        .unwrap();
        assert_eq!(json, wrapped);
        let e = parse("users:\n  requird: [id]\n", "e.yaml").unwrap_err();
        assert!(e.contains("requird") && e.contains("line 2"), "{e}");
        let e = parse(
            "// x\n\nconst X = {\n  users: {\n    requird: ['id']\n  }\n};\n",
            "f.ts",
        )
        .unwrap_err();
        assert!(e.contains("line 5"), "{e}");
    }
}

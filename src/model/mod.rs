//! The schema model: types, names, the desired-state format and its loading.

pub mod canon;
pub mod depends;
pub mod error;
pub mod expr;
pub mod external;
pub mod id;
pub mod identity;
pub mod load;
pub mod memo;
pub mod name;
pub mod par;
pub mod privileges;
pub mod rule;
pub mod schema_json;
pub mod short;
pub mod sqltext;
pub mod types;
pub mod validate;
pub mod version;

pub use id::{Id, IdKind, Stage};
pub use name::{quote_ident, QualifiedName};
pub use types::*;
pub use version::PgVersion;
pub mod write;

impl Database {
    /// Keys of the types declared here: enums, domains, composite and
    /// range types.
    pub fn type_keys(&self) -> impl Iterator<Item = &String> {
        self.enums
            .keys()
            .chain(self.domains.keys())
            .chain(self.composite_types.keys())
            .chain(self.range_types.keys())
    }

    /// Whether type `key` is declared here (see [`Database::type_keys`]),
    /// or is the multirange type of a range type declared here.
    pub fn has_type(&self, key: &str) -> bool {
        self.enums.contains_key(key)
            || self.domains.contains_key(key)
            || self.composite_types.contains_key(key)
            || self.range_types.contains_key(key)
            || self.multirange_keys().any(|m| m == key)
    }

    /// Keys of the multirange types made with the range types here.
    pub fn multirange_keys(&self) -> impl Iterator<Item = String> + '_ {
        self.range_types.iter().filter_map(|(k, r)| {
            let q = QualifiedName::parse(k, "public").ok()?;
            Some(r.multirange(&q).to_string())
        })
    }

    /// Whether table `key` has column `col`, its own or one it inherits.
    pub fn has_column(&self, key: &str, col: &str) -> bool {
        let mut todo = vec![key];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(k) = todo.pop() {
            let Some(t) = self.tables.get(k).filter(|_| seen.insert(k)) else {
                continue;
            };
            if t.columns.contains_key(col) {
                return true;
            }
            todo.extend(t.inherits.iter().map(String::as_str));
        }
        false
    }

    /// The schemas this model manages: those declared, and those holding any
    /// object that is not external. Always includes `public`.
    pub fn managed_schemas(&self) -> Vec<String> {
        let external: std::collections::BTreeSet<&str> =
            self.external.iter().map(String::as_str).collect();
        let mut out: std::collections::BTreeSet<String> = self.schemas.keys().cloned().collect();
        out.insert("public".into());
        let keys = self
            .type_keys()
            .chain(self.collations.keys())
            .chain(self.text_search_configurations.keys())
            .chain(self.sequences.keys())
            .chain(self.tables.keys())
            .chain(self.views.keys())
            .chain(self.functions.keys())
            .chain(self.aggregates.keys());
        for key in keys.filter(|k| !external.contains(k.as_str())) {
            if let Ok(q) = QualifiedName::parse(key.split('(').next().unwrap_or(key), "public") {
                out.insert(q.schema);
            }
        }
        out.into_iter().collect()
    }
}

/// Small models for unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{Column, Table};

    /// A table of `(name, type)` columns, nullable, nothing else.
    pub fn table(cols: &[(&str, &str)]) -> Table {
        let mut t = Table::default();
        for (n, ty) in cols {
            t.columns.insert(
                n.to_string(),
                Column {
                    type_: ty.to_string(),
                    ..Default::default()
                },
            );
        }
        t
    }
}

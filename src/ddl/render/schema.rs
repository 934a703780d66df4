//! Schemas and extensions.

use crate::model::name::quote_literal;
use crate::model::{quote_ident, Extension};

/// `CREATE SCHEMA s;` (the caller never asks for `public`).
pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA {};", quote_ident(name))
}

/// `CREATE EXTENSION IF NOT EXISTS x WITH SCHEMA s VERSION 'v';`. IF NOT
/// EXISTS because some (plpgsql) exist in every new database.
pub fn create_extension(name: &str, ext: &Extension) -> String {
    let mut sql = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_ident(name));
    if let Some(schema) = &ext.schema {
        sql.push_str(&format!(" WITH SCHEMA {}", quote_ident(schema)));
    }
    if let Some(version) = &ext.version {
        sql.push_str(&format!(" VERSION {}", quote_literal(version)));
    }
    sql.push(';');
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_and_extension() {
        assert_eq!(create_schema("Mixed Case"), "CREATE SCHEMA \"Mixed Case\";");
        let e = Extension {
            schema: Some("extensions".into()),
            version: Some("1.1".into()),
            comment: None,
        };
        assert_eq!(
            create_extension("uuid-ossp", &e),
            "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA extensions VERSION '1.1';"
        );
        assert_eq!(
            create_extension("pg_trgm", &Extension::default()),
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
        );
    }
}

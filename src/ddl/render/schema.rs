//! Schemas and extensions.

use super::{comment_on, grant_statements, owner_to, parse_privilege, PlanError, Target};
use crate::model::name::quote_literal;
use crate::model::{quote_ident, Extension, SchemaDef};

/// `CREATE SCHEMA s;` (the caller never asks for `public`).
pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA {};", quote_ident(name))
}

/// What takes a new database's `public` schema to `s`. It exists in every
/// new database, with a comment and USAGE for PUBLIC (CREATE too before
/// 15), so it is altered, never created, and every statement is absolute:
/// the same on each major.
pub fn alter_public_schema(s: &SchemaDef) -> Result<Vec<String>, PlanError> {
    let target = Target::Schema("public");
    let mut out = vec![match &s.owner {
        Some(o) => owner_to(target, o),
        // No owner in the model means the applying role, as elsewhere.
        None => "ALTER SCHEMA public OWNER TO CURRENT_USER;".to_string(),
    }];
    out.push(match &s.comment {
        Some(t) => comment_on(target, t),
        None => "COMMENT ON SCHEMA public IS NULL;".to_string(),
    });
    let mut kept = Vec::new();
    for p in s.grants.get("public").into_iter().flatten() {
        kept.push(parse_privilege(p)?.0);
    }
    let gives = |w: &str| kept.iter().any(|k| k == w || k == "ALL");
    for w in ["USAGE", "CREATE"].into_iter().filter(|w| !gives(w)) {
        out.push(format!("REVOKE {w} ON SCHEMA public FROM PUBLIC;"));
    }
    out.extend(grant_statements(
        target,
        None,
        &s.grants,
        Some(crate::model::privileges::owner_key(s.owner.as_deref())),
    )?);
    Ok(out)
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
    fn public_schema_from_a_new_database() {
        let plain = alter_public_schema(&SchemaDef::default()).unwrap();
        assert_eq!(
            plain,
            [
                "ALTER SCHEMA public OWNER TO CURRENT_USER;",
                "COMMENT ON SCHEMA public IS NULL;",
                "REVOKE USAGE ON SCHEMA public FROM PUBLIC;",
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
            ]
        );
        let mut s = SchemaDef {
            owner: Some("app".into()),
            comment: Some("main".into()),
            ..SchemaDef::default()
        };
        s.grants.insert("public".into(), vec!["usage".into()]);
        s.grants.insert("anon".into(), vec!["usage".into()]);
        let sql = alter_public_schema(&s).unwrap().join("\n");
        assert!(sql.contains("OWNER TO app;"), "{sql}");
        assert!(sql.contains("IS 'main';"), "{sql}");
        assert!(
            sql.contains("REVOKE CREATE ON SCHEMA public FROM PUBLIC;"),
            "{sql}"
        );
        assert!(!sql.contains("REVOKE USAGE"), "{sql}");
        assert!(
            sql.contains("GRANT USAGE ON SCHEMA public TO anon;"),
            "{sql}"
        );
    }

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

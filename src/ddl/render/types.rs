//! Enum, composite, range and domain types.

use std::collections::BTreeSet;

use crate::model::name::quote_literal;
use crate::model::{quote_ident, CompositeType, Domain, EnumType, QualifiedName, RangeType};

use super::quote_dotted;

/// `CREATE TYPE s.t AS ENUM ('a', 'b');`
pub fn create_enum(name: &QualifiedName, e: &EnumType) -> String {
    let values: Vec<String> = e.values.iter().map(|v| quote_literal(&v.name)).collect();
    format!(
        "CREATE TYPE {} AS ENUM ({});",
        name.sql(),
        values.join(", ")
    )
}

/// `CREATE TYPE s.t AS (a integer, b text);`
pub fn create_composite(name: &QualifiedName, c: &CompositeType) -> String {
    let attrs: Vec<String> = c
        .attributes
        .iter()
        .map(|(n, t)| format!("{} {t}", quote_ident(n)))
        .collect();
    format!("CREATE TYPE {} AS ({});", name.sql(), attrs.join(", "))
}

/// `CREATE TYPE s.r AS RANGE (SUBTYPE = float8, ...);`
pub fn create_range(name: &QualifiedName, r: &RangeType) -> String {
    let mut parts = vec![format!("SUBTYPE = {}", r.subtype)];
    let named = [
        ("SUBTYPE_OPCLASS", &r.subtype_opclass),
        ("COLLATION", &r.collation),
        ("CANONICAL", &r.canonical),
        ("SUBTYPE_DIFF", &r.subtype_diff),
    ];
    for (word, v) in named {
        if let Some(v) = v {
            parts.push(format!("{word} = {}", quote_dotted(v)));
        }
    }
    // Qualified: a bare name would be made in the first schema on
    // search_path, not the range type's.
    if r.multirange_type_name.is_some() {
        parts.push(format!(
            "MULTIRANGE_TYPE_NAME = {}",
            r.multirange(name).sql()
        ));
    }
    format!(
        "CREATE TYPE {} AS RANGE ({});",
        name.sql(),
        parts.join(", ")
    )
}

/// `CREATE DOMAIN s.d AS base COLLATE c DEFAULT x NOT NULL CONSTRAINT k CHECK (...);`
pub fn create_domain(name: &QualifiedName, d: &Domain) -> String {
    create_domain_without(name, d, &BTreeSet::new())
}

/// `ALTER DOMAIN d ADD CONSTRAINT k CHECK (...);` and its undo, for a check
/// split off CREATE DOMAIN to break a cycle.
pub fn domain_check(name: &QualifiedName, check: &str, expr: &str) -> (String, String) {
    (
        format!(
            "ALTER DOMAIN {} ADD CONSTRAINT {} CHECK ({expr});",
            name.sql(),
            quote_ident(check)
        ),
        format!(
            "ALTER DOMAIN {} DROP CONSTRAINT IF EXISTS {};",
            name.sql(),
            quote_ident(check)
        ),
    )
}

/// CREATE DOMAIN leaving out the checks in `skip`.
pub fn create_domain_without(name: &QualifiedName, d: &Domain, skip: &BTreeSet<String>) -> String {
    let mut sql = format!("CREATE DOMAIN {} AS {}", name.sql(), d.type_);
    if let Some(c) = &d.collation {
        sql.push_str(&format!(" COLLATE {}", quote_dotted(c)));
    }
    if let Some(def) = &d.default {
        sql.push_str(&format!(" DEFAULT {def}"));
    }
    if !d.nullable {
        sql.push_str(" NOT NULL");
    }
    for (cname, expr) in d.checks.iter().filter(|(c, _)| !skip.contains(*c)) {
        sql.push_str(&format!(
            " CONSTRAINT {} CHECK ({expr})",
            quote_ident(cname)
        ));
    }
    sql.push(';');
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_composites_domains() {
        let n = QualifiedName::new("public", "Mood");
        let e = EnumType {
            values: vec!["sad".into(), "it's ok".into()],
            ..Default::default()
        };
        assert_eq!(
            create_enum(&n, &e),
            "CREATE TYPE public.\"Mood\" AS ENUM ('sad', 'it''s ok');"
        );
        let mut c = CompositeType::default();
        c.attributes.insert("x".into(), "integer".into());
        c.attributes.insert("select".into(), "text[]".into());
        assert_eq!(
            create_composite(&QualifiedName::new("app", "pair"), &c),
            "CREATE TYPE app.pair AS (x integer, \"select\" text[]);"
        );
        let mut d = Domain {
            type_: "integer".into(),
            nullable: false,
            default: Some("0".into()),
            collation: None,
            ..Default::default()
        };
        d.checks.insert("positive".into(), "VALUE >= 0".into());
        assert_eq!(
            create_domain(&QualifiedName::new("public", "bıgınt"), &d),
            "CREATE DOMAIN public.\"bıgınt\" AS integer DEFAULT 0 NOT NULL CONSTRAINT positive CHECK (VALUE >= 0);"
        );
        let mut skip = BTreeSet::new();
        skip.insert("positive".to_string());
        assert_eq!(
            create_domain_without(&QualifiedName::new("public", "bıgınt"), &d, &skip),
            "CREATE DOMAIN public.\"bıgınt\" AS integer DEFAULT 0 NOT NULL;"
        );
        assert_eq!(
            domain_check(
                &QualifiedName::new("public", "bıgınt"),
                "positive",
                "VALUE >= 0"
            ),
            (
                "ALTER DOMAIN public.\"bıgınt\" ADD CONSTRAINT positive CHECK (VALUE >= 0);"
                    .to_string(),
                "ALTER DOMAIN public.\"bıgınt\" DROP CONSTRAINT IF EXISTS positive;".to_string()
            )
        );
        let d = Domain {
            type_: "text".into(),
            nullable: true,
            collation: Some("C".into()),
            ..Default::default()
        };
        assert_eq!(
            create_domain(&QualifiedName::new("public", "t"), &d),
            "CREATE DOMAIN public.t AS text COLLATE \"C\";"
        );
    }
}

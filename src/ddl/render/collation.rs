//! Collations and text search configurations.

use crate::model::name::quote_literal;
use crate::model::{quote_ident, Collation, QualifiedName, TextSearchConfiguration};

/// `CREATE COLLATION s.c (provider = ..., locale = ..., ...);`
pub fn create_collation(name: &QualifiedName, c: &Collation) -> String {
    let mut opts = vec![format!("provider = {}", c.provider)];
    if let Some(l) = &c.locale {
        opts.push(format!("locale = {}", quote_literal(l)));
    }
    if let Some(l) = &c.lc_collate {
        opts.push(format!("lc_collate = {}", quote_literal(l)));
    }
    if let Some(l) = &c.lc_ctype {
        opts.push(format!("lc_ctype = {}", quote_literal(l)));
    }
    if !c.deterministic {
        opts.push("deterministic = false".into());
    }
    if let Some(r) = &c.rules {
        opts.push(format!("rules = {}", quote_literal(r)));
    }
    format!("CREATE COLLATION {} ({});", name.sql(), opts.join(", "))
}

/// `CREATE TEXT SEARCH CONFIGURATION s.c (PARSER = p);`, then its
/// mappings (token types sharing dictionaries in one statement), as
/// pg_dump writes it.
pub fn create_text_search_configuration(
    name: &QualifiedName,
    c: &TextSearchConfiguration,
) -> Vec<String> {
    let mut out = vec![format!(
        "CREATE TEXT SEARCH CONFIGURATION {} (PARSER = {});",
        name.sql(),
        dotted_sql(&c.parser)
    )];
    let mut groups: Vec<(&Vec<String>, Vec<&str>)> = Vec::new();
    for (token, dicts) in &c.mappings {
        match groups.iter_mut().find(|(d, _)| *d == dicts) {
            Some((_, tokens)) => tokens.push(token),
            None => groups.push((dicts, vec![token])),
        }
    }
    for (dicts, tokens) in groups {
        out.push(text_search_mapping(name, "ADD", &tokens, dicts));
    }
    out
}

/// `ALTER TEXT SEARCH CONFIGURATION s.c ADD|ALTER MAPPING FOR a, b WITH d;`
/// or, with no dictionaries, `DROP MAPPING FOR`.
pub fn text_search_mapping(
    name: &QualifiedName,
    verb: &str,
    tokens: &[&str],
    dicts: &[String],
) -> String {
    let tokens: Vec<String> = tokens.iter().map(|t| quote_ident(t)).collect();
    if dicts.is_empty() {
        return format!(
            "ALTER TEXT SEARCH CONFIGURATION {} DROP MAPPING FOR {};",
            name.sql(),
            tokens.join(", ")
        );
    }
    let dicts: Vec<String> = dicts.iter().map(|d| dotted_sql(d)).collect();
    format!(
        "ALTER TEXT SEARCH CONFIGURATION {} {verb} MAPPING FOR {} WITH {};",
        name.sql(),
        tokens.join(", "),
        dicts.join(", ")
    )
}

/// A name as the model keeps it (`simple`, `public.unaccent`, quoted
/// parts where needed) in SQL: a bare name is PostgreSQL's own.
fn dotted_sql(name: &str) -> String {
    match crate::model::name::split_dotted(name).ok().as_deref() {
        Some([s, n]) => QualifiedName::new(s, n).sql(),
        Some([n]) => format!("pg_catalog.{}", quote_ident(n)),
        _ => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_as_pg_dump_writes_them() {
        let q = QualifiedName::new("public", "Ci");
        let icu = Collation {
            provider: "icu".into(),
            locale: Some("und-u-ks-level2".into()),
            deterministic: false,
            ..Default::default()
        };
        assert_eq!(
            create_collation(&q, &icu),
            "CREATE COLLATION public.\"Ci\" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
        );
        let libc = Collation {
            lc_collate: Some("C".into()),
            lc_ctype: Some("en_US.utf8".into()),
            ..Default::default()
        };
        assert_eq!(
            create_collation(&q, &libc),
            "CREATE COLLATION public.\"Ci\" (provider = libc, lc_collate = 'C', lc_ctype = 'en_US.utf8');"
        );
    }
}

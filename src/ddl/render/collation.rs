//! Collations.

use crate::model::name::quote_literal;
use crate::model::{Collation, QualifiedName};

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

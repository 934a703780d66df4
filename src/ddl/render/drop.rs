//! Inverse statements, for down scripts. All use IF EXISTS: a parent's drop
//! may already have taken a part with it (a partition's attached index).

use crate::model::{quote_ident, QualifiedName};

use super::Target;

/// `DROP INDEX [CONCURRENTLY] IF EXISTS s.i;`
pub fn drop_index(index: &QualifiedName, mode: super::Mode) -> String {
    let how = if mode == super::Mode::Concurrently {
        "CONCURRENTLY "
    } else {
        ""
    };
    format!("DROP INDEX {how}IF EXISTS {};", index.sql())
}

/// `DROP SCHEMA IF EXISTS s;` and the like, for whole objects.
pub fn drop_object(target: Target<'_>) -> String {
    match target {
        Target::Aggregate(_)
        | Target::Schema(_)
        | Target::Extension(_)
        | Target::Publication(_)
        | Target::Collation(_)
        | Target::TextSearchConfiguration(_)
        | Target::Table(_)
        | Target::View(_)
        | Target::MaterializedView(_)
        | Target::Sequence(_)
        | Target::Type(_)
        | Target::Domain(_)
        | Target::Function(_)
        | Target::Procedure(_)
        | Target::Index(_) => {
            let sql = target.sql();
            let (kind, name) = split_kind(&sql);
            format!("DROP {kind} IF EXISTS {name};")
        }
        Target::Constraint(t, c) => format!(
            "ALTER TABLE IF EXISTS {} DROP CONSTRAINT IF EXISTS {};",
            t.sql(),
            quote_ident(c)
        ),
        Target::Policy(t, p) => format!("DROP POLICY IF EXISTS {} ON {};", quote_ident(p), t.sql()),
        Target::Trigger(t, g) => {
            format!("DROP TRIGGER IF EXISTS {} ON {};", quote_ident(g), t.sql())
        }
        Target::Rule(t, r) => format!("DROP RULE IF EXISTS {} ON {};", quote_ident(r), t.sql()),
        Target::Column(t, c) => format!(
            "ALTER TABLE IF EXISTS {} DROP COLUMN IF EXISTS {};",
            t.sql(),
            quote_ident(c)
        ),
    }
}

/// Splits `MATERIALIZED VIEW s.v` into the kind words and the name.
fn split_kind(target: &str) -> (&str, &str) {
    let words = if target.starts_with("TEXT SEARCH CONFIGURATION ") {
        3
    } else if target.starts_with("MATERIALIZED VIEW ") {
        2
    } else {
        1
    };
    let mut idx = 0;
    for _ in 0..words {
        idx += target[idx..].find(' ').map(|i| i + 1).unwrap_or(0);
    }
    (target[..idx].trim_end(), &target[idx..])
}

/// `ALTER TABLE IF EXISTS t ALTER COLUMN c DROP DEFAULT;`
pub fn drop_column_default(table: &QualifiedName, column: &str) -> String {
    format!(
        "ALTER TABLE IF EXISTS {} ALTER COLUMN {} DROP DEFAULT;",
        table.sql(),
        quote_ident(column)
    )
}

/// `ALTER SEQUENCE IF EXISTS s OWNED BY NONE;`
pub fn sequence_owned_by_none(name: &QualifiedName) -> String {
    format!("ALTER SEQUENCE IF EXISTS {} OWNED BY NONE;", name.sql())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::render::parse_function_key;

    #[test]
    fn drops() {
        let t = QualifiedName::new("public", "T");
        let k = parse_function_key("public.f(integer)").unwrap();
        let a = parse_function_key("public.cnt()").unwrap();
        assert_eq!(
            drop_object(Target::Schema("app")),
            "DROP SCHEMA IF EXISTS app;"
        );
        assert_eq!(
            drop_object(Target::MaterializedView(&t)),
            "DROP MATERIALIZED VIEW IF EXISTS public.\"T\";"
        );
        assert_eq!(
            drop_object(Target::Table(&t)),
            "DROP TABLE IF EXISTS public.\"T\";"
        );
        assert_eq!(
            drop_object(Target::Aggregate(&a)),
            "DROP AGGREGATE IF EXISTS public.cnt(*);"
        );
        assert_eq!(
            drop_object(Target::Procedure(&k)),
            "DROP PROCEDURE IF EXISTS public.f(integer);"
        );
        assert_eq!(
            drop_object(Target::Constraint(&t, "c")),
            "ALTER TABLE IF EXISTS public.\"T\" DROP CONSTRAINT IF EXISTS c;"
        );
        assert_eq!(
            drop_object(Target::Trigger(&t, "g")),
            "DROP TRIGGER IF EXISTS g ON public.\"T\";"
        );
        assert_eq!(
            drop_object(Target::Policy(&t, "p")),
            "DROP POLICY IF EXISTS p ON public.\"T\";"
        );
        assert_eq!(
            drop_column_default(&t, "c"),
            "ALTER TABLE IF EXISTS public.\"T\" ALTER COLUMN c DROP DEFAULT;"
        );
        assert_eq!(
            sequence_owned_by_none(&t),
            "ALTER SEQUENCE IF EXISTS public.\"T\" OWNED BY NONE;"
        );
    }
}

//! Indexes (on tables and materialized views).

use crate::model::{quote_ident, Index, IndexElem, NullsOrder, QualifiedName, SortOrder};

use super::{column_list, quote_dotted, with_options, Mode};

/// One key element: `col COLLATE c opclass DESC NULLS LAST` or `(expr) ...`.
pub fn index_elem(e: &IndexElem) -> String {
    let mut sql = match (&e.column, &e.expression) {
        (Some(c), _) => quote_ident(c),
        (None, Some(x)) => format!("({x})"),
        (None, None) => String::new(),
    };
    if let Some(c) = &e.collation {
        sql.push_str(&format!(" COLLATE {}", quote_dotted(c)));
    }
    if let Some(o) = &e.opclass {
        sql.push_str(&format!(" {}", quote_dotted(o)));
    }
    if e.order == Some(SortOrder::Desc) {
        sql.push_str(" DESC");
    }
    match e.nulls {
        Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
        None => {}
    }
    sql
}

/// `CREATE [UNIQUE] INDEX n ON s.t USING m (...) INCLUDE (...) NULLS NOT DISTINCT WITH (...) WHERE (...);`
/// The index lives in the table's schema.
pub fn create_index(name: &str, table: &QualifiedName, ix: &Index, mode: Mode) -> String {
    let mut sql = format!(
        "CREATE {}INDEX {}{} ON {}",
        if ix.unique { "UNIQUE " } else { "" },
        if mode == Mode::Concurrently {
            "CONCURRENTLY "
        } else {
            ""
        },
        quote_ident(name),
        table.sql()
    );
    if let Some(m) = &ix.method {
        sql.push_str(&format!(" USING {}", quote_ident(m)));
    }
    let elems: Vec<String> = ix.columns.iter().map(index_elem).collect();
    sql.push_str(&format!(" ({})", elems.join(", ")));
    if !ix.include.is_empty() {
        sql.push_str(&format!(" INCLUDE ({})", column_list(&ix.include)));
    }
    if ix.nulls_not_distinct {
        sql.push_str(" NULLS NOT DISTINCT");
    }
    sql.push_str(&with_options(&ix.options));
    if let Some(w) = &ix.where_ {
        sql.push_str(&format!(" WHERE ({w})"));
    }
    sql.push(';');
    sql
}

/// `ALTER INDEX i ALTER COLUMN k SET STATISTICS n;` for key column `k`
/// (from 1); None is the default, -1.
pub fn set_index_statistics(index: &QualifiedName, k: usize, n: Option<i32>) -> String {
    format!(
        "ALTER INDEX {} ALTER COLUMN {k} SET STATISTICS {};",
        index.sql(),
        n.unwrap_or(-1)
    )
}

/// The statistics targets of `b`'s key columns where they differ from `a`'s.
pub fn index_statistics_changes(index: &QualifiedName, a: &Index, b: &Index) -> Vec<String> {
    let none = IndexElem::default();
    b.columns
        .iter()
        .enumerate()
        .filter(|(k, e)| a.columns.get(*k).unwrap_or(&none).statistics != e.statistics)
        .map(|(k, e)| set_index_statistics(index, k + 1, e.statistics))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Index;

    #[test]
    fn indexes() {
        let t = QualifiedName::new("public", "Users");
        let ix = Index {
            columns: vec![IndexElem {
                column: Some("email".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(
            create_index("users_email_idx", &t, &ix, Mode::Plain),
            "CREATE INDEX users_email_idx ON public.\"Users\" (email);"
        );
        let mut ix = Index {
            unique: true,
            method: Some("gin".into()),
            columns: vec![
                IndexElem {
                    expression: Some("lower(name)".into()),
                    collation: Some("C".into()),
                    opclass: Some("public.gin_trgm_ops".into()),
                    ..Default::default()
                },
                IndexElem {
                    column: Some("At".into()),
                    order: Some(SortOrder::Desc),
                    nulls: Some(NullsOrder::Last),
                    ..Default::default()
                },
            ],
            where_: Some("deleted_at IS NULL".into()),
            nulls_not_distinct: true,
            ..Default::default()
        };
        ix.include = vec!["id".into()];
        (ix.options).insert("fastupdate".into(), "off".into());
        assert_eq!(
            create_index("Ix", &t, &ix, Mode::Concurrently),
            "CREATE UNIQUE INDEX CONCURRENTLY \"Ix\" ON public.\"Users\" USING gin ((lower(name)) COLLATE \"C\" public.gin_trgm_ops, \"At\" DESC NULLS LAST) INCLUDE (id) NULLS NOT DISTINCT WITH (fastupdate=off) WHERE (deleted_at IS NULL);"
        );
    }
}

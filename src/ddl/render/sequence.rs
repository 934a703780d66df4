//! Sequences. OWNED BY is its own statement: it needs the table.

use crate::model::name::split_dotted;
use crate::model::{quote_ident, QualifiedName, Sequence};

use super::PlanError;

/// `CREATE SEQUENCE s.q AS integer START WITH 1 ...;` (only the options set).
pub fn create_sequence(name: &QualifiedName, s: &Sequence) -> String {
    let mut sql = format!("CREATE SEQUENCE {}", name.sql());
    if let Some(t) = &s.type_ {
        sql.push_str(&format!(" AS {t}"));
    }
    let opts = [
        (" START WITH ", s.start),
        (" INCREMENT BY ", s.increment),
        (" MINVALUE ", s.min_value),
        (" MAXVALUE ", s.max_value),
        (" CACHE ", s.cache),
    ];
    for (word, value) in opts {
        if let Some(v) = value {
            sql.push_str(&format!("{word}{v}"));
        }
    }
    if s.cycle {
        sql.push_str(" CYCLE");
    }
    sql.push(';');
    sql
}

/// Splits `schema.table.column` into the table and the column.
pub fn parse_owned_by(text: &str) -> Result<(QualifiedName, String), PlanError> {
    let parts = split_dotted(text).map_err(|message| PlanError::Name {
        what: format!("owned_by `{text}`"),
        message,
    })?;
    match parts.as_slice() {
        [schema, table, column] => Ok((QualifiedName::new(schema, table), column.clone())),
        _ => Err(PlanError::Name {
            what: format!("owned_by `{text}`"),
            message: "expected schema.table.column".into(),
        }),
    }
}

/// `ALTER SEQUENCE s.q OWNED BY s.t.c;`
pub fn sequence_owned_by(name: &QualifiedName, owned_by: &str) -> Result<String, PlanError> {
    let (table, column) = parse_owned_by(owned_by)?;
    Ok(format!(
        "ALTER SEQUENCE {} OWNED BY {}.{};",
        name.sql(),
        table.sql(),
        quote_ident(&column)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences() {
        let n = QualifiedName::new("public", "Order_id_seq");
        assert_eq!(
            create_sequence(&n, &Sequence::default()),
            "CREATE SEQUENCE public.\"Order_id_seq\";"
        );
        let s = Sequence {
            type_: Some("integer".into()),
            start: Some(10),
            increment: Some(-1),
            min_value: Some(1),
            max_value: Some(100),
            cache: Some(5),
            cycle: true,
            ..Default::default()
        };
        assert_eq!(
            create_sequence(&n, &s),
            "CREATE SEQUENCE public.\"Order_id_seq\" AS integer START WITH 10 INCREMENT BY -1 MINVALUE 1 MAXVALUE 100 CACHE 5 CYCLE;"
        );
        assert_eq!(
            sequence_owned_by(&n, "public.Order.select").unwrap(),
            "ALTER SEQUENCE public.\"Order_id_seq\" OWNED BY public.\"Order\".\"select\";"
        );
        assert!(sequence_owned_by(&n, "public.x").is_err());
    }
}

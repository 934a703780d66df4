//! Views and materialized views.

use crate::model::{QualifiedName, View};

use super::{with_options, Mode, PlanError};

/// `CREATE [MATERIALIZED] VIEW s.v WITH (...) AS <query> [WITH LOCAL CHECK OPTION];`
pub fn create_view(name: &QualifiedName, v: &View, mode: Mode) -> Result<String, PlanError> {
    let kind = if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    };
    let query = v.definition.trim().trim_end_matches(';').trim_end();
    let replace = if mode == Mode::OrReplace {
        "OR REPLACE "
    } else {
        ""
    };
    let mut sql = format!(
        "CREATE {replace}{kind} {}{} AS\n{query}",
        name.sql(),
        with_options(&v.options)
    );
    if let Some(c) = &v.check_option {
        let word = match c.to_ascii_lowercase().as_str() {
            "local" => "LOCAL",
            "cascaded" => "CASCADED",
            other => {
                return Err(PlanError::Invalid {
                    what: format!("view {name}"),
                    message: format!("unknown check_option `{other}`"),
                })
            }
        };
        sql.push_str(&format!("\n  WITH {word} CHECK OPTION"));
    }
    if v.materialized && v.with_no_data {
        sql.push_str("\n  WITH NO DATA");
    }
    sql.push(';');
    Ok(sql)
}

/// `REFRESH MATERIALIZED VIEW v [WITH NO DATA];`: computed again, or
/// emptied and left unreadable until the next refresh.
pub fn refresh_materialized_view(name: &QualifiedName, with_no_data: bool) -> String {
    let no_data = if with_no_data { " WITH NO DATA" } else { "" };
    format!("REFRESH MATERIALIZED VIEW {}{no_data};", name.sql())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views() {
        let n = QualifiedName::new("public", "Active users");
        let mut v = View {
            definition: " SELECT id\n   FROM public.users;".into(),
            check_option: Some("local".into()),
            ..Default::default()
        };
        v.options.insert("security_invoker".into(), "true".into());
        assert_eq!(
            create_view(&n, &v, Mode::Plain).unwrap(),
            "CREATE VIEW public.\"Active users\" WITH (security_invoker=true) AS\nSELECT id\n   FROM public.users\n  WITH LOCAL CHECK OPTION;"
        );
        let m = View {
            materialized: true,
            definition: "SELECT 1 AS one".into(),
            ..Default::default()
        };
        assert_eq!(
            create_view(&QualifiedName::new("s", "m"), &m, Mode::Plain).unwrap(),
            "CREATE MATERIALIZED VIEW s.m AS\nSELECT 1 AS one;"
        );
    }
}

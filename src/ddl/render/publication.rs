//! Publications: CREATE, the ALTERs that change one in place, DROP.

use crate::model::name::quote_literal;
use crate::model::{quote_ident, Publication, PublishedTable, QualifiedName, PUBLISH_OPERATIONS};

use super::parse_name;
use crate::ddl::PlanError;

/// `CREATE PUBLICATION p [FOR ...] [WITH (...)];`
pub fn create_publication(name: &str, p: &Publication) -> Result<String, PlanError> {
    let mut sql = format!("CREATE PUBLICATION {}", quote_ident(name));
    if p.all_tables {
        sql.push_str(" FOR ALL TABLES");
    } else {
        // `FOR TABLE a, b` is what PostgreSQL 14 reads; 15 reads names
        // after `TABLE` as tables until `TABLES IN SCHEMA`.
        let mut objects = Vec::new();
        for (i, (key, t)) in p.tables.iter().enumerate() {
            let word = if i == 0 { "TABLE " } else { "" };
            objects.push(format!("{word}{}", table_item(key, t)?));
        }
        objects.extend(
            p.schemas
                .iter()
                .map(|s| format!("TABLES IN SCHEMA {}", quote_ident(s))),
        );
        if !objects.is_empty() {
            sql.push_str(" FOR ");
            sql.push_str(&objects.join(", "));
        }
    }
    let mut with = Vec::new();
    if let Some(ops) = &p.publish {
        with.push(format!("publish = {}", quote_literal(&ops.join(", "))));
    }
    if p.via_partition_root {
        with.push("publish_via_partition_root = true".to_string());
    }
    if !with.is_empty() {
        sql.push_str(&format!(" WITH ({})", with.join(", ")));
    }
    sql.push(';');
    Ok(sql)
}

/// What an external publication gets: its tables and schemas added, its
/// options set where they are not the defaults. Empty when it lists none.
pub fn add_to_publication(name: &str, p: &Publication) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    for (key, t) in &p.tables {
        out.push(publication_add_table(name, key, t)?);
    }
    for s in &p.schemas {
        out.push(publication_schema(name, s, true));
    }
    if p.publish.is_some() || p.via_partition_root {
        out.push(publication_options(name, p));
    }
    Ok(out)
}

/// Undoes [`add_to_publication`] in one statement: its tables and schemas
/// dropped, or, when it lists none, the default options set. (Options set
/// beside tables stay: a step undoes with one statement.)
pub fn remove_from_publication(name: &str, p: &Publication) -> Result<String, PlanError> {
    let mut objects = Vec::new();
    for (i, key) in p.tables.keys().enumerate() {
        let q = parse_name(key, &format!("published table `{key}`"))?;
        let word = if i == 0 { "TABLE " } else { "" };
        objects.push(format!("{word}{}", q.sql()));
    }
    objects.extend(
        p.schemas
            .iter()
            .map(|s| format!("TABLES IN SCHEMA {}", quote_ident(s))),
    );
    if objects.is_empty() {
        return Ok(publication_options(name, &Publication::default()));
    }
    Ok(format!(
        "ALTER PUBLICATION {} DROP {};",
        quote_ident(name),
        objects.join(", ")
    ))
}

/// `s.t (a, b) WHERE (filter)`.
fn table_item(key: &str, t: &PublishedTable) -> Result<String, PlanError> {
    let q: QualifiedName = parse_name(key, &format!("published table `{key}`"))?;
    let mut out = q.sql();
    if !t.columns.is_empty() {
        let cols: Vec<String> = t.columns.iter().map(|c| quote_ident(c)).collect();
        out.push_str(&format!(" ({})", cols.join(", ")));
    }
    if let Some(w) = &t.where_ {
        out.push_str(&format!(" WHERE ({w})"));
    }
    Ok(out)
}

/// `ALTER PUBLICATION p ADD TABLE s.t ...;`
pub fn publication_add_table(
    name: &str,
    key: &str,
    t: &PublishedTable,
) -> Result<String, PlanError> {
    Ok(format!(
        "ALTER PUBLICATION {} ADD TABLE {};",
        quote_ident(name),
        table_item(key, t)?
    ))
}

/// `ALTER PUBLICATION p DROP TABLE s.t;`
pub fn publication_drop_table(name: &str, key: &str) -> Result<String, PlanError> {
    let q = parse_name(key, &format!("published table `{key}`"))?;
    Ok(format!(
        "ALTER PUBLICATION {} DROP TABLE {};",
        quote_ident(name),
        q.sql()
    ))
}

/// `ALTER PUBLICATION p ADD|DROP TABLES IN SCHEMA s;`
pub fn publication_schema(name: &str, schema: &str, add: bool) -> String {
    format!(
        "ALTER PUBLICATION {} {} TABLES IN SCHEMA {};",
        quote_ident(name),
        if add { "ADD" } else { "DROP" },
        quote_ident(schema)
    )
}

/// `ALTER PUBLICATION p SET (publish = ..., publish_via_partition_root = ...);`
/// Both options are written, so the statement says the whole state.
pub fn publication_options(name: &str, p: &Publication) -> String {
    let ops = match &p.publish {
        Some(ops) => ops.join(", "),
        None => PUBLISH_OPERATIONS.join(", "),
    };
    format!(
        "ALTER PUBLICATION {} SET (publish = {}, publish_via_partition_root = {});",
        quote_ident(name),
        quote_literal(&ops),
        p.via_partition_root
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: &[&str], filter: Option<&str>) -> PublishedTable {
        PublishedTable {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            where_: filter.map(str::to_string),
        }
    }

    #[test]
    fn create_names_tables_then_schemas_and_only_options_set() {
        let mut p = Publication::default();
        p.tables.insert("public.t".into(), table(&[], None));
        p.tables
            .insert("app.u".into(), table(&["id", "A"], Some("id > 0")));
        p.schemas.push("sales".into());
        p.publish = Some(vec!["insert".into(), "update".into()]);
        assert_eq!(
            create_publication("pub", &p).unwrap(),
            "CREATE PUBLICATION pub FOR TABLE public.t, app.u (id, \"A\") WHERE (id > 0), \
             TABLES IN SCHEMA sales WITH (publish = 'insert, update');"
        );
        let all = Publication {
            all_tables: true,
            via_partition_root: true,
            ..Default::default()
        };
        assert_eq!(
            create_publication("Everything", &all).unwrap(),
            "CREATE PUBLICATION \"Everything\" FOR ALL TABLES WITH (publish_via_partition_root = true);"
        );
        assert_eq!(
            create_publication("empty", &Publication::default()).unwrap(),
            "CREATE PUBLICATION empty;"
        );
    }

    #[test]
    fn options_state_everything() {
        let p = Publication::default();
        assert_eq!(
            publication_options("p", &p),
            "ALTER PUBLICATION p SET (publish = 'insert, update, delete, truncate', \
             publish_via_partition_root = false);"
        );
    }
}

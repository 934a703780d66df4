//! A publication changed in place: tables and schemas added or dropped,
//! a table's column list or row filter changed, options set.

use crate::ddl::render;
use crate::ddl::{Code, Hazard, PlanError};
use crate::model::expr::equivalent;
use crate::model::{Database, Publication, PublishedTable};

use super::hazard;

/// Statements up and down, and the hazards of going up.
type Changes = ((Vec<String>, Vec<String>), Vec<Hazard>);

/// The statements from `a` to `b` and back, and their hazards. `to` is the
/// model on `b`'s side, for what the tables added hold.
pub fn changes(
    name: &str,
    a: &Publication,
    b: &Publication,
    to: &Database,
) -> Result<Changes, PlanError> {
    let mut hazards = Vec::new();
    let up = steps(name, a, b)?;
    let down = steps(name, b, a)?;
    for (key, t) in &b.tables {
        match a.tables.get(key) {
            None => {
                hazards.push(hazard(
                    Code::AccessWidened,
                    format!("publication {name} sends the changes of {key} to its subscribers"),
                ));
                if let Some(h) = writes_refused(name, key, b, to) {
                    hazards.push(h);
                }
            }
            Some(old) if sends_more(old, t) => hazards.push(hazard(
                Code::AccessWidened,
                format!("publication {name} sends more of {key} to its subscribers"),
            )),
            Some(_) => {}
        }
    }
    for s in b.schemas.iter().filter(|s| !a.schemas.contains(s)) {
        hazards.push(hazard(
            Code::AccessWidened,
            format!("publication {name} sends the changes of every table in schema {s}"),
        ));
    }
    Ok(((up, down), hazards))
}

/// The hazards of creating publication `p`: tables whose UPDATEs and
/// DELETEs PostgreSQL will refuse.
pub fn created(name: &str, p: &Publication, to: &Database) -> Vec<Hazard> {
    p.tables
        .keys()
        .filter_map(|key| writes_refused(name, key, p, to))
        .collect()
}

/// Same table entry: the same columns in any order, equivalent filters.
pub fn same_table(a: &PublishedTable, b: &PublishedTable) -> bool {
    let mut x = a.columns.clone();
    let mut y = b.columns.clone();
    x.sort();
    y.sort();
    x == y
        && match (&a.where_, &b.where_) {
            (None, None) => true,
            (Some(p), Some(q)) => equivalent(p, q),
            _ => false,
        }
}

/// Whether `b` sends columns or rows `a` did not (a wider column list or
/// a filter removed or changed).
fn sends_more(a: &PublishedTable, b: &PublishedTable) -> bool {
    let columns = match (a.columns.is_empty(), b.columns.is_empty()) {
        (_, true) => !a.columns.is_empty(),
        (true, false) => false,
        (false, false) => b.columns.iter().any(|c| !a.columns.contains(c)),
    };
    let rows = match (&a.where_, &b.where_) {
        (_, None) => a.where_.is_some(),
        (None, Some(_)) => false,
        (Some(p), Some(q)) => !equivalent(p, q),
    };
    columns || rows
}

/// PostgreSQL refuses UPDATE and DELETE on a table published for them
/// that has no replica identity.
fn writes_refused(name: &str, key: &str, p: &Publication, to: &Database) -> Option<Hazard> {
    let t = to.tables.get(key)?;
    let ops = p.publish.as_deref();
    let sends = |op: &str| ops.is_none_or(|o| o.iter().any(|x| x == op));
    if !(sends("update") || sends("delete")) {
        return None;
    }
    let identity = match t.replica_identity.as_deref() {
        Some("nothing") => false,
        Some(_) => true,
        None => t.primary_key.is_some(),
    };
    (!identity && t.partition_by.is_none()).then(|| {
        hazard(
            Code::WritesRefused,
            format!(
                "{key} has no replica identity: once publication {name} sends its updates and deletes, PostgreSQL refuses them"
            ),
        )
    })
}

/// Statements taking publication `name` from `a` to `b` (same `all_tables`).
fn steps(name: &str, a: &Publication, b: &Publication) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    for (key, t) in &a.tables {
        if !b.tables.get(key).is_some_and(|u| same_table(t, u)) {
            out.push(render::publication_drop_table(name, key)?);
        }
    }
    for s in a.schemas.iter().filter(|s| !b.schemas.contains(s)) {
        out.push(render::publication_schema(name, s, false));
    }
    if a.publish != b.publish || a.via_partition_root != b.via_partition_root {
        out.push(render::publication_options(name, b));
    }
    for s in b.schemas.iter().filter(|s| !a.schemas.contains(s)) {
        out.push(render::publication_schema(name, s, true));
    }
    for (key, t) in &b.tables {
        if !a.tables.get(key).is_some_and(|u| same_table(u, t)) {
            out.push(render::publication_add_table(name, key, t)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::ddl::Code;
    use crate::model::fixtures::table;
    use crate::model::{Database, PrimaryKey, Publication, PublishedTable};

    fn codes(from: &Database, to: &Database) -> Vec<(String, Vec<Code>)> {
        let (_, changes) = super::super::diff(from, to, &Default::default(), true).unwrap();
        changes
            .into_iter()
            .map(|c| (c.id.to_string(), c.hazards.iter().map(|h| h.code).collect()))
            .collect()
    }

    /// `log` without a key, `keyed` with one, and publication `p` of `tables`.
    fn model(tables: &[&str], publish: Option<&[&str]>) -> Database {
        let mut db = Database::default();
        db.tables
            .insert("public.log".into(), table(&[("line", "text")]));
        let mut keyed = table(&[("id", "integer")]);
        keyed.primary_key = Some(PrimaryKey {
            columns: vec!["id".into()],
            ..Default::default()
        });
        db.tables.insert("public.keyed".into(), keyed);
        let mut p = Publication {
            publish: publish.map(|o| o.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        for t in tables {
            p.tables.insert(t.to_string(), PublishedTable::default());
        }
        db.publications.insert("p".into(), p);
        db
    }

    #[test]
    fn a_table_without_replica_identity_published_for_updates_is_red() {
        let from = model(&[], None);
        let to = model(&["public.log"], None);
        let found = codes(&from, &to);
        assert_eq!(
            found,
            [(
                "publication:p".to_string(),
                vec![Code::AccessWidened, Code::WritesRefused]
            )]
        );
        // Inserts only, or a table with a key: its writes go on.
        let inserts = Some(&["insert"][..]);
        let found = codes(&model(&[], inserts), &model(&["public.log"], inserts));
        assert_eq!(found[0].1, [Code::AccessWidened]);
        let found = codes(&from, &model(&["public.keyed"], None));
        assert_eq!(found[0].1, [Code::AccessWidened]);
        // Created with such a table: the same.
        let found = codes(&Database::default(), &to);
        let create = found.iter().find(|(id, _)| id == "publication:p").unwrap();
        assert_eq!(create.1, [Code::WritesRefused]);
    }

    #[test]
    fn dropping_a_publication_is_red_and_someone_elses_is_never_dropped() {
        let from = model(&["public.keyed"], None);
        let mut to = from.clone();
        to.publications.clear();
        let found = codes(&from, &to);
        assert_eq!(
            found,
            [("publication:p".to_string(), vec![Code::PublicationDropped])]
        );
        let mut theirs = from.clone();
        theirs.publications["p"].external = true;
        let (_, changes) = super::super::diff(&theirs, &to, &Default::default(), true).unwrap();
        assert_eq!(
            changes[0].up,
            ["ALTER PUBLICATION p DROP TABLE public.keyed;"]
        );
        assert!(changes[0].hazards.is_empty());
    }
}

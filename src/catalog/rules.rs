//! Rules (`CREATE RULE`) on tables and views, less a view's own
//! `_RETURN` rule: one query. Those on foreign tables are listed as
//! unmanaged (`unmanaged.rs`).

use diesel::sql_types::{Bool, Nullable, Text};
use diesel::QueryableByName;

use super::session::Session;
use super::tables::{comment_join, rel_filter};
use super::CatalogError;
use crate::model::rule::split_rule;
use crate::model::{Database, Rule, RuleEvent, Unmanaged};

#[derive(QueryableByName)]
struct RuleRow {
    #[diesel(sql_type = Text)]
    schema: String,
    #[diesel(sql_type = Text)]
    rel: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    event: String,
    #[diesel(sql_type = Bool)]
    instead: bool,
    #[diesel(sql_type = Text)]
    enabled: String,
    #[diesel(sql_type = Text)]
    def: String,
    #[diesel(sql_type = Nullable<Text>)]
    comment: Option<String>,
}

pub fn rules(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let sql = format!(
        "SELECT n.nspname::text AS schema, c.relname::text AS rel, r.rulename::text AS name,
                r.ev_type::text AS event, r.is_instead AS instead,
                r.ev_enabled::text AS enabled, pg_get_ruledef(r.oid) AS def,
                ds.description AS comment
           FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class
           JOIN pg_namespace n ON n.oid = c.relnamespace
           {}
          WHERE r.rulename <> '_RETURN' AND c.relkind <> 'f' AND {}",
        comment_join("r.oid", "pg_rewrite"),
        rel_filter()
    );
    let rows: Vec<RuleRow> = s.load("rules", &sql)?;
    for r in rows {
        let key = Session::key(&r.schema, &r.rel);
        let unmanaged = |db: &mut Database| {
            db.unmanaged.push(Unmanaged {
                kind: "rule".into(),
                name: format!("{key}.{}", r.name),
            })
        };
        let event = match r.event.as_str() {
            "1" => RuleEvent::Select,
            "2" => RuleEvent::Update,
            "3" => RuleEvent::Insert,
            "4" => RuleEvent::Delete,
            _ => {
                unmanaged(db);
                continue;
            }
        };
        let Ok(parts) = split_rule(&r.def) else {
            unmanaged(db);
            continue;
        };
        let rule = Rule {
            event,
            instead: r.instead,
            where_: parts.where_,
            actions: parts.actions,
            enabled: match r.enabled.as_str() {
                "D" => Some("disabled".into()),
                "R" => Some("replica".into()),
                "A" => Some("always".into()),
                _ => None,
            },
            comment: r.comment,
        };
        let found = match db.tables.get_mut(&key) {
            Some(t) => Some(&mut t.rules),
            None => db.views.get_mut(&key).map(|v| &mut v.rules),
        };
        match found {
            Some(rules) => {
                rules.insert(r.name, rule);
            }
            None => unmanaged(db),
        }
    }
    Ok(())
}

//! Rules (`CREATE RULE`).

use crate::model::{quote_ident, QualifiedName, Rule};

use super::{Mode, PlanError};

/// `CREATE [OR REPLACE] RULE n AS ON INSERT TO s.t [WHERE c] DO ALSO ...;`
pub fn create_rule(name: &str, on: &QualifiedName, r: &Rule, mode: Mode) -> String {
    let mut sql = format!(
        "CREATE {}RULE {} AS ON {} TO {}",
        if mode == Mode::OrReplace {
            "OR REPLACE "
        } else {
            ""
        },
        quote_ident(name),
        r.event.sql(),
        on.sql()
    );
    if let Some(w) = &r.where_ {
        sql.push_str(&format!(" WHERE {w}"));
    }
    sql.push_str(if r.instead {
        " DO INSTEAD "
    } else {
        " DO ALSO "
    });
    match r.actions.as_slice() {
        [] => sql.push_str("NOTHING"),
        [one] => sql.push_str(one),
        many => sql.push_str(&format!("({})", many.join("; "))),
    }
    sql.push(';');
    sql
}

/// `ALTER TABLE t DISABLE RULE n;` (or ENABLE REPLICA/ALWAYS); None for
/// the default `origin`.
pub fn rule_enabled(name: &str, on: &QualifiedName, r: &Rule) -> Result<Option<String>, PlanError> {
    let Some(state) = &r.enabled else {
        return Ok(None);
    };
    let action = match state.to_ascii_lowercase().as_str() {
        "origin" => return Ok(None),
        "disabled" => "DISABLE",
        "replica" => "ENABLE REPLICA",
        "always" => "ENABLE ALWAYS",
        other => {
            return Err(PlanError::Invalid {
                what: format!("rule {name} on {on}"),
                message: format!("unknown enabled state `{other}`"),
            })
        }
    };
    Ok(Some(format!(
        "ALTER TABLE {} {action} RULE {};",
        on.sql(),
        quote_ident(name)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RuleEvent;

    #[test]
    fn rules() {
        let t = QualifiedName::new("public", "T");
        let mut r = Rule {
            event: RuleEvent::Insert,
            actions: vec!["INSERT INTO public.l (id) VALUES (new.id)".into()],
            ..Rule::default()
        };
        assert_eq!(
            create_rule("r", &t, &r, Mode::Plain),
            "CREATE RULE r AS ON INSERT TO public.\"T\" DO ALSO INSERT INTO public.l (id) VALUES (new.id);"
        );
        r.instead = true;
        r.where_ = Some("(new.id > 0)".into());
        r.actions.push("NOTIFY t".into());
        assert_eq!(
            create_rule("r", &t, &r, Mode::OrReplace),
            "CREATE OR REPLACE RULE r AS ON INSERT TO public.\"T\" WHERE (new.id > 0) DO INSTEAD (INSERT INTO public.l (id) VALUES (new.id); NOTIFY t);"
        );
        r.actions.clear();
        assert!(create_rule("r", &t, &r, Mode::Plain).ends_with("DO INSTEAD NOTHING;"));
        r.enabled = Some("disabled".into());
        assert_eq!(
            rule_enabled("r", &t, &r).unwrap().unwrap(),
            "ALTER TABLE public.\"T\" DISABLE RULE r;"
        );
    }
}

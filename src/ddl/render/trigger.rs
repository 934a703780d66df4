//! Triggers.

use crate::model::name::quote_literal;
use crate::model::{quote_ident, ForEach, QualifiedName, Trigger, TriggerTiming};

use super::{column_list, deferral, parse_name, PlanError};

/// `CREATE [CONSTRAINT] TRIGGER n AFTER INSERT OR UPDATE OF a ON s.t ... EXECUTE FUNCTION s.f('x');`
pub fn create_trigger(name: &str, table: &QualifiedName, t: &Trigger) -> Result<String, PlanError> {
    let what = format!("trigger {name} on {table}");
    let function = parse_name(&t.function, &what)?;
    let timing = match t.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let mut events = Vec::new();
    for e in &t.events {
        let word = e.to_ascii_uppercase();
        if !matches!(word.as_str(), "INSERT" | "UPDATE" | "DELETE" | "TRUNCATE") {
            return Err(PlanError::Invalid {
                what,
                message: format!("unknown event `{e}`"),
            });
        }
        if word == "UPDATE" && !t.columns.is_empty() {
            events.push(format!("UPDATE OF {}", column_list(&t.columns)));
        } else {
            events.push(word);
        }
    }
    let mut sql = format!(
        "CREATE {}TRIGGER {} {timing} {} ON {}",
        if t.constraint { "CONSTRAINT " } else { "" },
        quote_ident(name),
        events.join(" OR "),
        table.sql()
    );
    sql.push_str(deferral(t.deferrable));
    let mut referencing = String::new();
    if let Some(o) = &t.old_table {
        referencing.push_str(&format!(" OLD TABLE AS {}", quote_ident(o)));
    }
    if let Some(n) = &t.new_table {
        referencing.push_str(&format!(" NEW TABLE AS {}", quote_ident(n)));
    }
    if !referencing.is_empty() {
        sql.push_str(&format!(" REFERENCING{referencing}"));
    }
    sql.push_str(match t.for_each {
        ForEach::Row => " FOR EACH ROW",
        ForEach::Statement => " FOR EACH STATEMENT",
    });
    if let Some(w) = &t.when {
        sql.push_str(&format!(" WHEN ({w})"));
    }
    let args: Vec<String> = t.arguments.iter().map(|a| quote_literal(a)).collect();
    sql.push_str(&format!(
        " EXECUTE FUNCTION {}({});",
        function.sql(),
        args.join(", ")
    ));
    Ok(sql)
}

/// `ALTER TABLE t DISABLE TRIGGER n;` (or ENABLE REPLICA/ALWAYS); None for
/// the default `origin`.
pub fn trigger_enabled(
    name: &str,
    table: &QualifiedName,
    t: &Trigger,
) -> Result<Option<String>, PlanError> {
    let Some(state) = &t.enabled else {
        return Ok(None);
    };
    let action = match state.to_ascii_lowercase().as_str() {
        "origin" | "o" => return Ok(None),
        "disabled" | "d" => "DISABLE",
        "replica" | "r" => "ENABLE REPLICA",
        "always" | "a" => "ENABLE ALWAYS",
        other => {
            return Err(PlanError::Invalid {
                what: format!("trigger {name} on {table}"),
                message: format!("unknown enabled state `{other}`"),
            })
        }
    };
    Ok(Some(format!(
        "ALTER TABLE {} {action} TRIGGER {};",
        table.sql(),
        quote_ident(name)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Deferral;

    #[test]
    fn triggers() {
        let t = QualifiedName::new("public", "Orders");
        let tr = Trigger {
            timing: TriggerTiming::After,
            events: vec!["insert".into(), "update".into(), "delete".into()],
            columns: vec!["Status".into()],
            for_each: ForEach::Row,
            when: Some("(new.x IS DISTINCT FROM old.x)".into()),
            function: "audit.log_change".into(),
            arguments: vec!["it's".into(), "2".into()],
            ..Default::default()
        };
        assert_eq!(
            create_trigger("Audit", &t, &tr).unwrap(),
            "CREATE TRIGGER \"Audit\" AFTER INSERT OR UPDATE OF \"Status\" OR DELETE ON public.\"Orders\" FOR EACH ROW WHEN ((new.x IS DISTINCT FROM old.x)) EXECUTE FUNCTION audit.log_change('it''s', '2');"
        );
        let tr = Trigger {
            timing: TriggerTiming::After,
            events: vec!["update".into()],
            for_each: ForEach::Statement,
            function: "public.f".into(),
            old_table: Some("old_rows".into()),
            new_table: Some("new_rows".into()),
            enabled: Some("replica".into()),
            ..Default::default()
        };
        assert_eq!(
            create_trigger("t", &t, &tr).unwrap(),
            "CREATE TRIGGER t AFTER UPDATE ON public.\"Orders\" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.f();"
        );
        assert_eq!(
            trigger_enabled("t", &t, &tr).unwrap().unwrap(),
            "ALTER TABLE public.\"Orders\" ENABLE REPLICA TRIGGER t;"
        );
        let tr = Trigger {
            timing: TriggerTiming::After,
            events: vec!["insert".into()],
            function: "public.f".into(),
            constraint: true,
            deferrable: Deferral::InitiallyDeferred,
            enabled: Some("disabled".into()),
            ..Default::default()
        };
        assert_eq!(
            create_trigger("c", &t, &tr).unwrap(),
            "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON public.\"Orders\" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.f();"
        );
        assert_eq!(
            trigger_enabled("c", &t, &tr).unwrap().unwrap(),
            "ALTER TABLE public.\"Orders\" DISABLE TRIGGER c;"
        );
        let bad = Trigger {
            events: vec!["select".into()],
            function: "public.f".into(),
            ..Default::default()
        };
        assert!(create_trigger("b", &t, &bad).is_err());
    }
}

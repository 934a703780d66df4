//! GRANT / REVOKE, OWNER TO and default privileges.

use crate::model::{quote_ident, DefaultPrivilege, Grants};

use super::{role, PlanError, Target};

const PRIVILEGES: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
    "usage",
    "create",
    "execute",
    "temporary",
    "temp",
    "connect",
    "maintain",
];

/// Splits `select with grant option` / `[all]` into (SQL word, grant option).
pub fn parse_privilege(p: &str) -> Result<(String, bool), PlanError> {
    let lower = p.trim().to_ascii_lowercase();
    let (word, wgo) = match lower.strip_suffix("with grant option") {
        Some(w) => (w.trim_end().to_string(), true),
        None => (lower, false),
    };
    let sql = match word.as_str() {
        "[all]" | "all" | "all privileges" => "ALL".to_string(),
        w if PRIVILEGES.contains(&w) => w.to_ascii_uppercase(),
        _ => {
            return Err(PlanError::Invalid {
                what: "grant".into(),
                message: format!("unknown privilege `{p}`"),
            })
        }
    };
    Ok((sql, wgo))
}

/// The object as GRANT names it: views are TABLEs, aggregates FUNCTIONs.
pub fn grant_object(target: Target<'_>) -> String {
    match target {
        Target::View(n) | Target::MaterializedView(n) => format!("TABLE {}", n.sql()),
        Target::Aggregate(k) => format!("FUNCTION {}", k.sql()),
        other => other.sql(),
    }
}

/// GRANT statements for `grants` on `target`, optionally on one column.
/// `public: []` on functions and types (where PUBLIC has a default
/// privilege) revokes it; so does the owner's entry (`owner`, its key in
/// `grants`) revoke the owner's own privileges before granting what it
/// lists.
pub fn grant_statements(
    target: Target<'_>,
    column: Option<&str>,
    grants: &Grants,
    owner: Option<&str>,
) -> Result<Vec<String>, PlanError> {
    let object = grant_object(target);
    let public_default = matches!(
        target,
        Target::Function(_)
            | Target::Procedure(_)
            | Target::Aggregate(_)
            | Target::Type(_)
            | Target::Domain(_)
    );
    let cols = column
        .map(|c| format!(" ({})", quote_ident(c)))
        .unwrap_or_default();
    let mut out = Vec::new();
    for (grantee, privs) in grants {
        if column.is_none() && owner == Some(grantee.as_str()) {
            // Holding all is the owner's default: nothing to say.
            let all = matches!(privs.as_slice(), [p] if parse_privilege(p).is_ok_and(|w| w == ("ALL".to_string(), false)));
            if all {
                continue;
            }
            out.push(format!("REVOKE ALL ON {object} FROM {};", role(grantee)));
        }
        if privs.is_empty() {
            if grantee == "public" && public_default && column.is_none() {
                out.push(format!("REVOKE ALL ON {object} FROM PUBLIC;"));
            }
            continue;
        }
        let mut plain = Vec::new();
        let mut with_option = Vec::new();
        for p in privs {
            let (word, wgo) = parse_privilege(p)?;
            let item = format!("{word}{cols}");
            if wgo {
                with_option.push(item);
            } else {
                plain.push(item);
            }
        }
        let to = role(grantee);
        if !plain.is_empty() {
            out.push(format!("GRANT {} ON {object} TO {to};", plain.join(", ")));
        }
        if !with_option.is_empty() {
            out.push(format!(
                "GRANT {} ON {object} TO {to} WITH GRANT OPTION;",
                with_option.join(", ")
            ));
        }
    }
    Ok(out)
}

/// `ALTER <target> OWNER TO r;`
pub fn owner_to(target: Target<'_>, owner: &str) -> String {
    format!("ALTER {} OWNER TO {};", target.sql(), quote_ident(owner))
}

/// `ALTER DEFAULT PRIVILEGES [FOR ROLE r] [IN SCHEMA s] GRANT ... ON TABLES TO g;`
pub fn default_privileges(d: &DefaultPrivilege) -> Result<Vec<String>, PlanError> {
    Ok(default_privileges_with_undo(d)?
        .into_iter()
        .map(|(sql, _)| sql)
        .collect())
}

/// Each default privileges statement with the one that undoes it.
pub fn default_privileges_with_undo(
    d: &DefaultPrivilege,
) -> Result<Vec<(String, String)>, PlanError> {
    let on = d.on.to_ascii_lowercase();
    let default_word = match on.as_str() {
        "functions" | "routines" => Some("EXECUTE"),
        "types" => Some("USAGE"),
        "tables" | "sequences" | "schemas" => None,
        _ => {
            return Err(PlanError::Invalid {
                what: "default privileges".into(),
                message: format!("unknown object kind `{}`", d.on),
            })
        }
    };
    let on = on.to_ascii_uppercase();
    let mut head = "ALTER DEFAULT PRIVILEGES".to_string();
    if let Some(r) = &d.for_role {
        head.push_str(&format!(" FOR ROLE {}", quote_ident(r)));
    }
    if let Some(s) = &d.schema {
        head.push_str(&format!(" IN SCHEMA {}", quote_ident(s)));
    }
    // In a global entry the role itself holds every privilege unless it
    // is named: then it holds what is listed.
    let own = d
        .schema
        .is_none()
        .then(|| crate::model::privileges::owner_key(d.for_role.as_deref()));
    let mut out = Vec::new();
    for (grantee, privs) in &d.grants {
        if own == Some(grantee.as_str()) {
            let to = role(grantee);
            out.push((
                format!("{head} REVOKE ALL ON {on} FROM {to};"),
                format!("{head} GRANT ALL ON {on} TO {to};"),
            ));
        }
        if privs.is_empty() {
            if let (true, Some(word)) = (grantee == "public", default_word) {
                out.push((
                    format!("{head} REVOKE ALL ON {on} FROM PUBLIC;"),
                    format!("{head} GRANT {word} ON {on} TO PUBLIC;"),
                ));
            }
            continue;
        }
        let mut plain = Vec::new();
        let mut with_option = Vec::new();
        for p in privs {
            let (word, wgo) = parse_privilege(p)?;
            if wgo {
                with_option.push(word);
            } else {
                plain.push(word);
            }
        }
        let to = role(grantee);
        if !plain.is_empty() {
            let list = plain.join(", ");
            out.push((
                format!("{head} GRANT {list} ON {on} TO {to};"),
                format!("{head} REVOKE {list} ON {on} FROM {to};"),
            ));
        }
        if !with_option.is_empty() {
            let list = with_option.join(", ");
            out.push((
                format!("{head} GRANT {list} ON {on} TO {to} WITH GRANT OPTION;"),
                format!("{head} REVOKE {list} ON {on} FROM {to};"),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::render::parse_function_key;
    use crate::model::QualifiedName;

    fn grants(items: &[(&str, &[&str])]) -> Grants {
        items
            .iter()
            .map(|(r, p)| (r.to_string(), p.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn table_and_column_grants() {
        let t = QualifiedName::new("public", "Users");
        let g = grants(&[
            ("Admin", &["[all]"]),
            ("anon", &["select", "insert with grant option"]),
            ("public", &["select"]),
            ("nobody", &[]),
        ]);
        assert_eq!(
            grant_statements(Target::Table(&t), None, &g, None).unwrap(),
            vec![
                "GRANT ALL ON TABLE public.\"Users\" TO \"Admin\";",
                "GRANT SELECT ON TABLE public.\"Users\" TO anon;",
                "GRANT INSERT ON TABLE public.\"Users\" TO anon WITH GRANT OPTION;",
                "GRANT SELECT ON TABLE public.\"Users\" TO PUBLIC;",
            ]
        );
        let g = grants(&[("anon", &["select", "update"])]);
        assert_eq!(
            grant_statements(Target::View(&t), Some("select"), &g, None).unwrap(),
            vec![
                "GRANT SELECT (\"select\"), UPDATE (\"select\") ON TABLE public.\"Users\" TO anon;"
            ]
        );
        let g = grants(&[("anon", &["drop"])]);
        assert!(grant_statements(Target::Table(&t), None, &g, None).is_err());
    }

    #[test]
    fn function_and_type_grants() {
        let k = parse_function_key("public.f(integer)").unwrap();
        let g = grants(&[("public", &[]), ("service_role", &["execute"])]);
        assert_eq!(
            grant_statements(Target::Function(&k), None, &g, None).unwrap(),
            vec![
                "REVOKE ALL ON FUNCTION public.f(integer) FROM PUBLIC;",
                "GRANT EXECUTE ON FUNCTION public.f(integer) TO service_role;",
            ]
        );
        let t = QualifiedName::new("public", "mood");
        let g = grants(&[("public", &[])]);
        assert_eq!(
            grant_statements(Target::Type(&t), None, &g, None).unwrap(),
            vec!["REVOKE ALL ON TYPE public.mood FROM PUBLIC;"]
        );
        assert_eq!(
            grant_statements(Target::Table(&t), None, &g, None).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(
            grant_statements(
                Target::Schema("app"),
                None,
                &grants(&[("anon", &["usage"])]),
                None
            )
            .unwrap(),
            vec!["GRANT USAGE ON SCHEMA app TO anon;"]
        );
    }

    #[test]
    fn owners_and_defaults() {
        let t = QualifiedName::new("public", "v");
        assert_eq!(
            owner_to(Target::MaterializedView(&t), "Owner"),
            "ALTER MATERIALIZED VIEW public.v OWNER TO \"Owner\";"
        );
        let d = DefaultPrivilege {
            for_role: Some("postgres".into()),
            schema: Some("public".into()),
            on: "tables".into(),
            grants: grants(&[("anon", &["select", "delete with grant option"])]),
        };
        assert_eq!(
            default_privileges(&d).unwrap(),
            vec![
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO anon;",
                "ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT DELETE ON TABLES TO anon WITH GRANT OPTION;",
            ]
        );
        let d = DefaultPrivilege {
            on: "functions".into(),
            grants: grants(&[("public", &[])]),
            ..Default::default()
        };
        assert_eq!(
            default_privileges_with_undo(&d).unwrap(),
            vec![(
                "ALTER DEFAULT PRIVILEGES REVOKE ALL ON FUNCTIONS FROM PUBLIC;".to_string(),
                "ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;".to_string()
            )]
        );
    }

    #[test]
    fn a_role_without_its_own_defaults() {
        let d = DefaultPrivilege {
            for_role: Some("o".into()),
            on: "tables".into(),
            grants: grants(&[("o", &[])]),
            ..Default::default()
        };
        assert_eq!(
            default_privileges_with_undo(&d).unwrap(),
            vec![(
                "ALTER DEFAULT PRIVILEGES FOR ROLE o REVOKE ALL ON TABLES FROM o;".to_string(),
                "ALTER DEFAULT PRIVILEGES FOR ROLE o GRANT ALL ON TABLES TO o;".to_string()
            )]
        );
        // In one schema, a grant to itself only adds.
        let d = DefaultPrivilege {
            schema: Some("app".into()),
            grants: grants(&[("current_user", &["select"])]),
            ..d
        };
        assert_eq!(
            default_privileges(&d).unwrap(),
            ["ALTER DEFAULT PRIVILEGES FOR ROLE o IN SCHEMA app GRANT SELECT ON TABLES TO CURRENT_USER;"]
        );
        let t = QualifiedName::new("public", "t");
        assert_eq!(
            grant_statements(
                Target::Table(&t),
                None,
                &grants(&[("current_user", &["select"])]),
                Some("current_user")
            )
            .unwrap(),
            [
                "REVOKE ALL ON TABLE public.t FROM CURRENT_USER;",
                "GRANT SELECT ON TABLE public.t TO CURRENT_USER;"
            ]
        );
    }
}

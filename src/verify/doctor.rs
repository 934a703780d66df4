//! What `apply` will and will not be able to do, from facts about the role,
//! before it tries. Pure: facts in, lines out.

use serde::Serialize;

use crate::catalog::facts::{RoleFacts, SchemaFacts};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub ok: bool,
    /// Advice only: a missing advisory line does not block `apply`.
    pub advisory: bool,
    pub check: String,
    /// What a failure blocks, or the detail of a success.
    pub detail: String,
}

fn line(ok: bool, check: impl Into<String>, detail: impl Into<String>) -> Line {
    Line {
        ok,
        advisory: false,
        check: check.into(),
        detail: detail.into(),
    }
}

fn advice(ok: bool, check: impl Into<String>, detail: impl Into<String>) -> Line {
    Line {
        advisory: true,
        ..line(ok, check, detail)
    }
}

/// Whether anything that blocks `apply` is missing.
pub fn blocked(lines: &[Line]) -> bool {
    lines.iter().any(|l| !l.ok && !l.advisory)
}

pub fn assess(role: &RoleFacts, schemas: &[SchemaFacts]) -> Vec<Line> {
    let version = crate::model::PgVersion(role.server_version_num.max(0) as u32);
    let (oldest, newest) = (
        crate::model::version::OLDEST_MAJOR,
        crate::model::version::NEWEST_MAJOR,
    );
    let support = if !version.supported() {
        format!("not supported: reconcile reads PostgreSQL {oldest} to {newest}")
    } else if version.untested() {
        format!("newer than any tested ({oldest} to {newest}); read as {newest}")
    } else {
        "supported".to_string()
    };
    let mut out = vec![
        line(
            version.supported(),
            "server",
            format!("PostgreSQL {}, {support}", role.server_version),
        ),
        line(true, "connected as", format!("{} to {}", role.current_user, role.current_database)),
        line(role.database_connect, "CONNECT on the database", "without it no command can run"),
        line(
            role.database_create || role.superuser,
            "CREATE on the database",
            "needed to create schemas and the runner's bookkeeping schema `reconcile` (once)",
        ),
        advice(
            role.superuser || role.create_role,
            "role attributes",
            format!(
                "superuser: {}, createrole: {}, createdb: {}, bypassrls: {}; enum down scripts that delete values need superuser",
                role.superuser, role.create_role, role.create_db, role.bypass_rls
            ),
        ),
        advice(
            role.ssl == Some(true),
            "TLS",
            match role.ssl {
                Some(true) => "the connection is encrypted".to_string(),
                Some(false) => "the connection is not encrypted; use sslmode=require (or --require-ssl) outside localhost".to_string(),
                None => "unknown".to_string(),
            },
        ),
    ];
    for s in schemas {
        if !s.exists {
            out.push(line(
                role.database_create || role.superuser,
                format!("schema {}", s.schema),
                "does not exist yet; creating it needs CREATE on the database",
            ));
            continue;
        }
        out.push(line(
            s.usage,
            format!("USAGE on schema {}", s.schema),
            "needed to read and change anything in it",
        ));
        out.push(line(
            s.create || role.superuser,
            format!("CREATE on schema {}", s.schema),
            "needed to create tables, views, functions and types in it",
        ));
        out.push(line(
            s.not_owned.is_empty() || role.superuser,
            format!("ownership in schema {}", s.schema),
            if s.not_owned.is_empty() {
                "the role owns every relation in it".to_string()
            } else {
                format!(
                    "not owned, so cannot be altered or dropped: {}",
                    s.not_owned.join(", ")
                )
            },
        ));
    }
    out
}

pub fn render_text(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        let tag = match (l.ok, l.advisory) {
            (true, _) => "ok     ",
            (false, true) => "advice ",
            (false, false) => "missing",
        };
        out.push_str(&format!("{tag} {}: {}\n", l.check, l.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(superuser: bool, create: bool) -> RoleFacts {
        RoleFacts {
            server_version: "15.18".into(),
            server_version_num: 150018,
            current_user: "app".into(),
            current_database: "db".into(),
            superuser,
            create_role: false,
            create_db: false,
            bypass_rls: false,
            database_connect: true,
            database_create: create,
            ssl: Some(false),
        }
    }

    #[test]
    fn the_server_line_says_whether_the_version_is_supported() {
        let mut old = role(true, true);
        old.server_version = "13.16".into();
        old.server_version_num = 130016;
        let lines = assess(&old, &[]);
        assert!(!lines[0].ok && blocked(&lines));
        assert!(
            lines[0].detail.contains("not supported"),
            "{}",
            lines[0].detail
        );
        let lines = assess(&role(true, true), &[]);
        assert!(lines[0].ok);
        assert_eq!(lines[0].detail, "PostgreSQL 15.18, supported");
    }

    #[test]
    fn missing_rights_say_what_they_block() {
        let schema = SchemaFacts {
            schema: "public".into(),
            exists: true,
            usage: true,
            create: false,
            not_owned: vec!["users".into()],
        };
        let lines = assess(&role(false, false), std::slice::from_ref(&schema));
        let missing: Vec<&str> = lines
            .iter()
            .filter(|l| !l.ok)
            .map(|l| l.check.as_str())
            .collect();
        assert_eq!(
            missing,
            [
                "CREATE on the database",
                "role attributes",
                "TLS",
                "CREATE on schema public",
                "ownership in schema public"
            ]
        );
        assert!(render_text(&lines).contains("not owned, so cannot be altered or dropped: users"));
        let su = assess(&role(true, true), &[schema]);
        assert_eq!(
            su.iter().filter(|l| !l.ok).count(),
            1,
            "only TLS is missing for a superuser"
        );
        assert!(!blocked(&su) && blocked(&lines));
    }
}

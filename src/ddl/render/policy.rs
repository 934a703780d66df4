//! Row level security policies.

use crate::model::{quote_ident, Policy, PolicyCommand, QualifiedName};

use super::role;

/// `CREATE POLICY p ON s.t AS RESTRICTIVE FOR SELECT TO r USING (...) WITH CHECK (...);`
pub fn create_policy(name: &str, table: &QualifiedName, p: &Policy) -> String {
    let mut sql = format!("CREATE POLICY {} ON {}", quote_ident(name), table.sql());
    if p.restrictive {
        sql.push_str(" AS RESTRICTIVE");
    }
    let cmd = match p.command {
        PolicyCommand::All => "",
        PolicyCommand::Select => " FOR SELECT",
        PolicyCommand::Insert => " FOR INSERT",
        PolicyCommand::Update => " FOR UPDATE",
        PolicyCommand::Delete => " FOR DELETE",
    };
    sql.push_str(cmd);
    if !p.to.is_empty() {
        let roles: Vec<String> = p.to.iter().map(|r| role(r)).collect();
        sql.push_str(&format!(" TO {}", roles.join(", ")));
    }
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(c) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({c})"));
    }
    sql.push(';');
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies() {
        let t = QualifiedName::new("public", "todos");
        assert_eq!(
            create_policy("all", &t, &Policy::default()),
            "CREATE POLICY \"all\" ON public.todos;"
        );
        let p = Policy {
            command: PolicyCommand::Update,
            restrictive: true,
            to: vec!["Admin".into(), "authenticated".into(), "public".into()],
            using: Some("(user_id = auth.uid())".into()),
            with_check: Some("true".into()),
            ..Default::default()
        };
        assert_eq!(
            create_policy("Own rows", &t, &p),
            "CREATE POLICY \"Own rows\" ON public.todos AS RESTRICTIVE FOR UPDATE TO \"Admin\", authenticated, PUBLIC USING ((user_id = auth.uid())) WITH CHECK (true);"
        );
    }
}

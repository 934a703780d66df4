//! Owner, comment and grants: always changed in place, one statement per
//! difference (GRANT/REVOKE per role and privilege, per column).

use std::collections::BTreeMap;

use crate::ddl::render::{comment_on, parse_privilege, Target};
use crate::ddl::PlanError;
use crate::model::{quote_ident, Grants};

/// `COMMENT ON ... IS ...` or `IS NULL`, when the text changed.
pub fn comment(target: Target<'_>, old: &Option<String>, new: &Option<String>) -> Vec<String> {
    if old == new {
        return vec![];
    }
    match new {
        Some(t) => vec![comment_on(target, t)],
        None => vec![format!("COMMENT ON {} IS NULL;", target.sql())],
    }
}

/// `ALTER ... OWNER TO`; no owner in the model means the applying role.
pub fn owner(target: Target<'_>, old: &Option<String>, new: &Option<String>) -> Vec<String> {
    if old == new {
        return vec![];
    }
    let to = new
        .as_deref()
        .map(quote_ident)
        .unwrap_or_else(|| "CURRENT_USER".into());
    vec![format!("ALTER {} OWNER TO {to};", target.sql())]
}

fn object(target: Target<'_>) -> String {
    match target {
        Target::View(n) | Target::MaterializedView(n) => format!("TABLE {}", n.sql()),
        Target::Aggregate(k) => format!("FUNCTION {}", k.sql()),
        other => other.sql(),
    }
}

/// The privilege PUBLIC holds by default on this kind of object.
fn public_default(target: Target<'_>) -> Option<&'static str> {
    match target {
        Target::Function(_) | Target::Procedure(_) | Target::Aggregate(_) => Some("EXECUTE"),
        Target::Type(_) | Target::Domain(_) => Some("USAGE"),
        _ => None,
    }
}

/// Role -> privilege -> with grant option. `ALL` stays one word: what it
/// covers depends on the server (MAINTAIN since 17), and `GRANT ALL` /
/// `REVOKE ALL` mean exactly what the server means by it.
type Effective = BTreeMap<String, BTreeMap<String, bool>>;

/// `owner` is the owner's key in `g`: not named, it holds every privilege.
fn effective(
    target: Target<'_>,
    column: Option<&str>,
    g: &Grants,
    owner: Option<&str>,
) -> Result<Effective, PlanError> {
    let mut out: Effective = BTreeMap::new();
    for (role, privs) in g {
        let entry = out.entry(role.clone()).or_default();
        for p in privs {
            let (word, wgo) = parse_privilege(p)?;
            let held = entry.entry(word).or_insert(wgo);
            *held |= wgo;
        }
    }
    if let (Some(o), None) = (owner, column) {
        if !g.contains_key(o) {
            out.entry(o.into()).or_default().insert("ALL".into(), false);
        }
    }
    if let (Some(word), None) = (public_default(target), column) {
        if !g.contains_key("public") {
            out.entry("public".into())
                .or_default()
                .insert(word.into(), false);
        }
    }
    out.retain(|_, v| !v.is_empty());
    Ok(out)
}

/// Whether `held` gives `word` (with grant option when `option`): named,
/// or covered by ALL.
fn gives(held: &BTreeMap<String, bool>, word: &str, option: bool) -> bool {
    [word, "ALL"]
        .iter()
        .any(|w| held.get(*w).is_some_and(|o| *o || !option))
}

/// GRANT / REVOKE statements that take `old` to `new`; `owner` is the
/// owner's key in them.
pub fn grants(
    target: Target<'_>,
    column: Option<&str>,
    old: &Grants,
    new: &Grants,
    owner: Option<&str>,
) -> Result<Vec<String>, PlanError> {
    let a = effective(target, column, old, owner)?;
    let b = effective(target, column, new, owner)?;
    if a == b {
        return Ok(vec![]);
    }
    let obj = object(target);
    let cols = column
        .map(|c| format!(" ({})", quote_ident(c)))
        .unwrap_or_default();
    let list = |ws: &[String]| {
        ws.iter()
            .map(|w| format!("{w}{cols}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let role = crate::ddl::render::role;
    let empty = BTreeMap::new();
    let mut out = Vec::new();
    let roles: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for r in roles {
        let (x, y) = (a.get(r).unwrap_or(&empty), b.get(r).unwrap_or(&empty));
        let (mut revoke, mut revoke_option, mut grant, mut grant_option) =
            (vec![], vec![], vec![], vec![]);
        let words: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        // Revoking ALL revokes every privilege, so what stays is granted
        // again after it (in the same transaction); granting ALL covers
        // the privileges named before it.
        let revokes_all = x.contains_key("ALL") && !y.contains_key("ALL");
        for w in words {
            let (old, new) = (x.get(w).copied(), y.get(w).copied());
            let had = if revokes_all { None } else { old };
            match (had, new) {
                (Some(_), None) if !gives(y, w, false) => revoke.push(w.clone()),
                (Some(true), None) if !gives(y, w, true) => revoke_option.push(w.clone()),
                (Some(true), Some(false)) => revoke_option.push(w.clone()),
                (None, Some(false)) => grant.push(w.clone()),
                (None | Some(false), Some(true)) => grant_option.push(w.clone()),
                _ => {}
            }
        }
        if revokes_all {
            revoke.retain(|w| w != "ALL");
            revoke.insert(0, "ALL".to_string());
            revoke_option.clear();
        }
        let to = role(r);
        if !revoke.is_empty() {
            out.push(format!("REVOKE {} ON {obj} FROM {to};", list(&revoke)));
        }
        if !revoke_option.is_empty() {
            out.push(format!(
                "REVOKE GRANT OPTION FOR {} ON {obj} FROM {to};",
                list(&revoke_option)
            ));
        }
        if !grant.is_empty() {
            out.push(format!("GRANT {} ON {obj} TO {to};", list(&grant)));
        }
        if !grant_option.is_empty() {
            out.push(format!(
                "GRANT {} ON {obj} TO {to} WITH GRANT OPTION;",
                list(&grant_option)
            ));
        }
    }
    Ok(out)
}

/// Whether the change grants anything new (access widens).
pub fn widens(
    target: Target<'_>,
    column: Option<&str>,
    old: &Grants,
    new: &Grants,
    owner: Option<&str>,
) -> Result<bool, PlanError> {
    let a = effective(target, column, old, owner)?;
    let b = effective(target, column, new, owner)?;
    let none = BTreeMap::new();
    Ok(b.iter().any(|(r, ws)| {
        let had = a.get(r).unwrap_or(&none);
        ws.iter().any(|(w, o)| !gives(had, w, *o))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::render::parse_function_key;
    use crate::model::QualifiedName;

    fn g(items: &[(&str, &[&str])]) -> Grants {
        items
            .iter()
            .map(|(r, ps)| (r.to_string(), ps.iter().map(|p| p.to_string()).collect()))
            .collect()
    }

    #[test]
    fn grant_diffs() {
        let t = QualifiedName::new("public", "T");
        let old = g(&[
            ("a", &["select", "insert"]),
            ("b", &["select with grant option"]),
        ]);
        let new = g(&[("a", &["select"]), ("b", &["select"]), ("c", &["[all]"])]);
        let sql = grants(Target::Table(&t), None, &old, &new, None).unwrap();
        assert_eq!(
            sql,
            vec![
                "REVOKE INSERT ON TABLE public.\"T\" FROM a;",
                "REVOKE GRANT OPTION FOR SELECT ON TABLE public.\"T\" FROM b;",
                "GRANT ALL ON TABLE public.\"T\" TO c;",
            ]
        );
        let sql = grants(
            Target::Table(&t),
            Some("Col"),
            &g(&[]),
            &g(&[("a", &["update"])]),
            None,
        );
        assert_eq!(
            sql.unwrap(),
            vec!["GRANT UPDATE (\"Col\") ON TABLE public.\"T\" TO a;"]
        );
        let k = parse_function_key("public.f()").unwrap();
        let sql = grants(
            Target::Function(&k),
            None,
            &g(&[]),
            &g(&[("public", &[])]),
            None,
        )
        .unwrap();
        assert_eq!(
            sql,
            vec!["REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC;"]
        );
        assert!(grants(Target::Function(&k), None, &g(&[]), &g(&[]), None)
            .unwrap()
            .is_empty());
        assert!(widens(Target::Table(&t), None, &old, &new, None).unwrap());
        // ALL is one word: taken away, it is revoked whole and what stays
        // granted again; given, it covers what was named.
        let all = g(&[("a", &["all"])]);
        let seven = g(&[(
            "a",
            &[
                "select",
                "insert",
                "update",
                "delete",
                "truncate",
                "references",
                "trigger",
            ],
        )]);
        assert_eq!(
            grants(Target::Table(&t), None, &all, &seven, None).unwrap(),
            vec![
                "REVOKE ALL ON TABLE public.\"T\" FROM a;",
                "GRANT DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE ON TABLE public.\"T\" TO a;",
            ]
        );
        assert_eq!(
            grants(Target::Table(&t), None, &seven, &all, None).unwrap(),
            vec!["GRANT ALL ON TABLE public.\"T\" TO a;"]
        );
        assert!(!widens(Target::Table(&t), None, &all, &seven, None).unwrap());
        assert!(widens(Target::Table(&t), None, &seven, &all, None).unwrap());
        let opt = g(&[("a", &["select with grant option"])]);
        assert_eq!(
            grants(Target::Table(&t), None, &opt, &all, None).unwrap(),
            vec![
                "REVOKE GRANT OPTION FOR SELECT ON TABLE public.\"T\" FROM a;",
                "GRANT ALL ON TABLE public.\"T\" TO a;"
            ]
        );
        assert!(!widens(
            Target::Table(&t),
            None,
            &new,
            &g(&[("a", &["select"])]),
            None
        )
        .unwrap());
    }

    #[test]
    fn comments_and_owners() {
        let t = QualifiedName::new("public", "t");
        assert_eq!(
            comment(Target::Table(&t), &Some("x".into()), &None),
            vec!["COMMENT ON TABLE public.t IS NULL;"]
        );
        assert!(comment(Target::Table(&t), &None, &None).is_empty());
        assert_eq!(
            owner(Target::Table(&t), &Some("bob".into()), &None),
            vec!["ALTER TABLE public.t OWNER TO CURRENT_USER;"]
        );
    }

    #[test]
    fn the_owner_holds_all_unless_named() {
        let t = QualifiedName::new("public", "t");
        let own = g(&[("o", &["select"])]);
        assert_eq!(
            grants(Target::Table(&t), None, &g(&[]), &own, Some("o")).unwrap(),
            [
                "REVOKE ALL ON TABLE public.t FROM o;",
                "GRANT SELECT ON TABLE public.t TO o;"
            ]
        );
        assert_eq!(
            grants(Target::Table(&t), None, &own, &g(&[]), Some("o")).unwrap(),
            ["GRANT ALL ON TABLE public.t TO o;"]
        );
        let none = g(&[("current_user", &[])]);
        assert_eq!(
            grants(
                Target::Table(&t),
                None,
                &g(&[]),
                &none,
                Some("current_user")
            )
            .unwrap(),
            ["REVOKE ALL ON TABLE public.t FROM CURRENT_USER;"]
        );
        // Without an owner, a role named so is any grantee.
        assert_eq!(
            grants(Target::Table(&t), None, &g(&[]), &own, None).unwrap(),
            ["GRANT SELECT ON TABLE public.t TO o;"]
        );
    }
}

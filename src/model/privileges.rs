//! What `ALTER DEFAULT PRIVILEGES` grants a new object, and grants read net
//! of it. A role named under an object's `grants` gets exactly what is
//! listed; a role not named is left to the default privileges in force, so
//! Supabase's "grant everything to the API roles" defaults never turn into
//! a storm of REVOKEs (peers' regression list, supabase/cli #5601).

use super::types::{Database, Grants};
use super::QualifiedName;

/// The `default_privileges` kind an object falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultKind {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultKind {
    pub fn word(self) -> &'static str {
        match self {
            DefaultKind::Tables => "tables",
            DefaultKind::Sequences => "sequences",
            DefaultKind::Functions => "functions",
            DefaultKind::Types => "types",
            DefaultKind::Schemas => "schemas",
        }
    }
}

impl Database {
    /// Grants that default privileges give an object of `kind` created in
    /// `schema` by the applying role (entries without `for_role`).
    pub fn default_grants(&self, schema: &str, kind: DefaultKind) -> Grants {
        let mut out = Grants::new();
        for d in &self.default_privileges {
            let applies = d.for_role.is_none()
                && d.on == kind.word()
                && d.schema.as_deref().is_none_or(|s| s == schema);
            if !applies {
                continue;
            }
            for (role, privs) in &d.grants {
                let entry: &mut Vec<String> = out.entry(role.clone()).or_default();
                for p in privs {
                    if !entry.contains(p) {
                        entry.push(p.clone());
                    }
                }
            }
        }
        out
    }
}

/// `to`, read against `from` the way PostgreSQL will apply it:
/// - a desired state that declares no default privileges leaves the
///   database's own alone (they are taken over from `from`);
/// - on every object, a role the desired grants do not name, holding in
///   `from` exactly what the default privileges give it, keeps it.
pub fn net_of_defaults(from: &Database, to: &Database) -> Database {
    let mut to = to.clone();
    if to.default_privileges.is_empty() {
        to.default_privileges = from.default_privileges.clone();
    }
    let scope = Database {
        default_privileges: to.default_privileges.clone(),
        ..Default::default()
    };
    let defaults = |key: &str, kind: DefaultKind| {
        let schema = QualifiedName::parse(key.split('(').next().unwrap_or(key), "public")
            .map(|q| q.schema)
            .unwrap_or_default();
        scope.default_grants(&schema, kind)
    };
    let keep = |desired: &mut Grants, live: &Grants, given: &Grants| {
        for (role, privs) in live {
            if !desired.contains_key(role) && given.get(role).is_some_and(|g| same_set(g, privs)) {
                desired.insert(role.clone(), privs.clone());
            }
        }
        desired.sort_keys();
    };
    let mut tables = std::mem::take(&mut to.tables);
    for (key, t) in tables.iter_mut() {
        if let Some(live) = from.tables.get(key) {
            keep(
                &mut t.grants,
                &live.grants,
                &defaults(key, DefaultKind::Tables),
            );
        }
    }
    let mut views = std::mem::take(&mut to.views);
    for (key, v) in views.iter_mut() {
        if let Some(live) = from.views.get(key) {
            keep(
                &mut v.grants,
                &live.grants,
                &defaults(key, DefaultKind::Tables),
            );
        }
    }
    let mut sequences = std::mem::take(&mut to.sequences);
    for (key, s) in sequences.iter_mut() {
        if let Some(live) = from.sequences.get(key) {
            keep(
                &mut s.grants,
                &live.grants,
                &defaults(key, DefaultKind::Sequences),
            );
        }
    }
    let mut functions = std::mem::take(&mut to.functions);
    for (key, f) in functions.iter_mut() {
        if let Some(live) = from.functions.get(key) {
            keep(
                &mut f.grants,
                &live.grants,
                &defaults(key, DefaultKind::Functions),
            );
        }
    }
    // Identity sequences: created with their table, so the table's schema applies.
    for (key, t) in tables.iter_mut() {
        let Some(live) = from.tables.get(key) else {
            continue;
        };
        let given = defaults(key, DefaultKind::Sequences);
        for (cname, c) in t.columns.iter_mut() {
            let live_seq = live
                .columns
                .get(cname)
                .and_then(|lc| lc.identity_sequence.as_ref());
            if c.identity.is_none() || live_seq.is_none() {
                continue;
            }
            let live_grants = live_seq.map(|s| s.grants.clone()).unwrap_or_default();
            let seq = c.identity_sequence.get_or_insert_with(Default::default);
            keep(&mut seq.grants, &live_grants, &given);
            if seq.is_default() {
                c.identity_sequence = None;
            }
        }
    }
    to.tables = tables;
    to.views = views;
    to.sequences = sequences;
    to.functions = functions;
    to
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DefaultPrivilege, Table};

    fn grants(items: &[(&str, &[&str])]) -> Grants {
        items
            .iter()
            .map(|(r, p)| (r.to_string(), p.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn supabase() -> Vec<DefaultPrivilege> {
        vec![DefaultPrivilege {
            for_role: None,
            schema: Some("public".into()),
            on: "tables".into(),
            grants: grants(&[("anon", &["all"]), ("authenticated", &["all"])]),
        }]
    }

    #[test]
    fn unnamed_roles_keep_what_defaults_gave_them() {
        let mut from = Database {
            default_privileges: supabase(),
            ..Default::default()
        };
        let live = Table {
            grants: grants(&[
                ("anon", &["all"]),
                ("authenticated", &["all"]),
                ("intern", &["select"]),
            ]),
            ..Default::default()
        };
        from.tables.insert("public.t".into(), live);
        let mut to = Database::default();
        let want = Table {
            grants: grants(&[("authenticated", &["select"])]),
            ..Default::default()
        };
        to.tables.insert("public.t".into(), want);
        let net = net_of_defaults(&from, &to);
        assert_eq!(
            net.default_privileges, from.default_privileges,
            "undeclared defaults are left alone"
        );
        // anon: not named, holds exactly the default -> kept; authenticated:
        // named -> exactly as listed; intern: not from defaults -> revoked.
        assert_eq!(
            net.tables["public.t"].grants,
            grants(&[("anon", &["all"]), ("authenticated", &["select"])])
        );
    }

    #[test]
    fn defaults_are_scoped_by_schema_and_kind() {
        let db = Database {
            default_privileges: supabase(),
            ..Default::default()
        };
        assert_eq!(db.default_grants("public", DefaultKind::Tables).len(), 2);
        assert!(db.default_grants("app", DefaultKind::Tables).is_empty());
        assert!(db
            .default_grants("public", DefaultKind::Functions)
            .is_empty());
    }
}

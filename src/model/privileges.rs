//! What `ALTER DEFAULT PRIVILEGES` grants a new object, and grants read net
//! of it. A role named under an object's `grants` gets exactly what is
//! listed; a role not named is left to the default privileges in force, so
//! Supabase's "grant everything to the API roles" defaults never turn into
//! a storm of REVOKEs (peers' regression list, supabase/cli #5601).

use std::borrow::Cow;

use super::types::{Database, Grants};
use super::QualifiedName;

/// How `grants` names the applying role when it owns the object (or is
/// the role of default privileges): PostgreSQL reserves the word, so no
/// role has it.
pub const CURRENT_USER: &str = "current_user";

/// The key under which `grants` lists the owner's own privileges: named
/// only when they are less than all (the owner revoked some of its own).
pub fn owner_key(owner: Option<&str>) -> &str {
    owner.unwrap_or(CURRENT_USER)
}

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
///
/// Gives `to` back as it came when nothing changes (no default privileges
/// in force, the usual case outside Supabase), without a copy.
pub fn net_of_defaults<'a>(from: &Database, to: Cow<'a, Database>) -> Cow<'a, Database> {
    let inherit = to.default_privileges.is_empty() && !from.default_privileges.is_empty();
    let in_force = match inherit {
        true => &from.default_privileges,
        false => &to.default_privileges,
    };
    let scope = Database {
        default_privileges: in_force.clone(),
        ..Default::default()
    };
    let edits = edits(from, &to, &scope);
    if !inherit && edits.is_empty() {
        return to;
    }
    let in_force = in_force.clone();
    let mut out = to.into_owned();
    out.default_privileges = in_force;
    for (at, grants) in edits {
        match at {
            At::Table(k) => out.tables[&k].grants = grants,
            At::View(k) => out.views[&k].grants = grants,
            At::Sequence(k) => out.sequences[&k].grants = grants,
            At::Function(k) => out.functions[&k].grants = grants,
            At::Identity(k, c) => {
                let e = &mut out.tables[&k].columns[&c];
                let seq = e.identity_sequence.get_or_insert_with(Default::default);
                seq.grants = grants;
                if seq.is_default() {
                    e.identity_sequence = None;
                }
            }
        }
    }
    Cow::Owned(out)
}

/// Where an object's grants are replaced.
enum At {
    Table(String),
    View(String),
    Sequence(String),
    Function(String),
    /// A table's identity column's sequence.
    Identity(String, String),
}

/// The grants of `to` that read differently net of `scope`'s defaults.
fn edits(from: &Database, to: &Database, scope: &Database) -> Vec<(At, Grants)> {
    let defaults = |key: &str, kind: DefaultKind| {
        let schema = QualifiedName::parse(key.split('(').next().unwrap_or(key), "public")
            .map(|q| q.schema)
            .unwrap_or_default();
        scope.default_grants(&schema, kind)
    };
    let mut out = Vec::new();
    for (key, t) in &to.tables {
        if let Some(live) = from.tables.get(key) {
            let given = defaults(key, DefaultKind::Tables);
            if let Some(g) = kept(&t.grants, &live.grants, &given) {
                out.push((At::Table(key.clone()), g));
            }
        }
    }
    for (key, v) in &to.views {
        if let Some(live) = from.views.get(key) {
            let given = defaults(key, DefaultKind::Tables);
            if let Some(g) = kept(&v.grants, &live.grants, &given) {
                out.push((At::View(key.clone()), g));
            }
        }
    }
    for (key, s) in &to.sequences {
        if let Some(live) = from.sequences.get(key) {
            let given = defaults(key, DefaultKind::Sequences);
            if let Some(g) = kept(&s.grants, &live.grants, &given) {
                out.push((At::Sequence(key.clone()), g));
            }
        }
    }
    for (key, f) in &to.functions {
        if let Some(live) = from.functions.get(key) {
            let given = defaults(key, DefaultKind::Functions);
            if let Some(g) = kept(&f.grants, &live.grants, &given) {
                out.push((At::Function(key.clone()), g));
            }
        }
    }
    // Identity sequences: created with their table, so the table's schema applies.
    for (key, t) in &to.tables {
        let Some(live) = from.tables.get(key) else {
            continue;
        };
        for (cname, c) in &t.columns {
            let live_seq = live
                .columns
                .get(cname)
                .and_then(|lc| lc.identity_sequence.as_ref());
            let (true, Some(live_seq)) = (c.identity.is_some(), live_seq) else {
                continue;
            };
            let empty = Grants::new();
            let desired = c.identity_sequence.as_ref().map_or(&empty, |s| &s.grants);
            let given = defaults(key, DefaultKind::Sequences);
            let fixed = kept(desired, &live_seq.grants, &given).or_else(|| {
                // Spelled out but default: read as absent, like the database.
                let spelled = c.identity_sequence.as_ref().is_some_and(|s| s.is_default());
                spelled.then(|| desired.clone())
            });
            if let Some(g) = fixed {
                out.push((At::Identity(key.clone(), cname.clone()), g));
            }
        }
    }
    out
}

/// `desired` with every role it does not name that holds in `live` exactly
/// what `given` gives, sorted by role; `None` when that is `desired` as is.
fn kept(desired: &Grants, live: &Grants, given: &Grants) -> Option<Grants> {
    let mut out = desired.clone();
    for (role, privs) in live {
        if !out.contains_key(role) && given.get(role).is_some_and(|g| same_set(g, privs)) {
            out.insert(role.clone(), privs.clone());
        }
    }
    out.sort_keys();
    let same = out.len() == desired.len() && out.keys().zip(desired.keys()).all(|(a, b)| a == b);
    (!same).then_some(out)
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
        let net = net_of_defaults(&from, Cow::Borrowed(&to));
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

/// The seven table privileges PostgreSQL had before MAINTAIN (17).
const BEFORE_MAINTAIN: [&str; 7] = [
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
];

/// `db` as a server of `version` reads it: before 17, a table's seven
/// privileges are all it has, so a role holding them holds `all` (as the
/// catalog reads it there). Unchanged otherwise.
pub fn on_server(db: Cow<'_, Database>, version: Option<super::PgVersion>) -> Cow<'_, Database> {
    if version.is_none_or(|v| v.at_least(17)) {
        return db;
    }
    let seven = |g: &Grants| g.values().any(|ws| as_all(ws).is_some());
    let tables = db.tables.values().any(|t| seven(&t.grants));
    let views = db.views.values().any(|v| seven(&v.grants));
    let defaults = db
        .default_privileges
        .iter()
        .any(|d| d.on == "tables" && seven(&d.grants));
    if !(tables || views || defaults) {
        return db;
    }
    let mut db = db.into_owned();
    let fold = |g: &mut Grants| {
        for ws in g.values_mut() {
            if let Some(all) = as_all(ws) {
                *ws = all;
            }
        }
    };
    for t in db.tables.values_mut() {
        if seven(&t.grants) {
            fold(&mut t.grants);
        }
    }
    for v in db.views.values_mut() {
        fold(&mut v.grants);
    }
    for d in db
        .default_privileges
        .iter_mut()
        .filter(|d| d.on == "tables")
    {
        fold(&mut d.grants);
    }
    Cow::Owned(db)
}

/// The canonical words of every pre-17 table privilege as `all` (with
/// those held with grant option after it), or `None`.
fn as_all(words: &[String]) -> Option<Vec<String>> {
    let base = |w: &String| {
        w.strip_suffix(" with grant option")
            .unwrap_or(w)
            .to_string()
    };
    if words.len() != BEFORE_MAINTAIN.len()
        || !BEFORE_MAINTAIN
            .iter()
            .all(|p| words.iter().any(|w| base(w) == *p))
    {
        return None;
    }
    let options: Vec<String> = words
        .iter()
        .filter(|w| w.ends_with(" with grant option"))
        .cloned()
        .collect();
    if options.len() == words.len() {
        return Some(vec!["all with grant option".into()]);
    }
    let mut out = vec!["all".to_string()];
    out.extend(options);
    Some(out)
}

#[cfg(test)]
mod maintain_tests {
    use super::*;
    use crate::model::PgVersion;

    #[test]
    fn the_seven_are_all_before_17_only() {
        let mut db = Database::default();
        let mut t = crate::model::Table::default();
        let seven: Vec<String> = BEFORE_MAINTAIN.iter().map(|s| s.to_string()).collect();
        t.grants.insert("app".into(), seven.clone());
        t.grants.insert("ro".into(), vec!["select".into()]);
        db.tables.insert("public.t".into(), t);
        let on16 = on_server(Cow::Borrowed(&db), Some(PgVersion::of_major(16)));
        assert_eq!(on16.tables["public.t"].grants["app"], ["all"]);
        assert_eq!(on16.tables["public.t"].grants["ro"], ["select"]);
        let on17 = on_server(Cow::Borrowed(&db), Some(PgVersion::of_major(17)));
        assert!(matches!(on17, Cow::Borrowed(_)));
        assert!(matches!(
            on_server(Cow::Borrowed(&db), None),
            Cow::Borrowed(_)
        ));
    }
}

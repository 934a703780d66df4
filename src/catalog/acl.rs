//! aclitem text (`role=arw*/grantor`) -> `Grants` in the canonical form.

use std::collections::BTreeMap;

use crate::model::{Grants, PgVersion};

/// Privilege letters in the canonical output order.
const ORDER: [(char, &str); 11] = [
    ('r', "select"),
    ('a', "insert"),
    ('w', "update"),
    ('d', "delete"),
    ('D', "truncate"),
    ('x', "references"),
    ('t', "trigger"),
    ('m', "maintain"),
    ('U', "usage"),
    ('C', "create"),
    ('X', "execute"),
];

/// What the ACL belongs to; decides the PUBLIC default and the `all` form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AclKind {
    /// Tables, views: `all` when every table privilege the server has is
    /// held (MAINTAIN is one since 17).
    Relation(PgVersion),
    /// Sequences, schemas, columns: listed as they are.
    Plain,
    /// Functions, aggregates, types: PUBLIC holds `privilege` by default.
    PublicDefault(char),
}

/// One grantee's privileges: letter -> with grant option.
type Held = BTreeMap<char, bool>;

/// Parses aclitems, merging entries for the same grantee from several
/// grantors. PUBLIC is the empty grantee, written `public`.
pub fn parse(acl: &[String]) -> BTreeMap<String, Held> {
    let mut out: BTreeMap<String, Held> = BTreeMap::new();
    for item in acl {
        let Some((grantee, rest)) = split_grantee(item) else {
            continue;
        };
        let privs = rest.split('/').next().unwrap_or("");
        let held = out
            .entry(if grantee.is_empty() {
                "public".to_string()
            } else {
                grantee
            })
            .or_default();
        let mut chars = privs.chars().peekable();
        while let Some(c) = chars.next() {
            let option = chars.peek() == Some(&'*');
            if option {
                chars.next();
            }
            let e = held.entry(c).or_insert(false);
            *e |= option;
        }
    }
    out
}

/// `grantee=privs/grantor` -> (grantee unquoted, `privs/grantor`).
fn split_grantee(item: &str) -> Option<(String, &str)> {
    if let Some(quoted) = item.strip_prefix('"') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().map(|p| p.1) == Some('"') {
                    chars.next();
                    name.push('"');
                    continue;
                }
                let rest = quoted[i + 1..].strip_prefix('=')?;
                return Some((name, rest));
            }
            name.push(c);
        }
        None
    } else {
        let (g, rest) = item.split_once('=')?;
        Some((g.to_string(), rest))
    }
}

/// `all` when every table privilege the server has is held, followed by
/// those held with grant option when not all are (`all`, `select with
/// grant option`); otherwise each privilege.
fn words(held: &Held, kind: AclKind) -> Vec<String> {
    if let AclKind::Relation(version) = kind {
        let every = if version.at_least(17) {
            "arwdDxtm"
        } else {
            "arwdDxt"
        };
        if every.chars().all(|c| held.contains_key(&c)) && held.len() == every.len() {
            if every.chars().all(|c| held[&c]) {
                return vec!["all with grant option".to_string()];
            }
            let mut out = vec!["all".to_string()];
            out.extend(words_of(held, |c| held.get(&c) == Some(&true)));
            return out;
        }
    }
    words_of(held, |_| true)
}

fn words_of(held: &Held, keep: impl Fn(char) -> bool) -> Vec<String> {
    ORDER
        .iter()
        .filter(|(c, _)| keep(*c))
        .filter_map(|(c, word)| {
            held.get(c).map(|option| {
                if *option {
                    format!("{word} with grant option")
                } else {
                    word.to_string()
                }
            })
        })
        .collect()
}

/// Canonical grants of an object: `None` means PostgreSQL's defaults.
/// The owner's own entry is left out.
pub fn grants(acl: Option<&[String]>, owner: &str, kind: AclKind) -> Grants {
    let mut out = Grants::new();
    let Some(acl) = acl else {
        return out;
    };
    let parsed = parse(acl);
    for (grantee, held) in &parsed {
        if grantee == owner {
            continue;
        }
        if let AclKind::PublicDefault(p) = kind {
            if grantee == "public" && held.len() == 1 && held.get(&p) == Some(&false) {
                continue;
            }
        }
        let w = words(held, kind);
        if !w.is_empty() {
            out.insert(grantee.clone(), w);
        }
    }
    if let AclKind::PublicDefault(_) = kind {
        if !parsed.contains_key("public") {
            out.insert("public".to_string(), Vec::new());
        }
    }
    out.sort_keys();
    out
}

/// Every privilege of a table or view on the server: what its owner holds
/// by default.
pub fn relation_letters(version: PgVersion) -> &'static str {
    if version.at_least(17) {
        "arwdDxtm"
    } else {
        "arwdDxt"
    }
}

/// `g` with the owner's own privileges when an explicit ACL gives it less
/// than `full` (every privilege of the kind): the owner revoked some of its
/// own, or all (no entry). Keyed by the owner's name, or `current_user`
/// when the owner is the reading role (the model's `owner` is then empty).
pub fn with_owner(
    mut g: Grants,
    acl: Option<&[String]>,
    owner: &str,
    me: &str,
    full: &str,
    kind: AclKind,
) -> Grants {
    let Some(acl) = acl else {
        return g;
    };
    let parsed = parse(acl);
    let empty = Held::new();
    let held = parsed.get(owner).unwrap_or(&empty);
    if full.chars().all(|c| held.contains_key(&c)) {
        return g;
    }
    let key = if owner == me {
        crate::model::privileges::CURRENT_USER
    } else {
        owner
    };
    let kind = match kind {
        AclKind::PublicDefault(_) => AclKind::Plain,
        k => k,
    };
    g.insert(key.to_string(), words(held, kind));
    g.sort_keys();
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn table_grants() {
        let acl = v(&[
            "postgres=arwdDxt/postgres",
            "\"Weird \"\"Role\"=r*w/postgres",
            "app=arwdDxt/postgres",
            "=r/postgres",
        ]);
        let g = grants(
            Some(&acl),
            "postgres",
            AclKind::Relation(PgVersion::of_major(15)),
        );
        assert_eq!(g.len(), 3);
        assert_eq!(g["Weird \"Role"], ["select with grant option", "update"]);
        assert_eq!(g["app"], ["all"]);
        assert_eq!(g["public"], ["select"]);
        assert!(grants(None, "postgres", AclKind::Relation(PgVersion::of_major(15))).is_empty());
    }

    #[test]
    fn maintain_is_a_table_privilege_from_17() {
        let acl = v(&[
            "o=arwdDxtm/o",
            "old=arwdDxt/o",
            "all=arwdDxtm/o",
            "m=m*r/o",
            "mixed=a*rwdDxtm/o",
        ]);
        let g = grants(Some(&acl), "o", AclKind::Relation(PgVersion::of_major(17)));
        assert_eq!(
            g["old"],
            [
                "select",
                "insert",
                "update",
                "delete",
                "truncate",
                "references",
                "trigger"
            ]
        );
        assert_eq!(g["all"], ["all"]);
        assert_eq!(g["m"], ["select", "maintain with grant option"]);
        assert_eq!(g["mixed"], ["all", "insert with grant option"]);
        let before = grants(
            Some(&v(&["o=arwdDxt/o", "old=arwdDxt/o"])),
            "o",
            AclKind::Relation(PgVersion::of_major(16)),
        );
        assert_eq!(before["old"], ["all"]);
    }

    #[test]
    fn function_public_default() {
        let dflt = v(&["=X/o", "o=X/o"]);
        assert!(grants(Some(&dflt), "o", AclKind::PublicDefault('X')).is_empty());
        let revoked = v(&["o=X/o", "app=X/o"]);
        let g = grants(Some(&revoked), "o", AclKind::PublicDefault('X'));
        assert_eq!(g["public"], Vec::<String>::new());
        assert_eq!(g["app"], ["execute"]);
        assert_eq!(g.keys().collect::<Vec<_>>(), ["app", "public"]);
    }

    #[test]
    fn owner_with_fewer_than_all_is_named() {
        let v15 = AclKind::Relation(PgVersion::of_major(15));
        let full = relation_letters(PgVersion::of_major(15));
        let own = |acl: &[&str], owner: &str| {
            let acl = v(acl);
            with_owner(
                grants(Some(&acl), owner, v15),
                Some(&acl),
                owner,
                "me",
                full,
                v15,
            )
        };
        assert!(own(&["me=arwdDxt/me", "r=r/me"], "me")
            .get("current_user")
            .is_none());
        assert_eq!(own(&["me=r/me"], "me")["current_user"], ["select"]);
        assert_eq!(own(&["r=r/o"], "o")["o"], Vec::<String>::new());
        assert_eq!(own(&["r=r/o"], "o")["r"], ["select"]);
        let none = with_owner(Grants::new(), None, "o", "me", full, v15);
        assert!(none.is_empty(), "no ACL: the defaults");
    }
}

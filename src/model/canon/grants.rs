//! Grants in canonical form: lowercase privilege words in a fixed order,
//! `all` expanded (and contracted back for tables), `public` for PUBLIC,
//! PUBLIC's default EXECUTE/USAGE omitted, roles sorted. A role listed
//! with no privileges stays listed: it must hold none.

use crate::model::error::Problem;
use crate::model::Grants;

/// The fixed privilege order of the conventions.
const ORDER: &[&str] = &[
    "select",
    "insert",
    "update",
    "delete",
    "truncate",
    "references",
    "trigger",
    "maintain",
    "usage",
    "create",
    "execute",
];

/// What kind of object the grants are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    Table,
    Column,
    Sequence,
    Schema,
    Function,
    Type,
}

impl GrantKind {
    fn privileges(self) -> &'static [&'static str] {
        match self {
            GrantKind::Table => &[
                "select",
                "insert",
                "update",
                "delete",
                "truncate",
                "references",
                "trigger",
                "maintain",
            ],
            GrantKind::Column => &["select", "insert", "update", "references"],
            GrantKind::Sequence => &["select", "update", "usage"],
            GrantKind::Schema => &["usage", "create"],
            GrantKind::Function => &["execute"],
            GrantKind::Type => &["usage"],
        }
    }

    /// What PUBLIC holds by default on a new object of this kind.
    fn public_default(self) -> Option<&'static str> {
        match self {
            GrantKind::Function => Some("execute"),
            GrantKind::Type => Some("usage"),
            _ => None,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            GrantKind::Table => "a table or view",
            GrantKind::Column => "a column",
            GrantKind::Sequence => "a sequence",
            GrantKind::Schema => "a schema",
            GrantKind::Function => "a function",
            GrantKind::Type => "a type",
        }
    }
}

/// Canonicalises `grants` in place. `omit_public_default` is false for
/// default privileges, where an explicit entry means what it says.
pub fn canonical_grants(
    grants: &mut Grants,
    kind: GrantKind,
    omit_public_default: bool,
    path: &[&str],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut out: Vec<(String, Vec<(usize, bool)>)> = Vec::new();
    for (role, privs) in grants.iter() {
        let role = if role.eq_ignore_ascii_case("public") {
            "public".to_string()
        } else if role.eq_ignore_ascii_case(crate::model::privileges::CURRENT_USER) {
            crate::model::privileges::CURRENT_USER.to_string()
        } else {
            role.clone()
        };
        let mut held: Vec<(usize, bool)> = Vec::new();
        for p in privs {
            let words: Vec<String> = p.split_whitespace().map(|w| w.to_lowercase()).collect();
            let (words, option) = match words.as_slice() {
                [head @ .., a, b, c] if a == "with" && b == "grant" && c == "option" => {
                    (head.to_vec(), true)
                }
                _ => (words.clone(), false),
            };
            let word = words.join(" ");
            let list: Vec<&str> = if word == "all" || word == "all privileges" {
                kind.privileges().to_vec()
            } else if kind.privileges().contains(&word.as_str()) {
                vec![word.as_str()]
            } else {
                let mut at: Vec<&str> = path.to_vec();
                at.extend(["grants", role.as_str()]);
                problems.push(
                    Problem::new(&at, format!("`{p}` is not a privilege on {}", kind.noun()))
                        .hint(format!("use one of: all, {}", kind.privileges().join(", "))),
                );
                continue;
            };
            for w in list {
                let i = ORDER.iter().position(|o| *o == w).unwrap_or(ORDER.len());
                held.push((i, option));
            }
        }
        match out.iter_mut().find(|(r, _)| *r == role) {
            Some((_, v)) => v.extend(held),
            None => out.push((role, held)),
        }
    }
    let mut result = Grants::new();
    for (role, mut held) in out {
        held.sort();
        // With grant option implies the plain privilege.
        let mut seen: Vec<(usize, bool)> = Vec::new();
        for (i, opt) in held {
            match seen.iter_mut().find(|(j, _)| *j == i) {
                Some(entry) => entry.1 |= opt,
                None => seen.push((i, opt)),
            }
        }
        let words: Vec<String> = seen
            .iter()
            .map(|(i, opt)| {
                let w = ORDER.get(*i).copied().unwrap_or("?");
                if *opt {
                    format!("{w} with grant option")
                } else {
                    w.to_string()
                }
            })
            .collect();
        // Every table privilege (MAINTAIN included) is `all`, followed by
        // those with grant option when not all are. The seven before
        // MAINTAIN stay a list: on 17 `all` would grant MAINTAIN too.
        let every = kind == GrantKind::Table && words.len() == kind.privileges().len();
        let words = if every && seen.iter().all(|(_, opt)| *opt) {
            vec!["all with grant option".to_string()]
        } else if every {
            let mut out = vec!["all".to_string()];
            out.extend(
                words
                    .into_iter()
                    .filter(|w| w.ends_with(" with grant option")),
            );
            out
        } else {
            words
        };
        let default = kind.public_default().filter(|_| omit_public_default);
        if role == "public" {
            if let Some(d) = default {
                if words == [d] {
                    continue;
                }
                result.insert(role, words);
                continue;
            }
        }
        // An empty list is kept: the role is named, and holds nothing
        // (default privileges gave it something a plan must take back).
        result.insert(role, words);
    }
    result.sort_keys();
    *grants = result;
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(pairs: &[(&str, &[&str])]) -> Grants {
        pairs
            .iter()
            .map(|(r, p)| (r.to_string(), p.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn tables() {
        let mut x = g(&[
            ("web", &["DELETE", "select", "Select"]),
            ("PUBLIC", &["select"]),
            ("admin", &["ALL PRIVILEGES"]),
            ("ops", &["select with grant option", "select"]),
            ("none", &[]),
        ]);
        assert!(canonical_grants(&mut x, GrantKind::Table, true, &["tables", "t"]).is_empty());
        assert_eq!(
            x,
            g(&[
                ("admin", &["all"]),
                ("ops", &["select with grant option"]),
                ("none", &[]),
                ("public", &["select"]),
                ("web", &["select", "delete"]),
            ])
        );
        let mut seven = g(&[
            (
                "web",
                &[
                    "select",
                    "insert",
                    "update",
                    "delete",
                    "truncate",
                    "references",
                    "trigger",
                ],
            ),
            ("ops", &["all", "select with grant option"]),
            ("m", &["maintain"]),
        ]);
        canonical_grants(&mut seven, GrantKind::Table, true, &[]);
        assert_eq!(
            seven["web"].len(),
            7,
            "the seven before MAINTAIN are not all"
        );
        assert_eq!(seven["ops"], ["all", "select with grant option"]);
        assert_eq!(seven["m"], ["maintain"]);
        let mut bad = g(&[("web", &["execute"])]);
        let p = canonical_grants(&mut bad, GrantKind::Table, true, &["tables", "t"]);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path, ["tables", "t", "grants", "web"]);
    }

    #[test]
    fn functions_and_public_default() {
        let mut x = g(&[("public", &["EXECUTE"]), ("anon", &["all"])]);
        canonical_grants(&mut x, GrantKind::Function, true, &[]);
        assert_eq!(x, g(&[("anon", &["execute"])]));
        let mut y = g(&[("PUBLIC", &[])]);
        canonical_grants(&mut y, GrantKind::Function, true, &[]);
        assert_eq!(y, g(&[("public", &[])]));
        let mut s = g(&[("app", &["all"])]);
        canonical_grants(&mut s, GrantKind::Sequence, true, &[]);
        assert_eq!(s, g(&[("app", &["select", "update", "usage"])]));
    }
}

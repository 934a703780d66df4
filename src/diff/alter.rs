//! Objects on both sides: same, changed in place (with the statements both
//! ways), or to be dropped and created again.

use crate::ddl::render::{self, Target};
use crate::ddl::{Code, Hazard, PlanError};
use crate::model::name::quote_literal;
use crate::model::RangeType;
use crate::model::{
    quote_ident, Collation, Database, EnumType, FunctionKind, Grants, QualifiedName, Sequence,
};

use super::objects::{Obj, Shape};
use super::{extras, hazard, same, table, InPlace, TypeSwap, Verdict};

/// Owner, comment and grants of one object, both ways.
struct Extras<'x> {
    target: Target<'x>,
    owner: Option<(&'x Option<String>, &'x Option<String>)>,
    comment: (&'x Option<String>, &'x Option<String>),
    grants: Option<(&'x Grants, &'x Grants)>,
}

impl Extras<'_> {
    /// The owner's key in the grants: the new owner's, as ALTER OWNER runs
    /// first and takes the old owner's privileges over.
    fn owner_key(&self) -> Option<&str> {
        self.owner
            .map(|(_, b)| crate::model::privileges::owner_key(b.as_deref()))
    }

    fn sql(&self, forward: bool) -> Result<Vec<String>, PlanError> {
        fn pick<T>(forward: bool, a: T, b: T) -> (T, T) {
            if forward {
                (a, b)
            } else {
                (b, a)
            }
        }
        let mut out = Vec::new();
        if let Some((a, b)) = self.owner {
            let (a, b) = pick(forward, a, b);
            out.extend(extras::owner(self.target, a, b));
        }
        let (a, b) = pick(forward, self.comment.0, self.comment.1);
        out.extend(extras::comment(self.target, a, b));
        if let Some((a, b)) = self.grants {
            let (a, b) = pick(forward, a, b);
            out.extend(extras::grants(self.target, None, a, b, self.owner_key())?);
        }
        Ok(out)
    }

    fn hazards(&self) -> Result<Vec<Hazard>, PlanError> {
        let mut out = Vec::new();
        if let Some((a, b)) = self.grants {
            if extras::widens(self.target, None, a, b, self.owner_key())? {
                out.push(hazard(
                    Code::AccessWidened,
                    format!("grants more on {}", self.target.sql()),
                ));
            }
        }
        Ok(out)
    }
}

fn in_place(up: Vec<String>, down: Vec<String>, hazards: Vec<Hazard>) -> Verdict {
    if up.is_empty() {
        Verdict::Same
    } else {
        Verdict::Alter(InPlace {
            up,
            down,
            hazards,
            transactional: true,
            breaks_dependants: false,
            down_recreates: false,
            validate: None,
            then: None,
            swap: None,
        })
    }
}

/// Core statements (both ways) followed by the extras.
fn with_extras(
    core: (Vec<String>, Vec<String>),
    e: Extras<'_>,
    mut hazards: Vec<Hazard>,
) -> Result<Verdict, PlanError> {
    let (mut up, mut down) = core;
    up.extend(e.sql(true)?);
    down.extend(e.sql(false)?);
    hazards.extend(e.hazards()?);
    Ok(in_place(up, down, hazards))
}

/// Rule `a` made `b` without a moment in between without it: CREATE OR
/// REPLACE RULE, which enables it again, then its enabled state.
fn change_rule(
    q: &QualifiedName,
    n: &str,
    a: &crate::model::Rule,
    b: &crate::model::Rule,
) -> Result<Vec<String>, PlanError> {
    let state = |r: &crate::model::Rule| r.enabled.clone().unwrap_or_else(|| "origin".into());
    let mut out = Vec::new();
    let body = !same::rule(a, b);
    if body {
        out.push(render::create_rule(n, q, b, render::Mode::OrReplace));
    }
    if body || state(a) != state(b) {
        match render::rule_enabled(n, q, b)? {
            Some(sql) => out.push(sql),
            None if !body => out.push(format!(
                "ALTER TABLE {} ENABLE RULE {};",
                q.sql(),
                quote_ident(n)
            )),
            None => {}
        }
    }
    Ok(out)
}

fn none() -> (Vec<String>, Vec<String>) {
    (vec![], vec![])
}

/// `dbs` are the two models, for what a shape alone does not tell (the
/// column types a view query reads).
pub fn compare(
    x: &Obj<'_>,
    y: &Obj<'_>,
    online: bool,
    dbs: (&Database, &Database),
) -> Result<Verdict, PlanError> {
    let _ = online;
    match (&x.shape, &y.shape) {
        (Shape::Schema(n, a), Shape::Schema(_, b)) => with_extras(
            none(),
            Extras {
                target: Target::Schema(n),
                owner: Some((&a.owner, &b.owner)),
                comment: (&a.comment, &b.comment),
                grants: Some((&a.grants, &b.grants)),
            },
            vec![],
        ),
        (Shape::Extension(n, a), Shape::Extension(_, b)) => {
            let (core, hazards) = extension_version(n, a, b, dbs.0);
            let mut core = core;
            let schema = |e: &crate::model::Extension| e.schema.clone().unwrap_or("public".into());
            if schema(a) != schema(b) {
                let set = |s: String| {
                    format!(
                        "ALTER EXTENSION {} SET SCHEMA {};",
                        quote_ident(n),
                        quote_ident(&s)
                    )
                };
                core.0.push(set(schema(b)));
                core.1.insert(0, set(schema(a)));
            }
            with_extras(
                core,
                Extras {
                    target: Target::Extension(n),
                    owner: None,
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                hazards,
            )
        }
        (Shape::Enum(q, a), Shape::Enum(_, b)) => {
            let names = |e: &EnumType| e.values.iter().map(|v| v.name.clone()).collect::<Vec<_>>();
            let (av, bv) = (names(a), names(b));
            if !only_added(&av, &bv) {
                return Ok(Verdict::Alter(enum_swap(q, x, y, &av, &bv)));
            }
            let core = enum_values(q, &av, &bv);
            let transactional = core.0.is_empty();
            let v = with_extras(
                core,
                Extras {
                    target: Target::Type(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )?;
            Ok(match v {
                Verdict::Alter(mut p) => {
                    p.transactional = transactional;
                    Verdict::Alter(p)
                }
                other => other,
            })
        }
        (Shape::Composite(q, a), Shape::Composite(_, b)) => {
            if !same::composite(a, b) {
                return Ok(Verdict::Recreate);
            }
            with_extras(
                none(),
                Extras {
                    target: Target::Type(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Range(q, a), Shape::Range(_, b)) => {
            let definition = |r: &RangeType| {
                let mut r = r.clone();
                (r.owner, r.comment, r.grants) = (None, None, Default::default());
                r.multirange_type_name = None;
                r
            };
            if definition(a) != definition(b) {
                let h = hazard(
                    Code::TableRewrite,
                    format!("range type {q} is created again: each table with a column of it or of its multirange type is rewritten under an ACCESS EXCLUSIVE lock, and a value the new definition rejects fails the migration"),
                );
                let companions = (range_away(q, a), range_away(q, b));
                return Ok(Verdict::Alter(type_swap(q, x, y, false, companions, h)));
            }
            // A new multirange name is a rename (`rename`).
            with_extras(
                none(),
                Extras {
                    target: Target::Type(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Domain(q, a), Shape::Domain(_, b)) => {
            if a.type_ != b.type_ || a.collation != b.collation {
                let h = if a.type_ != b.type_ {
                    hazard(
                        Code::TypeNarrowed,
                        format!("domain {q} is created again on {}: each table with a column of it is rewritten under an ACCESS EXCLUSIVE lock, and a value that does not fit fails the migration", b.type_),
                    )
                } else {
                    hazard(
                        Code::TableRewrite,
                        format!("domain {q} is created again with another collation: each table with a column of it is rewritten under an ACCESS EXCLUSIVE lock"),
                    )
                };
                return Ok(Verdict::Alter(type_swap(
                    q,
                    x,
                    y,
                    true,
                    Default::default(),
                    h,
                )));
            }
            let core = if same::domain(a, b) {
                none()
            } else {
                (domain_alter(q, a, b), domain_alter(q, b, a))
            };
            with_extras(
                core,
                Extras {
                    target: Target::Domain(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Sequence(q, a), Shape::Sequence(_, b)) => {
            let core = if same::sequence(a, b) {
                none()
            } else {
                (sequence_alter(q, a, b), sequence_alter(q, b, a))
            };
            with_extras(
                core,
                Extras {
                    target: Target::Sequence(q),
                    // An owned sequence has its table's owner.
                    owner: (a.owned_by.is_none() && b.owned_by.is_none())
                        .then_some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Function(k, a), Shape::Function(_, b)) => {
            if !same::function_signature(a, b) {
                return Ok(Verdict::Recreate);
            }
            let core = if same::function(a, b) {
                none()
            } else {
                let replace = |f: &crate::model::Function| {
                    render::create_function(k, f, render::Mode::OrReplace)
                };
                (vec![replace(b)?], vec![replace(a)?])
            };
            let target = match b.kind {
                FunctionKind::Function => Target::Function(k),
                FunctionKind::Procedure => Target::Procedure(k),
            };
            with_extras(
                core,
                Extras {
                    target,
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Aggregate(k, a), Shape::Aggregate(_, b)) => {
            if !same::aggregate(a, b) {
                return Ok(Verdict::Recreate);
            }
            with_extras(
                none(),
                Extras {
                    target: Target::Aggregate(k),
                    owner: None,
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                },
                vec![],
            )
        }
        (Shape::Table(q, a), Shape::Table(_, b)) => {
            if a.partition_by != b.partition_by {
                return Ok(Verdict::Recreate);
            }
            let up = table::table_settings(q, a, b)?;
            let down = table::table_settings(q, b, a)?;
            let mut hazards = table::partition_hazards(q, a, b);
            if a.row_level_security.enabled && !b.row_level_security.enabled {
                hazards.push(hazard(
                    Code::RowsWidened,
                    format!("disabling row level security on {q} widens access"),
                ));
            }
            if extras::widens(
                Target::Table(q),
                None,
                &a.grants,
                &b.grants,
                Some(crate::model::privileges::owner_key(b.owner.as_deref())),
            )? {
                hazards.push(hazard(Code::AccessWidened, format!("grants more on {q}")));
            }
            Ok(in_place(up, down, hazards))
        }
        (Shape::View(q, a), Shape::View(_, b)) => {
            let mut core = none();
            if !same::view(a, b) {
                if !super::view::replaceable(a, b, dbs.0, dbs.1) {
                    return Ok(Verdict::Recreate);
                }
                let replace =
                    |v: &crate::model::View| render::create_view(q, v, render::Mode::OrReplace);
                let mut up = vec![replace(b)?];
                let extras = Extras {
                    target: Target::View(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: Some((&a.grants, &b.grants)),
                };
                up.extend(extras.sql(true)?);
                let (cols_up, cols_down) = view_columns(q, a, b)?;
                let mut hazards = extras.hazards()?;
                hazards.extend(view_column_hazards(q, a, b)?);
                up.extend(cols_up);
                if !super::view::appends(a, b) {
                    let mut down = vec![replace(a)?];
                    down.extend(extras.sql(false)?);
                    down.extend(cols_down);
                    return Ok(in_place(up, down, hazards));
                }
                // Columns cannot be taken off a view: down drops it and
                // creates the old one, whose statements hold its extras
                // (and the diff wraps what reads it around that).
                let mut down = x.drop.clone();
                down.extend(x.create.iter().cloned());
                let mut v = in_place(up, down, hazards);
                if let Verdict::Alter(p) = &mut v {
                    p.down_recreates = true;
                }
                return Ok(v);
            }
            let target = if b.materialized {
                Target::MaterializedView(q)
            } else {
                Target::View(q)
            };
            let mut hazards = Vec::new();
            if b.materialized && a.with_no_data != b.with_no_data {
                core.0
                    .push(render::refresh_materialized_view(q, b.with_no_data));
                core.1
                    .push(render::refresh_materialized_view(q, a.with_no_data));
                hazards.push(if b.with_no_data {
                    hazard(
                        Code::MaterializedViewEmptied,
                        format!(
                            "empties materialized view {q}: reading it fails until it is refreshed"
                        ),
                    )
                } else {
                    hazard(
                        Code::MaterializedViewBuild,
                        format!("computes materialized view {q}"),
                    )
                });
            }
            // Column grants after the view's own: a REVOKE on the view
            // takes its columns' privileges with it.
            let (cols_up, cols_down) = view_columns(q, a, b)?;
            let e = Extras {
                target,
                owner: Some((&a.owner, &b.owner)),
                comment: (&a.comment, &b.comment),
                grants: Some((&a.grants, &b.grants)),
            };
            core.0.extend(e.sql(true)?);
            core.1.extend(e.sql(false)?);
            core.0.extend(cols_up);
            core.1.extend(cols_down);
            hazards.extend(e.hazards()?);
            hazards.extend(view_column_hazards(q, a, b)?);
            Ok(in_place(core.0, core.1, hazards))
        }
        (Shape::Index(q, n, a), Shape::Index(_, _, b)) => {
            if !same::index(a, b, &q.name) {
                return Ok(Verdict::Recreate);
            }
            let iq = QualifiedName::new(&q.schema, *n);
            with_extras(
                (
                    render::index_statistics_changes(&iq, a, b),
                    render::index_statistics_changes(&iq, b, a),
                ),
                Extras {
                    target: Target::Index(&iq),
                    owner: None,
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                vec![],
            )
        }
        (Shape::ForeignKey(q, n, a), Shape::ForeignKey(_, _, b)) => {
            if !same::foreign_key(a, b) {
                return Ok(Verdict::Recreate);
            }
            with_extras(
                none(),
                Extras {
                    target: Target::Constraint(q, n),
                    owner: None,
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                vec![],
            )
        }
        (Shape::Policy(q, n, a), Shape::Policy(_, _, b)) => {
            if same::policy(a, b, &q.name) {
                return with_extras(
                    none(),
                    Extras {
                        target: Target::Policy(q, n),
                        owner: None,
                        comment: (&a.comment, &b.comment),
                        grants: None,
                    },
                    vec![],
                );
            }
            // Never recreated as two steps: between a DROP and a CREATE in
            // different migrations the policy would be missing.
            let up = change_policy(q, n, a, b);
            let down = change_policy(q, n, b, a);
            Ok(in_place(up, down, policy_hazards(q, n, a, b)))
        }
        (Shape::Rule(q, n, a), Shape::Rule(_, _, b)) => with_extras(
            (change_rule(q, n, a, b)?, change_rule(q, n, b, a)?),
            Extras {
                target: Target::Rule(q, n),
                owner: None,
                comment: (&a.comment, &b.comment),
                grants: None,
            },
            vec![],
        ),
        (Shape::Trigger(q, n, a), Shape::Trigger(_, _, b)) => {
            if !same::trigger(a, b, &q.name) {
                return Ok(Verdict::Recreate);
            }
            with_extras(
                none(),
                Extras {
                    target: Target::Trigger(q, n),
                    owner: None,
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                vec![],
            )
        }
        (Shape::Collation(q, a), Shape::Collation(_, b)) => {
            let same = Collation {
                owner: None,
                comment: None,
                ..(*a).clone()
            } == Collation {
                owner: None,
                comment: None,
                ..(*b).clone()
            };
            if !same {
                return Ok(Verdict::Recreate);
            }
            with_extras(
                none(),
                Extras {
                    target: Target::Collation(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                vec![],
            )
        }
        (Shape::TextSearchConfiguration(q, a), Shape::TextSearchConfiguration(_, b)) => {
            if a.parser != b.parser {
                return Ok(Verdict::Recreate);
            }
            let mapping = |from: &crate::model::TextSearchConfiguration,
                           to: &crate::model::TextSearchConfiguration| {
                let mut out = Vec::new();
                for (token, dicts) in &to.mappings {
                    match from.mappings.get(token) {
                        Some(old) if old == dicts => {}
                        Some(_) => {
                            out.push(render::text_search_mapping(q, "ALTER", &[token], dicts))
                        }
                        None => out.push(render::text_search_mapping(q, "ADD", &[token], dicts)),
                    }
                }
                for token in from
                    .mappings
                    .keys()
                    .filter(|t| !to.mappings.contains_key(*t))
                {
                    out.push(render::text_search_mapping(q, "DROP", &[token], &[]));
                }
                out
            };
            with_extras(
                (mapping(a, b), mapping(b, a)),
                Extras {
                    target: Target::TextSearchConfiguration(q),
                    owner: Some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                vec![],
            )
        }
        (Shape::Publication(n, a), Shape::Publication(_, b)) => {
            let external = a.external || b.external;
            if a.all_tables != b.all_tables && !external {
                return Ok(Verdict::Recreate);
            }
            let (core, hazards) = super::publication::changes(n, a, b, dbs.1)?;
            with_extras(
                core,
                Extras {
                    target: Target::Publication(n),
                    // The owner of someone else's publication is theirs.
                    owner: (!external).then_some((&a.owner, &b.owner)),
                    comment: (&a.comment, &b.comment),
                    grants: None,
                },
                hazards,
            )
        }
        (Shape::DefaultPrivilege(a), Shape::DefaultPrivilege(b)) => Ok(if a == b {
            Verdict::Same
        } else {
            Verdict::Recreate
        }),
        (Shape::Statement(a), Shape::Statement(b)) => Ok(if a == b {
            Verdict::Same
        } else {
            Verdict::Recreate
        }),
        _ => Ok(Verdict::Recreate),
    }
}

/// The statements that take extension `n` from version to version, both
/// ways. An omitted version is the default one, known only from a
/// database's reading (`from`); so are the update paths. Where no path
/// leads, the extension is dropped and created at the version wanted: a
/// red hazard up, a yellow one when only the down must.
fn extension_version(
    n: &str,
    a: &crate::model::Extension,
    b: &crate::model::Extension,
    from: &Database,
) -> ((Vec<String>, Vec<String>), Vec<Hazard>) {
    let known = from.extension_versions.0.get(n);
    let default = known.and_then(|k| k.default.clone());
    let (Some(old), Some(new)) = (
        a.version.clone().or_else(|| default.clone()),
        b.version.clone().or(default),
    ) else {
        // No default version known: only a pinned one is planned, one way.
        let mut up = vec![];
        if let Some(v) = &b.version {
            if a.version.as_ref() != Some(v) {
                up.push(update_to(n, v));
            }
        }
        return ((up, vec![]), vec![]);
    };
    if old == new {
        return ((vec![], vec![]), vec![]);
    }
    let Some(k) = known.filter(|k| k.installed == old) else {
        // Offline: PostgreSQL finds the path or says there is none.
        return ((vec![update_to(n, &new)], vec![update_to(n, &old)]), vec![]);
    };
    let mut hazards = vec![];
    let again = |v: &str| {
        let ext = crate::model::Extension {
            version: Some(v.to_string()),
            ..a.clone()
        };
        vec![
            format!("DROP EXTENSION {};", quote_ident(n)),
            render::create_extension(n, &ext),
        ]
    };
    let up = if k.updates_to.contains(&new) {
        vec![update_to(n, &new)]
    } else {
        hazards.push(hazard(
            Code::ExtensionRecreated,
            format!(
                "extension {n} has no update path from {old} to {new}: it is dropped and created at {new}"
            ),
        ));
        again(&new)
    };
    let down = if k.updates_from.contains(&new) {
        vec![update_to(n, &old)]
    } else {
        if hazards.is_empty() {
            hazards.push(hazard(
                Code::ExtensionOneWay,
                format!(
                    "extension {n} has no update path from {new} back to {old}: the down drops it and creates it at {old}"
                ),
            ));
        }
        again(&old)
    };
    ((up, down), hazards)
}

fn update_to(n: &str, v: &str) -> String {
    format!(
        "ALTER EXTENSION {} UPDATE TO {};",
        quote_ident(n),
        quote_literal(v)
    )
}

/// The statements that take policy `n` from `a` to `b`, in one step (so
/// one transaction): ALTER POLICY where PostgreSQL can (the roles, an
/// expression changed or added), else DROP and CREATE (the command, the
/// kind, or an expression taken away), with its comment again.
fn change_policy(
    q: &QualifiedName,
    n: &str,
    a: &crate::model::Policy,
    b: &crate::model::Policy,
) -> Vec<String> {
    let removes = |x: &Option<String>, y: &Option<String>| x.is_some() && y.is_none();
    let alterable = same::policy_kind(a, b)
        && !removes(&a.using, &b.using)
        && !removes(&a.with_check, &b.with_check);
    let target = Target::Policy(q, n);
    if alterable {
        let mut out = if same::policy(a, b, &q.name) {
            vec![]
        } else {
            alter_policy(q, n, b)
        };
        out.extend(extras::comment(target, &a.comment, &b.comment));
        return out;
    }
    let mut out = vec![
        format!("DROP POLICY {} ON {};", quote_ident(n), q.sql()),
        render::create_policy(n, q, b),
    ];
    out.extend(extras::comment(target, &None, &b.comment));
    out
}

/// What a change of policy `n` from `a` to `b` does to who sees which rows.
/// A permissive policy adds rows, a restrictive one removes them: more
/// roles or a permissive kind widen access, fewer roles or a restrictive
/// kind narrow it; a changed expression may do either.
fn policy_hazards(
    q: &QualifiedName,
    n: &str,
    a: &crate::model::Policy,
    b: &crate::model::Policy,
) -> Vec<Hazard> {
    let mut out = Vec::new();
    let (ra, rb) = (same::roles(a), same::roles(b));
    let added: Vec<&String> = rb.iter().filter(|r| !ra.contains(r)).collect();
    let removed: Vec<&String> = ra.iter().filter(|r| !rb.contains(r)).collect();
    let list = |rs: &[&String]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ");
    if a.restrictive != b.restrictive {
        out.push(if b.restrictive {
            hazard(
                Code::AccessNarrowed,
                format!("policy {n} on {q} becomes RESTRICTIVE: it removes rows {} may see or write instead of adding them", list(&rb.iter().collect::<Vec<_>>())),
            )
        } else {
            hazard(
                Code::RowsWidened,
                format!("policy {n} on {q} becomes PERMISSIVE: the rows it kept from {} become visible where another policy allows them", list(&ra.iter().collect::<Vec<_>>())),
            )
        });
    } else if b.restrictive {
        if !added.is_empty() {
            out.push(hazard(
                Code::AccessNarrowed,
                format!(
                    "restrictive policy {n} on {q} now also removes rows from {}",
                    list(&added)
                ),
            ));
        }
        if !removed.is_empty() {
            out.push(hazard(
                Code::RowsWidened,
                format!("restrictive policy {n} on {q} no longer removes rows from {}: they may see or write more", list(&removed)),
            ));
        }
    } else {
        if !added.is_empty() {
            out.push(hazard(
                Code::AccessWidened,
                format!(
                    "permissive policy {n} on {q} now also adds rows {} may see or write",
                    list(&added)
                ),
            ));
        }
        if !removed.is_empty() {
            out.push(hazard(
                Code::AccessNarrowed,
                format!(
                    "permissive policy {n} on {q} no longer adds rows for {}",
                    list(&removed)
                ),
            ));
        }
    }
    if a.command != b.command {
        out.push(hazard(
            Code::PolicyChanged,
            format!("policy {n} on {q} applies to other commands: rows may be added or removed"),
        ));
    }
    let same_expr = |x: &Option<String>, y: &Option<String>| same::opt_expr_in(&q.name, x, y);
    if !same_expr(&a.using, &b.using) || !same_expr(&a.with_check, &b.with_check) {
        let kind = if b.restrictive {
            "restrictive"
        } else {
            "permissive"
        };
        out.push(hazard(
            Code::PolicyChanged,
            format!("{kind} policy {n} on {q} changes its USING or WITH CHECK: rows may be added or removed"),
        ));
    }
    out
}

/// `ALTER POLICY n ON t TO ... USING (...) WITH CHECK (...);`
fn alter_policy(q: &QualifiedName, n: &str, p: &crate::model::Policy) -> Vec<String> {
    let roles: Vec<String> = same::roles(p)
        .iter()
        .map(|r| {
            if r == "public" {
                "PUBLIC".to_string()
            } else {
                quote_ident(r)
            }
        })
        .collect();
    let mut sql = format!(
        "ALTER POLICY {} ON {} TO {}",
        quote_ident(n),
        q.sql(),
        roles.join(", ")
    );
    if let Some(u) = &p.using {
        sql.push_str(&format!(" USING ({u})"));
    }
    if let Some(w) = &p.with_check {
        sql.push_str(&format!(" WITH CHECK ({w})"));
    }
    sql.push(';');
    vec![sql]
}

/// Whether `b` is `a` with values added (ADD VALUE can do it).
fn only_added(a: &[String], b: &[String]) -> bool {
    let kept: Vec<&String> = b.iter().filter(|v| a.contains(v)).collect();
    kept.len() == a.len() && kept.iter().zip(a).all(|(x, y)| *x == y)
}

/// An enum that loses or reorders values, which PostgreSQL cannot do in
/// place: the old type is renamed away, the new one created, and the
/// columns moved over by `Differ` (it knows them), then the old one dropped.
fn enum_swap(q: &QualifiedName, x: &Obj<'_>, y: &Obj<'_>, a: &[String], b: &[String]) -> InPlace {
    let lost: Vec<&str> = (a.iter())
        .filter(|v| !b.contains(v))
        .map(String::as_str)
        .collect();
    let hazard = if lost.is_empty() {
        hazard(
            Code::TableRewrite,
            format!("enum {q} is created again with its values reordered: each table with a column of it is rewritten under an ACCESS EXCLUSIVE lock"),
        )
    } else {
        hazard(
            Code::TypeNarrowed,
            format!(
                "enum {q} is created again without {}: the migration fails on a row that holds one, and each table with a column of it is rewritten under an ACCESS EXCLUSIVE lock",
                lost.iter().map(|v| quote_literal(v)).collect::<Vec<_>>().join(", ")
            ),
        )
    };
    type_swap(q, x, y, false, Default::default(), hazard)
}

/// What range type `q` (already renamed away) was made with, renamed away
/// too: its multirange type and the constructor functions of both, which
/// keep their names when the types are renamed.
fn range_away(q: &QualifiedName, r: &RangeType) -> Vec<String> {
    let away = |q: &QualifiedName| QualifiedName::new(&q.schema, super::swap_name(&q.name));
    let m = r.multirange(q);
    let (range, multi) = (away(q), away(&m));
    let s = &r.subtype;
    let function = |f: &QualifiedName, args: &str, to: &QualifiedName| {
        format!(
            "ALTER FUNCTION {}({args}) RENAME TO {};",
            f.sql(),
            quote_ident(&to.name)
        )
    };
    vec![
        format!(
            "ALTER TYPE {} RENAME TO {};",
            m.sql(),
            quote_ident(&multi.name)
        ),
        function(q, &format!("{s}, {s}"), &range),
        function(q, &format!("{s}, {s}, text"), &range),
        function(&m, "", &multi),
        function(&m, &range.sql(), &multi),
        function(&m, &format!("VARIADIC {}[]", range.sql()), &multi),
    ]
}

/// A type made again under its name, with its columns moved over (by
/// `Differ`) through text.
fn type_swap(
    q: &QualifiedName,
    x: &Obj<'_>,
    y: &Obj<'_>,
    domain: bool,
    companions: (Vec<String>, Vec<String>),
    hazard: Hazard,
) -> InPlace {
    InPlace {
        up: vec![],
        down: vec![],
        hazards: vec![hazard],
        transactional: true,
        breaks_dependants: true,
        down_recreates: false,
        validate: None,
        then: None,
        swap: Some(Box::new(TypeSwap {
            name: q.clone(),
            domain,
            companions,
            create: (y.create.clone(), x.create.clone()),
        })),
    }
}

/// ADD VALUE for values new in `b` (which keeps `a`'s in order).
fn enum_values(q: &QualifiedName, a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let mut up = Vec::new();
    let mut down = Vec::new();
    for (i, v) in b.iter().enumerate() {
        if a.contains(v) {
            continue;
        }
        let place = match (i.checked_sub(1).map(|j| &b[j]), b.get(i + 1)) {
            (Some(prev), _) => format!(" AFTER {}", quote_literal(prev)),
            (None, Some(next)) => format!(" BEFORE {}", quote_literal(next)),
            (None, None) => String::new(),
        };
        up.push(format!(
            "ALTER TYPE {} ADD VALUE {}{place};",
            q.sql(),
            quote_literal(v)
        ));
        // PostgreSQL has no DROP VALUE; removing the catalog row is the
        // compensating action (superuser, and no row may use the value).
        down.insert(
            0,
            format!(
                "DELETE FROM pg_catalog.pg_enum WHERE enumtypid = {}::regtype AND enumlabel = {};",
                quote_literal(&q.sql()),
                quote_literal(v)
            ),
        );
    }
    (up, down)
}

fn domain_alter(
    q: &QualifiedName,
    a: &crate::model::Domain,
    b: &crate::model::Domain,
) -> Vec<String> {
    let d = |what: String| format!("ALTER DOMAIN {} {what};", q.sql());
    let mut out = Vec::new();
    let default_same = match (&a.default, &b.default) {
        (None, None) => true,
        (Some(x), Some(y)) => crate::model::expr::equivalent(x, y),
        _ => false,
    };
    if !default_same {
        out.push(match &b.default {
            Some(x) => d(format!("SET DEFAULT {x}")),
            None => d("DROP DEFAULT".into()),
        });
    }
    if a.nullable != b.nullable {
        out.push(d(if b.nullable {
            "DROP NOT NULL"
        } else {
            "SET NOT NULL"
        }
        .into()));
    }
    for (n, x) in &a.checks {
        if !b
            .checks
            .get(n)
            .is_some_and(|y| crate::model::expr::equivalent(x, y))
        {
            out.push(d(format!("DROP CONSTRAINT {}", quote_ident(n))));
        }
    }
    for (n, y) in &b.checks {
        if !a
            .checks
            .get(n)
            .is_some_and(|x| crate::model::expr::equivalent(x, y))
        {
            out.push(d(format!("ADD CONSTRAINT {} CHECK ({y})", quote_ident(n))));
        }
    }
    out
}

fn sequence_alter(q: &QualifiedName, a: &Sequence, b: &Sequence) -> Vec<String> {
    let mut parts = Vec::new();
    if a.type_ != b.type_ {
        parts.push(format!("AS {}", b.type_.as_deref().unwrap_or("bigint")));
    }
    if a.increment != b.increment {
        parts.push(format!("INCREMENT BY {}", b.increment.unwrap_or(1)));
    }
    if a.min_value != b.min_value {
        parts.push(match b.min_value {
            Some(v) => format!("MINVALUE {v}"),
            None => "NO MINVALUE".into(),
        });
    }
    if a.max_value != b.max_value {
        parts.push(match b.max_value {
            Some(v) => format!("MAXVALUE {v}"),
            None => "NO MAXVALUE".into(),
        });
    }
    if a.start != b.start {
        let start = b.start.unwrap_or_else(|| {
            if b.increment.unwrap_or(1) > 0 {
                b.min_value.unwrap_or(1)
            } else {
                b.max_value.unwrap_or(-1)
            }
        });
        parts.push(format!("START WITH {start}"));
    }
    if a.cache != b.cache {
        parts.push(format!("CACHE {}", b.cache.unwrap_or(1)));
    }
    if a.cycle != b.cycle {
        parts.push(if b.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    if parts.is_empty() {
        return vec![];
    }
    vec![format!("ALTER SEQUENCE {} {};", q.sql(), parts.join(" "))]
}

/// A yellow hazard for each view column that grants more.
fn view_column_hazards(
    q: &QualifiedName,
    a: &crate::model::View,
    b: &crate::model::View,
) -> Result<Vec<Hazard>, PlanError> {
    let none_held = crate::model::Grants::default();
    let mut out = Vec::new();
    for (c, y) in &b.column_grants {
        let x = a.column_grants.get(c).unwrap_or(&none_held);
        if extras::widens(Target::View(q), Some(c), x, y, None)? {
            out.push(hazard(
                Code::AccessWidened,
                format!("grants more on {}.{}", q.sql(), quote_ident(c)),
            ));
        }
    }
    Ok(out)
}

/// COMMENT ON COLUMN and column GRANT/REVOKE statements from `a`'s
/// columns to `b`'s, both ways.
fn view_columns(
    q: &QualifiedName,
    a: &crate::model::View,
    b: &crate::model::View,
) -> Result<(Vec<String>, Vec<String>), PlanError> {
    let mut out = none();
    let cols: std::collections::BTreeSet<&String> = a
        .column_comments
        .keys()
        .chain(b.column_comments.keys())
        .collect();
    for c in cols {
        let (x, y) = (
            a.column_comments.get(c).cloned(),
            b.column_comments.get(c).cloned(),
        );
        out.0.extend(extras::comment(Target::Column(q, c), &x, &y));
        out.1.extend(extras::comment(Target::Column(q, c), &y, &x));
    }
    let target = if b.materialized {
        Target::MaterializedView(q)
    } else {
        Target::View(q)
    };
    let none_held = crate::model::Grants::default();
    let cols: std::collections::BTreeSet<&String> = a
        .column_grants
        .keys()
        .chain(b.column_grants.keys())
        .collect();
    for c in cols {
        let x = a.column_grants.get(c).unwrap_or(&none_held);
        let y = b.column_grants.get(c).unwrap_or(&none_held);
        out.0.extend(extras::grants(target, Some(c), x, y, None)?);
        out.1.extend(extras::grants(target, Some(c), y, x, None)?);
    }
    Ok(out)
}

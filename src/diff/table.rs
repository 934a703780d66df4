//! Parts of a table on both sides: columns (ADD/DROP/ALTER COLUMN), keys,
//! checks and exclusions (drop + add), and the table's own settings.

use std::collections::BTreeMap;

use crate::ddl::render::{self, Target};
use crate::ddl::{Code, Hazard, PlanError};
use crate::model::name::key_part;
use crate::model::privileges::owner_key;
use indexmap::IndexMap;

use crate::model::{
    identity, quote_ident, Column, Database, Id, IdKind, Identity, QualifiedName, Storage, Table,
};

use super::objects::{Obj, Shape};
use super::{extras, hazard, same, InPlace, Then, Validation, Verdict};

fn alter_table(q: &QualifiedName, what: &str) -> String {
    format!("ALTER TABLE {} {what};", q.sql())
}

/// Create and drop statements of a part (online: checks NOT VALID).
pub fn part_sql(o: &Obj<'_>, online: bool) -> Result<(Vec<String>, Vec<String>), PlanError> {
    let drop_con = |q: &QualifiedName, n: &str| {
        vec![alter_table(
            q,
            &format!("DROP CONSTRAINT {}", quote_ident(n)),
        )]
    };
    let comment = |target: Target<'_>, c: &Option<String>| {
        c.as_ref()
            .map(|t| render::comment_on(target, t))
            .into_iter()
            .collect::<Vec<_>>()
    };
    Ok(match &o.shape {
        Shape::Column(q, n, c) => {
            let mut up = vec![alter_table(
                q,
                &format!("ADD COLUMN {}", render::column_def(n, c, true)),
            )];
            if !c.nullable && c.not_null.as_ref().is_some_and(|x| x.not_valid) {
                up.push(render::add_not_null(q, n, c));
            }
            up.extend(comment(Target::Column(q, n), &c.comment));
            up.extend(render::grant_statements(
                Target::Table(q),
                Some(n),
                &c.grants,
                None,
            )?);
            if let Some(s) = c.statistics {
                up.push(render::set_column_statistics(q, n, s));
            }
            if c.storage.is_some() {
                up.push(render::set_column_storage(q, n, c.storage));
            }
            if c.compression.is_some() {
                up.push(render::set_column_compression(q, n, c.compression));
            }
            let down = vec![alter_table(q, &format!("DROP COLUMN {}", quote_ident(n)))];
            (up, down)
        }
        Shape::PrimaryKey(q, pk) => {
            let name = pk.name.clone().unwrap_or(format!("{}_pkey", q.name));
            let mut up = vec![render::add_constraint(q, &render::primary_key_clause(pk))];
            up.extend(comment(Target::Constraint(q, &name), &pk.comment));
            (up, drop_con(q, &name))
        }
        Shape::Unique(q, n, u) => {
            let mut up = vec![render::add_constraint(q, &render::unique_clause(n, u))];
            up.extend(comment(Target::Constraint(q, n), &u.comment));
            (up, drop_con(q, n))
        }
        Shape::Check(q, n, c) => {
            // Online, added NOT VALID: the model's own flag, rendered.
            let online_check;
            let c = if online && !c.not_enforced {
                online_check = crate::model::Check {
                    not_valid: true,
                    ..(*c).clone()
                };
                &online_check
            } else {
                c
            };
            let mut up = vec![render::add_check(q, n, c)];
            up.extend(comment(Target::Constraint(q, n), &c.comment));
            (up, drop_con(q, n))
        }
        Shape::Exclusion(q, n, e) => {
            let mut up = vec![render::add_constraint(q, &render::exclusion_clause(n, e))];
            up.extend(comment(Target::Constraint(q, n), &e.comment));
            (up, drop_con(q, n))
        }
        _ => (o.create.clone(), o.drop.clone()),
    })
}

fn volatile_default(x: &str) -> bool {
    let l = x.to_ascii_lowercase();
    [
        "random(",
        "gen_random_uuid(",
        "uuid_generate",
        "clock_timestamp(",
        "nextval(",
        "timeofday(",
    ]
    .iter()
    .any(|f| l.contains(f))
}

/// What adding a part to a table that exists does to those using it:
/// which lock, held for an instant or through a scan or rewrite.
pub fn part_hazards(o: &Obj<'_>, online: bool) -> Vec<Hazard> {
    match &o.shape {
        Shape::Column(q, n, c) => {
            let rewrite = |what: &str, instead: &str| {
                hazard(
                    Code::TableRewrite,
                    format!(
                        "adding {n} to {q} {what} rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait throughout; online instead: {instead}"
                    ),
                )
            };
            if c.default.as_deref().is_some_and(volatile_default) {
                vec![rewrite(
                    "with a volatile default",
                    "add it without a default, SET DEFAULT, then fill the old rows in batches (`reconcile new`)",
                )]
            } else if c.generated.is_some() && !c.virtual_ {
                vec![rewrite(
                    "as a stored generated column",
                    "add a plain column kept by a trigger and fill the old rows in batches, or a VIRTUAL one (PostgreSQL 18)",
                )]
            } else if c.identity.is_some() {
                vec![rewrite(
                    "as an identity column",
                    "add a plain column with a sequence default set after it is added, fill the old rows in batches, then ADD GENERATED AS IDENTITY",
                )]
            } else if !c.nullable && c.default.is_none() {
                vec![hazard(
                    Code::NotNullWithoutDefault,
                    format!("adding NOT NULL column {n} without a default fails if {q} has rows"),
                )]
            } else {
                vec![hazard(
                    Code::AddColumn,
                    format!(
                        "adds column {n} to {q}: an ACCESS EXCLUSIVE lock for an instant, no rewrite (a constant default is kept in the catalog)"
                    ),
                )]
            }
        }
        Shape::PrimaryKey(q, _) | Shape::Unique(q, _, _) | Shape::Exclusion(q, _, _) => {
            vec![hazard(
                Code::IndexBuild,
                format!(
                    "builds a unique index on {q} under an ACCESS EXCLUSIVE lock: reads and writes wait until it is built"
                ),
            )]
        }
        Shape::Check(q, n, c) => vec![if c.not_enforced {
            hazard(
                Code::ConstraintNotEnforced,
                format!("adds check {n} on {q} NOT ENFORCED: an ACCESS EXCLUSIVE lock for an instant, never checked"),
            )
        } else if online || c.not_valid {
            hazard(
                Code::ConstraintNotValid,
                format!(
                    "adds check {n} on {q} NOT VALID: an ACCESS EXCLUSIVE lock for an instant, no scan; new rows are checked from then on{}",
                    if c.not_valid { "" } else { ", the old ones by VALIDATE after it commits" }
                ),
            )
        } else {
            hazard(
                Code::ConstraintScan,
                format!(
                    "check {n} on {q} checks every row under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done"
                ),
            )
        }],
        _ => vec![],
    }
}

/// Type changes PostgreSQL does without a rewrite and without losing data.
fn widening(old: &str, new: &str) -> bool {
    let len =
        |t: &str, p: &str| -> Option<u32> { t.strip_prefix(p)?.strip_suffix(')')?.parse().ok() };
    if new == "text" && (old.starts_with("character varying") || old == "character varying") {
        return true;
    }
    if new == "character varying" && old.starts_with("character varying") {
        return true;
    }
    if let Some(wider) = numeric_widens(old, new) {
        return wider;
    }
    match (
        len(old, "character varying("),
        len(new, "character varying("),
    ) {
        (Some(a), Some(b)) => b >= a,
        _ => false,
    }
}

/// For two numerics: whether `new` takes every `old` value without a
/// rewrite (more precision at the same scale, or no limit at all).
fn numeric_widens(old: &str, new: &str) -> Option<bool> {
    let args = |t: &str| -> Option<(u32, u32)> {
        let inner = t.strip_prefix("numeric(")?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
        Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
    };
    let (p, s) = args(old)?;
    if new == "numeric" {
        return Some(true);
    }
    let (q, t) = args(new)?;
    Some(q >= p && t == s)
}

/// `new` holds every value of `old` (a wider number of the same kind, or
/// unbounded text), though the change still rewrites the table. Anything
/// else may not: the plan says so.
fn holds_every(old: &str, new: &str) -> bool {
    if matches!(new, "text" | "character varying") || widening(old, new) {
        return true;
    }
    let rank = |t: &str| match t {
        "smallint" => Some((0, 0)),
        "integer" => Some((0, 1)),
        "bigint" => Some((0, 2)),
        "real" => Some((1, 0)),
        "double precision" => Some((1, 1)),
        _ => None,
    };
    matches!((rank(old), rank(new)), (Some((k, a)), Some((l, b))) if k == l && b > a)
}

/// From `a`'s NOT NULL (or none) to `b`'s: SET/DROP NOT NULL for a plain
/// one; its name, NOT VALID and NO INHERIT (PostgreSQL 18) renamed,
/// validated, or dropped and added again.
fn not_null_alter(q: &QualifiedName, n: &str, a: &Column, b: &Column) -> Vec<String> {
    let at = |what: &str| alter_table(q, &format!("ALTER COLUMN {} {what}", quote_ident(n)));
    let spec = |c: &Column| (!c.nullable).then(|| c.not_null.clone().unwrap_or_default());
    let (x, y) = (spec(a), spec(b));
    let name = |nn: &crate::model::NotNull| {
        nn.name
            .clone()
            .unwrap_or_else(|| crate::model::name::object_name(&q.name, n, "not_null"))
    };
    match (x, y) {
        (None, None) => vec![],
        (Some(_), None) => vec![at("DROP NOT NULL")],
        (None, Some(y)) if y.is_default() => vec![at("SET NOT NULL")],
        (None, Some(_)) => vec![render::add_not_null(q, n, b)],
        (Some(x), Some(y)) if x == y => vec![],
        (Some(x), Some(y)) if x.no_inherit != y.no_inherit || (!x.not_valid && y.not_valid) => {
            vec![at("DROP NOT NULL"), render::add_not_null(q, n, b)]
        }
        (Some(x), Some(y)) => {
            let mut out = Vec::new();
            if name(&x) != name(&y) {
                out.push(alter_table(
                    q,
                    &format!(
                        "RENAME CONSTRAINT {} TO {}",
                        quote_ident(&name(&x)),
                        quote_ident(&name(&y))
                    ),
                ));
            }
            if x.not_valid && !y.not_valid {
                out.push(alter_table(
                    q,
                    &format!("VALIDATE CONSTRAINT {}", quote_ident(&name(&y))),
                ));
            }
            out
        }
    }
}

/// A column's change in two halves. The second is empty unless an
/// identity gives way to a default or a default to an identity (a serial
/// becoming an identity, or the reverse): the identity's sequence takes
/// the name of the serial's, so the identity is added only once the
/// serial's sequence is dropped, and the serial's default set only once
/// its sequence is made, after the identity and its sequence are gone.
#[derive(Debug)]
pub(crate) struct ColumnAlter {
    pub first: Vec<String>,
    pub second: Vec<String>,
}

/// Whether the change from `a` to `b` is cut in two ([`ColumnAlter`]).
pub(crate) fn identity_swaps(a: &Column, b: &Column) -> bool {
    (a.identity.is_none() && b.identity.is_some() && a.default.is_some())
        || (a.identity.is_some() && b.identity.is_none() && b.default.is_some())
}

/// The sequence a `nextval('s'::regclass)` default reads, as that
/// argument's text.
fn nextval_sequence(default: &str) -> Option<&str> {
    let inner = default.trim().strip_prefix("nextval(")?.strip_suffix(')')?;
    inner
        .trim_end()
        .ends_with("::regclass")
        .then_some(inner.trim())
}

/// The change of an identity's sequence options, when it stays an
/// identity.
fn identity_options_alter(q: &QualifiedName, n: &str, a: &Column, b: &Column) -> Option<String> {
    a.identity.and(b.identity)?;
    let set = render::identity_set_options(
        a.identity_sequence.as_ref(),
        b.identity_sequence.as_ref(),
        &b.type_,
    );
    let seq = render::identity_sequence_name(q, n, a);
    (!set.is_empty()).then(|| render::alter_identity_options(q, n, &seq, &set))
}

/// `db` is `b`'s model.
fn column_alter(
    q: &QualifiedName,
    n: &str,
    a: &Column,
    b: &Column,
    db: &Database,
) -> Result<ColumnAlter, PlanError> {
    let col = quote_ident(n);
    let mut out = Vec::new();
    let mut second = Vec::new();
    let split = identity_swaps(a, b);
    let at = |what: String| alter_table(q, &format!("ALTER COLUMN {col} {what}"));
    let type_changed = a.type_ != b.type_ || a.collation != b.collation;
    let default_changed = match (&a.default, &b.default) {
        (None, None) => false,
        (Some(x), Some(y)) => !same::expr_in(&q.name, x, y),
        _ => true,
    };
    // A default may not cast to the new type: dropped first, set after.
    if (type_changed && a.default.is_some()) || (default_changed && b.default.is_none()) {
        out.push(at("DROP DEFAULT".into()));
    }
    // Options that fit a narrower type are set before the type changes,
    // else after (the identity's sequence takes the column's type).
    let narrows = identity::type_range(&b.type_).1 < identity::type_range(&a.type_).1;
    let options = identity_options_alter(q, n, a, b);
    if narrows {
        out.extend(options.clone());
    }
    if type_changed {
        let coll = b
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", quote_dotted(c)))
            .unwrap_or_default();
        // Two types of the user's (enums) have no cast between them:
        // through their text form.
        let via = if user_type(&a.type_) && user_type(&b.type_) {
            "::text"
        } else {
            ""
        };
        out.push(at(format!(
            "TYPE {}{coll} USING {col}{via}::{}",
            b.type_, b.type_
        )));
    }
    let set_default = b
        .default
        .as_ref()
        .filter(|_| default_changed || (type_changed && a.default.is_some()));
    // PostgreSQL refuses a default on an identity column: set once the
    // identity is gone.
    if let Some(x) = set_default.filter(|_| a.identity.is_none()) {
        out.push(at(format!("SET DEFAULT {x}")));
    }
    // An identity column cannot lose its NOT NULL: the identity goes
    // first. Added, it needs the NOT NULL before it.
    if a.identity.is_some() && b.identity.is_none() {
        out.push(at("DROP IDENTITY".into()));
    }
    out.extend(not_null_alter(q, n, a, b));
    if let Some(x) = set_default.filter(|_| a.identity.is_some()) {
        let to = if split { &mut second } else { &mut out };
        to.push(at(format!("SET DEFAULT {x}")));
        // The identity numbered the rows: the serial's sequence goes on
        // after them.
        if let Some(seq) = nextval_sequence(x) {
            to.push(render::sequence_past_rows(seq, q, n));
        }
    }
    if a.identity != b.identity && b.identity.is_some() {
        let word = |i: Identity| match i {
            Identity::Always => "ALWAYS",
            Identity::ByDefault => "BY DEFAULT",
        };
        match (a.identity, b.identity) {
            (None, Some(i)) => {
                let options = b
                    .identity_sequence
                    .as_ref()
                    .map(render::identity_options)
                    .unwrap_or_default();
                let to = if split { &mut second } else { &mut out };
                to.push(at(format!(
                    "ADD GENERATED {} AS IDENTITY{options}",
                    word(i)
                )));
                // A new sequence starts at its start, the rows already
                // there may hold that value and those after it: it goes on
                // after them.
                let seq = render::identity_sequence_name(q, n, b);
                let seq = format!(
                    "{}::regclass",
                    crate::model::name::quote_literal(&seq.sql())
                );
                to.push(render::sequence_past_rows(&seq, q, n));
            }
            (_, Some(i)) => out.push(at(format!("SET GENERATED {}", word(i)))),
            (_, None) => unreachable!("dropped above"),
        }
    }
    if !narrows {
        out.extend(options);
    }
    if a.identity.is_some() && b.identity.is_some() {
        let (x, y) = (
            render::identity_sequence_name(q, n, a),
            render::identity_sequence_name(q, n, b),
        );
        if x != y {
            out.push(format!(
                "ALTER SEQUENCE {} RENAME TO {};",
                x.sql(),
                quote_ident(&y.name)
            ));
        }
    }
    if a.statistics != b.statistics {
        out.push(at(format!("SET STATISTICS {}", b.statistics.unwrap_or(-1))));
    }
    // A new type brings its own storage and the default compression: the
    // model's are set again.
    if a.storage != b.storage || (type_changed && b.storage.is_some()) {
        let s = b.storage.or_else(|| Storage::of_type(db, &b.type_));
        out.push(render::set_column_storage(q, n, s));
    }
    if a.compression != b.compression || (type_changed && b.compression.is_some()) {
        out.push(render::set_column_compression(q, n, b.compression));
    }
    out.extend(extras::comment(
        Target::Column(q, n),
        &a.comment,
        &b.comment,
    ));
    out.extend(extras::grants(
        Target::Table(q),
        Some(n),
        &a.grants,
        &b.grants,
        None,
    )?);
    Ok(ColumnAlter { first: out, second })
}

/// A type named with its schema (`public.mood`): one the user made. The
/// catalog and the loader name built-in types without one.
/// A column moved to a type of the same name made again (an enum that
/// lost values): through its text form; `defaults`: whether it has one,
/// and the one it gets after.
pub(crate) fn retype_via_text(
    q: &QualifiedName,
    n: &str,
    ty: &str,
    defaults: (bool, Option<&str>),
) -> Vec<String> {
    let col = quote_ident(n);
    let at = |what: String| alter_table(q, &format!("ALTER COLUMN {col} {what}"));
    let mut out = Vec::new();
    // The default it has reads the old type.
    if defaults.0 {
        out.push(at("DROP DEFAULT".into()));
    }
    out.push(at(format!("TYPE {ty} USING {col}::text::{ty}")));
    if let Some(x) = defaults.1 {
        out.push(at(format!("SET DEFAULT {x}")));
    }
    out
}

fn user_type(t: &str) -> bool {
    let base = t.split('(').next().unwrap_or(t).trim_end_matches("[]");
    base.contains('.') && !base.starts_with("pg_catalog.")
}

fn quote_dotted(text: &str) -> String {
    match crate::model::name::split_dotted(text) {
        Ok(parts) => parts
            .iter()
            .map(|p| quote_ident(p))
            .collect::<Vec<_>>()
            .join("."),
        Err(_) => text.to_string(),
    }
}

/// NOT NULL on a live table without holding a lock through the scan: the
/// change adds the constraint NOT VALID (an instant), and a validation of
/// its own, after that commits, scans under SHARE UPDATE EXCLUSIVE. On
/// PostgreSQL 18 (`native`, or a NOT NULL with a name or NO INHERIT, which
/// only 18 has) the NOT NULL constraint itself is added NOT VALID;
/// before, a `CHECK (col IS NOT NULL)` is, and once it is valid SET NOT
/// NULL reads it instead of the table. `up` and `down` are the change's.
fn online_not_null(
    q: &QualifiedName,
    n: &str,
    b: &Column,
    native: bool,
    up: &mut [String],
    down: &mut Vec<String>,
) -> Option<Validation> {
    let at = |what: &str| alter_table(q, &format!("ALTER COLUMN {} {what}", quote_ident(n)));
    let set = at("SET NOT NULL");
    let spec = b.not_null.clone().unwrap_or_default();
    if spec.not_valid {
        return None;
    }
    let added = render::add_not_null(q, n, b);
    let i = up.iter().position(|s| *s == set || *s == added)?;
    let cn = format!("{q}.{}", key_part(n));
    let scan =
        format!("VALIDATE scans {q} under a SHARE UPDATE EXCLUSIVE lock: reads and writes go on");
    if native || up[i] == added {
        let name = spec
            .name
            .clone()
            .unwrap_or_else(|| crate::model::name::object_name(&q.name, n, "not_null"));
        let mut nv = b.clone();
        nv.not_null = Some(crate::model::NotNull {
            not_valid: true,
            ..spec
        });
        let add = render::add_not_null(q, n, &nv);
        up[i] = add.clone();
        return Some(Validation {
            summary: format!("validate NOT NULL of column {cn}"),
            up: vec![alter_table(
                q,
                &format!("VALIDATE CONSTRAINT {}", quote_ident(&name)),
            )],
            // A valid constraint cannot be made NOT VALID again, and a
            // key made after it may need it: it stays (the change's own
            // down drops it).
            down: vec![format!(
                "-- a validated NOT NULL stays valid\n{}",
                at("SET NOT NULL")
            )],
            hazards: vec![hazard(Code::SetNotNull, format!("{cn}: {scan}"))],
        });
    }
    // Not `<table>_<column>_not_null`: PostgreSQL 18 gives that name to
    // the NOT NULL constraint SET NOT NULL makes while the check exists.
    let check = quote_ident(&crate::model::name::object_name(
        &q.name,
        n,
        "not_null_check",
    ));
    let add = alter_table(
        q,
        &format!(
            "ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID",
            quote_ident(n)
        ),
    );
    up[i] = add.clone();
    let drop_check = alter_table(q, &format!("DROP CONSTRAINT {check}"));
    down.insert(0, drop_check.clone());
    Some(Validation {
        summary: format!("validate NOT NULL of column {cn}"),
        up: vec![
            alter_table(q, &format!("VALIDATE CONSTRAINT {check}")),
            set,
            drop_check,
        ],
        // The check comes back for the change's own down to drop; the
        // NOT NULL stays until then (a key made after it may need it).
        down: vec![add],
        hazards: vec![hazard(
            Code::SetNotNull,
            format!(
                "{cn}: {scan}; SET NOT NULL then reads the validated check instead of the table, and it and the check's drop hold an ACCESS EXCLUSIVE lock for an instant"
            ),
        )],
    })
}

/// `native_not_null`: the server has NOT NULL constraints that can be
/// added NOT VALID (PostgreSQL 18).
/// `dbs` are the two models, for what a part alone does not tell (a
/// type's default storage).
pub fn compare_part(
    x: &Obj<'_>,
    y: &Obj<'_>,
    online: bool,
    native_not_null: bool,
    dbs: (&Database, &Database),
) -> Result<Verdict, PlanError> {
    let extras_only = |target: Target<'_>, a: &Option<String>, b: &Option<String>| {
        let up = extras::comment(target, a, b);
        if up.is_empty() {
            Verdict::Same
        } else {
            Verdict::Alter(InPlace {
                down: extras::comment(target, b, a),
                up,
                hazards: vec![],
                transactional: true,
                breaks_dependants: false,
                down_recreates: false,
                validate: None,
                then: None,
                swap: None,
            })
        }
    };
    Ok(match (&x.shape, &y.shape) {
        (Shape::Column(q, n, a), Shape::Column(_, _, b)) => {
            let generated_same = match (&a.generated, &b.generated) {
                (None, None) => true,
                (Some(g), Some(h)) => same::expr_in(&q.name, g, h) && a.virtual_ == b.virtual_,
                _ => false,
            };
            if !generated_same {
                return Ok(Verdict::Recreate);
            }
            let there = column_alter(q, n, a, b, dbs.1)?;
            let back = column_alter(q, n, b, a, dbs.0)?;
            // Cut in two (both ways or neither), each half is undone by
            // the other's opposite.
            let (mut up, down, then) = if there.second.is_empty() {
                if there.first.is_empty() {
                    return Ok(Verdict::Same);
                }
                (there.first, back.first, None)
            } else {
                let adds_identity = b.identity.is_some();
                let named = if adds_identity { b } else { a };
                let sequence = render::identity_sequence_name(q, n, named);
                let then = Box::new(Then {
                    up: there.second,
                    down: back.first,
                    sequence: Id::new(IdKind::Sequence, sequence),
                    adds_identity,
                });
                (there.first, back.second, Some(then))
            };
            let mut hazards = Vec::new();
            let type_changed = a.type_ != b.type_ || a.collation != b.collation;
            let mut down = down;
            let cn = format!("{q}.{}", key_part(n));
            if type_changed {
                if widening(&a.type_, &b.type_) && a.collation == b.collation {
                    hazards.push(hazard(
                        Code::TypeChange,
                        format!("{cn}: {} -> {} (no rewrite)", a.type_, b.type_),
                    ));
                } else if a.type_ == b.type_ {
                    // The values stay as they are: only the indexes that
                    // use the column are built again.
                    hazards.push(hazard(
                        Code::TypeChange,
                        format!(
                            "{cn}: collation {} -> {}: no rewrite, but the indexes on it are rebuilt under an ACCESS EXCLUSIVE lock (reads and writes wait until they are)",
                            a.collation.as_deref().unwrap_or("default"),
                            b.collation.as_deref().unwrap_or("default")
                        ),
                    ));
                } else {
                    hazards.push(hazard(
                        Code::TableRewrite,
                        format!(
                            "{cn}: {} -> {} rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait throughout); online instead: add a column of the new type, fill it in batches (`reconcile new`), switch readers to it, then drop the old one",
                            a.type_,
                            b.type_,
                        ),
                    ));
                    if !holds_every(&a.type_, &b.type_) {
                        hazards.push(hazard(
                            Code::TypeNarrowed,
                            format!(
                                "{cn}: {} may not hold every {} value: the change fails on one that does not fit, or rounds or cuts it",
                                b.type_, a.type_
                            ),
                        ));
                    }
                    if let Some(first) = down.first_mut() {
                        *first = format!("-- data in {cn} is not restored where the type change lost it\n{first}");
                    }
                }
            }
            let mut validate = None;
            if a.nullable && !b.nullable {
                // An identity added in the same change needs the NOT NULL
                // in place before it: no online path then.
                let identity_added = a.identity.is_none() && b.identity.is_some();
                if online && !identity_added {
                    validate = online_not_null(q, n, b, native_not_null, &mut up, &mut down);
                }
                hazards.push(match &validate {
                    Some(_) => hazard(
                        Code::ConstraintNotValid,
                        format!(
                            "{cn}: NOT NULL is added NOT VALID: an ACCESS EXCLUSIVE lock for an instant, no scan; new rows are checked from then on, the old ones by VALIDATE after it commits"
                        ),
                    ),
                    None if b.not_null.as_ref().is_some_and(|x| x.not_valid) => hazard(
                        Code::ConstraintNotValid,
                        format!("{cn}: NOT NULL is added NOT VALID: an ACCESS EXCLUSIVE lock for an instant, no scan"),
                    ),
                    None => hazard(
                        Code::SetNotNull,
                        format!(
                            "SET NOT NULL on {cn} scans the table under an ACCESS EXCLUSIVE lock: reads and writes wait until it is done"
                        ),
                    ),
                });
            }
            if extras::widens(Target::Table(q), Some(n), &a.grants, &b.grants, None)? {
                hazards.push(hazard(Code::AccessWidened, format!("grants more on {cn}")));
            }
            Verdict::Alter(InPlace {
                up,
                down,
                hazards,
                transactional: true,
                breaks_dependants: type_changed,
                down_recreates: false,
                validate,
                then,
                swap: None,
            })
        }
        (Shape::PrimaryKey(q, a), Shape::PrimaryKey(_, b)) => {
            if !same::primary_key(a, b) {
                return Ok(Verdict::Recreate);
            }
            let name = a.name.clone().unwrap_or(format!("{}_pkey", q.name));
            extras_only(Target::Constraint(q, &name), &a.comment, &b.comment)
        }
        (Shape::Unique(q, n, a), Shape::Unique(_, _, b)) => {
            if !same::unique(a, b) {
                return Ok(Verdict::Recreate);
            }
            extras_only(Target::Constraint(q, n), &a.comment, &b.comment)
        }
        (Shape::Check(q, n, a), Shape::Check(_, _, b)) => {
            if !same::check(a, b, &q.name) {
                return Ok(Verdict::Recreate);
            }
            extras_only(Target::Constraint(q, n), &a.comment, &b.comment)
        }
        (Shape::Exclusion(q, n, a), Shape::Exclusion(_, _, b)) => {
            if !same::exclusion(a, b) {
                return Ok(Verdict::Recreate);
            }
            extras_only(Target::Constraint(q, n), &a.comment, &b.comment)
        }
        _ => Verdict::Recreate,
    })
}

/// The table's own settings: owner, comment, grants, RLS, storage options,
/// logging, replica identity, and which partition of which parent it is
/// (DETACH and ATTACH). Partitioning itself (`partition_by`) cannot change
/// in place: the table is made again (`alter::compare`).
pub fn table_settings(q: &QualifiedName, a: &Table, b: &Table) -> Result<Vec<String>, PlanError> {
    let (ea, eb) = (a, b);
    let mut out = Vec::new();
    // A partition leaves its old parent (or bound) first and joins the new
    // one last, once its columns and keys are as the parent needs.
    let moved = ea.partition_of != eb.partition_of;
    if let Some(p) = ea.partition_of.as_ref().filter(|_| moved) {
        out.push(render::detach_partition(q, p)?);
    }
    // Parents are compared as a set: their order only placed the columns
    // when the table was made.
    for p in a.inherits.iter().filter(|p| !b.inherits.contains(p)) {
        let p = render::parse_name(p, &format!("parent of {q}"))?;
        out.push(alter_table(q, &format!("NO INHERIT {}", p.sql())));
    }
    for p in b.inherits.iter().filter(|p| !a.inherits.contains(p)) {
        let p = render::parse_name(p, &format!("parent of {q}"))?;
        out.push(alter_table(q, &format!("INHERIT {}", p.sql())));
    }
    let t = Target::Table(q);
    out.extend(extras::owner(t, &a.owner, &b.owner));
    out.extend(extras::comment(t, &a.comment, &b.comment));
    let owner = Some(owner_key(b.owner.as_deref()));
    out.extend(extras::grants(t, None, &a.grants, &b.grants, owner)?);
    let (ra, rb) = (a.row_level_security, b.row_level_security);
    if ra.enabled != rb.enabled {
        let w = if rb.enabled { "ENABLE" } else { "DISABLE" };
        out.push(alter_table(q, &format!("{w} ROW LEVEL SECURITY")));
    }
    if ra.forced != rb.forced {
        let w = if rb.forced { "FORCE" } else { "NO FORCE" };
        out.push(alter_table(q, &format!("{w} ROW LEVEL SECURITY")));
    }
    if ea.options != eb.options {
        let reset: Vec<String> = a
            .options
            .keys()
            .filter(|k| !eb.options.contains_key(*k))
            .cloned()
            .collect();
        if !reset.is_empty() {
            out.push(alter_table(q, &format!("RESET ({})", reset.join(", "))));
        }
        let set: indexmap::IndexMap<String, String> = b
            .options
            .iter()
            .filter(|(k, v)| ea.options.get(*k) != Some(v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !set.is_empty() {
            let w = render::with_options(&set);
            let inner = w.trim_start().trim_start_matches("WITH ");
            out.push(alter_table(q, &format!("SET {inner}")));
        }
    }
    if ea.unlogged != eb.unlogged {
        let w = if eb.unlogged {
            "SET UNLOGGED"
        } else {
            "SET LOGGED"
        };
        out.push(alter_table(q, w));
    }
    // One that names an index is a step of its own (`replica_identity`).
    if ea.replica_identity != eb.replica_identity && !names_index(a) && !names_index(b) {
        out.push(render::replica_identity(
            q,
            eb.replica_identity.as_deref().unwrap_or("default"),
        ));
    }
    if let Some(p) = eb.partition_of.as_ref().filter(|_| moved) {
        out.push(render::attach_partition(q, p)?);
    }
    Ok(out)
}

/// What leaving a parent and joining one do to those using the tables.
pub fn partition_hazards(q: &QualifiedName, a: &Table, b: &Table) -> Vec<Hazard> {
    let mut out = Vec::new();
    if a.partition_of == b.partition_of {
        return out;
    }
    if let Some(p) = &a.partition_of {
        out.push(hazard(
            Code::PartitionDetach,
            format!(
                "detaches {q} from {}: an ACCESS EXCLUSIVE lock on both for an instant (reads and writes of {} wait); its rows leave the parent",
                p.parent, p.parent
            ),
        ));
    }
    if let Some(p) = &b.partition_of {
        let checked = if p.bound.trim().eq_ignore_ascii_case("DEFAULT") {
            format!("every row of {q} is checked against the other partitions' bounds")
        } else {
            format!(
                "every row of {q} (and of {}'s default partition, if it has one) is checked against the bound",
                p.parent
            )
        };
        out.push(hazard(
            Code::PartitionAttach,
            format!(
                "attaches {q} to {} {}: {checked} under an ACCESS EXCLUSIVE lock on {q} (its reads and writes wait; the parent's go on under SHARE UPDATE EXCLUSIVE); online instead: a CHECK matching the bound, added NOT VALID and validated before the attach, lets it skip the scan",
                p.parent, p.bound
            ),
        ));
    }
    out
}

fn names_index(t: &Table) -> bool {
    (t.replica_identity.as_deref()).is_some_and(|r| r.starts_with("index "))
}

/// The id of the index (or key) table `key`'s replica identity uses.
pub fn replica_identity_index(key: &str, t: &Table) -> Option<Id> {
    let n = t.replica_identity.as_deref()?.strip_prefix("index ")?;
    if t.indexes.contains_key(n) {
        Some(Id::part(IdKind::Index, key, n))
    } else if t.unique.contains_key(n) {
        Some(Id::part(IdKind::Unique, key, n))
    } else {
        t.primary_key.as_ref().map(|_| Id::new(IdKind::Pk, key))
    }
}

/// The statements (up, down) that change a replica identity naming an
/// index: a step of its own, ordered after the new index is made and
/// before the old one is dropped (the table's own change comes before
/// its indexes are made).
pub fn replica_identity(q: &QualifiedName, a: &Table, b: &Table) -> Option<(String, String)> {
    if a.replica_identity == b.replica_identity || !(names_index(a) || names_index(b)) {
        return None;
    }
    let set =
        |t: &Table| render::replica_identity(q, t.replica_identity.as_deref().unwrap_or("default"));
    Some((set(b), set(a)))
}

pub fn refuse_unmarked_column_renames(
    key: &str,
    a: &[Obj<'_>],
    b: &[Obj<'_>],
) -> Result<(), PlanError> {
    let cols = |parts: &[Obj<'_>]| -> BTreeMap<String, String> {
        parts
            .iter()
            .filter_map(|o| match &o.shape {
                Shape::Column(_, n, c) => Some((n.to_string(), c.type_.clone())),
                _ => None,
            })
            .collect()
    };
    let (ca, cb) = (cols(a), cols(b));
    for (old, ty) in ca.iter().filter(|(n, _)| !cb.contains_key(*n)) {
        if let Some((new, _)) = cb.iter().find(|(n, t)| !ca.contains_key(*n) && *t == ty) {
            return Err(PlanError::Invalid {
                what: format!("table {key}"),
                message: format!(
                    "column {old} is dropped and column {new} of the same type ({ty}) is added: if this is a rename, add `renamed_from: {old}` to column {new}; to really drop and add, allow drop+add"
                ),
            });
        }
    }
    Ok(())
}

/// `from` with its tables' columns stated as `to` states them where no
/// statement could change the difference, which lies only in whether a
/// column is the table's own or inherited:
/// - a column inherited from a parent the table leaves (`NO INHERIT`)
///   becomes its own, in its place, so the plan does not add it;
/// - a column the table has of its own that `to` leaves to a parent
///   cannot be dropped (PostgreSQL keeps it while a parent has it), and
///   one `to` declares that the table inherits cannot be added: both are
///   left as they are.
pub(super) fn columns_as_inherited<'a>(
    from: std::borrow::Cow<'a, Database>,
    to: &Database,
) -> std::borrow::Cow<'a, Database> {
    let involved = |k: &String, t: &Table| {
        !t.inherits.is_empty() || to.tables.get(k).is_some_and(|n| !n.inherits.is_empty())
    };
    if !from.tables.iter().any(|(k, t)| involved(k, t)) {
        return from;
    }
    let mut out = from.into_owned();
    let keys: Vec<String> = (out.tables.iter())
        .filter(|(k, t)| involved(k, t) && to.tables.contains_key(*k))
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        let next = &to.tables[&k];
        let t = &out.tables[&k];
        let left: Vec<&String> = (t.inherits.iter())
            .filter(|p| !next.inherits.contains(p))
            .collect();
        let mut cols = IndexMap::new();
        for p in left {
            inherited_columns(&out, p, &mut cols, 0);
        }
        let kept: Vec<String> = (t.inherits.iter())
            .filter(|p| next.inherits.contains(p))
            .cloned()
            .collect();
        let mut kept_cols = IndexMap::new();
        for p in &kept {
            inherited_columns(&out, p, &mut kept_cols, 0);
        }
        let t = out.tables.get_mut(&k).expect("a key of the map");
        for (n, c) in std::mem::take(&mut t.columns) {
            cols.insert(n, c);
        }
        cols.retain(|n, _| next.columns.contains_key(n) || !kept_cols.contains_key(n));
        for n in next.columns.keys() {
            if let Some(c) = kept_cols.get(n).filter(|_| !cols.contains_key(n)) {
                cols.insert(n.clone(), c.clone());
            }
        }
        t.columns = cols;
    }
    std::borrow::Cow::Owned(out)
}

/// The columns table `key` has, its ancestors' first, as a child table
/// gets them: type, default, NOT NULL and generation, no comment, grants
/// or identity.
fn inherited_columns(db: &Database, key: &str, out: &mut IndexMap<String, Column>, depth: u8) {
    let Some(t) = db.tables.get(key).filter(|_| depth < 32) else {
        return;
    };
    for p in &t.inherits {
        inherited_columns(db, p, out, depth + 1);
    }
    for (n, c) in &t.columns {
        out.entry(n.clone()).or_insert_with(|| Column {
            comment: None,
            grants: Default::default(),
            statistics: None,
            identity: None,
            identity_sequence: None,
            ..c.clone()
        });
    }
}

/// The tables on both sides that join, leave or move between parents (or
/// change their bound), partitioned alike on both.
pub(super) fn moving_partitions(from: &Database, to: &Database) -> Vec<String> {
    (to.tables.iter())
        .filter(|(k, b)| {
            from.tables.get(*k).is_some_and(|a| {
                a.partition_of != b.partition_of && a.partition_by == b.partition_by
            })
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// `db` with each table of `moving` that is a partition in it given the
/// keys and indexes it has from its parent as its own, under the names
/// PostgreSQL gives them: DETACH leaves them on the table, and ATTACH
/// takes a matching one for the parent's (or makes it), so a plan states
/// them on the table before it is attached and after it is detached.
pub(super) fn partition_parts_as_own<'a>(
    db: std::borrow::Cow<'a, Database>,
    moving: &[String],
) -> std::borrow::Cow<'a, Database> {
    let from_parent = |db: &Database, k: &String| {
        let p = db.tables.get(k)?.partition_of.as_ref()?;
        let parent = db.tables.get(&p.parent)?;
        let keyed =
            parent.primary_key.is_some() || !parent.unique.is_empty() || !parent.indexes.is_empty();
        keyed.then(|| parent.clone())
    };
    let owed: Vec<(String, Table)> = (moving.iter())
        .filter_map(|k| Some((k.clone(), from_parent(&db, k)?)))
        .collect();
    if owed.is_empty() {
        return db;
    }
    let mut out = db.into_owned();
    for (k, parent) in owed {
        let Ok(q) = render::parse_name(&k, &k) else {
            continue;
        };
        let t = out.tables.get_mut(&k).expect("a key of the map");
        if let (None, Some(pk)) = (&t.primary_key, &parent.primary_key) {
            t.primary_key = Some(crate::model::PrimaryKey {
                name: None,
                comment: None,
                ..pk.clone()
            });
        }
        for u in parent.unique.values() {
            if t.unique.values().any(|x| x.columns == u.columns) {
                continue;
            }
            let cols: Vec<&str> = u
                .columns
                .iter()
                .chain(&u.include)
                .map(String::as_str)
                .collect();
            let name = crate::model::name::object_name(&q.name, &name_addition(&cols), "key");
            let u = crate::model::Unique {
                renamed_from: None,
                comment: None,
                ..u.clone()
            };
            t.unique.insert(name, u);
        }
        for ix in parent.indexes.values() {
            let same = |x: &crate::model::Index| {
                x.columns == ix.columns
                    && x.unique == ix.unique
                    && x.method == ix.method
                    && x.include == ix.include
                    && x.where_ == ix.where_
            };
            if t.indexes.values().any(same) {
                continue;
            }
            let cols: Vec<&str> = (ix.columns.iter())
                .map(|e| e.column.as_deref().unwrap_or("expr"))
                .chain(ix.include.iter().map(String::as_str))
                .collect();
            let name = crate::model::name::object_name(&q.name, &name_addition(&cols), "idx");
            let ix = crate::model::Index {
                renamed_from: None,
                comment: None,
                ..ix.clone()
            };
            t.indexes.insert(name, ix);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The columns' part of an index name, as PostgreSQL joins them
/// (`ChooseIndexNameAddition`): with `_`, up to 63 bytes.
fn name_addition(cols: &[&str]) -> String {
    let mut out = String::new();
    for c in cols {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c);
        if out.len() >= 63 {
            let mut end = 63;
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            out.truncate(end);
            break;
        }
    }
    out
}

//! One side of a diff: the model cut into objects, each with the statements
//! that create and drop it (taken from the create script's steps, so a new
//! object is made exactly as `create_script` makes it) and what it depends on
//! (parsed from its SQL; for an introspected model also read from pg_depend,
//! see `merge_catalog_deps`).
//!
//! Tables are also cut finer (columns, keys, checks) for in-place changes;
//! those parts are used only when the table exists on both sides.

use std::collections::{BTreeMap, BTreeSet};

use crate::ddl::graph::{create_pool, Ctx, StepKind};
use crate::ddl::pool::StepPool;
use crate::ddl::render::{self, parse_function_key, parse_name, parse_table_ref, FunctionKey};
use crate::ddl::scope::Scope;
use crate::ddl::PlanError;
use crate::model::name::split_dotted;
use crate::model::{
    Aggregate, Check, Collation, Column, CompositeType, Database, DefaultPrivilege, Domain,
    EnumType, Exclusion, Extension, ForeignKey, Function, Id, IdKind, Index, Policy, PrimaryKey,
    Publication, QualifiedName, RangeType, Rule, SchemaDef, Sequence, Table,
    TextSearchConfiguration, Trigger, Unique, View,
};

/// What an object is, pointing into its model.
#[derive(Debug, Clone)]
pub(crate) enum Shape<'a> {
    Schema(&'a str, &'a SchemaDef),
    Extension(&'a str, &'a Extension),
    Collation(QualifiedName, &'a Collation),
    TextSearchConfiguration(QualifiedName, &'a TextSearchConfiguration),
    Enum(QualifiedName, &'a EnumType),
    Composite(QualifiedName, &'a CompositeType),
    Range(QualifiedName, &'a RangeType),
    Domain(QualifiedName, &'a Domain),
    Sequence(QualifiedName, &'a Sequence),
    Function(FunctionKey, &'a Function),
    Aggregate(FunctionKey, &'a Aggregate),
    Table(QualifiedName, &'a Table),
    View(QualifiedName, &'a View),
    Index(QualifiedName, &'a str, &'a Index),
    ForeignKey(QualifiedName, &'a str, &'a ForeignKey),
    Policy(QualifiedName, &'a str, &'a Policy),
    Trigger(QualifiedName, &'a str, &'a Trigger),
    Rule(QualifiedName, &'a str, &'a Rule),
    Column(QualifiedName, &'a str, &'a Column),
    PrimaryKey(QualifiedName, &'a PrimaryKey),
    Unique(QualifiedName, &'a str, &'a Unique),
    Check(QualifiedName, &'a str, &'a Check),
    Exclusion(QualifiedName, &'a str, &'a Exclusion),
    DefaultPrivilege(&'a DefaultPrivilege),
    Publication(&'a str, &'a Publication),
    /// A statement with no model part of its own (split-off default or
    /// check, sequence OWNED BY, replica identity): compared as text.
    Statement(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    pub id: Id,
    pub kind: StepKind,
    /// `table:<key>` for a part of a table (index, policy, column, ...).
    pub group: Option<Id>,
    /// Statements that create it with its comment, owner and grants.
    pub create: Vec<String>,
    /// Statements that drop it (empty: never dropped, e.g. plpgsql).
    pub drop: Vec<String>,
    /// Ids of objects it needs.
    pub deps: Vec<Id>,
    /// Ids of objects it is ordered after where no cycle forbids (what a
    /// function's string body reads).
    pub soft: Vec<Id>,
    pub shape: Shape<'a>,
    /// A part of a table rendered as its own statement only because the
    /// table was new (split-off default/check, replica identity).
    pub table_only: Option<String>,
}

/// Objects by id, in id order once the side is built (sorted once, not
/// kept sorted as they come).
pub(crate) type Objs<'a> = indexmap::IndexMap<Id, Obj<'a>, foldhash::fast::RandomState>;

/// One model as objects.
pub(crate) struct Side<'a> {
    pub db: &'a Database,
    pub objs: Objs<'a>,
    /// Fine-grained parts of each table, by table key: only of tables the
    /// other side has too (or, for an introspected side, of every table,
    /// whose parts pg_depend speaks of).
    pub parts: BTreeMap<String, Vec<Obj<'a>>>,
    /// Objects whose key is listed as external, never created or dropped.
    pub external: BTreeSet<String>,
}

/// Whether `key` is external: listed itself, its schema listed, or (for a
/// function key) its name listed with or without arguments.
pub(crate) fn external_set(db: &Database) -> BTreeSet<String> {
    db.external.iter().map(|e| normal_key(e)).collect()
}

fn normal_key(text: &str) -> String {
    if let Ok(k) = parse_function_key(text) {
        return format!("{}()", k.name);
    }
    match split_dotted(text).as_deref() {
        Ok([s, n]) => QualifiedName::new(s, n).to_string(),
        Ok([s]) => s.clone(),
        _ => text.to_string(),
    }
}

pub(crate) fn is_external(ext: &BTreeSet<String>, schema: &str, key: &str) -> bool {
    ext.contains(schema) || ext.contains(key) || ext.contains(&normal_key(key))
}

impl<'a> Side<'a> {
    /// Only the tables and views in `scope` become objects. `other` is the
    /// model on the other side of the diff.
    pub fn new(db: &'a Database, other: &Database, scope: &Scope) -> Result<Side<'a>, PlanError> {
        let mut steps = create_pool(db, scope)?;
        tracing::debug!(steps = steps.len(), "made the create steps");
        let external = external_set(db);
        let mut side = Side {
            db,
            objs: Objs::default(),
            parts: BTreeMap::new(),
            external,
        };
        for (name, s) in &db.schemas {
            if name == "public" {
                // It exists in every database: its step alters a new
                // database's public schema, and nothing drops it.
                let id = Id::new(IdKind::Schema, "public");
                let shape = Shape::Schema(name, s);
                let o = taken(&mut steps, id.clone(), None, shape.clone());
                side.objs.insert(
                    id.clone(),
                    o.unwrap_or(Obj {
                        id,
                        kind: StepKind::Schema,
                        group: None,
                        create: vec![],
                        drop: vec![],
                        deps: vec![],
                        soft: vec![],
                        shape,
                        table_only: None,
                    }),
                );
            } else {
                put(
                    &mut side,
                    &mut steps,
                    Id::new(IdKind::Schema, name),
                    None,
                    Shape::Schema(name, s),
                );
            }
        }
        for (name, e) in &db.extensions {
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Extension, name),
                None,
                Shape::Extension(name, e),
            );
        }
        for (key, c) in &db.collations {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Collation, key),
                None,
                Shape::Collation(q, c),
            );
        }
        for (key, c) in &db.text_search_configurations {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::TextSearchConfiguration, key),
                None,
                Shape::TextSearchConfiguration(q, c),
            );
        }
        for (key, e) in &db.enums {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Type, key),
                None,
                Shape::Enum(q, e),
            );
        }
        for (key, c) in &db.composite_types {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Type, key),
                None,
                Shape::Composite(q, c),
            );
        }
        for (key, r) in &db.range_types {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Type, key),
                None,
                Shape::Range(q, r),
            );
        }
        for (key, d) in &db.domains {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Domain, key),
                None,
                Shape::Domain(q, d),
            );
            for c in d.checks.keys() {
                let id = Id::part(IdKind::DomainCheck, key, c);
                if let Some(o) = statement(&mut steps, id, Some(Id::new(IdKind::Domain, key))) {
                    insert(&mut side.objs, o);
                }
            }
        }
        for (key, s) in &db.sequences {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Sequence, key),
                None,
                Shape::Sequence(q, s),
            );
            if let Some(o) = statement(&mut steps, Id::new(IdKind::OwnedBy, key), None) {
                insert(&mut side.objs, o);
            }
        }
        for (key, f) in &db.functions {
            let k = parse_function_key(key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Function, key),
                None,
                Shape::Function(k, f),
            );
        }
        for (key, a) in &db.aggregates {
            let k = parse_function_key(key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Aggregate, key),
                None,
                Shape::Aggregate(k, a),
            );
        }
        let tables: Vec<(&String, &Table)> =
            (db.tables.iter()).filter(|(k, _)| scope.has(k)).collect();
        // Parts are compared only when both sides have the table.
        let with_parts = |key: &str| other.tables.contains_key(key) || db.depends.present;
        // Only a table's parts need names resolved; a first plan has none.
        let ctx = match tables.iter().any(|(k, _)| with_parts(k)) {
            true => Some(Ctx::new(db)?),
            false => None,
        };
        for (key, t) in tables {
            let q = parse_name(key, key)?;
            let mut more = |fk: &ForeignKey| referenced_keys(db, fk);
            let objs = &mut side.objs;
            table_objs(&mut steps, key, &q, t, &mut more, &mut |o| insert(objs, o));
            if let Some(ctx) = ctx.as_ref().filter(|_| with_parts(key)) {
                side.parts
                    .insert(key.clone(), table_parts(ctx, key, &q, t)?);
            }
        }
        for (key, v) in db.views.iter().filter(|(k, _)| scope.has(k)) {
            let q = parse_name(key, key)?;
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::View, key),
                None,
                Shape::View(q.clone(), v),
            );
            for (n, ix) in &v.indexes {
                let shape = Shape::Index(q.clone(), n, ix);
                let group = Some(Id::new(IdKind::View, key));
                put(
                    &mut side,
                    &mut steps,
                    Id::part(IdKind::Index, key, n),
                    group,
                    shape,
                );
            }
            for (n, g) in &v.triggers {
                let shape = Shape::Trigger(q.clone(), n, g);
                let group = Some(Id::new(IdKind::View, key));
                put(
                    &mut side,
                    &mut steps,
                    Id::part(IdKind::Trigger, key, n),
                    group,
                    shape,
                );
            }
            for (n, r) in &v.rules {
                let shape = Shape::Rule(q.clone(), n, r);
                let group = Some(Id::new(IdKind::View, key));
                put(
                    &mut side,
                    &mut steps,
                    Id::part(IdKind::Rule, key, n),
                    group,
                    shape,
                );
            }
        }
        for (name, p) in &db.publications {
            put(
                &mut side,
                &mut steps,
                Id::new(IdKind::Publication, name),
                None,
                Shape::Publication(name, p),
            );
        }
        for d in &db.default_privileges {
            let pairs = render::default_privileges_with_undo(d)?;
            let id = Id::new(
                IdKind::DefaultPrivileges,
                format_args!(
                    "{}:{}:{}",
                    d.for_role.as_deref().unwrap_or(""),
                    d.schema.as_deref().unwrap_or(""),
                    d.on
                ),
            );
            let deps = d
                .schema
                .iter()
                .filter(|s| *s != "public")
                .map(|s| Id::new(IdKind::Schema, s))
                .collect();
            side.objs.insert(
                id.clone(),
                Obj {
                    id,
                    kind: StepKind::DefaultPrivileges,
                    group: None,
                    create: pairs.iter().map(|p| p.0.clone()).collect(),
                    drop: pairs.iter().rev().map(|p| p.1.clone()).collect(),
                    deps,
                    soft: vec![],
                    shape: Shape::DefaultPrivilege(d),
                    table_only: None,
                },
            );
        }
        side.objs.sort_unstable_keys();
        side.objs.shrink_to_fit();
        if db.depends.present {
            side.merge_catalog_deps();
        }
        Ok(side)
    }

    /// Adds what pg_depend records to each object's parsed dependencies: a
    /// union, since pg_depend does not see into function bodies that are
    /// not SQL-standard, with one exception. A function, aggregate or
    /// extension the parse found only by name (every overload of `f`, every
    /// extension in the schema of a call) is a guess; pg_depend knows which
    /// one is used, so an unconfirmed guess is dropped. A dependency on a
    /// column of another table is one on that table too, so that a whole
    /// table's drop orders by it; a table or domain also needs what its
    /// columns, constraints and checks need.
    fn merge_catalog_deps(&mut self) {
        let group_of: BTreeMap<Id, Id> = self
            .parts
            .values()
            .flatten()
            .chain(self.objs.values())
            .filter_map(|o| Some((o.id.clone(), o.group.clone()?)))
            .collect();
        let known: BTreeSet<Id> = self
            .objs
            .keys()
            .cloned()
            .chain(group_of.keys().cloned())
            .collect();
        // The parts a table or domain is created with.
        let mut members: BTreeMap<Id, Vec<Id>> = BTreeMap::new();
        let domain_checks = self.objs.values().filter(|o| o.id.is(IdKind::DomainCheck));
        for o in self.parts.values().flatten().chain(domain_checks) {
            if let Some(g) = &o.group {
                members.entry(g.clone()).or_default().push(o.id.clone());
            }
        }
        let db: &Database = self.db;
        let deps = &db.depends;
        // What pg_depend says `id` needs, lifted from its parts for a table
        // or domain, without its own parts.
        let catalog = |id: &Id| -> BTreeSet<Id> {
            let own = members.get(id).map(Vec::as_slice).unwrap_or_default();
            // A default split off CREATE TABLE is recorded on its column.
            let me = match id.kind() {
                Some(IdKind::Default) => Id::new(IdKind::Column, id.key()),
                _ => id.clone(),
            };
            let mut out = BTreeSet::new();
            for from in std::iter::once(me.as_str()).chain(own.iter().map(Id::as_str)) {
                for d in deps.of(from).filter_map(|d| known.get(d)) {
                    if d != id && !own.contains(d) {
                        out.insert(d.clone());
                    }
                }
            }
            out
        };
        let merge = |o: &mut Obj<'_>| {
            let found = catalog(&o.id);
            let guess = |d: &Id| {
                matches!(
                    d.kind(),
                    Some(IdKind::Function | IdKind::Aggregate | IdKind::Extension)
                )
            };
            o.deps.retain(|d| !guess(d) || found.contains(d));
            for d in &found {
                let table = group_of
                    .get(d)
                    .filter(|t| t.is(IdKind::Table) && o.group.as_ref() != Some(*t));
                for x in std::iter::once(d).chain(table) {
                    if !o.deps.contains(x) && x != &o.id {
                        o.deps.push(x.clone());
                    }
                }
            }
        };
        self.objs.values_mut().for_each(&merge);
        self.parts.values_mut().flatten().for_each(&merge);
    }
}

/// Adds the object `id` with its steps, if it has any.
fn put<'a>(side: &mut Side<'a>, steps: &mut StepPool, id: Id, group: Option<Id>, shape: Shape<'a>) {
    if let Some(o) = taken(steps, id, group, shape) {
        insert(&mut side.objs, o);
    }
}

fn insert<'a>(objs: &mut Objs<'a>, o: Obj<'a>) {
    objs.insert(o.id.clone(), o);
}

/// The object `id` with its steps, if it has any.
fn taken<'a>(steps: &mut StepPool, id: Id, group: Option<Id>, shape: Shape<'a>) -> Option<Obj<'a>> {
    let (kind, create, drop, deps, soft) = steps.take(&id)?;
    Some(Obj {
        id,
        kind,
        group,
        create,
        drop,
        deps,
        soft,
        shape,
        table_only: None,
    })
}

/// Puts the objects of table `key`: the table, then its indexes, foreign
/// keys, policies, triggers and rules, then any parts split off CREATE TABLE.
/// `more` gives what a foreign key rests on besides its steps.
fn table_objs<'a>(
    steps: &mut StepPool,
    key: &'a str,
    q: &QualifiedName,
    t: &'a Table,
    more: &mut dyn FnMut(&ForeignKey) -> Vec<Id>,
    put: &mut dyn FnMut(Obj<'a>),
) {
    let group = Some(Id::new(IdKind::Table, key));
    // `more`: dependencies besides those of its steps.
    let mut one = |id: Id, group: Option<Id>, shape: Shape<'a>, more: Vec<Id>| {
        if let Some(mut o) = taken(steps, id, group, shape) {
            o.deps.extend(more);
            put(o);
        }
    };
    one(
        Id::new(IdKind::Table, key),
        None,
        Shape::Table(q.clone(), t),
        vec![],
    );
    for (n, ix) in &t.indexes {
        let shape = Shape::Index(q.clone(), n, ix);
        one(
            Id::part(IdKind::Index, key, n),
            group.clone(),
            shape,
            vec![],
        );
    }
    for (n, fk) in &t.foreign_keys {
        let shape = Shape::ForeignKey(q.clone(), n, fk);
        // A foreign key rests on the referenced key: recreating that key
        // needs the foreign key gone first.
        one(Id::part(IdKind::Fk, key, n), group.clone(), shape, more(fk));
    }
    for (n, p) in &t.policies {
        let shape = Shape::Policy(q.clone(), n, p);
        one(
            Id::part(IdKind::Policy, key, n),
            group.clone(),
            shape,
            vec![],
        );
    }
    for (n, g) in &t.triggers {
        let shape = Shape::Trigger(q.clone(), n, g);
        one(
            Id::part(IdKind::Trigger, key, n),
            group.clone(),
            shape,
            vec![],
        );
    }
    for (n, r) in &t.rules {
        let shape = Shape::Rule(q.clone(), n, r);
        one(Id::part(IdKind::Rule, key, n), group.clone(), shape, vec![]);
    }
    // Parts split off CREATE TABLE are rare (a cycle, a replica identity):
    // their ids are looked for only when there are any.
    let mut split = Vec::new();
    if steps.has_kind(IdKind::ReplicaIdentity) {
        split.push(Id::new(IdKind::ReplicaIdentity, key));
    }
    if steps.has_kind(IdKind::Check) {
        split.extend(t.checks.keys().map(|c| Id::part(IdKind::Check, key, c)));
    }
    if steps.has_kind(IdKind::Default) {
        split.extend(t.columns.keys().map(|c| Id::part(IdKind::Default, key, c)));
    }
    for id in split {
        if let Some(o) = statement(steps, id, group.clone()) {
            put(Obj {
                table_only: Some(key.to_string()),
                ..o
            });
        }
    }
}

/// The object `id`, if it has steps, compared by its own statements (a
/// part with no shape of its own in the model).
fn statement<'a>(steps: &mut StepPool, id: Id, group: Option<Id>) -> Option<Obj<'a>> {
    let mut o = taken(steps, id, group, Shape::Statement(String::new()))?;
    o.shape = Shape::Statement(o.create.join("\n"));
    Some(o)
}

/// The primary key or unique constraint a foreign key points at.
fn referenced_keys(db: &Database, fk: &ForeignKey) -> Vec<Id> {
    let Ok((target, cols)) = parse_table_ref(&fk.references) else {
        return vec![];
    };
    let key = target.to_string();
    let Some(t) = db.tables.get(&key) else {
        return vec![];
    };
    let same = |c: &[String]| {
        let mut a = c.to_vec();
        let mut b = cols.clone();
        a.sort();
        b.sort();
        a == b
    };
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        if cols.is_empty() || same(&pk.columns) {
            out.push(Id::new(IdKind::Pk, &key));
        }
    }
    for (n, u) in &t.unique {
        if same(&u.columns) {
            out.push(Id::part(IdKind::Unique, &key, n));
        }
    }
    out
}

/// Columns, primary key, unique constraints, checks and exclusions of a
/// table, each on its own.
fn table_parts<'a>(
    ctx: &Ctx<'_>,
    key: &str,
    q: &QualifiedName,
    t: &'a Table,
) -> Result<Vec<Obj<'a>>, PlanError> {
    let what = format!("table {key}");
    let group = Some(Id::new(IdKind::Table, key));
    let mut out = Vec::new();
    let part = |id: Id, kind: StepKind, deps: Vec<Id>, shape: Shape<'a>| Obj {
        id,
        kind,
        group: group.clone(),
        create: vec![],
        drop: vec![],
        deps,
        soft: vec![],
        shape,
        table_only: None,
    };
    for (n, c) in &t.columns {
        let mut deps = ctx.ty(&what, &c.type_)?;
        deps.extend(ctx.collation(&c.collation));
        for x in [&c.default, &c.generated].into_iter().flatten() {
            deps.extend(ctx.expr(&what, x)?);
        }
        deps.retain(|d| d != &Id::new(IdKind::Table, key));
        out.push(part(
            Id::part(IdKind::Column, key, n),
            StepKind::Table,
            deps,
            Shape::Column(q.clone(), n, c),
        ));
    }
    // Keys and checks go before (and come after) their columns.
    let cols = |names: &[String]| -> Vec<Id> {
        names
            .iter()
            .map(|c| Id::part(IdKind::Column, key, c))
            .collect()
    };
    let mentioned = |expr: &str| -> Vec<Id> {
        t.columns
            .keys()
            .filter(|c| expr.contains(c.as_str()))
            .map(|c| Id::part(IdKind::Column, key, c))
            .collect()
    };
    if let Some(pk) = &t.primary_key {
        out.push(part(
            Id::new(IdKind::Pk, key),
            StepKind::Table,
            cols(&pk.columns),
            Shape::PrimaryKey(q.clone(), pk),
        ));
    }
    for (n, u) in &t.unique {
        out.push(part(
            Id::part(IdKind::Unique, key, n),
            StepKind::Table,
            cols(&u.columns),
            Shape::Unique(q.clone(), n, u),
        ));
    }
    for (n, c) in &t.checks {
        let mut deps = ctx.expr(&what, &c.expression)?;
        deps.retain(|d| d != &Id::new(IdKind::Table, key));
        deps.extend(mentioned(&c.expression));
        out.push(part(
            Id::part(IdKind::Check, key, n),
            StepKind::Check,
            deps,
            Shape::Check(q.clone(), n, c),
        ));
    }
    for (n, e) in &t.exclusions {
        out.push(part(
            Id::part(IdKind::Exclusion, key, n),
            StepKind::Table,
            mentioned(&e.definition),
            Shape::Exclusion(q.clone(), n, e),
        ));
    }
    Ok(out)
}

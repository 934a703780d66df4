//! The create script: one step per statement, ordered by the dependencies
//! read from the model (types, called functions, read relations, parents).
//!
//! Order is a topological sort with ties broken by (kind rank, id), so the
//! same model always gives the same script. Comments, owners, grants and
//! RLS switches follow their object directly. A cycle through a column
//! default or a CHECK is broken as pg_dump does: that part becomes its own
//! `ALTER TABLE` after the table; any other cycle is an error.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

// Keys are names from the user's own schema: a fast hash will do.
use foldhash::{HashMap, HashMapExt};

use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::name::split_dotted;
use crate::model::privileges::{owner_key, DefaultKind};
use crate::model::{Database, FunctionKind, Id, IdKind, QualifiedName, Storage, Table};

use super::pool::{StepPool, NO_STEP};
use super::render::{self, parse_function_key, parse_name, parse_table_ref, Detached, Target};
use super::scope::Scope;
use super::topo::Kahn;
use super::PlanError;
use crate::sql::refs::{refs_in_expr, refs_in_sql, refs_in_type, RefName, Refs};

/// What a step creates. The order here is the tie-break rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StepKind {
    Schema,
    Extension,
    Collation,
    TextSearchConfiguration,
    Type,
    Domain,
    Sequence,
    Function,
    Aggregate,
    Table,
    ColumnDefault,
    Check,
    View,
    MaterializedView,
    SequenceOwner,
    Index,
    ForeignKey,
    Trigger,
    Rule,
    Policy,
    Publication,
    Owner,
    Comment,
    Grant,
    RowLevelSecurity,
    TriggerState,
    DefaultPrivileges,
}

/// The schema and default-privileges kind of an object GRANT can name.
fn default_scope(target: Target<'_>) -> Option<(String, DefaultKind)> {
    match target {
        Target::Table(n) | Target::View(n) | Target::MaterializedView(n) => {
            Some((n.schema.clone(), DefaultKind::Tables))
        }
        Target::Sequence(n) => Some((n.schema.clone(), DefaultKind::Sequences)),
        Target::Type(n) | Target::Domain(n) => Some((n.schema.clone(), DefaultKind::Types)),
        Target::Function(k) | Target::Procedure(k) | Target::Aggregate(k) => {
            Some((k.name.schema.clone(), DefaultKind::Functions))
        }
        Target::Schema(_) => None,
        _ => None,
    }
}

/// One statement and the steps it needs first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Unique and stable, e.g. `table:public.users`, `fk:public.a.a_b_fkey`.
    pub id: Id,
    pub kind: StepKind,
    /// One statement ending in `;`.
    pub sql: String,
    /// Ids of steps that must run before this one.
    pub depends_on: Vec<Id>,
    /// The object step this one belongs to (comment, owner, grant, RLS,
    /// trigger state); it is placed right after it.
    pub attached_to: Option<Id>,
    /// The statement that undoes this one in a down script; None for parts
    /// that go with their object (comments, grants, owner, RLS).
    pub undo: Option<String>,
}

/// The whole create script for `db`: `SET check_function_bodies = false;`
/// then every statement, separated by blank lines.
pub fn create_script(db: &Database) -> Result<String, PlanError> {
    let steps = create_steps(db)?;
    let mut out = String::from("SET check_function_bodies = false;\n");
    for s in &steps {
        out.push('\n');
        out.push_str(&s.sql);
        out.push('\n');
    }
    Ok(out)
}

/// The script that removes everything `create_script` made: the undo of
/// every step, in reverse order.
pub fn drop_script(db: &Database) -> Result<String, PlanError> {
    let mut out = String::new();
    for (i, sql) in drop_steps(db)?.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(sql);
        out.push('\n');
    }
    Ok(out)
}

/// The undo statements of the create steps, last step first.
pub fn drop_steps(db: &Database) -> Result<Vec<String>, PlanError> {
    Ok(create_steps(db)?
        .into_iter()
        .rev()
        .filter_map(|s| s.undo)
        .collect())
}

/// The ordered steps that create `db` on an empty database.
pub fn create_steps(db: &Database) -> Result<Vec<Step>, PlanError> {
    let (builder, ordered) = ordered(db, false, &Scope::all(), Order::Run)?;
    Ok(builder.into_steps(ordered))
}

/// The steps of [`create_steps`], as a pool the diff takes them from, for
/// objects created by a migration into a database that
/// may hold default privileges the model does not know (a platform's): every
/// role named under an object's grants is first stripped of what defaults
/// gave it, so it ends with exactly what is listed.
/// Only the tables and views in `scope` get steps.
///
/// The steps are not put in run order: the diff orders its changes itself,
/// and needs only the parts split off to break cycles.
pub(crate) fn create_pool(db: &Database, scope: &Scope) -> Result<StepPool, PlanError> {
    let (builder, ordered) = ordered(db, true, scope, Order::Built)?;
    Ok(builder.into_pool(ordered))
}

/// What ordering the steps is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Run order: dependencies first, ties by (kind rank, id).
    Run,
    /// Only to know there is no cycle: they stay in the order they were
    /// built in.
    Built,
}

/// The steps built and ordered, with the parts split off that a cycle
/// needed.
fn ordered(
    db: &Database,
    revoke_named: bool,
    scope: &Scope,
    order: Order,
) -> Result<(Builder, Ordered), PlanError> {
    let mut detached = Splits::default();
    // Each round either orders everything or detaches at least one part.
    loop {
        let builder = Builder::build(db, &detached, revoke_named, scope)?;
        match builder.order(order)? {
            Ok(ordered) => return Ok((builder, ordered)),
            Err(cycle) => {
                if !builder.detach(&cycle, &mut detached) {
                    return Err(PlanError::Cycle(builder.describe_cycle(&cycle)));
                }
            }
        }
    }
}

/// What ordering the nodes found out.
struct Ordered {
    /// Node indexes in run order (none under `Order::Built`).
    run: Option<Vec<usize>>,
    /// For every node's dependencies in turn (node by node, each node's in
    /// order) whether it is kept: a step, not the node itself, not named
    /// before. Flags, not copies of the kept ids.
    kept: Vec<bool>,
    /// Each node's attached nodes in node order: a list threaded through
    /// `next_attached` from `first_attached`, ended by `NO_STEP`.
    first_attached: Vec<u32>,
    next_attached: Vec<u32>,
}

/// Steps whose dependencies have all run: by (kind rank, id) for run
/// order, else in whatever order is cheapest. Either way the steps left
/// when none is ready are the same: those on or after a cycle.
enum Ready<'b> {
    Sorted(BinaryHeap<Reverse<(StepKind, &'b str, usize)>>),
    Any(Vec<usize>),
}

impl<'b> Ready<'b> {
    fn push(&mut self, nodes: &'b [Node], i: usize) {
        match self {
            Ready::Sorted(heap) => heap.push(Reverse((nodes[i].body.kind, &nodes[i].id, i))),
            Ready::Any(stack) => stack.push(i),
        }
    }

    fn pop(&mut self) -> Option<usize> {
        match self {
            Ready::Sorted(heap) => heap.pop().map(|Reverse((_, _, i))| i),
            Ready::Any(stack) => stack.pop(),
        }
    }
}

/// A dependency that can be cut by moving a part of a table out of CREATE TABLE.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Default(String),
    Check(String),
    DomainCheck(String),
    /// What a function's string body (`LANGUAGE sql`) reads: it orders
    /// the function after it where it can, and is let go when it closes a
    /// cycle, since such a body is not checked at CREATE time in a
    /// migration (`check_function_bodies = false`).
    Body,
}

/// Parts split off so far: table parts by table key, domain checks by
/// domain key, and the body dependencies let go, by function step id.
#[derive(Debug, Default)]
struct Splits {
    tables: BTreeMap<String, Detached>,
    domains: BTreeMap<String, BTreeSet<String>>,
    bodies: BTreeMap<Id, BTreeSet<Id>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Dep {
    pub(crate) target: Id,
    /// The table part (of this step's table) that causes the dependency.
    /// Boxed: few dependencies have one.
    part: Option<Box<Part>>,
}

impl Dep {
    /// A dependency that orders where it can and is let go where it would
    /// close a cycle (what a function's string body reads).
    pub(crate) fn is_soft(&self) -> bool {
        matches!(self.part.as_deref(), Some(Part::Body))
    }
}

/// A step as the builder holds it: `Step`'s fields as boxed strings (no
/// spare room, no `depends_on` yet), what it runs in a box of its own
/// (`Body`).
///
/// More than half of them (comments, grants, RLS switches) are attached
/// to another step. Such a node names its parent by place, has no
/// dependencies of its own (it runs right after its parent) and no id
/// until a `Step` is made of it (`id_at`).
#[derive(Debug)]
struct Node {
    /// Empty for an attached node.
    id: Id,
    /// The place of the step this one is attached to.
    parent: Option<u32>,
    body: Box<Body>,
    /// A table or domain step, whose parts may be split off: its key is
    /// its id's after `table:` or `domain:` (see `detach`).
    splits: bool,
    /// Its id is `<kind>:<place in the node list>` (see `attach`).
    numbered: bool,
}

/// What a step runs and needs. Boxed from the start, so that the pool the
/// diff takes steps from keeps each as it is (`into_pool`).
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) kind: StepKind,
    pub(crate) sql: Box<str>,
    pub(crate) undo: Option<Box<str>>,
    pub(crate) deps: Vec<Dep>,
}

impl Node {
    /// Its id, the node being at place `i`.
    fn id_at(&self, i: usize) -> Id {
        match self.numbered {
            true => Id::new(kind_word(self.body.kind), i),
            false => self.id.clone(),
        }
    }
}

/// Where names resolve to: steps by object name.
#[derive(Default)]
struct Names {
    relations: HashMap<QualifiedName, Vec<Id>>,
    types: HashMap<QualifiedName, Vec<Id>>,
    functions: HashMap<QualifiedName, Vec<Id>>,
    schemas: BTreeSet<String>,
    extensions_by_schema: HashMap<String, Vec<Id>>,
}

fn add(map: &mut HashMap<QualifiedName, Vec<Id>>, name: QualifiedName, id: Id) {
    let ids = map.entry(name).or_default();
    if !ids.contains(&id) {
        ids.push(id);
    }
}

impl Names {
    fn lookup(&self, map: &HashMap<QualifiedName, Vec<Id>>, r: &RefName) -> Vec<Id> {
        match &r.schema {
            Some(s) if matches!(s.as_str(), "pg_catalog" | "information_schema" | "pg_temp") => {
                vec![]
            }
            Some(s) => {
                let q = QualifiedName::new(s, &r.name);
                match map.get(&q) {
                    Some(ids) => ids.clone(),
                    // An object of an extension, by the extension's schema.
                    None => self
                        .extensions_by_schema
                        .get(s)
                        .cloned()
                        .unwrap_or_default(),
                }
            }
            None => {
                // Canonical expressions qualify everything outside
                // pg_catalog; hand-written ones may leave out `public`.
                map.get(&QualifiedName::new("public", &r.name))
                    .cloned()
                    .unwrap_or_default()
            }
        }
    }

    fn resolve(&self, refs: &Refs) -> Vec<Id> {
        let mut out = Vec::new();
        for r in &refs.relations {
            out.extend(self.lookup(&self.relations, r));
        }
        for r in &refs.types {
            out.extend(self.lookup(&self.types, r));
        }
        for r in &refs.functions {
            out.extend(self.lookup(&self.functions, r));
        }
        out
    }
}

/// Whether `key` (or a function key's base name, or a schema) is external.
struct External {
    names: BTreeSet<QualifiedName>,
    functions: BTreeSet<(QualifiedName, String)>,
    schemas: BTreeSet<String>,
}

impl External {
    fn new(db: &Database) -> Self {
        let mut e = External {
            names: BTreeSet::new(),
            functions: BTreeSet::new(),
            schemas: BTreeSet::new(),
        };
        for x in &db.external {
            if let Ok(k) = parse_function_key(x) {
                e.functions.insert((k.name, normalize_args(&k.args)));
            } else if let Ok(parts) = split_dotted(x) {
                match parts.as_slice() {
                    [s] => {
                        e.schemas.insert(s.clone());
                    }
                    [s, n] => {
                        e.names.insert(QualifiedName::new(s, n));
                    }
                    _ => {}
                }
            }
        }
        e
    }

    fn name(&self, q: &QualifiedName) -> bool {
        self.names.contains(q)
    }

    /// A table that is someone else's: listed, or in a listed schema.
    fn table(&self, q: &QualifiedName) -> bool {
        self.names.contains(q) || self.schemas.contains(&q.schema)
    }

    fn function(&self, k: &render::FunctionKey) -> bool {
        self.names.contains(&k.name)
            || self
                .functions
                .contains(&(k.name.clone(), normalize_args(&k.args)))
    }
}

fn normalize_args(args: &str) -> String {
    args.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Builder {
    nodes: Vec<Node>,
    /// The model's default privileges: what a new object gets on its own.
    defaults: Database,
    /// Revoke from every named role before granting (see `create_pool`).
    revoke_named: bool,
}

pub(crate) struct Ctx<'a> {
    db: &'a Database,
    names: Names,
    external: External,
    /// Tables by name, with their keys.
    tables: HashMap<QualifiedName, (&'a str, &'a Table)>,
    /// Partitioned table -> the keys of its partitions, in model order.
    partitions: HashMap<QualifiedName, Vec<&'a str>>,
}

fn parse_err(what: &str, sql: &str, message: String) -> PlanError {
    PlanError::Parse {
        what: what.to_string(),
        sql: sql.to_string(),
        message,
    }
}

impl Ctx<'_> {
    pub(crate) fn expr(&self, what: &str, expr: &str) -> Result<Vec<Id>, PlanError> {
        let refs = refs_in_expr(expr).map_err(|m| parse_err(what, expr, m))?;
        Ok(self.names.resolve(&refs))
    }

    pub(crate) fn ty(&self, what: &str, ty: &str) -> Result<Vec<Id>, PlanError> {
        let refs = refs_in_type(ty).map_err(|m| parse_err(what, ty, m))?;
        Ok(self.names.resolve(&refs))
    }

    pub(crate) fn sql(&self, what: &str, sql: &str) -> Result<Vec<Id>, PlanError> {
        let refs = refs_in_sql(sql).map_err(|m| parse_err(what, sql, m))?;
        Ok(self.names.resolve(&refs))
    }

    /// The step of a collation the model makes, if `c` names one.
    pub(crate) fn collation(&self, c: &Option<String>) -> Vec<Id> {
        match c {
            Some(k) if self.db.collations.contains_key(k) => vec![Id::new(IdKind::Collation, k)],
            _ => vec![],
        }
    }

    fn schema_dep(&self, schema: &str) -> Vec<Id> {
        if self.names.schemas.contains(schema) {
            vec![Id::new(IdKind::Schema, schema)]
        } else {
            vec![]
        }
    }
}

/// `text` in an allocation of its own size. A statement is written into a
/// string that doubles as it grows, and is kept until the migration is
/// written.
fn exact(text: String) -> Box<str> {
    if text.capacity() - text.len() > text.len() / 8 {
        Box::from(text.as_str())
    } else {
        text.into_boxed_str()
    }
}

fn deps(targets: Vec<Id>) -> Vec<Dep> {
    targets
        .into_iter()
        .map(|target| Dep { target, part: None })
        .collect()
}

impl Builder {
    /// An empty builder for `db`'s steps.
    fn new(db: &Database, revoke_named: bool) -> Builder {
        Builder {
            nodes: Vec::new(),
            defaults: Database {
                default_privileges: db.default_privileges.clone(),
                ..Default::default()
            },
            revoke_named,
        }
    }

    fn push(&mut self, id: Id, kind: StepKind, sql: String, deps: Vec<Dep>) {
        self.nodes.push(Node {
            id,
            parent: None,
            body: Box::new(Body {
                kind,
                sql: exact(sql),
                undo: None,
                deps,
            }),
            splits: false,
            numbered: false,
        });
    }

    /// Sets the undo statement of the step pushed last.
    fn undo(&mut self, sql: String) {
        if let Some(n) = self.nodes.last_mut() {
            n.body.undo = Some(exact(sql));
        }
    }

    /// A statement that belongs to `parent`; without a parent step (e.g.
    /// a grant on `public`) it stands alone. The parent is a step this
    /// builder pushed a few steps before; were it not, the statement would
    /// stand alone and follow it by a dependency.
    fn attach(&mut self, parent: Option<&Id>, kind: StepKind, sql: String) {
        let n = self.nodes.len();
        let at = parent.and_then(|p| self.nodes.iter().rposition(|x| x.id == *p));
        let (id, deps) = match at {
            Some(_) => (Id::default(), vec![]),
            None => (
                Id::new(kind_word(kind), n),
                deps(parent.map(|p| vec![p.clone()]).unwrap_or_default()),
            ),
        };
        self.push(id, kind, sql, deps);
        let last = self.nodes.last_mut().expect("just pushed");
        last.parent = at.map(|a| a as u32);
        last.numbered = true;
    }

    fn comment(&mut self, parent: Option<&Id>, target: Target<'_>, text: &Option<String>) {
        if let Some(t) = text {
            self.attach(parent, StepKind::Comment, render::comment_on(target, t));
        }
    }

    fn grants(
        &mut self,
        parent: Option<&Id>,
        target: Target<'_>,
        column: Option<&str>,
        grants: &crate::model::Grants,
        owner: Option<&str>,
    ) -> Result<(), PlanError> {
        // A role named in `grants` gets exactly that: take back first what
        // default privileges handed it when the object was created.
        if column.is_none() {
            if let Some((schema, kind)) = default_scope(target) {
                let given = self.defaults.default_grants(&schema, kind);
                let all = self.revoke_named;
                // The owner's own privileges are taken back by grant_statements.
                let named = grants
                    .keys()
                    .filter(|r| *r != "public" && Some(r.as_str()) != owner);
                for role in named.filter(|r| all || given.contains_key(*r)) {
                    let sql = format!(
                        "REVOKE ALL ON {} FROM {};",
                        render::grant_object(target),
                        render::role(role)
                    );
                    self.attach(parent, StepKind::Grant, sql);
                }
            }
        }
        for sql in render::grant_statements(target, column, grants, owner)? {
            self.attach(parent, StepKind::Grant, sql);
        }
        Ok(())
    }

    fn owner(&mut self, parent: Option<&Id>, target: Target<'_>, owner: &Option<String>) {
        if let Some(o) = owner {
            self.attach(parent, StepKind::Owner, render::owner_to(target, o));
        }
    }

    fn build(
        db: &Database,
        detached: &Splits,
        revoke_named: bool,
        scope: &Scope,
    ) -> Result<Builder, PlanError> {
        let ctx = Ctx::new(db)?;
        let mut b = Builder::new(db, revoke_named);
        b.schemas(&ctx)?;
        b.types(&ctx, detached)?;
        b.functions(&ctx, detached)?;
        let none = Detached::default();
        for (key, t) in &db.tables {
            let name = parse_name(key, &format!("table `{key}`"))?;
            if ctx.external.table(&name) {
                // Someone else's table: only the policies and triggers
                // declared on it are this model's.
                b.attached(&ctx, key, &name, t)?;
            } else if scope.has(key) {
                let detached = detached.tables.get(key).unwrap_or(&none);
                b.table(&ctx, key, &name, t, detached)?;
            }
        }
        b.views(&ctx, scope)?;
        b.publications(&ctx)?;
        for (i, d) in db.default_privileges.iter().enumerate() {
            let dep = d
                .schema
                .as_deref()
                .map(|s| ctx.schema_dep(s))
                .unwrap_or_default();
            let pairs = render::default_privileges_with_undo(d)?;
            for (j, (sql, undo)) in pairs.into_iter().enumerate() {
                b.push(
                    Id::part(IdKind::DefaultPrivileges, i, j),
                    StepKind::DefaultPrivileges,
                    sql,
                    deps(dep.clone()),
                );
                b.undo(undo);
            }
        }
        Ok(b)
    }

    fn schemas(&mut self, ctx: &Ctx<'_>) -> Result<(), PlanError> {
        let db = ctx.db;
        for (name, s) in &db.schemas {
            if ctx.external.schemas.contains(name) {
                continue;
            }
            if name == "public" {
                // One step, its statements in their order, never undone.
                let id = Id::new(IdKind::Schema, "public");
                let mut sql = render::alter_public_schema(s)?.into_iter();
                let first = sql.next().unwrap_or_default();
                self.push(id.clone(), StepKind::Schema, first, vec![]);
                for more in sql {
                    self.attach(Some(&id), StepKind::Grant, more);
                }
                continue;
            }
            let id = Id::new(IdKind::Schema, name);
            self.push(
                id.clone(),
                StepKind::Schema,
                render::create_schema(name),
                vec![],
            );
            self.undo(render::drop_object(Target::Schema(name)));
            let p = Some(&id);
            self.owner(p, Target::Schema(name), &s.owner);
            self.comment(p, Target::Schema(name), &s.comment);
            self.grants(
                p,
                Target::Schema(name),
                None,
                &s.grants,
                Some(owner_key(s.owner.as_deref())),
            )?;
        }
        for (name, e) in &db.extensions {
            let id = Id::new(IdKind::Extension, name);
            let dep = e
                .schema
                .as_deref()
                .map(|s| ctx.schema_dep(s))
                .unwrap_or_default();
            self.push(
                id.clone(),
                StepKind::Extension,
                render::create_extension(name, e),
                deps(dep),
            );
            // plpgsql is in every database: CREATE did nothing, so DROP must not.
            if name != "plpgsql" {
                self.undo(render::drop_object(Target::Extension(name)));
            }
            self.comment(Some(&id), Target::Extension(name), &e.comment);
        }
        for (key, c) in &db.collations {
            let name = parse_name(key, &format!("collation `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let id = Id::new(IdKind::Collation, key);
            let target = Target::Collation(&name);
            let d = ctx.schema_dep(&name.schema);
            self.push(
                id.clone(),
                StepKind::Collation,
                render::create_collation(&name, c),
                deps(d),
            );
            self.undo(render::drop_object(target));
            self.owner(Some(&id), target, &c.owner);
            self.comment(Some(&id), target, &c.comment);
        }
        for (key, c) in &db.text_search_configurations {
            let name = parse_name(key, &format!("text search configuration `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let id = Id::new(IdKind::TextSearchConfiguration, key);
            let target = Target::TextSearchConfiguration(&name);
            let mut d = ctx.schema_dep(&name.schema);
            // A dictionary or parser of an extension (unaccent): after it.
            let used = c
                .mappings
                .values()
                .flatten()
                .chain(std::iter::once(&c.parser));
            for x in used {
                if let Ok([schema, name]) = split_dotted(x).as_deref() {
                    let r = RefName {
                        schema: Some(schema.clone()),
                        name: name.clone(),
                    };
                    d.extend(ctx.names.lookup(&HashMap::new(), &r));
                }
            }
            let mut sql = render::create_text_search_configuration(&name, c).into_iter();
            let first = sql.next().unwrap_or_default();
            self.push(
                id.clone(),
                StepKind::TextSearchConfiguration,
                first,
                deps(d),
            );
            self.undo(render::drop_object(target));
            for more in sql {
                self.attach(Some(&id), StepKind::TextSearchConfiguration, more);
            }
            self.owner(Some(&id), target, &c.owner);
            self.comment(Some(&id), target, &c.comment);
        }
        Ok(())
    }

    fn types(&mut self, ctx: &Ctx<'_>, detached: &Splits) -> Result<(), PlanError> {
        let db = ctx.db;
        for (key, e) in &db.enums {
            let name = parse_name(key, &format!("enum `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let id = Id::new(IdKind::Type, key);
            let d = ctx.schema_dep(&name.schema);
            self.push(
                id.clone(),
                StepKind::Type,
                render::create_enum(&name, e),
                deps(d),
            );
            self.undo(render::drop_object(Target::Type(&name)));
            self.owner(Some(&id), Target::Type(&name), &e.owner);
            self.comment(Some(&id), Target::Type(&name), &e.comment);
            self.grants(
                Some(&id),
                Target::Type(&name),
                None,
                &e.grants,
                Some(owner_key(e.owner.as_deref())),
            )?;
        }
        for (key, c) in &db.composite_types {
            let name = parse_name(key, &format!("type `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let id = Id::new(IdKind::Type, key);
            let mut d = ctx.schema_dep(&name.schema);
            for ty in c.attributes.values() {
                d.extend(ctx.ty(&format!("type {key}"), ty)?);
            }
            let sql = render::create_composite(&name, c);
            self.push(id.clone(), StepKind::Type, sql, deps(d));
            self.undo(render::drop_object(Target::Type(&name)));
            self.owner(Some(&id), Target::Type(&name), &c.owner);
            self.comment(Some(&id), Target::Type(&name), &c.comment);
            self.grants(
                Some(&id),
                Target::Type(&name),
                None,
                &c.grants,
                Some(owner_key(c.owner.as_deref())),
            )?;
        }
        for (key, r) in &db.range_types {
            let name = parse_name(key, &format!("type `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let what = format!("type {key}");
            let id = Id::new(IdKind::Type, key);
            let mut d = ctx.schema_dep(&name.schema);
            d.extend(ctx.ty(&what, &r.subtype)?);
            d.extend(ctx.collation(&r.collation));
            for f in [&r.canonical, &r.subtype_diff].into_iter().flatten() {
                let q = parse_name(f, &what)?;
                d.extend(ctx.names.functions.get(&q).cloned().unwrap_or_default());
            }
            let sql = render::create_range(&name, r);
            self.push(id.clone(), StepKind::Type, sql, deps(d));
            self.undo(render::drop_object(Target::Type(&name)));
            self.owner(Some(&id), Target::Type(&name), &r.owner);
            self.comment(Some(&id), Target::Type(&name), &r.comment);
            self.grants(
                Some(&id),
                Target::Type(&name),
                None,
                &r.grants,
                Some(owner_key(r.owner.as_deref())),
            )?;
        }
        for (key, dom) in &db.domains {
            let name = parse_name(key, &format!("domain `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let what = format!("domain {key}");
            let id = Id::new(IdKind::Domain, key);
            let mut d = ctx.schema_dep(&name.schema);
            d.extend(ctx.ty(&what, &dom.type_)?);
            d.extend(ctx.collation(&dom.collation));
            if let Some(x) = &dom.default {
                d.extend(ctx.expr(&what, x)?);
            }
            let mut d = deps(d);
            let none = BTreeSet::new();
            let split = detached.domains.get(key).unwrap_or(&none);
            for (cname, x) in &dom.checks {
                if split.contains(cname) {
                    continue;
                }
                for target in ctx.expr(&what, x)? {
                    d.push(Dep {
                        target,
                        part: Some(Box::new(Part::DomainCheck(cname.clone()))),
                    });
                }
            }
            let sql = render::create_domain_without(&name, dom, split);
            self.push(id.clone(), StepKind::Domain, sql, d);
            self.undo(render::drop_object(Target::Domain(&name)));
            self.nodes.last_mut().expect("pushed").splits = true;
            for cname in split {
                let Some(x) = dom.checks.get(cname) else {
                    continue;
                };
                let mut d = vec![id.clone()];
                d.extend(ctx.expr(&what, x)?);
                let (add, drop) = render::domain_check(&name, cname, x);
                let cid = Id::part(IdKind::DomainCheck, key, cname);
                self.push(cid, StepKind::Check, add, deps(d));
                self.undo(drop);
            }
            self.owner(Some(&id), Target::Domain(&name), &dom.owner);
            self.comment(Some(&id), Target::Domain(&name), &dom.comment);
            self.grants(
                Some(&id),
                Target::Domain(&name),
                None,
                &dom.grants,
                Some(owner_key(dom.owner.as_deref())),
            )?;
        }
        for (key, s) in &db.sequences {
            let name = parse_name(key, &format!("sequence `{key}`"))?;
            if ctx.external.name(&name) {
                continue;
            }
            let id = Id::new(IdKind::Sequence, key);
            let d = ctx.schema_dep(&name.schema);
            let sql = render::create_sequence(&name, s);
            self.push(id.clone(), StepKind::Sequence, sql, deps(d));
            self.undo(render::drop_object(Target::Sequence(&name)));
            if s.owned_by.is_none() {
                self.owner(Some(&id), Target::Sequence(&name), &s.owner);
            }
            self.comment(Some(&id), Target::Sequence(&name), &s.comment);
            self.grants(
                Some(&id),
                Target::Sequence(&name),
                None,
                &s.grants,
                Some(owner_key(s.owner.as_deref())),
            )?;
            if let Some(owned) = &s.owned_by {
                let (table, _) = render::parse_owned_by(owned)?;
                // OWNED BY needs the same owner as the table: an owned
                // sequence follows the table's.
                let table_owner = ctx.tables.get(&table).and_then(|(_, t)| t.owner.clone());
                self.owner(Some(&id), Target::Sequence(&name), &table_owner);
                let mut d = vec![id.clone()];
                if ctx.tables.contains_key(&table) && !ctx.external.name(&table) {
                    d.push(Id::new(IdKind::Table, ctx.tables[&table].0));
                }
                let sql = render::sequence_owned_by(&name, owned)?;
                self.push(
                    Id::new(IdKind::OwnedBy, key),
                    StepKind::SequenceOwner,
                    sql,
                    deps(d),
                );
                self.undo(render::sequence_owned_by_none(&name));
            }
        }
        Ok(())
    }

    fn functions(&mut self, ctx: &Ctx<'_>, detached: &Splits) -> Result<(), PlanError> {
        let db = ctx.db;
        for (key, f) in &db.functions {
            let k = parse_function_key(key)?;
            if ctx.external.function(&k) {
                continue;
            }
            let what = format!("function {key}");
            let id = Id::new(IdKind::Function, key);
            let sql = render::create_function(&k, f, render::Mode::Plain)?;
            let mut d = ctx.schema_dep(&k.name.schema);
            // Signature types always; the body only when PostgreSQL parses
            // it at CREATE time (SQL-standard bodies).
            let probe = |args: &str| match (&f.kind, &f.returns) {
                (FunctionKind::Function, Some(r)) => {
                    format!("CREATE FUNCTION pg_temp.probe({args}) RETURNS {r} LANGUAGE sql AS ''")
                }
                _ => format!("CREATE PROCEDURE pg_temp.probe({args}) LANGUAGE sql AS ''"),
            };
            if render::is_sql_standard_body(f) {
                d.extend(ctx.sql(&what, &sql)?);
            } else {
                let args = f.arguments.as_deref().unwrap_or(&k.args);
                // An argument named like a keyword of a newer grammar than
                // the server's (`json`, `json_table`: left unquoted by an
                // older server) does not parse here: the argument types
                // alone then say what the signature needs.
                match ctx.sql(&what, &probe(args)) {
                    Ok(found) => d.extend(found),
                    Err(_) if f.arguments.is_some() => d.extend(ctx.sql(&what, &probe(&k.args))?),
                    Err(e) => return Err(e),
                }
            }
            let mut d = deps(d);
            let cut = detached.bodies.get(&id);
            for target in body_reads(ctx, &k, f) {
                if !d.iter().any(|x| x.target == target)
                    && !cut.is_some_and(|c| c.contains(&target))
                {
                    d.push(Dep {
                        target,
                        part: Some(Box::new(Part::Body)),
                    });
                }
            }
            self.push(id.clone(), StepKind::Function, sql, d);
            let target = match f.kind {
                FunctionKind::Function => Target::Function(&k),
                FunctionKind::Procedure => Target::Procedure(&k),
            };
            self.undo(render::drop_object(target));
            self.owner(Some(&id), target, &f.owner);
            self.comment(Some(&id), target, &f.comment);
            self.grants(
                Some(&id),
                target,
                None,
                &f.grants,
                Some(owner_key(f.owner.as_deref())),
            )?;
        }
        for (key, a) in &db.aggregates {
            let k = parse_function_key(key)?;
            if ctx.external.function(&k) {
                continue;
            }
            let what = format!("aggregate {key}");
            let id = Id::new(IdKind::Aggregate, key);
            let mut d = ctx.schema_dep(&k.name.schema);
            let args = if k.args.is_empty() { "*" } else { &k.args };
            let probe = format!(
                "CREATE AGGREGATE pg_temp.probe({args}) (SFUNC = pg_temp.f, STYPE = {})",
                a.stype
            );
            d.extend(ctx.sql(&what, &probe)?);
            let funcs = [Some(&a.sfunc), a.finalfunc.as_ref(), a.combinefunc.as_ref()];
            for f in funcs.into_iter().flatten() {
                let q = parse_name(f, &what)?;
                d.extend(ctx.names.functions.get(&q).cloned().unwrap_or_default());
            }
            let sql = render::create_aggregate(&k, a)?;
            self.push(id.clone(), StepKind::Aggregate, sql, deps(d));
            self.undo(render::drop_object(Target::Aggregate(&k)));
            self.comment(Some(&id), Target::Aggregate(&k), &a.comment);
            self.grants(Some(&id), Target::Aggregate(&k), None, &a.grants, None)?;
        }
        Ok(())
    }

    fn table(
        &mut self,
        ctx: &Ctx<'_>,
        key: &str,
        name: &QualifiedName,
        t: &Table,
        detached: &Detached,
    ) -> Result<(), PlanError> {
        let what = format!("table {key}");
        let id = Id::new(IdKind::Table, key);
        let parent = match &t.partition_of {
            Some(p) => {
                let pn = parse_name(&p.parent, &what)?;
                ctx.tables.get(&pn).map(|(k, pt)| (k.to_string(), *pt))
            }
            None => None,
        };
        let parent_table = parent.as_ref().map(|(_, pt)| *pt);
        let inherited = render::inherited_from(parent_table);
        let mut d = deps(ctx.schema_dep(&name.schema));
        if let Some((pk, _)) = &parent {
            if !ctx.external.name(&parse_name(pk, &what)?) {
                d.extend(deps(vec![Id::new(IdKind::Table, pk)]));
            }
        }
        for p in &t.inherits {
            if !ctx.external.name(&parse_name(p, &what)?) {
                d.extend(deps(vec![Id::new(IdKind::Table, p)]));
            }
        }
        for (cname, c) in &t.columns {
            d.extend(deps(ctx.ty(&what, &c.type_)?));
            d.extend(deps(ctx.collation(&c.collation)));
            if let Some(g) = &c.generated {
                d.extend(deps(ctx.expr(&what, g)?));
            }
            if let Some(x) = &c.default {
                let part = Some(Box::new(Part::Default(cname.clone())));
                if !detached.defaults.contains(cname) {
                    for target in ctx.expr(&what, x)? {
                        d.push(Dep {
                            target,
                            part: part.clone(),
                        });
                    }
                }
            }
        }
        for (cname, c) in &t.checks {
            if render::check_inline(cname, c, detached) {
                for target in ctx.expr(&what, &c.expression)? {
                    d.push(Dep {
                        target,
                        part: Some(Box::new(Part::Check(cname.clone()))),
                    });
                }
            }
        }
        for e in t.exclusions.values() {
            let probe = format!("ALTER TABLE pg_temp.probe ADD EXCLUDE {}", e.definition);
            d.extend(deps(ctx.sql(&what, &probe)?));
        }
        let sql = render::create_table(name, t, parent_table, detached)?;
        self.push(id.clone(), StepKind::Table, sql, d);
        self.undo(render::drop_object(Target::Table(name)));
        self.nodes.last_mut().expect("pushed").splits = true;

        let me = Some(&id);
        self.owner(me, Target::Table(name), &t.owner);
        self.comment(me, Target::Table(name), &t.comment);
        for (cname, c) in &t.columns {
            self.comment(me, Target::Column(name, cname), &c.comment);
        }
        if let Some(pk) = &t.primary_key {
            let pk_name = pk.name.clone().unwrap_or(format!("{}_pkey", name.name));
            self.comment(me, Target::Constraint(name, &pk_name), &pk.comment);
        }
        for (n, u) in &t.unique {
            self.comment(me, Target::Constraint(name, n), &u.comment);
        }
        for (n, c) in &t.checks {
            // An inherited check exists on the partition too.
            if render::check_inline(n, c, detached) || inherited.check(n) {
                self.comment(me, Target::Constraint(name, n), &c.comment);
            }
        }
        for (n, e) in &t.exclusions {
            self.comment(me, Target::Constraint(name, n), &e.comment);
        }
        self.grants(
            me,
            Target::Table(name),
            None,
            &t.grants,
            Some(owner_key(t.owner.as_deref())),
        )?;
        for (cname, c) in &t.columns {
            self.grants(me, Target::Table(name), Some(cname), &c.grants, None)?;
            if let Some(seq) = c
                .identity_sequence
                .as_ref()
                .filter(|_| c.identity.is_some())
            {
                let seq_name = render::identity_sequence_name(name, cname, c);
                self.grants(me, Target::Sequence(&seq_name), None, &seq.grants, None)?;
            }
            if let Some(n) = c.statistics {
                self.attach(
                    me,
                    StepKind::Table,
                    render::set_column_statistics(name, cname, n),
                );
            }
            // As pg_dump writes them: the STORAGE clause of CREATE TABLE
            // is PostgreSQL 16's. A partition starts with its parent's.
            let from = parent_table.and_then(|p| p.columns.get(cname));
            let own = |s: Option<Storage>| s.or_else(|| Storage::of_type(ctx.db, &c.type_));
            let storage_set = match from {
                Some(f) => own(c.storage) != own(f.storage),
                None => c.storage.is_some(),
            };
            if storage_set {
                let sql = render::set_column_storage(name, cname, own(c.storage));
                self.attach(me, StepKind::Table, sql);
            }
            if c.compression != from.and_then(|f| f.compression) {
                let sql = render::set_column_compression(name, cname, c.compression);
                self.attach(me, StepKind::Table, sql);
            }
        }
        for sql in render::add_not_valid_not_null(name, t) {
            self.attach(me, StepKind::Table, sql);
        }
        if let Some(ri) = &t.replica_identity {
            let mut d = vec![id.clone()];
            if let Some(index) = ri
                .strip_prefix("index ")
                .filter(|i| t.indexes.contains_key(*i))
            {
                d.push(Id::part(IdKind::Index, key, index));
            }
            self.push(
                Id::new(IdKind::ReplicaIdentity, key),
                StepKind::Table,
                render::replica_identity(name, ri),
                deps(d),
            );
            self.undo(render::replica_identity(name, "default"));
        }
        for sql in render::row_level_security(name, t.row_level_security) {
            self.attach(me, StepKind::RowLevelSecurity, sql);
        }

        // Parts split off CREATE TABLE.
        for cname in &detached.defaults {
            if let Some(x) = t.columns.get(cname).and_then(|c| c.default.as_ref()) {
                let mut d = vec![id.clone()];
                d.extend(ctx.expr(&what, x)?);
                let sql = render::set_column_default(name, cname, x);
                self.push(
                    Id::part(IdKind::Default, key, cname),
                    StepKind::ColumnDefault,
                    sql,
                    deps(d),
                );
                self.undo(render::drop_column_default(name, cname));
            }
        }
        for (cname, c) in &t.checks {
            if render::check_inline(cname, c, detached) || inherited.check(cname) {
                continue;
            }
            let cid = Id::part(IdKind::Check, key, cname);
            let mut d = vec![id.clone()];
            d.extend(ctx.expr(&what, &c.expression)?);
            self.push(
                cid.clone(),
                StepKind::Check,
                render::add_check(name, cname, c),
                deps(d),
            );
            self.undo(render::drop_object(Target::Constraint(name, cname)));
            self.comment(Some(&cid), Target::Constraint(name, cname), &c.comment);
        }
        for (fname, fk) in &t.foreign_keys {
            if inherited.foreign_key(fname) {
                continue;
            }
            let fid = Id::part(IdKind::Fk, key, fname);
            let mut d = vec![id.clone()];
            let (target, cols) = parse_table_ref(&fk.references)?;
            if let Some((tk, tt)) = ctx.tables.get(&target) {
                if !ctx.external.name(&target) {
                    d.push(Id::new(IdKind::Table, tk));
                    // A foreign key may rest on a unique index, not a constraint.
                    for (iname, ix) in &tt.indexes {
                        let plain: Vec<String> =
                            ix.columns.iter().filter_map(|e| e.column.clone()).collect();
                        if ix.unique && ix.where_.is_none() && !cols.is_empty() && {
                            let mut a = plain.clone();
                            let mut b = cols.clone();
                            a.sort();
                            b.sort();
                            a == b && plain.len() == ix.columns.len()
                        } {
                            d.push(Id::part(IdKind::Index, tk, iname));
                        }
                    }
                }
            }
            let sql = render::add_foreign_key(name, fname, fk)?;
            self.push(fid.clone(), StepKind::ForeignKey, sql, deps(d));
            self.undo(render::drop_object(Target::Constraint(name, fname)));
            self.comment(Some(&fid), Target::Constraint(name, fname), &fk.comment);
        }
        // Indexes of partitions first: the parent's CREATE INDEX then
        // attaches them instead of building duplicates.
        let children = ctx.partitions.get(name).map_or(&[][..], Vec::as_slice);
        for (iname, ix) in &t.indexes {
            let mut d = vec![id.clone()];
            for child in children {
                for ciname in ctx.db.tables[*child].indexes.keys() {
                    d.push(Id::part(IdKind::Index, child, ciname));
                }
            }
            self.index(ctx, key, name, iname, ix, d)?;
        }
        self.attached(ctx, key, name, t)
    }

    /// A table's policies and triggers.
    fn attached(
        &mut self,
        ctx: &Ctx<'_>,
        key: &str,
        name: &QualifiedName,
        t: &Table,
    ) -> Result<(), PlanError> {
        let what = format!("table {key}");
        let id = Id::new(IdKind::Table, key);
        for (pname, p) in &t.policies {
            let pid = Id::part(IdKind::Policy, key, pname);
            let mut d = vec![id.clone()];
            for x in [&p.using, &p.with_check].into_iter().flatten() {
                d.extend(ctx.expr(&what, x)?);
            }
            let sql = render::create_policy(pname, name, p);
            self.push(pid.clone(), StepKind::Policy, sql, deps(d));
            self.undo(render::drop_object(Target::Policy(name, pname)));
            self.comment(Some(&pid), Target::Policy(name, pname), &p.comment);
        }
        self.triggers(ctx, key, name, &id, &t.triggers)?;
        self.rules(ctx, key, name, &id, &t.rules)
    }

    /// The rules on table or view `key`, whose step is `on`: after it and
    /// after what their condition and actions read.
    fn rules(
        &mut self,
        ctx: &Ctx<'_>,
        key: &str,
        name: &QualifiedName,
        on: &Id,
        rules: &indexmap::IndexMap<String, crate::model::Rule>,
    ) -> Result<(), PlanError> {
        for (rname, r) in rules {
            let what = format!("rule {rname} on {key}");
            let rid = Id::part(IdKind::Rule, key, rname);
            let mut d = vec![on.clone()];
            if let Some(w) = &r.where_ {
                d.extend(ctx.expr(&what, w)?);
            }
            for a in &r.actions {
                d.extend(ctx.sql(&what, a)?);
            }
            let sql = render::create_rule(rname, name, r, render::Mode::Plain);
            self.push(rid.clone(), StepKind::Rule, sql, deps(d));
            self.undo(render::drop_object(Target::Rule(name, rname)));
            self.comment(Some(&rid), Target::Rule(name, rname), &r.comment);
            if let Some(sql) = render::rule_enabled(rname, name, r)? {
                self.attach(Some(&rid), StepKind::TriggerState, sql);
            }
        }
        Ok(())
    }

    /// The triggers on table or view `key`, whose step is `on`.
    fn triggers(
        &mut self,
        ctx: &Ctx<'_>,
        key: &str,
        name: &QualifiedName,
        on: &Id,
        triggers: &indexmap::IndexMap<String, crate::model::Trigger>,
    ) -> Result<(), PlanError> {
        let what = format!("relation {key}");
        for (gname, g) in triggers {
            let gid = Id::part(IdKind::Trigger, key, gname);
            let mut d = vec![on.clone()];
            let f = parse_name(&g.function, &what)?;
            d.extend(ctx.names.functions.get(&f).cloned().unwrap_or_default());
            if let Some(w) = &g.when {
                d.extend(ctx.expr(&what, w)?);
            }
            let sql = render::create_trigger(gname, name, g)?;
            self.push(gid.clone(), StepKind::Trigger, sql, deps(d));
            self.undo(render::drop_object(Target::Trigger(name, gname)));
            self.comment(Some(&gid), Target::Trigger(name, gname), &g.comment);
            if let Some(sql) = render::trigger_enabled(gname, name, g)? {
                self.attach(Some(&gid), StepKind::TriggerState, sql);
            }
        }
        Ok(())
    }

    fn index(
        &mut self,
        ctx: &Ctx<'_>,
        key: &str,
        on: &QualifiedName,
        iname: &str,
        ix: &crate::model::Index,
        mut d: Vec<Id>,
    ) -> Result<(), PlanError> {
        let what = format!("index {iname} on {key}");
        let iid = Id::part(IdKind::Index, key, iname);
        for e in &ix.columns {
            if let Some(x) = &e.expression {
                d.extend(ctx.expr(&what, x)?);
            }
            d.extend(ctx.collation(&e.collation));
            // An opclass of an extension (gin_trgm_ops): depend on it.
            let parts = e.opclass.as_deref().and_then(|o| split_dotted(o).ok());
            if let Some([schema, name]) = parts.as_deref() {
                let r = RefName {
                    schema: Some(schema.clone()),
                    name: name.clone(),
                };
                d.extend(ctx.names.lookup(&HashMap::new(), &r));
            }
        }
        if let Some(w) = &ix.where_ {
            d.extend(ctx.expr(&what, w)?);
        }
        let sql = render::create_index(iname, on, ix, render::Mode::Plain);
        self.push(iid.clone(), StepKind::Index, sql, deps(d));
        let iq = QualifiedName::new(&on.schema, iname);
        self.undo(render::drop_object(Target::Index(&iq)));
        self.comment(Some(&iid), Target::Index(&iq), &ix.comment);
        for (k, e) in ix.columns.iter().enumerate() {
            if e.statistics.is_some() {
                let sql = render::set_index_statistics(&iq, k + 1, e.statistics);
                self.attach(Some(&iid), StepKind::Index, sql);
            }
        }
        Ok(())
    }

    fn views(&mut self, ctx: &Ctx<'_>, scope: &Scope) -> Result<(), PlanError> {
        for (key, v) in &ctx.db.views {
            let name = parse_name(key, &format!("view `{key}`"))?;
            if ctx.external.name(&name) || !scope.has(key) {
                continue;
            }
            let what = format!("view {key}");
            let id = Id::new(IdKind::View, key);
            let mut d = ctx.schema_dep(&name.schema);
            d.extend(ctx.sql(&what, &v.definition)?);
            let (kind, target) = if v.materialized {
                (StepKind::MaterializedView, Target::MaterializedView(&name))
            } else {
                (StepKind::View, Target::View(&name))
            };
            self.push(
                id.clone(),
                kind,
                render::create_view(&name, v, render::Mode::Plain)?,
                deps(d),
            );
            self.undo(render::drop_object(target));
            let me = Some(&id);
            self.owner(me, target, &v.owner);
            self.comment(me, target, &v.comment);
            for (col, text) in &v.column_comments {
                self.comment(me, Target::Column(&name, col), &Some(text.clone()));
            }
            self.grants(
                me,
                target,
                None,
                &v.grants,
                Some(owner_key(v.owner.as_deref())),
            )?;
            for (col, g) in &v.column_grants {
                self.grants(me, target, Some(col), g, None)?;
            }
            for (iname, ix) in &v.indexes {
                self.index(ctx, key, &name, iname, ix, vec![id.clone()])?;
            }
            self.triggers(ctx, key, &name, &id, &v.triggers)?;
            self.rules(ctx, key, &name, &id, &v.rules)?;
        }
        Ok(())
    }

    fn publications(&mut self, ctx: &Ctx<'_>) -> Result<(), PlanError> {
        for (name, p) in &ctx.db.publications {
            let id = Id::new(IdKind::Publication, name);
            let mut d: Vec<Id> = p.tables.keys().map(|k| Id::new(IdKind::Table, k)).collect();
            for s in &p.schemas {
                d.extend(ctx.schema_dep(s));
            }
            let target = Target::Publication(name);
            if p.external {
                // Someone else's: only what is added to it is this model's.
                let mut sql = render::add_to_publication(name, p)?.into_iter();
                let Some(first) = sql.next() else {
                    continue;
                };
                self.push(id.clone(), StepKind::Publication, first, deps(d));
                self.undo(render::remove_from_publication(name, p)?);
                for more in sql {
                    self.attach(Some(&id), StepKind::Publication, more);
                }
                continue;
            }
            self.push(
                id.clone(),
                StepKind::Publication,
                render::create_publication(name, p)?,
                deps(d),
            );
            self.undo(render::drop_object(target));
            self.owner(Some(&id), target, &p.owner);
            self.comment(Some(&id), target, &p.comment);
        }
        Ok(())
    }

    /// The node indexes in run order with each node's dependencies that are
    /// steps too, or the indexes of a cycle.
    fn order(&self, order: Order) -> Result<Result<Ordered, Vec<usize>>, PlanError> {
        // Attached nodes have no id yet, and nothing names them.
        let named = || {
            self.nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.parent.is_none())
        };
        let index: HashMap<&str, usize> = named().map(|(i, n)| (&*n.id, i)).collect();
        if index.len() != named().count() {
            let mut seen = BTreeSet::new();
            let dup = named()
                .find(|(_, n)| !seen.insert(&*n.id))
                .map(|(_, n)| n.id.to_string())
                .unwrap_or_default();
            return Err(PlanError::Invalid {
                what: dup,
                message: "two objects with the same name".into(),
            });
        }
        let (mut kahn, kept) = self.graph(&index);
        // Kahn's algorithm over object steps; attached steps ride along.
        // Threaded lists, not a list of its own for each step.
        let mut first_attached = vec![NO_STEP; self.nodes.len()];
        let mut next_attached = vec![NO_STEP; self.nodes.len()];
        let mut last_attached = vec![NO_STEP; self.nodes.len()];
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(p) = n.parent {
                let (p, i) = (p as usize, i as u32);
                match last_attached[p] {
                    NO_STEP => first_attached[p] = i,
                    l => next_attached[l as usize] = i,
                }
                last_attached[p] = i;
            }
        }
        drop(last_attached);
        let mut ready = match order {
            Order::Run => Ready::Sorted(BinaryHeap::new()),
            Order::Built => Ready::Any(Vec::new()),
        };
        for i in kahn.roots() {
            if self.nodes[i].parent.is_none() {
                ready.push(&self.nodes, i);
            }
        }
        let mut done = vec![false; self.nodes.len()];
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut batch = VecDeque::new();
        while let Some(i) = ready.pop() {
            batch.push_back(i);
            while let Some(j) = batch.pop_front() {
                done[j] = true;
                out.push(j);
                let mut a = first_attached[j];
                while a != NO_STEP {
                    batch.push_back(a as usize);
                    a = next_attached[a as usize];
                }
                kahn.place(j, |n| {
                    if self.nodes[n].parent.is_none() {
                        ready.push(&self.nodes, n);
                    }
                });
            }
        }
        if out.len() < self.nodes.len() {
            let remaining: BTreeSet<usize> = (0..self.nodes.len()).filter(|&i| !done[i]).collect();
            return Ok(Err(self.find_cycle(kahn.graph(), &remaining)));
        }
        Ok(Ok(Ordered {
            run: (order == Order::Run).then_some(out),
            kept,
            first_attached,
            next_attached,
        }))
    }

    /// The steps in run order (else as built), each with the dependencies
    /// kept (see `Ordered`). Moved out of the nodes, not copied.
    fn into_steps(self, ordered: Ordered) -> Vec<Step> {
        let mut kept = ordered.kept.into_iter();
        // An attached step depends on its parent, and on nothing else.
        let parents: Vec<Option<Id>> = (self.nodes.iter())
            .map(|n| n.parent.map(|p| self.nodes[p as usize].id.clone()))
            .collect();
        let mut steps: Vec<Step> = (self.nodes.into_iter().zip(parents).enumerate())
            .map(|(i, (n, parent))| Step {
                id: n.id_at(i),
                kind: n.body.kind,
                sql: n.body.sql.into_string(),
                depends_on: match &parent {
                    Some(p) => vec![p.clone()],
                    None => (n.body.deps.into_iter())
                        .filter(|_| kept.next().unwrap_or(false))
                        .map(|d| d.target)
                        .collect(),
                },
                attached_to: parent,
                undo: n.body.undo.map(String::from),
            })
            .collect();
        if let Some(order) = ordered.run {
            permute(&mut steps, &order);
        }
        steps
    }

    /// The steps as a pool, each with the dependencies kept, moved out of
    /// the nodes.
    fn into_pool(self, ordered: Ordered) -> StepPool {
        let mut kept = ordered.kept.into_iter();
        let n = self.nodes.len();
        let mut pool = StepPool::new(n, ordered.first_attached, ordered.next_attached);
        for mut node in self.nodes {
            // `retain` visits each dependency once, in order.
            node.body.deps.retain(|_| kept.next().unwrap_or(false));
            pool.push(node.parent.is_none().then_some(node.id), node.body);
        }
        pool
    }

    /// Edges from each dependency to its dependent (no self loops).
    /// Also, for every node's dependencies in turn, whether it made an edge
    /// (the `kept` flags of `Ordered`).
    fn graph(&self, index: &HashMap<&str, usize>) -> (Kahn, Vec<bool>) {
        let deps = self.nodes.iter().map(|n| n.body.deps.len()).sum();
        let mut edges = Vec::with_capacity(deps);
        let mut kept = Vec::with_capacity(deps);
        // A node names a handful of dependencies: a list beats a set.
        let mut seen = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            seen.clear();
            for d in &n.body.deps {
                let target = index.get(d.target.as_str()).copied();
                let edge = match target {
                    Some(j) if j != i && !seen.contains(&j) => {
                        seen.push(j);
                        edges.push((j, i));
                        true
                    }
                    _ => false,
                };
                kept.push(edge);
            }
        }
        (Kahn::new(self.nodes.len(), edges), kept)
    }

    /// A shortest cycle among `remaining` (steps Kahn's algorithm could
    /// not place), as node indexes in dependency order.
    fn find_cycle(&self, graph: &DiGraph<(), ()>, remaining: &BTreeSet<usize>) -> Vec<usize> {
        let sccs = petgraph::algo::tarjan_scc(graph);
        let mut best: Option<Vec<usize>> = None;
        for scc in sccs.iter().filter(|s| s.len() > 1) {
            let members: BTreeSet<usize> = scc.iter().map(|n| n.index()).collect();
            if !members.iter().all(|m| remaining.contains(m)) {
                continue;
            }
            let start = *members
                .iter()
                .min_by_key(|&&m| &self.nodes[m].id)
                .expect("non-empty");
            // Breadth-first from start back to start, inside the component.
            let mut prev: HashMap<usize, usize> = HashMap::new();
            let mut queue = VecDeque::from([start]);
            let mut cycle = None;
            'bfs: while let Some(u) = queue.pop_front() {
                let mut next: Vec<usize> = graph
                    .neighbors_directed(NodeIndex::new(u), petgraph::Direction::Outgoing)
                    .map(|n| n.index())
                    .filter(|n| members.contains(n))
                    .collect();
                next.sort_by_key(|&n| &self.nodes[n].id);
                for v in next {
                    if v == start {
                        let mut path = vec![u];
                        let mut cur = u;
                        while cur != start {
                            cur = prev[&cur];
                            path.push(cur);
                        }
                        path.reverse();
                        cycle = Some(path);
                        break 'bfs;
                    }
                    if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(v) {
                        e.insert(u);
                        queue.push_back(v);
                    }
                }
            }
            if let Some(c) = cycle {
                let better = best.as_ref().is_none_or(|b| {
                    (c.len(), &self.nodes[c[0]].id) < (b.len(), &self.nodes[b[0]].id)
                });
                if better {
                    best = Some(c);
                }
            }
        }
        best.unwrap_or_else(|| remaining.iter().copied().collect())
    }

    /// Lets go of the function body dependencies that close the cycle,
    /// else splits off the table parts (defaults, checks) that do. False
    /// when the cycle has neither.
    fn detach(&self, cycle: &[usize], detached: &mut Splits) -> bool {
        let ids: BTreeSet<&str> = cycle.iter().map(|&i| &*self.nodes[i].id).collect();
        let mut changed = false;
        for &i in cycle {
            let n = &self.nodes[i];
            for d in &n.body.deps {
                if matches!(d.part.as_deref(), Some(Part::Body)) && ids.contains(d.target.as_str())
                {
                    changed |= detached
                        .bodies
                        .entry(n.id.clone())
                        .or_default()
                        .insert(d.target.clone());
                }
            }
        }
        if changed {
            return true;
        }
        for &i in cycle {
            let n = &self.nodes[i];
            if !n.splits {
                continue;
            }
            let key = n.id.key();
            for d in &n.body.deps {
                let Some(part) = &d.part else { continue };
                if !ids.contains(d.target.as_str()) {
                    continue;
                }
                changed |= match &**part {
                    Part::Default(c) => detached
                        .tables
                        .entry(key.to_string())
                        .or_default()
                        .defaults
                        .insert(c.clone()),
                    Part::Check(c) => detached
                        .tables
                        .entry(key.to_string())
                        .or_default()
                        .checks
                        .insert(c.clone()),
                    Part::DomainCheck(c) => detached
                        .domains
                        .entry(key.to_string())
                        .or_default()
                        .insert(c.clone()),
                    Part::Body => false,
                };
            }
        }
        changed
    }

    fn describe_cycle(&self, cycle: &[usize]) -> String {
        let mut names: Vec<&str> = cycle.iter().map(|&i| &*self.nodes[i].id).collect();
        if let Some(first) = names.first().copied() {
            names.push(first);
        }
        names.join(" -> ")
    }
}

/// What the string body of a `LANGUAGE sql` function reads and calls
/// (a SQL-standard body is part of its statement already): names left
/// unqualified are looked for in the function's `search_path` setting,
/// its own schema and `public`. A body that does not parse reads nothing
/// that can be known.
fn body_reads(ctx: &Ctx<'_>, key: &render::FunctionKey, f: &crate::model::Function) -> Vec<Id> {
    if !f.language.eq_ignore_ascii_case("sql") || render::is_sql_standard_body(f) {
        return vec![];
    }
    let Ok(refs) = refs_in_sql(&f.body) else {
        return vec![];
    };
    let mut schemas: Vec<String> = f
        .config
        .get("search_path")
        .map(|p| {
            p.split(',')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty() && !s.starts_with('$'))
                .collect()
        })
        .unwrap_or_default();
    schemas.push(key.name.schema.clone());
    let qualify = |set: &BTreeSet<RefName>, map: &HashMap<QualifiedName, Vec<Id>>| {
        let mut out = Vec::new();
        for r in set {
            match &r.schema {
                Some(_) => out.extend(ctx.names.lookup(map, r)),
                None => {
                    let found = schemas
                        .iter()
                        .find_map(|s| map.get(&QualifiedName::new(s, &r.name)));
                    match found {
                        Some(ids) => out.extend(ids.iter().cloned()),
                        None => out.extend(ctx.names.lookup(map, r)),
                    }
                }
            }
        }
        out
    };
    let mut out = qualify(&refs.relations, &ctx.names.relations);
    out.extend(qualify(&refs.types, &ctx.names.types));
    out.extend(qualify(&refs.functions, &ctx.names.functions));
    out.sort();
    out.dedup();
    out
}

fn kind_word(kind: StepKind) -> IdKind {
    match kind {
        StepKind::Owner => IdKind::Owner,
        StepKind::Comment => IdKind::Comment,
        StepKind::Grant => IdKind::Grant,
        StepKind::RowLevelSecurity => IdKind::Rls,
        StepKind::TriggerState => IdKind::TriggerState,
        _ => IdKind::Step,
    }
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(db: &'a Database) -> Result<Ctx<'a>, PlanError> {
        let external = External::new(db);
        let mut names = Names::default();
        for s in db.schemas.keys() {
            if s != "public" && !external.schemas.contains(s) {
                names.schemas.insert(s.clone());
            }
        }
        for (n, e) in &db.extensions {
            let schema = e.schema.clone().unwrap_or_else(|| "public".into());
            names
                .extensions_by_schema
                .entry(schema)
                .or_default()
                .push(Id::new(IdKind::Extension, n));
        }
        let mut tables = HashMap::new();
        let mut partitions: HashMap<QualifiedName, Vec<&str>> = HashMap::new();
        for (key, t) in &db.tables {
            let q = parse_name(key, &format!("table `{key}`"))?;
            tables.insert(q.clone(), (key.as_str(), t));
            let parent = t.partition_of.as_ref().map(|p| parse_name(&p.parent, ""));
            if let Some(Ok(parent)) = parent {
                partitions.entry(parent).or_default().push(key.as_str());
            }
            if external.name(&q) {
                continue;
            }
            add(&mut names.relations, q.clone(), Id::new(IdKind::Table, key));
            add(&mut names.types, q, Id::new(IdKind::Table, key));
        }
        for key in db.views.keys() {
            let q = parse_name(key, &format!("view `{key}`"))?;
            if external.name(&q) {
                continue;
            }
            add(&mut names.relations, q.clone(), Id::new(IdKind::View, key));
            add(&mut names.types, q, Id::new(IdKind::View, key));
        }
        for key in db.sequences.keys() {
            let q = parse_name(key, &format!("sequence `{key}`"))?;
            if !external.name(&q) {
                add(&mut names.relations, q, Id::new(IdKind::Sequence, key));
            }
        }
        let types = db.enums.keys().chain(db.composite_types.keys());
        for key in types.chain(db.range_types.keys()) {
            let q = parse_name(key, &format!("type `{key}`"))?;
            if !external.name(&q) {
                add(&mut names.types, q, Id::new(IdKind::Type, key));
            }
        }
        // A multirange type is made with its range type.
        for (key, r) in &db.range_types {
            let q = parse_name(key, &format!("type `{key}`"))?;
            if !external.name(&q) {
                add(
                    &mut names.types,
                    r.multirange(&q),
                    Id::new(IdKind::Type, key),
                );
            }
        }
        for key in db.domains.keys() {
            let q = parse_name(key, &format!("domain `{key}`"))?;
            if !external.name(&q) {
                add(&mut names.types, q, Id::new(IdKind::Domain, key));
            }
        }
        for key in db.functions.keys() {
            let k = parse_function_key(key)?;
            if !external.function(&k) {
                add(&mut names.functions, k.name, Id::new(IdKind::Function, key));
            }
        }
        for key in db.aggregates.keys() {
            let k = parse_function_key(key)?;
            if !external.function(&k) {
                add(
                    &mut names.functions,
                    k.name,
                    Id::new(IdKind::Aggregate, key),
                );
            }
        }
        Ok(Ctx {
            db,
            names,
            external,
            tables,
            partitions,
        })
    }
}

/// Reorders `items` so that place `k` holds what was at `order[k]`, by
/// following each cycle of the permutation with swaps.
pub(crate) fn permute<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        let mut k = start;
        while !done[k] {
            done[k] = true;
            if order[k] == start {
                break;
            }
            items.swap(k, order[k]);
            k = order[k];
        }
    }
}

//! Diff: two models in, changes out. Pure.
//!
//! Each model is cut into objects (`objects`); an object on one side only
//! is created or dropped, one on both sides is compared semantically
//! (`same`) and changed in place where PostgreSQL can (`alter`, `table`),
//! else dropped and created again. Whatever depends on a recreated object
//! (or on a column whose type changes) is recreated with it.

mod alter;
mod extras;
mod listed;
mod objects;
mod publication;
mod rename;
mod same;
mod scope;
mod table;
mod view;
pub(crate) mod words;

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::ddl::graph::StepKind;
use crate::ddl::render;
use crate::ddl::scope::Scope;
use crate::ddl::{Action, Code, Hazard, PlanError};
use crate::model::name::quote_literal;
use crate::model::{quote_ident, Database, Id, IdKind, QualifiedName, Stage};

use objects::{is_external, Obj, Objs, Shape, Side};

pub use listed::{listed, Listed};
pub use rename::Rename;

/// What the diff may do on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Allow a drop and an add of the same shape without `renamed_from`
    /// (otherwise refused as a probable unmarked rename).
    pub allow_drop_add: bool,
    /// Build steps for every table and view of both models, not only those
    /// that differ or mention what differs (`scope`). Slower; the scoped
    /// diff must give the same changes, which the tests check with this.
    pub whole_models: bool,
}

/// One change, with what orders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Step id: the object id, `<id>:drop` for the drop half of a
    /// recreation, `<id>:validate` for a separate validation.
    pub id: Id,
    /// `table:<key>` for parts of a table.
    pub group: Option<Id>,
    /// A column: stands for its table in dependencies (what reads a table
    /// reads its columns; keys and checks have their own edges).
    pub part: bool,
    pub kind: StepKind,
    pub action: Action,
    pub summary: String,
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub hazards: Vec<Hazard>,
    pub transactional: bool,
    /// Objects the old version needs (drops run before theirs).
    pub from_deps: Vec<Id>,
    /// Objects the new version needs (creates run after theirs).
    pub to_deps: Vec<Id>,
    /// Objects the new version is run after where no cycle forbids.
    pub soft_deps: Vec<Id>,
    /// Names this change frees (drop) or takes (create), e.g. an index
    /// name; besides these, each drop frees and each create takes its
    /// object's id (`obj`).
    pub slots: Vec<String>,
    /// Changes that must run first, with the reason.
    pub after: Vec<(Id, String)>,
}

impl Change {
    /// The object changed: `id` without its stage.
    pub fn obj(&self) -> &str {
        self.id.object()
    }
}

/// The changes from `from` to `to`, renames first, in no particular order
/// otherwise (the planner orders them).
pub fn diff(
    from: &Database,
    to: &Database,
    opts: &DiffOptions,
    online: bool,
) -> Result<(Vec<Rename>, Vec<Change>), PlanError> {
    let to = crate::model::privileges::on_server(Cow::Borrowed(to), from.server.0);
    let to = &*to;
    let (renamed, renames) = rename::apply(from, to)?;
    let renamed = table::columns_as_inherited(renamed, to);
    let moving = table::moving_partitions(&renamed, to);
    let renamed = table::partition_parts_as_own(renamed, &moving);
    let to = table::partition_parts_as_own(Cow::Borrowed(to), &moving);
    let to = adopt_not_null_names(&renamed, &to);
    let to = &*to;
    let scope = if opts.whole_models {
        Scope::all()
    } else {
        scope::scope(&renamed, to)
    };
    tracing::debug!(
        relations = scope.size(),
        "diff scope (tables and views looked at; none: all)"
    );
    let a = Side::new(&renamed, to, &scope)?;
    let b = Side::new(to, &renamed, &scope)?;
    Ok((renames, compare(a, b, opts, online)?))
}

/// `to` with the NOT NULL constraint names it leaves unsaid taken from
/// `from` (read from a PostgreSQL 18 server, where they are named): a name
/// not declared is not managed, so a constraint that kept its old name
/// through a rename, or got `..._not_null1`, is left as it is.
fn adopt_not_null_names<'a>(from: &Database, to: &'a Database) -> Cow<'a, Database> {
    if !from.server.0.is_some_and(|v| v.at_least(18)) {
        return Cow::Borrowed(to);
    }
    let live = |t: &str, c: &str| {
        from.tables
            .get(t)
            .and_then(|t| t.columns.get(c))
            .and_then(|c| c.not_null.as_ref())
            .and_then(|n| n.name.clone())
    };
    let unnamed = |t: &str, c: &str, col: &crate::model::Column| {
        !col.nullable
            && col.not_null.as_ref().is_none_or(|n| n.name.is_none())
            && live(t, c).is_some()
    };
    let any = to
        .tables
        .iter()
        .any(|(t, table)| table.columns.iter().any(|(c, col)| unnamed(t, c, col)));
    if !any {
        return Cow::Borrowed(to);
    }
    let mut out = to.clone();
    for (t, table) in out.tables.iter_mut() {
        for (c, col) in table.columns.iter_mut() {
            if unnamed(t, c, col) {
                col.not_null.get_or_insert_with(Default::default).name = live(t, c);
            }
        }
    }
    Cow::Owned(out)
}

/// The changes between two sides.
fn compare(
    a: Side<'_>,
    b: Side<'_>,
    opts: &DiffOptions,
    online: bool,
) -> Result<Vec<Change>, PlanError> {
    tracing::debug!(objects = a.objs.len() + b.objs.len(), "built both sides");
    let mut d = Differ {
        a: &a,
        b: &b,
        online,
        changes: Vec::new(),
        pending: Vec::new(),
        external: a.external.union(&b.external).cloned().collect(),
        frees: Vec::new(),
        remade: BTreeSet::new(),
    };
    d.run(opts)?;
    tracing::debug!(changes = d.changes.len(), "compared the sides");
    let Differ {
        mut changes,
        pending,
        frees,
        ..
    } = d;
    let mut b = b;
    fill(&mut changes, pending, &mut b.objs);
    for (seq, first) in frees {
        let made = (changes.iter_mut()).find(|c| c.id == seq && c.action == Action::Create);
        if let Some(c) = made {
            let why = "the identity's sequence of the same name is dropped first".to_string();
            c.after.push((first, why));
        }
    }
    Differ::partition_moves(&mut changes, a.db, b.db);
    Ok(changes)
}

/// Moves the id, group, statements and dependencies of each pending
/// change (by change and object index) out of its object, now that nothing
/// else reads them. An object named twice (never, today) gives each a copy.
fn fill(changes: &mut [Change], pending: Vec<(usize, usize)>, objs: &mut Objs) {
    let mut last = vec![usize::MAX; objs.len()];
    for (i, &(_, o)) in pending.iter().enumerate() {
        if let Some(l) = last.get_mut(o) {
            *l = i;
        }
    }
    for (i, &(at, o)) in pending.iter().enumerate() {
        let (Some(c), Some((_, y))) = (changes.get_mut(at), objs.get_index_mut(o)) else {
            continue;
        };
        if last[o] == i {
            c.id = std::mem::take(&mut y.id);
            c.group = y.group.take();
            c.up = std::mem::take(&mut y.create);
            c.down = std::mem::take(&mut y.drop);
            c.to_deps = std::mem::take(&mut y.deps);
            c.soft_deps = std::mem::take(&mut y.soft);
        } else {
            c.id = y.id.clone();
            c.group = y.group.clone();
            c.up = y.create.clone();
            c.down = y.drop.clone();
            c.to_deps = y.deps.clone();
            c.soft_deps = y.soft.clone();
        }
    }
}

/// Every id of either side in order, with its object on each side (on the
/// new side with its place there): a merge of the two maps, each sorted by
/// id (`Side::new`).
fn joined<'m, 'a>(
    a: &'m Objs<'a>,
    b: &'m Objs<'a>,
) -> impl Iterator<Item = (&'m Id, Option<&'m Obj<'a>>, Option<(usize, &'m Obj<'a>)>)> {
    debug_assert!(a.keys().is_sorted() && b.keys().is_sorted());
    let (mut a, mut b) = (a.iter().peekable(), b.iter().enumerate().peekable());
    std::iter::from_fn(move || {
        let first = match (a.peek(), b.peek()) {
            (Some((x, _)), Some((_, (y, _)))) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return None,
        };
        Some(match first {
            Ordering::Less => a.next().map(|(id, x)| (id, Some(x), None))?,
            Ordering::Greater => b.next().map(|(at, (id, y))| (id, None, Some((at, y))))?,
            Ordering::Equal => {
                let ((id, x), (at, (_, y))) = (a.next()?, b.next()?);
                (id, Some(x), Some((at, y)))
            }
        })
    })
}

/// A change to `o` with nothing to run yet.
fn base(o: &Obj<'_>, id: Id, action: Action, summary: String) -> Change {
    Change {
        group: o.group.clone(),
        ..ungrouped(o, id, action, summary)
    }
}

/// [`base`] without the group (a create has its group moved in by `fill`:
/// not copied only to be dropped).
fn ungrouped(o: &Obj<'_>, id: Id, action: Action, summary: String) -> Change {
    // Empty for a create whose id `fill` moves in.
    debug_assert!(id.is_empty() || id.object() == o.id.as_str());
    Change {
        id,
        group: None,
        part: matches!(o.shape, Shape::Column(..)),
        kind: o.kind,
        action,
        summary,
        up: vec![],
        down: vec![],
        hazards: vec![],
        transactional: true,
        from_deps: vec![],
        to_deps: vec![],
        soft_deps: vec![],
        slots: slots(o),
        after: vec![],
    }
}

pub(crate) fn hazard(code: Code, message: String) -> Hazard {
    Hazard::new(code, message)
}

/// An id as summaries show it: `kind_word:key` -> `kind word key`.
/// Written where it goes, never held.
pub(crate) struct Described<'a>(pub &'a str);

impl std::fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        id_words(self.0, |piece| f.write_str(piece))
    }
}

/// `<verb> <id described>`, e.g. `create table public.t`.
pub(crate) fn summary(verb: &str, id: &str) -> String {
    let mut out = String::with_capacity(verb.len() + 1 + id.len());
    out.push_str(verb);
    out.push(' ');
    let _ = id_words::<()>(id, |piece| {
        out.push_str(piece);
        Ok(())
    });
    out
}

/// The pieces of `id` as described, in order, each given to `put`.
fn id_words<E>(id: &str, mut put: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
    let (kind, rest) = crate::model::id::words(id);
    if kind.is_empty() {
        return put(rest);
    }
    for (i, word) in kind.split('_').enumerate() {
        if i > 0 {
            put(" ")?;
        }
        put(word)?;
    }
    put(" ")?;
    put(rest)
}

/// An in-place change of one object.
pub(crate) struct InPlace {
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub hazards: Vec<Hazard>,
    pub transactional: bool,
    /// Dependants of the object must be recreated (a column type change).
    pub breaks_dependants: bool,
    /// The down drops the object and creates the old one (a view that
    /// gained columns): what reads it must be dropped and created around.
    pub down_recreates: bool,
    /// What the change added NOT VALID, validated by a step of its own.
    pub validate: Option<Validation>,
    /// A second step of the change, ordered around a sequence's.
    pub then: Option<Box<Then>>,
    /// A type made again: the columns of it are moved over by `Differ`.
    pub swap: Option<Box<TypeSwap>>,
}

/// A type (an enum, a range type, a domain) renamed away, created again
/// and dropped, with what `Differ` knows in between: the columns of it.
pub(crate) struct TypeSwap {
    pub name: QualifiedName,
    /// A domain: renamed and dropped as one.
    pub domain: bool,
    /// What the old type was made with, renamed away after it so that the
    /// new type can take the names (a range type's multirange type and
    /// constructor functions), up and down; dropped with it.
    pub companions: (Vec<String>, Vec<String>),
    /// The statements that create the new and the old type (with owner,
    /// comment and grants).
    pub create: (Vec<String>, Vec<String>),
}

impl TypeSwap {
    /// The old type renamed to a name of its own, `create` run, `columns`
    /// (with the type they end up with) moved through text, the old type
    /// dropped.
    fn script(
        &self,
        create: &[String],
        companions: &[String],
        columns: &[Retyped<'_>],
    ) -> Vec<String> {
        let temp = QualifiedName::new(&self.name.schema, swap_name(&self.name.name));
        let kind = if self.domain { "DOMAIN" } else { "TYPE" };
        let mut out = vec![format!(
            "ALTER {kind} {} RENAME TO {};",
            self.name.sql(),
            quote_ident(&temp.name)
        )];
        out.extend(companions.iter().cloned());
        out.extend(create.iter().cloned());
        for c in columns {
            out.extend(table::retype_via_text(c.table, c.column, c.ty, c.defaults));
        }
        out.push(render::drop_object(if self.domain {
            render::Target::Domain(&temp)
        } else {
            render::Target::Type(&temp)
        }));
        out
    }
}

/// A column of a type made again, one way.
struct Retyped<'x> {
    table: &'x QualifiedName,
    column: &'x str,
    ty: &'x str,
    /// Whether it may have a default then, and the one it gets after.
    defaults: (bool, Option<&'x str>),
}

/// The name a type is renamed to while its replacement is made: within
/// PostgreSQL's 63 bytes.
pub(crate) fn swap_name(name: &str) -> String {
    const SUFFIX: &str = "__reconcile_old";
    let mut end = name.len().min(63 - SUFFIX.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{SUFFIX}", &name[..end])
}

/// The second half of a column's change that waits for a sequence
/// (`table::ColumnAlter`): the identity added once the serial's sequence,
/// whose name its sequence takes, is dropped; or the serial's default set
/// once its sequence is made, which waits for the first half to drop the
/// identity and its sequence of the same name.
pub(crate) struct Then {
    pub up: Vec<String>,
    pub down: Vec<String>,
    /// The id of that sequence.
    pub sequence: Id,
    pub adds_identity: bool,
}

/// The step that validates what an in-place change added NOT VALID (a
/// NOT NULL reached through a check): it runs after the change has
/// committed, in a transaction of its own (`migrations::group`).
pub(crate) struct Validation {
    pub summary: String,
    pub up: Vec<String>,
    pub down: Vec<String>,
    pub hazards: Vec<Hazard>,
}

pub(crate) enum Verdict {
    Same,
    Alter(InPlace),
    Recreate,
}

struct Differ<'a, 'b> {
    a: &'b Side<'a>,
    b: &'b Side<'a>,
    online: bool,
    changes: Vec<Change>,
    /// Changes that create an object of side b, by change and object
    /// index, whose id, group and statements are moved in by `fill` once
    /// the differ is done: copies would hold a first plan's SQL twice.
    pending: Vec<(usize, usize)>,
    external: BTreeSet<String>,
    /// (the id of a sequence created, the change it runs after): the
    /// change frees the sequence's name.
    frees: Vec<(Id, Id)>,
    /// Tables dropped and created again: what is on them is made with the
    /// new, empty table, as for a new one.
    remade: BTreeSet<Id>,
}

/// Kinds recreated when something they depend on is recreated.
fn follows_dependency(o: &Obj<'_>) -> bool {
    matches!(
        o.kind,
        StepKind::View
            | StepKind::MaterializedView
            | StepKind::Policy
            | StepKind::Trigger
            | StepKind::Rule
            | StepKind::Index
            | StepKind::Check
            | StepKind::ForeignKey
            | StepKind::Function
            | StepKind::Aggregate
            | StepKind::SequenceOwner
    ) && !matches!(o.shape, Shape::Column(..))
}

/// Kinds that break when a column type of a table they read changes
/// (PostgreSQL rebuilds indexes and constraints itself, and refuses the
/// change while a view, policy, trigger or SQL-standard function body
/// depends on the column).
fn breaks_on_type_change(o: &Obj<'_>) -> bool {
    match &o.shape {
        Shape::View(..) | Shape::Policy(..) | Shape::Rule(..) => true,
        Shape::Trigger(_, _, g) => g.when.is_some() || !g.columns.is_empty(),
        Shape::Function(_, f) => crate::ddl::render::is_sql_standard_body(f),
        _ => false,
    }
}

impl<'a> Differ<'a, '_> {
    fn external(&self, o: &Obj<'_>) -> bool {
        // Most models list nothing as external: no id is split for them.
        if self.external.is_empty() {
            return false;
        }
        // Declared on a table (external or not): this model's own.
        if matches!(
            o.shape,
            Shape::Policy(..) | Shape::Trigger(..) | Shape::Rule(..)
        ) {
            return false;
        }
        let key = o.group.as_ref().unwrap_or(&o.id).key();
        let schema = crate::model::name::split_dotted(key)
            .ok()
            .and_then(|p| p.first().cloned())
            .unwrap_or_default();
        if o.id.is(IdKind::Schema) {
            // A schema holding an external object is external too.
            let prefix = format!("{key}.");
            return self.external.contains(key)
                || self.external.iter().any(|e| e.starts_with(&prefix));
        }
        is_external(&self.external, &schema, key)
    }

    /// A table's part split off only because the table was new; when the
    /// table is on both sides its parts are compared instead.
    fn skip(&self, o: &Obj<'_>) -> bool {
        o.table_only
            .as_ref()
            .is_some_and(|k| self.a.db.tables.contains_key(k) && self.b.db.tables.contains_key(k))
            || self.external(o)
    }

    fn run(&mut self, opts: &DiffOptions) -> Result<(), PlanError> {
        let mut verdicts: BTreeMap<Id, Verdict> = BTreeMap::new();
        let mut type_changed: BTreeSet<Id> = BTreeSet::new();
        let mut created = Vec::new();
        // Where each created object is in the new side.
        let mut created_at = Vec::new();
        let mut dropped = Vec::new();
        for (id, x, y_at) in joined(&self.a.objs, &self.b.objs) {
            let y = y_at.map(|(_, y)| y);
            if x.is_some_and(|o| self.skip(o)) || y.is_some_and(|o| self.skip(o)) {
                continue;
            }
            match (x, y_at) {
                (Some(x), None) => dropped.push(x),
                (None, Some((at, y))) => {
                    created.push(y);
                    created_at.push(at);
                }
                (Some(x), Some((_, y))) => {
                    if !opts.allow_drop_add {
                        refuse_unmarked_value_renames(x, y)?;
                    }
                    let v = alter::compare(x, y, self.online, (self.a.db, self.b.db))?;
                    verdicts.insert(id.clone(), v);
                }
                (None, None) => {}
            }
        }
        if !opts.allow_drop_add {
            refuse_unmarked_table_renames(&dropped, &created)?;
        }
        // Tables on both sides: their parts.
        let mut parts_a: BTreeMap<Id, &Obj<'a>> = BTreeMap::new();
        let mut parts_b: BTreeMap<Id, &Obj<'a>> = BTreeMap::new();
        for (key, pa) in &self.a.parts {
            let Some(pb) = self.b.parts.get(key) else {
                continue;
            };
            // An external table has no object of its own: its parts are
            // not this model's.
            let table = self.a.objs.get(&Id::new(IdKind::Table, key));
            if table.is_none_or(|t| self.external(t)) {
                continue;
            }
            if !opts.allow_drop_add {
                table::refuse_unmarked_column_renames(key, pa, pb)?;
            }
            for o in pa {
                parts_a.insert(o.id.clone(), o);
            }
            for o in pb {
                parts_b.insert(o.id.clone(), o);
            }
        }
        let mut part_verdicts: BTreeMap<Id, Verdict> = BTreeMap::new();
        // Parts on one side only, dropped or created once it is known
        // whether their table is made again (then they go with it).
        let mut parts_gone: Vec<&Obj<'a>> = Vec::new();
        let mut parts_new: Vec<&Obj<'a>> = Vec::new();
        let mut part_ids: BTreeSet<&Id> = parts_a.keys().collect();
        part_ids.extend(parts_b.keys());
        for id in part_ids {
            match (parts_a.get(id), parts_b.get(id)) {
                (Some(x), Some(y)) => {
                    let native = self.a.db.server.0.is_some_and(|v| v.at_least(18));
                    // A column of the new primary key gets its NOT NULL
                    // from the key's own ADD, which scans under its lock
                    // anyway (and refuses a NOT NULL left NOT VALID).
                    let online = self.online && !self.in_new_primary_key(y);
                    let v = table::compare_part(x, y, online, native, (self.a.db, self.b.db))?;
                    if let Verdict::Alter(p) = &v {
                        if p.breaks_dependants {
                            type_changed.insert(x.group.clone().unwrap_or_default());
                            type_changed.insert(x.id.clone());
                        }
                    }
                    part_verdicts.insert(id.clone(), v);
                }
                // A partition's column comes and goes with its parent's,
                // and so does a table's that becomes or stops being one.
                (Some(x), None)
                    if !inherited_column(self.a.db, x) && !inherited_column(self.b.db, x) =>
                {
                    parts_gone.push(x);
                }
                (None, Some(y))
                    if !inherited_column(self.b.db, y) && !inherited_column(self.a.db, y) =>
                {
                    parts_new.push(y);
                }
                _ => {}
            }
        }
        // Enums made again: their columns are moved over in the enum's own
        // step, and what reads those columns or the type is recreated
        // around it.
        let mut swaps: BTreeMap<Id, Vec<&Obj<'a>>> = BTreeMap::new();
        for (id, v) in &verdicts {
            if !matches!(v, Verdict::Alter(InPlace { swap: Some(_), .. })) {
                continue;
            }
            self.refuse_swap_users(id)?;
            let columns: Vec<&Obj<'a>> = (parts_a.values().copied())
                .filter(|o| matches!(o.shape, Shape::Column(..)) && o.deps.contains(id))
                .filter(|o| parts_b.contains_key(&o.id) && !inherited_column(self.a.db, o))
                .collect();
            for c in &columns {
                type_changed.insert(c.id.clone());
                type_changed.extend(c.group.clone());
            }
            swaps.insert(id.clone(), columns);
        }
        // A key dropped while foreign keys still reference it (its index
        // is their `conindid`): they are dropped first and made again.
        let dropped_keys: BTreeSet<&str> = (parts_a.iter())
            .filter(|(id, o)| {
                !parts_b.contains_key(*id)
                    && matches!(o.shape, Shape::PrimaryKey(..) | Shape::Unique(..))
            })
            .map(|(id, _)| id.as_str())
            .chain(
                (dropped.iter())
                    .filter(|o| matches!(o.shape, Shape::Index(_, _, ix) if ix.unique))
                    .map(|o| o.id.as_str()),
            )
            .collect();
        // Recreate whatever depends on a recreated object.
        let mut recreated: BTreeSet<Id> = verdicts
            .iter()
            .chain(part_verdicts.iter())
            .filter(|(_, v)| matches!(v, Verdict::Recreate))
            .map(|(k, _)| k.clone())
            .collect();
        // A table made again takes its parts with it: what rests on them
        // (a foreign key on its key, a view on its columns) is made again.
        let side_a = self.a;
        let parts_of = |recreated: &mut BTreeSet<Id>, key: &str| {
            let parts = side_a.parts.get(key).map(Vec::as_slice).unwrap_or_default();
            recreated.extend(parts.iter().map(|o| o.id.clone()));
        };
        let tables: Vec<Id> = (recreated.iter())
            .filter(|id| id.is(IdKind::Table))
            .cloned()
            .collect();
        for t in &tables {
            parts_of(&mut recreated, t.key());
        }
        loop {
            let mut grew = false;
            let all = self.a.objs.values().chain(parts_a.values().copied());
            for o in all {
                if recreated.contains(&o.id) {
                    continue;
                }
                // A partition is dropped with its parent.
                if let Shape::Table(_, t) = &o.shape {
                    let parent = t
                        .partition_of
                        .as_ref()
                        .map(|p| Id::new(IdKind::Table, &p.parent));
                    if parent.is_some_and(|p| recreated.contains(&p))
                        && self.b.objs.contains_key(&o.id)
                        && verdicts.contains_key(&o.id)
                    {
                        recreated.insert(o.id.clone());
                        parts_of(&mut recreated, o.id.key());
                        grew = true;
                    }
                    continue;
                }
                if !follows_dependency(o) {
                    continue;
                }
                let both = (self.b.objs.contains_key(&o.id) && verdicts.contains_key(&o.id))
                    || parts_b.contains_key(&o.id);
                if !both {
                    continue;
                }
                let rests_on_dropped = matches!(o.shape, Shape::ForeignKey(..))
                    && o.deps.iter().any(|d| dropped_keys.contains(d.as_str()));
                let hit = o
                    .deps
                    .iter()
                    .any(|d| recreated.contains(d) || swaps.contains_key(d))
                    || rests_on_dropped
                    || (breaks_on_type_change(o) && self.reads_retyped(o, &type_changed));
                if hit {
                    recreated.insert(o.id.clone());
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        self.remade = (recreated.iter())
            .filter(|id| id.is(IdKind::Table))
            .cloned()
            .collect();
        for (id, v) in verdicts {
            let (x, y) = (&self.a.objs[&id], &self.b.objs[&id]);
            if recreated.contains(&id) {
                self.recreate(x, y)?;
            } else if let Verdict::Alter(mut p) = v {
                if p.down_recreates {
                    p.down = self.around_readers(&id, p.down, &recreated);
                }
                if let Some(swap) = p.swap.take() {
                    let columns = swaps.get(&id).map(Vec::as_slice).unwrap_or_default();
                    (p.up, p.down) = swap_scripts(&swap, columns, &parts_b);
                }
                self.alter(x, y, p);
            }
        }
        // Parts of a table made again are in its CREATE TABLE.
        let with_table = |o: &Obj<'_>| o.group.as_ref().is_some_and(|g| recreated.contains(g));
        for x in parts_gone.into_iter().filter(|o| !with_table(o)) {
            self.drop_part(x)?;
        }
        for y in parts_new.into_iter().filter(|o| !with_table(o)) {
            self.create_part(y, None)?;
        }
        for (id, v) in part_verdicts {
            let (x, y) = (parts_a[&id], parts_b[&id]);
            if with_table(x) {
                continue;
            }
            if recreated.contains(&id) {
                let drop_id = self.drop_part(x)?;
                self.create_part(y, Some(drop_id))?;
            } else if let Verdict::Alter(p) = v {
                self.alter(x, y, p);
            }
        }
        self.changes.reserve(dropped.len() + created.len());
        for x in dropped {
            self.drop(x, None);
        }
        for (y, at) in created.into_iter().zip(created_at) {
            self.create_at(y, Some(at), None);
        }
        self.chain_new_columns();
        self.column_grants_after_table_revokes();
        self.around_swaps(&swaps);
        self.replica_identities();
        Ok(())
    }

    /// An enum is made again with its columns in one step: what reads them
    /// is dropped before it and created after, and the columns' own
    /// changes come after it.
    fn around_swaps(&mut self, swaps: &BTreeMap<Id, Vec<&Obj<'_>>>) {
        for (id, columns) in swaps {
            let cols: BTreeSet<&str> = columns.iter().map(|c| c.id.as_str()).collect();
            let mut touched = cols.clone();
            touched.extend(columns.iter().filter_map(|c| c.group.as_deref()));
            let mut before = Vec::new();
            for c in self.changes.iter_mut().filter(|c| c.id != *id) {
                let reads = |deps: &[Id]| deps.iter().any(|d| touched.contains(d.as_str()));
                match c.action {
                    Action::Drop if reads(&c.from_deps) => before.push(c.id.clone()),
                    Action::Create if reads(&c.to_deps) => c
                        .after
                        .push((id.clone(), "its columns' type is made again first".into())),
                    Action::Alter if cols.contains(c.obj()) => c
                        .after
                        .push((id.clone(), "its type is made again first".into())),
                    _ => {}
                }
            }
            if let Some(c) = self.changes.iter_mut().find(|c| c.id == *id) {
                let why = "reads a column whose type is made again";
                c.after
                    .extend(before.into_iter().map(|b| (b, why.to_string())));
            }
        }
    }

    /// Refuses a type made again while a domain, composite or range type is
    /// based on it: those would have to be made again too.
    fn refuse_swap_users(&self, id: &str) -> Result<(), PlanError> {
        let user = self.a.objs.values().find(|o| {
            matches!(
                o.shape,
                Shape::Domain(..) | Shape::Composite(..) | Shape::Range(..)
            ) && o.deps.iter().any(|d| d == id)
                && self.b.objs.contains_key(&o.id)
        });
        match user {
            Some(o) => Err(PlanError::Invalid {
                what: Described(id).to_string(),
                message: format!(
                    "the change needs a new type, and {} is based on it: recreating it is not planned; move its users to a new type in steps",
                    Described(&o.id)
                ),
            }),
            None => Ok(()),
        }
    }

    /// Replica identities that name an index, on tables on both sides
    /// (see `table::replica_identity`).
    fn replica_identities(&mut self) {
        let mut out = Vec::new();
        for (key, b) in &self.b.db.tables {
            let Some(a) = self.a.db.tables.get(key) else {
                continue;
            };
            if a.replica_identity == b.replica_identity {
                continue;
            }
            let id = Id::new(IdKind::Table, key);
            let Some(Shape::Table(q, _)) = self.b.objs.get(&id).map(|y| &y.shape) else {
                continue;
            };
            if self.a.objs.get(&id).is_none_or(|x| self.external(x)) {
                continue;
            }
            let Some((up, down)) = table::replica_identity(q, a, b) else {
                continue;
            };
            let rid = Id::new(IdKind::ReplicaIdentity, key);
            let mut to_deps = vec![id.clone()];
            to_deps.extend(table::replica_identity_index(key, b));
            out.push(Change {
                summary: summary("alter", &rid),
                id: rid,
                group: Some(id),
                part: false,
                kind: StepKind::Table,
                action: Action::Alter,
                up: vec![up],
                down: vec![down],
                hazards: vec![],
                transactional: true,
                from_deps: table::replica_identity_index(key, a).into_iter().collect(),
                to_deps,
                soft_deps: vec![],
                slots: vec![],
                after: vec![],
            });
        }
        self.changes.extend(out);
    }

    /// A table attached as a partition must first have the columns and
    /// keys its parent needs: its parts change before the attach. One that
    /// only leaves its parent leaves it first, then its parts change.
    fn partition_moves(changes: &mut [Change], from: &Database, to: &Database) {
        let mut attach = BTreeSet::new();
        let mut detach = BTreeSet::new();
        for (key, b) in &to.tables {
            let Some(a) = from.tables.get(key) else {
                continue;
            };
            if a.partition_of == b.partition_of || a.partition_by != b.partition_by {
                continue;
            }
            let id = Id::new(IdKind::Table, key);
            if b.partition_of.is_some() {
                attach.insert(id);
            } else {
                detach.insert(id);
            }
        }
        if attach.is_empty() && detach.is_empty() {
            return;
        }
        let mut before: Vec<(Id, Id)> = Vec::new();
        for c in changes.iter_mut() {
            let Some(g) = c.group.clone().filter(|_| c.action != Action::Rename) else {
                continue;
            };
            if attach.contains(&g) {
                // The table is there already: only its attach waits.
                c.to_deps.retain(|d| *d != g);
                c.soft_deps.retain(|d| *d != g);
                before.push((g, c.id.clone()));
            }
        }
        for c in changes.iter_mut() {
            match c.group.as_ref() {
                Some(g) if detach.contains(g) => {
                    let why = "its table leaves its parent first".to_string();
                    c.after.push((g.clone(), why));
                }
                _ => {}
            }
        }
        for (table, part) in before {
            let change = (changes.iter_mut()).find(|c| c.id == table && c.action == Action::Alter);
            if let Some(c) = change {
                let why = "the table gets the columns and keys its parent needs first".to_string();
                c.after.push((part, why));
            }
        }
    }

    /// A table-level REVOKE also takes the privilege from every column, so
    /// a table whose privileges are revoked has them revoked before its
    /// columns' grants change (and, the down script being the reverse,
    /// given back after).
    fn column_grants_after_table_revokes(&mut self) {
        let revoking: BTreeSet<Id> = (self.changes.iter())
            .filter(|c| c.action == Action::Alter && !c.part)
            .filter(|c| c.up.iter().any(|s| s.starts_with("REVOKE ")))
            .map(|c| c.id.clone())
            .collect();
        for c in self.changes.iter_mut() {
            let grants = |s: &String| s.starts_with("GRANT ") || s.starts_with("REVOKE ");
            if !(c.action == Action::Alter && c.part && c.up.iter().any(grants)) {
                continue;
            }
            if let Some(table) = c.group.as_ref().filter(|g| revoking.contains(*g)) {
                let why = "its table's privileges are revoked first".to_string();
                c.after.push((table.clone(), why));
            }
        }
    }

    /// New columns of a table are added in the order the table declares
    /// them (a column's place cannot be changed later): each after the
    /// one before it.
    fn chain_new_columns(&mut self) {
        let added: BTreeMap<&str, usize> = (self.changes.iter().enumerate())
            .filter(|(_, c)| c.action == Action::Create && c.part)
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        if added.len() < 2 {
            return;
        }
        let mut chains: Vec<(usize, Id)> = Vec::new();
        for parts in self.b.parts.values() {
            let mut prev: Option<&Id> = None;
            for o in parts
                .iter()
                .filter(|o| matches!(o.shape, Shape::Column(..)))
            {
                if let Some(&i) = added.get(o.id.as_str()) {
                    if let Some(p) = prev {
                        chains.push((i, p.clone()));
                    }
                    prev = Some(&o.id);
                }
            }
        }
        for (i, p) in chains {
            self.changes[i]
                .after
                .push((p, "the column before it in the table".into()));
        }
    }

    /// Whether `o` reads a column whose type changes. An introspected side
    /// knows which columns each object reads (pg_depend); a model from
    /// files only which tables, so any column of them counts.
    fn reads_retyped(&self, o: &Obj<'_>, type_changed: &BTreeSet<Id>) -> bool {
        let by_column = self.a.db.depends.present;
        o.deps
            .iter()
            .any(|d| type_changed.contains(d) && (!by_column || d.is(IdKind::Column)))
    }

    /// `down` (drop the object, create the old one) wrapped in the drops and
    /// creates of what reads the object, transitively, as it stands when
    /// the down runs: objects this plan drops or recreates are not there
    /// then, and are left out.
    fn around_readers(&self, id: &str, down: Vec<String>, recreated: &BTreeSet<Id>) -> Vec<String> {
        let stays = |o: &Obj<'_>| {
            !recreated.contains(&o.id) && self.b.objs.contains_key(&o.id) && !self.external(o)
        };
        let mut set: BTreeSet<&str> = BTreeSet::from([id]);
        loop {
            let more: Vec<&str> = self
                .a
                .objs
                .values()
                .filter(|o| !set.contains(o.id.as_str()) && stays(o))
                .filter(|o| o.deps.iter().any(|d| set.contains(d.as_str())))
                .map(|o| o.id.as_str())
                .collect();
            if more.is_empty() {
                break;
            }
            set.extend(more);
        }
        set.remove(id);
        // Creation order: each after what it reads within the set.
        let mut order: Vec<&Obj<'_>> = Vec::new();
        let mut left: Vec<&Obj<'_>> = set.iter().map(|k| &self.a.objs[*k]).collect();
        while !left.is_empty() {
            let placed: BTreeSet<&str> = order.iter().map(|o| o.id.as_str()).collect();
            let ready = left.iter().position(|o| {
                o.deps
                    .iter()
                    .all(|d| !set.contains(d.as_str()) || placed.contains(d.as_str()) || d == &o.id)
            });
            // A cycle cannot come from pg_depend; take the first to be safe.
            let next = left.remove(ready.unwrap_or(0));
            order.push(next);
        }
        let mut out: Vec<String> = order.iter().rev().flat_map(|o| o.drop.clone()).collect();
        out.extend(down);
        out.extend(order.iter().flat_map(|o| o.create.clone()));
        out
    }

    /// Whether `o` is a column of its table's primary key in the new model.
    fn in_new_primary_key(&self, o: &Obj<'_>) -> bool {
        let Shape::Column(q, n, _) = &o.shape else {
            return false;
        };
        self.b
            .db
            .tables
            .get(&q.to_string())
            .and_then(|t| t.primary_key.as_ref())
            .is_some_and(|pk| pk.columns.iter().any(|c| c == n))
    }

    /// Whether the table (or view) an object belongs to already exists
    /// (and is not made again).
    fn parent_exists(&self, o: &Obj<'_>) -> bool {
        o.group.as_ref().is_some_and(|g| {
            let key = g.key();
            !self.remade.contains(g)
                && (self.a.db.tables.contains_key(key) || self.a.db.views.contains_key(key))
        })
    }

    fn parent_survives(&self, o: &Obj<'_>) -> bool {
        o.group.as_ref().is_some_and(|g| {
            if self.remade.contains(g) {
                return false;
            }
            let key = g.key();
            self.b.db.tables.contains_key(key) || self.b.db.views.contains_key(key)
        })
    }

    fn drop(&mut self, x: &Obj<'_>, id: Option<Id>) -> Id {
        let id = id.unwrap_or_else(|| x.id.clone());
        if x.drop.is_empty() {
            return id;
        }
        let mut c = base(x, id.clone(), Action::Drop, summary("drop", &x.id));
        c.up = x.drop.clone();
        c.down = x.create.clone();
        c.from_deps = x.deps.clone();
        match &x.shape {
            Shape::Table(q, _) => {
                c.hazards.push(hazard(
                    Code::DropTable,
                    format!("drops table {q} and its data"),
                ));
                data_note(&mut c.down, &q.to_string());
            }
            Shape::Policy(q, n, p) if self.parent_survives(x) => {
                let roles = same::roles(p).join(", ");
                c.hazards.push(if id.stage() == Some(Stage::Drop) {
                    // The planner keeps the two in one transaction
                    // (`plan::order`), and says so when it cannot.
                    hazard(
                        Code::PolicyRecreated,
                        format!("policy {n} on {q} is dropped and created again in the same transaction: no moment without it"),
                    )
                } else if p.restrictive {
                    hazard(
                        Code::RowsWidened,
                        format!("dropping restrictive policy {n} on {q} adds rows: what it kept from {roles} becomes visible where another policy allows it"),
                    )
                } else {
                    hazard(
                        Code::AccessNarrowed,
                        format!("dropping permissive policy {n} on {q} removes the rows it let {roles} see or write"),
                    )
                });
            }
            Shape::Index(q, n, _) if self.online && self.parent_survives(x) => {
                let index = QualifiedName::new(&q.schema, *n);
                c.up = vec![render::drop_index(&index, render::Mode::Concurrently)];
                c.transactional = false;
            }
            Shape::Publication(n, p) if !p.external && id.stage() != Some(Stage::Drop) => {
                c.hazards.push(hazard(
                    Code::PublicationDropped,
                    format!("drops publication {n}: its subscribers stop receiving changes"),
                ))
            }
            Shape::View(q, v) if v.materialized => c.hazards.push(hazard(
                Code::DropMaterializedView,
                format!("drops materialized view {q}; its data is computed again on create"),
            )),
            _ => {}
        }
        self.changes.push(c);
        id
    }

    fn create(&mut self, y: &Obj<'_>, after_drop: Option<Id>) {
        self.create_at(y, None, after_drop)
    }

    /// [`Differ::create`] of an object whose place in the new side (`at`)
    /// may be known already.
    fn create_at(&mut self, y: &Obj<'_>, at: Option<usize>, after_drop: Option<Id>) {
        if y.create.is_empty() {
            return;
        }
        // The id and group are set below, or moved in by `fill`.
        let mut c = ungrouped(y, Id::default(), Action::Create, summary("create", &y.id));
        let recreated = after_drop.is_some();
        if let Some(d) = after_drop {
            c.after
                .push((d, "dropped first to be created again".into()));
        }
        let existing = self.parent_exists(y);
        // The statements, when they are rewritten here; else moved in later.
        let mut up = None;
        let mut down = None;
        let mut validate = None;
        let partitioned = |q: &crate::model::QualifiedName| {
            (self.a.db.tables.get(&q.to_string())).is_some_and(|t| t.partition_by.is_some())
        };
        match &y.shape {
            Shape::Index(q, n, ix) if existing => {
                let partitioned = partitioned(q);
                let concurrently = self.online && !partitioned;
                if concurrently {
                    // The index's own statement, then its comment and the like.
                    let mut sql = vec![render::create_index(n, q, ix, render::Mode::Concurrently)];
                    sql.extend(y.create.iter().skip(1).cloned());
                    // Each statement runs as a migration of its own, so each
                    // needs its own undo.
                    let iq = QualifiedName::new(&q.schema, *n);
                    let mut undo: Vec<String> = (ix.columns.iter().enumerate().rev())
                        .filter(|(_, e)| e.statistics.is_some())
                        .map(|(k, _)| render::set_index_statistics(&iq, k + 1, None))
                        .collect();
                    undo.extend(extras::comment(
                        render::Target::Index(&iq),
                        &ix.comment,
                        &None,
                    ));
                    undo.extend(y.drop.iter().cloned());
                    if undo.len() == sql.len() {
                        down = Some(undo);
                    }
                    up = Some(sql);
                    c.transactional = false;
                }
                c.hazards.push(if concurrently {
                    hazard(
                        Code::IndexBuild,
                        format!(
                            "builds index {n} on {q} CONCURRENTLY: reads and writes go on (it waits for transactions already running, and a failed build leaves an INVALID index the next apply builds again)"
                        ),
                    )
                } else {
                    hazard(
                        Code::IndexBuild,
                        format!(
                            "builds index {n} on {q}{} under a SHARE lock: reads go on, writes wait until it is built",
                            if partitioned { " (partitioned: CONCURRENTLY is refused)" } else { "" }
                        ),
                    )
                });
            }
            Shape::ForeignKey(q, n, fk) if existing => {
                // PostgreSQL has no NOT VALID foreign key on a partitioned
                // table: it is checked as it is added.
                let online = self.online && !fk.not_valid && !fk.not_enforced && !partitioned(q);
                let locks = format!(
                    "a SHARE ROW EXCLUSIVE lock on {q} and on {}",
                    fk.references.split('(').next().unwrap_or_default().trim()
                );
                c.hazards.push(if fk.not_enforced {
                    hazard(
                        Code::ConstraintNotEnforced,
                        format!("adds foreign key {n} on {q} NOT ENFORCED: {locks} for an instant, never checked"),
                    )
                } else if online || fk.not_valid {
                    hazard(
                        Code::ConstraintNotValid,
                        format!(
                            "adds foreign key {n} on {q} NOT VALID: {locks} for an instant (writes wait, reads go on), no scan; new rows are checked from then on{}",
                            if fk.not_valid { "" } else { ", the old ones by VALIDATE after it commits" }
                        ),
                    )
                } else {
                    hazard(
                        Code::ConstraintScan,
                        format!(
                            "foreign key {n} on {q} checks every row under {locks}: writes wait until it is done"
                        ),
                    )
                });
                // The foreign key's own statement with the model's NOT VALID
                // flag set, then its comment. (It rendered once already: the
                // same references render again.)
                let fk = crate::model::ForeignKey {
                    not_valid: true,
                    ..(*fk).clone()
                };
                let add = render::add_foreign_key(q, n, &fk).ok().filter(|_| online);
                if let Some(add) = add {
                    let mut sql = vec![add];
                    sql.extend(y.create.iter().skip(1).cloned());
                    up = Some(sql);
                    validate = Some((q.clone(), n.to_string()));
                }
            }
            // The create half of a recreation changes nothing by itself.
            Shape::Policy(q, n, p) if existing && !recreated => {
                let roles = same::roles(p).join(", ");
                c.hazards.push(if p.restrictive {
                    hazard(
                        Code::AccessNarrowed,
                        format!(
                            "restrictive policy {n} on {q} removes rows {roles} may see or write"
                        ),
                    )
                } else {
                    hazard(
                        Code::PolicyAdded,
                        format!(
                            "permissive policy {n} on {q} only adds rows {roles} may see or write"
                        ),
                    )
                });
            }
            Shape::Publication(n, p) => {
                c.hazards.extend(publication::created(n, p, self.b.db));
            }
            Shape::View(q, v) if v.materialized && !v.with_no_data => c.hazards.push(hazard(
                Code::MaterializedViewBuild,
                format!("computes materialized view {q}"),
            )),
            _ => {}
        }
        let at = at.or_else(|| self.b.objs.get_index_of(&y.id));
        match (up, at) {
            (None, Some(at)) => self.pending.push((self.changes.len(), at)),
            (up, _) => {
                c.id = y.id.clone();
                c.group = y.group.clone();
                c.up = up.unwrap_or_else(|| y.create.clone());
                c.down = down.unwrap_or_else(|| y.drop.clone());
                c.to_deps = y.deps.clone();
                c.soft_deps = y.soft.clone();
            }
        }
        let add = c.up.first().cloned().unwrap_or_default();
        self.changes.push(c);
        if let Some((q, n)) = validate {
            self.validate(y, &y.id, &q, &n, add);
        }
    }

    /// The validation of constraint `n` on `q`, which change `add_id`
    /// added NOT VALID with the statement `add`.
    fn validate(
        &mut self,
        o: &Obj<'_>,
        add_id: &Id,
        q: &crate::model::QualifiedName,
        n: &str,
        add: String,
    ) {
        let mut v = base(
            o,
            o.id.at(Stage::Validate),
            Action::Alter,
            format!("validate constraint {n} on {q}"),
        );
        v.slots.clear();
        v.up = vec![format!(
            "ALTER TABLE {} VALIDATE CONSTRAINT {};",
            q.sql(),
            crate::model::quote_ident(n)
        )];
        let also = match &o.shape {
            Shape::ForeignKey(_, _, fk) => format!(
                " and a ROW SHARE lock on {}",
                fk.references.split('(').next().unwrap_or_default().trim()
            ),
            _ => String::new(),
        };
        v.hazards.push(hazard(
            Code::Validate,
            format!(
                "VALIDATE scans every row of {q} under a SHARE UPDATE EXCLUSIVE lock{also}: reads and writes go on; it runs after the ADD has committed, in a transaction of its own"
            ),
        ));
        // Back to NOT VALID: dropped and added again, without a scan.
        v.down = vec![
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                q.sql(),
                crate::model::quote_ident(n)
            ),
            add,
        ];
        v.after
            .push((add_id.clone(), "added NOT VALID first".into()));
        self.changes.push(v);
    }

    fn recreate(&mut self, x: &Obj<'_>, y: &Obj<'_>) -> Result<(), PlanError> {
        let drop_id = self.drop(x, Some(x.id.at(Stage::Drop)));
        if let Some(c) = self.changes.last_mut() {
            c.summary = format!("drop {} (to create it again)", Described(&x.id));
        }
        self.create(y, Some(drop_id));
        Ok(())
    }

    fn alter(&mut self, x: &Obj<'_>, y: &Obj<'_>, p: InPlace) {
        let mut c = base(y, y.id.clone(), Action::Alter, summary("alter", &y.id));
        c.slots.clear();
        c.up = p.up;
        c.down = p.down;
        c.hazards = p.hazards;
        c.transactional = p.transactional;
        c.from_deps = x.deps.clone();
        c.to_deps = y.deps.clone();
        c.soft_deps = y.soft.clone();
        if let Some(t) = &p.then {
            if !t.adds_identity {
                // What needs the new sequence is the second half.
                c.to_deps.retain(|d| *d != t.sequence);
                self.frees.push((t.sequence.clone(), c.id.clone()));
            }
        }
        let first = c.id.clone();
        self.changes.push(c);
        if let Some(t) = p.then {
            let (stage, what, why) = if t.adds_identity {
                (
                    Stage::Identity,
                    "add the identity of",
                    "frees the name of the identity's sequence",
                )
            } else {
                (Stage::Default, "set the default of", "the default reads it")
            };
            let summary = format!("{what} {}", Described(&y.id));
            let mut s = base(y, y.id.at(stage), Action::Alter, summary);
            s.slots.clear();
            s.up = t.up;
            s.down = t.down;
            s.to_deps = y.deps.clone();
            s.after
                .push((first, "the column's change before it".into()));
            if t.adds_identity {
                s.after.push((t.sequence, why.into()));
            }
            self.changes.push(s);
        }
        if let Some(v) = p.validate {
            let mut s = base(y, y.id.at(Stage::Validate), Action::Alter, v.summary);
            s.slots.clear();
            s.part = false;
            s.up = v.up;
            s.down = v.down;
            s.hazards = v.hazards;
            s.after.push((y.id.clone(), "added NOT VALID first".into()));
            self.changes.push(s);
        }
    }

    fn drop_part(&mut self, x: &Obj<'_>) -> Result<Id, PlanError> {
        let (create, drop) = table::part_sql(x, false)?;
        let recreate = self.b.parts.values().flatten().any(|o| o.id == x.id);
        let id = if recreate {
            x.id.at(Stage::Drop)
        } else {
            x.id.clone()
        };
        let mut c = base(x, id.clone(), Action::Drop, summary("drop", &x.id));
        c.up = drop;
        c.down = create;
        c.from_deps = x.deps.clone();
        if let Shape::Column(q, n, _) = &x.shape {
            c.hazards.push(hazard(
                Code::DropColumn,
                format!("drops column {n} of {q} and its data"),
            ));
            data_note(
                &mut c.down,
                &format!("{q}.{}", crate::model::name::key_part(n)),
            );
        }
        self.changes.push(c);
        Ok(id)
    }

    fn create_part(&mut self, y: &Obj<'_>, after_drop: Option<Id>) -> Result<(), PlanError> {
        let online = self.online;
        let (create, drop) = table::part_sql(y, online)?;
        let mut c = base(y, y.id.clone(), Action::Create, summary("create", &y.id));
        c.up = create;
        c.down = drop;
        c.to_deps = y.deps.clone();
        if let Some(d) = after_drop {
            c.after
                .push((d, "dropped first to be created again".into()));
        }
        c.hazards = table::part_hazards(y, online);
        let validate = match &y.shape {
            Shape::Check(q, n, ch) if online && !ch.not_valid && !ch.not_enforced => {
                Some((q.clone(), n.to_string()))
            }
            _ => None,
        };
        let id = c.id.clone();
        let add = c.up.first().cloned().unwrap_or_default();
        self.changes.push(c);
        if let Some((q, n)) = validate {
            self.validate(y, &id, &q, &n, add);
        }
        Ok(())
    }
}

/// The up and down scripts of an enum made again: each column keeps its
/// type's name; its default is the new model's when its type stays (set
/// before the column's own change) and the old one's on the way back.
fn swap_scripts(
    swap: &TypeSwap,
    columns: &[&Obj<'_>],
    parts_b: &BTreeMap<Id, &Obj<'_>>,
) -> (Vec<String>, Vec<String>) {
    let mut up = Vec::new();
    let mut down = Vec::new();
    for o in columns {
        let Shape::Column(q, n, a) = &o.shape else {
            continue;
        };
        let b = match parts_b.get(&o.id).map(|o| &o.shape) {
            Some(Shape::Column(_, _, b)) if b.type_ == a.type_ => b.default.as_deref(),
            _ => None,
        };
        let a_default = a.default.as_deref();
        let one = |defaults| Retyped {
            table: q,
            column: n,
            ty: &a.type_,
            defaults,
        };
        up.push(one((a_default.is_some(), b)));
        down.push(one((a_default.is_some() || b.is_some(), a_default)));
    }
    (
        swap.script(&swap.create.0, &swap.companions.0, &up),
        swap.script(&swap.create.1, &swap.companions.1, &down),
    )
}

/// Refuses an enum that loses values and gains others, unless marked:
/// a value renamed is kept by RENAME VALUE, while a new type would lose
/// every row holding the old label.
fn refuse_unmarked_value_renames(x: &Obj<'_>, y: &Obj<'_>) -> Result<(), PlanError> {
    let (Shape::Enum(q, a), Shape::Enum(_, b)) = (&x.shape, &y.shape) else {
        return Ok(());
    };
    let has = |e: &crate::model::EnumType, v: &str| e.values.iter().any(|x| x.name == v);
    let gone = a.values.iter().find(|v| !has(b, &v.name));
    let new = b.values.iter().find(|v| !has(a, &v.name));
    match (gone, new) {
        (Some(old), Some(new)) => Err(PlanError::Invalid {
            what: format!("enum {q}"),
            message: format!(
                "value {} is removed and value {} is added: if this is a rename, write the value as {{ name: {}, renamed_from: {} }}; to really remove one and add the other, allow drop+add",
                quote_literal(&old.name),
                quote_literal(&new.name),
                new.name,
                old.name
            ),
        }),
        _ => Ok(()),
    }
}

/// Whether `o` is a column of a partition that its parent in `db` has too:
/// PostgreSQL adds and drops such a column with the parent's, and refuses
/// either on the partition.
fn inherited_column(db: &crate::model::Database, o: &Obj<'_>) -> bool {
    let Shape::Column(q, n, _) = &o.shape else {
        return false;
    };
    db.tables
        .get(&q.to_string())
        .and_then(|t| t.partition_of.as_ref())
        .and_then(|p| db.tables.get(&p.parent))
        .is_some_and(|parent| parent.columns.contains_key(*n))
}

/// `ALTER TABLE ... ADD CONSTRAINT ...;` -> `... NOT VALID;`
/// Marks the first down statement: the structure comes back, the data not.
fn data_note(down: &mut [String], what: &str) {
    if let Some(first) = down.first_mut() {
        *first = format!("-- data in {what} is not restored\n{first}");
    }
}

/// The names `o` frees or takes: index and constraint names share a
/// namespace per schema; constraint names are unique per table; other
/// objects by id.
fn slots(o: &Obj<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let rel = |q: &crate::model::QualifiedName, n: &str| {
        format!("rel:{}", crate::model::QualifiedName::new(&q.schema, n))
    };
    let con = |q: &crate::model::QualifiedName, n: &str| format!("con:{q}.{n}");
    match &o.shape {
        Shape::Index(q, n, _) => out.push(rel(q, n)),
        Shape::Unique(q, n, _) | Shape::Exclusion(q, n, _) => {
            out.push(rel(q, n));
            out.push(con(q, n));
        }
        Shape::PrimaryKey(q, pk) => {
            let n = pk.name.clone().unwrap_or(format!("{}_pkey", q.name));
            out.push(rel(q, &n));
            out.push(con(q, &n));
        }
        Shape::Check(q, n, _) | Shape::ForeignKey(q, n, _) => out.push(con(q, n)),
        _ => {}
    }
    out
}

fn refuse_unmarked_table_renames(
    dropped: &[&Obj<'_>],
    created: &[&Obj<'_>],
) -> Result<(), PlanError> {
    for x in dropped {
        let Shape::Table(xq, xt) = &x.shape else {
            continue;
        };
        for y in created {
            let Shape::Table(yq, yt) = &y.shape else {
                continue;
            };
            let cols = |t: &crate::model::Table| {
                t.columns
                    .iter()
                    .map(|(n, c)| (n.clone(), c.type_.clone()))
                    .collect::<BTreeMap<_, _>>()
            };
            if xq.schema == yq.schema && cols(xt) == cols(yt) {
                return Err(PlanError::Invalid {
                    what: format!("table {yq}"),
                    message: format!(
                        "{xq} is dropped and {yq} with the same columns is created: if this is a rename, add `renamed_from: {}` to {yq}; to really drop and create, allow drop+add",
                        xq.name
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_described_with_their_kind_in_words() {
        let cases = [
            ("table:public.users", "table public.users"),
            ("materialized_view:public.v", "materialized view public.v"),
            (
                "default_privileges:r:public:tables",
                "default privileges r:public:tables",
            ),
            ("column:public.t.\"a b\"", "column public.t.\"a b\""),
            ("no kind", "no kind"),
        ];
        for (id, want) in cases {
            assert_eq!(Described(id).to_string(), want);
            assert_eq!(summary("drop", id), format!("drop {want}"));
        }
    }

    fn obj(id: &str, sql: &str) -> Obj<'static> {
        Obj {
            id: id.into(),
            kind: StepKind::Table,
            group: None,
            create: vec![sql.into()],
            drop: vec![format!("DROP {id};")],
            deps: vec!["schema:app".into()],
            soft: vec![],
            shape: Shape::Statement(sql.into()),
            table_only: None,
        }
    }

    #[test]
    fn pending_changes_get_their_objects_statements_once_each() {
        let mut objs: Objs = ["a", "b"]
            .into_iter()
            .map(|id| (id.into(), obj(id, &format!("CREATE {id};"))))
            .collect();
        let change = |id: &str| base(&objs[id], Id::default(), Action::Create, String::new());
        let mut changes = vec![change("a"), change("b"), change("a")];
        let pending = vec![(0, 0), (1, 1), (2, 0)];
        fill(&mut changes, pending, &mut objs);
        for (c, id) in changes.iter().zip(["a", "b", "a"]) {
            assert_eq!((c.id.as_str(), c.obj()), (id, id));
            assert_eq!(c.up, [format!("CREATE {id};")], "{}", c.id);
            assert_eq!(c.down, [format!("DROP {id};")], "{}", c.id);
            assert_eq!(c.to_deps, ["schema:app"], "{}", c.id);
        }
        // Moved out, not copied, where an object was named once (or last).
        assert!(objs["a"].create.is_empty() && objs["b"].create.is_empty());
        assert!(objs["a"].id.is_empty() && objs["b"].id.is_empty());
    }
}

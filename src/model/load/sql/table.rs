//! A table's statements: CREATE TABLE, ALTER TABLE, CREATE INDEX, CREATE
//! POLICY, CREATE TRIGGER, and comments on a table's parts.

use pg_query::protobuf::{self as pb, node::Node as N, ConstrType, ObjectType, Token};

use super::stmt::{
    creation_schema, def_text, new_rel, qualified, rel, role_node, ty, written_expr, DEFAULT_STOPS,
};
use super::text::{expr_text, first_location};
use super::{stmt_end, stmt_start, strings, Done, Item, Refusal, Translator};
use crate::model::canon::keys::references_text;
use crate::model::rule::split_rule;
use crate::model::types::*;
use crate::model::QualifiedName;

pub(super) fn create(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateStmt) -> Done {
    let rv = s.relation.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let q = new_rel(item, rv);
    let key = q.to_string();
    if s.of_typename.is_some() {
        return Err(Refusal::new("a typed table (OF type) is not supported"));
    }
    let mut tab = Table {
        unlogged: rv.relpersistence == "u",
        ..Default::default()
    };
    t.place(item, &["tables", &key], None);
    for e in &s.table_elts {
        match e.node.as_ref() {
            Some(N::ColumnDef(cd)) => column(t, item, &q, &mut tab, cd, s.partbound.is_some())?,
            Some(N::Constraint(c)) => constraint(t, item, &q, &mut tab, c, None)?,
            _ => {
                return Err(Refusal::new(
                    "LIKE and other table elements are not supported",
                ))
            }
        }
    }
    if let Some(spec) = &s.partspec {
        tab.partition_by = Some(partition_by(spec)?);
    }
    if s.partbound.is_none() {
        for p in &s.inh_relations {
            let Some(N::RangeVar(parent)) = p.node.as_ref() else {
                return Err(Refusal::new("a parent table is not a name"));
            };
            tab.inherits.push(rel(t, item, parent).to_string());
        }
    }
    if let Some(bound) = &s.partbound {
        let Some(N::RangeVar(parent)) = s.inh_relations.first().and_then(|n| n.node.as_ref())
        else {
            return Err(Refusal::new("a partition needs its parent"));
        };
        tab.partition_of = Some(PartitionOf {
            parent: rel(t, item, parent).to_string(),
            bound: bound_text(t, item, bound)?,
        });
    }
    for o in &s.options {
        if let Some(N::DefElem(d)) = o.node.as_ref() {
            tab.options.insert(d.defname.clone(), def_text(d));
        }
    }
    t.db.tables.insert(key, tab);
    Ok(())
}

fn partition_by(spec: &pb::PartitionSpec) -> Result<String, Refusal> {
    let strategy = match pb::PartitionStrategy::try_from(spec.strategy) {
        Ok(pb::PartitionStrategy::List) => "LIST",
        Ok(pb::PartitionStrategy::Range) => "RANGE",
        Ok(pb::PartitionStrategy::Hash) => "HASH",
        _ => return Err(Refusal::new("unknown partition strategy")),
    };
    let mut parts = Vec::new();
    for p in &spec.part_params {
        let Some(N::PartitionElem(e)) = p.node.as_ref() else {
            continue;
        };
        let mut text = if e.name.is_empty() {
            let x = e
                .expr
                .as_deref()
                .ok_or_else(|| Refusal::new("no partition key"))?;
            format!("({})", expr_text(x, None))
        } else {
            crate::model::quote_ident(&e.name)
        };
        if !e.opclass.is_empty() {
            text.push(' ');
            text.push_str(&strings(&e.opclass).join("."));
        }
        parts.push(text);
    }
    Ok(format!("{strategy} ({})", parts.join(", ")))
}

/// `FOR VALUES ...` or `DEFAULT`, as written.
fn bound_text(
    t: &Translator<'_>,
    item: &Item<'_>,
    b: &pb::PartitionBoundSpec,
) -> Result<String, Refusal> {
    if b.is_default {
        return Ok("DEFAULT".into());
    }
    let text = t.text(item);
    let toks = t.tokens(item);
    let at = usize::try_from(b.location).unwrap_or(stmt_start(item));
    let hi = toks.at(stmt_end(item, text));
    let mut from = toks.at(at);
    // The bound's place is its FROM / IN / WITH; the text starts at FOR VALUES.
    if from >= 2
        && toks.kind(from - 1) == Some(Token::Values)
        && toks.kind(from - 2) == Some(Token::For)
    {
        from -= 2;
    }
    let stops = [Token::Partition, Token::Using, Token::Ascii59];
    toks.until(text, from, hi, &stops)
        .map(|s| s.trim().to_string())
        .ok_or_else(|| Refusal::new("no partition bound"))
}

fn column(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    q: &QualifiedName,
    tab: &mut Table,
    cd: &pb::ColumnDef,
    partition: bool,
) -> Done {
    // A partition's `col WITH OPTIONS ...` has no type: it is the parent's,
    // filled in with the parent's columns (`partition_columns`).
    let type_ = match (&cd.type_name, partition) {
        (Some(tn), _) => ty(t, item, tn)?,
        (None, true) => String::new(),
        (None, false) => return Err(Refusal::new("no type")),
    };
    let mut c = Column {
        type_,
        nullable: !cd.is_not_null,
        ..Default::default()
    };
    if let Some(cc) = &cd.coll_clause {
        c.collation = Some(collation_name(strings(&cc.collname)));
    }
    c.storage = storage(&cd.storage_name)?;
    c.compression = compression(&cd.compression)?;
    let name = cd.colname.clone();
    let at = usize::try_from(cd.location).ok();
    t.place(item, &["tables", &q.to_string(), "columns", &name], at);
    tab.columns.insert(name.clone(), c);
    for con in &cd.constraints {
        if let Some(N::Constraint(con)) = con.node.as_ref() {
            constraint(t, item, q, tab, con, Some(&name))?;
        }
    }
    Ok(())
}

/// `STORAGE word`; empty or `default` is the type's own.
fn storage(word: &str) -> Result<Option<Storage>, Refusal> {
    unless_default(word, Storage::from_word, "storage")
}

/// `COMPRESSION word`; empty or `default` is the server's default.
fn compression(word: &str) -> Result<Option<Compression>, Refusal> {
    unless_default(word, Compression::from_word, "compression method")
}

/// `word` read by `from_word`, or None for empty or `default`.
fn unless_default<T>(
    word: &str,
    from_word: fn(&str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, Refusal> {
    if word.is_empty() || word.eq_ignore_ascii_case("default") {
        return Ok(None);
    }
    from_word(word)
        .map(Some)
        .ok_or_else(|| Refusal::new(format!("unknown {what} `{word}`")))
}

/// The last constraint added, for DEFERRABLE / INITIALLY that follow it.
fn set_deferral(tab: &mut Table, last: &Option<(ConstrType, String)>, f: impl Fn(&mut Deferral)) {
    let Some((kind, name)) = last else { return };
    match kind {
        ConstrType::ConstrForeign => tab.foreign_keys.get_mut(name).map(|x| f(&mut x.deferrable)),
        ConstrType::ConstrUnique => tab.unique.get_mut(name).map(|x| f(&mut x.deferrable)),
        ConstrType::ConstrPrimary => tab.primary_key.as_mut().map(|x| f(&mut x.deferrable)),
        _ => None,
    };
}

fn deferral(deferrable: bool, deferred: bool) -> Deferral {
    match (deferrable, deferred) {
        (_, true) => Deferral::InitiallyDeferred,
        (true, false) => Deferral::InitiallyImmediate,
        _ => Deferral::No,
    }
}

/// A free constraint name: `base`, or `base1`, `base2`... as PostgreSQL
/// chooses.
fn free_name(tab: &Table, base: String) -> String {
    let taken = |n: &str| {
        tab.checks.contains_key(n)
            || tab.unique.contains_key(n)
            || tab.foreign_keys.contains_key(n)
            || tab.exclusions.contains_key(n)
            || tab.indexes.contains_key(n)
    };
    if !taken(&base) {
        return base;
    }
    (1..)
        .map(|i| format!("{base}{i}"))
        .find(|n| !taken(n))
        .unwrap_or(base)
}

/// The first column a CHECK expression reads, as PostgreSQL names the
/// constraint after it.
fn first_column(x: &pb::Node) -> Option<String> {
    let v = serde_json::to_value(x).ok()?;
    let mut found: Vec<(i64, String)> = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<(i64, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(cr) = m.get("ColumnRef") {
                    let name = cr["fields"]
                        .as_array()
                        .and_then(|f| f.last())
                        .and_then(|f| f["node"]["String"]["sval"].as_str());
                    if let (Some(n), Some(at)) = (name, cr["location"].as_i64()) {
                        out.push((at, n.to_string()));
                    }
                }
                m.values().for_each(|x| walk(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&v, &mut found);
    found.into_iter().min().map(|(_, n)| n)
}

fn constraint(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    q: &QualifiedName,
    tab: &mut Table,
    c: &pb::Constraint,
    column: Option<&str>,
) -> Done {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(ConstrType, String)>> = const { std::cell::RefCell::new(None) };
    }
    let kind = ConstrType::try_from(c.contype).map_err(|_| Refusal::new("unknown constraint"))?;
    let key = q.to_string();
    let at = usize::try_from(c.location).ok();
    let cols: Vec<String> = match column {
        Some(col) => vec![col.to_string()],
        None => strings(&c.keys),
    };
    let named = |label: &str, what: &str| -> String {
        if c.conname.is_empty() {
            super::text::pg_name(&q.name, what, label)
        } else {
            c.conname.clone()
        }
    };
    let mut last = None;
    match kind {
        ConstrType::ConstrNotnull => {
            // A column's NOT NULL, or the table constraint `NOT NULL col`
            // (PostgreSQL 18), with what it may say besides.
            let nn = NotNull {
                name: (!c.conname.is_empty()).then(|| c.conname.clone()),
                not_valid: c.skip_validation,
                no_inherit: c.is_no_inherit,
            };
            for col in &cols {
                let cc = col_of(tab, Some(col), &key)?;
                cc.nullable = false;
                if nn != NotNull::default() {
                    cc.not_null = Some(nn.clone());
                }
            }
        }
        ConstrType::ConstrNull => col_of(tab, column, &key)?.nullable = true,
        ConstrType::ConstrDefault => {
            let x = c
                .raw_expr
                .as_deref()
                .ok_or_else(|| Refusal::new("no default"))?;
            let text = written_expr(t, item, x, Token::Default, false, &DEFAULT_STOPS);
            col_of(tab, column, &key)?.default = Some(text);
        }
        ConstrType::ConstrIdentity => {
            let ident = if c.generated_when == "a" {
                Identity::Always
            } else {
                Identity::ByDefault
            };
            let seq = identity_sequence(&c.options);
            let cc = col_of(tab, column, &key)?;
            cc.identity = Some(ident);
            cc.nullable = false;
            cc.identity_sequence = seq;
        }
        ConstrType::ConstrGenerated => {
            let x = c
                .raw_expr
                .as_deref()
                .ok_or_else(|| Refusal::new("no expression"))?;
            let text = written_expr(t, item, x, Token::As, true, &[]);
            let cc = col_of(tab, column, &key)?;
            cc.generated = Some(text);
            cc.virtual_ = c.generated_kind == "v";
        }
        ConstrType::ConstrCheck => {
            let x = c
                .raw_expr
                .as_deref()
                .ok_or_else(|| Refusal::new("no check"))?;
            let text = written_expr(t, item, x, Token::Check, true, &[]);
            let name = if c.conname.is_empty() {
                let base = match column.map(str::to_string).or_else(|| first_column(x)) {
                    Some(col) => super::text::pg_name(&q.name, &col, "check"),
                    None => super::text::pg_name(&q.name, "", "check"),
                };
                free_name(tab, base)
            } else {
                c.conname.clone()
            };
            t.place(item, &["tables", &key, "checks", &name], at);
            tab.checks.insert(
                name,
                Check {
                    expression: text,
                    no_inherit: c.is_no_inherit,
                    not_valid: c.skip_validation,
                    not_enforced: !c.is_enforced,
                    ..Default::default()
                },
            );
        }
        ConstrType::ConstrPrimary => {
            let name = (!c.conname.is_empty()).then(|| c.conname.clone());
            for k in &cols {
                if let Some(cc) = tab.columns.get_mut(k) {
                    cc.nullable = false;
                }
            }
            tab.primary_key = Some(PrimaryKey {
                name,
                columns: cols,
                without_overlaps: c.without_overlaps,
                include: strings(&c.including),
                deferrable: deferral(c.deferrable, c.initdeferred),
                ..Default::default()
            });
            last = Some((kind, String::new()));
        }
        ConstrType::ConstrUnique => {
            let name = free_name(tab, named("key", &cols.join("_")));
            t.place(item, &["tables", &key, "unique", &name], at);
            tab.unique.insert(
                name.clone(),
                Unique {
                    columns: cols,
                    without_overlaps: c.without_overlaps,
                    include: strings(&c.including),
                    nulls_not_distinct: c.nulls_not_distinct,
                    deferrable: deferral(c.deferrable, c.initdeferred),
                    ..Default::default()
                },
            );
            last = Some((kind, name));
        }
        ConstrType::ConstrForeign => {
            let cols = if column.is_some() {
                cols
            } else {
                strings(&c.fk_attrs)
            };
            let name = free_name(tab, named("fkey", &cols.join("_")));
            let pk = c
                .pktable
                .as_ref()
                .ok_or_else(|| Refusal::new("no referenced table"))?;
            let target = rel(t, item, pk);
            let action = |a: &str| match a {
                "r" => FkAction::Restrict,
                "c" => FkAction::Cascade,
                "n" => FkAction::SetNull,
                "d" => FkAction::SetDefault,
                _ => FkAction::NoAction,
            };
            t.place(item, &["tables", &key, "foreign_keys", &name], at);
            tab.foreign_keys.insert(
                name.clone(),
                ForeignKey {
                    columns: cols,
                    references: references_text(&target, &strings(&c.pk_attrs)),
                    period: c.fk_with_period,
                    on_delete: action(&c.fk_del_action),
                    on_delete_columns: strings(&c.fk_del_set_cols),
                    on_update: action(&c.fk_upd_action),
                    match_: match c.fk_matchtype.as_str() {
                        "f" => FkMatch::Full,
                        "p" => FkMatch::Partial,
                        _ => FkMatch::Simple,
                    },
                    deferrable: deferral(c.deferrable, c.initdeferred),
                    not_valid: c.skip_validation,
                    not_enforced: !c.is_enforced,
                    ..Default::default()
                },
            );
            last = Some((kind, name));
        }
        ConstrType::ConstrExclusion => {
            let name = free_name(tab, named("excl", &cols.join("_")));
            let text = t.text(item);
            let toks = t.tokens(item);
            let hi = toks.at(stmt_end(item, text));
            let from = toks.at(at.unwrap_or(stmt_start(item)));
            let ex = (from..hi)
                .find(|&i| toks.kind(i) == Some(Token::Exclude))
                .ok_or_else(|| Refusal::new("no EXCLUDE"))?;
            let stops = [
                Token::Ascii44,
                Token::Ascii59,
                Token::Deferrable,
                Token::Initially,
            ];
            let definition = toks
                .until(text, ex + 1, hi, &stops)
                .ok_or_else(|| Refusal::new("no exclusion definition"))?;
            tab.exclusions.insert(
                name,
                Exclusion {
                    definition: definition.trim().to_string(),
                    deferrable: deferral(c.deferrable, c.initdeferred),
                    ..Default::default()
                },
            );
        }
        ConstrType::ConstrAttrDeferrable => {
            LAST.with(|l| {
                set_deferral(tab, &l.borrow(), |d| {
                    if *d == Deferral::No {
                        *d = Deferral::InitiallyImmediate
                    }
                })
            });
        }
        ConstrType::ConstrAttrDeferred => {
            LAST.with(|l| set_deferral(tab, &l.borrow(), |d| *d = Deferral::InitiallyDeferred));
        }
        ConstrType::ConstrAttrNotDeferrable | ConstrType::ConstrAttrImmediate => {}
        _ => return Err(Refusal::new("this constraint is not supported")),
    }
    if last.is_some() {
        LAST.with(|l| *l.borrow_mut() = last);
    }
    Ok(())
}

fn col_of<'t>(
    tab: &'t mut Table,
    name: Option<&str>,
    key: &str,
) -> Result<&'t mut Column, Refusal> {
    let name = name.ok_or_else(|| Refusal::new("no column"))?;
    tab.columns
        .get_mut(name)
        .ok_or_else(|| Refusal::new(format!("column {name} is not in {key}")))
}

fn identity_sequence(options: &[pb::Node]) -> Option<IdentitySequence> {
    let mut s = IdentitySequence::default();
    identity_options(&mut s, options);
    (!s.is_default()).then_some(s)
}

/// Sets the sequence options of an identity (`GENERATED ... AS IDENTITY
/// (...)`, `ALTER COLUMN ... SET ...`, `ALTER SEQUENCE`) on `s`; `NO
/// MINVALUE` and `NO MAXVALUE` go back to the default. `RESTART` is the
/// sequence's value, not its definition: left out.
pub(super) fn identity_options(s: &mut IdentitySequence, options: &[pb::Node]) {
    for o in options {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        let n = || def_text(d).parse::<i64>().ok();
        match d.defname.as_str() {
            "sequence_name" => {
                s.name = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                    Some(N::List(l)) => strings(&l.items).last().cloned(),
                    _ => None,
                }
            }
            "start" => s.start = n(),
            "increment" => s.increment = n(),
            "minvalue" => s.min_value = d.arg.as_ref().and(n()),
            "maxvalue" => s.max_value = d.arg.as_ref().and(n()),
            "cache" => s.cache = n(),
            "cycle" => s.cycle = def_text(d) == "true",
            _ => {}
        }
    }
}

/// The table an ALTER, index, policy or trigger is on; a table the files
/// do not create is attached (only its policies and triggers are ours).
fn target<'t>(
    t: &'t mut Translator<'_>,
    item: &Item<'_>,
    rv: &pb::RangeVar,
    attach: bool,
) -> Result<(String, &'t mut Table), Refusal> {
    let q = rel(t, item, rv);
    let key = q.to_string();
    if !t.db.tables.contains_key(&key) {
        if !attach {
            return Err(
                Refusal::new(format!("table {key} is not created in these files")).hint(
                    "create it in a schema file, or declare only its policies and triggers here",
                ),
            );
        }
        t.attached.insert(key.clone());
        let at = usize::try_from(rv.location).unwrap_or(stmt_start(item));
        t.attached_at.entry(key.clone()).or_insert((item.file, at));
        t.db.tables.insert(key.clone(), Table::default());
    } else if t.attached.contains(&key) && !attach {
        return Err(Refusal::new(format!(
            "table {key} is not created in these files: only its policies and triggers can be declared here"
        )));
    }
    let tab = t.db.tables.get_mut(&key).expect("just checked");
    Ok((key, tab))
}

pub(super) fn alter(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::AlterTableStmt) -> Done {
    let rv = s.relation.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let kind = ObjectType::try_from(s.objtype).unwrap_or(ObjectType::ObjectTable);
    if kind == ObjectType::ObjectIndex {
        return alter_index(t, item, rv, s);
    }
    let q = rel(t, item, rv);
    let key = q.to_string();
    if t.db.views.contains_key(&key)
        || t.db.sequences.contains_key(&key)
        || kind != ObjectType::ObjectTable
    {
        return alter_other(t, item, &key, s);
    }
    for cmd in &s.cmds {
        let Some(N::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
            continue;
        };
        alter_cmd(t, item, rv, &q, cmd)?;
    }
    Ok(())
}

fn alter_cmd(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    rv: &pb::RangeVar,
    q: &QualifiedName,
    cmd: &pb::AlterTableCmd,
) -> Done {
    use pb::AlterTableType as A;
    let sub = A::try_from(cmd.subtype).map_err(|_| Refusal::new("unknown ALTER TABLE"))?;
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    // Parsed before the table is borrowed.
    let default = match (sub, cmd.def.as_deref()) {
        (A::AtColumnDefault, Some(x)) => Some(written_expr(
            t,
            item,
            x,
            Token::Default,
            false,
            &DEFAULT_STOPS,
        )),
        _ => None,
    };
    if let (A::AtAttachPartition, Some(N::PartitionCmd(pc))) = (sub, def) {
        let child = pc
            .name
            .as_ref()
            .ok_or_else(|| Refusal::new("no partition"))?;
        let bound = pc.bound.as_ref().ok_or_else(|| Refusal::new("no bound"))?;
        let text = bound_text(t, item, bound)?;
        let (ck, tab) = target(t, item, child, false)?;
        let _ = ck;
        tab.partition_of = Some(PartitionOf {
            parent: q.to_string(),
            bound: text,
        });
        return Ok(());
    }
    let column_type = match (sub, def) {
        (A::AtAddColumn, Some(N::ColumnDef(cd))) => Some(cd.clone()),
        _ => None,
    };
    let key = q.to_string();
    let (_, _) = target(t, item, rv, false)?;
    // The table is taken out while its part is read (a foreign key may
    // look up tables), and put back in its place.
    let take =
        |t: &mut Translator<'_>| std::mem::take(t.db.tables.get_mut(&key).expect("target checked"));
    if let Some(cd) = column_type {
        let mut tab = take(t);
        let r = column(t, item, q, &mut tab, &cd, false);
        *t.db.tables.get_mut(&key).expect("target checked") = tab;
        return r;
    }
    if let (A::AtAddConstraint, Some(N::Constraint(c))) = (sub, def) {
        let mut tab = take(t);
        let r = constraint(t, item, q, &mut tab, c, None);
        *t.db.tables.get_mut(&key).expect("target checked") = tab;
        return r;
    }
    let tab = t.db.tables.get_mut(&key).expect("target checked");
    let trigger = |tab: &mut Table, state: &str| -> Done {
        let g = tab
            .triggers
            .get_mut(&cmd.name)
            .ok_or_else(|| Refusal::new(format!("trigger {} is not on {key}", cmd.name)))?;
        g.enabled = Some(state.into());
        Ok(())
    };
    let rule = |tab: &mut Table, state: &str| -> Done {
        let r = tab
            .rules
            .get_mut(&cmd.name)
            .ok_or_else(|| Refusal::new(format!("rule {} is not on {key}", cmd.name)))?;
        r.enabled = Some(state.into());
        Ok(())
    };
    match sub {
        A::AtAddInherit | A::AtDropInherit => {
            let Some(N::RangeVar(parent)) = def else {
                return Err(Refusal::new("no parent table"));
            };
            let parent = rel(t, item, parent).to_string();
            let tab = t.db.tables.get_mut(&key).expect("target checked");
            tab.inherits.retain(|p| *p != parent);
            if sub == A::AtAddInherit {
                tab.inherits.push(parent);
            }
        }
        A::AtEnableRowSecurity => tab.row_level_security.enabled = true,
        A::AtDisableRowSecurity => tab.row_level_security.enabled = false,
        A::AtForceRowSecurity => tab.row_level_security.forced = true,
        A::AtNoForceRowSecurity => tab.row_level_security.forced = false,
        A::AtChangeOwner => tab.owner = cmd.newowner.as_ref().and_then(super::stmt::role),
        A::AtColumnDefault => col_of(tab, Some(&cmd.name), &key)?.default = default,
        A::AtSetNotNull => col_of(tab, Some(&cmd.name), &key)?.nullable = false,
        A::AtDropNotNull => col_of(tab, Some(&cmd.name), &key)?.nullable = true,
        A::AtSetStorage | A::AtSetCompression => {
            let word = cmd.def.as_deref().and_then(super::stmt::const_text);
            let word = word.unwrap_or_default();
            let c = col_of(tab, Some(&cmd.name), &key)?;
            if sub == A::AtSetStorage {
                c.storage = storage(&word)?;
            } else {
                c.compression = compression(&word)?;
            }
        }
        A::AtSetStatistics => {
            let n = cmd.def.as_deref().and_then(super::stmt::const_text);
            col_of(tab, Some(&cmd.name), &key)?.statistics = n.and_then(|n| n.parse().ok());
        }
        A::AtAddIdentity => {
            let Some(N::Constraint(c)) = def else {
                return Err(Refusal::new("no identity"));
            };
            let seq = identity_sequence(&c.options);
            let cc = col_of(tab, Some(&cmd.name), &key)?;
            cc.identity = Some(if c.generated_when == "a" {
                Identity::Always
            } else {
                Identity::ByDefault
            });
            cc.nullable = false;
            cc.identity_sequence = seq;
        }
        A::AtSetIdentity => {
            let Some(N::List(l)) = def else {
                return Err(Refusal::new("no identity options"));
            };
            let cc = col_of(tab, Some(&cmd.name), &key)?;
            if cc.identity.is_none() {
                return Err(Refusal::new(format!(
                    "column {} of {key} is not an identity column",
                    cmd.name
                )));
            }
            for o in &l.items {
                if let Some(N::DefElem(d)) = o.node.as_ref() {
                    if d.defname == "generated" {
                        cc.identity = Some(match def_text(d).as_str() {
                            // ATTRIBUTE_IDENTITY_ALWAYS, 'a', as a number
                            "97" => Identity::Always,
                            _ => Identity::ByDefault,
                        });
                    }
                }
            }
            let seq = cc.identity_sequence.get_or_insert_with(Default::default);
            identity_options(seq, &l.items);
        }
        A::AtDropIdentity => {
            let cc = col_of(tab, Some(&cmd.name), &key)?;
            cc.identity = None;
            cc.identity_sequence = None;
        }
        A::AtReplicaIdentity => {
            let Some(N::ReplicaIdentityStmt(r)) = def else {
                return Err(Refusal::new("no replica identity"));
            };
            tab.replica_identity = match r.identity_type.as_str() {
                "f" => Some("full".into()),
                "n" => Some("nothing".into()),
                "i" => Some(format!("index {}", r.name)),
                _ => None,
            };
        }
        A::AtSetRelOptions => {
            if let Some(N::List(l)) = def {
                for o in &l.items {
                    if let Some(N::DefElem(d)) = o.node.as_ref() {
                        tab.options.insert(d.defname.clone(), def_text(d));
                    }
                }
            }
        }
        A::AtEnableTrig => trigger(tab, "origin")?,
        A::AtDisableTrig => trigger(tab, "disabled")?,
        A::AtEnableAlwaysTrig => trigger(tab, "always")?,
        A::AtEnableReplicaTrig => trigger(tab, "replica")?,
        A::AtEnableRule => rule(tab, "origin")?,
        A::AtDisableRule => rule(tab, "disabled")?,
        A::AtEnableAlwaysRule => rule(tab, "always")?,
        A::AtEnableReplicaRule => rule(tab, "replica")?,
        _ => {
            return Err(Refusal::new(format!(
                "this ALTER TABLE action ({}) is not supported in schema SQL files",
                sub.as_str_name()
            ))
            .hint("declare the table as it should be in its CREATE TABLE"))
        }
    }
    Ok(())
}

/// ALTER INDEX ... ALTER COLUMN n SET STATISTICS s (of an expression), or
/// ATTACH PARTITION.
fn alter_index(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    rv: &pb::RangeVar,
    s: &pb::AlterTableStmt,
) -> Done {
    use pb::AlterTableType as A;
    let schema = if rv.schemaname.is_empty() {
        creation_schema(item)
    } else {
        rv.schemaname.clone()
    };
    if let [cmd] = s.cmds.as_slice() {
        if let Some(N::AlterTableCmd(cmd)) = cmd.node.as_ref() {
            if A::try_from(cmd.subtype) == Ok(A::AtAttachPartition) {
                return attach_index(t, item, &schema, rv, cmd);
            }
        }
    }
    let prefix = format!("{}.", crate::model::name::key_part(&schema));
    let found =
        t.db.tables
            .iter_mut()
            .filter(|(k, _)| k.starts_with(&prefix))
            .find_map(|(_, tab)| tab.indexes.get_mut(&rv.relname));
    let ix = found.ok_or_else(|| {
        Refusal::new(format!(
            "index {} is not created in these files",
            rv.relname
        ))
    })?;
    for cmd in &s.cmds {
        let Some(N::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
            continue;
        };
        if A::try_from(cmd.subtype) != Ok(A::AtSetStatistics) {
            return Err(Refusal::new("this ALTER INDEX action is not supported"));
        }
        let n = usize::try_from(cmd.num).unwrap_or(0);
        let value = cmd.def.as_deref().and_then(super::stmt::const_text);
        let el = n
            .checked_sub(1)
            .and_then(|i| ix.columns.get_mut(i))
            .ok_or_else(|| Refusal::new(format!("index {} has no column {n}", rv.relname)))?;
        el.statistics = value.and_then(|v| v.parse().ok());
    }
    Ok(())
}

/// The trigger functions PostgreSQL itself provides (`prorettype =
/// 'trigger'` in pg_catalog, but for the foreign keys' internal ones).
const CATALOG_TRIGGER_FUNCTIONS: &[&str] = &[
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
    "suppress_redundant_updates_trigger",
];

/// A collation as the catalog names it: PostgreSQL's own by its bare
/// name (pg_dump writes `pg_catalog."C"`), any other qualified.
fn collation_name(parts: Vec<String>) -> String {
    match parts.as_slice() {
        [schema, name] if schema == "pg_catalog" => name.clone(),
        [schema, name] => QualifiedName::new(schema, name).to_string(),
        _ => parts.join("."),
    }
}

/// `ALTER INDEX parent ATTACH PARTITION child`, as pg_dump writes for each
/// partition's share of a partitioned table's index or key. The child
/// then belongs to the parent's index: the catalog does not list it on
/// the partition, so neither does the model.
fn attach_index(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    schema: &str,
    parent: &pb::RangeVar,
    cmd: &pb::AlterTableCmd,
) -> Done {
    let Some(N::PartitionCmd(pc)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return Err(Refusal::new("no partition"));
    };
    let child = pc
        .name
        .as_ref()
        .ok_or_else(|| Refusal::new("no partition"))?;
    let child_schema = if child.schemaname.is_empty() {
        creation_schema(item)
    } else {
        child.schemaname.clone()
    };
    let missing = |name: &str| Refusal::new(format!("index {name} is not created in these files"));
    if index_holder(t, schema, &parent.relname).is_none() {
        return Err(missing(&parent.relname));
    }
    let name = &child.relname;
    let key = index_holder(t, &child_schema, name).ok_or_else(|| missing(name))?;
    let tab = t.db.tables.get_mut(&key).expect("just found");
    if tab.indexes.shift_remove(name).is_none() && tab.unique.shift_remove(name).is_none() {
        tab.primary_key = None;
    }
    Ok(())
}

/// The table of `schema` that has an index, unique key or primary key
/// named `name`.
fn index_holder(t: &Translator<'_>, schema: &str, name: &str) -> Option<String> {
    let prefix = format!("{}.", crate::model::name::key_part(schema));
    t.db.tables
        .iter()
        .filter(|(k, _)| k.starts_with(&prefix))
        .find(|(k, tab)| {
            let pk_name = |pk: &PrimaryKey| {
                let table = QualifiedName::parse(k, "public").map(|q| q.name);
                pk.name
                    .clone()
                    .or_else(|| table.ok().map(|n| format!("{n}_pkey")))
            };
            tab.indexes.contains_key(name)
                || tab.unique.contains_key(name)
                || tab
                    .primary_key
                    .as_ref()
                    .is_some_and(|pk| pk_name(pk).as_deref() == Some(name))
        })
        .map(|(k, _)| k.clone())
}

/// ALTER TABLE / VIEW / SEQUENCE on a view or sequence: owner and options.
fn alter_other(
    t: &mut Translator<'_>,
    _item: &Item<'_>,
    key: &str,
    s: &pb::AlterTableStmt,
) -> Done {
    use pb::AlterTableType as A;
    for cmd in &s.cmds {
        let Some(N::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
            continue;
        };
        let sub = A::try_from(cmd.subtype).map_err(|_| Refusal::new("unknown ALTER"))?;
        if let Some(v) = t.db.views.get_mut(key) {
            match sub {
                A::AtChangeOwner => v.owner = cmd.newowner.as_ref().and_then(super::stmt::role),
                A::AtSetRelOptions => {
                    if let Some(N::List(l)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                        for o in &l.items {
                            if let Some(N::DefElem(d)) = o.node.as_ref() {
                                v.options.insert(d.defname.clone(), def_text(d));
                            }
                        }
                    }
                }
                _ => return Err(Refusal::new("this ALTER VIEW action is not supported")),
            }
        } else if let Some(seq) = t.db.sequences.get_mut(key) {
            if sub != A::AtChangeOwner {
                return Err(Refusal::new("this ALTER SEQUENCE action is not supported"));
            }
            // An owned sequence has its table's owner, not one of its own.
            if seq.owned_by.is_none() {
                seq.owner = cmd.newowner.as_ref().and_then(super::stmt::role);
            }
        } else {
            return Err(Refusal::new(format!("{key} is not created in these files")));
        }
    }
    Ok(())
}

pub(super) fn index(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::IndexStmt) -> Done {
    let rv = s
        .relation
        .as_ref()
        .ok_or_else(|| Refusal::new("no table"))?;
    let q = rel(t, item, rv);
    let key = q.to_string();
    let mut ix = Index {
        unique: s.unique,
        nulls_not_distinct: s.nulls_not_distinct,
        method: (!s.access_method.is_empty() && s.access_method != "btree")
            .then(|| s.access_method.clone()),
        ..Default::default()
    };
    let mut name_parts = Vec::new();
    for p in &s.index_params {
        let Some(N::IndexElem(e)) = p.node.as_ref() else {
            continue;
        };
        let mut el = IndexElem::default();
        if e.name.is_empty() {
            let x = e
                .expr
                .as_deref()
                .ok_or_else(|| Refusal::new("no index key"))?;
            el.expression = Some(index_expr(t, item, x));
            name_parts.push("expr".to_string());
        } else {
            el.column = Some(e.name.clone());
            name_parts.push(e.name.clone());
        }
        if !e.opclass.is_empty() {
            el.opclass = Some(strings(&e.opclass).join("."));
        }
        if !e.collation.is_empty() {
            el.collation = Some(collation_name(strings(&e.collation)));
        }
        let desc = e.ordering == pb::SortByDir::SortbyDesc as i32;
        if desc {
            el.order = Some(SortOrder::Desc);
        }
        el.nulls = match pb::SortByNulls::try_from(e.nulls_ordering) {
            Ok(pb::SortByNulls::SortbyNullsFirst) if !desc => Some(NullsOrder::First),
            Ok(pb::SortByNulls::SortbyNullsLast) if desc => Some(NullsOrder::Last),
            _ => None,
        };
        ix.columns.push(el);
    }
    ix.include = s
        .index_including_params
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(N::IndexElem(e)) => Some(e.name.clone()),
            _ => None,
        })
        .collect();
    if let Some(w) = s.where_clause.as_deref() {
        let text = written_expr(t, item, w, Token::Where, false, &[Token::Ascii59]);
        ix.where_ = Some(super::text::strip_parens(text));
    }
    for o in &s.options {
        if let Some(N::DefElem(d)) = o.node.as_ref() {
            ix.options.insert(d.defname.clone(), def_text(d));
        }
    }
    let name = if s.idxname.is_empty() {
        super::text::pg_name(&q.name, &name_parts.join("_"), "idx")
    } else {
        s.idxname.clone()
    };
    if let Some(v) = t.db.views.get_mut(&key) {
        v.indexes.insert(name.clone(), ix);
        t.place(item, &["views", &key, "indexes", &name], None);
        return Ok(());
    }
    let (key, tab) = target(t, item, rv, false)?;
    tab.indexes.insert(name.clone(), ix);
    t.place(item, &["tables", &key, "indexes", &name], None);
    Ok(())
}

/// An index key's expression as written: inside its own parentheses, or
/// a function call up to the next key.
fn index_expr(t: &Translator<'_>, item: &Item<'_>, x: &pb::Node) -> String {
    let text = t.text(item);
    let toks = t.tokens(item);
    let hi = toks.at(stmt_end(item, text));
    let Some(k) = first_location(x).map(|at| toks.at(at)) else {
        return expr_text(x, None);
    };
    // The parentheses right before it: the key list's own (after the
    // table or method name) first, then the key's, then the expression's.
    let mut run = k;
    while run > 0 && toks.kind(run - 1) == Some(Token::Ascii40) {
        run -= 1;
    }
    let opener = match run.checked_sub(1).and_then(|i| toks.kind(i)) {
        Some(Token::Ascii44) => run,
        _ => run + 1,
    };
    let inside = (opener < k)
        .then(|| toks.in_parens(text, opener, hi))
        .flatten();
    let stops = [
        Token::Ascii44,
        Token::Asc,
        Token::Desc,
        Token::NullsP,
        Token::Collate,
    ];
    let call = toks.until(text, k, hi, &stops);
    for written in [inside, call].into_iter().flatten() {
        let w = written.trim().to_string();
        if super::text::deparse_expr(x).is_some_and(|d| crate::model::expr::equivalent(&w, &d)) {
            return w;
        }
    }
    expr_text(x, None)
}

pub(super) fn policy(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreatePolicyStmt) -> Done {
    let rv = s.table.as_ref().ok_or_else(|| Refusal::new("no table"))?;
    let using = s
        .qual
        .as_deref()
        .map(|x| written_expr(t, item, x, Token::Using, true, &[]));
    let with_check = s
        .with_check
        .as_deref()
        .map(|x| written_expr(t, item, x, Token::Check, true, &[]));
    let p = Policy {
        command: match s.cmd_name.as_str() {
            "select" => PolicyCommand::Select,
            "insert" => PolicyCommand::Insert,
            "update" => PolicyCommand::Update,
            "delete" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        },
        restrictive: !s.permissive,
        to: s.roles.iter().filter_map(role_node).collect(),
        using,
        with_check,
        ..Default::default()
    };
    let (key, tab) = target(t, item, rv, true)?;
    if tab.policies.insert(s.policy_name.clone(), p).is_some() {
        return Err(Refusal::new(format!(
            "policy {} on {key} is declared twice",
            s.policy_name
        )));
    }
    t.place(item, &["tables", &key, "policies", &s.policy_name], None);
    Ok(())
}

pub(super) fn trigger(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateTrigStmt) -> Done {
    let rv = s
        .relation
        .as_ref()
        .ok_or_else(|| Refusal::new("no table"))?;
    const BEFORE: i32 = 1 << 1;
    const INSTEAD: i32 = 1 << 6;
    let timing = if s.timing & INSTEAD != 0 {
        TriggerTiming::InsteadOf
    } else if s.timing & BEFORE != 0 {
        TriggerTiming::Before
    } else {
        TriggerTiming::After
    };
    let events = [
        (1 << 2, "insert"),
        (1 << 4, "update"),
        (1 << 3, "delete"),
        (1 << 5, "truncate"),
    ]
    .iter()
    .filter(|(bit, _)| s.events & bit != 0)
    .map(|(_, w)| w.to_string())
    .collect();
    let mut names = strings(&s.funcname);
    let db = &t.db;
    let declared = |q: &QualifiedName| {
        let prefix = format!("{q}(");
        db.functions.keys().any(|k| k.starts_with(&prefix))
    };
    // pg_catalog is searched first: pg_dump writes its trigger functions
    // unqualified.
    if let [n] = names.as_slice() {
        let on_path = item
            .path
            .iter()
            .any(|s| declared(&QualifiedName::new(s, n)));
        if !on_path && CATALOG_TRIGGER_FUNCTIONS.contains(&n.as_str()) {
            names.insert(0, "pg_catalog".into());
        }
    }
    let function = qualified(item, &names, declared)?;
    let when = s
        .when_clause
        .as_deref()
        .map(|x| written_expr(t, item, x, Token::When, true, &[]));
    let mut g = Trigger {
        timing,
        events,
        columns: strings(&s.columns),
        for_each: if s.row {
            ForEach::Row
        } else {
            ForEach::Statement
        },
        when,
        function: function.to_string(),
        arguments: strings(&s.args),
        constraint: s.isconstraint,
        deferrable: deferral(s.deferrable, s.initdeferred),
        ..Default::default()
    };
    for tr in &s.transition_rels {
        if let Some(N::TriggerTransition(x)) = tr.node.as_ref() {
            if x.is_new {
                g.new_table = Some(x.name.clone());
            } else {
                g.old_table = Some(x.name.clone());
            }
        }
    }
    // A trigger on a view of the files (INSTEAD OF) goes with the view.
    let view = rel(t, item, rv).to_string();
    let (section, key, triggers) = match t.db.views.get_mut(&view) {
        Some(v) => ("views", view, &mut v.triggers),
        None => {
            let (key, tab) = target(t, item, rv, true)?;
            ("tables", key, &mut tab.triggers)
        }
    };
    if triggers.insert(s.trigname.clone(), g).is_some() {
        return Err(Refusal::new(format!(
            "trigger {} on {key} is declared twice",
            s.trigname
        )));
    }
    t.place(item, &[section, &key, "triggers", &s.trigname], None);
    let _ = creation_schema;
    Ok(())
}

/// CREATE RULE, on a table or a view of the files; its condition and
/// actions as written.
pub(super) fn rule(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::RuleStmt) -> Done {
    let rv = s
        .relation
        .as_ref()
        .ok_or_else(|| Refusal::new("no table"))?;
    let event = match pb::CmdType::try_from(s.event) {
        Ok(pb::CmdType::CmdSelect) => RuleEvent::Select,
        Ok(pb::CmdType::CmdInsert) => RuleEvent::Insert,
        Ok(pb::CmdType::CmdUpdate) => RuleEvent::Update,
        Ok(pb::CmdType::CmdDelete) => RuleEvent::Delete,
        _ => {
            return Err(Refusal::new(
                "a rule's event is SELECT, INSERT, UPDATE or DELETE",
            ))
        }
    };
    let text = t.text(item);
    let stmt = text
        .get(stmt_start(item)..stmt_end(item, text))
        .unwrap_or_default();
    let parts = split_rule(stmt).map_err(Refusal::new)?;
    let r = Rule {
        event,
        instead: s.instead,
        where_: parts.where_,
        actions: parts.actions,
        ..Default::default()
    };
    let view = rel(t, item, rv).to_string();
    let (section, key, rules) = match t.db.views.get_mut(&view) {
        Some(v) => ("views", view, &mut v.rules),
        None => {
            let (key, tab) = target(t, item, rv, false)?;
            ("tables", key, &mut tab.rules)
        }
    };
    if rules.insert(s.rulename.clone(), r).is_some() && !s.replace {
        return Err(Refusal::new(format!(
            "rule {} on {key} is declared twice",
            s.rulename
        )));
    }
    t.place(item, &[section, &key, "rules", &s.rulename], None);
    Ok(())
}

/// COMMENT ON INDEX / CONSTRAINT / POLICY / TRIGGER / RULE.
pub(super) fn comment(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    kind: ObjectType,
    mut names: Vec<String>,
    text: Option<String>,
) -> Done {
    let missing = |what: &str| Refusal::new(format!("{what} is not created in these files"));
    if kind == ObjectType::ObjectIndex {
        let name = names.pop().ok_or_else(|| missing("index"))?;
        let schema = names.pop().unwrap_or_else(|| creation_schema(item));
        let prefix = format!("{}.", crate::model::name::key_part(&schema));
        for (k, tab) in
            t.db.tables
                .iter_mut()
                .filter(|(k, _)| k.starts_with(&prefix))
        {
            let _ = k;
            if let Some(ix) = tab.indexes.get_mut(&name) {
                ix.comment = text;
                return Ok(());
            }
        }
        for v in t.db.views.values_mut() {
            if let Some(ix) = v.indexes.get_mut(&name) {
                ix.comment = text;
                return Ok(());
            }
        }
        return Err(missing(&format!("index {name}")));
    }
    let name = names.pop().ok_or_else(|| missing("object"))?;
    let db = &t.db;
    let q = qualified(item, &names, |q| {
        let k = q.to_string();
        db.tables.contains_key(&k) || db.views.contains_key(&k)
    })?;
    let key = q.to_string();
    if let (ObjectType::ObjectRule, Some(v)) = (kind, t.db.views.get_mut(&key)) {
        let r = v
            .rules
            .get_mut(&name)
            .ok_or_else(|| missing(&format!("rule {name} on {key}")))?;
        r.comment = text;
        return Ok(());
    }
    if let (ObjectType::ObjectTrigger, Some(v)) = (kind, t.db.views.get_mut(&key)) {
        let g = v
            .triggers
            .get_mut(&name)
            .ok_or_else(|| missing(&format!("trigger {name} on {key}")))?;
        g.comment = text;
        return Ok(());
    }
    let tab =
        t.db.tables
            .get_mut(&key)
            .ok_or_else(|| missing(&format!("table {key}")))?;
    let slot = match kind {
        ObjectType::ObjectPolicy => tab.policies.get_mut(&name).map(|p| &mut p.comment),
        ObjectType::ObjectTrigger => tab.triggers.get_mut(&name).map(|g| &mut g.comment),
        ObjectType::ObjectRule => tab.rules.get_mut(&name).map(|r| &mut r.comment),
        _ => {
            let pk_name = tab
                .primary_key
                .as_ref()
                .map(|pk| pk.name.clone().unwrap_or(format!("{}_pkey", q.name)));
            if pk_name.as_deref() == Some(name.as_str()) {
                tab.primary_key.as_mut().map(|pk| &mut pk.comment)
            } else if let Some(x) = tab.unique.get_mut(&name) {
                Some(&mut x.comment)
            } else if let Some(x) = tab.foreign_keys.get_mut(&name) {
                Some(&mut x.comment)
            } else if let Some(x) = tab.checks.get_mut(&name) {
                Some(&mut x.comment)
            } else {
                tab.exclusions.get_mut(&name).map(|x| &mut x.comment)
            }
        }
    };
    *slot.ok_or_else(|| missing(&format!("{name} on {key}")))? = text;
    let _ = first_location;
    Ok(())
}

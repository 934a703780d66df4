//! Statements other than a table's: schemas, extensions, types, sequences,
//! views, functions, comments, grants, default privileges and owners.

use std::collections::BTreeSet;

use pg_query::protobuf::Token;
use pg_query::protobuf::{
    self as pb, a_const, node::Node as N, Node, ObjectType, RangeVar, RoleSpecType, TypeName,
};

use super::text::{expr_text, first_location};
use super::{stmt_end, stmt_start, strings, table, Done, Item, Refusal, Translator};
use crate::model::canon::types::canonical_type_node;
use crate::model::name::quote_ident;
use crate::model::types::*;
use crate::model::QualifiedName;

/// Which pass reads the statement: 0 schemas, extensions, types and
/// sequences; 1 tables, views and functions; 2 the rest.
pub(super) fn pass_of(node: &N) -> u8 {
    match node {
        N::CreateSchemaStmt(_)
        | N::CreateExtensionStmt(_)
        | N::CreateEnumStmt(_)
        | N::CompositeTypeStmt(_)
        | N::CreateRangeStmt(_)
        | N::CreateDomainStmt(_)
        | N::CreateSeqStmt(_) => 0,
        N::DefineStmt(s)
            if s.kind == ObjectType::ObjectCollation as i32
                || s.kind == ObjectType::ObjectTsconfiguration as i32 =>
        {
            0
        }
        N::CreateStmt(_) | N::ViewStmt(_) | N::CreateTableAsStmt(_) | N::CreateFunctionStmt(_) => 1,
        // After CREATE PUBLICATION, wherever the files put it.
        N::AlterPublicationStmt(_) => 3,
        _ => 2,
    }
}

/// The schemas of a `SET search_path` or `set_config('search_path', ...)`
/// statement (pg_dump writes the latter).
pub(super) fn search_path(node: &N) -> Option<Vec<String>> {
    match node {
        N::VariableSetStmt(s) if s.name.eq_ignore_ascii_case("search_path") => Some(path_items(
            &s.args
                .iter()
                .filter_map(const_text)
                .collect::<Vec<_>>()
                .join(","),
        )),
        N::SelectStmt(s) => {
            let [target] = s.target_list.as_slice() else {
                return None;
            };
            let Some(N::ResTarget(rt)) = target.node.as_ref() else {
                return None;
            };
            let Some(N::FuncCall(f)) = rt.val.as_ref().and_then(|v| v.node.as_ref()) else {
                return None;
            };
            let name = strings(&f.funcname);
            if name.last().map(String::as_str) != Some("set_config") {
                return None;
            }
            let args: Vec<String> = f.args.iter().filter_map(const_text).collect();
            match args.as_slice() {
                [n, v, ..] if n == "search_path" => Some(path_items(v)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn path_items(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty() && s != "$user")
        .collect()
}

/// A constant's text: a string, number or boolean.
pub(super) fn const_text(n: &Node) -> Option<String> {
    match n.node.as_ref()? {
        N::AConst(c) => match c.val.as_ref()? {
            a_const::Val::Sval(s) => Some(s.sval.clone()),
            a_const::Val::Ival(i) => Some(i.ival.to_string()),
            a_const::Val::Fval(f) => Some(f.fval.clone()),
            a_const::Val::Boolval(b) => Some(b.boolval.to_string()),
            a_const::Val::Bsval(b) => Some(b.bsval.clone()),
        },
        N::String(s) => Some(s.sval.clone()),
        N::Integer(i) => Some(i.ival.to_string()),
        N::Float(f) => Some(f.fval.clone()),
        N::Boolean(b) => Some(b.boolval.to_string()),
        N::TypeCast(c) => c.arg.as_deref().and_then(const_text),
        _ => None,
    }
}

/// A DefElem's argument as text (`fillfactor = 70`, `security_invoker`).
pub(super) fn def_text(d: &pb::DefElem) -> String {
    match d.arg.as_deref() {
        None => "true".into(),
        Some(n) => match n.node.as_ref() {
            Some(N::TypeName(t)) => strings(&t.names).join("."),
            Some(N::List(l)) => strings(&l.items).join("."),
            _ => const_text(n).unwrap_or_default(),
        },
    }
}

fn def_i64(d: &pb::DefElem) -> Option<i64> {
    def_text(d).parse().ok()
}

fn def_bool(d: &pb::DefElem) -> bool {
    !matches!(def_text(d).as_str(), "false" | "off" | "0")
}

pub(super) fn translate(t: &mut Translator<'_>, item: &Item<'_>) -> Done {
    match item.node {
        N::CreateSchemaStmt(s) => schema(t, item, s),
        N::CreateExtensionStmt(s) => extension(t, item, s),
        N::CreateEnumStmt(s) => enum_type(t, item, s),
        N::CompositeTypeStmt(s) => composite(t, item, s),
        N::CreateRangeStmt(s) => range(t, item, s),
        N::CreateDomainStmt(s) => domain(t, item, s),
        N::CreateSeqStmt(s) => sequence(t, item, s),
        N::AlterSeqStmt(s) => alter_sequence(t, item, s),
        N::CreateStmt(s) => table::create(t, item, s),
        N::AlterTableStmt(s) => table::alter(t, item, s),
        N::IndexStmt(s) => table::index(t, item, s),
        N::CreatePolicyStmt(s) => table::policy(t, item, s),
        N::CreateTrigStmt(s) => table::trigger(t, item, s),
        N::RuleStmt(s) => table::rule(t, item, s),
        N::ViewStmt(s) => view(t, item, s),
        N::CreateTableAsStmt(s) => materialized(t, item, s),
        N::CreateFunctionStmt(s) => function(t, item, s),
        N::DefineStmt(s) if s.kind == ObjectType::ObjectAggregate as i32 => aggregate(t, item, s),
        N::DefineStmt(s) if s.kind == ObjectType::ObjectCollation as i32 => collation(t, item, s),
        N::DefineStmt(s) if s.kind == ObjectType::ObjectTsconfiguration as i32 => {
            super::text_search::create(t, item, s)
        }
        N::AlterTsconfigurationStmt(s) => super::text_search::alter(t, item, s),
        N::CommentStmt(s) => comment(t, item, s),
        N::GrantStmt(s) => grant(t, item, s),
        N::AlterDefaultPrivilegesStmt(s) => default_privileges(t, item, s),
        N::AlterOwnerStmt(s) => owner(t, item, s),
        N::VariableSetStmt(_) | N::TransactionStmt(_) => Ok(()),
        N::InsertStmt(_)
        | N::UpdateStmt(_)
        | N::DeleteStmt(_)
        | N::MergeStmt(_)
        | N::CopyStmt(_)
        | N::SelectStmt(_) => Err(Refusal::new(
            "data statements are not desired state: schema files declare objects",
        )
        .hint("put rows in a migration (`reconcile new NAME`) or a seed file")),
        N::DoStmt(_) => Err(Refusal::new("a DO block is not desired state")
            .hint("declare the objects it would create, or run it from a migration (`reconcile new NAME`)")),
        N::CreatePublicationStmt(s) => super::publication::create(t, item, s),
        N::AlterPublicationStmt(s) => super::publication::alter(t, item, s),
        N::CreateRoleStmt(_) | N::AlterRoleStmt(_) | N::GrantRoleStmt(_) => Err(Refusal::new(
            "roles belong to the cluster, not to a schema: create them outside reconcile",
        )),
        _ => Err(Refusal::new(format!(
            "`{}` is not supported in schema SQL files",
            words(t.text(item), item)
        ))
        .hint("declare this object in a YAML file beside the SQL, or put the statement in a migration (`reconcile new NAME`)")),
    }
}

/// The first words of the statement, for messages.
fn words(text: &str, item: &Item<'_>) -> String {
    let s = &text[stmt_start(item)..stmt_end(item, text)];
    s.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

// Names.

/// The schema to create in: the first of `search_path`.
pub(super) fn creation_schema(item: &Item<'_>) -> String {
    item.path
        .first()
        .cloned()
        .unwrap_or_else(|| "public".into())
}

/// A relation being created.
pub(super) fn new_rel(item: &Item<'_>, rv: &RangeVar) -> QualifiedName {
    let schema = if rv.schemaname.is_empty() {
        creation_schema(item)
    } else {
        rv.schemaname.clone()
    };
    QualifiedName::new(schema, &rv.relname)
}

/// A relation referred to: its schema, or the first on `search_path`
/// where the model has it.
pub(super) fn rel(t: &Translator<'_>, item: &Item<'_>, rv: &RangeVar) -> QualifiedName {
    if !rv.schemaname.is_empty() {
        return QualifiedName::new(&rv.schemaname, &rv.relname);
    }
    let has = |s: &str| {
        let k = QualifiedName::new(s, &rv.relname).to_string();
        t.db.tables.contains_key(&k)
            || t.db.views.contains_key(&k)
            || t.db.sequences.contains_key(&k)
    };
    let schema = item
        .path
        .iter()
        .find(|s| has(s))
        .cloned()
        .unwrap_or_else(|| creation_schema(item));
    QualifiedName::new(schema, &rv.relname)
}

/// A dotted name (`[schema, name]` or `[name]`) referred to, looked for
/// on `search_path` with `has`.
pub(super) fn qualified(
    item: &Item<'_>,
    names: &[String],
    has: impl Fn(&QualifiedName) -> bool,
) -> Result<QualifiedName, Refusal> {
    match names {
        [n] => {
            let found = item
                .path
                .iter()
                .map(|s| QualifiedName::new(s, n))
                .find(|q| has(q));
            Ok(found.unwrap_or_else(|| QualifiedName::new(creation_schema(item), n)))
        }
        [s, n] => Ok(QualifiedName::new(s, n)),
        [_, s, n] => Ok(QualifiedName::new(s, n)),
        _ => Err(Refusal::new("not a name")),
    }
}

/// A type in canonical form; an unqualified type of the model's is found
/// on `search_path`.
pub(super) fn ty(t: &Translator<'_>, item: &Item<'_>, tn: &TypeName) -> Result<String, Refusal> {
    let at = usize::try_from(tn.location).ok();
    let bad = |m: String| match at {
        Some(a) => Refusal::new(m).at(a),
        None => Refusal::new(m),
    };
    let names = strings(&tn.names);
    let text = names.join(".");
    let plain = canonical_type_node(tn, &text).map_err(bad)?;
    if names.len() != 1 || !plain.starts_with("public.") {
        return Ok(plain);
    }
    let db = &t.db;
    let has = |q: &QualifiedName| {
        let k = q.to_string();
        db.has_type(&k) || db.tables.contains_key(&k)
    };
    let q = qualified(item, &names, has)?;
    if q.schema == "public" {
        return Ok(plain);
    }
    let mut tn = tn.clone();
    tn.names.insert(
        0,
        Node {
            node: Some(N::String(pb::String { sval: q.schema })),
        },
    );
    canonical_type_node(&tn, &text).map_err(bad)
}

pub(super) fn role(r: &pb::RoleSpec) -> Option<String> {
    match RoleSpecType::try_from(r.roletype).ok()? {
        RoleSpecType::RolespecCstring => Some(r.rolename.clone()),
        RoleSpecType::RolespecPublic => Some("public".into()),
        // The applying role: what an absent owner means.
        _ => None,
    }
}

pub(super) fn role_node(n: &Node) -> Option<String> {
    match n.node.as_ref()? {
        N::RoleSpec(r) => role(r),
        _ => None,
    }
}

/// The expression `node` as written in `item`: the text after the token
/// `keyword` (the last one before the expression), inside parentheses
/// when `parens`, else up to a token of `stops` at depth 0.
pub(super) fn written_expr(
    t: &Translator<'_>,
    item: &Item<'_>,
    node: &Node,
    keyword: Token,
    parens: bool,
    stops: &[Token],
) -> String {
    let text = t.text(item);
    let toks = t.tokens(item);
    let written = first_location(node).and_then(|at| {
        let (lo, hi) = (toks.at(stmt_start(item)), toks.at(stmt_end(item, text)));
        let k = toks.last_of(keyword, lo, toks.at(at + 1))?;
        if parens {
            toks.in_parens(text, k + 1, hi)
        } else {
            toks.until(text, k + 1, hi, stops)
        }
    });
    expr_text(node, written)
}

// Schemas, extensions, types, sequences.

fn schema(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateSchemaStmt) -> Done {
    if !s.schema_elts.is_empty() {
        return Err(
            Refusal::new("CREATE SCHEMA with objects inside it is not supported")
                .hint("create the objects in statements of their own"),
        );
    }
    let name = s.schemaname.clone();
    t.created_schemas.insert(name.clone());
    let def = schema_def(t, &name);
    if let Some(owner) = s.authrole.as_ref().and_then(role) {
        def.owner = Some(owner);
    }
    t.place(item, &["schemas", &name], None);
    Ok(())
}

/// A schema's entry. `public` is there before any file: changed by the
/// files without being created, it starts as PostgreSQL (15 and later)
/// makes it, so a GRANT to `anon` does not also revoke PUBLIC's usage,
/// change its owner or drop its comment. Its privileges start so even
/// when the files create it, as pg_dump writes `CREATE SCHEMA public`
/// and then only the privileges that differ from those.
fn schema_def<'t>(t: &'t mut Translator<'_>, name: &str) -> &'t mut SchemaDef {
    if name == "public" && !t.db.schemas.contains_key(name) {
        let mut def = SchemaDef::default();
        def.grants.insert("public".into(), vec!["usage".into()]);
        if !t.created_schemas.contains(name) {
            def.owner = Some("pg_database_owner".into());
            def.comment = Some("standard public schema".into());
        }
        t.db.schemas.insert(name.into(), def);
    }
    t.db.schemas.entry(name.into()).or_default()
}

fn extension(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateExtensionStmt) -> Done {
    let mut e = Extension::default();
    for o in &s.options {
        if let Some(N::DefElem(d)) = o.node.as_ref() {
            match d.defname.as_str() {
                "schema" => e.schema = Some(def_text(d)).filter(|s| s != "public"),
                "new_version" => e.version = Some(def_text(d)),
                _ => {}
            }
        }
    }
    t.db.extensions.insert(s.extname.clone(), e);
    t.place(item, &["extensions", &s.extname], None);
    Ok(())
}

fn type_name(item: &Item<'_>, names: &[Node]) -> Result<QualifiedName, Refusal> {
    let names = strings(names);
    match names.as_slice() {
        [n] => Ok(QualifiedName::new(creation_schema(item), n)),
        [s, n] => Ok(QualifiedName::new(s, n)),
        _ => Err(Refusal::new("not a type name")),
    }
}

fn enum_type(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateEnumStmt) -> Done {
    let q = type_name(item, &s.type_name)?;
    let key = q.to_string();
    t.db.enums.insert(
        key.clone(),
        EnumType {
            values: strings(&s.vals).into_iter().map(Into::into).collect(),
            ..Default::default()
        },
    );
    t.place(item, &["enums", &key], None);
    Ok(())
}

fn composite(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CompositeTypeStmt) -> Done {
    let rv = s
        .typevar
        .as_ref()
        .ok_or_else(|| Refusal::new("no type name"))?;
    let key = new_rel(item, rv).to_string();
    let mut c = CompositeType::default();
    for col in &s.coldeflist {
        if let Some(N::ColumnDef(cd)) = col.node.as_ref() {
            let tn = cd
                .type_name
                .as_ref()
                .ok_or_else(|| Refusal::new("no type"))?;
            c.attributes.insert(cd.colname.clone(), ty(t, item, tn)?);
        }
    }
    t.db.composite_types.insert(key.clone(), c);
    t.place(item, &["composite_types", &key], None);
    Ok(())
}

fn range(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateRangeStmt) -> Done {
    let q = type_name(item, &s.type_name)?;
    let key = q.to_string();
    let mut r = RangeType::default();
    for o in &s.params {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        let names = match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
            Some(N::TypeName(tn)) => strings(&tn.names),
            Some(N::List(l)) => strings(&l.items),
            _ => vec![def_text(d)],
        };
        // A bare name is found on search_path among the model's objects,
        // else left bare (a built-in one).
        let name = |found: &dyn Fn(&QualifiedName) -> bool| match names.as_slice() {
            [n] => item
                .path
                .iter()
                .map(|s| QualifiedName::new(s, n))
                .find(|q| found(q))
                .map_or_else(|| crate::model::name::key_part(n), |q| q.to_string()),
            _ => dotted(&names),
        };
        let db = &t.db;
        match d.defname.as_str() {
            "subtype" => match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                Some(N::TypeName(tn)) => r.subtype = ty(t, item, tn)?,
                _ => return Err(Refusal::new("SUBTYPE is not a type")),
            },
            "subtype_opclass" => r.subtype_opclass = Some(name(&|_| false)),
            "collation" => {
                r.collation = Some(name(&|q| db.collations.contains_key(&q.to_string())))
            }
            // Found among the model's functions once they are read.
            "canonical" => r.canonical = Some(name(&|_| false)),
            "subtype_diff" => r.subtype_diff = Some(name(&|_| false)),
            "multirange_type_name" => {
                r.multirange_type_name = Some(match names.as_slice() {
                    [n] if creation_schema(item) == q.schema => crate::model::name::key_part(n),
                    [n] => QualifiedName::new(creation_schema(item), n).to_string(),
                    [sc, n] if *sc == q.schema => crate::model::name::key_part(n),
                    _ => dotted(&names),
                })
            }
            other => {
                return Err(Refusal::new(format!(
                    "range type option `{other}` is not known"
                )))
            }
        }
    }
    if r.subtype.is_empty() {
        return Err(Refusal::new(format!("range type {key} has no SUBTYPE")));
    }
    if r.multirange_type_name.as_deref() == Some(&RangeType::derived_multirange(&q.name)) {
        r.multirange_type_name = None;
    }
    if t.db.has_type(&key) {
        return Err(Refusal::new(format!("type {key} is created twice")));
    }
    t.db.range_types.insert(key.clone(), r);
    t.place(item, &["range_types", &key], None);
    Ok(())
}

/// A range type's bare CANONICAL and SUBTYPE_DIFF function names, found
/// on `search_path` among the model's functions (else built-in ones).
pub(super) fn range_functions(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateRangeStmt) {
    let Ok(q) = type_name(item, &s.type_name) else {
        return;
    };
    let functions = &t.db.functions;
    let Some(r) = t.db.range_types.get_mut(&q.to_string()) else {
        return;
    };
    for f in [&mut r.canonical, &mut r.subtype_diff]
        .into_iter()
        .flatten()
    {
        let n = match crate::model::name::split_dotted(f) {
            Ok(p) if p.len() == 1 => p[0].clone(),
            _ => continue,
        };
        let found = item
            .path
            .iter()
            .map(|s| QualifiedName::new(s, &n))
            .find(|q| {
                let prefix = format!("{q}(");
                functions.keys().any(|k| k.starts_with(&prefix))
            });
        if let Some(q) = found {
            *f = q.to_string();
        }
    }
}

/// A qualified name as the catalog reads it: `pg_catalog` left out.
fn dotted(names: &[String]) -> String {
    match names {
        [s, n] if s == "pg_catalog" => crate::model::name::key_part(n),
        [s, n] => QualifiedName::new(s, n).to_string(),
        _ => names.join("."),
    }
}

fn domain(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateDomainStmt) -> Done {
    let q = type_name(item, &s.domainname)?;
    let key = q.to_string();
    let tn = s
        .type_name
        .as_ref()
        .ok_or_else(|| Refusal::new("no type"))?;
    let mut d = Domain {
        type_: ty(t, item, tn)?,
        nullable: true,
        ..Default::default()
    };
    if let Some(c) = &s.coll_clause {
        d.collation = Some(strings(&c.collname).join("."));
    }
    for c in &s.constraints {
        let Some(N::Constraint(c)) = c.node.as_ref() else {
            continue;
        };
        match pb::ConstrType::try_from(c.contype) {
            Ok(pb::ConstrType::ConstrNotnull) => d.nullable = false,
            Ok(pb::ConstrType::ConstrNull) => d.nullable = true,
            Ok(pb::ConstrType::ConstrDefault) => {
                if let Some(x) = c.raw_expr.as_deref() {
                    d.default = Some(written_expr(
                        t,
                        item,
                        x,
                        Token::Default,
                        false,
                        &DEFAULT_STOPS,
                    ));
                }
            }
            Ok(pb::ConstrType::ConstrCheck) => {
                let x = c
                    .raw_expr
                    .as_deref()
                    .ok_or_else(|| Refusal::new("no check"))?;
                let name = if c.conname.is_empty() {
                    super::text::pg_name(&q.name, "", "check")
                } else {
                    c.conname.clone()
                };
                let text = written_expr(t, item, x, Token::Check, true, &[]);
                d.checks.insert(name, text);
            }
            _ => return Err(Refusal::new("this domain constraint is not supported")),
        }
    }
    t.db.domains.insert(key.clone(), d);
    t.place(item, &["domains", &key], None);
    Ok(())
}

/// Where a column or domain DEFAULT ends.
pub(super) const DEFAULT_STOPS: [Token; 13] = [
    Token::Ascii44,
    Token::Ascii59,
    Token::Constraint,
    Token::Not,
    Token::NullP,
    Token::Check,
    Token::Default,
    Token::Primary,
    Token::Unique,
    Token::References,
    Token::Generated,
    Token::Deferrable,
    Token::Initially,
];

fn sequence_options(
    seq: &mut Sequence,
    options: &[Node],
    t: &Translator<'_>,
    item: &Item<'_>,
) -> Done {
    for o in options {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        match d.defname.as_str() {
            "as" => {
                if let Some(Node {
                    node: Some(N::TypeName(tn)),
                }) = d.arg.as_deref()
                {
                    seq.type_ = Some(ty(t, item, tn)?);
                }
            }
            "start" => seq.start = def_i64(d),
            "increment" => seq.increment = def_i64(d),
            "minvalue" if d.arg.is_some() => seq.min_value = def_i64(d),
            "maxvalue" if d.arg.is_some() => seq.max_value = def_i64(d),
            "cache" => seq.cache = def_i64(d),
            "cycle" => seq.cycle = def_bool(d),
            "owned_by" => {
                let names = match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                    Some(N::List(l)) => strings(&l.items),
                    _ => vec![],
                };
                seq.owned_by = match names.as_slice() {
                    [n] if n == "none" => None,
                    [tab, col] => Some(format!(
                        "{}.{}",
                        QualifiedName::new(creation_schema(item), tab),
                        crate::model::name::key_part(col)
                    )),
                    [s, tab, col] => Some(format!(
                        "{}.{}",
                        QualifiedName::new(s, tab),
                        crate::model::name::key_part(col)
                    )),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    Ok(())
}

fn sequence(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateSeqStmt) -> Done {
    let rv = s.sequence.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let key = new_rel(item, rv).to_string();
    let mut seq = Sequence::default();
    sequence_options(&mut seq, &s.options, t, item)?;
    t.db.sequences.insert(key.clone(), seq);
    t.place(item, &["sequences", &key], None);
    Ok(())
}

fn alter_sequence(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::AlterSeqStmt) -> Done {
    let rv = s.sequence.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let key = rel(t, item, rv).to_string();
    if !t.db.sequences.contains_key(&key) {
        if let Some(seq) = identity_sequence(&mut t.db, &key) {
            super::table::identity_options(seq, &s.options);
            return Ok(());
        }
    }
    let mut seq =
        t.db.sequences
            .get(&key)
            .cloned()
            .ok_or_else(|| Refusal::new(format!("sequence {key} is not created in these files")))?;
    sequence_options(&mut seq, &s.options, t, item)?;
    t.db.sequences.insert(key, seq);
    Ok(())
}

// Views and functions.

fn view(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::ViewStmt) -> Done {
    let rv = s.view.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    if !s.aliases.is_empty() {
        return Err(Refusal::new("a view with a column list is not supported")
            .hint("name the columns in the query (`SELECT a AS x`)"));
    }
    let key = new_rel(item, rv).to_string();
    let mut v = View {
        definition: query_text(t, item)?,
        ..Default::default()
    };
    for o in &s.options {
        if let Some(N::DefElem(d)) = o.node.as_ref() {
            v.options.insert(d.defname.clone(), def_text(d));
        }
    }
    v.check_option = match pb::ViewCheckOption::try_from(s.with_check_option) {
        Ok(pb::ViewCheckOption::LocalCheckOption) => Some("local".into()),
        Ok(pb::ViewCheckOption::CascadedCheckOption) => Some("cascaded".into()),
        _ => None,
    };
    t.db.views.insert(key.clone(), v);
    t.place(item, &["views", &key], None);
    Ok(())
}

fn materialized(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateTableAsStmt) -> Done {
    if ObjectType::try_from(s.objtype) != Ok(ObjectType::ObjectMatview) {
        return Err(Refusal::new("CREATE TABLE AS is not desired state")
            .hint("declare the table's columns with CREATE TABLE"));
    }
    let into = s.into.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let rv = into.rel.as_ref().ok_or_else(|| Refusal::new("no name"))?;
    let key = new_rel(item, rv).to_string();
    let v = View {
        materialized: true,
        with_no_data: into.skip_data,
        definition: query_text(t, item)?,
        ..Default::default()
    };
    t.db.views.insert(key.clone(), v);
    t.place(item, &["views", &key], None);
    Ok(())
}

/// The query of CREATE [MATERIALIZED] VIEW ... AS <query>, as written:
/// after the first AS at depth 0, without a trailing WITH [LOCAL |
/// CASCADED] CHECK OPTION or WITH [NO] DATA.
fn query_text(t: &Translator<'_>, item: &Item<'_>) -> Result<String, Refusal> {
    let text = t.text(item);
    let toks = t.tokens(item);
    let (lo, hi) = (toks.at(stmt_start(item)), toks.at(stmt_end(item, text)));
    let as_ = toks
        .first_of(Token::As, lo, hi)
        .ok_or_else(|| Refusal::new("no query"))?;
    let mut last = hi.saturating_sub(1);
    while last > as_ && toks.kind(last) == Some(Token::Ascii59) {
        last -= 1;
    }
    // WITH ... CHECK OPTION / WITH [NO] DATA at the end.
    if let Some(w) = toks.last_of(Token::With, as_ + 1, last + 1) {
        let tail: Vec<Option<Token>> = (w..=last).map(|i| toks.kind(i)).collect();
        let ends_option = tail.last() == Some(&Some(Token::Option));
        let ends_data = matches!(tail.last(), Some(Some(Token::DataP)));
        if (ends_option || ends_data) && tail.len() <= 4 {
            last = w - 1;
        }
    }
    toks.span(text, as_ + 1, last)
        .map(|s| s.trim().to_string())
        .ok_or_else(|| Refusal::new("no query"))
}

fn function(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CreateFunctionStmt) -> Done {
    let names = strings(&s.funcname);
    let q = match names.as_slice() {
        [n] => QualifiedName::new(creation_schema(item), n),
        [s, n] => QualifiedName::new(s, n),
        _ => return Err(Refusal::new("not a function name")),
    };
    let mut identity = Vec::new();
    let mut all = Vec::new();
    let mut table_cols = Vec::new();
    let mut outs = Vec::new();
    for p in &s.parameters {
        let Some(N::FunctionParameter(p)) = p.node.as_ref() else {
            continue;
        };
        let tn = p.arg_type.as_ref().ok_or_else(|| Refusal::new("no type"))?;
        let mut typ = ty(t, item, tn)?;
        if tn.setof {
            typ = format!("SETOF {typ}");
        }
        let mode = pb::FunctionParameterMode::try_from(p.mode)
            .unwrap_or(pb::FunctionParameterMode::FuncParamIn);
        let named = |typ: &str| match p.name.as_str() {
            "" => typ.to_string(),
            n => format!("{} {typ}", quote_ident(n)),
        };
        use pb::FunctionParameterMode as M;
        match mode {
            M::FuncParamTable => {
                table_cols.push(named(&typ));
                continue;
            }
            M::FuncParamOut => {
                outs.push(typ.clone());
                all.push(format!("OUT {}", named(&typ)));
                continue;
            }
            _ => {}
        }
        identity.push(typ.clone());
        let mut arg = match mode {
            M::FuncParamInout => format!("INOUT {}", named(&typ)),
            M::FuncParamVariadic => format!("VARIADIC {}", named(&typ)),
            _ => named(&typ),
        };
        if let Some(x) = p.defexpr.as_deref() {
            let stops = [Token::Ascii44];
            let d = written_expr(t, item, x, Token::Default, false, &stops);
            let d = if d.is_empty() {
                written_expr(t, item, x, Token::Ascii61, false, &stops)
            } else {
                d
            };
            arg.push_str(&format!(" DEFAULT {d}"));
        }
        all.push(arg);
    }
    let key = format!("{q}({})", identity.join(", "));
    let mut f = Function {
        kind: if s.is_procedure {
            FunctionKind::Procedure
        } else {
            FunctionKind::Function
        },
        ..Default::default()
    };
    let all = all.join(", ");
    if all != identity.join(", ") {
        f.arguments = Some(all);
    }
    f.returns = if s.is_procedure {
        None
    } else if !table_cols.is_empty() {
        Some(format!("TABLE({})", table_cols.join(", ")))
    } else if let Some(rt) = &s.return_type {
        let plain = TypeName {
            setof: false,
            ..rt.clone()
        };
        let base = ty(t, item, &plain)?;
        Some(if rt.setof {
            format!("SETOF {base}")
        } else {
            base
        })
    } else if outs.len() == 1 {
        Some(outs[0].clone())
    } else {
        Some("record".into())
    };
    for o in &s.options {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        match d.defname.as_str() {
            "as" => {
                let parts = match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                    Some(N::List(l)) => strings(&l.items),
                    _ => vec![def_text(d)],
                };
                f.body = parts.first().cloned().unwrap_or_default();
            }
            "language" => f.language = def_text(d).to_lowercase(),
            "volatility" => {
                f.volatility = match def_text(d).as_str() {
                    "immutable" => Volatility::Immutable,
                    "stable" => Volatility::Stable,
                    _ => Volatility::Volatile,
                }
            }
            "strict" => f.strict = def_bool(d),
            "security" => f.security_definer = def_bool(d),
            "leakproof" => f.leakproof = def_bool(d),
            "parallel" => f.parallel = Some(def_text(d).to_lowercase()),
            "cost" => f.cost = def_text(d).parse().ok(),
            "rows" => f.rows = def_text(d).parse().ok(),
            "set" => {
                if let Some(N::VariableSetStmt(v)) = d.arg.as_deref().and_then(|n| n.node.as_ref())
                {
                    let values: Vec<String> = v.args.iter().filter_map(const_text).collect();
                    let value = if v.name.eq_ignore_ascii_case("search_path") {
                        values
                            .iter()
                            .flat_map(|x| path_items_keep_empty(x))
                            .map(|x| {
                                if x.is_empty() {
                                    "\"\"".to_string()
                                } else {
                                    quote_ident(&x)
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    } else {
                        values.join(", ")
                    };
                    f.config.insert(v.name.clone(), value);
                }
            }
            "window" => {
                return Err(Refusal::new("window functions are not supported"));
            }
            _ => {}
        }
    }
    if let Some(body) = s.sql_body.as_deref() {
        let _ = body;
        let text = t.text(item);
        let toks = t.tokens(item);
        let (lo, hi) = (toks.at(stmt_start(item)), toks.at(stmt_end(item, text)));
        let start = (lo..hi)
            .find(|&i| {
                matches!(toks.kind(i), Some(Token::BeginP | Token::Return))
                    && toks.kind(i + 1) != Some(Token::Ascii59)
            })
            .ok_or_else(|| Refusal::new("no body"))?;
        f.body = toks
            .span(text, start, hi - 1)
            .unwrap_or_default()
            .trim()
            .to_string();
        if f.language.is_empty() {
            f.language = "sql".into();
        }
    }
    if f.language.is_empty() {
        return Err(Refusal::new("the function has no LANGUAGE"));
    }
    t.db.functions.insert(key.clone(), f);
    t.place(item, &["functions", &key], None);
    Ok(())
}

/// `SET search_path = ''` gives one empty item.
fn collation(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::DefineStmt) -> Done {
    let names = strings(&s.defnames);
    let q = match names.as_slice() {
        [n] => QualifiedName::new(creation_schema(item), n),
        [sc, n] => QualifiedName::new(sc, n),
        _ => return Err(Refusal::new("not a collation name")),
    };
    let mut c = Collation::default();
    for d in &s.definition {
        let Some(N::DefElem(d)) = d.node.as_ref() else {
            continue;
        };
        match d.defname.as_str() {
            "provider" => c.provider = def_text(d).to_lowercase(),
            "locale" => c.locale = Some(def_text(d)),
            "lc_collate" => c.lc_collate = Some(def_text(d)),
            "lc_ctype" => c.lc_ctype = Some(def_text(d)),
            "deterministic" => c.deterministic = def_bool(d),
            "rules" => c.rules = Some(def_text(d)),
            // The library's version: recorded by the server, not declared.
            "version" => {}
            "from" => {
                return Err(Refusal::new("CREATE COLLATION ... FROM is not supported")
                    .hint("write the provider and locale of the collation copied"))
            }
            other => {
                return Err(Refusal::new(format!(
                    "collation option `{other}` is not known"
                )))
            }
        }
    }
    if c.provider == "libc" && c.lc_collate.is_none() && c.lc_ctype.is_none() && c.locale.is_none()
    {
        return Err(Refusal::new(
            "a libc collation needs a locale (or lc_collate and lc_ctype)",
        ));
    }
    let key = q.to_string();
    if t.db.collations.insert(key.clone(), c).is_some() {
        return Err(Refusal::new(format!("collation {key} is created twice")));
    }
    t.place(item, &["collations", &key], None);
    Ok(())
}

fn aggregate(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::DefineStmt) -> Done {
    let names = strings(&s.defnames);
    let q = match names.as_slice() {
        [n] => QualifiedName::new(creation_schema(item), n),
        [sc, n] => QualifiedName::new(sc, n),
        _ => return Err(Refusal::new("not an aggregate name")),
    };
    // args: [list of FunctionParameter, ...] (none for `*`).
    let mut types = Vec::new();
    if let Some(N::List(l)) = s.args.first().and_then(|a| a.node.as_ref()) {
        for p in &l.items {
            if let Some(N::FunctionParameter(p)) = p.node.as_ref() {
                let tn = p.arg_type.as_ref().ok_or_else(|| Refusal::new("no type"))?;
                types.push(ty(t, item, tn)?);
            }
        }
    }
    let mut a = Aggregate::default();
    for d in &s.definition {
        let Some(N::DefElem(d)) = d.node.as_ref() else {
            continue;
        };
        let func = |d: &pb::DefElem| -> Result<String, Refusal> {
            let names = match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                Some(N::TypeName(tn)) => strings(&tn.names),
                Some(N::List(l)) => strings(&l.items),
                _ => vec![def_text(d)],
            };
            let db = &t.db;
            let q = qualified(item, &names, |q| {
                let prefix = format!("{q}(");
                db.functions.keys().any(|k| k.starts_with(&prefix))
            })?;
            Ok(q.to_string())
        };
        match d.defname.as_str() {
            "sfunc" => a.sfunc = func(d)?,
            "stype" => {
                if let Some(N::TypeName(tn)) = d.arg.as_deref().and_then(|n| n.node.as_ref()) {
                    a.stype = ty(t, item, tn)?;
                }
            }
            "finalfunc" => a.finalfunc = Some(func(d)?),
            "combinefunc" => a.combinefunc = Some(func(d)?),
            "initcond" => a.initcond = Some(def_text(d)),
            "sortop" => a.sortop = Some(def_text(d)),
            "parallel" => a.parallel = Some(def_text(d).to_lowercase()),
            _ => {
                return Err(Refusal::new(format!(
                    "aggregate option {} is not supported",
                    d.defname
                )))
            }
        }
    }
    let key = format!("{q}({})", types.join(", "));
    t.db.aggregates.insert(key.clone(), a);
    t.place(item, &["aggregates", &key], None);
    Ok(())
}

fn path_items_keep_empty(v: &str) -> Vec<String> {
    v.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect()
}

/// A function named by `ObjectWithArgs`: its key in the model.
pub(super) fn function_key(
    t: &Translator<'_>,
    item: &Item<'_>,
    o: &pb::ObjectWithArgs,
) -> Result<String, Refusal> {
    let names = strings(&o.objname);
    let by_name = |q: &QualifiedName| {
        let prefix = format!("{q}(");
        t.db.functions.keys().any(|k| k.starts_with(&prefix))
    };
    let q = qualified(item, &names, by_name)?;
    if o.args_unspecified {
        let prefix = format!("{q}(");
        let found: Vec<&String> =
            t.db.functions
                .keys()
                .filter(|k| k.starts_with(&prefix))
                .collect();
        return match found.as_slice() {
            [k] => Ok((*k).clone()),
            [] => Err(Refusal::new(format!(
                "function {q} is not created in these files"
            ))),
            _ => Err(Refusal::new(format!(
                "function {q} has several overloads: name its argument types"
            ))),
        };
    }
    let mut types = Vec::new();
    for a in &o.objargs {
        if let Some(N::TypeName(tn)) = a.node.as_ref() {
            types.push(ty(t, item, tn)?);
        }
    }
    Ok(format!("{q}({})", types.join(", ")))
}

// Comments, grants, owners.

fn comment(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::CommentStmt) -> Done {
    let text = (!s.comment.is_empty()).then(|| s.comment.clone());
    let object = s
        .object
        .as_deref()
        .ok_or_else(|| Refusal::new("no object"))?;
    let list = || match object.node.as_ref() {
        Some(N::List(l)) => strings(&l.items),
        Some(N::String(x)) => vec![x.sval.clone()],
        _ => vec![],
    };
    let kind = ObjectType::try_from(s.objtype).map_err(|_| Refusal::new("unknown object"))?;
    let missing = |what: &str, name: &str| {
        Refusal::new(format!("{what} {name} is not created in these files"))
    };
    match kind {
        ObjectType::ObjectSchema => {
            let name = list().join(".");
            schema_def(t, &name).comment = text;
        }
        ObjectType::ObjectTsconfiguration | ObjectType::ObjectCollation => {
            *owned(t, item, kind, &list())?.1 = text;
        }
        ObjectType::ObjectPublication => {
            let name = list().join(".");
            t.db.publications
                .get_mut(&name)
                .ok_or_else(|| missing("publication", &name))?
                .comment = text;
        }
        ObjectType::ObjectExtension => {
            let name = list().join(".");
            let e =
                t.db.extensions
                    .get_mut(&name)
                    .ok_or_else(|| missing("extension", &name))?;
            e.comment = text;
        }
        ObjectType::ObjectTable
        | ObjectType::ObjectView
        | ObjectType::ObjectMatview
        | ObjectType::ObjectSequence => {
            let names = list();
            let db = &t.db;
            let q = qualified(item, &names, |q| {
                let k = q.to_string();
                db.tables.contains_key(&k)
                    || db.views.contains_key(&k)
                    || db.sequences.contains_key(&k)
            })?;
            let k = q.to_string();
            if let Some(x) = t.db.tables.get_mut(&k) {
                x.comment = text;
            } else if let Some(x) = t.db.views.get_mut(&k) {
                x.comment = text;
            } else if let Some(x) = t.db.sequences.get_mut(&k) {
                x.comment = text;
            } else {
                return Err(missing("relation", &k));
            }
        }
        ObjectType::ObjectColumn => {
            let mut names = list();
            let col = names.pop().ok_or_else(|| Refusal::new("no column"))?;
            let db = &t.db;
            let q = qualified(item, &names, |q| {
                let k = q.to_string();
                db.tables.contains_key(&k) || db.views.contains_key(&k)
            })?;
            let k = q.to_string();
            if let Some(x) = t.db.tables.get_mut(&k) {
                let c = x
                    .columns
                    .get_mut(&col)
                    .ok_or_else(|| missing("column", &format!("{k}.{col}")))?;
                c.comment = text;
            } else if let Some(v) = t.db.views.get_mut(&k) {
                match text {
                    Some(c) => v.column_comments.insert(col, c),
                    None => v.column_comments.shift_remove(&col),
                };
            } else {
                return Err(missing("relation", &k));
            }
        }
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            let Some(N::ObjectWithArgs(o)) = object.node.as_ref() else {
                return Err(Refusal::new("no function"));
            };
            let key = function_key(t, item, o)?;
            let f =
                t.db.functions
                    .get_mut(&key)
                    .ok_or_else(|| missing("function", &key))?;
            f.comment = text;
        }
        ObjectType::ObjectType | ObjectType::ObjectDomain => {
            let names = match object.node.as_ref() {
                Some(N::TypeName(tn)) => strings(&tn.names),
                _ => list(),
            };
            let (comment, _) = user_type(t, item, &names)?;
            *comment = text;
        }
        ObjectType::ObjectIndex
        | ObjectType::ObjectTabconstraint
        | ObjectType::ObjectPolicy
        | ObjectType::ObjectTrigger
        | ObjectType::ObjectRule => table::comment(t, item, kind, list(), text)?,
        _ => {
            return Err(Refusal::new(format!(
                "`{}` is not supported in schema SQL files",
                words(t.text(item), item)
            )))
        }
    }
    Ok(())
}

/// Privileges of each kind, for `ALL` and for revoking some of them.
fn all_privileges(kind: ObjectType) -> &'static [&'static str] {
    match kind {
        ObjectType::ObjectTable => &[
            "select",
            "insert",
            "update",
            "delete",
            "truncate",
            "references",
            "trigger",
        ],
        ObjectType::ObjectSequence => &["select", "update", "usage"],
        ObjectType::ObjectSchema => &["usage", "create"],
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine => {
            &["execute"]
        }
        _ => &["usage"],
    }
}

/// Applies a GRANT (or REVOKE) to one grants map.
pub(super) fn apply_grant(
    grants: &mut Grants,
    s: &pb::GrantStmt,
    kind: ObjectType,
    cols: Option<&str>,
) {
    let privs: Vec<(String, Vec<String>)> = s
        .privileges
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(N::AccessPriv(a)) => Some((a.priv_name.to_lowercase(), strings(&a.cols))),
            _ => None,
        })
        .collect();
    let words: Vec<String> = if privs.is_empty() {
        vec!["all".into()]
    } else {
        privs
            .iter()
            .filter(|(_, c)| match cols {
                None => c.is_empty(),
                Some(col) => c.iter().any(|x| x == col),
            })
            .map(|(p, _)| p.clone())
            .collect()
    };
    if words.is_empty() {
        return;
    }
    let every = all_privileges(kind);
    let expand = |w: &str| -> Vec<String> {
        if w == "all" || w == "all privileges" {
            every.iter().map(|x| x.to_string()).collect()
        } else {
            vec![w.to_string()]
        }
    };
    for g in s.grantees.iter().filter_map(role_node) {
        if s.is_grant {
            let entry = grants.entry(g).or_default();
            for w in &words {
                let w = if s.grant_option {
                    format!("{w} with grant option")
                } else {
                    w.clone()
                };
                if !entry.contains(&w) {
                    entry.push(w);
                }
            }
        } else {
            let held: Vec<String> = grants.get(&g).cloned().unwrap_or_default();
            let mut left: Vec<String> = held
                .iter()
                .flat_map(|h| {
                    let (base, opt) = match h.strip_suffix(" with grant option") {
                        Some(b) => (b, true),
                        None => (h.as_str(), false),
                    };
                    expand(base).into_iter().map(move |x| {
                        if opt {
                            format!("{x} with grant option")
                        } else {
                            x
                        }
                    })
                })
                .collect();
            let gone: BTreeSet<String> = words.iter().flat_map(|w| expand(w)).collect();
            left.retain(|h| !gone.contains(h.trim_end_matches(" with grant option")));
            // PUBLIC's default EXECUTE or USAGE revoked: an empty entry.
            if left.is_empty() && (g != "public" || every == ["execute"] || every == ["usage"]) {
                if g == "public" {
                    grants.insert(g, vec![]);
                } else {
                    grants.shift_remove(&g);
                }
            } else {
                grants.insert(g, left);
            }
        }
    }
}

fn grant(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::GrantStmt) -> Done {
    let kind = ObjectType::try_from(s.objtype).map_err(|_| Refusal::new("unknown object"))?;
    let target =
        pb::GrantTargetType::try_from(s.targtype).unwrap_or(pb::GrantTargetType::AclTargetObject);
    let missing = |what: &str, name: &str| {
        Refusal::new(format!("{what} {name} is not created in these files"))
    };
    if target == pb::GrantTargetType::AclTargetAllInSchema {
        // Every object of the kind the files create in those schemas.
        for schema in strings(&s.objects) {
            let prefix = format!("{}.", crate::model::name::key_part(&schema));
            match kind {
                ObjectType::ObjectTable => {
                    let keys: Vec<String> =
                        t.db.tables
                            .keys()
                            .chain(t.db.views.keys())
                            .filter(|k| k.starts_with(&prefix))
                            .cloned()
                            .collect();
                    for k in keys {
                        if let Some(x) = t.db.tables.get_mut(&k) {
                            apply_grant(&mut x.grants, s, kind, None);
                        } else if let Some(x) = t.db.views.get_mut(&k) {
                            apply_grant(&mut x.grants, s, kind, None);
                        }
                    }
                }
                ObjectType::ObjectSequence => {
                    for (k, x) in t.db.sequences.iter_mut() {
                        if k.starts_with(&prefix) {
                            apply_grant(&mut x.grants, s, kind, None);
                        }
                    }
                }
                _ => {
                    for (k, x) in t.db.functions.iter_mut() {
                        if k.starts_with(&prefix) {
                            apply_grant(&mut x.grants, s, kind, None);
                        }
                    }
                }
            }
        }
        return Ok(());
    }
    for o in &s.objects {
        match (kind, o.node.as_ref()) {
            (ObjectType::ObjectTable | ObjectType::ObjectSequence, Some(N::RangeVar(rv))) => {
                let k = rel(t, item, rv).to_string();
                let cols: BTreeSet<String> = s
                    .privileges
                    .iter()
                    .filter_map(|p| match p.node.as_ref() {
                        Some(N::AccessPriv(a)) => Some(strings(&a.cols)),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                if let Some(x) = t.db.tables.get_mut(&k) {
                    apply_grant(&mut x.grants, s, ObjectType::ObjectTable, None);
                    for c in &cols {
                        let col = x
                            .columns
                            .get_mut(c)
                            .ok_or_else(|| missing("column", &format!("{k}.{c}")))?;
                        apply_grant(&mut col.grants, s, ObjectType::ObjectTable, Some(c));
                    }
                } else if let Some(x) = t.db.views.get_mut(&k) {
                    apply_grant(&mut x.grants, s, ObjectType::ObjectTable, None);
                    for c in &cols {
                        let g = x.column_grants.entry(c.clone()).or_default();
                        apply_grant(g, s, ObjectType::ObjectTable, Some(c));
                    }
                } else if let Some(x) = t.db.sequences.get_mut(&k) {
                    apply_grant(&mut x.grants, s, ObjectType::ObjectSequence, None);
                } else if let Some(seq) = identity_sequence(&mut t.db, &k) {
                    apply_grant(&mut seq.grants, s, ObjectType::ObjectSequence, None);
                } else if !t.attached.contains(&k) {
                    return Err(missing("relation", &k));
                }
            }
            (
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine,
                Some(N::ObjectWithArgs(f)),
            ) => {
                let key = function_key(t, item, f)?;
                let f =
                    t.db.functions
                        .get_mut(&key)
                        .ok_or_else(|| missing("function", &key))?;
                apply_grant(&mut f.grants, s, kind, None);
            }
            (ObjectType::ObjectSchema, Some(N::String(x))) => {
                let def = schema_def(t, &x.sval);
                apply_grant(&mut def.grants, s, kind, None);
            }
            (ObjectType::ObjectType | ObjectType::ObjectDomain, Some(N::TypeName(tn))) => {
                let k = ty(t, item, tn)?;
                if let Some(x) = t.db.enums.get_mut(&k) {
                    apply_grant(&mut x.grants, s, kind, None);
                } else if let Some(x) = t.db.domains.get_mut(&k) {
                    apply_grant(&mut x.grants, s, kind, None);
                } else if let Some(x) = t.db.composite_types.get_mut(&k) {
                    apply_grant(&mut x.grants, s, kind, None);
                } else if let Some(x) = t.db.range_types.get_mut(&k) {
                    apply_grant(&mut x.grants, s, kind, None);
                } else {
                    return Err(missing("type", &k));
                }
            }
            _ => {
                return Err(Refusal::new(format!(
                    "`{}` is not supported in schema SQL files",
                    words(t.text(item), item)
                )))
            }
        }
    }
    Ok(())
}

/// The sequence `key` of an identity column (named by PostgreSQL,
/// `<table>_<column>_seq`, or in `identity_sequence`).
fn identity_sequence<'d>(db: &'d mut Database, key: &str) -> Option<&'d mut IdentitySequence> {
    let q = QualifiedName::parse(key, "public").ok()?;
    for (tk, t) in db.tables.iter_mut() {
        let Ok(tq) = QualifiedName::parse(tk, "public") else {
            continue;
        };
        if tq.schema != q.schema {
            continue;
        }
        for (cn, c) in t.columns.iter_mut() {
            if c.identity.is_none() {
                continue;
            }
            let name = c
                .identity_sequence
                .as_ref()
                .and_then(|s| s.name.clone())
                .unwrap_or_else(|| crate::model::canon::serial_name(&tq.name, cn));
            if name == q.name {
                return Some(c.identity_sequence.get_or_insert_with(Default::default));
            }
        }
    }
    None
}

fn default_privileges(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    s: &pb::AlterDefaultPrivilegesStmt,
) -> Done {
    let action = s.action.as_ref().ok_or_else(|| Refusal::new("no action"))?;
    let mut roles = vec![None];
    let mut schemas = vec![None];
    for o in &s.options {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        let items = match d.arg.as_deref().and_then(|n| n.node.as_ref()) {
            Some(N::List(l)) => l.items.clone(),
            _ => vec![],
        };
        match d.defname.as_str() {
            "roles" => roles = items.iter().filter_map(role_node).map(Some).collect(),
            "schemas" => schemas = strings(&items).into_iter().map(Some).collect(),
            _ => {}
        }
    }
    let kind = ObjectType::try_from(action.objtype).map_err(|_| Refusal::new("unknown object"))?;
    let on = match kind {
        ObjectType::ObjectTable => "tables",
        ObjectType::ObjectSequence => "sequences",
        ObjectType::ObjectFunction | ObjectType::ObjectRoutine | ObjectType::ObjectProcedure => {
            "functions"
        }
        ObjectType::ObjectType => "types",
        ObjectType::ObjectSchema => "schemas",
        _ => {
            return Err(Refusal::new(
                "default privileges on this kind are not supported",
            ))
        }
    };
    for r in &roles {
        for sc in &schemas {
            let at =
                t.db.default_privileges
                    .iter()
                    .position(|d| d.for_role == *r && d.schema == *sc && d.on == on);
            let i = match at {
                Some(i) => i,
                None => {
                    t.db.default_privileges.push(DefaultPrivilege {
                        for_role: r.clone(),
                        schema: sc.clone(),
                        on: on.into(),
                        grants: Grants::new(),
                    });
                    t.db.default_privileges.len() - 1
                }
            };
            apply_grant(&mut t.db.default_privileges[i].grants, action, kind, None);
        }
    }
    let _ = item;
    Ok(())
}

/// The comment and owner of the enum, domain or composite type `names`
/// (looked for on `search_path`).
fn user_type<'t>(
    t: &'t mut Translator<'_>,
    item: &Item<'_>,
    names: &[String],
) -> Result<(&'t mut Option<String>, &'t mut Option<String>), Refusal> {
    let db = &t.db;
    let k = qualified(item, names, |q| {
        let k = q.to_string();
        db.has_type(&k)
    })?
    .to_string();
    let db = &mut t.db;
    if let Some(x) = db.enums.get_mut(&k) {
        Ok((&mut x.comment, &mut x.owner))
    } else if let Some(x) = db.domains.get_mut(&k) {
        Ok((&mut x.comment, &mut x.owner))
    } else if let Some(x) = db.composite_types.get_mut(&k) {
        Ok((&mut x.comment, &mut x.owner))
    } else if let Some(x) = db.range_types.get_mut(&k) {
        Ok((&mut x.comment, &mut x.owner))
    } else {
        Err(Refusal::new(format!(
            "type {k} is not created in these files"
        )))
    }
}

/// The owner and comment of a collation or text search configuration the
/// files create, found on `search_path`.
fn owned<'t>(
    t: &'t mut Translator<'_>,
    item: &Item<'_>,
    kind: ObjectType,
    names: &[String],
) -> Result<(&'t mut Option<String>, &'t mut Option<String>), Refusal> {
    let collation = kind == ObjectType::ObjectCollation;
    let db = &t.db;
    let has = |k: &str| match collation {
        true => db.collations.contains_key(k),
        false => db.text_search_configurations.contains_key(k),
    };
    let k = qualified(item, names, |q| has(&q.to_string()))?.to_string();
    let missing = |what: &str| Refusal::new(format!("{what} {k} is not created in these files"));
    if collation {
        let c =
            t.db.collations
                .get_mut(&k)
                .ok_or_else(|| missing("collation"))?;
        Ok((&mut c.owner, &mut c.comment))
    } else {
        let c = (t.db.text_search_configurations.get_mut(&k))
            .ok_or_else(|| missing("text search configuration"))?;
        Ok((&mut c.owner, &mut c.comment))
    }
}

fn owner(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::AlterOwnerStmt) -> Done {
    let owner = s.newowner.as_ref().and_then(role);
    let object = s.object.as_deref();
    let kind = ObjectType::try_from(s.object_type).map_err(|_| Refusal::new("unknown object"))?;
    let missing = |what: &str, name: &str| {
        Refusal::new(format!("{what} {name} is not created in these files"))
    };
    match (kind, object.and_then(|o| o.node.as_ref())) {
        (ObjectType::ObjectSchema, Some(N::String(x))) => {
            schema_def(t, &x.sval).owner = owner;
        }
        (ObjectType::ObjectTsconfiguration | ObjectType::ObjectCollation, Some(N::List(l))) => {
            *owned(t, item, kind, &strings(&l.items))?.0 = owner;
        }
        (ObjectType::ObjectPublication, Some(N::String(x))) => {
            t.db.publications
                .get_mut(&x.sval)
                .ok_or_else(|| missing("publication", &x.sval))?
                .owner = owner;
        }
        (
            ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine,
            Some(N::ObjectWithArgs(o)),
        ) => {
            let key = function_key(t, item, o)?;
            t.db.functions
                .get_mut(&key)
                .ok_or_else(|| missing("function", &key))?
                .owner = owner;
        }
        (ObjectType::ObjectType | ObjectType::ObjectDomain, Some(node)) => {
            let names = match node {
                N::TypeName(tn) => strings(&tn.names),
                N::List(l) => strings(&l.items),
                _ => vec![],
            };
            let (_, o) = user_type(t, item, &names)?;
            *o = owner;
        }
        // Aggregates keep no owner in the model.
        (ObjectType::ObjectAggregate, _) => {}
        _ => {
            return Err(Refusal::new(format!(
                "`{}` is not supported in schema SQL files",
                words(t.text(item), item)
            )))
        }
    }
    Ok(())
}

//! Canonicalisation: rewrite desired state written in any common form into
//! the form the catalog produces (see the conventions in the project notes),
//! so that equal schemas compare equal with `==`.

pub mod grants;
pub mod keys;
pub mod publication;
pub mod types;

use indexmap::IndexMap;

pub use grants::{canonical_grants, GrantKind};
pub use keys::{external_key, function_key, function_ref, relation_key};
pub use types::canonical_type;

use crate::model::error::Problem;
use crate::model::name::{quote_literal, QualifiedName};
use crate::model::*;

/// Rewrites every map key of `db` into canonical form. Two keys that become
/// equal are reported (the later one) and the earlier one kept.
pub fn canonical_keys(db: &mut Database) -> Vec<Problem> {
    let mut p = Vec::new();
    rekey(&mut db.collations, "collations", relation_str, &mut p);
    rekey(
        &mut db.text_search_configurations,
        "text_search_configurations",
        relation_str,
        &mut p,
    );
    rekey(&mut db.enums, "enums", relation_str, &mut p);
    rekey(&mut db.domains, "domains", relation_str, &mut p);
    rekey(
        &mut db.composite_types,
        "composite_types",
        relation_str,
        &mut p,
    );
    rekey(&mut db.range_types, "range_types", relation_str, &mut p);
    rekey(&mut db.sequences, "sequences", relation_str, &mut p);
    rekey(&mut db.tables, "tables", relation_str, &mut p);
    rekey(&mut db.views, "views", relation_str, &mut p);
    rekey(&mut db.functions, "functions", function_key, &mut p);
    rekey(&mut db.aggregates, "aggregates", function_key, &mut p);
    p
}

/// An owner named with every privilege says what leaving it out says:
/// left out, as the catalog reads it.
fn owner_holding_all(grants: &mut crate::model::Grants, owner: &Option<String>) {
    let owner = crate::model::privileges::owner_key(owner.as_deref());
    if grants
        .get(owner)
        .is_some_and(|p| p.len() == 1 && p[0] == "all")
    {
        grants.shift_remove(owner);
    }
}

fn relation_str(k: &str) -> Result<String, String> {
    relation_key(k).map(|q| q.to_string())
}

fn rekey<T>(
    map: &mut IndexMap<String, T>,
    section: &str,
    canon: fn(&str) -> Result<String, String>,
    problems: &mut Vec<Problem>,
) {
    let old = std::mem::take(map);
    // Exact room: a partial model usually holds one table, and a map grown
    // by insert keeps three slots for it.
    map.reserve_exact(old.len());
    for (key, value) in old {
        let new = match canon(&key) {
            Err(_) if key.trim().is_empty() => {
                problems.push(Problem::new(&[section, &key], "the name is empty"));
                key.clone()
            }
            Ok(k) => k,
            Err(e) => {
                problems.push(Problem::new(&[section, &key], e));
                key.clone()
            }
        };
        if map.contains_key(&new) {
            problems.push(Problem::new(
                &[section, &key],
                format!("`{key}` is defined twice (as `{new}`)"),
            ));
            continue;
        }
        map.insert(new, value);
    }
}

const SERIALS: &[(&str, &str)] = &[
    ("serial", "integer"),
    ("serial4", "integer"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
];

/// Canonicalises everything but expressions (those are compared with
/// [`crate::model::expr::equivalent`]). Keys must already be canonical.
pub fn canonicalise(db: &mut Database) -> Vec<Problem> {
    let mut p = Vec::new();
    drop_empty_comments(db);
    expand_serials(db, &mut p);
    let pks: IndexMap<String, Vec<String>> = db
        .tables
        .iter()
        .filter_map(|(k, t)| {
            t.primary_key
                .as_ref()
                .map(|pk| (k.clone(), pk.columns.clone()))
        })
        .collect();
    for (key, table) in db.tables.iter_mut() {
        table_pass(key, table, &pks, &mut p);
    }
    for (key, v) in db.views.iter_mut() {
        let at = ["views", key.as_str()];
        p.extend(canonical_grants(&mut v.grants, GrantKind::Table, true, &at));
        owner_holding_all(&mut v.grants, &v.owner);
        for (col, g) in v.column_grants.iter_mut() {
            let at = ["views", key.as_str(), "column_grants", col.as_str()];
            p.extend(canonical_grants(g, GrantKind::Column, true, &at));
        }
        v.column_grants.retain(|_, g| !g.is_empty());
        for (name, index) in v.indexes.iter_mut() {
            index_pass(index, &["views", key, "indexes", name], &mut p);
        }
        triggers_pass("views", key, &mut v.triggers, &mut p);
        rules_pass(&mut v.rules);
        v.definition = v
            .definition
            .trim()
            .trim_end_matches(';')
            .trim_end()
            .to_string();
    }
    for (key, s) in db.sequences.iter_mut() {
        sequence_pass(key, s, &mut p);
        // OWNED BY needs the table's owner: an owned sequence has no other.
        if s.owned_by.is_some() {
            s.owner = None;
        }
    }
    for (key, e) in db.enums.iter_mut() {
        p.extend(canonical_grants(
            &mut e.grants,
            GrantKind::Type,
            true,
            &["enums", key],
        ));
    }
    for (key, d) in db.domains.iter_mut() {
        let at = ["domains", key.as_str()];
        type_in_place(&mut d.type_, &at, &mut p);
        p.extend(canonical_grants(&mut d.grants, GrantKind::Type, true, &at));
    }
    for (key, c) in db.composite_types.iter_mut() {
        let at = ["composite_types", key.as_str()];
        for (attr, ty) in c.attributes.iter_mut() {
            type_in_place(ty, &["composite_types", key, "attributes", attr], &mut p);
        }
        p.extend(canonical_grants(&mut c.grants, GrantKind::Type, true, &at));
    }
    for (key, r) in db.range_types.iter_mut() {
        let at = ["range_types", key.as_str()];
        type_in_place(&mut r.subtype, &["range_types", key, "subtype"], &mut p);
        p.extend(canonical_grants(&mut r.grants, GrantKind::Type, true, &at));
    }
    for (key, f) in db.functions.iter_mut() {
        function_pass(key, f, &mut p);
    }
    for (key, a) in db.aggregates.iter_mut() {
        let at = ["aggregates", key.as_str()];
        ref_in_place(&mut a.sfunc, &at, &mut p);
        for f in [&mut a.finalfunc, &mut a.combinefunc].into_iter().flatten() {
            ref_in_place(f, &at, &mut p);
        }
        type_in_place(&mut a.stype, &at, &mut p);
        if a.parallel.as_deref() == Some("unsafe") {
            a.parallel = None;
        }
        p.extend(canonical_grants(
            &mut a.grants,
            GrantKind::Function,
            true,
            &at,
        ));
    }
    for (key, s) in db.schemas.iter_mut() {
        p.extend(canonical_grants(
            &mut s.grants,
            GrantKind::Schema,
            true,
            &["schemas", key],
        ));
    }
    for d in db.default_privileges.iter_mut() {
        d.on = d.on.trim().to_lowercase();
        let kind = match d.on.as_str() {
            "tables" => GrantKind::Table,
            "sequences" => GrantKind::Sequence,
            "functions" | "routines" => GrantKind::Function,
            "types" => GrantKind::Type,
            "schemas" => GrantKind::Schema,
            other => {
                p.push(
                    Problem::new(
                        &["default_privileges"],
                        format!("`{other}` is not an object kind"),
                    )
                    .hint("use tables, sequences, functions, types or schemas"),
                );
                continue;
            }
        };
        p.extend(canonical_grants(
            &mut d.grants,
            kind,
            true,
            &["default_privileges"],
        ));
    }
    publication::canonicalise(db, &mut p);
    qualify_collations(db);
    for c in db.text_search_configurations.values_mut() {
        // PostgreSQL's own parser and dictionaries by their bare names.
        let bare = |x: &mut String| {
            let t = x.trim();
            *x = t.strip_prefix("pg_catalog.").unwrap_or(t).to_string();
        };
        bare(&mut c.parser);
        let mappings = std::mem::take(&mut c.mappings);
        for (token, mut dicts) in mappings {
            dicts.iter_mut().for_each(bare);
            c.mappings.insert(token.trim().to_lowercase(), dicts);
        }
        none_if_empty(&mut c.comment);
    }
    for (key, c) in db.collations.iter_mut() {
        c.provider = c.provider.trim().to_lowercase();
        if !["libc", "icu", "builtin"].contains(&c.provider.as_str()) {
            p.push(
                Problem::new(
                    &["collations", key],
                    format!("provider `{}` is not known", c.provider),
                )
                .hint("use libc, icu or builtin"),
            );
        }
        // libc: one locale for both categories is written as `locale`.
        if c.provider == "libc" && c.lc_collate.is_some() && c.lc_collate == c.lc_ctype {
            c.locale = c.lc_collate.take();
            c.lc_ctype = None;
        }
        none_if_empty(&mut c.comment);
    }
    let mut external = Vec::new();
    for e in &db.external {
        match external_key(e) {
            Ok(k) => external.push(k),
            Err(m) => p.push(Problem::new(&["external"], m)),
        }
    }
    external.sort();
    external.dedup();
    db.external = external;
    type_storage(db);
    p
}

/// A column's storage said where it is its type's own is left out, as
/// the catalog leaves it out.
fn type_storage(db: &mut Database) {
    let mut own = Vec::new();
    for (t, table) in db.tables.values().enumerate() {
        for (c, col) in table.columns.values().enumerate() {
            let s = col.storage;
            if s.is_some() && s == crate::model::Storage::of_type(db, &col.type_) {
                own.push((t, c));
            }
        }
    }
    for (t, c) in own {
        db.tables[t].columns[c].storage = None;
    }
}

/// A table's or view's triggers: function named in full, words in lower case.
fn triggers_pass(
    section: &str,
    key: &str,
    triggers: &mut IndexMap<String, Trigger>,
    p: &mut Vec<Problem>,
) {
    for (name, t) in triggers.iter_mut() {
        let at = [section, key, "triggers", name.as_str()];
        ref_in_place(&mut t.function, &at, p);
        for e in t.events.iter_mut() {
            *e = e.trim().to_lowercase();
        }
        if let Some(en) = t.enabled.as_mut() {
            *en = en.trim().to_lowercase();
        }
        if t.enabled.as_deref() == Some("origin") {
            t.enabled = None;
        }
    }
}

/// A rule's enabled state in lower case, `origin` being the default.
fn rules_pass(rules: &mut IndexMap<String, crate::model::Rule>) {
    for r in rules.values_mut() {
        if let Some(en) = r.enabled.as_mut() {
            *en = en.trim().to_lowercase();
        }
        if r.enabled.as_deref() == Some("origin") {
            r.enabled = None;
        }
    }
}

/// A collation of the model's named without its schema (`COLLATE ci`) is
/// named as the catalog does, `public.ci`; PostgreSQL's own stay bare.
fn qualify_collations(db: &mut Database) {
    if db.collations.is_empty() {
        return;
    }
    let known: std::collections::HashSet<String> = db.collations.keys().cloned().collect();
    let qualify = |c: &mut Option<String>| {
        let Some(x) = c.as_mut() else { return };
        if let Ok(q) = QualifiedName::parse(x, "public") {
            let k = q.to_string();
            if k != *x && known.contains(&k) && !x.contains('.') {
                *x = k;
            }
        }
    };
    for t in db.tables.values_mut() {
        t.columns
            .values_mut()
            .for_each(|c| qualify(&mut c.collation));
        for ix in t.indexes.values_mut() {
            ix.columns
                .iter_mut()
                .for_each(|e| qualify(&mut e.collation));
        }
    }
    for v in db.views.values_mut() {
        for ix in v.indexes.values_mut() {
            ix.columns
                .iter_mut()
                .for_each(|e| qualify(&mut e.collation));
        }
    }
    db.domains
        .values_mut()
        .for_each(|d| qualify(&mut d.collation));
}

fn none_if_empty(c: &mut Option<String>) {
    if c.as_deref() == Some("") {
        *c = None;
    }
}

fn drop_empty_index_comment(ix: &mut Index) {
    none_if_empty(&mut ix.comment);
}

/// `COMMENT ... IS ''` removes a comment, so an empty comment is none.
fn drop_empty_comments(db: &mut Database) {
    db.schemas
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.extensions
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.enums
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.domains
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.composite_types
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.range_types
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.sequences
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.functions
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    db.aggregates
        .values_mut()
        .for_each(|x| none_if_empty(&mut x.comment));
    for v in db.views.values_mut() {
        none_if_empty(&mut v.comment);
        v.column_comments.retain(|_, c| !c.is_empty());
        v.indexes.values_mut().for_each(drop_empty_index_comment);
    }
    for t in db.tables.values_mut() {
        none_if_empty(&mut t.comment);
        t.columns
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        if let Some(pk) = t.primary_key.as_mut() {
            none_if_empty(&mut pk.comment);
        }
        t.unique
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        t.foreign_keys
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        t.checks
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        t.exclusions
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        t.indexes.values_mut().for_each(drop_empty_index_comment);
        t.policies
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
        t.triggers
            .values_mut()
            .for_each(|x| none_if_empty(&mut x.comment));
    }
}

fn type_in_place(ty: &mut String, at: &[&str], p: &mut Vec<Problem>) {
    match canonical_type(ty) {
        Ok(t) => *ty = t,
        Err(e) => p.push(Problem::new(at, e)),
    }
}

fn ref_in_place(f: &mut String, at: &[&str], p: &mut Vec<Problem>) {
    match function_ref(f) {
        Ok(r) => *f = r,
        Err(e) => p.push(Problem::new(at, e)),
    }
}

/// `serial` columns become an integer column, NOT NULL, with a `nextval`
/// default on an owned sequence named as PostgreSQL names it.
fn expand_serials(db: &mut Database, p: &mut Vec<Problem>) {
    let mut new_sequences = Vec::new();
    for (key, table) in db.tables.iter_mut() {
        let Ok(tq) = QualifiedName::parse(key, "public") else {
            continue;
        };
        for (col, c) in table.columns.iter_mut() {
            let word = c.type_.trim().to_lowercase();
            let Some((_, int)) = SERIALS.iter().find(|(s, _)| *s == word) else {
                continue;
            };
            if c.default.is_some() || c.identity.is_some() {
                p.push(Problem::new(
                    &["tables", key, "columns", col],
                    "a serial column cannot also have a default or an identity",
                ));
                continue;
            }
            let seq = QualifiedName::new(tq.schema.clone(), serial_name(&tq.name, col));
            c.type_ = int.to_string();
            c.nullable = false;
            c.default = Some(format!("nextval({}::regclass)", quote_literal(&seq.sql())));
            let sequence = Sequence {
                type_: Some(int.to_string()),
                owned_by: Some(format!("{tq}.{col}")),
                ..Default::default()
            };
            new_sequences.push((seq.to_string(), sequence));
        }
    }
    for (k, s) in new_sequences {
        let entry = db.sequences.entry(k).or_default();
        if entry.owned_by.is_none() {
            entry.owned_by = s.owned_by;
        }
        if entry.type_.is_none() {
            entry.type_ = s.type_;
        }
    }
}

/// PostgreSQL's `makeObjectName(table, column, "seq")`: shorten the longer
/// of the two parts until the name fits in 63 bytes.
pub fn serial_name(table: &str, column: &str) -> String {
    let avail = 63 - (1 + "seq".len() + 1);
    let (mut n1, mut n2) = (table.len(), column.len());
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    format!("{}_{}_seq", clip(table, n1), clip(column, n2))
}

/// The longest prefix of `s` of at most `n` bytes that ends on a character.
fn clip(s: &str, mut n: usize) -> &str {
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    &s[..n]
}

fn table_pass(
    key: &str,
    table: &mut Table,
    pks: &IndexMap<String, Vec<String>>,
    p: &mut Vec<Problem>,
) {
    let short_name = QualifiedName::parse(key, "public")
        .map(|q| q.name)
        .unwrap_or_default();
    let partition_of = table.partition_of.clone();
    for (col, c) in table.columns.iter_mut() {
        let at = ["tables", key, "columns", col.as_str()];
        type_in_place(&mut c.type_, &at, p);
        if c.identity.is_some() {
            c.nullable = false;
        }
        let e = c;
        p.extend(canonical_grants(
            &mut e.grants,
            GrantKind::Column,
            true,
            &at,
        ));
        if let Some(seq) = e.identity_sequence.as_mut() {
            if let Err(m) = seq.check(&e.type_) {
                p.push(Problem::new(&at, m));
            }
            seq.canonicalise(&e.type_);
            p.extend(canonical_grants(
                &mut seq.grants,
                GrantKind::Sequence,
                true,
                &at,
            ));
            if seq.name.as_deref() == Some(format!("{short_name}_{col}_seq").as_str()) {
                seq.name = None;
            }
        }
        if e.identity_sequence.as_ref().is_some_and(|s| s.is_default()) {
            e.identity_sequence = None;
        }
        if let Some(nn) = e.not_null.as_mut() {
            let default = crate::model::name::object_name(&short_name, col, "not_null");
            if partition_of.is_none() && nn.name.as_deref() == Some(default.as_str()) {
                nn.name = None;
            }
            if e.nullable {
                p.push(
                    Problem::new(
                        &at,
                        "`not_null` describes the NOT NULL constraint of a column that is nullable",
                    )
                    .hint("add `nullable: false`, or remove `not_null`"),
                );
            }
        }
        if e.not_null.as_ref().is_some_and(|n| n.is_default()) {
            e.not_null = None;
        }
        if e.virtual_ && e.generated.is_none() {
            p.push(
                Problem::new(&at, "`virtual` is for a generated column")
                    .hint("add `generated: <expression>`, or remove `virtual`"),
            );
        }
    }
    if let Some(pk) = table.primary_key.as_mut() {
        for col in &pk.columns {
            if let Some(c) = table.columns.get_mut(col) {
                c.nullable = false;
            }
        }
        if pk.name.as_deref() == Some(format!("{short_name}_pkey").as_str()) {
            pk.name = None;
        }
    }
    for (name, fk) in table.foreign_keys.iter_mut() {
        match keys::parse_references(&fk.references) {
            Ok((target, mut cols)) => {
                if cols.is_empty() {
                    if let Some(pk) = pks.get(&target.to_string()) {
                        cols = pk.clone();
                    }
                }
                fk.references = if cols.is_empty() {
                    target.to_string()
                } else {
                    keys::references_text(&target, &cols)
                };
            }
            Err(e) => p.push(Problem::new(
                &["tables", key, "foreign_keys", name, "references"],
                e,
            )),
        }
    }
    for (name, index) in table.indexes.iter_mut() {
        index_pass(index, &["tables", key, "indexes", name], p);
    }
    for (i, parent) in table.inherits.iter_mut().enumerate() {
        match relation_key(parent) {
            Ok(q) => *parent = q.to_string(),
            Err(e) => p.push(Problem::new(
                &["tables", key, "inherits", &i.to_string()],
                e,
            )),
        }
    }
    if let Some(part) = table.partition_of.as_mut() {
        match relation_key(&part.parent) {
            Ok(q) => part.parent = q.to_string(),
            Err(e) => p.push(Problem::new(&["tables", key, "partition_of", "parent"], e)),
        }
    }
    for policy in table.policies.values_mut() {
        policy.to = canonical_roles(&policy.to);
    }
    triggers_pass("tables", key, &mut table.triggers, p);
    rules_pass(&mut table.rules);
    p.extend(canonical_grants(
        &mut table.grants,
        GrantKind::Table,
        true,
        &["tables", key],
    ));
    owner_holding_all(&mut table.grants, &table.owner);
}

/// Policy roles: `public` for PUBLIC, sorted, none for just `[public]`.
pub fn canonical_roles(roles: &[String]) -> Vec<String> {
    let mut out: Vec<String> = roles
        .iter()
        .map(|r| {
            if r.eq_ignore_ascii_case("public") {
                "public".to_string()
            } else {
                r.clone()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    if out == ["public"] {
        out.clear();
    }
    out
}

fn index_pass(index: &mut Index, at: &[&str], _p: &mut [Problem]) {
    let _ = at;
    if let Some(m) = index.method.as_mut() {
        *m = m.trim().to_lowercase();
    }
    if index.method.as_deref() == Some("btree") {
        index.method = None;
    }
    for e in index.columns.iter_mut() {
        let desc = e.order == Some(SortOrder::Desc);
        if e.order == Some(SortOrder::Asc) {
            e.order = None;
        }
        let default_nulls = if desc {
            NullsOrder::First
        } else {
            NullsOrder::Last
        };
        if e.nulls == Some(default_nulls) {
            e.nulls = None;
        }
    }
}

fn sequence_pass(key: &str, s: &mut Sequence, p: &mut Vec<Problem>) {
    let at = ["sequences", key];
    if let Some(t) = s.type_.as_mut() {
        type_in_place(t, &at, p);
    }
    let max = match s.type_.as_deref() {
        Some("smallint") => i64::from(i16::MAX),
        Some("integer") => i64::from(i32::MAX),
        None | Some("bigint") => i64::MAX,
        Some(other) => {
            p.push(
                Problem::new(&at, format!("`{other}` is not a sequence type"))
                    .hint("use smallint, integer or bigint"),
            );
            i64::MAX
        }
    };
    if s.type_.as_deref() == Some("bigint") {
        s.type_ = None;
    }
    let ascending = s.increment.unwrap_or(1) > 0;
    if s.increment == Some(1) {
        s.increment = None;
    }
    if s.cache == Some(1) {
        s.cache = None;
    }
    if ascending {
        if s.min_value == Some(1) {
            s.min_value = None;
        }
        if s.max_value == Some(max) {
            s.max_value = None;
        }
        if s.start == Some(s.min_value.unwrap_or(1)) {
            s.start = None;
        }
    } else {
        if s.max_value == Some(-1) {
            s.max_value = None;
        }
        if s.min_value == Some(-max - 1) {
            s.min_value = None;
        }
        if s.start == Some(s.max_value.unwrap_or(-1)) {
            s.start = None;
        }
    }
    if let Some(o) = s.owned_by.as_mut() {
        match keys::owned_by(o) {
            Ok((t, c)) => *o = format!("{t}.{c}"),
            Err(e) => p.push(Problem::new(&["sequences", key, "owned_by"], e)),
        }
    }
    p.extend(canonical_grants(
        &mut s.grants,
        GrantKind::Sequence,
        true,
        &at,
    ));
}

fn function_pass(key: &str, f: &mut Function, p: &mut Vec<Problem>) {
    let at = ["functions", key];
    f.language = f.language.trim().to_lowercase();
    if let Some(r) = f.returns.as_mut() {
        // Only a plain type is rewritten; `SETOF x` and `TABLE(...)` are kept.
        let trimmed = r.trim();
        if let Some(rest) = trimmed
            .get(..6)
            .filter(|h| h.eq_ignore_ascii_case("setof "))
            .and_then(|_| trimmed.get(6..))
        {
            if let Ok(t) = canonical_type(rest) {
                *r = format!("SETOF {t}");
            }
        } else if let Ok(t) = canonical_type(trimmed) {
            *r = t;
        }
    }
    if let Some(par) = f.parallel.as_mut() {
        *par = par.trim().to_lowercase();
    }
    if f.parallel.as_deref() == Some("unsafe") {
        f.parallel = None;
    }
    p.extend(canonical_grants(
        &mut f.grants,
        GrantKind::Function,
        true,
        &at,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_names_follow_postgres() {
        assert_eq!(serial_name("users", "id"), "users_id_seq");
        let long = "a".repeat(70);
        let n = serial_name(&long, "id");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_id_seq"));
        // Both checked against PostgreSQL 15.
        assert_eq!(
            serial_name(&"a".repeat(63), "some_long_column_name_here"),
            format!("{}_some_long_column_name_here_seq", "a".repeat(32))
        );
        assert_eq!(
            serial_name(&"ı".repeat(31), "ççççç"),
            format!("{}_ççççç_seq", "ı".repeat(24))
        );
    }
}

//! Semantic checks on a canonical model: identifiers, types, references,
//! name clashes. Returns (errors, warnings), each addressed by key path.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use super::canon::{keys, types};
use super::error::Problem;
use super::name::{split_dotted, QualifiedName};
use super::*;

/// PostgreSQL's NAMEDATALEN - 1.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Types that extensions put in the schema they are installed in; an
/// unqualified one is accepted when some extension lives in `public`.
const EXTENSION_TYPES: &[&str] = &[
    "citext",
    "hstore",
    "ltree",
    "lquery",
    "ltxtquery",
    "vector",
    "halfvec",
    "sparsevec",
    "geometry",
    "geography",
    "box2d",
    "box3d",
    "cube",
    "isbn",
    "isbn13",
    "ean13",
    "issn",
    "upc",
    "seg",
    "intbig_gkey",
    "gtrgm",
];

/// What names resolve to, read once from the model.
struct Known {
    types: HashSet<String>,
    external: HashSet<String>,
    external_schemas: HashSet<String>,
    extension_schemas: HashSet<String>,
}

struct Ctx<'a> {
    db: &'a Database,
    known: &'a Known,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
}

pub fn validate(db: &Database) -> (Vec<Problem>, Vec<Problem>) {
    let mut types: HashSet<String> = HashSet::new();
    for k in db.type_keys() {
        types.insert(k.clone());
    }
    types.extend(db.multirange_keys());
    for k in db.tables.keys().chain(db.views.keys()) {
        types.insert(k.clone());
    }
    let external: HashSet<String> = db.external.iter().cloned().collect();
    let external_schemas = db
        .external
        .iter()
        .filter_map(|e| keys::split_parens(e).ok())
        .filter_map(|(n, _)| QualifiedName::parse(n, "public").ok())
        .map(|q| q.schema)
        .collect();
    let extension_schemas = db
        .extensions
        .values()
        .map(|e| e.schema.clone().unwrap_or_else(|| "public".into()))
        .collect();
    let known = Known {
        types,
        external,
        external_schemas,
        extension_schemas,
    };
    let mut cx = Ctx {
        db,
        known: &known,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    cx.identifiers();
    cx.all_types();
    for (key, table) in &db.tables {
        cx.table(key, table);
    }
    for (key, v) in &db.views {
        if v.with_no_data && !v.materialized {
            cx.err(
                &["views", key, "with_no_data"],
                "only a materialized view can be created WITH NO DATA".into(),
            );
        }
        for (n, tr) in &v.triggers {
            cx.trigger_function("views", key, n, &tr.function);
        }
    }
    cx.sequences();
    cx.publications();
    cx.namespaces();
    cx.errors.extend(super::sqltext::problems(db));
    (cx.errors, cx.warnings)
}

impl<'d> Ctx<'d> {
    fn err(&mut self, path: &[&str], message: String) {
        self.errors.push(Problem::new(path, message));
    }

    fn ident(&mut self, path: &[&str], what: &str, name: &str) {
        let (message, hint) = if name.is_empty() {
            (format!("{what} name is empty"), "give it a name")
        } else if name.contains('\0') {
            (
                format!("{what} name `{}` contains a NUL byte", name.escape_debug()),
                "PostgreSQL names cannot hold NUL",
            )
        } else if name.len() > MAX_IDENTIFIER_BYTES {
            (
                format!(
                    "{what} name `{name}` is {} bytes long; PostgreSQL allows at most {MAX_IDENTIFIER_BYTES}",
                    name.len()
                ),
                "PostgreSQL would truncate it; shorten it",
            )
        } else {
            return;
        };
        self.errors.push(Problem::new(path, message).hint(hint));
    }

    fn qualified(&mut self, path: &[&str], what: &str, key: &str) {
        let name = match keys::split_parens(key) {
            Ok((n, _)) => n,
            Err(_) => key,
        };
        if let Ok(q) = QualifiedName::parse(name, "public") {
            self.ident(path, "schema", &q.schema);
            self.ident(path, what, &q.name);
        }
    }

    fn identifiers(&mut self) {
        let db = self.db;
        for k in db.schemas.keys() {
            self.ident(&["schemas", k], "schema", k);
        }
        let sections: [(&str, Vec<&String>); 12] = [
            ("collations", db.collations.keys().collect()),
            (
                "text_search_configurations",
                db.text_search_configurations.keys().collect(),
            ),
            ("enums", db.enums.keys().collect()),
            ("domains", db.domains.keys().collect()),
            ("composite_types", db.composite_types.keys().collect()),
            ("range_types", db.range_types.keys().collect()),
            ("sequences", db.sequences.keys().collect()),
            ("tables", db.tables.keys().collect()),
            ("views", db.views.keys().collect()),
            ("functions", db.functions.keys().collect()),
            ("aggregates", db.aggregates.keys().collect()),
            ("extensions", db.extensions.keys().collect()),
        ];
        for (section, ks) in sections {
            let what = section.trim_end_matches('s');
            for k in ks {
                if section == "extensions" {
                    self.ident(&[section, k], what, k);
                } else {
                    self.qualified(&[section, k], what, k);
                }
            }
        }
        for (k, t) in &db.tables {
            let groups: [(&str, &str, Vec<&String>); 8] = [
                ("columns", "column", t.columns.keys().collect()),
                ("unique", "constraint", t.unique.keys().collect()),
                (
                    "foreign_keys",
                    "constraint",
                    t.foreign_keys.keys().collect(),
                ),
                ("checks", "constraint", t.checks.keys().collect()),
                ("exclusions", "constraint", t.exclusions.keys().collect()),
                ("indexes", "index", t.indexes.keys().collect()),
                ("policies", "policy", t.policies.keys().collect()),
                ("triggers", "trigger", t.triggers.keys().collect()),
            ];
            for (group, what, names) in groups {
                for n in names {
                    self.ident(&["tables", k, group, n], what, n);
                }
            }
            if let Some(n) = t.primary_key.as_ref().and_then(|pk| pk.name.as_ref()) {
                self.ident(&["tables", k, "primary_key", "name"], "constraint", n);
            }
        }
        for (k, c) in &db.composite_types {
            for a in c.attributes.keys() {
                self.ident(&["composite_types", k, "attributes", a], "attribute", a);
            }
        }
    }

    fn all_types(&mut self) {
        let db = self.db;
        for (k, t) in &db.tables {
            for (c, col) in &t.columns {
                self.check_type(&["tables", k, "columns", c, "type"], &col.type_);
            }
        }
        for (k, d) in &db.domains {
            self.check_type(&["domains", k, "type"], &d.type_);
        }
        for (k, c) in &db.composite_types {
            for (a, ty) in &c.attributes {
                self.check_type(&["composite_types", k, "attributes", a], ty);
            }
        }
        for (k, r) in &db.range_types {
            self.check_type(&["range_types", k, "subtype"], &r.subtype);
        }
        for k in db.functions.keys().chain(db.aggregates.keys()) {
            let section = if db.functions.contains_key(k) {
                "functions"
            } else {
                "aggregates"
            };
            if let Ok((_, Some(args))) = keys::split_parens(k) {
                for arg in keys::split_commas(args) {
                    self.check_type(&[section, k], &arg);
                }
            }
        }
    }

    /// `ty` is canonical unless canonicalisation already reported it.
    fn check_type(&mut self, path: &[&str], ty: &str) {
        let Ok(canonical) = types::canonical_type(ty) else {
            return;
        };
        if types::is_builtin(&canonical) {
            return;
        }
        let base = canonical.trim_end_matches("[]");
        let base = match base.find('(') {
            Some(i) if base.ends_with(')') && !base[..i].ends_with('"') => &base[..i],
            _ => base,
        };
        let Ok(parts) = split_dotted(base) else {
            return;
        };
        let [schema, name] = parts.as_slice() else {
            return;
        };
        let key = QualifiedName::new(schema.clone(), name.clone()).to_string();
        if self.known.types.contains(&key)
            || self.known.external.contains(&key)
            || self.known.external_schemas.contains(schema)
            || (self.known.extension_schemas.contains(schema)
                && (schema != "public" || EXTENSION_TYPES.contains(&name.as_str())))
        {
            return;
        }
        let mut p = Problem::new(path, format!("unknown type `{ty}`"));
        if let Some(s) = self.suggest_type(name, &key) {
            p = p.hint(format!("did you mean `{s}`?"));
        } else {
            p = p
                .hint("declare it under enums, domains or composite_types, or list it in external");
        }
        self.errors.push(p);
    }

    fn suggest_type(&self, name: &str, key: &str) -> Option<String> {
        let mut candidates: Vec<(usize, String)> = types::BUILTIN_TYPES
            .iter()
            .chain(
                [
                    "int",
                    "int4",
                    "int8",
                    "bool",
                    "varchar",
                    "timestamptz",
                    "float8",
                ]
                .iter(),
            )
            .map(|b| (distance(name, b), b.to_string()))
            .collect();
        for t in &self.known.types {
            candidates.push((distance(key, t).min(distance(name, t)), t.clone()));
        }
        candidates.sort();
        let limit = (name.chars().count() / 3).max(2);
        candidates
            .into_iter()
            .find(|(d, _)| *d <= limit)
            .map(|(_, s)| s)
    }

    fn table(&mut self, key: &str, t: &Table) {
        let schema = QualifiedName::parse(key, "public").map(|q| q.schema);
        let external = self.known.external.contains(key)
            || schema.is_ok_and(|s| self.known.external.contains(&s));
        if external {
            return self.external_table(key, t);
        }
        let db = self.db;
        let has = |c: &String| db.has_column(key, c);
        let mut missing: Vec<(Vec<String>, String, &str)> = Vec::new();
        let mut need = |path: Vec<&str>, cols: &[String], what: &'static str| {
            for c in cols.iter().filter(|c| !has(c)) {
                let p: Vec<String> = path.iter().map(|s| s.to_string()).collect();
                missing.push((p, c.clone(), what));
            }
        };
        if let Some(pk) = &t.primary_key {
            need(vec!["primary_key"], &pk.columns, "primary key");
            need(vec!["primary_key"], &pk.include, "primary key");
        }
        for (n, u) in &t.unique {
            need(vec!["unique", n], &u.columns, "unique constraint");
            need(vec!["unique", n], &u.include, "unique constraint");
        }
        for (n, fk) in &t.foreign_keys {
            need(
                vec!["foreign_keys", n, "columns"],
                &fk.columns,
                "foreign key",
            );
        }
        for (n, i) in &t.indexes {
            let cols: Vec<String> = i.columns.iter().filter_map(|e| e.column.clone()).collect();
            need(vec!["indexes", n], &cols, "index");
            need(vec!["indexes", n], &i.include, "index");
        }
        for (n, tr) in &t.triggers {
            need(vec!["triggers", n], &tr.columns, "trigger");
        }
        for (path, col, what) in missing {
            let mut full = vec!["tables", key];
            full.extend(path.iter().map(String::as_str));
            self.err(
                &full,
                format!("{what} column `{col}` is not a column of {key}"),
            );
        }
        for (n, fk) in &t.foreign_keys {
            self.foreign_key(key, n, fk);
        }
        for (n, tr) in &t.triggers {
            self.trigger_function("tables", key, n, &tr.function);
        }
        for (i, parent) in t.inherits.iter().enumerate() {
            if !self.db.tables.contains_key(parent) && !self.known.external.contains(parent) {
                self.err(
                    &["tables", key, "inherits", &i.to_string()],
                    format!("parent table `{parent}` is not a declared table"),
                );
            }
        }
        if let Some(part) = &t.partition_of {
            let parent = &part.parent;
            if !self.db.tables.contains_key(parent) && !self.known.external.contains(parent) {
                self.err(
                    &["tables", key, "partition_of", "parent"],
                    format!("partition parent `{parent}` is not a declared table"),
                );
            }
        }
        if !t.policies.is_empty() && !t.row_level_security.enabled {
            for n in t.policies.keys() {
                self.warnings.push(
                    Problem::new(
                        &["tables", key, "policies", n],
                        format!(
                            "policy `{n}` is on {key}, which does not enable row level security"
                        ),
                    )
                    .hint(
                        "add `row_level_security: { enabled: true }`, or the policy has no effect",
                    ),
                );
            }
        }
    }

    /// A table that is someone else's may name only the policies and
    /// triggers this model puts on it.
    fn external_table(&mut self, key: &str, t: &Table) {
        let rest = Table {
            policies: Default::default(),
            triggers: Default::default(),
            ..t.clone()
        };
        if rest != Table::default() {
            self.err(
                &["tables", key],
                format!("{key} is external: only the policies and triggers put on it can be declared here"),
            );
        }
        for (n, tr) in &t.triggers {
            self.trigger_function("tables", key, n, &tr.function);
        }
    }

    fn foreign_key(&mut self, key: &str, name: &str, fk: &ForeignKey) {
        if !fk.on_delete_columns.is_empty() {
            let at = ["tables", key, "foreign_keys", name, "on_delete_columns"];
            let sets = matches!(
                fk.on_delete,
                crate::model::FkAction::SetNull | crate::model::FkAction::SetDefault
            );
            if !sets {
                self.err(
                    &at,
                    "a column list needs on_delete: set null or set default".into(),
                );
            }
            for c in fk
                .on_delete_columns
                .iter()
                .filter(|c| !fk.columns.contains(c))
            {
                self.err(
                    &at,
                    format!("`{c}` is not one of the foreign key's columns"),
                );
            }
        }
        let path = ["tables", key, "foreign_keys", name, "references"];
        let Ok((target, cols)) = keys::parse_references(&fk.references) else {
            return;
        };
        let tkey = target.to_string();
        // An external table's entry holds only policies and triggers.
        let declared = self
            .db
            .tables
            .get(&tkey)
            .filter(|_| !self.known.external.contains(&tkey));
        match declared {
            Some(_) => {
                for c in cols.iter().filter(|c| !self.db.has_column(&tkey, c)) {
                    self.err(
                        &path,
                        format!("referenced column `{c}` is not a column of {tkey}"),
                    );
                }
                if cols.is_empty() {
                    self.err(
                        &path,
                        format!("{tkey} has no primary key; name the referenced columns"),
                    );
                } else if cols.len() != fk.columns.len() {
                    self.err(
                        &path,
                        format!(
                            "foreign key has {} columns but references {}",
                            fk.columns.len(),
                            cols.len()
                        ),
                    );
                }
            }
            None if self.known.external.contains(&tkey) => {}
            None => {
                let mut p = Problem::new(
                    &path,
                    format!(
                        "foreign key references `{tkey}`, which is neither declared nor external"
                    ),
                );
                p = p.hint(match self.suggest_table(&tkey) {
                    Some(s) => format!("did you mean `{s}`? Otherwise list `{tkey}` in external"),
                    None => format!("declare the table, or list `{tkey}` in external"),
                });
                self.errors.push(p);
            }
        }
    }

    fn suggest_table(&self, key: &str) -> Option<String> {
        let mut best: Vec<(usize, &String)> = self
            .db
            .tables
            .keys()
            .map(|t| (distance(key, t), t))
            .collect();
        best.sort();
        best.into_iter()
            .find(|(d, _)| *d <= (key.chars().count() / 3).max(2))
            .map(|(_, t)| t.clone())
    }

    fn trigger_function(&mut self, section: &str, key: &str, name: &str, function: &str) {
        let known = self
            .db
            .functions
            .keys()
            .chain(self.db.external.iter())
            .any(|f| keys::split_parens(f).is_ok_and(|(n, _)| n == function));
        // Built-in functions, and functions an extension installs, are never declared.
        let schema = crate::model::QualifiedName::parse(function, "public").map(|q| q.schema);
        let provided = schema.is_ok_and(|s| {
            s == "pg_catalog"
                || self
                    .db
                    .extensions
                    .values()
                    .any(|e| e.schema.as_deref().unwrap_or("public") == s)
        });
        if !known && !provided {
            self.errors.push(
                Problem::new(
                    &[section, key, "triggers", name, "function"],
                    format!("trigger function `{function}` is neither declared nor external"),
                )
                .hint(format!(
                    "declare `{function}()` under functions, or list it in external"
                )),
            );
        }
    }

    fn publications(&mut self) {
        let db = self.db;
        for (name, p) in &db.publications {
            let at = ["publications", name.as_str()];
            self.ident(&at, "publication", name);
            if p.all_tables && !(p.tables.is_empty() && p.schemas.is_empty()) {
                self.errors.push(
                    Problem::new(
                        &at,
                        "a publication of all tables lists no tables or schemas",
                    )
                    .hint("remove `all_tables`, or `tables` and `schemas`"),
                );
            }
            for s in &p.schemas {
                self.ident(&[at[0], at[1], "schemas"], "schema", s);
            }
            for (key, t) in &p.tables {
                let path = [at[0], at[1], "tables", key.as_str()];
                let Some(table) = db.tables.get(key) else {
                    let external = self.known.external.contains(key)
                        || super::external::schema_of(key)
                            .is_some_and(|s| self.known.external_schemas.contains(&s));
                    if db.views.contains_key(key) {
                        self.err(
                            &path,
                            format!("`{key}` is a view: publications send tables' changes"),
                        );
                    } else if !external {
                        self.errors.push(
                            Problem::new(&path, format!("table `{key}` is not defined"))
                                .hint("define the table, or list it under `external`"),
                        );
                    }
                    continue;
                };
                for c in t.columns.iter().filter(|c| !table.columns.contains_key(*c)) {
                    self.err(&path, format!("column `{c}` is not a column of `{key}`"));
                }
            }
        }
    }

    fn sequences(&mut self) {
        for (k, s) in &self.db.sequences {
            let Some(o) = &s.owned_by else { continue };
            let Ok((table, col)) = keys::owned_by(o) else {
                continue;
            };
            let tkey = table.to_string();
            let ok = match self.db.tables.get(&tkey) {
                Some(_) => self.db.has_column(&tkey, &col),
                None => self.known.external.contains(&tkey),
            };
            if !ok {
                self.err(
                    &["sequences", k, "owned_by"],
                    format!("sequence is owned by `{o}`, which is not a declared column"),
                );
            }
        }
    }

    /// Constraint names are unique per table; indexes (and the constraints
    /// that make one: primary key, unique, exclusion) share the relation
    /// namespace of their schema.
    fn namespaces(&mut self) {
        let db = self.db;
        // Every name taken in a schema's relation namespace, in the order
        // taken (relations first, then their parts), sorted by schema and
        // name: a clash is a run of equal names, the first holding it.
        // Messages are written only on a clash; names are borrowed where
        // the model has them, each key parsed once.
        let relations = db
            .tables
            .keys()
            .map(|k| ("tables", k))
            .chain(db.views.keys().map(|k| ("views", k)))
            .chain(db.sequences.keys().map(|k| ("sequences", k)));
        let mut parsed = Vec::with_capacity(db.tables.len() + db.views.len());
        for (section, k) in relations {
            if let Ok(q) = QualifiedName::parse(k, "public") {
                parsed.push((section, k, q));
            }
        }
        let table = |section: &str, k: &str| db.tables.get(k).filter(|_| section == "tables");
        let view = |section: &str, k: &str| db.views.get(k).filter(|_| section == "views");
        let parts: usize = parsed
            .iter()
            .map(|(section, k, _)| {
                let t = table(section, k).map_or(0, |t| {
                    usize::from(t.primary_key.is_some())
                        + t.unique.len()
                        + t.exclusions.len()
                        + t.indexes.len()
                });
                t + view(section, k).map_or(0, |v| v.indexes.len())
            })
            .sum();
        let mut taken: Vec<(&str, Cow<str>, u32, Named)> = Vec::with_capacity(parsed.len() + parts);
        let mut take = |schema, name, named| {
            let order = u32::try_from(taken.len()).unwrap_or(u32::MAX);
            taken.push((schema, name, order, named));
        };
        for (section, k, q) in &parsed {
            take(
                &q.schema,
                Cow::Borrowed(q.name.as_str()),
                Named::relation(section, k),
            );
        }
        for (section, k, q) in &parsed {
            let Some(t) = table(section, k) else { continue };
            if let Some(pk) = &t.primary_key {
                let n = match &pk.name {
                    Some(n) => Cow::Borrowed(n.as_str()),
                    None => Cow::Owned(format!("{}_pkey", q.name)),
                };
                take(&q.schema, n, Named::part("tables", k, "primary_key", ""));
            }
            for (group, parts) in [
                ("unique", t.unique.keys().collect::<Vec<_>>()),
                ("exclusions", t.exclusions.keys().collect()),
                ("indexes", t.indexes.keys().collect()),
            ] {
                for n in parts {
                    take(
                        &q.schema,
                        Cow::Borrowed(n),
                        Named::part("tables", k, group, n),
                    );
                }
            }
        }
        for (section, k, q) in &parsed {
            let Some(v) = view(section, k) else { continue };
            for n in v.indexes.keys() {
                take(
                    &q.schema,
                    Cow::Borrowed(n),
                    Named::part("views", k, "indexes", n),
                );
            }
        }
        // Within a run, the order taken. (A stable sort would hold a second
        // list while it runs.)
        taken.sort_unstable_by(|a, b| (a.0, &*a.1, a.2).cmp(&(b.0, &*b.1, b.2)));
        let mut clash = Vec::new();
        for run in taken.chunk_by(|a, b| (a.0, &a.1) == (b.0, &b.1)) {
            let first = &run[0].3;
            for (_, _, order, named) in &run[1..] {
                let message = format!(
                    "{} has the same name as {}; PostgreSQL keeps index and relation names in one namespace per schema",
                    named.what(),
                    first.what()
                );
                clash.push((*order, named.path(), message));
            }
        }
        clash.sort_by_key(|(order, ..)| *order);
        let clash = clash.into_iter().map(|(_, path, message)| (path, message));
        let mut clash_t = Vec::new();
        for (k, t) in &db.tables {
            // Per table: every constraint name once.
            let mut seen: BTreeMap<&String, &str> = BTreeMap::new();
            let groups: [(&str, Vec<&String>); 4] = [
                ("unique", t.unique.keys().collect()),
                ("foreign_keys", t.foreign_keys.keys().collect()),
                ("checks", t.checks.keys().collect()),
                ("exclusions", t.exclusions.keys().collect()),
            ];
            for (group, names) in groups {
                for n in names {
                    if let Some(first) = seen.insert(n, group) {
                        clash_t.push((
                            Named::part("tables", k, group, n).path(),
                            format!(
                                "constraint `{n}` is defined in both {first} and {group} of {k}"
                            ),
                        ));
                    }
                }
            }
        }
        for (path, message) in clash.into_iter().chain(clash_t) {
            self.errors.push(Problem {
                path,
                message,
                hint: Some("rename one of them".into()),
            });
        }
    }
}

/// A relation, or a part of one that takes a name in the schema's
/// relation namespace (key, index), as said in a clash. Its section and
/// group are held as their place in `SECTIONS` and `GROUPS`: there is one
/// of these for every index of a large schema.
struct Named<'a> {
    key: &'a str,
    name: &'a str,
    section: u8,
    group: u8,
}

const SECTIONS: [&str; 3] = ["tables", "views", "sequences"];
const GROUPS: [&str; 7] = [
    "",
    "primary_key",
    "unique",
    "exclusions",
    "indexes",
    "foreign_keys",
    "checks",
];

impl<'a> Named<'a> {
    fn relation(section: &'static str, key: &'a str) -> Self {
        Self::part(section, key, "", "")
    }

    fn part(section: &'static str, key: &'a str, group: &'static str, name: &'a str) -> Self {
        let place = |all: &[&str], s: &str| all.iter().position(|x| *x == s).unwrap_or(0) as u8;
        Named {
            key,
            name,
            section: place(&SECTIONS, section),
            group: place(&GROUPS, group),
        }
    }

    fn section(&self) -> &'static str {
        SECTIONS[usize::from(self.section)]
    }

    fn group(&self) -> &'static str {
        GROUPS[usize::from(self.group)]
    }

    fn what(&self) -> String {
        let (k, n) = (self.key, self.name);
        match self.group() {
            "" => format!("{} `{k}`", self.section().trim_end_matches('s')),
            "primary_key" => format!("the primary key of {k}"),
            "unique" => format!("unique constraint `{n}` on {k}"),
            "exclusions" => format!("exclusion constraint `{n}` on {k}"),
            _ => format!("index `{n}` on {k}"),
        }
    }

    fn path(&self) -> Vec<String> {
        [self.section(), self.key, self.group(), self.name]
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Edit distance over characters, a swap of neighbours counting as one
/// (optimal string alignment): `txet` is 1 from `text`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::table;

    #[test]
    fn a_large_model_reports_in_the_order_of_the_checks() {
        // The problems come in the order of the checks, one kind from
        // each: identifiers, types, table references, namespaces.
        let mut db = Database::default();
        for i in 0..2100 {
            db.tables
                .insert(format!("public.t{i}"), table(&[("id", "uuid")]));
        }
        let long = "x".repeat(70);
        db.tables["public.t2050"]
            .columns
            .insert(long.clone(), table(&[("c", "text")]).columns["c"].clone());
        db.tables["public.t3"].columns["id"].type_ = "public.nosuchtype".into();
        db.tables["public.t1"].primary_key = Some(PrimaryKey {
            columns: vec!["missing".into()],
            ..Default::default()
        });
        db.tables["public.t7"].indexes.insert(
            "t8".into(),
            Index {
                columns: vec![IndexElem {
                    column: Some("id".into()),
                    ..Default::default()
                }],
                ..Default::default()
            },
        );
        let (errors, _) = validate(&db);
        let tables: Vec<&str> = errors.iter().map(|p| p.path[1].as_str()).collect();
        assert_eq!(
            tables,
            ["public.t2050", "public.t3", "public.t1", "public.t7"],
            "{errors:#?}"
        );
    }

    #[test]
    fn index_and_relation_names_share_one_namespace_per_schema() {
        let index = || Index {
            columns: vec![IndexElem {
                column: Some("id".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let mut db = Database::default();
        let mut a = table(&[("id", "uuid")]);
        a.primary_key = Some(PrimaryKey {
            columns: vec!["id".into()],
            ..Default::default()
        });
        db.tables.insert("public.a".into(), a);
        // The implicit `a_pkey`, taken again by an index of another table.
        let mut b = table(&[("id", "uuid")]);
        b.indexes.insert("a_pkey".into(), index());
        db.tables.insert("public.b".into(), b);
        // The same names in another schema clash with nothing.
        let mut c = table(&[("id", "uuid")]);
        c.indexes.insert("a_pkey".into(), index());
        db.tables.insert("other.a".into(), c);
        // A materialized view's index named like a table.
        db.views.insert(
            "public.v".into(),
            View {
                materialized: true,
                definition: "SELECT 1 AS id".into(),
                indexes: [("b".to_string(), index())].into_iter().collect(),
                ..Default::default()
            },
        );
        let (errors, _) = validate(&db);
        let clashes: Vec<String> = errors
            .iter()
            .filter(|p| p.message.contains("same name as"))
            .map(|p| format!("{}: {}", p.path.join("."), p.message))
            .collect();
        assert_eq!(clashes.len(), 2, "{clashes:#?}");
        assert!(clashes[0].starts_with("tables.public.b.indexes.a_pkey: index `a_pkey` on public.b has the same name as the primary key of public.a"), "{clashes:#?}");
        assert!(clashes[1].starts_with("views.public.v.indexes.b: index `b` on public.v has the same name as table `public.b`"), "{clashes:#?}");
    }

    #[test]
    fn distance() {
        assert_eq!(super::distance("uuid", "uuid"), 0);
        assert_eq!(super::distance("uiud", "uuid"), 1);
        assert_eq!(super::distance("txet", "text"), 1);
        assert_eq!(super::distance("txt", "text"), 1);
        assert_eq!(super::distance("", "abc"), 3);
    }
}

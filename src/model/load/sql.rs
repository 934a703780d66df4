//! SQL files as desired state: CREATE, ALTER, COMMENT and GRANT statements
//! (Supabase's `supabase/schemas/*.sql`, `pg_dump -s` output) translated
//! through PostgreSQL's own parser into the model YAML loads into. No
//! database is involved: see docs/decisions.md.
//!
//! The statements of every file are read in three passes, so that the
//! order of files does not matter: schemas, extensions, types and
//! sequences; then tables, views and functions; then what changes them
//! (ALTER, indexes, policies, triggers, comments, grants, owners).
//! Expressions keep the text the user wrote. A table that the files do
//! not create is someone else's (`auth.users`): its policies and triggers
//! are declared on it, and its schema becomes external.

mod publication;
mod stmt;
mod table;
#[cfg(test)]
mod tests;
pub mod text;
mod text_search;

use std::collections::{BTreeSet, HashMap};

use pg_query::protobuf::{node::Node as N, Node, RawStmt};

use super::super::error::LoadError;
use super::super::types::Database;
use text::{line_col, Tokens};

/// One SQL file: its label (path) and text.
pub struct SqlFile<'a> {
    pub label: &'a str,
    pub text: &'a str,
}

/// Where each part of the model came from: a model path (as problems
/// name it) and the file index and byte it was declared at.
#[derive(Debug, Default, Clone)]
pub struct Places {
    pub at: HashMap<Vec<String>, (usize, usize)>,
}

impl Places {
    fn put(&mut self, path: Vec<String>, file: usize, at: usize) {
        self.at.entry(path).or_insert((file, at));
    }

    /// The place of the longest prefix of `path` that has one.
    pub fn find(&self, path: &[String]) -> Option<(usize, usize)> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.at.get(&path[..n]).copied())
    }
}

/// The model the files declare, and where each part of it came from.
pub struct Translated {
    pub db: Database,
    pub places: Places,
}

/// One statement to translate, with the file it is in.
pub(crate) struct Item<'a> {
    pub file: usize,
    pub raw: &'a RawStmt,
    pub node: &'a N,
    /// The schemas of `search_path` in force for it.
    pub path: std::rc::Rc<Vec<String>>,
}

/// The files' statements translated into one model. Every problem is
/// reported, each at `file:line:column`.
pub fn translate(files: &[SqlFile<'_>]) -> Result<Translated, Vec<LoadError>> {
    let texts: Vec<_> = files
        .iter()
        .map(|f| text::without_dump_guards(f.text))
        .collect();
    let files: Vec<SqlFile<'_>> = files
        .iter()
        .zip(&texts)
        .map(|(f, text)| SqlFile {
            label: f.label,
            text,
        })
        .collect();
    let files = files.as_slice();
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for f in files {
        match pg_query::parse(f.text, 0) {
            Ok(p) => parsed.push(Some(p)),
            Err(e) => {
                errors.push(syntax_error(f, &e));
                parsed.push(None);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let tokens: Vec<Tokens> = files.iter().map(|f| Tokens::scan(f.text)).collect();
    let mut items = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        let Some(p) = p else { continue };
        let mut path = std::rc::Rc::new(vec!["public".to_string()]);
        for raw in &p.protobuf.stmts {
            let Some(node) = raw.stmt.as_ref().and_then(|n| n.node.as_ref()) else {
                continue;
            };
            if let Some(p) = stmt::search_path(node) {
                path = std::rc::Rc::new(p);
                continue;
            }
            items.push(Item {
                file: i,
                raw,
                node,
                path: path.clone(),
            });
        }
    }
    let mut t = Translator {
        files,
        tokens: &tokens,
        db: Database::default(),
        places: Places::default(),
        errors: Vec::new(),
        created_schemas: BTreeSet::new(),
        attached: BTreeSet::new(),
        attached_at: HashMap::new(),
    };
    for pass in 0..4 {
        for item in &items {
            if stmt::pass_of(item.node) == pass {
                t.statement(item);
            } else if pass == 2 {
                // Functions are known now.
                t.revisit(item);
            }
        }
    }
    t.finish();
    if t.errors.is_empty() {
        Ok(Translated {
            db: t.db,
            places: t.places,
        })
    } else {
        t.errors
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        Err(t.errors)
    }
}

fn syntax_error(f: &SqlFile<'_>, e: &pg_query::Error) -> LoadError {
    let whole = match e {
        pg_query::Error::Parse(m) => m.clone(),
        other => other.to_string(),
    };
    let (mut at, message) = text::syntax_error_at(f.text, &whole);
    // A psql command (`\connect`, `\i`) is read by psql, not the server;
    // the scanner cannot place it, so its line is looked for.
    if message.ends_with(r#"at or near "\""#) {
        at = text::psql_command_at(f.text).unwrap_or(at);
    }
    let (line, column) = line_col(f.text, at);
    let rest = &f.text[at.min(f.text.len())..];
    if let Some(command) = rest.strip_prefix('\\') {
        let name: String = command
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return LoadError {
            file: f.label.to_string(),
            line,
            column,
            message: format!("`\\{name}` is a psql command, not SQL"),
            hint: Some("schema files hold SQL statements only: remove the line".into()),
        };
    }
    LoadError {
        file: f.label.to_string(),
        line,
        column,
        message,
        hint: None,
    }
}

pub(crate) struct Translator<'a> {
    files: &'a [SqlFile<'a>],
    tokens: &'a [Tokens],
    pub db: Database,
    pub places: Places,
    errors: Vec<LoadError>,
    /// Schemas a `CREATE SCHEMA` declares.
    pub created_schemas: BTreeSet<String>,
    /// Tables the files do not create, that policies or triggers are
    /// declared on.
    pub attached: BTreeSet<String>,
    /// Where each of `attached` is first named: file and byte.
    pub attached_at: HashMap<String, (usize, usize)>,
}

/// A statement's problem: the message and the byte it is at.
pub(crate) struct Refusal {
    pub at: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl Refusal {
    pub fn new(message: impl Into<String>) -> Refusal {
        Refusal {
            at: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Refusal {
        self.hint = Some(hint.into());
        self
    }

    pub fn at(mut self, at: usize) -> Refusal {
        self.at = Some(at);
        self
    }
}

pub(crate) type Done = Result<(), Refusal>;

impl<'a> Translator<'a> {
    fn statement(&mut self, item: &Item<'_>) {
        if let Err(r) = stmt::translate(self, item) {
            let start = stmt_start(item);
            let at = r.at.unwrap_or(start);
            let f = &self.files[item.file];
            let (line, column) = line_col(f.text, at);
            self.errors.push(LoadError {
                file: f.label.to_string(),
                line,
                column,
                message: r.message,
                hint: r.hint,
            });
        }
    }

    pub fn text(&self, item: &Item<'_>) -> &'a str {
        self.files[item.file].text
    }

    pub fn tokens(&self, item: &Item<'_>) -> &'a Tokens {
        &self.tokens[item.file]
    }

    /// Records where the model part `path` was declared.
    pub fn place(&mut self, item: &Item<'_>, path: &[&str], at: Option<usize>) {
        let at = at.unwrap_or_else(|| stmt_start(item));
        self.places
            .put(path.iter().map(|s| s.to_string()).collect(), item.file, at);
    }

    /// A statement read in an earlier pass, for what it names that a later
    /// pass reads: a range type's functions.
    fn revisit(&mut self, item: &Item<'_>) {
        if let N::CreateRangeStmt(s) = item.node {
            stmt::range_functions(self, item, s);
        }
    }

    /// What the files reference in schemas they neither create nor hold
    /// any object of is someone else's: external, with the tables that
    /// only policies or triggers are declared on.
    fn finish(&mut self) {
        self.partition_columns();
        let mut own: BTreeSet<String> = self.created_schemas.clone();
        own.insert("public".into());
        for key in self
            .db
            .type_keys()
            .chain(self.db.sequences.keys())
            .chain(self.db.views.keys())
            .chain(self.db.functions.keys())
            .chain(
                self.db
                    .tables
                    .keys()
                    .filter(|k| !self.attached.contains(k.as_str())),
            )
        {
            if let Ok(q) =
                crate::model::QualifiedName::parse(key.split('(').next().unwrap_or(key), "public")
            {
                own.insert(q.schema);
            }
        }
        let mut external: BTreeSet<String> = BTreeSet::new();
        for key in &self.attached {
            let schema = crate::model::external::schema_of(key).unwrap_or_default();
            if own.contains(&schema) {
                // In a schema of the team's: a table missing, not someone else's.
                let (file, at) = self.attached_at.get(key).copied().unwrap_or((0, 0));
                let f = &self.files[file];
                let (line, column) = line_col(f.text, at);
                self.errors.push(LoadError {
                    file: f.label.to_string(),
                    line,
                    column,
                    message: format!("table {key} is not created in these files"),
                    hint: Some(format!(
                        "create it, or list `{key}` in external (YAML) if it is someone else's"
                    )),
                });
                continue;
            }
            external.insert(key.clone());
        }
        for key in crate::model::external::undeclared(&self.db) {
            let schema =
                crate::model::QualifiedName::parse(key.split('(').next().unwrap_or(&key), "public")
                    .map(|q| q.schema)
                    .unwrap_or_default();
            if !own.contains(&schema) {
                external.insert(key);
            }
        }
        self.db.external.extend(external);
    }
}

impl Translator<'_> {
    /// A partition created `PARTITION OF` its parent has the parent's
    /// columns, as the catalog shows them (parents first: a partition may
    /// be partitioned too).
    fn partition_columns(&mut self) {
        loop {
            let mut changed = false;
            let keys: Vec<String> = self.db.tables.keys().cloned().collect();
            for k in keys {
                let t = &self.db.tables[&k];
                let Some(parent) = t.partition_of.as_ref().map(|p| p.parent.clone()) else {
                    continue;
                };
                // Filled already, unless only `WITH OPTIONS` columns
                // (no type) were written.
                if t.columns.values().any(|c| !c.type_.is_empty()) {
                    continue;
                }
                let cols = match self.db.tables.get(&parent) {
                    Some(p) if !p.columns.is_empty() => p.columns.clone(),
                    _ => continue,
                };
                let local = &t.columns;
                let cols = cols
                    .into_iter()
                    .map(|(n, c)| {
                        let mut c = crate::model::Column {
                            comment: None,
                            grants: Default::default(),
                            ..c
                        };
                        if let Some(own) = local.get(&n) {
                            if own.default.is_some() {
                                c.default.clone_from(&own.default);
                            }
                            if !own.nullable {
                                c.nullable = false;
                                c.not_null.clone_from(&own.not_null);
                            }
                        }
                        (n, c)
                    })
                    .collect();
                if let Some(t) = self.db.tables.get_mut(&k) {
                    t.columns = cols;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
}

/// Byte where the statement's first token is.
pub(crate) fn stmt_start(item: &Item<'_>) -> usize {
    usize::try_from(item.raw.stmt_location).unwrap_or(0)
}

/// Byte just after the statement's last character.
pub(crate) fn stmt_end(item: &Item<'_>, text: &str) -> usize {
    match usize::try_from(item.raw.stmt_len).unwrap_or(0) {
        0 => text.len(),
        n => (stmt_start(item) + n).min(text.len()),
    }
}

/// A list of `String` nodes as strings.
pub(crate) fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(N::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

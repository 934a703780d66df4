//! Loading the desired state: one YAML/JSON file or a directory tree of
//! them, merged, canonicalised and validated. Every problem found is
//! reported with its file position.

pub mod cache;
pub mod locate;
pub mod sql;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;

use super::canon;
use super::error::{LoadError, LoadErrors, Problem};
use super::validate;
use super::Database;

/// One source text and the label used in messages (usually its path).
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    pub text: String,
    /// The file `text` was read from. Such a text is let go once parsed
    /// and read again only to place an error found later.
    file: Option<PathBuf>,
    /// Of a SQL file: where each part of the model it declares is.
    places: Option<std::sync::Arc<sql::Places>>,
}

impl Source {
    /// A text that is not in a file (held until loading ends).
    pub fn new(label: &str, text: &str) -> Source {
        Source {
            label: label.to_string(),
            text: text.to_string(),
            file: None,
            places: None,
        }
    }

    fn is_json(&self) -> bool {
        self.label.to_ascii_lowercase().ends_with(".json")
    }

    /// A SQL file: translated with the others, not parsed alone.
    fn is_sql(&self) -> bool {
        self.label.to_ascii_lowercase().ends_with(".sql")
    }

    fn release(&mut self) {
        if self.file.is_some() {
            self.text = String::new();
        }
    }

    /// The text, read again when it was let go; an unreadable file is empty
    /// (an error is then placed at its start).
    fn text(&self) -> std::borrow::Cow<'_, str> {
        match &self.file {
            Some(file) if self.text.is_empty() => {
                std::fs::read_to_string(file).unwrap_or_default().into()
            }
            _ => self.text.as_str().into(),
        }
    }
}

/// Loads a file or a directory tree; warnings are dropped.
pub fn load(path: &Path) -> Result<Database, LoadErrors> {
    load_with_warnings(path).map(|(db, _)| db)
}

/// Loads a file or a directory tree, returning the model and the warnings
/// (e.g. a policy on a table without row level security).
pub fn load_with_warnings(path: &Path) -> Result<(Database, Vec<LoadError>), LoadErrors> {
    load_cached(path, None, 0)
}

/// As `load_with_warnings`, keeping parsed files in `cache_dir` (see
/// `cache`) when the schema's text is at least `min_bytes` long (the CLI
/// uses `cache::MIN_BYTES`); the model is the same with or without it.
pub fn load_cached(
    path: &Path,
    cache_dir: Option<&Path>,
    min_bytes: usize,
) -> Result<(Database, Vec<LoadError>), LoadErrors> {
    let mut errors = Vec::new();
    let mut sources = Vec::new();
    let files = schema_files(path, &mut errors);
    // Ten thousand small files take a good part of a cached load to read:
    // they are read on two threads, and the parse cache beside them (let go
    // if the schema turns out too small to use it).
    let (texts, cache) = super::par::join(
        || super::par::map(&files, |f| std::fs::read_to_string(f)),
        || cache_dir.map(cache::Cache::open),
    );
    for (file, text) in files.iter().zip(texts) {
        let label = file.display().to_string();
        match text {
            Ok(text) => sources.push(Source {
                label,
                text,
                file: Some(file.clone()),
                places: None,
            }),
            Err(e) => errors.push(file_error(&label, format!("cannot read: {e}"))),
        }
    }
    if !errors.is_empty() {
        return Err(LoadErrors { errors });
    }
    let bytes: usize = sources.iter().map(|s| s.text.len()).sum();
    let Some(cache) = cache.filter(|_| bytes >= min_bytes) else {
        return load_sources_with(sources, None);
    };
    let keys = super::par::map(&sources, |s| cache::key(&s.text, s.is_json()));
    load_sources_with(sources, Some((cache, keys)))
}

/// Loads one YAML (or, when `label` ends in `.json`, JSON) text.
pub fn load_str(text: &str, label: &str) -> Result<Database, LoadErrors> {
    load_sources(vec![Source::new(label, text)]).map(|(db, _)| db)
}

/// The schema files under `path`, sorted by path; hidden entries and other
/// extensions are skipped. A file given directly is taken whatever its name.
pub fn schema_files(path: &Path, errors: &mut Vec<LoadError>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if path.is_dir() {
        walk(path, &mut out, errors);
        debug_assert!(out.is_sorted());
        if out.is_empty() {
            errors.push(file_error(
                &path.display().to_string(),
                "no *.yaml, *.yml, *.json or *.sql files here".into(),
            ));
        }
    } else if path.exists() {
        out.push(path.to_path_buf());
    } else {
        errors.push(file_error(
            &path.display().to_string(),
            "no such file or directory".into(),
        ));
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(file_error(
                &dir.display().to_string(),
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    // Each directory's entries by name, a directory's files walked where
    // its name sorts: the files come out in path order without comparing
    // whole paths.
    let mut entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
    entries.sort_by_cached_key(|e| e.file_name());
    for entry in entries {
        let p = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        // The entry's own type needs no system call; a link is followed.
        let is_dir = match entry.file_type() {
            Ok(t) if !t.is_symlink() => t.is_dir(),
            _ => p.is_dir(),
        };
        if is_dir {
            walk(&p, out, errors);
        } else {
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase());
            if matches!(ext.as_deref(), Some("yaml" | "yml" | "json" | "sql")) {
                out.push(p);
            }
        }
    }
}

fn file_error(file: &str, message: String) -> LoadError {
    LoadError {
        file: file.to_string(),
        line: 0,
        column: 0,
        message,
        hint: None,
    }
}

/// Where each object came from: (section, canonical key) -> (file, key as written).
type Origins = HashMap<(String, String), (usize, String)>;

/// Parses, merges, canonicalises and validates several sources.
pub fn load_sources(sources: Vec<Source>) -> Result<(Database, Vec<LoadError>), LoadErrors> {
    load_sources_with(sources, None)
}

/// As `load_sources`, with a parse cache and each source's key in it.
fn load_sources_with(
    mut sources: Vec<Source>,
    cache: Option<(cache::Cache, Vec<String>)>,
) -> Result<(Database, Vec<LoadError>), LoadErrors> {
    let mut errors = Vec::new();
    let mut merged = Database::default();
    let mut origins = Origins::new();
    let mut list_sections: HashMap<&'static str, usize> = HashMap::new();
    let parsed_all = parse_all(&mut sources, cache);
    let translated = translate_sql(&mut sources);
    let sources = &sources;
    tracing::debug!(files = sources.len(), "parsed the schema files");
    // Room for every table at once: growing by doubling would copy the
    // map and leave up to half of it spare.
    let tables = parsed_all.iter().flatten().map(|(db, ..)| db.tables.len());
    merged.tables.reserve_exact(tables.sum());
    for (i, parsed) in parsed_all.into_iter().enumerate() {
        let (db, keys, problems) = match parsed {
            Ok(p) => p,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        errors.extend(problems);
        if !db.external.is_empty() {
            list_sections.entry("external").or_insert(i);
        }
        if !db.default_privileges.is_empty() {
            list_sections.entry("default_privileges").or_insert(i);
        }
        merge(
            &mut merged,
            db,
            i,
            &keys,
            sources,
            &mut origins,
            &mut errors,
        );
    }
    match translated {
        Ok(Some(db)) => merge_sql(
            &mut merged,
            db,
            sources,
            &mut origins,
            &mut list_sections,
            &mut errors,
        ),
        Ok(None) => {}
        Err(e) => errors.extend(e),
    }
    if !errors.is_empty() {
        return Err(LoadErrors { errors });
    }
    tracing::debug!("merged the schema files");
    let mut problems = canon::canonicalise(&mut merged);
    tracing::debug!("canonicalised the desired state");
    let (errs, warns) = validate::validate(&merged);
    tracing::debug!("validated the desired state");
    problems.extend(errs);
    let place = |p: Problem| locate_problem(p, sources, &origins, &list_sections);
    let order = |e: &LoadError| {
        let file = sources.iter().position(|s| s.label == e.file);
        (file, e.line, e.column)
    };
    let mut errors: Vec<LoadError> = problems.into_iter().map(place).collect();
    let mut warnings: Vec<LoadError> = warns.into_iter().map(place).collect();
    errors.sort_by_key(order);
    warnings.sort_by_key(order);
    if errors.is_empty() {
        Ok((merged, warnings))
    } else {
        Err(LoadErrors { errors })
    }
}

/// One source parsed: its model with canonical keys, the keys as written,
/// and the problems with its keys.
type Parsed = (
    Database,
    Vec<(&'static str, String, String)>,
    Vec<LoadError>,
);

/// Every source parsed, in order. Parsing is most of the cost of loading a
/// large schema and each file stands alone, so the sources are split over
/// the machine's cores; merging stays sequential and in order. With a
/// cache, files whose text is unchanged are read back from it instead, and
/// the cache is rewritten when any file was parsed afresh.
fn parse_all(
    sources: &mut [Source],
    cache: Option<(cache::Cache, Vec<String>)>,
) -> Vec<Result<Parsed, LoadError>> {
    let (mut cache, keys) = cache.unzip();
    let hits = match (&mut cache, &keys) {
        (Some(cache), Some(keys)) => cache.take(keys),
        _ => vec![None; sources.len()],
    };
    let cached = hits.iter().flatten().count();
    // The pack may need rewriting only when a file changed or went away;
    // otherwise each entry is let go once read back.
    let keep = cache
        .as_ref()
        .is_some_and(|c| c.stale() > 0 || cached < hits.len());
    let one = |(src, key, hit): Work| {
        let (mut db, note) = match hit.as_deref().and_then(cache::read) {
            Some(db) => (db, keep.then_some(hit).flatten().map(Note::Old)),
            None => match parse(src) {
                Ok(db) => {
                    let json = key.as_ref().and_then(|_| cache::write(&db));
                    let broken = hit.is_some();
                    (db, Some(Note::Fresh { json, broken }))
                }
                Err(e) => return (Err(e), None),
            },
        };
        let keys = section_keys(&db);
        let problems = canon::canonical_keys(&mut db)
            .into_iter()
            .map(|p| at(src, &p.path, p.message, p.hint))
            .collect();
        src.release();
        (Ok((db, keys, problems)), key.zip(note))
    };
    let mut work: Vec<Work> = sources
        .iter_mut()
        .zip(keys.map_or_else(
            || vec![None; hits.len()],
            |k| k.into_iter().map(Some).collect(),
        ))
        .zip(hits)
        .map(|((src, key), hit)| (src, key, hit))
        .collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let results: Vec<_> = if threads < 2 || work.len() < 64 {
        work.into_iter().map(one).collect()
    } else {
        let chunk = work.len().div_ceil(threads);
        let mut parts = Vec::new();
        while !work.is_empty() {
            let rest = work.split_off(chunk.min(work.len()));
            parts.push(std::mem::replace(&mut work, rest));
        }
        let one = &one;
        std::thread::scope(|s| {
            let workers: Vec<_> = parts
                .into_iter()
                .map(|part| s.spawn(move || part.into_iter().map(one).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                // A panic is a bug, as it would be on one thread: passed on.
                .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect()
        })
    };
    tracing::debug!(files = results.len(), cached, "parse cache");
    if let Some(cache) = cache {
        refresh(&cache, keep, &results);
    }
    results.into_iter().map(|(r, _)| r).collect()
}

/// One source to parse: the source, its cache key, and its cache entry.
type Work<'a> = (&'a mut Source, Option<String>, Option<String>);

/// A source's cache key and what its parse means for the cache.
type CacheNote = Option<(String, Note)>;

/// What a source's parse means for the cache.
enum Note {
    /// Read back from the pack (noted only when the pack may be rewritten).
    Old(String),
    /// Parsed afresh: the JSON of its model, and whether that replaces an
    /// entry that did not read back.
    Fresh { json: Option<String>, broken: bool },
}

/// Rewrites the cache when a file was parsed afresh or an entry is no
/// longer used: it then holds exactly the files that parsed, once each.
/// When the entries were let go as they were read (`kept` false), a pack
/// with an entry that did not read back is removed instead, and the next
/// load writes it anew.
fn refresh(cache: &cache::Cache, kept: bool, results: &[(Result<Parsed, LoadError>, CacheNote)]) {
    let mut entries: IndexMap<&str, &str> = IndexMap::new();
    let (mut fresh, mut broken) = (false, false);
    for (key, note) in results.iter().filter_map(|(_, note)| note.as_ref()) {
        let json = match note {
            Note::Old(json) => Some(json),
            Note::Fresh { json, broken: b } => {
                fresh |= json.is_some();
                broken |= b;
                json.as_ref()
            }
        };
        if let Some(json) = json {
            entries.insert(key, json);
        }
    }
    if kept && (fresh || cache.stale() > 0) {
        cache.store(&entries.into_iter().collect::<Vec<_>>());
    } else if broken {
        cache.discard();
    }
}

fn parse(src: &Source) -> Result<Database, LoadError> {
    if src.is_sql() {
        // Translated with the other SQL files (`translate_sql`).
        return Ok(Database::default());
    }
    if src.is_json() {
        return serde_json::from_str(&src.text).map_err(|e| LoadError {
            file: src.label.clone(),
            line: e.line().max(1),
            column: e.column().max(1),
            message: strip_json_position(&e.to_string()),
            hint: None,
        });
    }
    if is_empty_yaml(&src.text) {
        return Ok(Database::default());
    }
    // Comments never reach the model, so they are not captured.
    let mut options = serde_saphyr::Options::default();
    options.emit_comments = false;
    serde_saphyr::from_str_with_options(&src.text, options).map_err(|e| saphyr_error(src, &e))
}

/// A file holding only comments or `---` is an empty partial model.
fn is_empty_yaml(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// serde_json's message without its ` at line L column C`.
pub fn strip_json_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn saphyr_error(src: &Source, e: &serde_saphyr::Error) -> LoadError {
    use serde_saphyr::MessageFormatter;
    let inner = e.without_snippet();
    let message = serde_saphyr::UserMessageFormatter
        .format_message(inner)
        .into_owned();
    let (line, column) = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .filter(|(l, _)| *l > 0)
        .unwrap_or((1, 1));
    LoadError {
        file: src.label.clone(),
        line,
        column: column.max(1),
        message,
        hint: None,
    }
}

/// The (section, key as written, canonical key) of every keyed object.
fn section_keys(db: &Database) -> Vec<(&'static str, String, String)> {
    fn add<T>(
        out: &mut Vec<(&'static str, String, String)>,
        section: &'static str,
        map: &IndexMap<String, T>,
        canon: fn(&str) -> Result<String, String>,
    ) {
        for k in map.keys() {
            let c = canon(k).unwrap_or_else(|_| k.clone());
            out.push((section, k.clone(), c));
        }
    }
    let rel = |k: &str| canon::relation_key(k).map(|q| q.to_string());
    let same = |k: &str| Ok(k.to_string());
    let mut out = Vec::new();
    add(&mut out, "schemas", &db.schemas, same);
    add(&mut out, "extensions", &db.extensions, same);
    add(&mut out, "collations", &db.collations, rel);
    add(
        &mut out,
        "text_search_configurations",
        &db.text_search_configurations,
        rel,
    );
    add(&mut out, "enums", &db.enums, rel);
    add(&mut out, "domains", &db.domains, rel);
    add(&mut out, "composite_types", &db.composite_types, rel);
    add(&mut out, "range_types", &db.range_types, rel);
    add(&mut out, "sequences", &db.sequences, rel);
    add(&mut out, "tables", &db.tables, rel);
    add(&mut out, "views", &db.views, rel);
    add(&mut out, "functions", &db.functions, canon::function_key);
    add(&mut out, "aggregates", &db.aggregates, canon::function_key);
    add(&mut out, "publications", &db.publications, same);
    out
}

fn merge(
    into: &mut Database,
    db: Database,
    file: usize,
    keys: &[(&'static str, String, String)],
    sources: &[Source],
    origins: &mut Origins,
    errors: &mut Vec<LoadError>,
) {
    let mut dup = |section: &'static str, key: &str| -> bool {
        let k = (section.to_string(), key.to_string());
        let written = keys
            .iter()
            .find(|(s, _, c)| *s == section && c == key)
            .map_or(key.to_string(), |(_, w, _)| w.clone());
        if let Some((first, first_key)) = origins.get(&k) {
            let src = &sources[file];
            let prev = &sources[*first];
            let prev_at = position(prev, &[section.to_string(), first_key.clone()]);
            errors.push(at(
                src,
                &[section.to_string(), written],
                format!(
                    "{} `{key}` is already defined in {}",
                    section.trim_end_matches('s').replace('_', " "),
                    prev.label
                ),
                Some(format!(
                    "first defined at {}:{}:{}",
                    prev.label, prev_at.0, prev_at.1
                )),
            ));
            return true;
        }
        origins.insert(k, (file, written));
        false
    };
    macro_rules! section {
        ($field:ident) => {
            for (k, v) in db.$field {
                if !dup(stringify!($field), &k) {
                    into.$field.insert(k, v);
                }
            }
        };
    }
    section!(schemas);
    section!(extensions);
    section!(collations);
    section!(text_search_configurations);
    section!(enums);
    section!(domains);
    section!(composite_types);
    section!(range_types);
    section!(sequences);
    section!(tables);
    section!(views);
    section!(functions);
    section!(aggregates);
    section!(publications);
    into.default_privileges.extend(db.default_privileges);
    into.external.extend(db.external);
    into.allow_drop.extend(db.allow_drop);
}

fn position(src: &Source, path: &[String]) -> (usize, usize) {
    if let Some(places) = &src.places {
        return match places.find(path) {
            Some((_, at)) => sql::text::line_col(&src.text(), at),
            None => (1, 1),
        };
    }
    locate::locate(&src.text(), path).unwrap_or((1, 1))
}

/// Every SQL source translated together into one model; each source then
/// holds the places of what it declared. `None` when there are none.
fn translate_sql(sources: &mut [Source]) -> Result<Option<Database>, Vec<LoadError>> {
    let at: Vec<usize> = (0..sources.len())
        .filter(|&i| sources[i].is_sql())
        .collect();
    if at.is_empty() {
        return Ok(None);
    }
    let texts: Vec<(String, String)> = at
        .iter()
        .map(|&i| (sources[i].label.clone(), sources[i].text().into_owned()))
        .collect();
    let files: Vec<sql::SqlFile<'_>> = texts
        .iter()
        .map(|(label, text)| sql::SqlFile { label, text })
        .collect();
    let translated = sql::translate(&files)?;
    // Each source's places, by the source's own index.
    let mut per_file: Vec<sql::Places> = vec![sql::Places::default(); at.len()];
    for (path, (file, byte)) in translated.places.at {
        per_file[file].at.insert(path, (at[file], byte));
    }
    for (places, &i) in per_file.into_iter().zip(&at) {
        sources[i].places = Some(std::sync::Arc::new(places));
    }
    let mut db = translated.db;
    // Keys are canonical already; this reports what is not a name.
    let problems = canon::canonical_keys(&mut db);
    if let Some(p) = problems.first() {
        return Err(vec![LoadError {
            file: texts[0].0.clone(),
            line: 1,
            column: 1,
            message: p.message.clone(),
            hint: p.hint.clone(),
        }]);
    }
    Ok(Some(db))
}

/// Merges the SQL files' model, each object's origin the file that
/// declared it.
fn merge_sql(
    into: &mut Database,
    db: Database,
    sources: &[Source],
    origins: &mut Origins,
    list_sections: &mut HashMap<&'static str, usize>,
    errors: &mut Vec<LoadError>,
) {
    let file_of = |section: &str, key: &str| -> usize {
        sources
            .iter()
            .position(|s| {
                s.places.as_ref().is_some_and(|p| {
                    p.at.contains_key(&vec![section.to_string(), key.to_string()])
                })
            })
            .or_else(|| sources.iter().position(Source::is_sql))
            .unwrap_or(0)
    };
    let mut put = |section: &'static str, key: &str| -> bool {
        let file = file_of(section, key);
        let k = (section.to_string(), key.to_string());
        if let Some((first, _)) = origins.get(&k) {
            let prev = &sources[*first];
            errors.push(at(
                &sources[file],
                &[section.to_string(), key.to_string()],
                format!(
                    "{} `{key}` is already defined in {}",
                    section.trim_end_matches('s').replace('_', " "),
                    prev.label
                ),
                None,
            ));
            return false;
        }
        origins.insert(k, (file, key.to_string()));
        true
    };
    macro_rules! section {
        ($field:ident) => {
            for (k, v) in db.$field {
                if put(stringify!($field), &k) {
                    into.$field.insert(k, v);
                }
            }
        };
    }
    section!(schemas);
    section!(extensions);
    section!(collations);
    section!(text_search_configurations);
    section!(enums);
    section!(domains);
    section!(composite_types);
    section!(range_types);
    section!(sequences);
    section!(tables);
    section!(views);
    section!(functions);
    section!(aggregates);
    section!(publications);
    let first_sql = sources.iter().position(Source::is_sql).unwrap_or(0);
    if !db.external.is_empty() {
        list_sections.entry("external").or_insert(first_sql);
    }
    if !db.default_privileges.is_empty() {
        list_sections
            .entry("default_privileges")
            .or_insert(first_sql);
    }
    into.default_privileges.extend(db.default_privileges);
    into.external.extend(db.external);
}

fn at(src: &Source, path: &[String], message: String, hint: Option<String>) -> LoadError {
    let (line, column) = position(src, path);
    LoadError {
        file: src.label.clone(),
        line,
        column,
        message,
        hint,
    }
}

/// Turns a problem addressed by canonical key path into a file position.
fn locate_problem(
    p: Problem,
    sources: &[Source],
    origins: &Origins,
    list_sections: &HashMap<&'static str, usize>,
) -> LoadError {
    let section = p.path.first().cloned().unwrap_or_default();
    let key = p.path.get(1).cloned().unwrap_or_default();
    let known = (p.path.len() >= 2)
        .then(|| origins.get(&(section.clone(), key)))
        .flatten();
    let (file, path) = match known {
        Some((file, written)) => {
            let mut path = p.path.clone();
            path[1] = written.clone();
            (*file, path)
        }
        None => {
            let file = list_sections.get(section.as_str()).copied().unwrap_or(0);
            (file, vec![section])
        }
    };
    match sources.get(file) {
        Some(src) => at(src, &path, p.message, p.hint),
        None => LoadError {
            file: String::new(),
            line: 0,
            column: 0,
            message: p.message,
            hint: p.hint,
        },
    }
}

// ---------------------------------------------------------------------------
// Expression pairs from the real corpora: the source text of every policy
// USING / WITH CHECK, CHECK, DEFAULT and partial-index WHERE, paired with
// what PostgreSQL stored (tests/fixtures/load/catalog_exprs/*.json, made by
// catalog_exprs.sh against a real server).

use indexmap::IndexMap;
use reconcile::model::expr::{canonical_with, equivalent_with, ExprContext};
use serde_json::Value;

struct Tok {
    text: String,
    start: usize,
    end: usize,
}

fn tokens(sql: &str) -> Vec<Tok> {
    let Ok(scan) = pg_query::scan(sql) else {
        return Vec::new();
    };
    scan.tokens
        .iter()
        .filter_map(|t| {
            let (s, e) = (t.start as usize, t.end as usize);
            sql.get(s..e).map(|text| Tok { text: text.to_lowercase(), start: s, end: e })
        })
        .collect()
}

/// Text between the `(` at `open` and its matching `)`.
fn paren_span(sql: &str, toks: &[Tok], open: usize) -> Option<String> {
    let mut depth = 0;
    for t in &toks[open..] {
        match t.text.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return sql.get(toks[open].end..t.start).map(|s| s.trim().to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// A DEFAULT expression: up to the next `,`/`)` or constraint keyword at its depth.
fn default_span(sql: &str, toks: &[Tok], first: usize) -> Option<String> {
    let stop = ["not", "null", "constraint", "check", "primary", "references", "unique", "collate", "generated", ";"];
    let mut depth = 0;
    let mut last = None;
    for (i, t) in toks.iter().enumerate().skip(first) {
        match t.text.as_str() {
            "(" => depth += 1,
            ")" if depth == 0 => break,
            ")" => depth -= 1,
            "," if depth == 0 => break,
            w if depth == 0 && i > first && stop.contains(&w) => break,
            _ => {}
        }
        last = Some(t.end);
    }
    sql.get(toks.get(first)?.start..last?).map(|s| s.trim().to_string())
}

fn do_body(node: &Value) -> Option<String> {
    let args = node.get("DoStmt")?["args"].as_array()?;
    args.iter()
        .find(|a| a["node"]["DefElem"]["defname"] == "as")
        .and_then(|a| a["node"]["DefElem"]["arg"]["node"]["String"]["sval"].as_str())
        .map(str::to_string)
}

/// The SQL statements a plpgsql block runs directly (not via EXECUTE).
fn plpgsql_queries(body: &str) -> Vec<String> {
    let wrapped = format!("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $do_body${body}$do_body$");
    let Ok(tree) = pg_query::parse_plpgsql(&wrapped) else { return Vec::new() };
    let mut out = Vec::new();
    collect_execsql(&tree, &mut out);
    out
}

fn collect_execsql(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(q) = m.get("PLpgSQL_stmt_execsql").and_then(|e| e["sqlstmt"]["PLpgSQL_expr"]["query"].as_str()) {
                out.push(q.to_string());
            }
            m.values().for_each(|c| collect_execsql(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_execsql(c, out)),
        _ => {}
    }
}

fn rel_key(rv: &Value, default_schema: &str) -> String {
    let schema = rv["schemaname"].as_str().filter(|s| !s.is_empty()).unwrap_or(default_schema);
    format!("{schema}.{}", rv["relname"].as_str().unwrap_or(""))
}

fn truncate63(s: &str) -> String {
    let mut n = s.len().min(63);
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    s[..n].to_string()
}

/// (kind, key) -> source text, last definition wins.
fn source_exprs(dir: &std::path::Path, default_schema: &str) -> IndexMap<(String, String), String> {
    let mut out = IndexMap::new();
    let mut unnamed_checks: IndexMap<String, usize> = IndexMap::new();
    let order = std::fs::read_to_string(dir.join("order.txt")).expect("order.txt");
    for file in order.lines().filter(|l| !l.trim().is_empty()) {
        let text = std::fs::read_to_string(dir.join(file.trim())).expect("corpus file");
        let Ok(stmts) = pg_query::split_with_parser(&text) else { continue };
        let mut queue: Vec<String> = stmts.iter().map(|s| s.to_string()).collect();
        queue.reverse();
        while let Some(sql) = queue.pop() {
            let sql = sql.as_str();
            let Ok(parsed) = pg_query::parse(sql, 0) else { continue };
            let tree = serde_json::to_value(&parsed.protobuf).expect("json");
            let node = &tree["stmts"][0]["stmt"]["node"];
            let toks = tokens(sql);
            let depth0: Vec<usize> = {
                let mut d = 0;
                let mut v = Vec::new();
                for (i, t) in toks.iter().enumerate() {
                    if t.text == "(" { d += 1 } else if t.text == ")" { d -= 1 }
                    if d == 0 && t.text != ")" { v.push(i) }
                }
                v
            };
            let next_is_paren = |i: usize| toks.get(i + 1).is_some_and(|t| t.text == "(");
            if let Some(body) = do_body(node) {
                // Statements inside a DO block, in order, before what follows.
                let mut inner = plpgsql_queries(&body);
                inner.reverse();
                queue.extend(inner);
                continue;
            }
            if let Some(p) = node.get("CreatePolicyStmt").or_else(|| node.get("AlterPolicyStmt")) {
                let key = format!("{}.{}", rel_key(&p["table"], default_schema), truncate63(p["policy_name"].as_str().unwrap_or("")));
                for &i in &depth0 {
                    if toks[i].text == "using" && next_is_paren(i) {
                        if let Some(s) = paren_span(sql, &toks, i + 1) { out.insert(("using".into(), key.clone()), s); }
                    }
                    if toks[i].text == "check" && i > 0 && toks[i - 1].text == "with" && next_is_paren(i) {
                        if let Some(s) = paren_span(sql, &toks, i + 1) { out.insert(("with_check".into(), key.clone()), s); }
                    }
                }
            } else if let Some(ix) = node.get("IndexStmt") {
                let schema = ix["relation"]["schemaname"].as_str().filter(|s| !s.is_empty()).unwrap_or(default_schema);
                let key = format!("{schema}.{}", ix["idxname"].as_str().unwrap_or(""));
                if let Some(&i) = depth0.iter().find(|&&i| toks[i].text == "where") {
                    let end = toks.last().filter(|t| t.text == ";").map_or(sql.len(), |t| t.start);
                    if let Some(s) = sql.get(toks[i].end..end) { out.insert(("where".into(), key), s.trim().to_string()); }
                }
            } else if node.get("CreateStmt").is_some() || node.get("AlterTableStmt").is_some() {
                let (rel, items) = match node.get("CreateStmt") {
                    Some(c) => (c["relation"].clone(), c["table_elts"].as_array().cloned().unwrap_or_default()),
                    None => {
                        let a = &node["AlterTableStmt"];
                        (a["relation"].clone(), a["cmds"].as_array().cloned().unwrap_or_default())
                    }
                };
                let table = rel_key(&rel, default_schema);
                // Expected (kind, key) in text order.
                let mut expected: Vec<(String, String)> = Vec::new();
                let mut column_def = |cd: &Value, expected: &mut Vec<(String, String)>| {
                    let col = cd["colname"].as_str().unwrap_or("").to_string();
                    for c in cd["constraints"].as_array().into_iter().flatten() {
                        let c = &c["node"]["Constraint"];
                        match c["contype"].as_i64() {
                            Some(3) => expected.push(("default".into(), format!("{table}.{col}"))),
                            Some(6) => expected.push(("check".into(), c["conname"].as_str().unwrap_or("").to_string())),
                            _ => {}
                        }
                    }
                };
                for item in &items {
                    let n = &item["node"];
                    if let Some(cd) = n.get("ColumnDef") {
                        column_def(cd, &mut expected);
                    } else if let Some(c) = n.get("Constraint") {
                        if c["contype"].as_i64() == Some(6) {
                            expected.push(("check".into(), c["conname"].as_str().unwrap_or("").to_string()));
                        }
                    } else if let Some(cmd) = n.get("AlterTableCmd") {
                        let def = &cmd["def"]["node"];
                        match cmd["subtype"].as_i64() {
                            Some(1) => { if let Some(cd) = def.get("ColumnDef") { column_def(cd, &mut expected) } }
                            Some(3) if def.is_object() => expected.push(("default".into(), format!("{table}.{}", cmd["name"].as_str().unwrap_or("")))),
                            Some(17) => { if def["Constraint"]["contype"].as_i64() == Some(6) {
                                expected.push(("check".into(), def["Constraint"]["conname"].as_str().unwrap_or("").to_string()));
                            } }
                            _ => {}
                        }
                    }
                }
                let mut found: Vec<(String, String)> = Vec::new();
                for i in 0..toks.len() {
                    let prev = if i > 0 { toks[i - 1].text.as_str() } else { "" };
                    if toks[i].text == "check" && next_is_paren(i) && prev != "with" {
                        if let Some(s) = paren_span(sql, &toks, i + 1) { found.push(("check".into(), s)); }
                    } else if toks[i].text == "default" && !matches!(prev, "by" | "drop") {
                        if let Some(s) = default_span(sql, &toks, i + 1) { found.push(("default".into(), s)); }
                    }
                }
                if expected.len() != found.len() || expected.iter().zip(&found).any(|(e, f)| e.0 != f.0) {
                    panic!("cannot pair expressions in {file}: {sql}\nexpected {expected:?}\nfound {found:?}");
                }
                for ((kind, key), (_, text)) in expected.into_iter().zip(found) {
                    let key = if kind == "check" {
                        if key.is_empty() {
                            let n = unnamed_checks.entry(table.clone()).or_insert(0);
                            *n += 1;
                            format!("{table}.#{n}")
                        } else {
                            format!("{table}.{key}")
                        }
                    } else {
                        key
                    };
                    out.insert((kind, key), text);
                }
            }
        }
    }
    out
}

/// (kind, key) -> (catalog text, table) from a captured dump.
fn catalog_exprs(dump: &Value, source: &IndexMap<(String, String), String>) -> IndexMap<(String, String), (String, String)> {
    let mut out = IndexMap::new();
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    for p in dump["policies"].as_array().into_iter().flatten() {
        let key = format!("{}.{}.{}", s(p, "schema"), s(p, "table"), s(p, "name"));
        for (kind, field) in [("using", "using"), ("with_check", "with_check")] {
            if let Some(e) = p[field].as_str() { out.insert((kind.to_string(), key.clone()), (e.to_string(), s(p, "table"))); }
        }
    }
    let mut unnamed: IndexMap<String, usize> = IndexMap::new();
    for c in dump["checks"].as_array().into_iter().flatten() {
        let table = format!("{}.{}", s(c, "schema"), s(c, "table"));
        let named = format!("{table}.{}", s(c, "name"));
        let key = if source.contains_key(&("check".to_string(), named.clone())) {
            named
        } else {
            let n = unnamed.entry(table.clone()).or_insert(0);
            *n += 1;
            format!("{table}.#{n}")
        };
        out.insert(("check".into(), key), (s(c, "expr"), s(c, "table")));
    }
    for d in dump["defaults"].as_array().into_iter().flatten() {
        let key = format!("{}.{}.{}", s(d, "schema"), s(d, "table"), s(d, "column"));
        out.insert(("default".into(), key), (s(d, "expr"), s(d, "table")));
    }
    for i in dump["index_predicates"].as_array().into_iter().flatten() {
        let key = format!("{}.{}", s(i, "schema"), s(i, "name"));
        out.insert(("where".into(), key), (s(i, "expr"), s(i, "table")));
    }
    out
}

fn corpus_dir() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("RECONCILE_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    assert!(dir.join("README.md").exists(), "corpus not found at {} (set RECONCILE_CORPUS)", dir.display());
    dir
}

const CORPORA: &[(&str, &str, &[&str])] = &[
    ("basejump", "basejump", &["public", "extensions"]),
    ("subs_payments", "nextjs-subscription-payments", &["public", "extensions"]),
    ("todo", "supabase-examples/todo-list", &["public", "extensions"]),
    ("usermgmt", "supabase-examples/user-management", &["public", "extensions"]),
    ("slack", "supabase-examples/slack-clone", &["public", "extensions"]),
    ("storage", "supabase-storage", &["storage", "public"]),
    ("pagila", "pagila", &["public"]),
    ("danbooru", "danbooru", &["public"]),
];

/// Pairs the offline canonicaliser cannot make equivalent: (corpus, kind,
/// key, reason). Each must really differ, so the list stays honest.
const KNOWN_GAPS: &[(&str, &str, &str, &str)] = &[];

/// Catalog expressions whose source the test cannot extract: (corpus, kind,
/// key, reason). Empty since DO blocks are opened; an entry here must be
/// really unpaired (the test checks the count).
const KNOWN_UNPAIRED: &[(&str, &str, &str, &str)] = &[];

#[test]
fn corpus_expression_pairs_are_equivalent() {
    let corpus = corpus_dir();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/catalog_exprs");
    let (mut total, mut failures, mut gaps_seen) = (0, Vec::new(), Vec::new());
    let mut unpaired = Vec::new();
    let mut checked: Vec<(String, String, ExprContext)> = Vec::new();
    for (name, dir, path) in CORPORA {
        let source = source_exprs(&corpus.join(dir), path[0]);
        let dump: Value = serde_json::from_str(&std::fs::read_to_string(fixtures.join(format!("{name}.json"))).expect("dump")).expect("json");
        let catalog = catalog_exprs(&dump, &source);
        let shim = path.contains(&"extensions");
        for ((kind, key), (stored, table)) in &catalog {
            // The shim's storage stub is not corpus source.
            if shim && key.starts_with("storage.") && !matches!(kind.as_str(), "using" | "with_check") {
                continue;
            }
            let Some(written) = source.get(&(kind.clone(), key.clone())) else {
                match KNOWN_UNPAIRED.iter().find(|u| u.0 == *name && u.1 == kind && u.2 == key) {
                    Some(_) => unpaired.push(key.clone()),
                    None => failures.push(format!("{name} {kind} {key}: no source text found for catalog `{stored}`")),
                }
                continue;
            };
            total += 1;
            let cx = ExprContext { search_path: path.iter().map(|s| s.to_string()).collect(), relation: Some(table.clone()) };
            let same = equivalent_with(written, stored, &cx);
            checked.push((written.clone(), stored.clone(), cx.clone()));
            let gap = KNOWN_GAPS.iter().find(|g| g.0 == *name && g.1 == kind && g.2 == key);
            match (same, gap) {
                (true, None) => {}
                (false, Some(_)) => gaps_seen.push(key.clone()),
                (true, Some(_)) => failures.push(format!("{name} {kind} {key}: listed as a known gap but equivalent")),
                (false, None) => failures.push(format!(
                    "{name} {kind} {key}:\n  source:  {written}\n  catalog: {stored}\n  {:?}\n  {:?}",
                    canonical_with(written, &cx), canonical_with(stored, &cx)
                )),
            }
        }
    }
    eprintln!(
        "{total} corpus expression pairs, {} known gaps, {} catalog expressions without extractable source",
        gaps_seen.len(),
        unpaired.len()
    );
    assert_eq!(unpaired.len(), KNOWN_UNPAIRED.len(), "stale KNOWN_UNPAIRED: {unpaired:?}");
    assert_eq!(gaps_seen.len(), KNOWN_GAPS.len(), "stale KNOWN_GAPS: {gaps_seen:?}");
    assert!(total > 300, "too few pairs: {total}");
    // Deliberately different pairs from the same data: each source text
    // against the next stored expression, when the two stored texts differ.
    let mut different = 0;
    for w in checked.windows(2) {
        let ((src, stored_a, cx), (_, stored_b, _)) = (&w[0], &w[1]);
        if canonical_with(stored_a, cx) != canonical_with(stored_b, cx) {
            different += 1;
            if equivalent_with(src, stored_b, cx) {
                failures.push(format!("wrongly equivalent: `{src}` and `{stored_b}`"));
            }
        }
    }
    eprintln!("{different} deliberately different pairs");
    assert!(different > 200, "too few different pairs: {different}");
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

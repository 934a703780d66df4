//! Loader tests: good fixtures load to exact models, bad fixtures give exact
//! located messages, YAML and JSON agree, type spellings compare equal, the
//! loader never panics, and expressions from real corpora compare equal to
//! what PostgreSQL stored.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use proptest::prelude::*;
use reconcile::model::expr::{canonical_with, equivalent_with, ExprContext};
use reconcile::model::load::{load, load_str, load_with_warnings};
use reconcile::model::*;
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/load")
        .join(rel)
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn map<T>(pairs: Vec<(&str, T)>) -> IndexMap<String, T> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn col(ty: &str, nullable: bool, default: Option<&str>) -> Column {
    Column {
        type_: ty.into(),
        nullable,
        default: default.map(String::from),
        ..Default::default()
    }
}

/// The example schema of the format description, in canonical form.
fn expected_app() -> Database {
    let table = Table {
        columns: map(vec![
            ("id", col("uuid", false, Some("gen_random_uuid()"))),
            ("user_id", col("uuid", false, None)),
            ("provider", col("text", false, None)),
            (
                "created_at",
                col("timestamp with time zone", false, Some("now()")),
            ),
        ]),
        primary_key: Some(PrimaryKey {
            columns: strings(&["id"]),
            ..Default::default()
        }),
        unique: map(vec![(
            "user_api_keys_user_id_key",
            Unique {
                columns: strings(&["user_id"]),
                ..Default::default()
            },
        )]),
        foreign_keys: map(vec![(
            "user_api_keys_user_id_fkey",
            ForeignKey {
                columns: strings(&["user_id"]),
                references: "auth.users(id)".into(),
                on_delete: FkAction::Cascade,
                ..Default::default()
            },
        )]),
        indexes: map(vec![(
            "idx_user_api_keys_provider",
            Index {
                columns: vec![IndexElem {
                    column: Some("provider".into()),
                    ..Default::default()
                }],
                where_: Some("provider <> 'none'".into()),
                ..Default::default()
            },
        )]),
        row_level_security: RowLevelSecurity {
            enabled: true,
            forced: false,
        },
        policies: map(vec![(
            "users_select_own",
            Policy {
                command: PolicyCommand::Select,
                to: strings(&["authenticated"]),
                using: Some("auth.uid() = user_id".into()),
                ..Default::default()
            },
        )]),
        grants: map(vec![(
            "authenticated",
            strings(&["select", "insert", "update", "delete"]),
        )]),
        ..Default::default()
    };
    Database {
        tables: map(vec![("public.user_api_keys", table)]),
        external: strings(&["auth.uid()", "auth.users"]),
        ..Default::default()
    }
}

#[test]
fn yaml_example_loads_to_exact_model() {
    let db = load(&fixture("good/app.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(db, expected_app());
}

#[test]
fn json_and_yaml_forms_load_to_equal_models() {
    let json = load(&fixture("good/app.json")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json, expected_app());
    let yaml = load(&fixture("good/app.yaml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json, yaml);
}

#[test]
fn directory_tree_merges_and_canonicalises() {
    let (db, warnings) = load_with_warnings(&fixture("good/dir")).unwrap_or_else(|e| panic!("{e}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    // serial -> integer NOT NULL with a nextval default and an owned sequence.
    let users = &db.tables["public.users"];
    assert_eq!(
        users.columns["id"],
        col(
            "integer",
            false,
            Some("nextval('public.users_id_seq'::regclass)")
        )
    );
    assert_eq!(
        db.sequences["public.users_id_seq"],
        Sequence {
            type_: Some("integer".into()),
            owned_by: Some("public.users.id".into()),
            ..Default::default()
        }
    );
    assert_eq!(
        users.columns["email"],
        col("character varying(320)", false, None)
    );
    assert_eq!(users.columns["role"], col("public.user_role", true, None));
    assert_eq!(users.columns["score"], col("integer", true, None));
    assert_eq!(
        users.grants,
        map(vec![
            ("app", strings(&["all"])),
            ("public", strings(&["select"]))
        ])
    );
    let posts = &db.tables["public.posts"];
    // Identity columns are NOT NULL; the FK fills in the referenced primary key.
    assert!(!posts.columns["id"].nullable);
    assert_eq!(posts.columns["tags"].type_, "text[]");
    assert_eq!(
        posts.foreign_keys["posts_author_id_fkey"].references,
        "public.users(id)"
    );
    let trigger = &posts.triggers["posts_touch"];
    assert_eq!(
        (trigger.function.as_str(), trigger.events.clone()),
        ("public.touch", strings(&["update"]))
    );
    // PUBLIC's default EXECUTE is omitted.
    assert!(db.functions["public.touch()"].grants.is_empty());
    let labels: Vec<String> = (db.enums["public.user_role"].values.iter())
        .map(|v| v.name.clone())
        .collect();
    assert_eq!(labels, strings(&["member", "admin"]));
    // auth/external.json merged; the hidden file and README.md were skipped.
    assert_eq!(db.external, strings(&["auth.users"]));
    assert_eq!(db.tables.len(), 2);
}

fn errors_of(rel: &str) -> String {
    match load(&fixture(rel)) {
        Ok(db) => panic!("{rel} loaded: {db:?}"),
        Err(e) => e
            .to_string()
            .replace(&fixture("").display().to_string(), ""),
    }
}

#[test]
fn bad_fixtures_give_exact_located_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "bad/unknown_key.yaml",
            "bad/unknown_key.yaml:5:5: unknown field `primary_keys`, expected one of renamed_from, owner, comment, unlogged, columns, primary_key, unique, foreign_keys, checks, exclusions, indexes, partition_by, partition_of, inherits, row_level_security, policies, triggers, rules, grants, options, replica_identity",
        ),
        (
            "bad/duplicate_key.yaml",
            "bad/duplicate_key.yaml:6:7: duplicate mapping key `id` is not allowed here",
        ),
        (
            "bad/dangling_fk.yaml",
            "bad/dangling_fk.yaml:11:50: foreign key references `public.user`, which is neither declared nor external\n  hint: did you mean `public.users`? Otherwise list `public.user` in external",
        ),
        (
            "bad/long_name.yaml",
            "bad/long_name.yaml:5:7: column name `this_column_name_is_exactly_sixty_four_bytes_long_which_is_too_l` is 64 bytes long; PostgreSQL allows at most 63\n  hint: PostgreSQL would truncate it; shorten it",
        ),
        (
            "bad/unknown_type.yaml",
            "bad/unknown_type.yaml:7:7: unknown type `public.txet`\n  hint: did you mean `text`?\nbad/unknown_type.yaml:8:7: unknown type `public.moood`\n  hint: did you mean `public.mood`?",
        ),
        ("bad/wrong_type.yaml", "bad/wrong_type.yaml:4:35: invalid boolean"),
        (
            "bad/two_files",
            "bad/two_files/b.yaml:5:3: table `public.users` is already defined in {F}bad/two_files/a.yaml\n  hint: first defined at {F}bad/two_files/a.yaml:2:3",
        ),
        (
            "bad/name_clash.yaml",
            "bad/name_clash.yaml:8:7: index `users_email_key` on public.users has the same name as unique constraint `users_email_key` on public.users; PostgreSQL keeps index and relation names in one namespace per schema\n  hint: rename one of them\nbad/name_clash.yaml:9:7: index column `name` is not a column of public.users",
        ),
        (
            "bad/many.yaml",
            "bad/many.yaml:5:7: column name is empty\n  hint: give it a name\n\
             bad/many.yaml:7:61: trigger function `public.audit` is neither declared nor external\n  hint: declare `public.audit()` under functions, or list it in external\n\
             bad/many.yaml:8:21: partition parent `public.events` is not a declared table\n\
             bad/many.yaml:9:15: `execute` is not a privilege on a table or view\n  hint: use one of: all, select, insert, update, delete, truncate, references, trigger, maintain\n\
             bad/many.yaml:11:16: sequence is owned by `public.users.missing`, which is not a declared column",
        ),
    ];
    for (rel, want) in cases {
        assert_eq!(errors_of(rel), want.replace("{F}", ""), "{rel}");
    }
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let e = load(&fixture("bad/many.yaml")).unwrap_err();
    assert_eq!(e.errors.len(), 5);
    assert!(e.errors.iter().all(|e| e.line > 0 && e.column > 0));
}

#[test]
fn policy_without_rls_is_a_warning() {
    let (db, warnings) = load_with_warnings(&fixture("bad/policy_without_rls.yaml")).unwrap();
    assert_eq!(db.tables["public.notes"].policies.len(), 1);
    let w: Vec<String> = warnings
        .iter()
        .map(|w| {
            w.to_string()
                .replace(&fixture("").display().to_string(), "")
        })
        .collect();
    assert_eq!(
        w,
        ["bad/policy_without_rls.yaml:6:7: policy `all_read` is on public.notes, which does not enable row level security\n  hint: add `row_level_security: { enabled: true }`, or the policy has no effect"]
    );
}

#[test]
fn missing_path_names_the_file_only() {
    let e = load(Path::new("/nonexistent/schema.yaml")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "/nonexistent/schema.yaml: no such file or directory"
    );
}

#[test]
fn odd_keys_are_reported_not_panicked_on() {
    let e = load_str("tables:\n  \"\":\n    columns: { id: int }\n", "e.yaml").unwrap_err();
    assert_eq!(e.to_string(), "e.yaml:2:3: the name is empty");
    let e = load_str("tables: { a.b.c: { columns: {} } }", "d.yaml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("d.yaml:1:11: `a.b.c` has more than one dot"),
        "{e}"
    );
}

#[test]
fn json_errors_are_located() {
    let e = load_str(
        "{\n  \"tables\": {\n    \"t\": { \"columns\": 5 }\n  }\n}",
        "x.json",
    )
    .unwrap_err();
    assert_eq!(e.errors.len(), 1);
    let e = &e.errors[0];
    assert_eq!((e.file.as_str(), e.line), ("x.json", 3));
    assert!(e.message.contains("invalid type"), "{}", e.message);
}

#[test]
fn type_spellings_compare_equal() {
    let spellings: &[&[&str]] = &[
        &["int", "int4", "integer", "INTEGER", "pg_catalog.int4"],
        &["int8", "bigint"],
        &["int2", "smallint"],
        &["bool", "boolean"],
        &["float8", "double precision", "float"],
        &["float4", "real"],
        &["varchar(10)", "character varying(10)"],
        &["timestamptz", "timestamp with time zone"],
        &["timestamp", "timestamp without time zone"],
        &["decimal(8,2)", "numeric(8,2)"],
        &["int[]", "integer[]", "_int4", "int4[]"],
        &["my_type", "public.my_type"],
    ];
    for group in spellings {
        let models: Vec<Database> = group
            .iter()
            .map(|t| {
                let text = format!("composite_types:\n  my_type: {{ attributes: {{ a: text }} }}\ntables:\n  t:\n    columns:\n      c: \"{t}\"\n");
                load_str(&text, "t.yaml").unwrap_or_else(|e| panic!("{t}: {e}"))
            })
            .collect();
        for m in &models[1..] {
            assert_eq!(m, &models[0], "{group:?}");
        }
    }
    let a = load_str("tables: { t: { columns: { c: int } } }", "a.yaml").unwrap();
    let b = load_str("tables: { t: { columns: { c: bigint } } }", "b.yaml").unwrap();
    assert_ne!(a, b);
}

#[test]
fn grants_and_policy_roles_canonicalise() {
    let text = "tables:\n  t:\n    columns: { id: int }\n    row_level_security: { enabled: true }\n    policies:\n      p: { to: [PUBLIC] }\n      q: { to: [web, anon, web] }\n    grants: { Web: [SELECT, select, all privileges] }\n";
    let db = load_str(text, "g.yaml").unwrap_or_else(|e| panic!("{e}"));
    let t = &db.tables["public.t"];
    assert!(t.policies["p"].to.is_empty());
    assert_eq!(t.policies["q"].to, strings(&["anon", "web"]));
    assert_eq!(t.grants, map(vec![("Web", strings(&["all"]))]));
}

#[test]
fn json_schema_describes_the_format() {
    let s = reconcile::model::schema_json::json_schema();
    let v: Value = serde_json::from_str(&s).unwrap();
    assert_eq!(v["type"], "object");
    for section in ["tables", "enums", "functions", "external"] {
        assert!(v["properties"][section].is_object(), "{section}");
    }
    // The short forms: a column may be a bare type string.
    assert!(s.contains("\"anyOf\""));
}

const SEED: &str = include_str!("fixtures/load/good/app.yaml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_str(&text, "r.yaml");
        let _ = load_str(&text, "r.json");
        let _ = reconcile::model::expr::canonical(&text);
        let _ = reconcile::model::canon::canonical_type(&text);
    }

    #[test]
    fn mutated_yaml_never_panics(cuts in proptest::collection::vec((0usize..2000, 0usize..8, "[ :{}\\[\\],\"'#\\-a-z0-9()\n]{0,6}"), 1..6)) {
        let mut text = SEED.to_string();
        for (at, len, insert) in cuts {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) { at -= 1; }
            let mut end = (at + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(at..end.max(at), &insert);
        }
        if let Err(errors) = load_str(&text, "m.yaml") {
            prop_assert!(!errors.errors.is_empty());
            for e in &errors.errors {
                prop_assert!(e.line >= 1 && e.column >= 1, "{}", e);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Expression pairs from the real corpora: the source text of every policy
// USING / WITH CHECK, CHECK, DEFAULT and partial-index WHERE, paired with
// what PostgreSQL stored (tests/fixtures/load/catalog_exprs/*.json, made by
// catalog_exprs.sh against a real server).

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
            sql.get(s..e).map(|text| Tok {
                text: text.to_lowercase(),
                start: s,
                end: e,
            })
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
                    return sql
                        .get(toks[open].end..t.start)
                        .map(|s| s.trim().to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// A DEFAULT expression: up to the next `,`/`)` or constraint keyword at its depth.
fn default_span(sql: &str, toks: &[Tok], first: usize) -> Option<String> {
    let stop = [
        "not",
        "null",
        "constraint",
        "check",
        "primary",
        "references",
        "unique",
        "collate",
        "generated",
        ";",
    ];
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
    sql.get(toks.get(first)?.start..last?)
        .map(|s| s.trim().to_string())
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
    let wrapped =
        format!("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $do_body${body}$do_body$");
    let Ok(tree) = pg_query::parse_plpgsql(&wrapped) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    collect_execsql(&tree, &mut out);
    out
}

fn collect_execsql(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(q) = m
                .get("PLpgSQL_stmt_execsql")
                .and_then(|e| e["sqlstmt"]["PLpgSQL_expr"]["query"].as_str())
            {
                out.push(q.to_string());
            }
            m.values().for_each(|c| collect_execsql(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_execsql(c, out)),
        _ => {}
    }
}

fn rel_key(rv: &Value, default_schema: &str) -> String {
    let schema = rv["schemaname"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or(default_schema);
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
        let Ok(stmts) = pg_query::split_with_parser(&text) else {
            continue;
        };
        let mut queue: Vec<String> = stmts.iter().map(|s| s.to_string()).collect();
        queue.reverse();
        while let Some(sql) = queue.pop() {
            let sql = sql.as_str();
            let Ok(parsed) = pg_query::parse(sql, 0) else {
                continue;
            };
            let tree = serde_json::to_value(&parsed.protobuf).expect("json");
            let node = &tree["stmts"][0]["stmt"]["node"];
            let toks = tokens(sql);
            let depth0: Vec<usize> = {
                let mut d = 0;
                let mut v = Vec::new();
                for (i, t) in toks.iter().enumerate() {
                    if t.text == "(" {
                        d += 1
                    } else if t.text == ")" {
                        d -= 1
                    }
                    if d == 0 && t.text != ")" {
                        v.push(i)
                    }
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
            if let Some(p) = node
                .get("CreatePolicyStmt")
                .or_else(|| node.get("AlterPolicyStmt"))
            {
                let key = format!(
                    "{}.{}",
                    rel_key(&p["table"], default_schema),
                    truncate63(p["policy_name"].as_str().unwrap_or(""))
                );
                for &i in &depth0 {
                    if toks[i].text == "using" && next_is_paren(i) {
                        if let Some(s) = paren_span(sql, &toks, i + 1) {
                            out.insert(("using".into(), key.clone()), s);
                        }
                    }
                    if toks[i].text == "check"
                        && i > 0
                        && toks[i - 1].text == "with"
                        && next_is_paren(i)
                    {
                        if let Some(s) = paren_span(sql, &toks, i + 1) {
                            out.insert(("with_check".into(), key.clone()), s);
                        }
                    }
                }
            } else if let Some(ix) = node.get("IndexStmt") {
                let schema = ix["relation"]["schemaname"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .unwrap_or(default_schema);
                let key = format!("{schema}.{}", ix["idxname"].as_str().unwrap_or(""));
                if let Some(&i) = depth0.iter().find(|&&i| toks[i].text == "where") {
                    let end = toks
                        .last()
                        .filter(|t| t.text == ";")
                        .map_or(sql.len(), |t| t.start);
                    if let Some(s) = sql.get(toks[i].end..end) {
                        out.insert(("where".into(), key), s.trim().to_string());
                    }
                }
            } else if node.get("CreateStmt").is_some() || node.get("AlterTableStmt").is_some() {
                let (rel, items) = match node.get("CreateStmt") {
                    Some(c) => (
                        c["relation"].clone(),
                        c["table_elts"].as_array().cloned().unwrap_or_default(),
                    ),
                    None => {
                        let a = &node["AlterTableStmt"];
                        (
                            a["relation"].clone(),
                            a["cmds"].as_array().cloned().unwrap_or_default(),
                        )
                    }
                };
                let table = rel_key(&rel, default_schema);
                // Expected (kind, key) in text order.
                let mut expected: Vec<(String, String)> = Vec::new();
                let column_def = |cd: &Value, expected: &mut Vec<(String, String)>| {
                    let col = cd["colname"].as_str().unwrap_or("").to_string();
                    for c in cd["constraints"].as_array().into_iter().flatten() {
                        let c = &c["node"]["Constraint"];
                        match c["contype"].as_i64() {
                            Some(3) => expected.push(("default".into(), format!("{table}.{col}"))),
                            Some(6) => expected.push((
                                "check".into(),
                                c["conname"].as_str().unwrap_or("").to_string(),
                            )),
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
                            expected.push((
                                "check".into(),
                                c["conname"].as_str().unwrap_or("").to_string(),
                            ));
                        }
                    } else if let Some(cmd) = n.get("AlterTableCmd") {
                        let def = &cmd["def"]["node"];
                        match cmd["subtype"].as_i64() {
                            Some(1) => {
                                if let Some(cd) = def.get("ColumnDef") {
                                    column_def(cd, &mut expected)
                                }
                            }
                            Some(3) if def.is_object() => expected.push((
                                "default".into(),
                                format!("{table}.{}", cmd["name"].as_str().unwrap_or("")),
                            )),
                            Some(17) if def["Constraint"]["contype"].as_i64() == Some(6) => {
                                expected.push((
                                    "check".into(),
                                    def["Constraint"]["conname"]
                                        .as_str()
                                        .unwrap_or("")
                                        .to_string(),
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                let mut found: Vec<(String, String)> = Vec::new();
                for i in 0..toks.len() {
                    let prev = if i > 0 { toks[i - 1].text.as_str() } else { "" };
                    if toks[i].text == "check" && next_is_paren(i) && prev != "with" {
                        if let Some(s) = paren_span(sql, &toks, i + 1) {
                            found.push(("check".into(), s));
                        }
                    } else if toks[i].text == "default" && !matches!(prev, "by" | "drop") {
                        if let Some(s) = default_span(sql, &toks, i + 1) {
                            found.push(("default".into(), s));
                        }
                    }
                }
                if expected.len() != found.len()
                    || expected.iter().zip(&found).any(|(e, f)| e.0 != f.0)
                {
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
fn catalog_exprs(
    dump: &Value,
    source: &IndexMap<(String, String), String>,
) -> IndexMap<(String, String), (String, String)> {
    let mut out = IndexMap::new();
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    for p in dump["policies"].as_array().into_iter().flatten() {
        let key = format!("{}.{}.{}", s(p, "schema"), s(p, "table"), s(p, "name"));
        for (kind, field) in [("using", "using"), ("with_check", "with_check")] {
            if let Some(e) = p[field].as_str() {
                out.insert(
                    (kind.to_string(), key.clone()),
                    (e.to_string(), s(p, "table")),
                );
            }
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
        .unwrap_or_else(|| root.join("tests/fixtures/corpus"));
    assert!(
        dir.join("README.md").exists(),
        "corpus not found at {} (set RECONCILE_CORPUS)",
        dir.display()
    );
    dir
}

const CORPORA: &[(&str, &str, &[&str])] = &[
    ("basejump", "basejump", &["public", "extensions"]),
    (
        "subs_payments",
        "nextjs-subscription-payments",
        &["public", "extensions"],
    ),
    (
        "todo",
        "supabase-examples/todo-list",
        &["public", "extensions"],
    ),
    (
        "usermgmt",
        "supabase-examples/user-management",
        &["public", "extensions"],
    ),
    (
        "slack",
        "supabase-examples/slack-clone",
        &["public", "extensions"],
    ),
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
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/catalog_exprs");
    let (mut total, mut failures, mut gaps_seen) = (0, Vec::new(), Vec::new());
    let mut unpaired = Vec::new();
    let mut checked: Vec<(String, String, ExprContext)> = Vec::new();
    for (name, dir, path) in CORPORA {
        let source = source_exprs(&corpus.join(dir), path[0]);
        let dump: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures.join(format!("{name}.json"))).expect("dump"),
        )
        .expect("json");
        let catalog = catalog_exprs(&dump, &source);
        let shim = path.contains(&"extensions");
        for ((kind, key), (stored, table)) in &catalog {
            // The shim's storage stub is not corpus source.
            if shim
                && key.starts_with("storage.")
                && !matches!(kind.as_str(), "using" | "with_check")
            {
                continue;
            }
            let Some(written) = source.get(&(kind.clone(), key.clone())) else {
                match KNOWN_UNPAIRED
                    .iter()
                    .find(|u| u.0 == *name && u.1 == kind && u.2 == key)
                {
                    Some(_) => unpaired.push(key.clone()),
                    None => failures.push(format!(
                        "{name} {kind} {key}: no source text found for catalog `{stored}`"
                    )),
                }
                continue;
            };
            total += 1;
            let cx = ExprContext {
                search_path: path.iter().map(|s| s.to_string()).collect(),
                relation: Some(table.clone()),
            };
            let same = equivalent_with(written, stored, &cx);
            checked.push((written.clone(), stored.clone(), cx.clone()));
            let gap = KNOWN_GAPS
                .iter()
                .find(|g| g.0 == *name && g.1 == kind && g.2 == key);
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
    assert_eq!(
        unpaired.len(),
        KNOWN_UNPAIRED.len(),
        "stale KNOWN_UNPAIRED: {unpaired:?}"
    );
    assert_eq!(
        gaps_seen.len(),
        KNOWN_GAPS.len(),
        "stale KNOWN_GAPS: {gaps_seen:?}"
    );
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
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `canonical_type` against what PostgreSQL's `format_type` printed for the
/// same spellings (tests/fixtures/load/format_type.json, made by
/// format_type.sh against a real server).
#[test]
fn canonical_types_match_format_type() {
    let text = std::fs::read_to_string(fixture("format_type.json")).expect("fixture");
    let pairs: Vec<(String, String)> = serde_json::from_str(&text).expect("json");
    assert!(pairs.len() > 70, "{}", pairs.len());
    let wrong: Vec<String> = pairs
        .iter()
        .filter_map(|(spelling, printed)| {
            let ours = reconcile::model::canon::canonical_type(spelling);
            (ours.as_deref() != Ok(printed.as_str()))
                .then(|| format!("{spelling}: PostgreSQL {printed}, ours {ours:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Many files are parsed on several threads; the model and the errors must
/// not depend on it: tables in file order, errors in file order, a
/// duplicate named against the earlier file.
#[test]
fn many_files_load_in_order_whatever_the_threads() {
    let dir = std::env::temp_dir().join(format!("reconcile-many-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let table = |i: usize| format!("tables:\n  public.t{i:03}:\n    columns:\n      id: bigint\n");
    for i in 0..200 {
        std::fs::write(dir.join(format!("f{i:03}.yaml")), table(i)).unwrap();
    }
    let db = load(&dir).unwrap();
    let keys: Vec<&String> = db.tables.keys().collect();
    let want: Vec<String> = (0..200).map(|i| format!("public.t{i:03}")).collect();
    assert_eq!(keys, want.iter().collect::<Vec<_>>());

    std::fs::write(
        dir.join("f120.yaml"),
        "tables:\n  public.t120:\n    columns: [\n",
    )
    .unwrap();
    std::fs::write(dir.join("f150.yaml"), table(10)).unwrap();
    let e = load(&dir).unwrap_err();
    let files: Vec<String> = e
        .errors
        .iter()
        .map(|e| e.file.replace(&format!("{}/", dir.display()), ""))
        .collect();
    assert_eq!(files, ["f120.yaml", "f150.yaml"], "{e}");
    assert!(e.errors[1].message.contains("f010.yaml"), "{e}");
    assert_eq!((e.errors[1].line, e.errors[1].column), (2, 3), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

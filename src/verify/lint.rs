//! Lint rules over a model — a live database introspected, or the desired
//! state — for the audits the source documents run by hand (03): RLS
//! coverage, weak policies, unindexed foreign keys, missing primary keys,
//! duplicate indexes, SECURITY DEFINER without a fixed search_path, grants
//! to `anon` without RLS, per-row `auth.uid()` calls.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ignore::IgnoreList;
use super::Severity;
use crate::model::privileges::DefaultKind;
use crate::model::{Database, Grants, Index, PolicyCommand, Table};

/// One rule: id, level, and what to do about it.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub level: Severity,
    pub fix: &'static str,
}

pub const RULES: &[Rule] = &[
    Rule { id: "rls_disabled_in_exposed_schema", level: Severity::Error, fix: "ALTER TABLE ... ENABLE ROW LEVEL SECURITY and add policies" },
    Rule { id: "policies_without_rls", level: Severity::Error, fix: "enable row level security, or the policies do nothing" },
    Rule { id: "rls_without_policies", level: Severity::Info, fix: "RLS on with no policy denies everything except owners and BYPASSRLS roles; add a policy if that is not intended" },
    Rule { id: "write_policy_always_true", level: Severity::Warning, fix: "restrict USING / WITH CHECK, e.g. to (select auth.uid()) = user_id" },
    Rule { id: "fk_without_index", level: Severity::Warning, fix: "create an index whose leading columns are the foreign key's columns" },
    Rule { id: "no_primary_key", level: Severity::Warning, fix: "add a primary key (needed for logical replication and row identity)" },
    Rule { id: "duplicate_index", level: Severity::Warning, fix: "drop one of the identical indexes" },
    Rule { id: "security_definer_search_path", level: Severity::Error, fix: "add `config: { search_path: \"\" }` (SET search_path) to the function" },
    Rule { id: "anon_grant_without_rls", level: Severity::Error, fix: "enable row level security or revoke from anon" },
    Rule { id: "api_role_truncate", level: Severity::Warning, fix: "grant the API role only what it needs, e.g. `anon: [select]` (`anon: []` revokes everything); row level security does not stop TRUNCATE" },
    Rule { id: "auth_uid_per_row", level: Severity::Warning, fix: "write (select auth.uid()) so it is evaluated once per statement" },
    Rule { id: "multiple_permissive_policies", level: Severity::Warning, fix: "merge the permissive policies for the same role and command into one" },
    // Rules for migration files (verify::sqllint).
    Rule { id: "sql_parse_error", level: Severity::Error, fix: "fix the SQL; PostgreSQL's parser rejects it" },
    Rule { id: "create_index_without_concurrently", level: Severity::Warning, fix: "CREATE INDEX CONCURRENTLY, alone in a non-transactional migration" },
    Rule { id: "add_column_not_null_without_default", level: Severity::Error, fix: "add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL through a validated check" },
    Rule { id: "alter_column_type", level: Severity::Warning, fix: "add a new column, backfill, and switch over, unless the cast is binary-compatible" },
    Rule { id: "constraint_without_not_valid", level: Severity::Warning, fix: "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later statement" },
    Rule { id: "set_not_null", level: Severity::Warning, fix: "add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL" },
    Rule { id: "drop_table", level: Severity::Error, fix: "make sure the data is not needed; reconcile's plan asks for --allow-destructive or allow_drop" },
    Rule { id: "drop_column", level: Severity::Error, fix: "stop reading the column first; its data cannot be restored by a down script" },
    Rule { id: "missing_lock_timeout", level: Severity::Warning, fix: "start the file with SET LOCAL lock_timeout = '5s' so a blocked lock fails fast" },
    Rule { id: "validate_in_same_transaction", level: Severity::Warning, fix: "commit the ADD CONSTRAINT ... NOT VALID first: VALIDATE CONSTRAINT in a later migration (or after a COMMIT), where it takes only SHARE UPDATE EXCLUSIVE" },
    Rule { id: "rename_column", level: Severity::Warning, fix: "add the new column, write both, move readers over, then drop the old one; or rename once no running code uses the old name" },
    Rule { id: "rename_table", level: Severity::Warning, fix: "rename once no running code uses the old name, or leave a view with the old name (CREATE VIEW old AS SELECT * FROM new) while clients move" },
    Rule { id: "add_unique_without_index", level: Severity::Warning, fix: "CREATE UNIQUE INDEX CONCURRENTLY first (its own non-transactional migration), then ADD CONSTRAINT ... UNIQUE USING INDEX" },
    Rule { id: "add_primary_key_without_index", level: Severity::Warning, fix: "make the columns NOT NULL (through a validated CHECK), CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX" },
    Rule { id: "drop_index_without_concurrently", level: Severity::Warning, fix: "DROP INDEX CONCURRENTLY, alone in a non-transactional migration" },
    Rule { id: "transaction_control_in_transaction", level: Severity::Error, fix: "remove BEGIN / COMMIT / ROLLBACK: the runner wraps the file in one transaction; for statements that must run outside one, set run_in_transaction = false" },
    Rule { id: "uncommitted_transaction", level: Severity::Error, fix: "end the file's transaction with COMMIT" },
    Rule { id: "concurrently_in_transaction", level: Severity::Error, fix: "put the statement in a migration with run_in_transaction = false, alone" },
    Rule { id: "drop_not_null", level: Severity::Warning, fix: "make sure every reader and writer of the column handles NULL before it can hold one" },
    Rule { id: "truncate_cascade", level: Severity::Error, fix: "name every table to empty in the TRUNCATE, without CASCADE, so nothing is emptied by surprise" },
    Rule { id: "prefer_text", level: Severity::Info, fix: "use text, with CHECK (char_length(col) <= n) if the limit matters (a CHECK can be replaced NOT VALID, without a lock held through a scan)" },
    Rule { id: "prefer_timestamptz", level: Severity::Info, fix: "use timestamptz (timestamp with time zone): it stores an instant" },
    Rule { id: "prefer_identity", level: Severity::Info, fix: "use bigint GENERATED BY DEFAULT AS IDENTITY (or ALWAYS)" },
    Rule { id: "prefer_bigint_key", level: Severity::Info, fix: "use bigint for keys (bigint GENERATED BY DEFAULT AS IDENTITY)" },
    // Migration-file rules that depend on the PostgreSQL version (--pg-version).
    Rule { id: "add_column_rewrites_table", level: Severity::Warning, fix: "add the column nullable without a default (or, on PostgreSQL 11+, with a non-volatile one), backfill in batches, then set the default" },
    Rule { id: "enum_add_value_in_transaction_before_pg12", level: Severity::Error, fix: "put ALTER TYPE ... ADD VALUE in a migration with run_in_transaction = false" },
    Rule { id: "create_index_concurrently_partitioned", level: Severity::Error, fix: "CREATE INDEX ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION" },
    Rule { id: "reindex_concurrently_before_pg12", level: Severity::Error, fix: "build a replacement index CONCURRENTLY and drop the old one, or target PostgreSQL 12+" },
    Rule { id: "needs_newer_postgres", level: Severity::Error, fix: "write it without the feature, or target a PostgreSQL that has it (--pg-version, or the server's own with --database-url)" },
    Rule { id: "detach_partition_concurrently_before_pg14", level: Severity::Error, fix: "plain DETACH PARTITION locks the parent ACCESS EXCLUSIVE; schedule it, or target PostgreSQL 14+" },
];

/// A finding of rule `id` (which must be in `RULES`).
pub fn rule_finding(id: &'static str, object: String, message: String) -> LintFinding {
    let r = rule(id);
    LintFinding {
        id,
        level: r.level,
        object,
        message,
        fix: r.fix,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub id: &'static str,
    pub level: Severity,
    pub object: String,
    pub message: String,
    pub fix: &'static str,
}

/// PostgreSQL major version the migration-file rules assume when none is
/// given and no database is asked.
pub const DEFAULT_PG_VERSION: u32 = 15;

#[derive(Debug, Clone)]
pub struct LintOptions {
    /// Schemas whose tables the API exposes (Supabase: `public`).
    pub exposed_schemas: Vec<String>,
    /// Findings to skip; applied by [`lint`] and [`super::sqllint::lint_dir`].
    pub ignores: IgnoreList,
    /// PostgreSQL major version the migration files will run on.
    pub pg_version: u32,
    /// The model is a desired state, where a role a table's grants do not
    /// name keeps what the default privileges give it (in a database read
    /// back, the grants are what each role holds).
    pub desired: bool,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            exposed_schemas: vec!["public".into()],
            ignores: IgnoreList::default(),
            pg_version: DEFAULT_PG_VERSION,
            desired: false,
        }
    }
}

fn rule(id: &str) -> Rule {
    *RULES
        .iter()
        .find(|r| r.id == id)
        .expect("every rule id used is in RULES")
}

struct Out {
    found: Vec<LintFinding>,
}

impl Out {
    fn push(&mut self, id: &'static str, object: String, message: String) {
        self.found.push(rule_finding(id, object, message));
    }
}

/// Every finding not ignored, in a stable order (by object, then rule).
pub fn lint(db: &Database, opts: &LintOptions) -> Vec<LintFinding> {
    let mut out = Out { found: Vec::new() };
    let external: Vec<&str> = db.external.iter().map(String::as_str).collect();
    for (key, t) in db
        .tables
        .iter()
        .filter(|(k, _)| !external.contains(&k.as_str()))
    {
        let defaults = match opts.desired {
            true => db.default_grants(&schema_of(key), DefaultKind::Tables),
            false => Grants::new(),
        };
        table_rules(key, t, &defaults, opts, &mut out);
    }
    for (key, f) in &db.functions {
        if f.security_definer && !f.config.contains_key("search_path") {
            out.push(
                "security_definer_search_path",
                key.clone(),
                "SECURITY DEFINER function without a fixed search_path".into(),
            );
        }
    }
    let mut found = opts.ignores.filter(out.found);
    found.sort_by(|a, b| (&a.object, a.id).cmp(&(&b.object, b.id)));
    found
}

fn schema_of(key: &str) -> String {
    crate::model::QualifiedName::parse(key, "public")
        .map(|q| q.schema)
        .unwrap_or_default()
}

/// The API roles of Supabase's PostgREST: whatever they hold, any client
/// with the project's public key may use.
const API_ROLES: [&str; 2] = ["anon", "authenticated"];

/// `defaults`: what the model's default privileges give a new table in
/// its schema (a role the table's grants do not name holds that).
fn table_rules(key: &str, t: &Table, defaults: &Grants, opts: &LintOptions, out: &mut Out) {
    let rls = t.row_level_security.enabled;
    let partition = t.partition_of.is_some();
    let exposed = opts.exposed_schemas.contains(&schema_of(key));
    if exposed {
        for role in API_ROLES {
            let held = t.grants.get(role).or_else(|| defaults.get(role));
            let truncate = held.into_iter().flatten().find(|p| {
                let word = p.split_whitespace().next().unwrap_or_default();
                word.eq_ignore_ascii_case("all") || word.eq_ignore_ascii_case("truncate")
            });
            if let Some(p) = truncate {
                let how = if t.grants.contains_key(role) {
                    ""
                } else {
                    " (from the default privileges)"
                };
                let all = if p.to_ascii_lowercase().starts_with("all") {
                    ", TRUNCATE included"
                } else {
                    ""
                };
                out.push(
                    "api_role_truncate",
                    key.into(),
                    format!("{role} holds `{p}`{how}{all}: row level security does not apply to TRUNCATE"),
                );
            }
        }
    }
    if !rls && !partition && exposed {
        out.push(
            "rls_disabled_in_exposed_schema",
            key.into(),
            "table in an exposed schema has row level security off".into(),
        );
    }
    if !rls && !t.policies.is_empty() {
        out.push(
            "policies_without_rls",
            key.into(),
            format!(
                "{} policies, but row level security is off",
                t.policies.len()
            ),
        );
    }
    if rls && t.policies.is_empty() {
        out.push(
            "rls_without_policies",
            key.into(),
            "row level security is on with no policy: every row is denied".into(),
        );
    }
    if !rls && t.grants.get("anon").is_some_and(|p| !p.is_empty()) {
        out.push(
            "anon_grant_without_rls",
            key.into(),
            "anon has privileges and row level security is off".into(),
        );
    }
    if t.primary_key.is_none() && !partition {
        out.push(
            "no_primary_key",
            key.into(),
            "table has no primary key".into(),
        );
    }
    let mut per_role_command: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for (name, p) in &t.policies {
        let object = format!("{key}.{name}");
        let writes = p.command != PolicyCommand::Select;
        let trivially = |e: &Option<String>| e.as_deref().is_some_and(is_true);
        if writes && (trivially(&p.using) || trivially(&p.with_check)) {
            out.push(
                "write_policy_always_true",
                object.clone(),
                format!("{:?} policy allows every row", p.command).to_lowercase(),
            );
        }
        let exprs = [&p.using, &p.with_check];
        if exprs
            .iter()
            .any(|e| e.as_deref().is_some_and(calls_uid_per_row))
        {
            out.push(
                "auth_uid_per_row",
                object.clone(),
                "auth.uid() is called per row".into(),
            );
        }
        if !p.restrictive {
            let roles = if p.to.is_empty() {
                vec!["public".to_string()]
            } else {
                p.to.clone()
            };
            for r in roles {
                per_role_command
                    .entry((r, format!("{:?}", p.command).to_lowercase()))
                    .or_default()
                    .push(name);
            }
        }
    }
    for ((role, command), names) in per_role_command {
        if names.len() > 1 {
            out.push(
                "multiple_permissive_policies",
                key.to_string(),
                format!(
                    "{} permissive {command} policies for {role}: {}",
                    names.len(),
                    names.join(", ")
                ),
            );
        }
    }
    for (name, fk) in &t.foreign_keys {
        if !covered(t, &fk.columns) {
            out.push(
                "fk_without_index",
                format!("{key}.{name}"),
                format!("no index starts with ({})", fk.columns.join(", ")),
            );
        }
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    for (name, ix) in &t.indexes {
        let shape = index_shape(ix);
        if let Some(first) = seen.get(&shape) {
            out.push(
                "duplicate_index",
                format!("{key}.{name}"),
                format!("same definition as {first}"),
            );
        } else {
            seen.insert(shape, name);
        }
    }
}

/// Whether some index, primary key or unique constraint begins with `cols`.
fn covered(t: &Table, cols: &[String]) -> bool {
    let starts = |keys: &[String]| keys.len() >= cols.len() && keys[..cols.len()] == *cols;
    let index_cols = |ix: &Index| -> Vec<String> {
        ix.columns
            .iter()
            .map(|e| e.column.clone().unwrap_or_default())
            .collect()
    };
    t.primary_key.as_ref().is_some_and(|pk| starts(&pk.columns))
        || t.unique.values().any(|u| starts(&u.columns))
        || t.indexes
            .values()
            .filter(|ix| ix.where_.is_none())
            .any(|ix| starts(&index_cols(ix)))
}

fn index_shape(ix: &Index) -> String {
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{}",
        ix.unique, ix.method, ix.columns, ix.include, ix.where_, ix.nulls_not_distinct
    )
}

fn is_true(expr: &str) -> bool {
    let e = expr
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    e.eq_ignore_ascii_case("true")
}

/// `auth.uid()` outside a sub-select is evaluated for every row.
fn calls_uid_per_row(expr: &str) -> bool {
    let lower = expr.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("auth.uid()") {
        let before = rest[..i].trim_end().trim_end_matches('(').trim_end();
        if !before.ends_with("select") {
            return true;
        }
        rest = &rest[i + "auth.uid()".len()..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Column, ForeignKey, Function, IndexElem, Policy, PrimaryKey, RowLevelSecurity,
    };

    fn ids(db: &Database) -> Vec<(&'static str, String)> {
        lint(db, &LintOptions::default())
            .into_iter()
            .map(|f| (f.id, f.object))
            .collect()
    }

    #[test]
    fn a_weak_table_trips_each_rule_and_the_fixed_one_is_clean() {
        let mut t = Table::default();
        t.columns.insert(
            "id".into(),
            Column {
                type_: "uuid".into(),
                ..Default::default()
            },
        );
        t.columns.insert(
            "user_id".into(),
            Column {
                type_: "uuid".into(),
                ..Default::default()
            },
        );
        t.foreign_keys.insert(
            "t_user_fkey".into(),
            ForeignKey {
                columns: vec!["user_id".into()],
                references: "auth.users(id)".into(),
                ..Default::default()
            },
        );
        t.policies.insert(
            "all_write".into(),
            Policy {
                with_check: Some("true".into()),
                ..Default::default()
            },
        );
        t.policies.insert(
            "own".into(),
            Policy {
                using: Some("(auth.uid() = user_id)".into()),
                ..Default::default()
            },
        );
        t.grants.insert("anon".into(), vec!["select".into()]);
        let mut db = Database::default();
        db.tables.insert("public.t".into(), t.clone());
        db.functions.insert(
            "public.f()".into(),
            Function {
                security_definer: true,
                language: "sql".into(),
                ..Default::default()
            },
        );
        let got = ids(&db);
        for want in [
            "rls_disabled_in_exposed_schema",
            "policies_without_rls",
            "anon_grant_without_rls",
            "no_primary_key",
            "write_policy_always_true",
            "auth_uid_per_row",
            "multiple_permissive_policies",
            "fk_without_index",
            "security_definer_search_path",
        ] {
            assert!(
                got.iter().any(|(id, _)| *id == want),
                "{want} not in {got:?}"
            );
        }

        let mut fixed = t;
        fixed.row_level_security = RowLevelSecurity {
            enabled: true,
            forced: false,
        };
        fixed.policies.clear();
        fixed.policies.insert(
            "own".into(),
            Policy {
                using: Some("((select auth.uid()) = user_id)".into()),
                ..Default::default()
            },
        );
        fixed.primary_key = Some(PrimaryKey {
            columns: vec!["id".into()],
            ..Default::default()
        });
        let elem = IndexElem {
            column: Some("user_id".into()),
            ..Default::default()
        };
        fixed.indexes.insert(
            "t_user_idx".into(),
            Index {
                columns: vec![elem],
                ..Default::default()
            },
        );
        let mut db = Database::default();
        db.tables.insert("public.t".into(), fixed);
        let mut f = Function {
            security_definer: true,
            language: "sql".into(),
            ..Default::default()
        };
        f.config.insert("search_path".into(), "\"\"".into());
        db.functions.insert("public.f()".into(), f);
        assert_eq!(ids(&db), vec![]);
    }

    #[test]
    fn truncate_or_all_for_an_api_role_on_an_exposed_table() {
        let table = |grants: &[(&str, &[&str])]| {
            let mut t = Table {
                row_level_security: RowLevelSecurity {
                    enabled: true,
                    forced: false,
                },
                primary_key: Some(PrimaryKey {
                    columns: vec!["id".into()],
                    ..Default::default()
                }),
                ..Default::default()
            };
            t.policies.insert("p".into(), Policy::default());
            for (role, privs) in grants {
                t.grants.insert(
                    role.to_string(),
                    privs.iter().map(|p| p.to_string()).collect(),
                );
            }
            t
        };
        let desired = LintOptions {
            desired: true,
            ..Default::default()
        };
        let found = |db: &Database| -> Vec<(String, String)> {
            lint(db, &desired)
                .into_iter()
                .filter(|f| f.id == "api_role_truncate")
                .map(|f| (f.object, f.message))
                .collect()
        };
        let mut db = Database::default();
        db.tables
            .insert("public.a".into(), table(&[("anon", &["all"])]));
        db.tables.insert(
            "public.b".into(),
            table(&[("authenticated", &["select", "truncate"])]),
        );
        db.tables.insert(
            "public.c".into(),
            table(&[("anon", &[]), ("authenticated", &["select"])]),
        );
        db.tables
            .insert("private.d".into(), table(&[("anon", &["all"])]));
        let got = found(&db);
        let objects: Vec<&str> = got.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(objects, ["public.a", "public.b"], "{got:?}");
        assert!(got[0].1.starts_with("anon holds `all`"), "{got:?}");
        // What default privileges give a role the table does not name.
        db.default_privileges.push(crate::model::DefaultPrivilege {
            on: "tables".into(),
            schema: Some("public".into()),
            grants: [("anon".to_string(), vec!["all".to_string()])]
                .into_iter()
                .collect(),
            ..Default::default()
        });
        let got = found(&db);
        let objects: Vec<&str> = got.iter().map(|(o, _)| o.as_str()).collect();
        // b does not name anon; c names it with nothing.
        assert_eq!(objects, ["public.a", "public.b", "public.b"], "{got:?}");
        db.tables.insert("public.e".into(), table(&[]));
        let got = found(&db);
        assert!(
            got.iter()
                .any(|(o, m)| o == "public.e" && m.contains("default privileges")),
            "{got:?}"
        );
    }

    #[test]
    fn ignore_list_and_duplicates() {
        let mut t = Table {
            primary_key: Some(PrimaryKey {
                columns: vec!["id".into()],
                ..Default::default()
            }),
            ..Default::default()
        };
        let ix = Index {
            columns: vec![IndexElem {
                column: Some("a".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        t.indexes.insert("a1".into(), ix.clone());
        t.indexes.insert("a2".into(), ix);
        let mut db = Database::default();
        db.tables.insert("app.t".into(), t);
        assert_eq!(ids(&db), vec![("duplicate_index", "app.t.a2".to_string())]);
        let opts = LintOptions {
            ignores: IgnoreList::parse_all(&["duplicate_index:app.t.a2".into()]).unwrap(),
            ..Default::default()
        };
        assert!(lint(&db, &opts).is_empty());
        assert!(!calls_uid_per_row("( SELECT auth.uid() AS uid) = user_id"));
        assert!(calls_uid_per_row("auth.uid() = user_id"));
    }
}

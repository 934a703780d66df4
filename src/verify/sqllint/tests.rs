//! The migration-file rules, each with the SQL that trips it and the
//! safe forms that do not.

use super::*;

fn ids(sql: &str) -> Vec<&'static str> {
    ids_on(sql, 15)
}

#[test]
fn features_newer_than_the_target_are_errors() {
    let sql = "CREATE VIEW public.v WITH (security_invoker = true) AS SELECT 1;\nCREATE UNIQUE INDEX i ON public.t (a) NULLS NOT DISTINCT;";
    assert_eq!(
        ids_on(sql, 14)
            .iter()
            .filter(|i| **i == "needs_newer_postgres")
            .count(),
        2
    );
    assert!(!ids_on(sql, 15).contains(&"needs_newer_postgres"));
    assert!(ids_on("GRANT MAINTAIN ON public.t TO r;", 16).contains(&"needs_newer_postgres"));
    assert!(!ids_on("GRANT MAINTAIN ON public.t TO r;", 17).contains(&"needs_newer_postgres"));
}

fn ids_on(sql: &str, pg_version: u32) -> Vec<&'static str> {
    let mut ctx = SqlContext::new(pg_version);
    lint_sql(sql, "f.sql", &mut ctx)
        .into_iter()
        .map(|f| f.id)
        .collect()
}

/// Ids for a file that runs outside a transaction block.
fn ids_outside(sql: &str, pg_version: u32) -> Vec<&'static str> {
    let mut ctx = SqlContext {
        in_transaction: false,
        ..SqlContext::new(pg_version)
    };
    lint_sql(sql, "f.sql", &mut ctx)
        .into_iter()
        .map(|f| f.id)
        .collect()
}

#[test]
fn hand_written_hazards_are_found() {
    let sql = "\nCREATE INDEX i ON t (a);\nALTER TABLE t ADD COLUMN c int NOT NULL,\n  ALTER COLUMN d TYPE bigint,\n  ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id),\n  ALTER COLUMN e SET NOT NULL,\n  DROP COLUMN g;\nDROP TABLE x;\n";
    assert_eq!(
        ids(sql),
        [
            "create_index_without_concurrently",
            "missing_lock_timeout",
            "add_column_not_null_without_default",
            "alter_column_type",
            "constraint_without_not_valid",
            "set_not_null",
            "drop_column",
            "drop_table",
        ]
    );
    let f = lint_sql(sql, "f.sql", &mut SqlContext::new(15));
    assert_eq!(f[0].object, "f.sql:2");
    assert_eq!(f[2].object, "f.sql:3");
    assert_eq!(f[7].object, "f.sql:8");
}

#[test]
fn safe_forms_and_new_tables_are_clean() {
    let sql = "SET LOCAL lock_timeout = '5s';\nCREATE TABLE n (id int);\nCREATE INDEX n_i ON n (id);\nALTER TABLE n ADD COLUMN c int NOT NULL;\nALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0;\nALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n";
    assert_eq!(ids(sql), Vec::<&str>::new());
    assert_eq!(
        ids_outside("CREATE INDEX CONCURRENTLY i ON t (a);", 15),
        Vec::<&str>::new()
    );
    assert_eq!(ids("CREATE TABLE ("), ["sql_parse_error"]);
}

const LT: &str = "SET LOCAL lock_timeout = '5s';\n";
/// For files outside a transaction, where SET LOCAL sets nothing.
const LT_SESSION: &str = "SET lock_timeout = '5s';\n";

#[test]
fn add_column_rewrites_with_a_volatile_default_on_every_version() {
    for v in [10, 11, 15] {
        for sql in [
            "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();",
            "ALTER TABLE t ADD COLUMN c timestamptz NOT NULL DEFAULT (clock_timestamp() + interval '1 day');",
            "ALTER TABLE t ADD COLUMN n bigserial;",
            "ALTER TABLE t ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED;",
        ] {
            let found: Vec<&str> = ids_on(&format!("{LT}{sql}"), v)
                .into_iter()
                .filter(|id| !id.starts_with("prefer_"))
                .collect();
            assert_eq!(found, ["add_column_rewrites_table"], "{sql} on {v}");
        }
    }
    // A table created in the same file has no rows to rewrite.
    assert_eq!(
        ids_on(&format!("{LT}CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();"), 15),
        Vec::<&str>::new()
    );
}

#[test]
fn a_constant_default_is_instant_only_from_pg11() {
    let constant = format!("{LT}ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0, ADD COLUMN d timestamptz DEFAULT now();");
    assert_eq!(ids_on(&constant, 11), Vec::<&str>::new());
    assert_eq!(ids_on(&constant, 15), Vec::<&str>::new());
    let f = lint_sql(&constant, "f.sql", &mut SqlContext::new(10));
    assert_eq!(
        f.iter().map(|f| f.id).collect::<Vec<_>>(),
        ["add_column_rewrites_table", "add_column_rewrites_table"]
    );
    assert!(
        f[0].message.contains("before PostgreSQL 11"),
        "{}",
        f[0].message
    );
    // Nullable without a default (or DEFAULT NULL) never rewrites.
    let plain = format!("{LT}ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int DEFAULT NULL;");
    assert_eq!(ids_on(&plain, 10), Vec::<&str>::new());
}

#[test]
fn enum_add_value_in_a_transaction_before_pg12() {
    let sql = "ALTER TYPE mood ADD VALUE 'meh';";
    assert_eq!(
        ids_on(sql, 11),
        ["enum_add_value_in_transaction_before_pg12"]
    );
    assert_eq!(ids_on(sql, 12), Vec::<&str>::new());
    // Outside a transaction it works on every version...
    let mut ctx = SqlContext {
        in_transaction: false,
        ..SqlContext::new(11)
    };
    assert!(lint_sql(sql, "f.sql", &mut ctx).is_empty());
    // ...unless the file opens one itself.
    let wrapped = format!("BEGIN;\n{sql}\nCOMMIT;\n{sql}");
    let f = lint_sql(&wrapped, "f.sql", &mut ctx);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].object, "f.sql:2");
    // Renaming a value is not adding one.
    assert_eq!(
        ids_on("ALTER TYPE mood RENAME VALUE 'a' TO 'b';", 11),
        Vec::<&str>::new()
    );
}

#[test]
fn create_index_concurrently_on_a_partitioned_table() {
    let sql = "CREATE INDEX CONCURRENTLY e_at ON events (at);";
    let mut ctx = SqlContext {
        in_transaction: false,
        ..SqlContext::new(15)
    };
    ctx.partitioned.insert("public.events".into());
    let f = lint_sql(sql, "f.sql", &mut ctx);
    assert_eq!(
        f.iter().map(|f| f.id).collect::<Vec<_>>(),
        ["create_index_concurrently_partitioned"]
    );
    // Not partitioned: fine.
    assert_eq!(ids_outside(sql, 15), Vec::<&str>::new());
    // Partitioned by an earlier file: found too, and ON ONLY the parent
    // (instant, the index stays invalid until attached) is not a hazard.
    let mut ctx = SqlContext::new(15);
    lint_sql(
        "CREATE TABLE app.events (at timestamptz) PARTITION BY RANGE (at);",
        "0001.sql",
        &mut ctx,
    );
    let f = lint_sql(
        "CREATE INDEX CONCURRENTLY e_at ON app.events (at);",
        "0002.sql",
        &mut ctx,
    );
    assert_eq!(
        f.iter().map(|f| f.id).collect::<Vec<_>>(),
        ["create_index_concurrently_partitioned"]
    );
    assert!(lint_sql(
        "CREATE INDEX e_at ON ONLY app.events (at);",
        "0003.sql",
        &mut ctx
    )
    .is_empty());
}

#[test]
fn reindex_concurrently_needs_pg12() {
    for sql in [
        "REINDEX INDEX CONCURRENTLY i;",
        "REINDEX (CONCURRENTLY) TABLE t;",
    ] {
        assert_eq!(
            ids_on(sql, 11),
            ["reindex_concurrently_before_pg12"],
            "{sql}"
        );
        assert_eq!(ids_outside(sql, 12), Vec::<&str>::new(), "{sql}");
    }
    assert_eq!(ids_on("REINDEX INDEX i;", 11), Vec::<&str>::new());
}

#[test]
fn detach_partition_concurrently_needs_pg14() {
    let sql = format!("{LT_SESSION}ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;");
    assert_eq!(
        ids_on(&sql, 13),
        ["detach_partition_concurrently_before_pg14"]
    );
    assert_eq!(ids_outside(&sql, 14), Vec::<&str>::new());
    let plain = format!("{LT}ALTER TABLE events DETACH PARTITION events_2020;");
    assert_eq!(ids_on(&plain, 13), Vec::<&str>::new());
}

fn findings(sql: &str, ctx: &mut SqlContext) -> Vec<(&'static str, String)> {
    lint_sql(sql, "f.sql", ctx)
        .into_iter()
        .map(|f| (f.id, f.object))
        .collect()
}

#[test]
fn validate_in_the_transaction_that_added_not_valid() {
    for (add, lock) in [
        ("CHECK (a > 0)", "ACCESS EXCLUSIVE"),
        (
            "FOREIGN KEY (a) REFERENCES u (id)",
            "SHARE ROW EXCLUSIVE on both tables",
        ),
    ] {
        let sql = format!("{LT}ALTER TABLE t ADD CONSTRAINT k {add} NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT k;\n");
        let f = lint_sql(&sql, "f.sql", &mut SqlContext::new(15));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].id, f[0].object.as_str()),
            ("validate_in_same_transaction", "f.sql:3")
        );
        assert!(f[0].message.contains(lock), "{}", f[0].message);
        // Outside a transaction each statement commits on its own.
        assert_eq!(ids_outside(&sql, 15), ["missing_lock_timeout"], "{sql}");
    }
    // Explicit transactions: one block for both is found, two are not.
    let one = "SET lock_timeout = '5s';\nBEGIN;\nALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT k;\nCOMMIT;\n";
    assert_eq!(ids_outside(one, 15), ["validate_in_same_transaction"]);
    let two = "SET lock_timeout = '5s';\nBEGIN;\nALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE t VALIDATE CONSTRAINT k;\nCOMMIT;\n";
    assert_eq!(ids_outside(two, 15), Vec::<&str>::new());
    // A later migration, another table's constraint of the same name,
    // and a table created in the file are all fine.
    let mut ctx = SqlContext::new(15);
    let add = format!("{LT}ALTER TABLE t ADD CONSTRAINT k CHECK (a > 0) NOT VALID;\n");
    assert!(lint_sql(&add, "0001.sql", &mut ctx).is_empty());
    assert!(lint_sql(
        &format!("{LT}ALTER TABLE t VALIDATE CONSTRAINT k;"),
        "0002.sql",
        &mut ctx
    )
    .is_empty());
    let other = format!("{add}ALTER TABLE app.t VALIDATE CONSTRAINT k;\n");
    assert_eq!(ids(&other), Vec::<&str>::new());
    let new = format!("{LT}CREATE TABLE n (a int);\nALTER TABLE n ADD CONSTRAINT k CHECK (a > 0) NOT VALID;\nALTER TABLE n VALIDATE CONSTRAINT k;\n");
    assert_eq!(ids(&new), Vec::<&str>::new());
}

#[test]
fn set_not_null_after_a_validated_check_is_instant_from_pg12() {
    let add = format!("{LT}ALTER TABLE t ADD CONSTRAINT t_a_nn CHECK (a IS NOT NULL) NOT VALID;\n");
    let finish = format!("{LT}ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\nALTER TABLE t DROP CONSTRAINT t_a_nn;\n");
    for (v, want) in [(12, vec![]), (17, vec![]), (11, vec!["set_not_null"])] {
        let mut ctx = SqlContext::new(v);
        assert!(lint_sql(&add, "0001.sql", &mut ctx).is_empty());
        let f = lint_sql(&finish, "0002.sql", &mut ctx);
        assert_eq!(
            f.iter().map(|f| f.id).collect::<Vec<_>>(),
            want,
            "{v}: {f:?}"
        );
        if v == 11 {
            assert!(
                f[0].message.contains("only from PostgreSQL 12"),
                "{}",
                f[0].message
            );
        }
    }
    // Not validated yet, or a check of another column: the scan stays.
    let mut ctx = SqlContext::new(15);
    lint_sql(&add, "0001.sql", &mut ctx);
    let early = format!("{LT}ALTER TABLE t ALTER COLUMN a SET NOT NULL;");
    assert_eq!(
        findings(&early, &mut ctx),
        [("set_not_null", "f.sql:2".to_string())]
    );
    let other = format!(
        "{LT}ALTER TABLE t VALIDATE CONSTRAINT t_a_nn;\nALTER TABLE t ALTER COLUMN b SET NOT NULL;"
    );
    assert_eq!(
        findings(&other, &mut ctx),
        [("set_not_null", "f.sql:3".to_string())]
    );
    // A check added without NOT VALID is validated at once (and found
    // for that), and then covers the column.
    let at_once = format!("{LT}ALTER TABLE u ADD CONSTRAINT u_a_nn CHECK (a IS NOT NULL);\nALTER TABLE u ALTER COLUMN a SET NOT NULL;");
    assert_eq!(ids(&at_once), ["constraint_without_not_valid"]);
}

#[test]
fn renames_break_running_code() {
    let sql = format!("{LT}ALTER TABLE t RENAME COLUMN a TO b;\nALTER TABLE t RENAME TO t2;\nALTER VIEW v RENAME TO v2;\nALTER TABLE v RENAME COLUMN x TO y;\nALTER INDEX i RENAME TO j;\n");
    let f = findings(&sql, &mut SqlContext::new(15));
    assert_eq!(
        f,
        [
            ("rename_column", "f.sql:2".to_string()),
            ("rename_table", "f.sql:3".to_string()),
            ("rename_table", "f.sql:4".to_string()),
            ("rename_column", "f.sql:5".to_string()),
        ]
    );
    let new = format!("{LT}CREATE TABLE n (a int);\nALTER TABLE n RENAME COLUMN a TO b;\nALTER TABLE n RENAME TO m;\n");
    assert_eq!(ids(&new), Vec::<&str>::new());
    // A rename locks: without lock_timeout it is found as such too.
    assert_eq!(
        ids("ALTER TABLE t RENAME TO t2;"),
        ["rename_table", "missing_lock_timeout"]
    );
}

#[test]
fn unique_and_primary_keys_need_an_index_built_first() {
    let sql = format!("{LT}ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);\nALTER TABLE t ADD PRIMARY KEY (id);\nALTER TABLE t ADD COLUMN c bigint UNIQUE;\nALTER TABLE t ADD COLUMN d bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;\n");
    let f = findings(&sql, &mut SqlContext::new(15));
    assert_eq!(
        f,
        [
            ("add_unique_without_index", "f.sql:2".to_string()),
            ("add_primary_key_without_index", "f.sql:3".to_string()),
            ("add_unique_without_index", "f.sql:4".to_string()),
            ("add_primary_key_without_index", "f.sql:5".to_string()),
            ("add_column_rewrites_table", "f.sql:5".to_string()),
        ]
    );
    let using = format!("{LT}ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_idx;\nALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id_idx;\n");
    assert_eq!(ids(&using), Vec::<&str>::new());
    let new = format!("{LT}CREATE TABLE n (id bigint, a int);\nALTER TABLE n ADD PRIMARY KEY (id);\nALTER TABLE n ADD UNIQUE (a);\n");
    assert_eq!(ids(&new), Vec::<&str>::new());
}

#[test]
fn drop_index_needs_concurrently_outside_a_transaction() {
    let plain = format!("{LT}DROP INDEX app.t_a;");
    let f = lint_sql(&plain, "f.sql", &mut SqlContext::new(15));
    assert_eq!(
        f.iter().map(|f| f.id).collect::<Vec<_>>(),
        ["drop_index_without_concurrently"]
    );
    assert!(f[0].message.contains("app.t_a"), "{}", f[0].message);
    assert_eq!(
        ids("DROP INDEX t_a;"),
        ["drop_index_without_concurrently", "missing_lock_timeout"]
    );
    let concurrently = "DROP INDEX CONCURRENTLY t_a;";
    assert_eq!(ids_outside(concurrently, 15), Vec::<&str>::new());
    assert_eq!(ids(concurrently), ["concurrently_in_transaction"]);
    // An index the same file created has no users yet.
    let own = format!("{LT}CREATE TABLE n (a int);\nCREATE INDEX n_a ON n (a);\nDROP INDEX n_a;");
    assert_eq!(ids(&own), Vec::<&str>::new());
}

#[test]
fn concurrently_cannot_run_in_a_transaction() {
    for sql in [
        "CREATE INDEX CONCURRENTLY i ON t (a);",
        "CREATE UNIQUE INDEX CONCURRENTLY i ON t (a);",
        "DROP INDEX CONCURRENTLY i;",
        "REINDEX INDEX CONCURRENTLY i;",
        "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;",
    ] {
        let sql = format!("{LT_SESSION}{sql}");
        assert_eq!(ids(&sql), ["concurrently_in_transaction"], "{sql}");
        assert_eq!(ids_outside(&sql, 15), Vec::<&str>::new(), "{sql}");
        let wrapped = format!("BEGIN;\n{sql}\nCOMMIT;");
        assert_eq!(
            ids_outside(&wrapped, 15),
            ["concurrently_in_transaction"],
            "{sql}"
        );
    }
}

#[test]
fn drop_not_null_and_truncate_cascade() {
    let sql = format!("{LT}ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\nTRUNCATE t CASCADE;\nTRUNCATE u;\nTRUNCATE TABLE v, w RESTRICT;\n");
    let f = findings(&sql, &mut SqlContext::new(15));
    assert_eq!(
        f,
        [
            ("drop_not_null", "f.sql:2".to_string()),
            ("truncate_cascade", "f.sql:3".to_string()),
        ]
    );
    let new = format!(
        "{LT}CREATE TABLE n (a int NOT NULL);\nALTER TABLE n ALTER COLUMN a DROP NOT NULL;\n"
    );
    assert_eq!(ids(&new), Vec::<&str>::new());
    assert_eq!(ids("TRUNCATE t;"), ["missing_lock_timeout"]);
}

#[test]
fn type_advice_points_at_the_column() {
    let sql = "CREATE TABLE n (\n  id serial PRIMARY KEY,\n  name varchar(100),\n  free varchar,\n  code char(2),\n  flag character,\n  at timestamp(3),\n  at_tz timestamptz,\n  seen timestamp with time zone,\n  total integer\n);\n";
    let f = findings(sql, &mut SqlContext::new(15));
    assert_eq!(
        f,
        [
            ("prefer_identity", "f.sql:2".to_string()),
            ("prefer_bigint_key", "f.sql:2".to_string()),
            ("prefer_text", "f.sql:3".to_string()),
            ("prefer_text", "f.sql:5".to_string()),
            ("prefer_text", "f.sql:6".to_string()),
            ("prefer_timestamptz", "f.sql:7".to_string()),
        ]
    );
    // Identity columns exist from PostgreSQL 10.
    assert_eq!(
        ids_on("CREATE TABLE n (id bigserial PRIMARY KEY);", 9),
        Vec::<&str>::new()
    );
    assert_eq!(
        ids_on("CREATE TABLE n (id bigserial PRIMARY KEY);", 10),
        ["prefer_identity"]
    );
    let clean = "CREATE TABLE n (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, at timestamptz, n integer);";
    assert_eq!(ids(clean), Vec::<&str>::new());
    // Keys named apart from the column, in this file or a later one.
    assert_eq!(
        ids("CREATE TABLE n (id int, k smallint, PRIMARY KEY (id, k));"),
        ["prefer_bigint_key", "prefer_bigint_key"]
    );
    let mut ctx = SqlContext::new(15);
    assert!(lint_sql(
        "CREATE TABLE app.n (id integer NOT NULL);",
        "0001.sql",
        &mut ctx
    )
    .is_empty());
    let f = findings(
        &format!("{LT}ALTER TABLE app.n ADD PRIMARY KEY (id);"),
        &mut ctx,
    );
    assert!(
        f.contains(&("prefer_bigint_key", "f.sql:2".to_string())),
        "{f:?}"
    );
    // Columns added or retyped get the same advice.
    let alter =
        format!("{LT}ALTER TABLE t ADD COLUMN c varchar(10), ALTER COLUMN d TYPE timestamp;");
    assert_eq!(
        ids(&alter),
        ["prefer_text", "alter_column_type", "prefer_timestamptz"]
    );
}

#[test]
fn transaction_control_inside_the_runners_transaction() {
    let sql = format!("{LT}BEGIN;\nALTER TABLE t ADD COLUMN c text;\nCOMMIT;\n");
    let f = findings(&sql, &mut SqlContext::new(15));
    assert_eq!(
        f,
        [
            ("transaction_control_in_transaction", "f.sql:2".to_string()),
            ("transaction_control_in_transaction", "f.sql:4".to_string()),
        ]
    );
    // Savepoints are fine; outside a transaction, BEGIN ... COMMIT is
    // the file's own business, but it must commit.
    let savepoint =
        format!("{LT}SAVEPOINT a;\nALTER TABLE t ADD COLUMN c text;\nRELEASE SAVEPOINT a;\n");
    assert_eq!(ids(&savepoint), Vec::<&str>::new());
    let own = format!("{LT_SESSION}BEGIN;\nALTER TABLE t ADD COLUMN c text;\nCOMMIT;\n");
    assert_eq!(ids_outside(&own, 15), Vec::<&str>::new());
    let open = format!("{LT_SESSION}BEGIN;\nALTER TABLE t ADD COLUMN c text;\n");
    let mut ctx = SqlContext {
        in_transaction: false,
        ..SqlContext::new(15)
    };
    assert_eq!(
        findings(&open, &mut ctx),
        [("uncommitted_transaction", "f.sql:2".to_string())]
    );
    let rolled_back = format!(
        "{LT_SESSION}BEGIN;\nALTER TABLE t ADD COLUMN c text;\nROLLBACK;\nBEGIN;\nCOMMIT;\n"
    );
    assert_eq!(ids_outside(&rolled_back, 15), Vec::<&str>::new());
}

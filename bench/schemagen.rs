//! A deterministic generator of large, realistic PostgreSQL schemas for the
//! benchmarks (issue 6). Independent of `reconcile`: it only writes SQL, so
//! the same script loads a database for every tool being compared.
//!
//! Shared by the `genschema` example (the command line) and the benchmark
//! guard test, which include this file with `#[path]`.
//!
//! The script expects the Supabase-style `auth` schema (`auth.uid()`) and the
//! roles `anon` and `authenticated` to exist: `reconcile shim` provides them.

use std::fmt::Write;

/// splitmix64: tiny, deterministic, good enough to vary shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const WORDS: &[&str] = &[
    "account", "order", "invoice", "product", "shipment", "project", "task", "comment", "message",
    "document", "payment", "review", "event", "session", "device", "team",
];

/// Enum types shared by the tables; their first label is the default.
const ENUMS: &[(&str, &[&str])] = &[
    ("item_status", &["draft", "active", "archived"]),
    ("priority", &["low", "normal", "high", "urgent"]),
    ("visibility", &["private", "team", "public"]),
    ("channel", &["web", "mobile", "api", "batch"]),
];

struct Column {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    comment: Option<String>,
}

struct Table {
    name: String,
    columns: Vec<Column>,
    /// (constraint name, column, referenced table, on delete)
    fks: Vec<(String, String, String, &'static str)>,
    uniques: Vec<(String, Vec<String>)>,
    checks: Vec<(String, String)>,
    /// (index name, full CREATE INDEX statement)
    indexes: Vec<(String, String)>,
    rls: bool,
    /// (policy name, rest of the CREATE POLICY statement after `ON table`)
    policies: Vec<(String, String)>,
    grants: Vec<String>,
    comment: String,
    trigger: bool,
}

/// The whole generated schema.
pub struct Schema {
    tables: Vec<Table>,
    /// (view name, SELECT)
    views: Vec<(String, String)>,
}

/// `n` tables; the same `n` and `seed` always give the same schema.
pub fn generate(n: usize, seed: u64) -> Schema {
    let mut rng = Rng(seed);
    let mut tables = Vec::with_capacity(n);
    let mut views = Vec::new();
    for i in 0..n {
        let t = table(i, &mut rng);
        if i > 0 && i % 25 == 0 {
            let parent = &t.fks[0].2;
            views.push((
                format!("{}_overview", t.name),
                format!(
                    "SELECT c.id, c.name, c.created_at, p.name AS parent_name\n  FROM public.{} c\n  LEFT JOIN public.{parent} p ON p.id = c.{}",
                    t.name, t.fks[0].1
                ),
            ));
        }
        tables.push(t);
    }
    Schema { tables, views }
}

fn table(i: usize, rng: &mut Rng) -> Table {
    let name = format!("{}_{i:05}", WORDS[i % WORDS.len()]);
    let col = |name: &str, ty: &str, not_null: bool, default: Option<&str>| Column {
        name: name.into(),
        ty: ty.into(),
        not_null,
        default: default.map(String::from),
        comment: None,
    };
    let mut columns = vec![
        col("id", "uuid", true, Some("gen_random_uuid()")),
        col("owner_id", "uuid", true, None),
        col("name", "text", true, None),
    ];
    columns[1].comment = Some("The user who owns the row (auth.uid()).".into());
    let mut fks = Vec::new();
    // One or two parents among the earlier tables, cascading.
    if i > 0 {
        let parents = if i > 1 && rng.chance(30) { 2 } else { 1 };
        for k in 0..parents {
            let j = rng.range(i.saturating_sub(50), i - 1);
            let parent = format!("{}_{j:05}", WORDS[j % WORDS.len()]);
            let c = format!("parent{k}_id");
            let on_delete = if k == 0 { "CASCADE" } else { "SET NULL" };
            columns.push(col(&c, "uuid", k == 0, None));
            fks.push((format!("{name}_{c}_fkey"), c, parent, on_delete));
        }
    }
    let target = rng.range(6, 20);
    let fixed = columns.len() + 2; // created_at and updated_at come last
    let mut extra = 0;
    while columns.len() + 2 < target.max(fixed) || extra == 0 {
        columns.push(extra_column(extra, rng));
        extra += 1;
    }
    columns.push(col("created_at", "timestamptz", true, Some("now()")));
    columns.push(col("updated_at", "timestamptz", true, Some("now()")));

    let mut uniques = vec![(
        format!("{name}_owner_id_name_key"),
        vec!["owner_id".into(), "name".into()],
    )];
    if rng.chance(20) {
        uniques.push((
            format!("{name}_id_owner_id_key"),
            vec!["id".into(), "owner_id".into()],
        ));
    }
    let mut checks = vec![(
        format!("{name}_name_check"),
        "char_length(name) BETWEEN 1 AND 200".to_string(),
    )];
    if let Some(c) = columns
        .iter()
        .find(|c| c.ty == "integer" || c.ty.starts_with("numeric"))
    {
        checks.push((
            format!("{name}_{}_check", c.name),
            format!("{} >= 0", c.name),
        ));
    }

    let mut indexes = vec![(
        format!("{name}_owner_id_idx"),
        format!("CREATE INDEX {name}_owner_id_idx ON public.{name} USING btree (owner_id)"),
    )];
    if let Some((_, c, _, _)) = fks.first() {
        indexes.push((
            format!("{name}_{c}_idx"),
            format!("CREATE INDEX {name}_{c}_idx ON public.{name} USING btree ({c})"),
        ));
    }
    if rng.chance(60) {
        indexes.push((
            format!("{name}_lower_name_idx"),
            format!(
                "CREATE INDEX {name}_lower_name_idx ON public.{name} USING btree (lower(name))"
            ),
        ));
    }
    if let Some(c) = columns
        .iter()
        .find(|c| c.ty == "jsonb" || c.ty.ends_with("[]"))
    {
        indexes.push((
            format!("{name}_{}_gin", c.name),
            format!(
                "CREATE INDEX {name}_{0}_gin ON public.{name} USING gin ({0})",
                c.name
            ),
        ));
    }
    if indexes.len() < 4 {
        indexes.push((
            format!("{name}_recent_idx"),
            format!(
                "CREATE INDEX {name}_recent_idx ON public.{name} USING btree (created_at DESC) WHERE (name <> ''::text)"
            ),
        ));
    }

    let rls = i % 2 == 0;
    let mut policies = Vec::new();
    if rls {
        let own = "(owner_id = ( SELECT auth.uid() AS uid))";
        policies.push((
            format!("{name}_select_own"),
            format!("FOR SELECT TO authenticated USING {own}"),
        ));
        policies.push((
            format!("{name}_insert_own"),
            format!("FOR INSERT TO authenticated WITH CHECK {own}"),
        ));
        if rng.chance(60) {
            policies.push((
                format!("{name}_update_own"),
                format!("FOR UPDATE TO authenticated USING {own} WITH CHECK {own}"),
            ));
        }
        if rng.chance(50) {
            policies.push((
                format!("{name}_delete_own"),
                format!("FOR DELETE TO authenticated USING {own}"),
            ));
        }
    }
    let mut grants =
        vec!["GRANT SELECT, INSERT, UPDATE, DELETE ON public.{t} TO authenticated".to_string()];
    if rng.chance(30) {
        grants.push("GRANT SELECT ON public.{t} TO anon".into());
    }
    Table {
        comment: format!("Generated table {i}: {} records.", WORDS[i % WORDS.len()]),
        name,
        columns,
        fks,
        uniques,
        checks,
        indexes,
        rls,
        policies,
        grants,
        trigger: rng.chance(70),
    }
}

fn extra_column(k: usize, rng: &mut Rng) -> Column {
    let (ty, not_null, default): (String, bool, Option<String>) = match rng.range(0, 11) {
        0 => ("text".into(), false, None),
        1 => (
            format!("character varying({})", [32, 64, 120, 255][rng.range(0, 3)]),
            false,
            None,
        ),
        2 => ("integer".into(), true, Some("0".into())),
        3 => ("bigint".into(), false, None),
        4 => {
            let p = rng.range(8, 14);
            (format!("numeric({p},{})", rng.range(0, 4)), false, None)
        }
        5 => ("boolean".into(), true, Some("true".into())),
        6 => ("timestamp with time zone".into(), false, None),
        7 => ("jsonb".into(), true, Some("'{}'::jsonb".into())),
        8 => ("text[]".into(), true, Some("'{}'::text[]".into())),
        9 => ("integer[]".into(), false, None),
        10 => ("date".into(), false, Some("CURRENT_DATE".into())),
        _ => {
            let (e, labels) = ENUMS[rng.range(0, ENUMS.len() - 1)];
            (
                format!("public.{e}"),
                true,
                Some(format!("'{}'::public.{e}", labels[0])),
            )
        }
    };
    Column {
        name: format!("c{k}_{}", ty_word(&ty)),
        ty,
        not_null,
        default,
        comment: if rng.chance(15) {
            Some(format!("Extra column {k}."))
        } else {
            None
        },
    }
}

fn ty_word(ty: &str) -> &'static str {
    match ty {
        "text" => "label",
        "integer" => "count",
        "bigint" => "total",
        "boolean" => "flag",
        "jsonb" => "meta",
        "text[]" => "tags",
        "integer[]" => "ranks",
        "date" => "day",
        "timestamp with time zone" => "at",
        t if t.starts_with("character varying") => "code",
        t if t.starts_with("numeric") => "amount",
        _ => "state",
    }
}

/// The kinds of edit, applied round-robin to tables spread over the schema.
pub const EDIT_KINDS: &[&str] = &[
    "add column",
    "drop index",
    "add index",
    "change policy",
    "change default",
    "drop not null",
    "add check",
    "change comment",
    "widen varchar",
    "add table",
];

impl Schema {
    /// Applies `k` small edits, spread evenly over the tables.
    pub fn edit(&mut self, k: usize) {
        let n = self.tables.len();
        if n == 0 {
            return;
        }
        for e in 0..k {
            let i = (e * n / k.max(1) + n / (2 * k.max(1))) % n;
            let kind = EDIT_KINDS[e % EDIT_KINDS.len()];
            let t = &mut self.tables[i];
            let name = t.name.clone();
            match kind {
                "add column" => t.columns.push(Column {
                    name: format!("added_{e}"),
                    ty: "text".into(),
                    not_null: false,
                    default: None,
                    comment: None,
                }),
                "drop index" => {
                    let last = t.indexes.len() - 1;
                    t.indexes.remove(last);
                }
                "add index" => t.indexes.push((
                    format!("{name}_name_created_idx"),
                    format!("CREATE INDEX {name}_name_created_idx ON public.{name} USING btree (name, created_at)"),
                )),
                "change policy" => {
                    if t.policies.is_empty() {
                        t.rls = true;
                    }
                    t.policies.push((
                        format!("{name}_select_recent"),
                        "FOR SELECT TO authenticated USING ((created_at > (now() - '30 days'::interval)) AND (owner_id = ( SELECT auth.uid() AS uid)))".into(),
                    ));
                    if t.policies.len() > 1 {
                        t.policies[0].1 = "FOR SELECT TO authenticated USING ((owner_id = ( SELECT auth.uid() AS uid)) OR (name = 'shared'::text))"
                            .to_string();
                    }
                }
                "change default" => {
                    let c = t.columns.iter_mut().find(|c| c.name == "name").expect("name column");
                    c.default = Some("'untitled'::text".into());
                }
                "drop not null" => {
                    let c = t.columns.iter_mut().find(|c| c.name == "name").expect("name column");
                    c.not_null = false;
                }
                "add check" => t
                    .checks
                    .push((format!("{name}_updated_check"), "updated_at >= created_at".into())),
                "change comment" => t.comment = format!("Edited comment of {name}."),
                "widen varchar" => {
                    match t.columns.iter_mut().find(|c| c.ty.starts_with("character varying")) {
                        Some(c) => c.ty = "character varying(1000)".into(),
                        None => t.columns.push(Column {
                            name: format!("added_{e}"),
                            ty: "character varying(40)".into(),
                            not_null: false,
                            default: None,
                            comment: None,
                        }),
                    }
                }
                _ => {
                    let mut rng = Rng(e as u64);
                    let mut added = table(n + e, &mut rng);
                    added.name = format!("added_{e:05}");
                    added.fks.clear();
                    added.columns.retain(|c| !c.name.starts_with("parent"));
                    added.indexes.retain(|(ix, _)| !ix.contains("parent"));
                    let old = format!("{}_{:05}", WORDS[(n + e) % WORDS.len()], n + e);
                    rename_table(&mut added, &old);
                    self.tables.push(added);
                }
            }
        }
    }

    /// The script that creates the schema on a database with the shim.
    pub fn sql(&self) -> String {
        let mut s = String::with_capacity(self.tables.len() * 4096);
        s.push_str("-- Generated by bench/schemagen.rs; needs `reconcile shim` first.\n");
        s.push_str("SET check_function_bodies = false;\n\n");
        for (e, labels) in ENUMS {
            let labels: Vec<String> = labels.iter().map(|l| format!("'{l}'")).collect();
            let _ = writeln!(s, "CREATE TYPE public.{e} AS ENUM ({});", labels.join(", "));
        }
        s.push_str(
            "\nCREATE FUNCTION public.set_updated_at() RETURNS trigger\n    LANGUAGE plpgsql\n    AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$;\n\n",
        );
        for t in &self.tables {
            table_sql(&mut s, t);
        }
        for (v, select) in &self.views {
            let _ = writeln!(s, "CREATE VIEW public.{v} AS\n{select};");
            let _ = writeln!(s, "GRANT SELECT ON public.{v} TO authenticated;");
            let _ = writeln!(s, "COMMENT ON VIEW public.{v} IS 'Overview of {v}.';\n");
        }
        s
    }

    pub fn table_count(&self) -> usize {
        self.tables.len()
    }

    pub fn view_count(&self) -> usize {
        self.views.len()
    }

    pub fn policy_count(&self) -> usize {
        self.tables.iter().map(|t| t.policies.len()).sum()
    }

    pub fn index_count(&self) -> usize {
        self.tables.iter().map(|t| t.indexes.len()).sum()
    }
}

fn rename_table(t: &mut Table, old: &str) {
    let new = t.name.clone();
    let fix = |s: &mut String| *s = s.replace(old, &new);
    for (n, _) in &mut t.uniques {
        fix(n);
    }
    for (n, _) in &mut t.checks {
        fix(n);
    }
    for (n, sql) in &mut t.indexes {
        fix(n);
        fix(sql);
    }
    for (n, _) in &mut t.policies {
        fix(n);
    }
}

fn table_sql(s: &mut String, t: &Table) {
    let name = &t.name;
    let mut lines: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let mut l = format!("    {} {}", c.name, c.ty);
            if let Some(d) = &c.default {
                let _ = write!(l, " DEFAULT {d}");
            }
            if c.not_null {
                l.push_str(" NOT NULL");
            }
            l
        })
        .collect();
    lines.push(format!("    CONSTRAINT {name}_pkey PRIMARY KEY (id)"));
    for (u, cols) in &t.uniques {
        lines.push(format!("    CONSTRAINT {u} UNIQUE ({})", cols.join(", ")));
    }
    for (c, expr) in &t.checks {
        lines.push(format!("    CONSTRAINT {c} CHECK ({expr})"));
    }
    for (f, col, parent, on_delete) in &t.fks {
        lines.push(format!(
            "    CONSTRAINT {f} FOREIGN KEY ({col}) REFERENCES public.{parent}(id) ON DELETE {on_delete}"
        ));
    }
    let _ = writeln!(s, "CREATE TABLE public.{name} (\n{}\n);", lines.join(",\n"));
    for (_, ix) in &t.indexes {
        let _ = writeln!(s, "{ix};");
    }
    if t.rls {
        let _ = writeln!(s, "ALTER TABLE public.{name} ENABLE ROW LEVEL SECURITY;");
    }
    for (p, rest) in &t.policies {
        let _ = writeln!(s, "CREATE POLICY {p} ON public.{name} {rest};");
    }
    if t.trigger {
        let _ = writeln!(
            s,
            "CREATE TRIGGER {name}_updated_at BEFORE UPDATE ON public.{name} FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();"
        );
    }
    for g in &t.grants {
        let _ = writeln!(s, "{};", g.replace("{t}", name));
    }
    let _ = writeln!(s, "COMMENT ON TABLE public.{name} IS '{}';", t.comment);
    for c in &t.columns {
        if let Some(text) = &c.comment {
            let _ = writeln!(s, "COMMENT ON COLUMN public.{name}.{} IS '{text}';", c.name);
        }
    }
    s.push('\n');
}

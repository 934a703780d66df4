//! Migration names: `NNNN_slug`, the slug given with `--name` or derived
//! from what the steps do (`create_users`, `alter_users_add_email`,
//! `changes` when mixed).

use std::borrow::Cow;

use crate::plan::{Action, PlannedStep};

/// Longest derived slug; longer ones are cut at a `_`.
pub const MAX_SLUG: usize = 48;

/// Whether a slug is valid: `[a-z0-9_]+`, so the directory matches `^\d{4}_[a-z0-9_]+$`.
pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

/// Object kinds that name a migration on their own; the others (columns,
/// indexes, policies, grants, comments...) hang off one of these.
const MAIN_KINDS: [&str; 13] = [
    "table",
    "view",
    "materialized_view",
    "function",
    "procedure",
    "aggregate",
    "enum",
    "domain",
    "type",
    "composite_type",
    "sequence",
    "schema",
    "extension",
];

struct Subject<'a> {
    kind: &'a str,
    /// The name after the kind, as in the id (quoted, with any arguments):
    /// split only when asked, since most subjects are only asked their
    /// kind.
    name: &'a str,
    action: Action,
}

impl<'a> Subject<'a> {
    /// Name parts, unquoted, without function arguments.
    fn parts(&self) -> Vec<Cow<'a, str>> {
        split_name(self.name)
    }

    fn last(&self) -> Cow<'a, str> {
        self.parts().pop().unwrap_or_default()
    }

    /// The part before the last (a column's table), if there is one.
    fn table(&self) -> Option<Cow<'a, str>> {
        let mut parts = self.parts();
        parts.pop();
        parts.pop()
    }
}

fn subject(step: &PlannedStep) -> Subject<'_> {
    let (kind, name) = step.id.words();
    Subject {
        kind,
        name,
        action: step.action,
    }
}

/// `public."a.b"(integer)` -> [public, a.b]: dots inside quotes do not split.
fn split_name(text: &str) -> Vec<Cow<'_, str>> {
    // Names without quotes (nearly all) are slices of the id.
    if !text.contains('"') {
        let end = text.find('(').unwrap_or(text.len());
        return text[..end].split('.').map(Cow::Borrowed).collect();
    }
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(p) = parts.last_mut() {
                    p.push('"')
                }
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            '(' if !quoted => break,
            _ => {
                if let Some(p) = parts.last_mut() {
                    p.push(c)
                }
            }
        }
    }
    parts.into_iter().map(Cow::Owned).collect()
}

fn column_verb(action: Action) -> &'static str {
    match action {
        Action::Create => "add",
        _ => action.word(),
    }
}

/// Up to three names, then `and_N_more`.
fn names<'a>(names: impl Iterator<Item = Cow<'a, str>>) -> String {
    // A first plan names thousands of tables here: a set in first-seen
    // order, not a walk of the list so far for each name.
    let unique: indexmap::IndexSet<Cow<str>, foldhash::fast::RandomState> = names.collect();
    let unique: Vec<Cow<str>> = unique.into_iter().collect();
    if unique.len() > 3 {
        format!("{}_and_{}_more", unique[..2].join("_"), unique.len() - 2)
    } else {
        unique.join("_")
    }
}

fn all_same<T: PartialEq>(mut items: impl Iterator<Item = T>) -> Option<T> {
    let first = items.next()?;
    items.all(|i| i == first).then_some(first)
}

/// A slug for the steps of one migration.
pub fn derive_slug(steps: &[&PlannedStep]) -> String {
    sanitize(&describe(steps))
}

fn describe(steps: &[&PlannedStep]) -> String {
    if steps.is_empty() {
        return "changes".into();
    }
    let subjects = || steps.iter().map(|s| subject(s));
    // Columns of one table: alter_users_add_email_name.
    if subjects().all(|s| s.kind == "column" && s.table().is_some()) {
        let table = all_same(subjects().filter_map(|s| s.table()));
        if let Some(table) = table {
            return match all_same(subjects().map(|s| s.action)) {
                Some(action) => format!(
                    "alter_{table}_{}_{}",
                    column_verb(action),
                    names(subjects().map(|s| s.last()))
                ),
                None => format!("alter_{table}"),
            };
        }
    }
    let main: Vec<Subject> = subjects()
        .filter(|s| MAIN_KINDS.contains(&s.kind))
        .collect();
    let (group, with_kind) = if main.is_empty() {
        (subjects().collect::<Vec<_>>(), true)
    } else {
        (main, false)
    };
    let Some(action) = all_same(group.iter().map(|s| s.action)) else {
        return "changes".into();
    };
    let list = names(group.iter().map(|s| s.last()));
    match all_same(group.iter().map(|s| s.kind)) {
        Some("table") if !with_kind => format!("{}_{list}", action.word()),
        Some(kind) => format!("{}_{kind}_{list}", action.word()),
        None if with_kind => "changes".into(),
        None => format!("{}_{list}", action.word()),
    }
}

/// Lowercase `[a-z0-9_]`, no doubled or edge `_`, at most [`MAX_SLUG`]
/// characters (cut at a `_` when one is near the end).
pub fn sanitize(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '_'
        };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    if out.len() > MAX_SLUG {
        out.truncate(MAX_SLUG);
        if let Some(cut) = out.rfind('_').filter(|&i| i >= MAX_SLUG / 2) {
            out.truncate(cut);
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.is_empty() {
        "changes".into()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, action: Action) -> PlannedStep {
        PlannedStep {
            id: id.into(),
            action,
            summary: String::new(),
            up: vec![],
            down: vec![],
            hazards: vec![],
            transactional: true,
            after: vec![],
        }
    }

    #[test]
    fn derived_names() {
        use Action::*;
        let slug = |steps: &[(&str, Action)]| {
            let steps: Vec<PlannedStep> = steps.iter().map(|(id, a)| step(id, *a)).collect();
            derive_slug(&steps.iter().collect::<Vec<_>>())
        };
        assert_eq!(
            slug(&[
                ("table:public.users", Create),
                ("index:public.users_email_idx", Create),
                ("grant:public.users:authenticated", Create),
            ]),
            "create_users"
        );
        assert_eq!(
            slug(&[("column:public.users.email", Create)]),
            "alter_users_add_email"
        );
        assert_eq!(
            slug(&[
                ("column:public.users.email", Create),
                ("column:public.users.email", Alter)
            ]),
            "alter_users"
        );
        assert_eq!(
            slug(&[("index:public.idx_content_title", Create)]),
            "create_index_idx_content_title"
        );
        assert_eq!(
            slug(&[("view:public.active_projects", Drop)]),
            "drop_view_active_projects"
        );
        assert_eq!(
            slug(&[("table:public.a", Create), ("table:public.b", Drop)]),
            "changes"
        );
        assert_eq!(
            slug(&[("function:public.\"Odd.Name\"(integer, text)", Alter)]),
            "alter_function_odd_name"
        );
        assert_eq!(
            slug(&[
                ("table:public.a", Create),
                ("table:public.b", Create),
                ("table:public.c", Create),
                ("table:public.d", Create),
            ]),
            "create_a_b_and_2_more"
        );
        // A name in two schemas counts once.
        assert_eq!(
            slug(&[
                ("table:public.a", Create),
                ("table:app.a", Create),
                ("table:public.b", Create),
            ]),
            "create_a_b"
        );
        assert_eq!(slug(&[]), "changes");
    }

    #[test]
    fn names_split_at_dots_outside_quotes_and_stop_at_arguments() {
        let cases: [(&str, &[&str]); 6] = [
            ("", &[""]),
            ("public.users", &["public", "users"]),
            ("public.users.email", &["public", "users", "email"]),
            ("public.f(integer, a.b)", &["public", "f"]),
            ("public.\"a.b\"(integer)", &["public", "a.b"]),
            ("\"we\"\"ird\".\"x(y)\"", &["we\"ird", "x(y)"]),
        ];
        for (text, want) in cases {
            let got = split_name(text);
            assert_eq!(got, want.to_vec(), "{text}");
            // Plain names are borrowed from the id, not copied.
            let plain = !text.contains('"');
            assert!(
                got.iter().all(|p| matches!(p, Cow::Borrowed(_)) == plain),
                "{text}"
            );
        }
    }

    #[test]
    fn sanitized_and_truncated() {
        assert_eq!(sanitize("Create Users!"), "create_users");
        assert_eq!(sanitize("__x__"), "x");
        assert_eq!(sanitize("bıgınt"), "b_g_nt");
        assert_eq!(sanitize("ß"), "changes");
        let long = sanitize(&"create_a_very_long_table_name_".repeat(5));
        assert!(
            long.len() <= MAX_SLUG && valid_slug(&long) && !long.ends_with('_'),
            "{long}"
        );
        assert!(valid_slug("create_users") && !valid_slug("Users") && !valid_slug(""));
    }
}

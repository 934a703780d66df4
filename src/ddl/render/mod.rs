//! One statement per object part. Every function here is pure and returns
//! the statement text ending in `;`.

mod collation;
mod comment;
mod drop;
mod function;
mod grant;
mod index;
mod policy;
mod publication;
mod rule;
mod schema;
mod sequence;
mod table;
mod trigger;
mod types;
mod view;

/// How a statement that PostgreSQL lets be written more than one way is
/// written: chosen by the caller, never patched into rendered text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Plain,
    /// `CREATE OR REPLACE` (functions, procedures, views).
    OrReplace,
    /// `CREATE/DROP INDEX CONCURRENTLY`: outside a transaction.
    Concurrently,
}

pub use collation::*;
pub use comment::*;
pub use drop::*;
pub use function::*;
pub use grant::*;
pub use index::*;
pub use policy::*;
pub use publication::*;
pub use rule::*;
pub use schema::*;
pub use sequence::*;
pub use table::*;
pub use trigger::*;
pub use types::*;
pub use view::*;

use crate::model::name::{quote_literal, split_dotted};
use crate::model::{quote_ident, Deferral, QualifiedName};

use super::PlanError;

/// A function key `schema.name(t1, t2)` split into name and argument text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionKey {
    pub name: QualifiedName,
    /// The identity argument types as written in the key (may be empty).
    pub args: String,
}

impl FunctionKey {
    /// `schema.name(args)` with quoting, for COMMENT/GRANT/ALTER.
    pub fn sql(&self) -> String {
        format!("{}({})", self.name.sql(), self.args)
    }
}

/// Parses `schema.name(types)`: splits on the first `(` outside double quotes.
pub fn parse_function_key(key: &str) -> Result<FunctionKey, PlanError> {
    let err = |message: String| PlanError::Name {
        what: format!("function `{key}`"),
        message,
    };
    let open = find_unquoted(key, '(').ok_or_else(|| err("missing `(`".into()))?;
    let rest = &key[open + 1..];
    let args = rest
        .trim_end()
        .strip_suffix(')')
        .ok_or_else(|| err("missing final `)`".into()))?;
    let name = QualifiedName::parse(key[..open].trim(), "public").map_err(err)?;
    Ok(FunctionKey {
        name,
        args: args.trim().to_string(),
    })
}

/// Byte index of the first `c` outside double quotes.
pub(crate) fn find_unquoted(text: &str, c: char) -> Option<usize> {
    let mut quoted = false;
    for (i, ch) in text.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            _ if ch == c && !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Splits `a, "b, c"` on commas outside double quotes, trimming each part.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in text.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            ',' if !quoted => parts.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(ch),
        }
    }
    if !cur.trim().is_empty() || !parts.is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts
}

/// Removes one level of double quotes (`"a""b"` -> `a"b`); plain text as is.
pub(crate) fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => text.to_string(),
    }
}

/// A possibly qualified name (collation, opclass) quoted part by part.
pub(crate) fn quote_dotted(text: &str) -> String {
    match split_dotted(text) {
        Ok(parts) => parts
            .iter()
            .map(|p| quote_ident(p))
            .collect::<Vec<_>>()
            .join("."),
        Err(_) => text.to_string(),
    }
}

/// Quotes a list of column names: `(a, "B")`.
pub(crate) fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// ` DEFERRABLE ...` or nothing.
pub(crate) fn deferral(d: Deferral) -> &'static str {
    match d {
        Deferral::No => "",
        Deferral::InitiallyImmediate => " DEFERRABLE",
        Deferral::InitiallyDeferred => " DEFERRABLE INITIALLY DEFERRED",
    }
}

/// A role in GRANT/TO lists: `public` is the keyword PUBLIC.
pub(crate) fn role(name: &str) -> String {
    match name {
        "public" => "PUBLIC".to_string(),
        crate::model::privileges::CURRENT_USER => "CURRENT_USER".to_string(),
        _ => quote_ident(name),
    }
}

/// `WITH (a=1, b='x y')` storage options; values that are not plain words
/// are quoted.
pub(crate) fn with_options(options: &indexmap::IndexMap<String, String>) -> String {
    if options.is_empty() {
        return String::new();
    }
    let items: Vec<String> = options
        .iter()
        .map(|(k, v)| {
            let plain = !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-');
            let value = if plain { v.clone() } else { quote_literal(v) };
            format!("{k}={value}")
        })
        .collect();
    format!(" WITH ({})", items.join(", "))
}

/// Parses `schema.table(col, ...)` or `schema.table`.
pub fn parse_table_ref(text: &str) -> Result<(QualifiedName, Vec<String>), PlanError> {
    let err = |message: String| PlanError::Name {
        what: format!("reference `{text}`"),
        message,
    };
    match find_unquoted(text, '(') {
        None => Ok((
            QualifiedName::parse(text.trim(), "public").map_err(err)?,
            vec![],
        )),
        Some(open) => {
            let name = QualifiedName::parse(text[..open].trim(), "public").map_err(err)?;
            let inner = text[open + 1..]
                .trim_end()
                .strip_suffix(')')
                .ok_or_else(|| err("missing final `)`".into()))?;
            let cols = split_list(inner).iter().map(|c| unquote(c)).collect();
            Ok((name, cols))
        }
    }
}

pub(crate) fn parse_name(text: &str, what: &str) -> Result<QualifiedName, PlanError> {
    QualifiedName::parse(text, "public").map_err(|message| PlanError::Name {
        what: what.to_string(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_keys() {
        let k = parse_function_key("public.f(integer, text)").unwrap();
        assert_eq!(k.name, QualifiedName::new("public", "f"));
        assert_eq!(k.args, "integer, text");
        assert_eq!(k.sql(), "public.f(integer, text)");
        let k = parse_function_key("\"a(b\".\"Odd\"()").unwrap();
        assert_eq!(k.name, QualifiedName::new("a(b", "Odd"));
        assert_eq!(k.args, "");
        assert_eq!(k.sql(), "\"a(b\".\"Odd\"()");
        assert!(parse_function_key("public.f").is_err());
        assert!(parse_function_key("public.f(int").is_err());
    }

    #[test]
    fn table_refs() {
        let (n, c) = parse_table_ref("public.users(id, \"Org Id\")").unwrap();
        assert_eq!(n.sql(), "public.users");
        assert_eq!(c, vec!["id", "Org Id"]);
        let (n, c) = parse_table_ref("auth.users").unwrap();
        assert_eq!(n.sql(), "auth.users");
        assert!(c.is_empty());
    }

    #[test]
    fn options_and_lists() {
        let mut o = indexmap::IndexMap::new();
        o.insert("fillfactor".to_string(), "70".to_string());
        o.insert("x".to_string(), "a b".to_string());
        assert_eq!(with_options(&o), " WITH (fillfactor=70, x='a b')");
        assert_eq!(split_list("a, \"b, c\" ,d"), vec!["a", "\"b, c\"", "d"]);
        assert_eq!(quote_dotted("pg_catalog.\"C\""), "pg_catalog.\"C\"");
        assert_eq!(quote_dotted("C"), "\"C\"");
    }
}

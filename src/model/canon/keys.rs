//! Canonical forms of object keys and references to objects.

use super::types::canonical_type;
use crate::model::name::{split_dotted, QualifiedName};

/// `users` -> `public.users`; `"a.b".c` stays quoted.
pub fn relation_key(key: &str) -> Result<QualifiedName, String> {
    QualifiedName::parse(key.trim(), "public")
}

/// Splits `name(args)` at the first parenthesis outside double quotes;
/// `None` for the args when there are no parentheses.
pub fn split_parens(text: &str) -> Result<(&str, Option<&str>), String> {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                let rest = text[i + 1..].trim_end();
                let Some(inner) = rest.strip_suffix(')') else {
                    return Err(format!("`{text}`: missing `)` at the end"));
                };
                return Ok((text[..i].trim_end(), Some(inner)));
            }
            _ => {}
        }
    }
    Ok((text, None))
}

/// Splits on commas outside quotes and parentheses.
pub fn split_commas(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut depth) = (false, 0i32);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() || !out.is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// `f(int4, varchar)` -> `public.f(integer, character varying)`; a key
/// without parentheses means no arguments.
pub fn function_key(key: &str) -> Result<String, String> {
    let (name, args) = split_parens(key.trim())?;
    let name = relation_key(name)?;
    let mut types = Vec::new();
    for arg in split_commas(args.unwrap_or("")) {
        types.push(canonical_type(&arg).map_err(|e| format!("in `{key}`: {e}"))?);
    }
    Ok(format!("{name}({})", types.join(", ")))
}

/// A function reference without arguments (trigger function, aggregate
/// support function): `f`, `f()`, `public.f` -> `public.f`.
pub fn function_ref(text: &str) -> Result<String, String> {
    let (name, args) = split_parens(text.trim())?;
    if args.is_some_and(|a| !a.trim().is_empty()) {
        return Err(format!("`{text}`: name the function without arguments"));
    }
    Ok(relation_key(name)?.to_string())
}

/// An `external` entry: a function key when it has parentheses, else a
/// relation (or type) key.
pub fn external_key(text: &str) -> Result<String, String> {
    if split_parens(text.trim())?.1.is_some() {
        function_key(text)
    } else {
        Ok(relation_key(text)?.to_string())
    }
}

/// A column name as written in a list: plain, or double-quoted.
pub fn column_name(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.starts_with('"') {
        match split_dotted(t)?.as_slice() {
            [one] => Ok(one.clone()),
            _ => Err(format!("`{text}` is not a column name")),
        }
    } else {
        Ok(t.to_string())
    }
}

/// `auth.users(id)` / `users` -> (table, columns; empty when omitted).
pub fn parse_references(text: &str) -> Result<(QualifiedName, Vec<String>), String> {
    let (table, cols) = split_parens(text.trim())?;
    let table = relation_key(table)?;
    let mut columns = Vec::new();
    for c in split_commas(cols.unwrap_or("")) {
        if c.is_empty() {
            return Err(format!("`{text}`: empty column name"));
        }
        columns.push(column_name(&c)?);
    }
    Ok((table, columns))
}

/// `schema.table(col1, col2)`.
pub fn references_text(table: &QualifiedName, columns: &[String]) -> String {
    format!("{table}({})", columns.join(", "))
}

/// `owned_by`: `table.column` or `schema.table.column`.
pub fn owned_by(text: &str) -> Result<(QualifiedName, String), String> {
    let parts = split_dotted(text.trim())?;
    match parts.as_slice() {
        [t, c] => Ok((QualifiedName::new("public", t.clone()), c.clone())),
        [s, t, c] => Ok((QualifiedName::new(s.clone(), t.clone()), c.clone())),
        _ => Err(format!("`{text}`: expected `schema.table.column`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(relation_key("users").unwrap().to_string(), "public.users");
        assert_eq!(
            function_key("auth.uid()").unwrap(),
            "auth.uid()".to_string()
        );
        assert_eq!(
            function_key("f(int4,varchar(3))").unwrap(),
            "public.f(integer, character varying(3))"
        );
        assert_eq!(function_key("f").unwrap(), "public.f()");
        assert_eq!(function_ref("f()").unwrap(), "public.f");
        assert!(function_ref("f(int)").is_err());
        let (t, c) = parse_references("auth.users( id , \"Key\")").unwrap();
        assert_eq!(references_text(&t, &c), "auth.users(id, Key)");
        let (t, c) = parse_references("users").unwrap();
        assert_eq!((t.to_string(), c.len()), ("public.users".into(), 0));
        assert!(parse_references("users(id").is_err());
        assert_eq!(owned_by("t.id").unwrap().0.to_string(), "public.t");
        assert!(owned_by("id").is_err());
    }
}

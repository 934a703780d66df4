//! Names. Object names in the desired-state format are exact strings (no case
//! folding): `public.Users` is the table `"Users"`. A qualified name splits on
//! the first dot outside double quotes; quote a part that itself contains a
//! dot. SQL rendering quotes with PostgreSQL's own rule (`quote_ident`).

use std::fmt;

/// A schema-qualified object name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            schema: schema.into(),
            name: name.into(),
        }
    }

    /// Parses `schema.name`, `name` (schema `default_schema`) or `"a.b"."c"`.
    pub fn parse(text: &str, default_schema: &str) -> Result<Self, String> {
        let parts = split_dotted(text)?;
        match parts.as_slice() {
            [name] => Ok(QualifiedName::new(default_schema, name.clone())),
            [schema, name] => Ok(QualifiedName::new(schema.clone(), name.clone())),
            _ => Err(format!(
                "`{text}` has more than one dot; quote a name that contains a dot"
            )),
        }
    }

    /// The name as SQL: `schema.name`, each part quoted when needed.
    pub fn sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

/// The canonical key form: parts quoted only when they hold a dot, a quote,
/// a parenthesis, or surrounding white space.
impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", key_part(&self.schema), key_part(&self.name))
    }
}

pub fn key_part(part: &str) -> String {
    let plain =
        !part.is_empty() && part.trim() == part && !part.contains(['.', '"', '(', ')', ',']);
    if plain {
        part.to_string()
    } else {
        format!("\"{}\"", part.replace('"', "\"\""))
    }
}

/// Splits `a.b."c.d"` into its parts, removing quotes. Errors on an empty part
/// or an unterminated quote.
pub fn split_dotted(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted_part = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted_part = true;
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cur.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err(format!("unterminated quote in `{text}`")),
                    }
                }
            }
            '.' => {
                if cur.is_empty() && !quoted_part {
                    return Err(format!("empty name part in `{text}`"));
                }
                parts.push(std::mem::take(&mut cur));
                quoted_part = false;
            }
            _ => cur.push(c),
        }
    }
    if cur.is_empty() && !quoted_part {
        return Err(format!("empty name part in `{text}`"));
    }
    parts.push(cur);
    Ok(parts)
}

/// Quotes an identifier for SQL exactly when PostgreSQL's `quote_ident`
/// would: anything but `[a-z_][a-z0-9_$]*`, and keywords that are not
/// unreserved.
pub fn quote_ident(ident: &str) -> String {
    if needs_quotes(ident) {
        format!("\"{}\"", ident.replace('"', "\"\""))
    } else {
        ident.to_string()
    }
}

fn needs_quotes(ident: &str) -> bool {
    let mut chars = ident.chars();
    let safe_start = matches!(chars.next(), Some('a'..='z' | '_'));
    let safe_rest = chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_' | '$'));
    if !(safe_start && safe_rest) {
        return true;
    }
    is_reserved_keyword(ident)
}

/// True for keywords PostgreSQL will not accept as a bare column name
/// (reserved, type/function-name and column-name keywords), asked of
/// PostgreSQL's own scanner.
pub fn is_reserved_keyword(word: &str) -> bool {
    // Every PostgreSQL keyword is letters and underscores: a word with a
    // digit or `$` is none, and most generated names have one.
    if word.bytes().any(|b| b.is_ascii_digit() || b == b'$') {
        return false;
    }
    thread_local! {
        // Rendering asks this of every identifier it writes.
        static KEYWORDS: super::memo::Table<String, bool> = Default::default();
    }
    super::memo::get_or_compute(&KEYWORDS, word, || scanner_keyword(word))
}

/// What PostgreSQL's scanner says of `word` (a word it cannot read counts
/// as a keyword: it is quoted).
fn scanner_keyword(word: &str) -> bool {
    match pg_query::scan(word) {
        Ok(scan) => scan.tokens.first().is_some_and(|t| t.keyword_kind > 1),
        Err(_) => true,
    }
}

/// Quotes a string literal for SQL (`'it''s'`); uses `E''` never.
/// The name PostgreSQL makes of two names and a label (`makeObjectName`):
/// `t_c_not_null`, the longer of the two names cut first so the whole fits
/// in 63 bytes, never inside a character.
pub fn object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let avail = MAX.saturating_sub(label.len() + 2);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    format!("{}_{}_{label}", clip(name1, n1), clip(name2, n2))
}

pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_cut_as_postgresql_cuts_them() {
        assert_eq!(
            object_name("users", "email", "not_null"),
            "users_email_not_null"
        );
        // Read off PostgreSQL 18.
        let name = object_name(&"a".repeat(50), "column_b", "not_null");
        assert_eq!(name, format!("{}_column_b_not_null", "a".repeat(45)));
        let both = object_name(&"x".repeat(60), &"y".repeat(60), "not_null");
        assert_eq!(
            both,
            format!("{}_{}_not_null", "x".repeat(27), "y".repeat(26))
        );
        let wide = object_name(&"é".repeat(31), "c", "not_null");
        assert_eq!(wide, format!("{}_c_not_null", "é".repeat(26)));
    }

    #[test]
    fn quotes_like_postgres() {
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("Users"), "\"Users\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("select"), "\"select\"");
        assert_eq!(quote_ident("name"), "name");
        assert_eq!(quote_ident("bıgınt"), "\"bıgınt\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("1abc"), "\"1abc\"");
        assert_eq!(quote_ident("event_07116"), "event_07116");
        assert_eq!(quote_ident("a$b"), "a$b");
    }

    #[test]
    fn a_word_with_a_digit_or_dollar_is_no_keyword_to_the_scanner_either() {
        for word in ["select1", "user2", "table_3", "a$b", "order$"] {
            assert!(!scanner_keyword(word), "{word}");
            assert!(!is_reserved_keyword(word), "{word}");
        }
    }

    #[test]
    fn parses_qualified_names() {
        let q = QualifiedName::parse("auth.users", "public").unwrap();
        assert_eq!(q, QualifiedName::new("auth", "users"));
        let q = QualifiedName::parse("users", "public").unwrap();
        assert_eq!(q.to_string(), "public.users");
        let q = QualifiedName::parse("\"my.schema\".\"T\"\"x\"", "public").unwrap();
        assert_eq!(q, QualifiedName::new("my.schema", "T\"x"));
        assert_eq!(
            q.to_string(),
            "\"my.schema\".T\"x\"".replace("T\"x\"", "\"T\"\"x\"")
        );
        assert!(QualifiedName::parse("a.b.c", "public").is_err());
        assert!(QualifiedName::parse("a.", "public").is_err());
        assert!(QualifiedName::parse("\"abc", "public").is_err());
    }
}

//! A small reading of SQL text into words and symbols, passing over
//! strings, quoted names, dollar-quoted bodies and comments: enough to
//! find where statements may end (`split`) without PostgreSQL's scanner.
//! It never decides alone: what it finds is checked by PostgreSQL's
//! parser. Text it cannot follow (an `E'...'` string, whose backslashes may
//! escape quotes, or one left open) ends it with `Token::Unreadable`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token<'a> {
    /// A keyword, name or number.
    Word(&'a str),
    /// Any other character outside strings and comments, and its offset.
    Symbol(u8, usize),
    Unreadable,
}

pub(super) struct Tokens<'a> {
    text: &'a str,
    at: usize,
    done: bool,
}

pub(super) fn tokens(text: &str) -> Tokens<'_> {
    Tokens {
        text,
        at: 0,
        done: false,
    }
}

fn starts_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.done {
            return None;
        }
        let b = self.text.as_bytes();
        loop {
            let i = skip_blank(b, self.at);
            let Some(&c) = b.get(i) else {
                self.done = true;
                return None;
            };
            let passed = match c {
                b'\'' | b'"' => past_quoted(b, i, c),
                b'$' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => past_dollar_quoted(b, i),
                c if starts_word(c) => {
                    let mut end = i + 1;
                    // `$` may follow a name's first character (`a$b`).
                    while end < b.len() && (starts_word(b[end]) || b[end] == b'$') {
                        end += 1;
                    }
                    self.at = end;
                    let word = &self.text[i..end];
                    if word.eq_ignore_ascii_case("e") && b.get(end) == Some(&b'\'') {
                        self.done = true;
                        return Some(Token::Unreadable);
                    }
                    return Some(Token::Word(word));
                }
                _ => {
                    self.at = i + 1;
                    return Some(Token::Symbol(c, i));
                }
            };
            match passed {
                Some(Some(next)) => self.at = next,
                // `$` that opens no dollar-quoted string.
                Some(None) => {
                    self.at = i + 1;
                    return Some(Token::Symbol(c, i));
                }
                None => {
                    self.done = true;
                    return Some(Token::Unreadable);
                }
            }
        }
    }
}

/// Past whitespace and `--` / `/* */` comments (nested, as PostgreSQL's).
pub(super) fn skip_blank(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"--") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i = past_block_comment(b, i);
        } else {
            return i;
        }
    }
}

fn past_block_comment(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past a `'...'` string or `"..."` name (the quote doubled inside);
/// `Some(None)` never, `None` when it is left open.
fn past_quoted(b: &[u8], mut i: usize, q: u8) -> Option<Option<usize>> {
    i += 1;
    loop {
        let at = i + b.get(i..)?.iter().position(|&c| c == q)?;
        if b.get(at + 1) == Some(&q) {
            i = at + 2;
        } else {
            return Some(Some(at + 1));
        }
    }
}

/// Past `$tag$...$tag$`; `Some(None)` for a `$` that opens no such string,
/// `None` for one left open.
fn past_dollar_quoted(b: &[u8], i: usize) -> Option<Option<usize>> {
    let tag_len = b[i + 1..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80));
    let Some(tag_len) = tag_len else {
        return Some(None);
    };
    let end_of_tag = i + 1 + tag_len;
    if b.get(end_of_tag) != Some(&b'$') {
        return Some(None);
    }
    let tag = &b[i..=end_of_tag];
    let body = end_of_tag + 1;
    let close = b.get(body..)?.windows(tag.len()).position(|w| w == tag)?;
    Some(Some(body + close + tag.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Token<'_>> {
        tokens(text).collect()
    }

    #[test]
    fn strings_names_bodies_and_comments_are_passed_over() {
        use Token::*;
        assert_eq!(
            all("CREATE TABLE \"a;b\" (x text DEFAULT 'it''s; -- no') -- c;\n/* d; /* e; */ */;"),
            vec![
                Word("CREATE"),
                Word("TABLE"),
                Symbol(b'(', 19),
                Word("x"),
                Word("text"),
                Word("DEFAULT"),
                Symbol(b')', 49),
                Symbol(b';', 74),
            ]
        );
        assert_eq!(
            all("AS $f$ a; $$ b; $f$; SELECT $1, a$b$c"),
            vec![
                Word("AS"),
                Symbol(b';', 19),
                Word("SELECT"),
                Symbol(b'$', 28),
                Word("1"),
                Symbol(b',', 30),
                Word("a$b$c")
            ]
        );
        assert_eq!(all("SELECT E'\\''; x"), vec![Word("SELECT"), Unreadable]);
        assert_eq!(all("SELECT 'open; x"), vec![Word("SELECT"), Unreadable]);
        assert_eq!(all("SELECT $q$ open;"), vec![Word("SELECT"), Unreadable]);
    }
}

//! Keeping passwords out of anything printed: DSN redaction, the check that
//! refuses a DSN libpq would read differently than it was meant (and then
//! echo part of its password), and [`clean`], the filter every message the
//! program prints goes through.

use std::sync::Mutex;

/// Passwords the user gave this process, in every spelling (see
/// [`remember`]).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registered secrets shorter than this are left to the structural
/// redaction: replacing two letters everywhere would garble every message.
const MIN_SECRET: usize = 3;

/// The DSN with its password replaced by `***`. Handles URLs (a password
/// after the user name, or a `password` query parameter) and `key=value`
/// strings. A URL libpq would split differently than it reads (a raw `@`,
/// `/` or `?` in the password) keeps only what follows its last `@`.
pub fn redact(dsn: &str) -> String {
    match url_parts(dsn) {
        Some(parts) if parts.ambiguous => {
            let tail = dsn.rfind('@').map_or("", |at| &dsn[at..]);
            format!("{}***{tail}", &dsn[..parts.scheme_end])
        }
        Some(parts) => redact_url(dsn, &parts),
        None => redact_key_value(dsn),
    }
}

/// `message` with every form of the DSN's password (raw and decoded) and the
/// DSN itself replaced, and whatever else [`clean`] takes out.
pub fn scrub(message: &str, dsn: &str) -> String {
    let mut out = message.replace(dsn, &redact(dsn));
    let mut secrets = passwords(dsn);
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), "***");
    }
    clean(&out)
}

/// Refuses a DSN whose password libpq would read only in part, so that its
/// error shows the rest (a password holding an unencoded `@` is cut at it,
/// and what follows is taken for the host), and a `key=value` string with a word that
/// is no `key=value` (an unquoted space in a value: libpq echoes the word).
/// The message never holds the DSN.
pub fn check(dsn: &str) -> Result<(), String> {
    match url_parts(dsn) {
        Some(parts) if parts.ambiguous => Err(
            "the connection URL is ambiguous: an `@`, `/` or `?` in the user name or password \
             must be percent-encoded (`@` as %40, `/` as %2F, `?` as %3F); the URL is not shown"
                .into(),
        ),
        Some(_) => Ok(()),
        None if !every_word_has_a_key(dsn) => Err(
            "the connection string has a word that is not `key=value`: quote a value that holds \
             spaces, as in key='a b'; the string is not shown"
                .into(),
        ),
        None => Ok(()),
    }
}

/// Remembers every password that `text` (an argument, an environment or
/// configuration value) holds in a DSN, URL or `key=value`, so that
/// [`clean`] takes it out of whatever the program prints later.
pub fn remember(text: &str) {
    let mut found: Vec<String> = urls_in(text)
        .into_iter()
        .flat_map(|(s, e)| passwords(&text[s..e]))
        .collect();
    if let Some((s, e)) = key_value_password(text) {
        found.extend(spellings(&text[s..e]));
    }
    add(found);
}

/// Remembers a password given on its own (`$PGPASSWORD`).
pub fn remember_password(secret: &str) {
    add(spellings(secret));
}

fn add(found: Vec<String>) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    for s in found {
        if s.len() >= MIN_SECRET && !secrets.contains(&s) {
            secrets.push(s);
        }
    }
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
}

/// `text` as it may be printed: every remembered password replaced by
/// `***`, and the password of every DSN in it (a URL, or a `password=`
/// key) redacted.
pub fn clean(text: &str) -> String {
    let mut out = text.to_string();
    for secret in SECRETS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    let urls = urls_in(&out);
    if !urls.is_empty() {
        let mut redacted = String::with_capacity(out.len());
        let mut last = 0;
        for (s, e) in urls {
            redacted.push_str(&out[last..s]);
            redacted.push_str(&redact(&out[s..e]));
            last = e;
        }
        redacted.push_str(&out[last..]);
        out = redacted;
    }
    mask_password_keys(&out)
}

/// Byte ranges of the `postgres://` and `postgresql://` URLs in `text`,
/// each up to white space or a quote.
fn urls_in(text: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("postgres") {
        let start = from + i;
        let rest = &text[start..];
        if rest.starts_with("postgres://") || rest.starts_with("postgresql://") {
            let len = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '\'' | '"' | '`' | '<' | '>'))
                .unwrap_or(rest.len());
            found.push((start, start + len));
            from = start + len;
        } else {
            from = start + "postgres".len();
        }
    }
    found
}

/// Every `password = value` in `text` (a `key=value` DSN, or a message
/// quoting one) with its value masked.
fn mask_password_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("password") {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + "password".len()..];
        let eq = after.trim_start();
        let is_key =
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && eq.starts_with('=');
        if !is_key {
            out.push_str(&rest[..i + "password".len()]);
            rest = after;
            continue;
        }
        let value = eq[1..].trim_start();
        let value_at = rest.len() - value.len();
        // A URL's query parameter the URL pass has masked already.
        let end = match value.starts_with("***") {
            true => 3,
            false => value_end(value),
        };
        out.push_str(&rest[..value_at]);
        out.push_str(if end == 0 { "" } else { "***" });
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// Where a `key=value` value ends: a quoted one at its closing quote, a
/// bare one as [`bare_end`] says.
fn value_end(value: &str) -> usize {
    let bytes = value.as_bytes();
    if bytes.first() == Some(&b'\'') {
        let mut i = 1;
        while i < bytes.len() && bytes[i] != b'\'' {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        return (i + 1).min(bytes.len());
    }
    bare_end(value)
}

/// Where a bare value ends: at white space (a `\\` escapes it), then over
/// the following words that hold no `=` nor a quote: libpq would read them
/// as broken keys, but they are the rest of a value with an unquoted space.
fn bare_end(value: &str) -> usize {
    let bytes = value.as_bytes();
    let word = |mut i: usize| {
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += if bytes[i] == b'\\' { 2 } else { 1 };
        }
        i.min(bytes.len())
    };
    let mut end = word(0);
    loop {
        let gap = value[end..].len() - value[end..].trim_start().len();
        if gap == 0 || end + gap >= bytes.len() {
            return end;
        }
        let start = end + gap;
        let stop = word(start);
        // A key, in `key=value` or `key = value`.
        let key = value[stop..].trim_start().starts_with('=');
        if stop == start || key || value[start..stop].contains(['=', '\'', '"', '`']) {
            return end;
        }
        end = stop;
    }
}

/// Byte ranges of a URL DSN, as libpq reads it.
struct UrlParts {
    scheme_end: usize,
    password: Option<(usize, usize)>,
    query_start: Option<usize>,
    /// libpq would take the user name, password or host from elsewhere
    /// than a reader would: a raw `@` past the first, a `?` before the `@`,
    /// or an `@` in the path (a raw `/` in the password).
    ambiguous: bool,
}

fn url_parts(dsn: &str) -> Option<UrlParts> {
    let scheme_end = ["postgresql://", "postgres://"]
        .iter()
        .find(|p| dsn.starts_with(*p))
        .map(|p| p.len())?;
    let rest = &dsn[scheme_end..];
    // libpq looks for the user's `@` up to the first `/` only.
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let at = authority.find('@');
    let after_user = at.map_or(0, |a| a + 1);
    let query_start = rest[after_user..]
        .find('?')
        .map(|q| scheme_end + after_user + q);
    let path = &rest[authority.len()..query_start.map_or(rest.len(), |q| q - scheme_end)];
    let ambiguous = authority.matches('@').count() > 1
        || at.is_some_and(|a| authority[..a].contains('?'))
        || (at.is_none() && path.contains('@'));
    let password = at.and_then(|at| {
        rest[..at]
            .find(':')
            .map(|c| (scheme_end + c + 1, scheme_end + at))
    });
    Some(UrlParts {
        scheme_end,
        password,
        query_start,
        ambiguous,
    })
}

fn redact_url(dsn: &str, parts: &UrlParts) -> String {
    let mut out = String::with_capacity(dsn.len());
    let (auth, query) = match parts.query_start {
        Some(q) => (&dsn[..q], Some(&dsn[q + 1..])),
        None => (dsn, None),
    };
    match parts.password {
        Some((start, end)) => {
            out.push_str(&auth[..start]);
            out.push_str("***");
            out.push_str(&auth[end..]);
        }
        None => out.push_str(auth),
    }
    if let Some(query) = query {
        out.push('?');
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if percent_decode(k) == "password" => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out.push_str(&params.join("&"));
    }
    out
}

/// Whether every word of a libpq connection string is `key=value` (a
/// bare value ends at white space, as libpq reads it).
fn every_word_has_a_key(dsn: &str) -> bool {
    let bytes = dsn.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return true;
        }
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            return false;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let quoted = i < bytes.len() && bytes[i] == b'\'';
        if quoted {
            i += 1;
        }
        while i < bytes.len() {
            if bytes[i] == b'\\' {
                i += 2;
                continue;
            }
            if (quoted && bytes[i] == b'\'') || (!quoted && bytes[i].is_ascii_whitespace()) {
                break;
            }
            i += 1;
        }
        if quoted {
            i += 1;
        }
    }
}

/// Finds `name = value` in a libpq `key=value` string, as the byte range
/// of its value (see [`value_end`]). A word with no `=` is skipped. `None`
/// when the key is absent.
fn key_value_param(dsn: &str, name: &str) -> Option<(usize, usize)> {
    let bytes = dsn.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &dsn[key_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        i = value_start + value_end(&dsn[value_start..]);
        if key == name {
            return Some((value_start, i));
        }
    }
    None
}

fn key_value_password(dsn: &str) -> Option<(usize, usize)> {
    key_value_param(dsn, "password")
}

/// Whether the DSN (URL or `key=value`) sets libpq's parameter `key`: a
/// key of its own, not text that merely contains the name (a password may).
pub fn sets_param(dsn: &str, key: &str) -> bool {
    match url_parts(dsn) {
        Some(parts) => parts.query_start.is_some_and(|q| {
            dsn[q + 1..]
                .split('&')
                .any(|p| percent_decode(p.split_once('=').map_or(p, |(k, _)| k)) == key)
        }),
        None => key_value_param(dsn, key).is_some(),
    }
}

fn redact_key_value(dsn: &str) -> String {
    match key_value_password(dsn) {
        Some((start, end)) => format!("{}***{}", &dsn[..start], &dsn[end..]),
        None => dsn.to_string(),
    }
}

/// A password as written, percent-decoded, and unquoted.
fn spellings(raw: &str) -> Vec<String> {
    vec![
        raw.to_string(),
        percent_decode(raw),
        raw.trim_matches('\'').replace("\\'", "'"),
    ]
}

/// Every spelling of the password a message might echo.
fn passwords(dsn: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(parts) = url_parts(dsn) {
        if parts.ambiguous {
            // All that could be the password: from the user's `:` to the
            // last `@`.
            let rest = &dsn[parts.scheme_end..];
            if let Some(at) = rest.rfind('@') {
                let start = rest[..at].find(':').map_or(0, |c| c + 1);
                found.extend(spellings(&rest[start..at]));
            }
        } else if let Some((s, e)) = parts.password {
            found.extend(spellings(&dsn[s..e]));
        }
        if let Some(q) = parts.query_start {
            for p in dsn[q + 1..].split('&') {
                if let Some((k, v)) = p.split_once('=') {
                    if percent_decode(k) == "password" {
                        found.extend(spellings(v));
                    }
                }
            }
        }
    } else if let Some((s, e)) = key_value_password(dsn) {
        found.extend(spellings(&dsn[s..e]));
    }
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

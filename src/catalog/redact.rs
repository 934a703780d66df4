//! Keeping passwords out of anything printed: DSN redaction and scrubbing
//! of libpq error messages.

/// The DSN with its password replaced by `***`. Handles URLs (a password
/// after the user name, or a `password` query parameter) and `key=value`
/// strings.
pub fn redact(dsn: &str) -> String {
    match url_parts(dsn) {
        Some(parts) => redact_url(dsn, &parts),
        None => redact_key_value(dsn),
    }
}

/// `message` with every form of the DSN's password (raw and decoded) and the
/// DSN itself replaced.
pub fn scrub(message: &str, dsn: &str) -> String {
    let mut out = message.replace(dsn, &redact(dsn));
    let mut secrets = passwords(dsn);
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(secret.as_str(), "***");
    }
    out
}

/// Byte ranges of a URL DSN: the password inside the authority, if any.
struct UrlParts {
    password: Option<(usize, usize)>,
    query_start: Option<usize>,
}

fn url_parts(dsn: &str) -> Option<UrlParts> {
    let scheme_end = ["postgresql://", "postgres://"]
        .iter()
        .find(|p| dsn.starts_with(*p))
        .map(|p| p.len())?;
    let rest = &dsn[scheme_end..];
    let query_start = rest.find('?').map(|q| q + scheme_end);
    let before_query = &rest[..rest.find('?').unwrap_or(rest.len())];
    // The userinfo ends at the last '@' before the path; a raw '/' in a
    // password is tolerated by taking the last '@' before the query.
    let authority_end = before_query.find('/').unwrap_or(before_query.len());
    let at = before_query[..authority_end]
        .rfind('@')
        .or_else(|| before_query.rfind('@'));
    let password = at.and_then(|at| {
        let userinfo = &rest[..at];
        userinfo
            .find(':')
            .map(|c| (scheme_end + c + 1, scheme_end + at))
    });
    Some(UrlParts {
        password,
        query_start,
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

/// Finds `name = value` in a libpq `key=value` string, as the byte range
/// of its value: bare (up to white space) or single-quoted with `\`
/// escapes. `None` when the key is absent or the string is malformed.
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
            return None;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let value_start = i;
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = i.min(bytes.len());
        }
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

/// Every spelling of the password a message might echo.
fn passwords(dsn: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut add = |raw: &str| {
        found.push(raw.to_string());
        found.push(percent_decode(raw));
        let unquoted = raw.trim_matches('\'').replace("\\'", "'");
        found.push(unquoted);
    };
    if let Some(parts) = url_parts(dsn) {
        if let Some((s, e)) = parts.password {
            add(&dsn[s..e]);
        }
        if let Some(q) = parts.query_start {
            for p in dsn[q + 1..].split('&') {
                if let Some((k, v)) = p.split_once('=') {
                    if percent_decode(k) == "password" {
                        add(v);
                    }
                }
            }
        }
    } else if let Some((s, e)) = key_value_password(dsn) {
        add(&dsn[s..e]);
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

//! The text of a statement's parts as the user wrote them. PostgreSQL's
//! parse tree knows where a node starts, not where it ends; the scanner's
//! tokens and the grammar's delimiters tell the rest. A slice is kept only
//! when it parses to the same expression as the node; otherwise the
//! node's deparsed form is used.

use pg_query::protobuf::{self, node::Node as N, Node, ScanToken, Token};

/// The scanned tokens of one file.
pub struct Tokens {
    pub list: Vec<ScanToken>,
}

impl Tokens {
    pub fn scan(text: &str) -> Tokens {
        Tokens {
            list: pg_query::scan_tokens(text).unwrap_or_default(),
        }
    }

    /// Index of the first token starting at or after `at`.
    pub fn at(&self, at: usize) -> usize {
        self.list.partition_point(|t| (t.start as usize) < at)
    }

    pub fn kind(&self, i: usize) -> Option<Token> {
        self.list.get(i).and_then(|t| Token::try_from(t.token).ok())
    }

    fn start(&self, i: usize) -> usize {
        self.list[i].start as usize
    }

    fn end(&self, i: usize) -> usize {
        self.list[i].end as usize
    }

    /// The index of the last token of kind `k` in `from..to` (token indexes).
    pub fn last_of(&self, k: Token, from: usize, to: usize) -> Option<usize> {
        (from..to.min(self.list.len()))
            .rev()
            .find(|&i| self.kind(i) == Some(k))
    }

    /// The first token of kind `k` at depth 0 in `from..to`.
    pub fn first_of(&self, k: Token, from: usize, to: usize) -> Option<usize> {
        let mut depth = 0i32;
        for i in from..to.min(self.list.len()) {
            let t = self.kind(i);
            if depth == 0 && t == Some(k) {
                return Some(i);
            }
            depth += delta(t);
        }
        None
    }

    /// The token closing the parenthesis opened at `open`.
    pub fn closing(&self, open: usize) -> Option<usize> {
        let mut depth = 0i32;
        for i in open..self.list.len() {
            depth += delta(self.kind(i));
            if depth == 0 {
                return Some(i);
            }
        }
        None
    }

    /// Text from token `from` up to, not including, the first token at
    /// depth 0 in `from..to` that is one of `stops` (or a closing
    /// parenthesis of an enclosing level).
    pub fn until(&self, text: &str, from: usize, to: usize, stops: &[Token]) -> Option<String> {
        let to = to.min(self.list.len());
        if from >= to {
            return None;
        }
        let mut depth = 0i32;
        let mut last = None;
        for i in from..to {
            let t = self.kind(i);
            if depth == 0 && (t.is_some_and(|t| stops.contains(&t)) || t == Some(Token::Ascii41)) {
                break;
            }
            depth += delta(t);
            if depth < 0 {
                break;
            }
            last = Some(i);
        }
        let last = last?;
        Some(text[self.start(from)..self.end(last)].to_string())
    }

    /// Text strictly inside the parenthesis that opens at or after token
    /// `from` (before `to`).
    pub fn in_parens(&self, text: &str, from: usize, to: usize) -> Option<String> {
        let open = self.first_of(Token::Ascii40, from, to)?;
        let close = self.closing(open)?;
        (close > open + 1).then(|| text[self.end(open)..self.start(close)].to_string())
    }

    /// Text of tokens `from..=last`.
    pub fn span(&self, text: &str, from: usize, last: usize) -> Option<String> {
        (from <= last && last < self.list.len())
            .then(|| text[self.start(from)..self.end(last)].to_string())
    }
}

/// How a token changes the nesting depth: parentheses, brackets and
/// CASE ... END.
fn delta(t: Option<Token>) -> i32 {
    match t {
        Some(Token::Ascii40 | Token::Ascii91 | Token::Case) => 1,
        Some(Token::Ascii41 | Token::Ascii93 | Token::EndP) => -1,
        _ => 0,
    }
}

/// The smallest `location` in a node's tree (where its text starts, or
/// near it), if any.
pub fn first_location(node: &Node) -> Option<usize> {
    let v = serde_json::to_value(node).ok()?;
    let mut best: Option<i64> = None;
    walk(&v, &mut best);
    best.and_then(|b| usize::try_from(b).ok())
}

fn walk(v: &serde_json::Value, best: &mut Option<i64>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "location" {
                    if let Some(n) = x.as_i64().filter(|n| *n >= 0) {
                        *best = Some(best.map_or(n, |b| b.min(n)));
                    }
                } else {
                    walk(x, best);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, best)),
        _ => {}
    }
}

/// `SELECT <node>` deparsed, without the `SELECT `.
pub fn deparse_expr(node: &Node) -> Option<String> {
    let target = Node {
        node: Some(N::ResTarget(Box::new(protobuf::ResTarget {
            val: Some(Box::new(node.clone())),
            ..Default::default()
        }))),
    };
    let select = N::SelectStmt(Box::new(protobuf::SelectStmt {
        target_list: vec![target],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    }));
    let sql = select.deparse(Default::default()).ok()?;
    sql.strip_prefix("SELECT ").map(str::to_string)
}

/// The expression `node` as written, when `written` holds it exactly
/// (parses to the same tree), else deparsed.
pub fn expr_text(node: &Node, written: Option<String>) -> String {
    let deparsed = deparse_expr(node);
    if let Some(w) = written {
        let w = w.trim().to_string();
        let same = match &deparsed {
            Some(d) => crate::model::expr::equivalent(&w, d),
            None => crate::model::expr::canonical(&w).is_ok(),
        };
        if same && !w.is_empty() {
            return w;
        }
    }
    deparsed.unwrap_or_default()
}

/// 1-based line and column of byte `at` of `text` (columns in characters).
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// `text` with pg_dump's `\\restrict KEY` and `\\unrestrict KEY` lines
/// blanked. Recent pg_dump writes them around its output: psql commands
/// that guard the restore, not SQL, and nothing the schema declares.
/// Blanked rather than removed, so every byte keeps its line and column.
pub fn without_dump_guards(text: &str) -> std::borrow::Cow<'_, str> {
    let guard = |line: &str| {
        let line = line.trim_end();
        let word = line.split_once(' ').map_or(line, |(w, _)| w);
        matches!(word, "\\restrict" | "\\unrestrict")
    };
    if !text.split('\n').any(guard) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if guard(line) {
            for c in line.chars() {
                match c {
                    '\n' | '\r' => out.push(c),
                    _ => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
                }
            }
        } else {
            out.push_str(line);
        }
    }
    out.into()
}

/// The byte of the first line that starts with a backslash.
pub fn psql_command_at(text: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let lead = line.len() - line.trim_start().len();
        if line[lead..].starts_with('\\') {
            return Some(at + lead);
        }
        at += line.len();
    }
    None
}

/// Where a text that does not parse fails: the byte of the statement's
/// bad token (or its start) and PostgreSQL's message.
pub fn syntax_error_at(text: &str, whole: &str) -> (usize, String) {
    // An unterminated string or comment stops the scanner too: its token
    // is the rest of the file, found where it starts.
    let Ok(pieces) = pg_query::split_with_scanner(text) else {
        let at = near(whole).and_then(|tok| text.find(tok.as_str()));
        return (at.unwrap_or(0), short(whole));
    };
    for piece in pieces {
        let start = (piece.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        if let Err(e) = pg_query::parse(piece, 0) {
            let msg = match e {
                pg_query::Error::Parse(m) => m,
                other => other.to_string(),
            };
            let lead = piece.len() - piece.trim_start().len();
            let at = if msg.ends_with("at end of input") {
                Some(piece.trim_end().len())
            } else {
                near(&msg).and_then(|tok| piece.find(tok.as_str()))
            };
            return (start + at.unwrap_or(lead), short(&msg));
        }
    }
    (0, short(whole))
}

/// `message` with its `at or near "X"` cut to X's first line.
fn short(message: &str) -> String {
    match (message.split_once("at or near \""), near(message)) {
        (Some((head, _)), Some(tok)) if tok.contains('\n') => {
            let first = tok.lines().next().unwrap_or_default();
            format!("{head}at or near \"{first}...\"")
        }
        _ => message.to_string(),
    }
}

/// The token of `... at or near "X"`.
fn near(message: &str) -> Option<String> {
    let rest = message.split("at or near \"").nth(1)?;
    Some(rest.rsplit_once('"')?.0.to_string())
}

/// `(x)` -> `x`, when the parentheses enclose the whole expression (what a
/// renderer adds around an index predicate).
pub fn strip_parens(text: String) -> String {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        if let (Ok(a), Ok(b)) = (
            crate::model::expr::canonical(inner),
            crate::model::expr::canonical(t),
        ) {
            if a == b {
                return inner.trim().to_string();
            }
        }
    }
    text
}

/// The name PostgreSQL makes of a name, another (which may be empty) and
/// a label: `t_c_check`, or `t_check` without a column.
pub fn pg_name(name1: &str, name2: &str, label: &str) -> String {
    if !name2.is_empty() {
        return crate::model::name::object_name(name1, name2, label);
    }
    let mut n = name1.len().min(63usize.saturating_sub(label.len() + 1));
    while !name1.is_char_boundary(n) {
        n -= 1;
    }
    format!("{}_{label}", &name1[..n])
}

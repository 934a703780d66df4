//! Splitting a SQL file into statements with PostgreSQL's own grammar
//! (pg_query), and classifying, from the same parse, the statements that
//! cannot run inside a transaction block or cannot run at all.

use pg_query::protobuf::TransactionStmtKind;
use pg_query::NodeEnum;

/// One statement of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The exact text, without the final `;`.
    pub sql: String,
    /// 1-based line of the statement's first token.
    pub line: usize,
    /// Why it cannot run inside a transaction block, if it cannot.
    pub outside_transaction: Option<&'static str>,
    /// Whether the server reports a row count for it (DML, SELECT, ...);
    /// the rest is run without asking for one.
    pub counts_rows: bool,
}

/// Statements whose command tag carries a row count (PQcmdTuples), and
/// those that may run one (EXECUTE, EXPLAIN ANALYZE): what the report's
/// `rows` shows.
fn has_row_count(node: &NodeEnum) -> bool {
    matches!(
        node,
        NodeEnum::InsertStmt(_)
            | NodeEnum::UpdateStmt(_)
            | NodeEnum::DeleteStmt(_)
            | NodeEnum::MergeStmt(_)
            | NodeEnum::SelectStmt(_)
            | NodeEnum::CreateTableAsStmt(_)
            | NodeEnum::FetchStmt(_)
            | NodeEnum::CopyStmt(_)
            | NodeEnum::ExecuteStmt(_)
            | NodeEnum::ExplainStmt(_)
    )
}

/// A file that cannot be run: the line and PostgreSQL's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    pub line: usize,
    pub message: String,
}

/// Splits `text` into statements; refuses text that does not parse, and
/// statements the runner cannot send (transaction control, COPY from or to
/// the client).
pub fn split(text: &str) -> Result<Vec<Statement>, SplitError> {
    if let Some(at) = text.find('\0') {
        return Err(SplitError {
            line: line_of(text, at),
            message: "the file holds a NUL byte".into(),
        });
    }
    let pieces = match pieces(text) {
        Ok(p) => p,
        Err(e) => return Err(locate_error(text, &message(&e))),
    };
    // Pieces come in file order: count newlines from the previous piece on,
    // not from the top each time (quadratic on an 18 000-statement file).
    let (mut seen, mut line) = (0, 1);
    let mut out = Vec::with_capacity(pieces.len());
    for Piece { text: piece, class } in pieces {
        let start = offset(text, piece) + leading_noise(piece);
        if start >= seen {
            line += newlines(&text.as_bytes()[seen..start.min(text.len())]);
            seen = start.min(text.len());
        } else {
            line = line_of(text, start);
            seen = start;
        }
        let (outside_transaction, counts_rows) = class.map_err(|why| SplitError {
            line,
            message: why.into(),
        })?;
        out.push(Statement {
            sql: piece.trim_end().to_string(),
            line,
            outside_transaction,
            counts_rows,
        });
    }
    Ok(out)
}

/// One statement as the parser cut it, with its class: why it cannot run
/// inside a transaction block (if it cannot) and whether it counts rows,
/// or why the runner refuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece<'a> {
    text: &'a str,
    class: Result<(Option<&'static str>, bool), &'static str>,
}

/// The statements of `text`, cut and classed from one parse of it.
fn parsed(text: &str) -> Result<Vec<Piece<'_>>, pg_query::Error> {
    let tree = pg_query::parse(text, 0)?;
    let mut out = Vec::with_capacity(tree.protobuf.stmts.len());
    for raw in &tree.protobuf.stmts {
        let start = usize::try_from(raw.stmt_location)
            .unwrap_or(0)
            .min(text.len());
        // A length of 0 runs to the end of the text.
        let end = match usize::try_from(raw.stmt_len).unwrap_or(0) {
            0 => text.len(),
            n => (start + n).min(text.len()),
        };
        let node = raw.stmt.as_ref().and_then(|n| n.node.as_ref());
        let class = match node.and_then(refused) {
            Some(why) => Err(why),
            None => Ok((
                node.and_then(outside_transaction),
                node.is_none_or(has_row_count),
            )),
        };
        out.push(Piece {
            text: &text[start..end],
            class,
        });
    }
    Ok(out)
}

/// Text handed to the parser at a time (see `pieces`). A decoded tree is
/// many times its text, and small ones are also quicker to make and drop.
const SEGMENT: usize = 1 << 13;

/// The statements of `text` as PostgreSQL's parser cuts and reads them.
/// The parser holds the tree of all it is given until it returns: 335 MB
/// for the 28 MB first migration of 10 000 tables. So a long text goes to
/// it a segment at a time, each statement classed while its tree is
/// there. A segment ends where the scanner ends a statement; one that does
/// not parse is extended to the next such end, so a statement whose body
/// holds `;` (BEGIN ATOMIC, a rule's actions) stays whole. A prefix of such
/// a statement never parses (it lacks its END or a closing parenthesis),
/// so each segment starts where a statement starts. When that fails (a
/// syntax error) or the scanner cannot read the text, the whole text goes
/// to the parser, which gives the usual error.
fn pieces(text: &str) -> Result<Vec<Piece<'_>>, pg_query::Error> {
    pieces_by(text, SEGMENT)
}

fn pieces_by(text: &str, segment: usize) -> Result<Vec<Piece<'_>>, pg_query::Error> {
    if text.len() <= segment {
        return parsed(text);
    }
    let Some(mut cuts) = lex_cuts(text).or_else(|| scan_cuts(text, segment)) else {
        return parsed(text);
    };
    cuts.push(text.len());
    let mut out = Vec::new();
    let (mut from, mut next) = (0, 0);
    while from < text.len() {
        let mut j = next;
        while j + 1 < cuts.len() && cuts[j] < from + segment {
            j += 1;
        }
        let mut extended = 0;
        loop {
            match parsed(&text[from..cuts[j]]) {
                Ok(p) => {
                    out.extend(p);
                    from = cuts[j];
                    next = j + 1;
                    break;
                }
                Err(_) if j + 1 < cuts.len() && extended < 64 => {
                    j += 1;
                    extended += 1;
                }
                Err(_) => return parsed(text),
            }
        }
    }
    Ok(out)
}

/// Where statements may end in `text` (after each `;` outside strings and
/// comments, the end left out), as `lex` reads it: a tenth of the time
/// PostgreSQL's scanner takes (`scan_cuts`), which is used when `lex`
/// cannot follow the text. A cut it got wrong would sit inside a string,
/// quoted name, comment or body, and the text up to it does not parse, so
/// `pieces_by` goes on to the next cut.
fn lex_cuts(text: &str) -> Option<Vec<usize>> {
    let mut cuts = Vec::new();
    for t in super::lex::tokens(text) {
        match t {
            super::lex::Token::Unreadable => return None,
            super::lex::Token::Symbol(b';', at) if at + 1 < text.len() => cuts.push(at + 1),
            _ => {}
        }
    }
    Some(cuts)
}

/// Where the scanner starts statements in `text` (0 and the end left
/// out), read a window at a time: the scanner too holds all it is given,
/// 81 MB for 28 MB of text. After a `;` the scanner is in its first state,
/// so a window that starts where a statement starts reads every token
/// before its last as the whole text would. The start of a window's last
/// piece is where the next window starts; a window that ends inside a
/// quoted string or comment (it does not scan), or holds one piece only,
/// is doubled. `None` when the text does not scan.
fn scan_cuts(text: &str, segment: usize) -> Option<Vec<usize>> {
    let mut cuts = Vec::new();
    let (mut from, mut size) = (0, segment);
    while from < text.len() {
        let mut end = (from + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let last = end == text.len();
        let window = &text[from..end];
        let starts: Vec<usize> = match pg_query::split_with_scanner(window) {
            Ok(pieces) => pieces
                .iter()
                .map(|p| from + offset(window, p))
                .filter(|&c| c > from && c < text.len())
                .collect(),
            Err(_) if !last => {
                size *= 2;
                continue;
            }
            Err(_) => return None,
        };
        if last {
            cuts.extend(starts);
            break;
        }
        match starts.last() {
            Some(&next) => {
                cuts.extend(starts);
                from = next;
                size = segment;
            }
            None => size *= 2,
        }
    }
    Some(cuts)
}

fn message(e: &pg_query::Error) -> String {
    match e {
        pg_query::Error::Parse(m) | pg_query::Error::Split(m) | pg_query::Error::Scan(m) => {
            m.clone()
        }
        other => other.to_string(),
    }
}

/// Byte offset of `piece` inside `text` (pg_query returns sub-slices).
fn offset(text: &str, piece: &str) -> usize {
    (piece.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

fn line_of(text: &str, byte: usize) -> usize {
    newlines(&text.as_bytes()[..byte.min(text.len())]) + 1
}

fn newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}

/// Length of the white space and comments before the first token.
fn leading_noise(s: &str) -> usize {
    super::lex::skip_blank(s.as_bytes(), 0)
}

/// pg_query errors carry no position: split with the scanner (which does
/// not understand `BEGIN ATOMIC` bodies, so a failing piece is retried
/// joined with the next ones) and parse each piece to find the bad one.
fn locate_error(text: &str, whole: &str) -> SplitError {
    let Ok(pieces) = pg_query::split_with_scanner(text) else {
        return SplitError {
            line: 1,
            message: whole.to_string(),
        };
    };
    let mut i = 0;
    let mut covered = 0;
    while i < pieces.len() {
        let start = offset(text, pieces[i]);
        let mut joined = None;
        for (j, piece) in pieces.iter().enumerate().skip(i).take(64) {
            let end = offset(text, piece) + piece.len();
            if pg_query::parse(&text[start..end], 0).is_ok() {
                joined = Some(j);
                break;
            }
        }
        match joined {
            Some(j) => {
                covered = offset(text, pieces[j]) + pieces[j].len();
                i = j + 1;
            }
            None => {
                let piece = pieces[i];
                let first = line_of(text, start + leading_noise(piece));
                let last = line_of(text, start + piece.trim_end().len());
                let msg = pg_query::parse(piece, 0)
                    .err()
                    .map(|e| message(&e))
                    .unwrap_or_else(|| whole.to_string());
                let at = error_offset(piece, &msg)
                    .map(|p| line_of(text, start + p))
                    .unwrap_or(first);
                return SplitError {
                    line: at,
                    message: format!("{msg} (in the statement on lines {first}-{last})"),
                };
            }
        }
    }
    // The scanner sometimes leaves the tail out (after a BEGIN ATOMIC body).
    let rest = text.get(covered..).unwrap_or("");
    let skip = leading_noise(rest);
    let at = error_offset(rest, whole).unwrap_or(skip);
    SplitError {
        line: line_of(text, covered + at),
        message: whole.to_string(),
    }
}

/// Where in `stmt` the error `msg` (`... at or near "X"`) is: the first
/// occurrence of X such that the text up to and including it already
/// fails at X (earlier ones fail only "at end of input").
fn error_offset(stmt: &str, msg: &str) -> Option<usize> {
    let tok = near_token(msg)?;
    let mut from = 0;
    while let Some(found) = stmt[from..].find(tok) {
        let at = from + found;
        let end = at + tok.len();
        if let Err(e) = pg_query::parse(&stmt[..end], 0) {
            if message(&e) == msg {
                return Some(at);
            }
        }
        from = end;
    }
    None
}

/// The token of `syntax error at or near "X"`.
fn near_token(msg: &str) -> Option<&str> {
    let rest = msg.split_once("at or near \"")?.1;
    let tok = rest.rsplit_once('"')?.0;
    (!tok.is_empty()).then_some(tok)
}

/// Statements the runner refuses in any migration.
fn refused(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::TransactionStmt(t) => {
            use TransactionStmtKind::*;
            match TransactionStmtKind::try_from(t.kind).unwrap_or(Undefined) {
                TransStmtSavepoint | TransStmtRelease | TransStmtRollbackTo => None,
                _ => Some(
                    "transaction control (BEGIN, COMMIT, ROLLBACK, PREPARE) is not allowed in a migration: \
                     the runner wraps each migration in its own transaction (run_in_transaction in metadata.toml)",
                ),
            }
        }
        NodeEnum::CopyStmt(c) if c.filename.is_empty() && !c.is_program => Some(
            "COPY from STDIN or to STDOUT cannot run from a migration file; load data with INSERT or a server-side file",
        ),
        _ => None,
    }
}

/// Why a statement cannot run inside a transaction block, from its AST.
fn outside_transaction(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("CREATE INDEX CONCURRENTLY"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("DROP INDEX CONCURRENTLY"),
        NodeEnum::ReindexStmt(s) if has_option(&s.params, "concurrently") => {
            Some("REINDEX CONCURRENTLY")
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("VACUUM"),
        NodeEnum::CreatedbStmt(_) => Some("CREATE DATABASE"),
        NodeEnum::DropdbStmt(_) => Some("DROP DATABASE"),
        NodeEnum::AlterSystemStmt(_) => Some("ALTER SYSTEM"),
        NodeEnum::CreateTableSpaceStmt(_) => Some("CREATE TABLESPACE"),
        NodeEnum::DropTableSpaceStmt(_) => Some("DROP TABLESPACE"),
        NodeEnum::AlterTableStmt(s) => s.cmds.iter().find_map(|c| match c.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(cmd)) => {
                match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::PartitionCmd(p)) if p.concurrent => {
                        Some("ALTER TABLE ... DETACH PARTITION CONCURRENTLY")
                    }
                    _ => None,
                }
            }
            _ => None,
        }),
        _ => None,
    }
}

fn has_option(params: &[pg_query::protobuf::Node], name: &str) -> bool {
    params.iter().any(|p| match p.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => d.defname == name,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_with_a_row_count_are_known() {
        let sql = "CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT 1; \
                   COMMENT ON TABLE t IS 'x'; UPDATE t SET id = 2; DO $$ BEGIN END $$; \
                   CREATE TABLE u AS SELECT 1 AS x";
        let counts: Vec<bool> = split(sql).unwrap().iter().map(|s| s.counts_rows).collect();
        assert_eq!(counts, [false, true, true, false, true, false, true]);
    }

    #[test]
    fn splits_bodies_and_keeps_lines() {
        let sql = "-- header\nCREATE TABLE t (a text DEFAULT ';');\n\nDO $$ BEGIN RAISE NOTICE 'x;'; END $$;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n\
                   CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $outer$ BEGIN RETURN $q$a;b$q$; END $outer$;\n\
                   /* c */ CREATE INDEX CONCURRENTLY i ON t (a)";
        let s = split(sql).unwrap();
        assert_eq!(s.len(), 5, "{s:#?}");
        assert_eq!(
            s.iter().map(|x| x.line).collect::<Vec<_>>(),
            [2, 4, 5, 10, 11]
        );
        assert!(s[2].sql.ends_with("END"), "{}", s[2].sql);
        assert_eq!(s[4].outside_transaction, Some("CREATE INDEX CONCURRENTLY"));
        assert!(s[..4].iter().all(|x| x.outside_transaction.is_none()));
    }

    fn texts(p: Vec<Piece<'_>>) -> Vec<&str> {
        p.into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn a_long_text_splits_by_segments_as_it_does_whole() {
        let sql = "-- header\nCREATE TABLE t (a text DEFAULT ';');\n\nDO $$ BEGIN RAISE NOTICE 'x;'; END $$;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\nEND;\n\
                   CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); INSERT INTO u VALUES (2));\n\
                   CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $outer$ BEGIN RETURN $q$a;b$q$; END $outer$;\n\
                   /* c; */ CREATE INDEX CONCURRENTLY i ON t (a);\nCOMMENT ON TABLE t IS 'a;bé';\n-- é; end\n";
        let whole = pg_query::split_with_parser(sql).unwrap();
        assert_eq!(whole.len(), 7, "{whole:#?}");
        let scanned: Vec<usize> = pg_query::split_with_scanner(sql)
            .unwrap()
            .iter()
            .map(|p| offset(sql, p))
            .filter(|&c| c > 0 && c < sql.len())
            .collect();
        assert!(
            scanned.len() > whole.len(),
            "the scanner cuts inside bodies too"
        );
        for segment in 1..=sql.len() {
            // Windows end inside strings, comments, bodies and characters.
            assert_eq!(
                scan_cuts(sql, segment).unwrap(),
                scanned,
                "windows of {segment} bytes"
            );
            let by = texts(pieces_by(sql, segment).unwrap());
            assert_eq!(by, whole, "segments of {segment} bytes");
            // The same places in the text, not equal copies.
            assert!(by.iter().zip(&whole).all(|(a, b)| a.as_ptr() == b.as_ptr()));
        }
        // The same with text `lex` cannot follow (its cuts give way to the
        // scanner's) and with a `$` in names (not a dollar quote).
        for other in [
            sql.replace("'a;bé'", "E'a\\';b'"),
            sql.replace("TABLE t ", "TABLE t$1$ ")
                .replace("TO t ", "TO t$1$ "),
        ] {
            let whole = pg_query::split_with_parser(&other).unwrap();
            assert_eq!(whole.len(), 7, "{other}");
            for segment in 1..=other.len() {
                assert_eq!(
                    texts(pieces_by(&other, segment).unwrap()),
                    whole,
                    "{segment}: {other}"
                );
            }
        }
        assert!(lex_cuts(&sql.replace("'a;bé'", "E'a\\';b'")).is_none());
        let broken = sql.replace("SELECT 2;", "SELEC 2;");
        for segment in [1, 20, 100, broken.len()] {
            assert!(
                pieces_by(&broken, segment).is_err(),
                "segments of {segment} bytes"
            );
        }
    }

    #[test]
    fn classifies_non_transactional_statements() {
        for (sql, why) in [
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i",
                "DROP INDEX CONCURRENTLY",
            ),
            ("VACUUM t", "VACUUM"),
            ("REINDEX (CONCURRENTLY) TABLE t", "REINDEX CONCURRENTLY"),
            ("ALTER SYSTEM SET work_mem = '1MB'", "ALTER SYSTEM"),
            ("CREATE DATABASE x", "CREATE DATABASE"),
            (
                "ALTER TABLE p DETACH PARTITION c CONCURRENTLY",
                "ALTER TABLE ... DETACH PARTITION CONCURRENTLY",
            ),
        ] {
            assert_eq!(
                split(sql).unwrap()[0].outside_transaction,
                Some(why),
                "{sql}"
            );
        }
        assert_eq!(split("ANALYZE t").unwrap()[0].outside_transaction, None);
        assert_eq!(
            split("ALTER TYPE e ADD VALUE 'x'").unwrap()[0].outside_transaction,
            None
        );
    }

    #[test]
    fn refuses_transaction_control_and_copy() {
        let e = split("SELECT 1;\nCOMMIT;").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("transaction control"), "{}", e.message);
        assert!(split("SAVEPOINT a; ROLLBACK TO a; RELEASE a").is_ok());
        assert!(split("COPY t FROM STDIN").is_err());
        assert!(split("COPY t TO '/tmp/x'").is_ok());
    }

    /// The first refused statement in the file is the one reported, and
    /// the statements keep their order and lines, segment after segment.
    #[test]
    fn many_statements_keep_order_and_the_first_refusal() {
        let n = 300;
        let mut lines: Vec<String> = (0..n).map(|i| format!("SELECT {i};")).collect();
        let all = split(&lines.join("\n")).unwrap();
        assert_eq!(all.len(), n);
        for (i, s) in all.iter().enumerate() {
            assert_eq!(
                (s.sql.as_str(), s.line),
                (format!("SELECT {i}").as_str(), i + 1)
            );
        }
        lines[n - 10] = "COMMIT;".into();
        lines[n / 2 + 3] = "COPY t FROM STDIN;".into();
        lines[n / 2 + 7] = "ROLLBACK;".into();
        let e = split(&lines.join("\n")).unwrap_err();
        assert_eq!(e.line, n / 2 + 4, "{}", e.message);
    }

    #[test]
    fn locates_syntax_errors() {
        let e =
            split("SELECT 1;\nCREATE TABLE t (\n  a int,\n  b int,,\n);\nSELECT 2;").unwrap_err();
        assert_eq!(e.line, 4, "{e:?}");
        assert!(e.message.contains("lines 2-5"), "{}", e.message);
        // A BEGIN ATOMIC body before the error must not be blamed.
        let e = split(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\nSELEC 2;",
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
        assert!(split("").unwrap().is_empty());
        assert!(split("-- only a comment\n").unwrap().is_empty());
    }
}

//! The class of a common statement from its first words, without parsing
//! it again. Parsing each statement alone to classify it (`split::classify`)
//! was most of an apply's start-up: 40-50 ms for the 2 700 statements of a
//! first migration of 100 tables, most of it in turning the parse tree
//! into protobuf and back. Only the statements a generated migration is
//! made of are known here; every other one, and any text that reads as
//! unusual (an `E'...'` string, the word CONCURRENTLY anywhere), is left
//! to the parser. `tests::agrees_with_the_parser` and the corpus test
//! check the two against each other.

use super::lex::{self, Token};
use super::split::Class;

/// Leading words whose statement never counts rows, is never refused and
/// runs inside a transaction, unless it says CONCURRENTLY (`CREATE INDEX`,
/// `DROP INDEX`, `ALTER TABLE ... DETACH PARTITION`) or, for `CREATE
/// TABLE`, is `CREATE TABLE ... AS` (which counts rows).
const PLAIN: &[&[&str]] = &[
    &["COMMENT", "ON"],
    &["GRANT"],
    &["REVOKE"],
    &["CREATE", "POLICY"],
    &["ALTER", "POLICY"],
    &["DROP", "POLICY"],
    &["CREATE", "TRIGGER"],
    &["CREATE", "OR", "REPLACE", "TRIGGER"],
    &["CREATE", "CONSTRAINT", "TRIGGER"],
    &["DROP", "TRIGGER"],
    &["CREATE", "FUNCTION"],
    &["CREATE", "OR", "REPLACE", "FUNCTION"],
    &["CREATE", "PROCEDURE"],
    &["CREATE", "OR", "REPLACE", "PROCEDURE"],
    &["ALTER", "FUNCTION"],
    &["DROP", "FUNCTION"],
    &["CREATE", "INDEX"],
    &["CREATE", "UNIQUE", "INDEX"],
    &["ALTER", "INDEX"],
    &["DROP", "INDEX"],
    &["CREATE", "TABLE"],
    &["CREATE", "UNLOGGED", "TABLE"],
    &["ALTER", "TABLE"],
    &["DROP", "TABLE"],
    &["CREATE", "VIEW"],
    &["CREATE", "OR", "REPLACE", "VIEW"],
    &["ALTER", "VIEW"],
    &["DROP", "VIEW"],
    &["CREATE", "TYPE"],
    &["ALTER", "TYPE"],
    &["DROP", "TYPE"],
    &["CREATE", "DOMAIN"],
    &["ALTER", "DOMAIN"],
    &["DROP", "DOMAIN"],
    &["CREATE", "SEQUENCE"],
    &["ALTER", "SEQUENCE"],
    &["DROP", "SEQUENCE"],
    &["CREATE", "SCHEMA"],
    &["ALTER", "SCHEMA"],
    &["DROP", "SCHEMA"],
    &["CREATE", "EXTENSION"],
    &["ALTER", "EXTENSION"],
    &["DROP", "EXTENSION"],
    &["ALTER", "DEFAULT", "PRIVILEGES"],
    &["SET"],
];

/// The class of `piece` (one statement, as `split` cut it) when its first
/// words settle it; `None` when only the parser can tell.
pub(super) fn class(piece: &str) -> Option<Class> {
    let words = first_words(piece, 4)?;
    if words
        .first()
        .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"))
    {
        return Some(Some((None, true)));
    }
    let known = PLAIN.iter().find(|p| {
        p.len() <= words.len() && p.iter().zip(&words).all(|(a, b)| a.eq_ignore_ascii_case(b))
    })?;
    if contains_word_ignoring_case(piece, "concurrently") {
        return None;
    }
    if known.last() == Some(&"TABLE") && known[0] == "CREATE" && !plain_create_table(piece)? {
        return None;
    }
    Some(Some((None, false)))
}

/// Up to `n` leading words, after blanks and comments; `None` if the
/// piece opens with anything else.
fn first_words(piece: &str, n: usize) -> Option<Vec<&str>> {
    let words: Vec<&str> = lex::tokens(piece)
        .take(n)
        .map_while(|t| match t {
            Token::Word(w) => Some(w),
            _ => None,
        })
        .collect();
    (!words.is_empty()).then_some(words)
}

/// Whether `word` (lower case) occurs anywhere in `text` as a whole word,
/// in any case: in a string or comment too, which only sends the
/// statement to the parser.
fn contains_word_ignoring_case(text: &str, word: &str) -> bool {
    let (t, w) = (text.as_bytes(), word.as_bytes());
    let is_word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    t.windows(w.len()).enumerate().any(|(at, win)| {
        win.eq_ignore_ascii_case(w)
            && (at == 0 || !is_word(t[at - 1]))
            && t.get(at + w.len()).is_none_or(|&c| !is_word(c))
    })
}

/// Whether a `CREATE TABLE` is a plain one, not `CREATE TABLE ... AS` or
/// `... EXECUTE` (which count rows): neither word outside parentheses.
/// `None` for text `lex` cannot follow.
fn plain_create_table(piece: &str) -> Option<bool> {
    let mut depth = 0usize;
    for t in lex::tokens(piece) {
        match t {
            Token::Unreadable => return None,
            Token::Symbol(b'(', _) => depth += 1,
            Token::Symbol(b')', _) => depth = depth.checked_sub(1)?,
            Token::Word(w)
                if depth == 0
                    && (w.eq_ignore_ascii_case("AS") || w.eq_ignore_ascii_case("EXECUTE")) =>
            {
                return Some(false)
            }
            _ => {}
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parser's class, for comparison.
    fn parsed(piece: &str) -> Class {
        super::super::split::classify(piece, 1).expect("parses")
    }

    #[test]
    fn agrees_with_the_parser() {
        let known = [
            "COMMENT ON TABLE public.t IS 'as of now'",
            "GRANT SELECT ON public.t TO anon",
            "REVOKE ALL ON public.t FROM PUBLIC",
            "CREATE POLICY p ON public.t AS PERMISSIVE FOR SELECT USING (auth.uid() = id)",
            "CREATE TRIGGER tr BEFORE UPDATE ON public.t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN COMMIT; RETURN NEW; END $$",
            "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1 $body$",
            "CREATE INDEX i ON public.t USING gin (data)",
            "CREATE UNIQUE INDEX i ON public.t (lower(email)) WHERE deleted_at IS NULL",
            "CREATE TABLE public.t (id uuid PRIMARY KEY, n int GENERATED ALWAYS AS (1) STORED, \"as\" text DEFAULT 'as')",
            "CREATE TABLE public.t (id bigint GENERATED BY DEFAULT AS IDENTITY, d text DEFAULT $$ AS $$)",
            "CREATE TABLE t2 PARTITION OF t FOR VALUES FROM ('a') TO ('b')",
            "ALTER TABLE public.t ADD CONSTRAINT c CHECK (n > 0) NOT VALID",
            "ALTER TABLE public.t ENABLE ROW LEVEL SECURITY",
            "CREATE VIEW v AS SELECT 1",
            "CREATE OR REPLACE VIEW v AS SELECT 1",
            "CREATE TYPE mood AS ENUM ('a', 'b')",
            "ALTER TYPE mood ADD VALUE 'c'",
            "SET LOCAL lock_timeout = '5s'",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SELECT pg_catalog.set_config('search_path', '', false)",
            "  -- leading comment\n/* and /* nested */ one */ DROP TABLE public.t",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO anon",
        ];
        for piece in known {
            assert_eq!(class(piece), Some(parsed(piece)), "{piece}");
        }
        // Left to the parser: the quick reading would get these wrong or
        // cannot tell.
        let unknown = [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "CREATE UNIQUE INDEX concurrently i ON t (a)",
            "DROP INDEX CONCURRENTLY i",
            "ALTER TABLE t DETACH PARTITION p CONCURRENTLY",
            "CREATE TABLE t AS SELECT 1",
            "CREATE TABLE t (a, b) AS VALUES (1, 2)",
            "CREATE TABLE t AS EXECUTE q",
            "CREATE TABLE t (d text DEFAULT E'it\\'s AS')",
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "INSERT INTO t VALUES (1)",
            "BEGIN",
            "COMMIT",
            "VACUUM t",
            "COPY t FROM STDIN",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "(SELECT 1)",
            "CREATE TEMP TABLE t AS SELECT 1",
            // The word anywhere, even where it is harmless.
            "COMMENT ON INDEX i IS 'built concurrently'",
        ];
        for piece in unknown {
            assert_eq!(class(piece), None, "{piece}");
        }
    }

    fn sql_files(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("fixtures").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sql_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                out.push(std::fs::read_to_string(&path).expect("read"));
            }
        }
    }

    /// Every statement of the real corpora and of the example schema's
    /// create and drop scripts: where the quick
    /// reading classes one, the parser classes it the same.
    #[test]
    fn agrees_with_the_parser_on_real_files() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        sql_files(&root.join("tests/fixtures/corpus"), &mut texts);
        let example = crate::model::load::load(&root.join("schema")).expect("example schema");
        texts.push(crate::plan::graph::create_script(&example).expect("create script"));
        texts.push(crate::plan::graph::drop_script(&example).expect("drop script"));
        let (mut quick, mut all) = (0, 0);
        // pg_dump files with psql's commands (`\connect`, COPY data) do not
        // split; they are not migrations.
        let split: Vec<_> = texts
            .iter()
            .filter_map(|t| super::super::split::pieces(t).ok())
            .collect();
        // Cut into segments where `lex` finds the statements' ends, each
        // file splits as it does whole.
        for text in &texts {
            if let Ok(whole) = pg_query::split_with_parser(text) {
                let by = super::super::split::pieces_by(text, 2048).expect("splits by segments");
                assert_eq!(by, whole);
            }
        }
        assert!(
            split.len() * 10 > texts.len() * 8,
            "{} of {} files split",
            split.len(),
            texts.len()
        );
        for pieces in split {
            for piece in pieces {
                all += 1;
                if let Some(c) = class(piece) {
                    quick += 1;
                    assert_eq!(c, parsed(piece.trim_end()), "{piece}");
                }
            }
        }
        // Most statements take the quick way, or it saves nothing.
        assert!(quick * 10 > all * 8, "{quick} of {all}");
    }

    #[test]
    fn dollar_quotes_and_names_are_passed_whole() {
        assert_eq!(
            plain_create_table("CREATE TABLE t (a text DEFAULT $x$ ) AS $x$)"),
            Some(true)
        );
        assert_eq!(
            plain_create_table("CREATE TABLE \"a\"\"b\" AS SELECT $1"),
            Some(false)
        );
        assert_eq!(
            plain_create_table("CREATE TABLE t (a text DEFAULT 'open"),
            None
        );
        assert_eq!(plain_create_table("CREATE TABLE t (a int))"), None);
    }
}

//! Whether a statement the planner wrote is one statement: the last
//! safeguard against text from a schema file that ends a statement early
//! (`true); DROP TABLE t; --`) or swallows the end of it (a trailing `--`).

use super::lex::{tokens, Token};

/// `Ok` when `sql` is exactly one statement ending in its `;` (comments
/// before it aside). Most statements are read by `lex` alone; one it cannot
/// follow, or with more than one `;` outside strings and bodies (a
/// `BEGIN ATOMIC` body), is cut by PostgreSQL's parser.
pub fn one_statement(sql: &str) -> Result<(), String> {
    let mut semicolons = 0usize;
    let mut last_is_semicolon = false;
    let mut readable = true;
    for t in tokens(sql) {
        match t {
            Token::Symbol(b';', _) => {
                semicolons += 1;
                last_is_semicolon = true;
            }
            Token::Unreadable => {
                readable = false;
                break;
            }
            _ => last_is_semicolon = false,
        }
    }
    if readable && semicolons == 1 && last_is_semicolon {
        return Ok(());
    }
    if readable && semicolons == 0 {
        return Err(END.into());
    }
    let n = pg_query::parse(sql, 0)
        .map_err(|e| e.to_string())?
        .protobuf
        .stmts
        .len();
    if n != 1 {
        return Err(format!("it holds {n} statements"));
    }
    // The parser ends a statement at the end of the text too: its `;` must
    // be the last token, not inside a comment.
    let tokens = pg_query::scan_tokens(sql).map_err(|e| e.to_string())?;
    if tokens.last().map(|t| t.token) != Some(pg_query::protobuf::Token::Ascii59 as i32) {
        return Err(END.into());
    }
    Ok(())
}

const END: &str = "it does not end in `;` (is its end inside a comment?)";

#[cfg(test)]
mod tests {
    use super::one_statement;

    #[test]
    fn one_statement_each() {
        for ok in [
            "CREATE TABLE t (a text DEFAULT 'x;y');",
            "-- note\nDROP TABLE t;",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1; SELECT 2 $f$;",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
            r"ALTER TABLE t ADD CONSTRAINT c CHECK (a <> E'\';');",
            r"ALTER TABLE t ADD CONSTRAINT c CHECK (a <> E'\'); DROP TABLE v; --');",
        ] {
            assert_eq!(one_statement(ok), Ok(()), "{ok}");
        }
        for bad in [
            "CREATE POLICY p ON t USING (true); DROP TABLE public.victim; --);",
            "CREATE POLICY p ON t USING (true --);",
            "CREATE POLICY p ON t USING (true /* );",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; DROP TABLE v;",
            r"ALTER TABLE t ADD CONSTRAINT c CHECK (a <> E'\\'); DROP TABLE v; --');",
            "SELECT 1",
        ] {
            assert!(one_statement(bad).is_err(), "{bad}");
        }
    }
}

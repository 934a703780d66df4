//! A rule's text cut into its parts: the `WHERE` condition and the
//! actions after `DO [ALSO | INSTEAD]`, as written. Read from
//! `pg_get_ruledef` and from `CREATE RULE` in SQL schema files alike, with
//! PostgreSQL's scanner (strings, quoted names and comments are its
//! business, not ours).

use pg_query::protobuf::Token as T;

/// The parts of `CREATE RULE ... AS ON <event> TO <rel> [WHERE c] DO [ALSO |
/// INSTEAD] actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleParts {
    pub where_: Option<String>,
    pub actions: Vec<String>,
}

/// Cuts `def`, one `CREATE RULE` statement, into its parts.
pub fn split_rule(def: &str) -> Result<RuleParts, String> {
    let tokens = pg_query::scan_tokens(def).map_err(|e| e.to_string())?;
    let is = |i: usize, t: T| tokens.get(i).is_some_and(|x| x.token == t as i32);
    let text = |from: usize, to: usize| def.get(from..to).unwrap_or("").trim().to_string();
    // DO is reserved: outside parentheses only the rule's own is found.
    let mut depth = 0i32;
    let mut where_at = None;
    let mut do_at = None;
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            x if x == T::Ascii40 as i32 => depth += 1,
            x if x == T::Ascii41 as i32 => depth -= 1,
            x if depth == 0 && x == T::Where as i32 && where_at.is_none() => where_at = Some(i),
            x if depth == 0 && x == T::Do as i32 => {
                do_at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let do_at = do_at.ok_or("no DO in the rule")?;
    let where_ = where_at.map(|w| text(tokens[w].end as usize, tokens[do_at].start as usize));
    let mut i = do_at + 1;
    if is(i, T::Instead) || is(i, T::Also) {
        i += 1;
    }
    let Some(first) = tokens.get(i) else {
        return Err("no action after DO".into());
    };
    if is(i, T::Nothing) {
        return Ok(RuleParts {
            where_,
            actions: vec![],
        });
    }
    // The end of the text, less a final `;`.
    let end = match tokens.last() {
        Some(l) if l.token == T::Ascii59 as i32 => l.start as usize,
        _ => def.len(),
    };
    if first.token != T::Ascii40 as i32 || !several(&tokens[i..], end) {
        return Ok(RuleParts {
            where_,
            actions: vec![text(first.start as usize, end)],
        });
    }
    // `( a; b; )`: cut at the `;` directly inside the parentheses.
    let mut actions = Vec::new();
    let mut depth = 0i32;
    let mut from = tokens[i].end as usize;
    for t in &tokens[i..] {
        if t.start as usize >= end {
            break;
        }
        if t.token == T::Ascii40 as i32 {
            depth += 1;
        } else if t.token == T::Ascii41 as i32 {
            depth -= 1;
            if depth == 0 {
                actions.push(text(from, t.start as usize));
            }
        } else if depth == 1 && t.token == T::Ascii59 as i32 {
            actions.push(text(from, t.start as usize));
            from = t.end as usize;
        }
    }
    actions.retain(|a| !a.is_empty());
    Ok(RuleParts { where_, actions })
}

/// Whether the actions starting with `(` are a list of commands rather
/// than one command in parentheses (`(SELECT 1) UNION ...`): the list's
/// `(` closes at the end and holds a `;` or nothing but one command that
/// is not a query alone. A list is what `pg_get_ruledef` writes for more
/// than one action.
fn several(tokens: &[pg_query::protobuf::ScanToken], end: usize) -> bool {
    let mut depth = 0i32;
    let mut semicolon = false;
    for (k, t) in tokens.iter().enumerate() {
        if t.start as usize >= end {
            break;
        }
        if t.token == T::Ascii40 as i32 {
            depth += 1;
        } else if t.token == T::Ascii41 as i32 {
            depth -= 1;
            if depth == 0 {
                let last = tokens.get(k + 1).is_none_or(|n| n.start as usize >= end);
                return last && (semicolon || !starts_query(&tokens[1..]));
            }
        } else if depth == 1 && t.token == T::Ascii59 as i32 {
            semicolon = true;
        }
    }
    false
}

fn starts_query(tokens: &[pg_query::protobuf::ScanToken]) -> bool {
    tokens.first().is_some_and(|t| {
        [T::Select, T::Values, T::With, T::Table, T::Ascii40]
            .iter()
            .any(|k| t.token == *k as i32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(w: Option<&str>, a: &[&str]) -> RuleParts {
        RuleParts {
            where_: w.map(str::to_string),
            actions: a.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn cuts_what_pg_get_ruledef_writes() {
        assert_eq!(
            split_rule(
                "CREATE RULE r AS ON INSERT TO public.t DO  INSERT INTO public.l (id) VALUES (new.id);"
            )
            .unwrap(),
            parts(None, &["INSERT INTO public.l (id) VALUES (new.id)"])
        );
        assert_eq!(
            split_rule(
                "CREATE RULE r AS ON DELETE TO public.v WHERE (old.id > 0) DO INSTEAD  DELETE FROM public.t WHERE (t.id = old.id);"
            )
            .unwrap(),
            parts(Some("(old.id > 0)"), &["DELETE FROM public.t WHERE (t.id = old.id)"])
        );
        assert_eq!(
            split_rule("CREATE RULE r AS ON UPDATE TO public.t DO INSTEAD NOTHING;").unwrap(),
            parts(None, &[])
        );
        assert_eq!(
            split_rule(
                "CREATE RULE r AS ON INSERT TO t WHERE new.a = 'do;(' DO ALSO (INSERT INTO l VALUES (1); NOTIFY t; );"
            )
            .unwrap(),
            parts(Some("new.a = 'do;('"), &["INSERT INTO l VALUES (1)", "NOTIFY t"])
        );
        assert_eq!(
            split_rule("CREATE RULE r AS ON INSERT TO t DO (SELECT 1) UNION (SELECT 2);").unwrap(),
            parts(None, &["(SELECT 1) UNION (SELECT 2)"])
        );
    }
}

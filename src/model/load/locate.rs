//! Finds where a key path (`tables` > `public.users` > `columns` > `id`)
//! is written in YAML or JSON source text. Text-based and forgiving: it
//! never panics and returns the deepest key it could find, or `None`.

/// 1-based (line, column) of the last key of `path` found in `text`.
pub fn locate(text: &str, path: &[String]) -> Option<(usize, usize)> {
    let mut pos = 0usize;
    let mut bound: Option<usize> = None;
    let mut found = None;
    for key in path {
        match find_key(text, pos, key, bound) {
            Some(at) => {
                found = Some(at);
                pos = at + 1;
                let (line_start, indent) = line_info(text, at);
                // A key that starts its line opens an indented block; a key
                // inside a flow map (`{ a: 1 }`) keeps the outer bound.
                if line_start + indent == at || is_list_item(text, line_start, at) {
                    bound = Some(at - line_start);
                }
            }
            None => break,
        }
    }
    found.map(|at| line_col(text, at))
}

/// Byte offset of `key` used as a mapping key at or after `from`, stopping
/// at the first line indented no deeper than `bound`.
fn find_key(text: &str, from: usize, key: &str, bound: Option<usize>) -> Option<usize> {
    if from > text.len() || !text.is_char_boundary(from) {
        return None;
    }
    // An empty key can only be written quoted.
    let plain = (!key.is_empty()).then(|| key.to_string());
    let mut offset = from;
    let mut first = true;
    for line in text[from..].split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if !first {
            let body = line.trim_start_matches([' ', '\t']);
            let indent = line.len() - body.len();
            let blank = body.trim().is_empty() || body.starts_with('#');
            if let Some(b) = bound {
                if !blank && indent <= b {
                    return None;
                }
            }
        }
        first = false;
        let quoted = [format!("\"{key}\""), format!("'{key}'")];
        for candidate in plain.iter().chain(quoted.iter()) {
            for (i, _) in line.match_indices(candidate.as_str()) {
                if is_key_at(line, i, candidate.len()) {
                    return Some(start + i);
                }
            }
        }
    }
    None
}

/// True when `line[i..i+len]` is followed by `:` and preceded by the line
/// start, `{`, `,`, `- ` or `? `.
fn is_key_at(line: &str, i: usize, len: usize) -> bool {
    let after = line
        .get(i + len..)
        .unwrap_or("")
        .trim_start_matches([' ', '\t']);
    if !after.starts_with(':') {
        return false;
    }
    let before = line.get(..i).unwrap_or("").trim_end_matches([' ', '\t']);
    before.is_empty()
        || before.ends_with('{')
        || before.ends_with(',')
        || before
            .trim_start()
            .trim_start_matches(['-', '?', ' '])
            .is_empty()
}

fn is_list_item(text: &str, line_start: usize, at: usize) -> bool {
    text.get(line_start..at)
        .is_some_and(|b| !b.trim().is_empty() && b.trim_start_matches([' ', '-']).is_empty())
}

/// (start of the line holding `at`, its indentation in bytes).
fn line_info(text: &str, at: usize) -> (usize, usize) {
    let start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let rest = text.get(start..).unwrap_or("");
    let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    (start, indent)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn yaml_block_and_flow() {
        let y = "tables:\n  a:\n    columns:\n      id: uuid\n  b:\n    columns:\n      id: { type: uuid, default: x }\n";
        assert_eq!(
            locate(y, &p(&["tables", "b", "columns", "id"])),
            Some((7, 7))
        );
        assert_eq!(
            locate(y, &p(&["tables", "b", "columns", "id", "default"])),
            Some((7, 25))
        );
        // `missing` is not under `a`: the deepest found key is reported.
        assert_eq!(locate(y, &p(&["tables", "a", "missing"])), Some((2, 3)));
        assert_eq!(locate(y, &p(&["nothing"])), None);
    }

    #[test]
    fn json_and_quoted() {
        let j = "{\"tables\": {\"public.t\": {\"columns\": {\"id\": \"int\"}}}}";
        assert_eq!(
            locate(j, &p(&["tables", "public.t", "columns", "id"])),
            Some((1, 38))
        );
        let y = "tables:\n  \"public.t\":\n    columns: {}\n";
        assert_eq!(
            locate(y, &p(&["tables", "public.t", "columns"])),
            Some((3, 5))
        );
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in ["", ":", "ı:\n ı:", "a:\n\t- b: c"] {
            let _ = locate(t, &p(&["a", "b", "ı"]));
        }
        assert_eq!(line_col("ıı\nx", 1), (1, 1));
    }
}

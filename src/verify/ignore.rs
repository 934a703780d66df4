//! Which lint findings to skip: `rule` or `rule:object` patterns, from
//! `--ignore` flags, an ignore file, or (deserialised as a list of strings)
//! a config file. The one place findings are filtered.

use std::path::Path;

use serde::Deserialize;

use super::lint::{LintFinding, RULES};

/// `rule` skips every finding of the rule; `rule:object` only those whose
/// object matches, where `*` stands for any run of characters (objects of
/// migration-file findings are `path:line`, so `rule:path/up.sql:*` skips a
/// whole file).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Ignore {
    pub rule: String,
    pub object: Option<String>,
}

impl TryFrom<String> for Ignore {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Ignore::parse(&text)
    }
}

impl Ignore {
    /// Parses `rule` or `rule:object`; the rule must exist, so a typo does
    /// not silently ignore nothing.
    pub fn parse(text: &str) -> Result<Ignore, String> {
        let text = text.trim();
        let (rule, object) = match text.split_once(':') {
            Some((r, o)) => (r.trim(), Some(o.trim().to_string())),
            None => (text, None),
        };
        if !RULES.iter().any(|r| r.id == rule) {
            let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
            return Err(format!(
                "`{text}`: unknown lint rule `{rule}`; the rules are {}",
                ids.join(", ")
            ));
        }
        if object.as_deref() == Some("") {
            return Err(format!("`{text}`: empty object after `:`"));
        }
        Ok(Ignore {
            rule: rule.to_string(),
            object,
        })
    }

    pub fn matches(&self, f: &LintFinding) -> bool {
        self.rule == f.id && self.object.as_deref().is_none_or(|o| glob(o, &f.object))
    }
}

/// The ignore patterns in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct IgnoreList(Vec<Ignore>);

impl IgnoreList {
    /// Patterns as given on the command line.
    pub fn parse_all(patterns: &[String]) -> Result<IgnoreList, String> {
        patterns
            .iter()
            .map(|p| Ignore::parse(p))
            .collect::<Result<_, _>>()
            .map(IgnoreList)
    }

    /// An ignore file: one pattern a line; blank lines and `#` comments
    /// (whole-line or trailing) are skipped. Errors name `file:line`.
    pub fn parse_file(text: &str, label: &str) -> Result<IgnoreList, String> {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let pattern = line.split('#').next().unwrap_or("").trim();
            if pattern.is_empty() {
                continue;
            }
            out.push(Ignore::parse(pattern).map_err(|e| format!("{label}:{}: {e}", i + 1))?);
        }
        Ok(IgnoreList(out))
    }

    pub fn read_file(path: &Path) -> Result<IgnoreList, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        IgnoreList::parse_file(&text, &path.display().to_string())
    }

    pub fn extend(&mut self, other: IgnoreList) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn matches(&self, f: &LintFinding) -> bool {
        self.0.iter().any(|i| i.matches(f))
    }

    /// `found` without the ignored findings.
    pub fn filter(&self, found: Vec<LintFinding>) -> Vec<LintFinding> {
        found.into_iter().filter(|f| !self.matches(f)).collect()
    }
}

impl From<Vec<Ignore>> for IgnoreList {
    fn from(v: Vec<Ignore>) -> Self {
        IgnoreList(v)
    }
}

/// `*` matches any run of characters; everything else is literal.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::lint::rule_finding;

    fn finding(id: &'static str, object: &str) -> LintFinding {
        rule_finding(id, object.into(), String::new())
    }

    #[test]
    fn rule_and_object_patterns() {
        let list = IgnoreList::parse_all(&[
            "no_primary_key".into(),
            "fk_without_index:public.t.t_a_fkey".into(),
            "missing_lock_timeout:m/0002_x/up.sql:*".into(),
        ])
        .unwrap();
        assert!(list.matches(&finding("no_primary_key", "public.any")));
        assert!(list.matches(&finding("fk_without_index", "public.t.t_a_fkey")));
        assert!(!list.matches(&finding("fk_without_index", "public.t.t_b_fkey")));
        assert!(list.matches(&finding("missing_lock_timeout", "m/0002_x/up.sql:7")));
        assert!(!list.matches(&finding("missing_lock_timeout", "m/0003_y/up.sql:7")));
        assert!(!list.matches(&finding("duplicate_index", "public.t.i")));
    }

    #[test]
    fn unknown_rules_and_bad_lines_are_refused_with_their_position() {
        assert!(Ignore::parse("no_primry_key").is_err());
        assert!(Ignore::parse("no_primary_key:").is_err());
        let text = "# why: legacy tables\nno_primary_key   # audit tables have none\n\nduplicate_index:public.t.*\nbogus_rule\n";
        let e = IgnoreList::parse_file(text, "lint.ignore").unwrap_err();
        assert!(e.starts_with("lint.ignore:5: "), "{e}");
        let ok = IgnoreList::parse_file(&text.replace("bogus_rule\n", ""), "f").unwrap();
        assert!(ok.matches(&finding("duplicate_index", "public.t.i2")));
        assert!(ok.matches(&finding("no_primary_key", "public.x")));
    }

    #[test]
    fn a_config_file_can_feed_the_list() {
        let list: IgnoreList =
            serde_json::from_str(r#"["no_primary_key", "duplicate_index:a.*"]"#).unwrap();
        assert!(list.matches(&finding("duplicate_index", "a.t.i")));
        let bad: Result<IgnoreList, _> = serde_json::from_str(r#"["nope"]"#);
        assert!(bad.unwrap_err().to_string().contains("unknown lint rule"));
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*b*c", "a-c"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("x", "x") && !glob("x", "xy"));
    }
}

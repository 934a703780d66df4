//! CREATE and ALTER TEXT SEARCH CONFIGURATION.

use pg_query::protobuf::{self as pb, node::Node as N, AlterTsConfigType as Kind};

use super::stmt::creation_schema;
use super::{strings, Done, Item, Refusal, Translator};
use crate::model::types::*;
use crate::model::QualifiedName;

/// A name as the catalog gives it: PostgreSQL's own bare, any other
/// qualified (an unqualified one in the schema objects are created in).
fn name(item: &Item<'_>, parts: Vec<String>, builtin: impl Fn(&str) -> bool) -> String {
    match parts.as_slice() {
        [s, n] if s == "pg_catalog" => n.clone(),
        [s, n] => QualifiedName::new(s, n).to_string(),
        [n] if builtin(n) => n.clone(),
        [n] => QualifiedName::new(creation_schema(item), n).to_string(),
        _ => parts.join("."),
    }
}

/// PostgreSQL's own dictionaries: `simple` and the snowball stemmers.
fn builtin_dictionary(n: &str) -> bool {
    n == "simple" || n.ends_with("_stem")
}

fn list_names(node: &pb::Node) -> Vec<String> {
    match node.node.as_ref() {
        Some(N::List(l)) => strings(&l.items),
        Some(N::TypeName(t)) => strings(&t.names),
        Some(N::String(s)) => vec![s.sval.clone()],
        _ => vec![],
    }
}

fn config_key(item: &Item<'_>, names: &[pb::Node]) -> Result<String, Refusal> {
    match strings(names).as_slice() {
        [n] => Ok(QualifiedName::new(creation_schema(item), n).to_string()),
        [s, n] => Ok(QualifiedName::new(s, n).to_string()),
        _ => Err(Refusal::new("not a text search configuration name")),
    }
}

pub(super) fn create(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::DefineStmt) -> Done {
    let key = config_key(item, &s.defnames)?;
    let mut c = TextSearchConfiguration::default();
    for d in &s.definition {
        let Some(N::DefElem(d)) = d.node.as_ref() else {
            continue;
        };
        let arg = d.arg.as_deref().map(list_names).unwrap_or_default();
        match d.defname.as_str() {
            "parser" => c.parser = name(item, arg, |n| n == "default"),
            "copy" => {
                return Err(Refusal::new(
                    "CREATE TEXT SEARCH CONFIGURATION ... (COPY = ...) is not supported",
                )
                .hint("write PARSER = default and its mappings (ALTER ... ADD MAPPING FOR ... WITH ...), as pg_dump -s does"))
            }
            other => return Err(Refusal::new(format!("option `{other}` is not known"))),
        }
    }
    if t.db
        .text_search_configurations
        .insert(key.clone(), c)
        .is_some()
    {
        return Err(Refusal::new(format!(
            "text search configuration {key} is created twice"
        )));
    }
    t.place(item, &["text_search_configurations", &key], None);
    Ok(())
}

pub(super) fn alter(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    s: &pb::AlterTsConfigurationStmt,
) -> Done {
    let key = config_key(item, &s.cfgname)?;
    let c =
        t.db.text_search_configurations
            .get_mut(&key)
            .ok_or_else(|| {
                Refusal::new(format!(
                    "text search configuration {key} is not created in these files"
                ))
            })?;
    let tokens = strings(&s.tokentype);
    let dicts: Vec<String> = s
        .dicts
        .iter()
        .map(|d| name(item, list_names(d), builtin_dictionary))
        .collect();
    match Kind::try_from(s.kind).unwrap_or(Kind::AlterTsconfigTypeUndefined) {
        Kind::AlterTsconfigAddMapping | Kind::AlterTsconfigAlterMappingForToken => {
            for tok in tokens {
                c.mappings.insert(tok.to_lowercase(), dicts.clone());
            }
        }
        Kind::AlterTsconfigDropMapping => {
            for tok in tokens {
                c.mappings.shift_remove(&tok.to_lowercase());
            }
        }
        Kind::AlterTsconfigReplaceDict | Kind::AlterTsconfigReplaceDictForToken => {
            let [old, new] = dicts.as_slice() else {
                return Err(Refusal::new("REPLACE takes two dictionaries"));
            };
            let all = tokens.is_empty();
            for (tok, ds) in c.mappings.iter_mut() {
                if all || tokens.iter().any(|x| x.eq_ignore_ascii_case(tok)) {
                    ds.iter_mut()
                        .filter(|d| *d == old)
                        .for_each(|d| *d = new.clone());
                }
            }
        }
        Kind::AlterTsconfigTypeUndefined => {}
    }
    Ok(())
}

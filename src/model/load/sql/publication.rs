//! CREATE PUBLICATION and ALTER PUBLICATION.

use pg_query::protobuf::{
    self as pb, node::Node as N, AlterPublicationAction, PublicationObjSpecType as Obj, Token,
};

use super::stmt::{creation_schema, def_text, rel, written_expr};
use super::{strings, Done, Item, Refusal, Translator};
use crate::model::types::*;

pub(super) fn create(
    t: &mut Translator<'_>,
    item: &Item<'_>,
    s: &pb::CreatePublicationStmt,
) -> Done {
    if t.db.publications.contains_key(&s.pubname) {
        return Err(Refusal::new(format!(
            "publication {} is created twice (or altered before it is created)",
            s.pubname
        ))
        .hint("create a publication once, before the statements that alter it"));
    }
    let mut p = Publication {
        all_tables: s.for_all_tables,
        ..Default::default()
    };
    options(&mut p, &s.options)?;
    objects(t, item, &mut p, &s.pubobjects, true)?;
    t.db.publications.insert(s.pubname.clone(), p);
    t.place(item, &["publications", &s.pubname], None);
    Ok(())
}

/// An ALTER of a publication the files do not create declares it too: a
/// platform's publication (Supabase's `supabase_realtime`) exists before
/// any file, and its files only add tables to it.
pub(super) fn alter(t: &mut Translator<'_>, item: &Item<'_>, s: &pb::AlterPublicationStmt) -> Done {
    if s.for_all_tables {
        return Err(Refusal::new(
            "ALTER PUBLICATION ... SET ALL TABLES is not supported in schema SQL files",
        )
        .hint("declare the publication FOR ALL TABLES in its CREATE PUBLICATION"));
    }
    let mut p =
        t.db.publications
            .get(&s.pubname)
            .cloned()
            .unwrap_or(Publication {
                external: true,
                ..Default::default()
            });
    options(&mut p, &s.options)?;
    let action =
        AlterPublicationAction::try_from(s.action).unwrap_or(AlterPublicationAction::Undefined);
    match action {
        AlterPublicationAction::ApAddObjects => objects(t, item, &mut p, &s.pubobjects, true)?,
        AlterPublicationAction::ApDropObjects => objects(t, item, &mut p, &s.pubobjects, false)?,
        AlterPublicationAction::ApSetObjects => {
            if !s.pubobjects.is_empty() {
                p.tables.clear();
                p.schemas.clear();
                objects(t, item, &mut p, &s.pubobjects, true)?;
            }
        }
        AlterPublicationAction::Undefined => {}
    }
    if !t.db.publications.contains_key(&s.pubname) {
        t.place(item, &["publications", &s.pubname], None);
    }
    t.db.publications.insert(s.pubname.clone(), p);
    Ok(())
}

fn options(p: &mut Publication, options: &[pb::Node]) -> Done {
    for o in options {
        let Some(N::DefElem(d)) = o.node.as_ref() else {
            continue;
        };
        match d.defname.as_str() {
            "publish" => {
                let text = def_text(d);
                p.publish = Some(
                    text.split(',')
                        .map(|w| w.trim().to_string())
                        .filter(|w| !w.is_empty())
                        .collect(),
                );
            }
            "publish_via_partition_root" => {
                p.via_partition_root = !matches!(def_text(d).as_str(), "false" | "off" | "0")
            }
            other => {
                return Err(
                    Refusal::new(format!("publication option `{other}` is not supported"))
                        .hint("supported: publish, publish_via_partition_root"),
                )
            }
        }
    }
    Ok(())
}

/// Adds (or, `add` false, drops) the tables and schemas listed.
fn objects(
    t: &Translator<'_>,
    item: &Item<'_>,
    p: &mut Publication,
    list: &[pb::Node],
    add: bool,
) -> Done {
    // A name after a comma continues the kind named before it.
    let mut kind = Obj::PublicationobjTable;
    for o in list {
        let Some(N::PublicationObjSpec(o)) = o.node.as_ref() else {
            continue;
        };
        let own = Obj::try_from(o.pubobjtype).unwrap_or(Obj::Undefined);
        if own != Obj::PublicationobjContinuation {
            kind = own;
        }
        match (kind, &o.pubtable) {
            (Obj::PublicationobjTable, Some(pt)) | (Obj::PublicationobjContinuation, Some(pt)) => {
                let rv = pt
                    .relation
                    .as_ref()
                    .ok_or_else(|| Refusal::new("a publication table without a name"))?;
                let key = rel(t, item, rv).to_string();
                if !add {
                    p.tables.shift_remove(&key);
                    continue;
                }
                let where_ = pt.where_clause.as_deref().map(|w| {
                    let text = written_expr(t, item, w, Token::Where, true, &[]);
                    super::text::strip_parens(text)
                });
                let entry = PublishedTable {
                    columns: strings(&pt.columns),
                    where_,
                };
                p.tables.insert(key, entry);
            }
            (Obj::PublicationobjTable, None) => {
                let rv = pb::RangeVar {
                    relname: o.name.clone(),
                    ..Default::default()
                };
                let key = rel(t, item, &rv).to_string();
                if add {
                    p.tables.insert(key, PublishedTable::default());
                } else {
                    p.tables.shift_remove(&key);
                }
            }
            (Obj::PublicationobjTablesInSchema | Obj::PublicationobjTablesInCurSchema, _) => {
                let schema = match own {
                    Obj::PublicationobjTablesInCurSchema => creation_schema(item),
                    _ => o.name.clone(),
                };
                p.schemas.retain(|s| s != &schema);
                if add {
                    p.schemas.push(schema);
                }
            }
            _ => return Err(Refusal::new("a publication object not understood")),
        }
    }
    Ok(())
}

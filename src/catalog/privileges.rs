//! `ALTER DEFAULT PRIVILEGES` entries (pg_default_acl).

use diesel::sql_types::{Array, Nullable, Text};
use diesel::QueryableByName;

use super::acl::{grants, relation_letters, with_owner, AclKind};
use super::session::Session;
use super::CatalogError;
use crate::model::{Database, DefaultPrivilege, Unmanaged};

#[derive(QueryableByName)]
struct DefaultAclRow {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Nullable<Text>)]
    schema: Option<String>,
    #[diesel(sql_type = Text)]
    objtype: String,
    #[diesel(sql_type = Array<Text>)]
    acl: Vec<String>,
}

pub fn default_privileges(s: &mut Session, db: &mut Database) -> Result<(), CatalogError> {
    let rows: Vec<DefaultAclRow> = s.load(
        "default privileges",
        "SELECT pg_get_userbyid(d.defaclrole)::text AS role, n.nspname::text AS schema,
                d.defaclobjtype::text AS objtype, d.defaclacl::text[] AS acl
           FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
          WHERE d.defaclnamespace = 0 OR n.nspname = ANY($1)",
    )?;
    for r in rows {
        let (on, public_default) = match r.objtype.as_str() {
            "r" => ("tables", None),
            "S" => ("sequences", None),
            "f" => ("functions", Some('X')),
            "T" => ("types", Some('U')),
            "n" => ("schemas", None),
            _ => ("", None),
        };
        // A global entry replaces the built-in defaults (PUBLIC may have
        // lost EXECUTE/USAGE); a per-schema entry only adds to them.
        let kind = match (public_default, &r.schema) {
            (Some(p), None) => AclKind::PublicDefault(p),
            (_, _) if on == "tables" => AclKind::Relation(s.version),
            _ => AclKind::Plain,
        };
        // In a global entry the role's own full rights are the default; in a
        // per-schema entry a grant to itself is an explicit addition.
        let owner = if r.schema.is_some() {
            ""
        } else {
            r.role.as_str()
        };
        let mut g = grants(Some(&r.acl), owner, kind);
        if r.schema.is_none() {
            // The role's own defaults, when it took some of them away.
            let full = match r.objtype.as_str() {
                "r" => relation_letters(s.version),
                "S" => "rwU",
                "f" => "X",
                "T" => "U",
                _ => "UC",
            };
            g = with_owner(g, Some(&r.acl), &r.role, &s.me, full, kind);
        }
        let name = format!(
            "for {} in {} on {}",
            r.role,
            r.schema.as_deref().unwrap_or("*"),
            r.objtype
        );
        if on.is_empty() || g.is_empty() {
            // An object kind the model does not cover (large objects).
            db.unmanaged.push(Unmanaged {
                kind: "default privileges".into(),
                name,
            });
            continue;
        }
        db.default_privileges.push(DefaultPrivilege {
            for_role: s.owner(&r.role),
            schema: r.schema,
            on: on.to_string(),
            grants: g,
        });
    }
    Ok(())
}

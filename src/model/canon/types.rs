//! Type names in `format_type` form, computed offline from pg_query's parse
//! of `SELECT NULL::<type>`.

use pg_query::protobuf::{a_const, node::Node as N, Node, TypeName};

use crate::model::memo;
use crate::model::name::quote_ident;

/// pg_catalog types written by their internal name. `format_type` prints
/// these bare; everything else unqualified is a user type in `public`.
pub const BUILTIN_TYPES: &[&str] = &[
    "bigint",
    "bit",
    "bit varying",
    "boolean",
    "box",
    "bpchar",
    "bytea",
    "char",
    "character",
    "character varying",
    "cid",
    "cidr",
    "circle",
    "date",
    "daterange",
    "datemultirange",
    "double precision",
    "gtsvector",
    "inet",
    "int2vector",
    "int4range",
    "int4multirange",
    "int8range",
    "int8multirange",
    "integer",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "nummultirange",
    "numrange",
    "oid",
    "oidvector",
    "path",
    "pg_lsn",
    "pg_snapshot",
    "point",
    "polygon",
    "real",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "smallint",
    "text",
    "tid",
    "time with time zone",
    "time without time zone",
    "timestamp with time zone",
    "timestamp without time zone",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "uuid",
    "void",
    "trigger",
    "event_trigger",
    "xid",
    "xid8",
    "xml",
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anymultirange",
    "anycompatible",
    "anycompatiblearray",
    "cstring",
    "internal",
    "language_handler",
    "fdw_handler",
    "index_am_handler",
    "tsm_handler",
    "table_am_handler",
    "pg_node_tree",
    "aclitem",
    "\"char\"",
];

/// Internal (catalog) name -> the name `format_type` prints.
fn builtin_display(internal: &str) -> Option<&'static str> {
    Some(match internal {
        "int2" | "smallint" => "smallint",
        "int4" | "int" | "integer" => "integer",
        "int8" | "bigint" => "bigint",
        "float4" | "real" => "real",
        "float8" | "double precision" => "double precision",
        "bool" | "boolean" => "boolean",
        "varchar" => "character varying",
        "bpchar" => "bpchar",
        "timestamptz" => "timestamp with time zone",
        "timestamp" => "timestamp without time zone",
        "timetz" => "time with time zone",
        "time" => "time without time zone",
        "varbit" => "bit varying",
        "decimal" | "numeric" => "numeric",
        "char" => "\"char\"",
        other => return BUILTIN_TYPES.iter().copied().find(|b| *b == other),
    })
}

/// The `format_type` spelling of a type as a user may write it: `int4` ->
/// `integer`, `varchar(20)` -> `character varying(20)`, `_int4` ->
/// `integer[]`, `my_enum` -> `public.my_enum`, `"bıgınt"` -> `public."bıgınt"`.
pub fn canonical_type(text: &str) -> Result<String, String> {
    thread_local! {
        // A model spells the same few types thousands of times.
        static TYPES: memo::Table<String, Result<String, String>> = Default::default();
    }
    memo::get_or_compute(&TYPES, text, || {
        let tn = parse_type(text)?;
        canonical_type_node(&tn, text)
    })
}

/// [`canonical_type`] of a type name already parsed (a cast in a query);
/// `text` names it in errors.
pub fn canonical_type_node(tn: &TypeName, text: &str) -> Result<String, String> {
    if tn.setof {
        return Err(format!("`{text}`: SETOF is not a column type"));
    }
    if tn.pct_type {
        return Err(format!("`{text}`: %TYPE is not supported"));
    }
    let names: Vec<String> = tn.names.iter().filter_map(string_of).collect();
    if names.len() != tn.names.len() || names.is_empty() || names.len() > 2 {
        return Err(format!("`{text}` is not a type name"));
    }
    let mods = typmods(tn, text)?;
    let mut array = !tn.array_bounds.is_empty();
    let (schema, mut name) = match names.as_slice() {
        [n] => (None, n.clone()),
        [s, n] => (Some(s.clone()), n.clone()),
        _ => unreachable_names(text)?,
    };
    // `_int4` is the array type of a built-in.
    if schema.as_deref().is_none_or(|s| s == "pg_catalog") {
        if let Some(elem) = name.strip_prefix('_') {
            if builtin_display(elem).is_some() {
                name = elem.to_string();
                array = true;
            }
        }
    }
    let base = match schema.as_deref() {
        None | Some("pg_catalog") => match builtin_display(&name) {
            Some(display) => builtin_with_mods(display, &mods, text)?,
            None if schema.is_some() => {
                format!("pg_catalog.{}{}", quote_ident(&name), plain_mods(&mods))
            }
            None => format!("public.{}{}", quote_ident(&name), plain_mods(&mods)),
        },
        Some(s) => format!(
            "{}.{}{}",
            quote_ident(s),
            quote_ident(&name),
            plain_mods(&mods)
        ),
    };
    Ok(if array { format!("{base}[]") } else { base })
}

fn unreachable_names(text: &str) -> Result<(Option<String>, String), String> {
    Err(format!("`{text}` is not a type name"))
}

/// True when the canonical type (without `[]`) is a pg_catalog type.
pub fn is_builtin(canonical: &str) -> bool {
    let base = canonical.trim_end_matches("[]");
    let head = base.split('(').next().unwrap_or(base);
    let head = head
        .replace(" with time zone", "")
        .replace(" without time zone", "");
    BUILTIN_TYPES.contains(&base)
        || BUILTIN_TYPES.contains(&head.trim())
        || matches!(head.trim(), "time" | "timestamp")
        || base.starts_with("interval")
        || base.starts_with("pg_catalog.")
}

fn parse_type(text: &str) -> Result<TypeName, String> {
    let bad = || format!("`{text}` is not a type name");
    if text.trim().is_empty() || text.contains(';') {
        return Err(bad());
    }
    let parsed = pg_query::parse(&format!("SELECT NULL::{text}"), 0).map_err(|_| bad())?;
    let stmts = &parsed.protobuf.stmts;
    let [stmt] = stmts.as_slice() else {
        return Err(bad());
    };
    let Some(N::SelectStmt(select)) = stmt.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
        return Err(bad());
    };
    if !select.from_clause.is_empty() || select.where_clause.is_some() {
        return Err(bad());
    }
    let [target] = select.target_list.as_slice() else {
        return Err(bad());
    };
    let Some(N::ResTarget(rt)) = target.node.as_ref() else {
        return Err(bad());
    };
    if !rt.name.is_empty() {
        return Err(bad());
    }
    let Some(N::TypeCast(cast)) = rt.val.as_ref().and_then(|v| v.node.as_ref()) else {
        return Err(bad());
    };
    let is_null = matches!(
        cast.arg.as_ref().and_then(|a| a.node.as_ref()),
        Some(N::AConst(c)) if c.isnull
    );
    match (&cast.type_name, is_null) {
        (Some(tn), true) => Ok(tn.clone()),
        _ => Err(bad()),
    }
}

fn string_of(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        N::String(s) => Some(s.sval.clone()),
        _ => None,
    }
}

fn typmods(tn: &TypeName, text: &str) -> Result<Vec<i64>, String> {
    tn.typmods
        .iter()
        .map(|m| match m.node.as_ref() {
            Some(N::AConst(c)) => match &c.val {
                Some(a_const::Val::Ival(i)) => Ok(i64::from(i.ival)),
                _ => Err(format!("`{text}`: type modifiers must be integers")),
            },
            _ => Err(format!("`{text}`: type modifiers must be integers")),
        })
        .collect()
}

fn plain_mods(mods: &[i64]) -> String {
    if mods.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = mods.iter().map(|m| m.to_string()).collect();
        format!("({})", list.join(","))
    }
}

fn builtin_with_mods(display: &str, mods: &[i64], text: &str) -> Result<String, String> {
    let too_many = || format!("`{text}` has too many type modifiers");
    Ok(match display {
        "timestamp with time zone"
        | "timestamp without time zone"
        | "time with time zone"
        | "time without time zone" => match mods {
            [] => display.to_string(),
            [p] => {
                let (head, tail) = display.split_once(' ').unwrap_or((display, ""));
                format!("{head}({p}) {tail}")
            }
            _ => return Err(too_many()),
        },
        "numeric" => match mods {
            [] => "numeric".into(),
            [p] => format!("numeric({p},0)"),
            [p, s] => format!("numeric({p},{s})"),
            _ => return Err(too_many()),
        },
        "bpchar" => match mods {
            [] => "bpchar".into(),
            [n] => format!("character({n})"),
            _ => return Err(too_many()),
        },
        "interval" => interval(mods).ok_or_else(too_many)?,
        _ => match mods {
            [] => display.to_string(),
            [n] if matches!(display, "character varying" | "bit" | "bit varying") => {
                format!("{display}({n})")
            }
            _ => format!("{display}{}", plain_mods(mods)),
        },
    })
}

/// `interval` typmods from the grammar: a field mask, then an optional
/// precision.
fn interval(mods: &[i64]) -> Option<String> {
    const FULL: i64 = 0x7FFF;
    let (mask, precision) = match mods {
        [] => return Some("interval".into()),
        [m] => (*m, None),
        [m, p] => (*m, Some(*p)),
        _ => return None,
    };
    let (y, mo, d, h, mi, s) = (1 << 2, 1 << 1, 1 << 3, 1 << 10, 1 << 11, 1 << 12);
    let fields = match mask {
        FULL => "",
        m if m == y => " year",
        m if m == mo => " month",
        m if m == d => " day",
        m if m == h => " hour",
        m if m == mi => " minute",
        m if m == s => " second",
        m if m == y | mo => " year to month",
        m if m == d | h => " day to hour",
        m if m == d | h | mi => " day to minute",
        m if m == d | h | mi | s => " day to second",
        m if m == h | mi => " hour to minute",
        m if m == h | mi | s => " hour to second",
        m if m == mi | s => " minute to second",
        _ => return None,
    };
    Some(match precision {
        Some(p) => format!("interval{fields}({p})"),
        None => format!("interval{fields}"),
    })
}

#[cfg(test)]
mod tests {
    use super::canonical_type as t;

    #[test]
    fn builtins_and_aliases() {
        for (a, b) in [
            ("int", "integer"),
            ("int4", "integer"),
            ("INTEGER", "integer"),
            ("int2", "smallint"),
            ("int8", "bigint"),
            ("float4", "real"),
            ("float8", "double precision"),
            ("float", "double precision"),
            ("bool", "boolean"),
            ("varchar(20)", "character varying(20)"),
            ("varchar", "character varying"),
            ("char(3)", "character(3)"),
            ("char", "character(1)"),
            ("\"char\"", "\"char\""),
            ("timestamptz", "timestamp with time zone"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3) with time zone", "timestamp(3) with time zone"),
            ("timetz", "time with time zone"),
            ("time", "time without time zone"),
            ("numeric(10,2)", "numeric(10,2)"),
            ("decimal(10)", "numeric(10,0)"),
            ("numeric", "numeric"),
            ("varbit(5)", "bit varying(5)"),
            ("bit", "bit(1)"),
            ("int[]", "integer[]"),
            ("integer[][]", "integer[]"),
            ("_int4", "integer[]"),
            ("text[]", "text[]"),
            ("uuid", "uuid"),
            ("jsonb", "jsonb"),
            ("interval", "interval"),
            ("interval day to second", "interval day to second"),
            ("interval(3)", "interval(3)"),
            ("my_enum", "public.my_enum"),
            ("public.my_enum", "public.my_enum"),
            ("\"bıgınt\"", "public.\"bıgınt\""),
            ("auth.\"Role\"[]", "auth.\"Role\"[]"),
            ("pg_catalog.int4", "integer"),
            ("double precision", "double precision"),
        ] {
            assert_eq!(t(a).as_deref(), Ok(b), "{a}");
        }
    }

    #[test]
    fn rejects_non_types() {
        for bad in [
            "",
            "int; drop table x",
            "1",
            "setof int",
            "a.b.c",
            "int)",
            "x%type",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }
}

//! Column type advice, as Squawk gives it: text over varchar(n) and
//! char(n), timestamptz over timestamp, identity over serial, 64-bit keys.

use pg_query::protobuf::{ColumnDef, ConstrType, CreateStmt};
use pg_query::NodeEnum;

use super::{File, SqlContext};

/// The serial pseudo-types: a column default from a sequence of its own.
pub(super) const SERIAL: &[&str] = &[
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallserial",
    "bigserial",
];

/// Key types that run out: 2^31 (or 2^15) values.
const SMALL_KEYS: &[&str] = &[
    "int4",
    "int2",
    "serial",
    "serial4",
    "serial2",
    "smallserial",
];

/// The type's own name, lower case (`varchar`, `int4`, `serial`).
pub(super) fn name(col: &ColumnDef) -> Option<String> {
    col.type_name
        .as_ref()?
        .names
        .last()
        .and_then(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.to_lowercase()),
            _ => None,
        })
}

pub(super) fn create_table(s: &CreateStmt, table: &str, ctx: &mut SqlContext, f: &mut File) {
    for elt in &s.table_elts {
        match elt.node.as_ref() {
            Some(NodeEnum::ColumnDef(col)) => {
                let at = f.at(col.location);
                column(col, &col.colname, table, &at, ctx, f);
            }
            Some(NodeEnum::Constraint(k)) if k.contype == ConstrType::ConstrPrimary as i32 => {
                let keys: Vec<String> = k
                    .keys
                    .iter()
                    .filter_map(|n| match n.node.as_ref() {
                        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                        _ => None,
                    })
                    .collect();
                let at = f.at(k.location);
                primary_key(&keys, table, &at, ctx, f);
            }
            _ => {}
        }
    }
}

/// Advice on a column's type (`column` names it: an ALTER COLUMN TYPE's
/// definition has no name of its own); the type is kept for primary keys
/// named later. `at` is used when the column has no location.
pub(super) fn column(
    col: &ColumnDef,
    column: &str,
    table: &str,
    at: &str,
    ctx: &mut SqlContext,
    f: &mut File,
) {
    let Some(ty) = name(col) else {
        return;
    };
    ctx.column_types
        .entry(table.to_string())
        .or_default()
        .insert(column.to_string(), ty.clone());
    let at = if col.location >= 0 {
        f.at(col.location)
    } else {
        at.to_string()
    };
    let sized = col
        .type_name
        .as_ref()
        .is_some_and(|t| !t.typmods.is_empty());
    match ty.as_str() {
        "varchar" if sized => f.push(
            "prefer_text",
            at.clone(),
            format!("column {column} is varchar(n): changing n later locks the table ACCESS EXCLUSIVE (and shrinking it rewrites the table)"),
        ),
        "bpchar" => f.push(
            "prefer_text",
            at.clone(),
            format!("column {column} is char(n): it pads values with spaces, which comparisons and lengths then ignore or count"),
        ),
        "timestamp" => f.push(
            "prefer_timestamptz",
            at.clone(),
            format!("column {column} is timestamp without time zone: the offset of each value is dropped, so the same instant from two time zones is stored as two values"),
        ),
        t if SERIAL.contains(&t) && ctx.pg_version >= 10 => f.push(
            "prefer_identity",
            at.clone(),
            format!("column {column} is {t}: its sequence is a separate object with its own owner and grants, and a copied table shares it"),
        ),
        _ => {}
    }
    let primary = col.constraints.iter().any(|n| {
        matches!(n.node.as_ref(), Some(NodeEnum::Constraint(k)) if k.contype == ConstrType::ConstrPrimary as i32)
    });
    if primary {
        primary_key(&[column.to_string()], table, &at, ctx, f);
    }
}

/// A primary key on a 32-bit (or 16-bit) column runs out of values.
pub(super) fn primary_key(keys: &[String], table: &str, at: &str, ctx: &SqlContext, f: &mut File) {
    let Some(types) = ctx.column_types.get(table) else {
        return;
    };
    for key in keys {
        if let Some(t) = types.get(key).filter(|t| SMALL_KEYS.contains(&t.as_str())) {
            let bits = if t.contains('2') || t == "smallserial" {
                16
            } else {
                32
            };
            f.push(
                "prefer_bigint_key",
                at.to_string(),
                format!("primary key column {key} is {t}: {bits}-bit keys run out, and widening them later rewrites the table and every foreign key to it"),
            );
        }
    }
}

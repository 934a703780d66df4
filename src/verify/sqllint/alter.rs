//! ALTER TABLE commands: what each does to a table others are using.

use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, Node, NullTestType,
};
use pg_query::{NodeEnum, NodeRef};

use super::{types, File, SqlContext};

/// The table's name without its schema, as the messages say it.
fn short(table: &str) -> &str {
    table.split_once('.').map_or(table, |(_, n)| n)
}

pub(super) fn command(
    c: &AlterTableCmd,
    table: &str,
    in_tx: bool,
    at: &str,
    ctx: &mut SqlContext,
    f: &mut File,
) {
    let def = c.def.as_ref().and_then(|d| d.node.as_ref());
    let new = f.is_new(table);
    let name = short(table);
    let Ok(subtype) = AlterTableType::try_from(c.subtype) else {
        return;
    };
    match subtype {
        AlterTableType::AtAddColumn => {
            if let Some(NodeEnum::ColumnDef(col)) = def {
                add_column(col, table, new, at, ctx, f);
            }
        }
        AlterTableType::AtAlterColumnType => {
            if !new {
                f.push(
                    "alter_column_type",
                    at.to_string(),
                    format!(
                        "ALTER COLUMN {} TYPE may rewrite {name} under an ACCESS EXCLUSIVE lock",
                        c.name
                    ),
                );
            }
            if let Some(NodeEnum::ColumnDef(col)) = def {
                types::column(col, &c.name, table, at, ctx, f);
            }
        }
        AlterTableType::AtAddConstraint => {
            if let Some(NodeEnum::Constraint(k)) = def {
                add_constraint(k, table, new, at, ctx, f);
            }
        }
        AlterTableType::AtValidateConstraint => validate(&c.name, table, at, ctx, f),
        AlterTableType::AtSetNotNull if !new => {
            let proven = ctx
                .proven_not_null
                .contains(&(table.to_string(), c.name.clone()));
            if !(proven && ctx.pg_version >= 12) {
                let hint = if proven {
                    format!(
                        "; the validated CHECK (... IS NOT NULL) spares the scan only from PostgreSQL 12 on, and the target is {}",
                        ctx.pg_version
                    )
                } else {
                    String::new()
                };
                f.push(
                    "set_not_null",
                    at.to_string(),
                    format!(
                        "SET NOT NULL on {} scans {name} under an ACCESS EXCLUSIVE lock{hint}",
                        c.name
                    ),
                );
            }
        }
        AlterTableType::AtDropNotNull if !new => f.push(
            "drop_not_null",
            at.to_string(),
            format!(
                "DROP NOT NULL on {name}.{}: code that reads the column may not expect NULL",
                c.name
            ),
        ),
        AlterTableType::AtDropColumn => f.push(
            "drop_column",
            at.to_string(),
            format!("DROP COLUMN {} deletes its data", c.name),
        ),
        AlterTableType::AtDetachPartition => {
            if let Some(NodeEnum::PartitionCmd(p)) = def {
                if p.concurrent && ctx.pg_version < 14 {
                    f.push(
                        "detach_partition_concurrently_before_pg14",
                        at.to_string(),
                        format!(
                            "DETACH PARTITION CONCURRENTLY needs PostgreSQL 14 or later; the target is {}",
                            ctx.pg_version
                        ),
                    );
                } else if p.concurrent && in_tx {
                    super::concurrently_in_transaction(f, at, "DETACH PARTITION CONCURRENTLY");
                }
            }
        }
        _ => {}
    }
}

fn add_constraint(
    k: &Constraint,
    table: &str,
    new: bool,
    at: &str,
    ctx: &mut SqlContext,
    f: &mut File,
) {
    let Ok(kind) = ConstrType::try_from(k.contype) else {
        return;
    };
    let key = (table.to_string(), k.conname.clone());
    if kind == ConstrType::ConstrCheck {
        if let Some(col) = k.raw_expr.as_deref().and_then(not_null_column) {
            ctx.not_null_checks.insert(key.clone(), col.clone());
            if !k.skip_validation {
                ctx.proven_not_null.insert((table.to_string(), col));
            }
        }
    }
    match kind {
        ConstrType::ConstrForeign | ConstrType::ConstrCheck if !new => {
            if k.skip_validation {
                let lock = if kind == ConstrType::ConstrForeign {
                    "SHARE ROW EXCLUSIVE on both tables"
                } else {
                    "ACCESS EXCLUSIVE"
                };
                f.not_valid.insert(key, (f.tx, lock));
            } else {
                f.push(
                    "constraint_without_not_valid",
                    at.to_string(),
                    format!("constraint {} is validated under lock; add it NOT VALID, then VALIDATE CONSTRAINT", k.conname),
                );
            }
        }
        ConstrType::ConstrUnique | ConstrType::ConstrPrimary => {
            if !new && k.indexname.is_empty() {
                index_constraint(kind, &k.conname, table, at, f);
            }
            let keys = names(&k.keys);
            if kind == ConstrType::ConstrPrimary {
                types::primary_key(&keys, table, at, ctx, f);
            }
        }
        _ => {}
    }
}

/// UNIQUE or PRIMARY KEY on a table with rows builds its index under the
/// ALTER TABLE's ACCESS EXCLUSIVE lock.
fn index_constraint(kind: ConstrType, name: &str, table: &str, at: &str, f: &mut File) {
    let (id, what) = if kind == ConstrType::ConstrPrimary {
        ("add_primary_key_without_index", "PRIMARY KEY")
    } else {
        ("add_unique_without_index", "UNIQUE")
    };
    let label = if name.is_empty() {
        String::new()
    } else {
        format!(" {name}")
    };
    f.push(
        id,
        at.to_string(),
        format!(
            "{what}{label} on {} builds its index under an ACCESS EXCLUSIVE lock, blocking reads and writes",
            short(table)
        ),
    );
}

/// VALIDATE in the transaction that added the constraint NOT VALID keeps
/// the ADD's lock through the validating scan: the point of NOT VALID is
/// lost.
fn validate(name: &str, table: &str, at: &str, ctx: &mut SqlContext, f: &mut File) {
    let key = (table.to_string(), name.to_string());
    if let Some((tx, lock)) = f.not_valid.get(&key) {
        if *tx == f.tx {
            let message = format!(
                "VALIDATE CONSTRAINT {name} runs in the transaction that added it NOT VALID, so the ADD's {lock} lock is held through the whole validating scan"
            );
            f.push("validate_in_same_transaction", at.to_string(), message);
        }
    }
    if let Some(col) = ctx.not_null_checks.get(&key).cloned() {
        ctx.proven_not_null.insert((table.to_string(), col));
    }
}

/// The column of `col IS NOT NULL`.
fn not_null_column(expr: &Node) -> Option<String> {
    let NodeEnum::NullTest(t) = expr.node.as_ref()? else {
        return None;
    };
    if t.nulltesttype != NullTestType::IsNotNull as i32 {
        return None;
    }
    let NodeEnum::ColumnRef(c) = t.arg.as_ref()?.node.as_ref()? else {
        return None;
    };
    names(&c.fields).pop()
}

/// The plain strings of a name list.
fn names(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn add_column(
    col: &ColumnDef,
    table: &str,
    new: bool,
    at: &str,
    ctx: &mut SqlContext,
    f: &mut File,
) {
    types::column(col, &col.colname, table, at, ctx, f);
    let constraints: Vec<&Constraint> = col
        .constraints
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::Constraint(k)) => Some(k.as_ref()),
            _ => None,
        })
        .collect();
    let has = |t: ConstrType| constraints.iter().any(|k| k.contype == t as i32);
    let default = constraints
        .iter()
        .find(|k| k.contype == ConstrType::ConstrDefault as i32)
        .and_then(|k| k.raw_expr.as_deref())
        .or(col.raw_default.as_deref());
    let not_null = col.is_not_null || has(ConstrType::ConstrNotnull);
    let has_default =
        default.is_some() || has(ConstrType::ConstrIdentity) || has(ConstrType::ConstrGenerated);
    if not_null && !has_default && !new {
        f.push(
            "add_column_not_null_without_default",
            at.to_string(),
            format!(
                "ADD COLUMN {} NOT NULL without a default fails on a table with rows",
                col.colname
            ),
        );
    }
    if new {
        return;
    }
    for kind in [ConstrType::ConstrPrimary, ConstrType::ConstrUnique] {
        if has(kind) {
            index_constraint(kind, "", table, at, f);
        }
    }
    // Values computed per row force a rewrite on every version; since
    // PostgreSQL 11 a non-volatile default is stored once in the catalog.
    let serial = types::name(col).is_some_and(|t| types::SERIAL.contains(&t.as_str()));
    let stored = constraints
        .iter()
        .any(|k| k.contype == ConstrType::ConstrGenerated as i32 && k.generated_kind != "v");
    let per_row = if serial {
        Some("a serial default (nextval) is volatile".to_string())
    } else if has(ConstrType::ConstrIdentity) {
        Some("an identity column gets a value per row".to_string())
    } else if stored {
        Some("a stored generated column is computed per row".to_string())
    } else {
        default
            .and_then(volatile_call)
            .map(|f| format!("its default calls {f}(), which is volatile"))
    };
    let reason = match per_row {
        Some(why) => why,
        None if ctx.pg_version < 11 && default.is_some_and(|d| !is_null(d)) => format!(
            "any default rewrites the table before PostgreSQL 11; the target is {}",
            ctx.pg_version
        ),
        None => return,
    };
    f.push(
        "add_column_rewrites_table",
        at.to_string(),
        format!(
            "ADD COLUMN {} rewrites {} under an ACCESS EXCLUSIVE lock: {reason}",
            col.colname,
            short(table)
        ),
    );
}

/// Built-in and common extension functions marked VOLATILE.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
];

/// The first volatile function an expression calls.
fn volatile_call(expr: &Node) -> Option<String> {
    let node = expr.node.as_ref()?;
    node.nodes().into_iter().find_map(|(n, ..)| match n {
        NodeRef::FuncCall(f) => f
            .funcname
            .last()
            .and_then(|n| match n.node.as_ref() {
                Some(NodeEnum::String(s)) => Some(s.sval.to_lowercase()),
                _ => None,
            })
            .filter(|name| VOLATILE.contains(&name.as_str())),
        _ => None,
    })
}

fn is_null(expr: &Node) -> bool {
    matches!(expr.node.as_ref(), Some(NodeEnum::AConst(c)) if c.isnull)
}

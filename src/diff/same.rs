//! Semantic equality of model parts: expressions through
//! `expr::equivalent`, everything else structurally, defaults normalised
//! (None vs PostgreSQL's default value). Comments, owners and grants are
//! left out: they change in place (see `extras`).

use crate::model::expr::{equivalent, equivalent_statement, equivalent_with, ExprContext};
use crate::model::{
    Aggregate, Check, CompositeType, Domain, Exclusion, ForeignKey, Function, Index, IndexElem,
    Policy, PrimaryKey, Rule, Sequence, Trigger, Unique, View,
};

/// Expressions of table `rel`: `rel.col` and `col` are the same column
/// (PostgreSQL qualifies columns inside sub-selects).
pub fn expr_in(rel: &str, a: &str, b: &str) -> bool {
    let cx = ExprContext {
        relation: Some(rel.to_string()),
        ..ExprContext::default()
    };
    equivalent_with(a, b, &cx)
}

pub fn opt_expr_in(rel: &str, a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => expr_in(rel, x, y),
        _ => false,
    }
}

/// View definitions are whole queries: compared as scalar subqueries.
pub fn query(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.trim().trim_end_matches(';').trim().to_string();
    let (a, b) = (strip(a), strip(b));
    // Sub-select target names are dropped by the normaliser; a view's
    // column names matter, so they are compared on their own.
    a == b
        || (equivalent(&format!("({a})"), &format!("({b})"))
            && super::view::same_names(&a, &b)
            && super::view::same_casts(&a, &b))
}

/// A rule's body, what CREATE OR REPLACE RULE changes: its enabled state
/// and comment aside. Actions are compared as PostgreSQL parses them.
pub fn rule(a: &Rule, b: &Rule) -> bool {
    let cond = match (&a.where_, &b.where_) {
        (None, None) => true,
        (Some(x), Some(y)) => equivalent(x, y),
        _ => false,
    };
    a.event == b.event
        && a.instead == b.instead
        && cond
        && a.actions.len() == b.actions.len()
        && a.actions
            .iter()
            .zip(&b.actions)
            .all(|(x, y)| equivalent_statement(x, y))
}

pub fn primary_key(a: &PrimaryKey, b: &PrimaryKey) -> bool {
    a.name == b.name
        && a.columns == b.columns
        && a.without_overlaps == b.without_overlaps
        && a.include == b.include
        && a.deferrable == b.deferrable
}

pub fn unique(a: &Unique, b: &Unique) -> bool {
    a.columns == b.columns
        && a.without_overlaps == b.without_overlaps
        && a.include == b.include
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.deferrable == b.deferrable
}

pub fn check(a: &Check, b: &Check, rel: &str) -> bool {
    expr_in(rel, &a.expression, &b.expression)
        && a.no_inherit == b.no_inherit
        && a.not_valid == b.not_valid
        && a.not_enforced == b.not_enforced
}

/// A reference without columns is kept only when its table is not in the
/// model (else its primary key is filled in): it means that table's
/// primary key, whatever a database says it is (`auth.users` against
/// `auth.users(id)`).
fn same_reference(a: &str, b: &str) -> bool {
    use crate::model::canon::keys::parse_references;
    if a == b {
        return true;
    }
    match (parse_references(a), parse_references(b)) {
        (Ok((x, xc)), Ok((y, yc))) => x == y && (xc.is_empty() || yc.is_empty()),
        _ => false,
    }
}

pub fn exclusion(a: &Exclusion, b: &Exclusion) -> bool {
    a.definition
        .split_whitespace()
        .eq(b.definition.split_whitespace())
        && a.deferrable == b.deferrable
}

pub fn foreign_key(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && same_reference(&a.references, &b.references)
        && a.on_delete == b.on_delete
        && a.on_delete_columns == b.on_delete_columns
        && a.on_update == b.on_update
        && a.match_ == b.match_
        && a.deferrable == b.deferrable
        && a.not_valid == b.not_valid
        && a.period == b.period
        && a.not_enforced == b.not_enforced
}

fn elem(a: &IndexElem, b: &IndexElem, rel: &str) -> bool {
    a.column == b.column
        && opt_expr_in(rel, &a.expression, &b.expression)
        && a.opclass == b.opclass
        && a.collation == b.collation
        && a.order.unwrap_or(crate::model::SortOrder::Asc)
            == b.order.unwrap_or(crate::model::SortOrder::Asc)
        && a.nulls == b.nulls
}

/// The same index but for what ALTER INDEX changes in place (comment,
/// statistics targets).
pub fn index(a: &Index, b: &Index, rel: &str) -> bool {
    let method = |i: &Index| i.method.clone().unwrap_or_else(|| "btree".into());
    a.unique == b.unique
        && method(a) == method(b)
        && a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .zip(&b.columns)
            .all(|(x, y)| elem(x, y, rel))
        && a.include == b.include
        && opt_expr_in(rel, &a.where_, &b.where_)
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.options == b.options
}

pub fn roles(p: &Policy) -> Vec<String> {
    let mut r = p.to.clone();
    if r.is_empty() {
        r.push("public".into());
    }
    r.sort();
    r
}

/// Same command and kind (the parts ALTER POLICY cannot change).
pub fn policy_kind(a: &Policy, b: &Policy) -> bool {
    a.command == b.command && a.restrictive == b.restrictive
}

pub fn policy(a: &Policy, b: &Policy, rel: &str) -> bool {
    policy_kind(a, b)
        && roles(a) == roles(b)
        && opt_expr_in(rel, &a.using, &b.using)
        && opt_expr_in(rel, &a.with_check, &b.with_check)
}

pub fn trigger(a: &Trigger, b: &Trigger, rel: &str) -> bool {
    let enabled = |t: &Trigger| t.enabled.clone().unwrap_or_else(|| "origin".into());
    a.timing == b.timing
        && a.events == b.events
        && a.columns == b.columns
        && a.for_each == b.for_each
        && opt_expr_in(rel, &a.when, &b.when)
        && a.function == b.function
        && a.arguments == b.arguments
        && a.old_table == b.old_table
        && a.new_table == b.new_table
        && a.constraint == b.constraint
        && a.deferrable == b.deferrable
        && enabled(a) == enabled(b)
}

pub fn view(a: &View, b: &View) -> bool {
    a.materialized == b.materialized
        && query(&a.definition, &b.definition)
        && a.options == b.options
        && a.check_option == b.check_option
}

/// The parts CREATE OR REPLACE cannot change.
pub fn function_signature(a: &Function, b: &Function) -> bool {
    a.kind == b.kind && a.arguments == b.arguments && a.returns == b.returns
}

pub fn function(a: &Function, b: &Function) -> bool {
    let parallel = |f: &Function| f.parallel.clone().unwrap_or_else(|| "unsafe".into());
    function_signature(a, b)
        && a.language == b.language
        && a.body.trim() == b.body.trim()
        && a.volatility == b.volatility
        && a.strict == b.strict
        && a.security_definer == b.security_definer
        && a.leakproof == b.leakproof
        && parallel(a) == parallel(b)
        && a.cost == b.cost
        && a.rows == b.rows
        && config(a) == config(b)
}

/// `search_path: ""` is stored as `search_path=""`: the catalog may report
/// the quotes, the desired state writes an empty string.
fn config(f: &Function) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = f
        .config
        .iter()
        .map(|(k, v)| {
            let v = if v == "\"\"" {
                String::new()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    out.sort();
    out
}

pub fn aggregate(a: &Aggregate, b: &Aggregate) -> bool {
    let mut x = a.clone();
    let mut y = b.clone();
    x.comment = None;
    y.comment = None;
    x.grants.clear();
    y.grants.clear();
    x == y
}

pub fn composite(a: &CompositeType, b: &CompositeType) -> bool {
    a.attributes == b.attributes
}

pub fn domain(a: &Domain, b: &Domain) -> bool {
    a.type_ == b.type_
        && a.collation == b.collation
        && a.nullable == b.nullable
        && opt_expr_in("VALUE", &a.default, &b.default)
        && a.checks.len() == b.checks.len()
        && a.checks
            .iter()
            .all(|(n, x)| b.checks.get(n).is_some_and(|y| equivalent(x, y)))
}

pub fn sequence(a: &Sequence, b: &Sequence) -> bool {
    let mut x = a.clone();
    let mut y = b.clone();
    for s in [&mut x, &mut y] {
        s.comment = None;
        s.grants.clear();
        s.owned_by = None;
    }
    x == y
}

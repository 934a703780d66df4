//! What a step does to the people using the database: one declared set of
//! hazard codes, each with its level and what it holds or loses.

use serde::Serialize;

/// How dangerous a step is, with the source documents' colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Additive and instant.
    Green,
    /// Takes locks or scans (index builds, validation, SET NOT NULL).
    Yellow,
    /// Destroys data, rewrites a table, or widens access.
    Red,
}

/// Every hazard a plan can name. The code is stable: it is written into
/// migration headers and JSON output as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A column with no default or a constant one: an instant lock, no rewrite.
    AddColumn,
    /// A CHECK or foreign key added NOT ENFORCED: never checked.
    ConstraintNotEnforced,
    /// A constraint added NOT VALID: an instant lock, new rows checked.
    ConstraintNotValid,
    /// A permissive policy: adds rows a role may see.
    PolicyAdded,
    /// A policy dropped and created in one transaction.
    PolicyRecreated,
    /// A restrictive policy added or tightened, or a permissive one dropped.
    AccessNarrowed,
    /// More privileges granted.
    AccessWidened,
    /// A constraint checked against every row while it is added.
    ConstraintScan,
    /// A materialized view dropped: its data is computed again on create.
    DropMaterializedView,
    /// An index built (CONCURRENTLY where it can be).
    IndexBuild,
    /// A materialized view computed.
    MaterializedViewBuild,
    /// A materialized view emptied (`REFRESH ... WITH NO DATA`): reading it
    /// fails until it is refreshed.
    MaterializedViewEmptied,
    /// NOT NULL on a new column without a default: fails on a table with rows.
    NotNullWithoutDefault,
    /// A policy's roles or expressions changed in place.
    PolicyChanged,
    /// SET NOT NULL on an existing column.
    SetNotNull,
    /// A column type changed without a rewrite.
    TypeChange,
    /// VALIDATE CONSTRAINT: a scan under SHARE UPDATE EXCLUSIVE.
    Validate,
    /// Row level security off, or a restrictive policy relaxed or dropped:
    /// rows become visible that were not.
    RowsWidened,
    /// A column dropped with its data.
    DropColumn,
    /// A table dropped with its rows.
    DropTable,
    /// A table rewritten under an ACCESS EXCLUSIVE lock.
    TableRewrite,
    /// A type change whose new type may not hold every old value.
    TypeNarrowed,
    /// A publication dropped: its subscribers stop receiving changes.
    PublicationDropped,
    /// A table published for updates or deletes without a replica
    /// identity: PostgreSQL refuses its UPDATEs and DELETEs from then on.
    WritesRefused,
}

impl Code {
    /// Every code, for documentation and tests.
    pub const ALL: [Code; 24] = {
        use Code::*;
        [
            AddColumn,
            ConstraintNotEnforced,
            ConstraintNotValid,
            PolicyAdded,
            PolicyRecreated,
            AccessNarrowed,
            AccessWidened,
            ConstraintScan,
            DropMaterializedView,
            IndexBuild,
            MaterializedViewBuild,
            MaterializedViewEmptied,
            NotNullWithoutDefault,
            PolicyChanged,
            SetNotNull,
            TypeChange,
            Validate,
            RowsWidened,
            DropColumn,
            DropTable,
            TableRewrite,
            TypeNarrowed,
            PublicationDropped,
            WritesRefused,
        ]
    };

    /// Each code's level: the same wherever it is raised.
    pub fn level(self) -> Level {
        use Code::*;
        match self {
            AddColumn
            | ConstraintNotEnforced
            | ConstraintNotValid
            | PolicyAdded
            | PolicyRecreated => Level::Green,
            AccessNarrowed
            | AccessWidened
            | ConstraintScan
            | DropMaterializedView
            | IndexBuild
            | MaterializedViewBuild
            | NotNullWithoutDefault
            | PolicyChanged
            | SetNotNull
            | TypeChange
            | Validate => Level::Yellow,
            RowsWidened
            | DropColumn
            | DropTable
            | TableRewrite
            | TypeNarrowed
            | PublicationDropped
            | WritesRefused
            | MaterializedViewEmptied => Level::Red,
        }
    }

    /// Whether the step's down script can restore the structure but not
    /// the data.
    pub fn loses_data(self) -> bool {
        matches!(
            self,
            Code::DropColumn | Code::DropTable | Code::TypeNarrowed
        )
    }

    /// The code as written in headers and JSON.
    pub fn as_str(self) -> &'static str {
        use Code::*;
        match self {
            AddColumn => "add_column",
            ConstraintNotEnforced => "constraint_not_enforced",
            ConstraintNotValid => "constraint_not_valid",
            PolicyAdded => "policy_added",
            PolicyRecreated => "policy_recreated",
            AccessNarrowed => "access_narrowed",
            AccessWidened => "access_widened",
            ConstraintScan => "constraint_scan",
            DropMaterializedView => "drop_materialized_view",
            IndexBuild => "index_build",
            MaterializedViewBuild => "materialized_view_build",
            MaterializedViewEmptied => "materialized_view_emptied",
            NotNullWithoutDefault => "not_null_without_default",
            PolicyChanged => "policy_changed",
            SetNotNull => "set_not_null",
            TypeChange => "type_change",
            Validate => "validate",
            RowsWidened => "rows_widened",
            DropColumn => "drop_column",
            DropTable => "drop_table",
            TableRewrite => "table_rewrite",
            TypeNarrowed => "type_narrowed",
            PublicationDropped => "publication_dropped",
            WritesRefused => "writes_refused",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    /// The code's level.
    pub level: Level,
    pub code: Code,
    pub message: String,
}

impl Hazard {
    pub fn new(code: Code, message: String) -> Hazard {
        Hazard {
            level: code.level(),
            code,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_writes_as_its_serde_name() {
        let all = Code::ALL;
        for c in all {
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        assert!(all
            .iter()
            .filter(|c| c.loses_data())
            .all(|c| c.level() == Level::Red));
    }
}

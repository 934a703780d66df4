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

/// Declares the hazard codes, each once: its name in headers and JSON and
/// its level, the same wherever it is raised.
macro_rules! codes {
    ($($(#[$doc:meta])* $code:ident = $word:literal, $level:ident;)*) => {
        /// Every hazard a plan can name. The code is stable: it is written
        /// into migration headers and JSON output as its snake_case name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Code {
            $($(#[$doc])* $code,)*
        }

        impl Code {
            /// Every code, for documentation and tests.
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            /// Each code's level: the same wherever it is raised.
            pub fn level(self) -> Level {
                match self {
                    $(Code::$code => Level::$level,)*
                }
            }

            /// The code as written in headers and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => $word,)*
                }
            }
        }
    };
}

codes! {
    /// A column with no default or a constant one: an instant lock, no rewrite.
    AddColumn = "add_column", Green;
    /// A CHECK or foreign key added NOT ENFORCED: never checked.
    ConstraintNotEnforced = "constraint_not_enforced", Green;
    /// A constraint added NOT VALID: an instant lock, new rows checked.
    ConstraintNotValid = "constraint_not_valid", Green;
    /// A permissive policy: adds rows a role may see.
    PolicyAdded = "policy_added", Green;
    /// A policy dropped and created in one transaction.
    PolicyRecreated = "policy_recreated", Green;
    /// A restrictive policy added or tightened, or a permissive one dropped.
    AccessNarrowed = "access_narrowed", Yellow;
    /// More privileges granted.
    AccessWidened = "access_widened", Yellow;
    /// An extension updated where no update path leads back: its down
    /// drops it and creates it at the old version, which fails while
    /// anything depends on it.
    ExtensionOneWay = "extension_one_way", Yellow;
    /// A constraint checked against every row while it is added.
    ConstraintScan = "constraint_scan", Yellow;
    /// A materialized view dropped: its data is computed again on create.
    DropMaterializedView = "drop_materialized_view", Yellow;
    /// An index built (CONCURRENTLY where it can be).
    IndexBuild = "index_build", Yellow;
    /// A materialized view computed.
    MaterializedViewBuild = "materialized_view_build", Yellow;
    /// A materialized view emptied (`REFRESH ... WITH NO DATA`): reading it
    /// fails until it is refreshed.
    MaterializedViewEmptied = "materialized_view_emptied", Red;
    /// A table attached as a partition: scanned to check its rows fit the
    /// bound, under an ACCESS EXCLUSIVE lock on it.
    PartitionAttach = "partition_attach", Yellow;
    /// A partition detached: an ACCESS EXCLUSIVE lock on it and its parent.
    PartitionDetach = "partition_detach", Yellow;
    /// NOT NULL on a new column without a default: fails on a table with rows.
    NotNullWithoutDefault = "not_null_without_default", Yellow;
    /// A policy's roles or expressions changed in place.
    PolicyChanged = "policy_changed", Yellow;
    /// SET NOT NULL on an existing column.
    SetNotNull = "set_not_null", Yellow;
    /// A column type changed without a rewrite.
    TypeChange = "type_change", Yellow;
    /// VALIDATE CONSTRAINT: a scan under SHARE UPDATE EXCLUSIVE.
    Validate = "validate", Yellow;
    /// Row level security off, or a restrictive policy relaxed or dropped:
    /// rows become visible that were not.
    RowsWidened = "rows_widened", Red;
    /// A column dropped with its data.
    DropColumn = "drop_column", Red;
    /// A table dropped with its rows.
    DropTable = "drop_table", Red;
    /// A table rewritten under an ACCESS EXCLUSIVE lock.
    TableRewrite = "table_rewrite", Red;
    /// A type change whose new type may not hold every old value.
    TypeNarrowed = "type_narrowed", Red;
    /// An extension dropped and created at another version, which no
    /// update path reaches (a downgrade): what it holds is lost, and it
    /// fails while anything depends on it.
    ExtensionRecreated = "extension_recreated", Red;
    /// A publication dropped: its subscribers stop receiving changes.
    PublicationDropped = "publication_dropped", Red;
    /// A table published for updates or deletes without a replica
    /// identity: PostgreSQL refuses its UPDATEs and DELETEs from then on.
    WritesRefused = "writes_refused", Red;
}

impl Code {
    /// Whether the step's down script can restore the structure but not
    /// the data.
    pub fn loses_data(self) -> bool {
        matches!(
            self,
            Code::DropColumn | Code::DropTable | Code::TypeNarrowed
        )
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
        for &c in all {
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        assert!(all
            .iter()
            .filter(|c| c.loses_data())
            .all(|c| c.level() == Level::Red));
    }
}

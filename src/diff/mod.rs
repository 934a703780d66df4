//! Diff: two models in, changes out. Pure.

/// What the diff may do on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Allow a drop and an add of the same shape without `renamed_from`
    /// (otherwise refused as a probable unmarked rename).
    pub allow_drop_add: bool,
}

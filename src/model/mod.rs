//! The schema model: types, names, the desired-state format and its loading.

pub mod name;
pub mod short;
pub mod types;

pub use name::{quote_ident, QualifiedName};
pub use types::*;
pub mod write;

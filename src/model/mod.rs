//! The schema model: types, names, the desired-state format and its loading.

pub mod canon;
pub mod error;
pub mod expr;
pub mod load;
pub mod name;
pub mod schema_json;
pub mod short;
pub mod types;
pub mod validate;

pub use name::{quote_ident, QualifiedName};
pub use types::*;
pub mod write;

//! Object ids: what names a step, an edge between steps and a catalog
//! dependency. Written `kind:key[.part][:stage]`, e.g. `table:public.t`,
//! `column:public.t.a`, `fk:public.t.t_a_fkey:drop`, in migration headers,
//! JSON and `--explain`.
//!
//! That text is also the ids' order (plans break ties on it), so an id
//! keeps it whole and reads its kind and stage from it; it is only ever
//! made here, from a typed kind and stage.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Serialize, Serializer};

/// Declares the id kinds, each once with the word that starts its ids.
macro_rules! kinds {
    ($($(#[$doc:meta])* $kind:ident = $word:literal,)*) => {
        /// What an id names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum IdKind {
            $($(#[$doc])* $kind,)*
        }

        impl IdKind {
            #[cfg(test)]
            const ALL: &'static [IdKind] = &[$(IdKind::$kind,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(IdKind::$kind => $word,)*
                }
            }

            /// The kind written `s`, if any.
            pub fn parse(s: &str) -> Option<IdKind> {
                match s {
                    $($word => Some(IdKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    Schema = "schema",
    Extension = "extension",
    Collation = "collation",
    TextSearchConfiguration = "text_search_configuration",
    Type = "type",
    /// A value of an enum (a rename).
    EnumValue = "enum_value",
    Domain = "domain",
    DomainCheck = "domain_check",
    Sequence = "sequence",
    /// A sequence's OWNED BY.
    OwnedBy = "owned_by",
    Function = "function",
    Aggregate = "aggregate",
    Table = "table",
    Column = "column",
    /// A column default set apart from its column (it reads a function).
    Default = "default",
    Check = "check",
    Fk = "fk",
    Pk = "pk",
    Unique = "unique",
    Exclusion = "exclusion",
    /// Any constraint of a table, by name (a rename).
    Constraint = "constraint",
    Index = "index",
    Policy = "policy",
    Trigger = "trigger",
    Rule = "rule",
    ReplicaIdentity = "replica_identity",
    View = "view",
    MaterializedView = "materialized_view",
    Publication = "publication",
    DefaultPrivileges = "default_privileges",
    /// Steps that go with an object's step, numbered by their place.
    Owner = "owner",
    Comment = "comment",
    Grant = "grant",
    Rls = "rls",
    TriggerState = "trigger_state",
    Step = "step",
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step that is one half of an object's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The drop half of a recreation.
    Drop,
    /// A constraint's validation, run apart from its addition.
    Validate,
    /// A column's new identity, added after its old default is gone.
    Identity,
    /// A column's new default, set after the sequence it reads is made.
    Default,
}

impl Stage {
    const ALL: [Stage; 4] = [
        Stage::Drop,
        Stage::Validate,
        Stage::Identity,
        Stage::Default,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Stage::Drop => ":drop",
            Stage::Validate => ":validate",
            Stage::Identity => ":identity",
            Stage::Default => ":default",
        }
    }
}

/// [`Id::words`] of an id's text, or of the object part of one.
pub fn words(text: &str) -> (&str, &str) {
    text.split_once(':').unwrap_or(("", text))
}

/// An object id (see the module's comment for its text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Id(String);

impl Id {
    /// `kind:key`; `key` is the object's model key (`schema.name`,
    /// `schema.name(args)` for a function, the name for a schema).
    pub fn new(kind: IdKind, key: impl fmt::Display) -> Id {
        Id(format!("{}:{key}", kind.as_str()))
    }

    /// `kind:key.part`: a part of the object `key` (a column, an index).
    pub fn part(kind: IdKind, key: impl fmt::Display, part: impl fmt::Display) -> Id {
        Id(format!("{}:{key}.{part}", kind.as_str()))
    }

    /// Reads an id from its text: `None` when its kind is not one of ours.
    pub fn parse(text: &str) -> Option<Id> {
        let (kind, _) = text.split_once(':')?;
        IdKind::parse(kind).map(|_| Id(text.to_string()))
    }

    /// The id of the step `stage` of this object.
    pub fn at(&self, stage: Stage) -> Id {
        Id(format!("{}{}", self.object(), stage.suffix()))
    }

    /// The rename step of this object, `rename:<id>`.
    pub fn renamed(&self) -> Id {
        Id(format!("rename:{}", self.0))
    }

    pub fn kind(&self) -> Option<IdKind> {
        self.0.split_once(':').and_then(|(k, _)| IdKind::parse(k))
    }

    pub fn is(&self, kind: IdKind) -> bool {
        self.kind() == Some(kind)
    }

    pub fn stage(&self) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .find(|s| self.0.ends_with(s.suffix()))
    }

    /// The object's id without the stage.
    pub fn object(&self) -> &str {
        match self.stage() {
            Some(s) => &self.0[..self.0.len() - s.suffix().len()],
            None => &self.0,
        }
    }

    /// The model key: the text after the kind, without the stage.
    pub fn key(&self) -> &str {
        let o = self.object();
        o.split_once(':').map_or(o, |(_, k)| k)
    }

    /// The kind's word and the rest, as written (`rename` and
    /// `table:public.t` for a rename's step).
    pub fn words(&self) -> (&str, &str) {
        words(&self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Id {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Id {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0
    }
}

/// Ids written out in tests.
#[cfg(test)]
impl From<&str> for Id {
    fn from(text: &str) -> Id {
        Id(text.to_string())
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_kind_key_and_stage() {
        let t = Id::new(IdKind::Table, "public.t");
        assert_eq!(t, "table:public.t");
        let c = Id::part(IdKind::Column, "public.t", "a");
        assert_eq!(c, "column:public.t.a");
        assert_eq!(c.kind(), Some(IdKind::Column));
        let d = c.at(Stage::Drop);
        assert_eq!(d, "column:public.t.a:drop");
        assert_eq!(d.stage(), Some(Stage::Drop));
        assert_eq!(d.object(), "column:public.t.a");
        assert_eq!(d.key(), "public.t.a");
        assert_eq!(d.at(Stage::Validate), "column:public.t.a:validate");
        assert_eq!(t.renamed(), "rename:table:public.t");
        assert_eq!(t.renamed().kind(), None);
        assert_eq!(Id::parse("nope:x"), None);
        for &k in IdKind::ALL {
            assert_eq!(IdKind::parse(k.as_str()), Some(k));
        }
    }
}

//! PostgreSQL server versions: which majors the tool reads and writes for.

use std::fmt;

pub mod features;

pub use features::Need;

/// The oldest major the catalog queries and the SQL written are made for.
pub const OLDEST_MAJOR: u32 = 14;
/// The newest major tested; newer ones are read as this one, with a warning.
pub const NEWEST_MAJOR: u32 = 18;

/// A server version as `server_version_num` gives it (170004 is 17.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PgVersion(pub u32);

impl PgVersion {
    /// The first release of a major.
    pub fn of_major(major: u32) -> PgVersion {
        PgVersion(major * 10_000)
    }

    pub fn major(self) -> u32 {
        self.0 / 10_000
    }

    /// At least this major.
    pub fn at_least(self, major: u32) -> bool {
        self.major() >= major
    }

    /// A major the tool reads and is tested on, or a newer one.
    pub fn supported(self) -> bool {
        self.major() >= OLDEST_MAJOR
    }

    /// Newer than any major the tool was tested on.
    pub fn untested(self) -> bool {
        self.major() > NEWEST_MAJOR
    }
}

/// The version of the server a model was read from; none for a desired
/// state. Two models are equal whatever servers they came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Server(pub Option<PgVersion>);

impl PartialEq for Server {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major(), self.0 % 10_000)
    }
}

impl serde::Serialize for PgVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majors_and_support() {
        let v = PgVersion(170004);
        assert_eq!(v.major(), 17);
        assert_eq!(v.to_string(), "17.4");
        assert!(v.supported() && v.at_least(15) && !v.at_least(18));
        assert!(!PgVersion(130012).supported());
        assert!(PgVersion::of_major(19).untested());
        assert!(!PgVersion::of_major(18).untested());
    }
}

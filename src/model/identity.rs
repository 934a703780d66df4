//! An identity column's sequence options with PostgreSQL's defaults for
//! the column's type filled in, so that options left unsaid and options
//! spelled as their defaults compare equal.

use super::IdentitySequence;

/// Every number option of an identity's sequence, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceOptions {
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
}

/// The values of integer type `type_` (an identity's sequence has its
/// column's type); bigint's for any other name.
pub fn type_range(type_: &str) -> (i64, i64) {
    match type_ {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

impl IdentitySequence {
    /// The options the sequence has on a column of `type_`: an ascending
    /// one runs from 1 to the type's maximum, a descending one from -1
    /// down to its minimum; it starts at the end it counts from.
    pub fn options(&self, type_: &str) -> SequenceOptions {
        let (lo, hi) = type_range(type_);
        let increment = self.increment.unwrap_or(1);
        let ascending = increment > 0;
        let min_value = self.min_value.unwrap_or(if ascending { 1 } else { lo });
        let max_value = self.max_value.unwrap_or(if ascending { hi } else { -1 });
        SequenceOptions {
            start: (self.start).unwrap_or(if ascending { min_value } else { max_value }),
            increment,
            min_value,
            max_value,
            cache: self.cache.unwrap_or(1),
            cycle: self.cycle,
        }
    }

    /// Leaves out each option that equals its default on a column of
    /// `type_`.
    pub fn canonicalise(&mut self, type_: &str) {
        let o = self.options(type_);
        let d = IdentitySequence {
            increment: Some(o.increment),
            ..Default::default()
        }
        .options(type_);
        let unless = |v: i64, default: i64| (v != default).then_some(v);
        self.increment = unless(o.increment, 1);
        self.min_value = unless(o.min_value, d.min_value);
        self.max_value = unless(o.max_value, d.max_value);
        let start = if o.increment > 0 {
            o.min_value
        } else {
            o.max_value
        };
        self.start = unless(o.start, start);
        self.cache = unless(o.cache, 1);
    }

    /// What PostgreSQL would refuse in these options on a column of
    /// `type_`.
    pub fn check(&self, type_: &str) -> Result<(), String> {
        let o = self.options(type_);
        let (lo, hi) = type_range(type_);
        if o.increment == 0 {
            return Err("the identity's increment is 0".into());
        }
        for (what, v) in [("min_value", o.min_value), ("max_value", o.max_value)] {
            if v < lo || v > hi {
                return Err(format!(
                    "the identity's {what} {v} is out of range for {type_}"
                ));
            }
        }
        if o.min_value >= o.max_value {
            return Err(format!(
                "the identity's min_value {} is not less than its max_value {}",
                o.min_value, o.max_value
            ));
        }
        if o.start < o.min_value || o.start > o.max_value {
            return Err(format!(
                "the identity's start {} is not between its min_value {} and max_value {}",
                o.start, o.min_value, o.max_value
            ));
        }
        if o.cache < 1 {
            return Err(format!("the identity's cache {} is less than 1", o.cache));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(f: impl FnOnce(&mut IdentitySequence)) -> IdentitySequence {
        let mut s = IdentitySequence::default();
        f(&mut s);
        s
    }

    #[test]
    fn defaults_spelled_out_are_left_out() {
        let mut s = seq(|s| {
            s.start = Some(1);
            s.increment = Some(1);
            s.min_value = Some(1);
            s.max_value = Some(i32::MAX.into());
            s.cache = Some(1);
        });
        s.canonicalise("integer");
        assert!(s.is_default());
        // The same maximum is not bigint's.
        let mut s = seq(|s| s.max_value = Some(i32::MAX.into()));
        s.canonicalise("bigint");
        assert_eq!(s.max_value, Some(i32::MAX.into()));
        let mut s = seq(|s| s.max_value = Some(i16::MAX.into()));
        s.canonicalise("smallint");
        assert!(s.is_default());
    }

    #[test]
    fn descending_counts_down_from_minus_one() {
        let mut s = seq(|s| {
            s.increment = Some(-1);
            s.start = Some(-1);
            s.max_value = Some(-1);
            s.min_value = Some(i64::MIN);
        });
        s.canonicalise("bigint");
        assert_eq!(s, seq(|s| s.increment = Some(-1)));
        let o = s.options("integer");
        assert_eq!(
            (o.start, o.min_value, o.max_value),
            (-1, i32::MIN.into(), -1)
        );
    }

    #[test]
    fn start_defaults_to_the_minimum() {
        // MINVALUE 10 alone starts at 10; START WITH 10 says nothing more.
        let mut a = seq(|s| s.min_value = Some(10));
        let mut b = seq(|s| {
            s.min_value = Some(10);
            s.start = Some(10);
        });
        a.canonicalise("integer");
        b.canonicalise("integer");
        assert_eq!(a, b);
        assert_eq!(a.options("integer").start, 10);
    }

    #[test]
    fn a_desired_state_with_bad_options_points_at_the_column() {
        let yaml = "tables:
  public.t:
    columns:
      id: { type: integer, identity: always, identity_sequence: { max_value: 3000000000 } }
";
        let e = crate::model::load::load_str(yaml, "schema.yaml").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with(
                "schema.yaml:4:7: the identity's max_value 3000000000 is out of range for integer"
            ),
            "{text}"
        );
    }

    #[test]
    fn refuses_what_postgresql_refuses() {
        assert!(seq(|s| s.increment = Some(0)).check("integer").is_err());
        assert!(seq(|s| s.max_value = Some(1 << 40))
            .check("integer")
            .is_err());
        assert!(seq(|s| s.max_value = Some(1 << 40)).check("bigint").is_ok());
        assert!(seq(|s| s.start = Some(0)).check("integer").is_err());
        assert!(seq(|s| {
            s.min_value = Some(10);
            s.max_value = Some(5);
        })
        .check("integer")
        .is_err());
        assert!(seq(|s| s.cache = Some(0)).check("integer").is_err());
    }
}

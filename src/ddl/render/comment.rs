//! The object a COMMENT, GRANT or OWNER TO statement is about, and comments.

use crate::model::name::quote_literal;
use crate::model::{quote_ident, QualifiedName};

use super::FunctionKey;

/// An object as COMMENT ON / ALTER ... OWNER TO name it.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Schema(&'a str),
    Extension(&'a str),
    Publication(&'a str),
    Collation(&'a QualifiedName),
    TextSearchConfiguration(&'a QualifiedName),
    Table(&'a QualifiedName),
    View(&'a QualifiedName),
    MaterializedView(&'a QualifiedName),
    Sequence(&'a QualifiedName),
    Type(&'a QualifiedName),
    Domain(&'a QualifiedName),
    Function(&'a FunctionKey),
    Procedure(&'a FunctionKey),
    Aggregate(&'a FunctionKey),
    /// A column of a table or view.
    Column(&'a QualifiedName, &'a str),
    /// A table constraint.
    Constraint(&'a QualifiedName, &'a str),
    /// An index, named in its table's schema.
    Index(&'a QualifiedName),
    Policy(&'a QualifiedName, &'a str),
    Trigger(&'a QualifiedName, &'a str),
    Rule(&'a QualifiedName, &'a str),
}

impl Target<'_> {
    /// `TABLE public.t`, `CONSTRAINT c ON public.t`, ...
    pub fn sql(&self) -> String {
        match self {
            Target::Schema(s) => format!("SCHEMA {}", quote_ident(s)),
            Target::Extension(e) => format!("EXTENSION {}", quote_ident(e)),
            Target::Publication(p) => format!("PUBLICATION {}", quote_ident(p)),
            Target::Collation(n) => format!("COLLATION {}", n.sql()),
            Target::TextSearchConfiguration(n) => {
                format!("TEXT SEARCH CONFIGURATION {}", n.sql())
            }
            Target::Table(n) => format!("TABLE {}", n.sql()),
            Target::View(n) => format!("VIEW {}", n.sql()),
            Target::MaterializedView(n) => format!("MATERIALIZED VIEW {}", n.sql()),
            Target::Sequence(n) => format!("SEQUENCE {}", n.sql()),
            Target::Type(n) => format!("TYPE {}", n.sql()),
            Target::Domain(n) => format!("DOMAIN {}", n.sql()),
            Target::Function(k) => format!("FUNCTION {}", k.sql()),
            Target::Procedure(k) => format!("PROCEDURE {}", k.sql()),
            Target::Aggregate(k) => {
                let args = if k.args.is_empty() { "*" } else { &k.args };
                format!("AGGREGATE {}({args})", k.name.sql())
            }
            Target::Column(t, c) => format!("COLUMN {}.{}", t.sql(), quote_ident(c)),
            Target::Constraint(t, c) => format!("CONSTRAINT {} ON {}", quote_ident(c), t.sql()),
            Target::Index(n) => format!("INDEX {}", n.sql()),
            Target::Policy(t, p) => format!("POLICY {} ON {}", quote_ident(p), t.sql()),
            Target::Trigger(t, g) => format!("TRIGGER {} ON {}", quote_ident(g), t.sql()),
            Target::Rule(t, r) => format!("RULE {} ON {}", quote_ident(r), t.sql()),
        }
    }
}

/// `COMMENT ON <target> IS '...';`
pub fn comment_on(target: Target<'_>, text: &str) -> String {
    format!("COMMENT ON {} IS {};", target.sql(), quote_literal(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddl::render::parse_function_key;

    #[test]
    fn comments() {
        let t = QualifiedName::new("public", "Users");
        let k = parse_function_key("public.f(integer)").unwrap();
        let a = parse_function_key("public.cnt()").unwrap();
        let cases = [
            (Target::Schema("app"), "COMMENT ON SCHEMA app IS 'it''s';"),
            (
                Target::Extension("uuid-ossp"),
                "COMMENT ON EXTENSION \"uuid-ossp\" IS 'it''s';",
            ),
            (
                Target::Table(&t),
                "COMMENT ON TABLE public.\"Users\" IS 'it''s';",
            ),
            (
                Target::View(&t),
                "COMMENT ON VIEW public.\"Users\" IS 'it''s';",
            ),
            (
                Target::MaterializedView(&t),
                "COMMENT ON MATERIALIZED VIEW public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Sequence(&t),
                "COMMENT ON SEQUENCE public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Type(&t),
                "COMMENT ON TYPE public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Domain(&t),
                "COMMENT ON DOMAIN public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Function(&k),
                "COMMENT ON FUNCTION public.f(integer) IS 'it''s';",
            ),
            (
                Target::Procedure(&k),
                "COMMENT ON PROCEDURE public.f(integer) IS 'it''s';",
            ),
            (
                Target::Aggregate(&a),
                "COMMENT ON AGGREGATE public.cnt(*) IS 'it''s';",
            ),
            (
                Target::Column(&t, "select"),
                "COMMENT ON COLUMN public.\"Users\".\"select\" IS 'it''s';",
            ),
            (
                Target::Constraint(&t, "Users_pkey"),
                "COMMENT ON CONSTRAINT \"Users_pkey\" ON public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Index(&t),
                "COMMENT ON INDEX public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Policy(&t, "own"),
                "COMMENT ON POLICY own ON public.\"Users\" IS 'it''s';",
            ),
            (
                Target::Trigger(&t, "audit"),
                "COMMENT ON TRIGGER audit ON public.\"Users\" IS 'it''s';",
            ),
        ];
        for (target, want) in cases {
            assert_eq!(comment_on(target, "it's"), want);
        }
    }
}

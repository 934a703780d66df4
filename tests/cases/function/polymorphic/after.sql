CREATE FUNCTION f(x anyelement) RETURNS anyelement LANGUAGE sql AS $$ SELECT x $$;
CREATE FUNCTION g(VARIADIC xs anyarray) RETURNS integer LANGUAGE sql AS $$ SELECT cardinality(xs) $$;

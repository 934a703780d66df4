CREATE FUNCTION complex_lt(a integer, b integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT abs(a) < abs(b) $$;
CREATE OPERATOR <<< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = complex_lt);

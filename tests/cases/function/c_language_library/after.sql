CREATE FUNCTION my_soundex(text) RETURNS text AS '$libdir/fuzzystrmatch', 'soundex' LANGUAGE c IMMUTABLE STRICT;

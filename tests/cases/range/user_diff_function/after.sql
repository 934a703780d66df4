CREATE SCHEMA util;
CREATE FUNCTION util.time_diff(a time, b time) RETURNS float8 LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT EXTRACT(EPOCH FROM (a - b)) $$;
CREATE TYPE util.timerange AS RANGE (subtype = time, subtype_diff = util.time_diff);
CREATE TABLE shift (id integer PRIMARY KEY, hours util.timerange);

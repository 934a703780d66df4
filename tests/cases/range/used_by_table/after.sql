CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TABLE reading (
    id integer PRIMARY KEY,
    span floatrange NOT NULL,
    spans floatmultirange,
    EXCLUDE USING gist (span WITH &&)
);
CREATE VIEW wide AS SELECT id, upper(span) - lower(span) AS width FROM reading;
CREATE FUNCTION width(r floatrange) RETURNS float8 LANGUAGE sql IMMUTABLE
    RETURN upper(r) - lower(r);

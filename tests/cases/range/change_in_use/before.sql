CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE reading (id integer PRIMARY KEY, span floatrange DEFAULT '[0,1)', spans floatmultirange, EXCLUDE USING gist (span WITH &&));
CREATE VIEW wide AS SELECT id, upper(span) - lower(span) AS width FROM reading;
INSERT INTO reading VALUES (1, '[1,2)', '{[1,2),[3,4)}');

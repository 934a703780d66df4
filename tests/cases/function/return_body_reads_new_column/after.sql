CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE FUNCTION sum_b() RETURNS bigint LANGUAGE sql STABLE RETURN (SELECT sum(b) FROM t);

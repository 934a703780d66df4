CREATE TYPE status AS ENUM ('a', 'b');
CREATE TABLE t (id integer PRIMARY KEY, s status);
CREATE VIEW v AS SELECT id FROM t WHERE s = 'a';

CREATE TABLE t2 (id integer PRIMARY KEY, a text, created date);
CREATE VIEW v AS SELECT id, a FROM t2;

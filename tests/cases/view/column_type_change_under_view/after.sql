CREATE TABLE t (id integer PRIMARY KEY, a varchar(50));
CREATE VIEW v AS SELECT id, a FROM t;

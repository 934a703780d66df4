CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT id, a::varchar AS a FROM t;
CREATE RULE v_del AS ON DELETE TO v DO INSTEAD DELETE FROM t WHERE t.id = OLD.id;

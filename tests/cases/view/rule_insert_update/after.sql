CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT id, a FROM t;
CREATE RULE v_ins AS ON INSERT TO v DO INSTEAD INSERT INTO t (id, a) VALUES (NEW.id, NEW.a) RETURNING t.id, t.a;
CREATE RULE v_upd AS ON UPDATE TO v DO INSTEAD UPDATE t SET a = NEW.a WHERE t.id = OLD.id;
COMMENT ON RULE v_ins ON v IS 'writes through';

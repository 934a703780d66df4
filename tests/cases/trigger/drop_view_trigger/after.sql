CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT id, a FROM t;
CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO t (id, a) VALUES (NEW.id, NEW.a); RETURN NEW; END $$;

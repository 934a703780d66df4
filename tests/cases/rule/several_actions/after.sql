CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE TABLE t_log (id integer, a text);
CREATE RULE t_log_upd AS ON UPDATE TO t DO ALSO (INSERT INTO t_log VALUES (OLD.id, OLD.a); INSERT INTO t_log VALUES (NEW.id, 'it''s; new'); NOTIFY t_changed);
